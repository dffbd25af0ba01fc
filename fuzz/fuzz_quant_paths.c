/*
 * Differential fuzz target: every vector kernel must equal its _ref.
 *
 * Input layout (every byte string is a valid input):
 *   [0] type: index into the registered kernel types (modulo their count)
 *   [1] bit 0: with importance weights; bits 1-2: how the payload becomes
 *       floats (0: f32 bits, 1: f16 bits, 2: int8 * 2^e, which makes
 *       rounding ties, 3: bf16 bits)
 *   [2] row length in blocks (modulo 18), so lengths straddle every lane
 *       count whatever the input size
 *   [3] e for mode 2 (signed, -32..31); low 3 bits add values to plain rows
 *   [4..] payload, read cyclically for values and weights; also dequantized
 *       as raw blocks.
 * Finite values: every path's quantize bytes and dequantize bits must equal
 * the ref's, and slim_quantize's must too. With a NaN or Inf: every path's
 * scan must find the first one, and slim_quantize, given rows of one block
 * each, must reject it with that row and column.
 */
#include "slim.h"
#include "simd/kernels.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KTYPE(t, T) SLIM_TYPE_##T,
static const slim_type types[] = { SLIM_KERNEL_TYPES(KTYPE) };
#undef KTYPE
#define NTYPES (sizeof types / sizeof types[0])

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    const uint8_t *p;
    size_t n;
} payload;

static uint8_t byte_at(const payload *pl, size_t i)
{
    return pl->n ? pl->p[i % pl->n] : 0;
}

static uint32_t word_at(const payload *pl, size_t i, int bytes)
{
    uint32_t v = 0;
    for (int k = 0; k < bytes; k++)
        v |= (uint32_t)byte_at(pl, i * (size_t)bytes + (size_t)k) << (8 * k);
    return v;
}

static float from_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* binary16 bits to float, by value (independent of the library's code). */
static float half_value(uint16_t h)
{
    int e = (h >> 10) & 0x1f, m = h & 0x3ff;
    float v = e == 0x1f ? (m ? NAN : INFINITY)
              : e ? ldexpf((float)(m | 0x400), e - 25) : ldexpf((float)m, -24);
    return (h & 0x8000) ? -v : v;
}

static float value(const payload *pl, size_t i, int mode, int e)
{
    switch (mode) {
    case 0: return from_bits(word_at(pl, i, 4));
    case 1: return half_value((uint16_t)word_at(pl, i, 2));
    case 2: return ldexpf((float)(int8_t)byte_at(pl, i), e);
    default: return from_bits(word_at(pl, i, 2) << 16);
    }
}

static void fail(const char *what, slim_type type, slim_path path, int64_t n)
{
    fprintf(stderr, "fuzz_quant_paths: %s: type %s path %s n=%lld\n", what,
            slim_type_get(type)->name, slim_path_name(path), (long long)n);
    abort();
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        abort();
    return p;
}

/* Bitwise, except that any two NaNs match (for garbage blocks). */
static int same_floats(const float *a, const float *b, int64_t n, int nan_any)
{
    for (int64_t i = 0; i < n; i++)
        if (memcmp(&a[i], &b[i], 4) != 0 && !(nan_any && isnan(a[i]) && isnan(b[i])))
            return 0;
    return 1;
}

static void check_nonfinite(slim_type type, const float *x, int64_t rows, int64_t cols,
                            int64_t first)
{
    for (int p = 1; p < SLIM_PATH_COUNT; p++)
        if (slim_path_supported((slim_path)p) &&
            slim_find_nonfinite_kernel((slim_path)p)(x, rows * cols) != first)
            fail("NaN/Inf scan differs", type, (slim_path)p, rows * cols);
    size_t row_bytes = 0;
    if (slim_row_size(type, cols, &row_bytes) != SLIM_OK)
        abort();
    uint8_t *y = xmalloc(row_bytes * (size_t)rows);
    slim_position where = { -1, -1 };
    slim_error e = slim_quantize(type, x, y, rows, cols, NULL, 2, &where);
    if (e != SLIM_ERR_NONFINITE || where.row != first / cols || where.col != first % cols)
        fail("slim_quantize did not report the first NaN/Inf", type, slim_cpu_path(),
             rows * cols);
    free(y);
}

static void check_paths(slim_type type, const float *x, int64_t rows, int64_t cols,
                        const float *qw, const payload *pl)
{
    const slim_type_info *info = slim_type_get(type);
    const int64_t n = rows * cols;
    const size_t bytes = (size_t)(n / info->block_size) * info->block_bytes;
    uint8_t *want = xmalloc(bytes), *got = xmalloc(bytes);
    float *dwant = xmalloc((size_t)n * sizeof(float)), *dgot = xmalloc((size_t)n * sizeof(float));
    slim_quantize_kernel(type, SLIM_PATH_SCALAR, NULL)(x, want, n, qw);
    slim_dequantize_row_fn dref = slim_dequantize_kernel(type, SLIM_PATH_SCALAR, NULL);
    dref(want, dwant, n);

    /* The payload itself as blocks: any bytes must dequantize alike. */
    uint8_t *raw = xmalloc(bytes);
    for (size_t i = 0; i < bytes; i++)
        raw[i] = byte_at(pl, i);
    float *rwant = xmalloc((size_t)n * sizeof(float));
    dref(raw, rwant, n);

    for (int p = 1; p < SLIM_PATH_COUNT; p++) {
        if (!slim_path_supported((slim_path)p))
            continue;
        slim_path used;
        slim_quantize_row_fn q = slim_quantize_kernel(type, (slim_path)p, &used);
        if (q && used == (slim_path)p) {
            memset(got, 0x5a, bytes);
            q(x, got, n, qw);
            if (memcmp(got, want, bytes) != 0)
                fail("quantize differs from ref", type, (slim_path)p, n);
        }
        slim_dequantize_row_fn d = slim_dequantize_kernel(type, (slim_path)p, &used);
        if (d && used == (slim_path)p) {
            d(want, dgot, n);
            if (!same_floats(dgot, dwant, n, 0))
                fail("dequantize differs from ref", type, (slim_path)p, n);
            d(raw, dgot, n);
            if (!same_floats(dgot, rwant, n, 1))
                fail("dequantize of raw blocks differs from ref", type, (slim_path)p, n);
        }
    }
    /* Through the public API (current path): one row, since the imatrix
     * quantizers of some types use statistics of the whole row. */
    if (n > 0) {
        memset(got, 0x5a, bytes);
        slim_position where = { -1, -1 };
        if (slim_quantize(type, x, got, 1, n, qw, 2, &where) != SLIM_OK ||
            memcmp(got, want, bytes) != 0)
            fail("slim_quantize differs from ref", type, slim_cpu_path(), n);
    }
    free(rwant);
    free(raw);
    free(dgot);
    free(dwant);
    free(got);
    free(want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4 || NTYPES == 0)
        return 0;
    const slim_type type = types[data[0] % NTYPES];
    const slim_type_info *info = slim_type_get(type);
    const int with_qw = data[1] & 1, mode = (data[1] >> 1) & 3;
    const int e = (int)(int8_t)data[3] >> 2;
    const payload pl = { data + 4, size - 4 };
    /* Rows of one block (plain types: of 8 values), so positions of bad
     * values have a row and a column. */
    const int64_t cols = info->block_size > 1 ? info->block_size : 8 + (data[3] & 7);
    const int64_t rows = data[2] % 18, n = rows * cols;

    float *x = xmalloc((size_t)n * sizeof(float));
    int64_t first_bad = -1;
    for (int64_t i = 0; i < n; i++) {
        x[i] = value(&pl, (size_t)i, mode, e);
        if (first_bad < 0 && !isfinite(x[i]))
            first_bad = i;
    }
    if (first_bad >= 0) {
        check_nonfinite(type, x, rows, cols, first_bad);
        free(x);
        return 0;
    }
    float *qw = NULL;
    if (with_qw) {
        /* ggml's weights are non-negative; zeros are allowed. */
        qw = xmalloc((size_t)n * sizeof(float));
        for (int64_t i = 0; i < n; i++)
            qw[i] = (float)byte_at(&pl, (size_t)i * 7 + 3) * 0.0625f;
    }
    check_paths(type, x, rows, cols, qw, &pl);
    free(qw);
    free(x);
    return 0;
}
