/* safetensors dtype names and sizes (the subset slim supports). */
#include "slim.h"

#include <string.h>

static const struct {
    const char *name;
    size_t size;
} dtypes[SLIM_DTYPE_COUNT] = {
    [SLIM_DTYPE_BOOL] = { "BOOL", 1 },       [SLIM_DTYPE_U8] = { "U8", 1 },
    [SLIM_DTYPE_I8] = { "I8", 1 },           [SLIM_DTYPE_U16] = { "U16", 2 },
    [SLIM_DTYPE_I16] = { "I16", 2 },         [SLIM_DTYPE_F16] = { "F16", 2 },
    [SLIM_DTYPE_BF16] = { "BF16", 2 },       [SLIM_DTYPE_U32] = { "U32", 4 },
    [SLIM_DTYPE_I32] = { "I32", 4 },         [SLIM_DTYPE_F32] = { "F32", 4 },
    [SLIM_DTYPE_U64] = { "U64", 8 },         [SLIM_DTYPE_I64] = { "I64", 8 },
    [SLIM_DTYPE_F64] = { "F64", 8 },         [SLIM_DTYPE_F8_E4M3] = { "F8_E4M3", 1 },
    [SLIM_DTYPE_F8_E5M2] = { "F8_E5M2", 1 },
};

const char *slim_dtype_name(slim_dtype d)
{
    return (unsigned)d < SLIM_DTYPE_COUNT ? dtypes[d].name : NULL;
}

size_t slim_dtype_size(slim_dtype d)
{
    return (unsigned)d < SLIM_DTYPE_COUNT ? dtypes[d].size : 0;
}

slim_error slim_dtype_from_name(const char *name, slim_dtype *out)
{
    if (!name || !out)
        return SLIM_ERR_INVALID_ARG;
    for (int d = 0; d < SLIM_DTYPE_COUNT; d++)
        if (strcmp(dtypes[d].name, name) == 0) {
            *out = (slim_dtype)d;
            return SLIM_OK;
        }
    return SLIM_ERR_BAD_TYPE;
}
