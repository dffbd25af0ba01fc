/* GGUF value types and tensor sizes, shared by the reader and the writer. */
#include "formats/gguf_internal.h"
#include "formats/fmt_internal.h"

static const struct {
    const char *name;
    size_t size;
} types[SLIM_GGUF_TYPE_COUNT] = {
    [SLIM_GGUF_U8] = { "u8", 1 },      [SLIM_GGUF_I8] = { "i8", 1 },
    [SLIM_GGUF_U16] = { "u16", 2 },    [SLIM_GGUF_I16] = { "i16", 2 },
    [SLIM_GGUF_U32] = { "u32", 4 },    [SLIM_GGUF_I32] = { "i32", 4 },
    [SLIM_GGUF_F32] = { "f32", 4 },    [SLIM_GGUF_BOOL] = { "bool", 1 },
    [SLIM_GGUF_STRING] = { "string", 0 }, [SLIM_GGUF_ARRAY] = { "array", 0 },
    [SLIM_GGUF_U64] = { "u64", 8 },    [SLIM_GGUF_I64] = { "i64", 8 },
    [SLIM_GGUF_F64] = { "f64", 8 },
};

size_t slim_gguf_type_size(slim_gguf_type t)
{
    return (unsigned)t < SLIM_GGUF_TYPE_COUNT ? types[t].size : 0;
}

const char *slim_gguf_type_name(slim_gguf_type t)
{
    return (unsigned)t < SLIM_GGUF_TYPE_COUNT ? types[t].name : "?";
}

slim_error slim_gguf_tensor_bytes(slim_type type, const int64_t ne[4], uint64_t *out,
                                  int *bad_dim)
{
    *bad_dim = -1;
    const slim_type_info *ti = (unsigned)type < SLIM_TYPE_COUNT ? slim_type_get(type) : NULL;
    if (!ti || ti->block_size <= 0 || ti->block_bytes == 0)
        return SLIM_ERR_BAD_TYPE;
    uint64_t elems = 1;
    for (int d = 0; d < SLIM_GGUF_MAX_DIMS; d++) {
        *bad_dim = d;
        if (ne[d] < 1)
            return SLIM_ERR_SHAPE;
        /* ggml requires the element count to stay below INT64_MAX. */
        if (!slim_mul_u64(elems, (uint64_t)ne[d], &elems) || elems >= INT64_MAX)
            return SLIM_ERR_OVERFLOW;
    }
    *bad_dim = 0;
    if (ne[0] % ti->block_size != 0)
        return SLIM_ERR_SHAPE;
    uint64_t bytes = (uint64_t)(ne[0] / ti->block_size);
    *bad_dim = -1;
    if (!slim_mul_u64(bytes, ti->block_bytes, &bytes))
        return SLIM_ERR_OVERFLOW;
    for (int d = 1; d < SLIM_GGUF_MAX_DIMS; d++)
        if (!slim_mul_u64(bytes, (uint64_t)ne[d], &bytes))
            return SLIM_ERR_OVERFLOW;
    *out = bytes;
    return SLIM_OK;
}
