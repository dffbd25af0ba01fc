/*
 * The type table: one row per ggml type id, with ggml's names and block
 * geometry. Retired ids keep their empty slot so that ids never move.
 */
#include "slim.h"
#include "simd/kernels.h"

#include <pthread.h>
#include <strings.h>

#define PLAIN(T, nm, bytes) [SLIM_TYPE_##T] = { SLIM_TYPE_##T, nm, 1, bytes, 0, 0 }
#define QUANT(T, nm, blk, bytes) [SLIM_TYPE_##T] = { SLIM_TYPE_##T, nm, blk, bytes, 1, 0 }

static slim_type_info table[SLIM_TYPE_COUNT] = {
    PLAIN(F32, "f32", 4),
    PLAIN(F16, "f16", 2),
    QUANT(Q4_0, "q4_0", 32, 18),
    QUANT(Q4_1, "q4_1", 32, 20),
    QUANT(Q5_0, "q5_0", 32, 22),
    QUANT(Q5_1, "q5_1", 32, 24),
    QUANT(Q8_0, "q8_0", 32, 34),
    QUANT(Q8_1, "q8_1", 32, 36),
    QUANT(Q2_K, "q2_K", 256, 84),
    QUANT(Q3_K, "q3_K", 256, 110),
    QUANT(Q4_K, "q4_K", 256, 144),
    QUANT(Q5_K, "q5_K", 256, 176),
    QUANT(Q6_K, "q6_K", 256, 210),
    QUANT(Q8_K, "q8_K", 256, 292),
    QUANT(IQ2_XXS, "iq2_xxs", 256, 66),
    QUANT(IQ2_XS, "iq2_xs", 256, 74),
    QUANT(IQ3_XXS, "iq3_xxs", 256, 98),
    QUANT(IQ1_S, "iq1_s", 256, 50),
    QUANT(IQ4_NL, "iq4_nl", 32, 18),
    QUANT(IQ3_S, "iq3_s", 256, 110),
    QUANT(IQ2_S, "iq2_s", 256, 82),
    QUANT(IQ4_XS, "iq4_xs", 256, 136),
    PLAIN(I8, "i8", 1),
    PLAIN(I16, "i16", 2),
    PLAIN(I32, "i32", 4),
    PLAIN(I64, "i64", 8),
    PLAIN(F64, "f64", 8),
    QUANT(IQ1_M, "iq1_m", 256, 56),
    PLAIN(BF16, "bf16", 2),
    QUANT(TQ1_0, "tq1_0", 256, 54),
    QUANT(TQ2_0, "tq2_0", 256, 66),
    QUANT(MXFP4, "mxfp4", 32, 17),
};

/* has_kernels follows from the kernel list, so it cannot drift from it. */
static void mark_kernels(void)
{
#define MARK(t, T) table[SLIM_TYPE_##T].has_kernels = 1;
    SLIM_KERNEL_TYPES(MARK)
#undef MARK
}

static const slim_type_info *lookup(slim_type type)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, mark_kernels);
    if ((unsigned)type >= SLIM_TYPE_COUNT || table[type].name == NULL)
        return NULL;
    return &table[type];
}

const slim_type_info *slim_type_get(slim_type type)
{
    return lookup(type);
}

slim_error slim_type_from_name(const char *name, slim_type *out)
{
    if (!name || !out)
        return SLIM_ERR_INVALID_ARG;
    for (int t = 0; t < SLIM_TYPE_COUNT; t++) {
        const slim_type_info *info = lookup((slim_type)t);
        if (info && strcasecmp(info->name, name) == 0) {
            *out = (slim_type)t;
            return SLIM_OK;
        }
    }
    return SLIM_ERR_BAD_TYPE;
}

double slim_type_bits_per_weight(slim_type type)
{
    const slim_type_info *info = lookup(type);
    return info ? 8.0 * (double)info->block_bytes / (double)info->block_size : 0.0;
}

slim_error slim_row_size(slim_type type, int64_t cols, size_t *out)
{
    const slim_type_info *info = lookup(type);
    if (!info)
        return SLIM_ERR_BAD_TYPE;
    if (!out)
        return SLIM_ERR_INVALID_ARG;
    if (cols <= 0 || cols % info->block_size != 0)
        return SLIM_ERR_SHAPE;
    uint64_t blocks = (uint64_t)(cols / info->block_size);
    if (blocks > SIZE_MAX / info->block_bytes)
        return SLIM_ERR_OVERFLOW;
    *out = (size_t)blocks * info->block_bytes;
    return SLIM_OK;
}
