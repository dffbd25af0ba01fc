/*
 * slim_quantize / slim_dequantize through the public API: ggml's reference
 * vectors on every supported path, independence from the thread count, the
 * position of the first NaN or Inf, argument errors and round trips.
 */
#include "slim.h"
#include "tests/util.h"

#include <criterion/criterion.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The next type after `t` that slim has kernels for, or SLIM_TYPE_COUNT. */
static int next_kernel_type(int t)
{
    for (t++; t < SLIM_TYPE_COUNT; t++) {
        const slim_type_info *info = slim_type_get((slim_type)t);
        if (info && info->has_kernels)
            break;
    }
    return t;
}
#define FOR_KERNEL_TYPES(t) for (int t = next_kernel_type(-1); t < SLIM_TYPE_COUNT; t = next_kernel_type(t))

static void *xcalloc(size_t n)
{
    void *p = calloc(n ? n : 1, 1);
    cr_assert_not_null(p, "out of memory");
    return p;
}

/* Index of the first differing byte, or -1. */
static int64_t first_diff(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return (int64_t)i;
    return -1;
}

/* ---- ggml's vectors, on every path this CPU has ---- */

static void check_shared_set(const char *set)
{
    if (!test_data_dir())
        cr_skip_test("shared vectors absent: set SLIM_SHARED_DATA or provide ../shared/data");
    test_quant_set s;
    if (!test_quant_set_load(set, &s))
        cr_skip_test("shared set %s absent", set);
    int compared = 0;
    for (int p = 0; p < SLIM_PATH_COUNT; p++) {
        if (!slim_path_supported((slim_path)p))
            continue;
        cr_assert_eq(slim_set_path((slim_path)p), SLIM_OK);
        const char *pn = slim_path_name((slim_path)p);
        FOR_KERNEL_TYPES(t) {
            const slim_type_info *info = slim_type_get((slim_type)t);
            for (int imx = 0; imx < 2; imx++) {
                size_t fsize = 0, row_bytes = 0;
                uint8_t *want = test_quant_file(set, info->name, imx ? ".imx.q" : ".q", &fsize);
                if (!want)
                    continue;
                cr_assert_eq(slim_row_size((slim_type)t, s.cols, &row_bytes), SLIM_OK);
                cr_assert_eq(fsize, row_bytes * (size_t)s.rows, "%s %s size", set, info->name);
                uint8_t *got = xcalloc(fsize);
                slim_position where = { -1, -1 };
                slim_error e = slim_quantize((slim_type)t, s.x, got, s.rows, s.cols,
                                             imx ? s.imatrix : NULL, 2, &where);
                cr_expect_eq(e, SLIM_OK, "%s %s %s: %s", pn, set, info->name, slim_strerror(e));
                int64_t at = first_diff(got, want, fsize);
                cr_expect_eq(at, -1, "%s %s %s%s: row %" PRId64 " byte %" PRId64 " differs", pn,
                             set, info->name, imx ? " imx" : "", at / (int64_t)row_bytes,
                             at % (int64_t)row_bytes);
                size_t dsize = 0;
                float *dwant = test_quant_file(set, info->name, imx ? ".imx.deq.f32" : ".deq.f32",
                                               &dsize);
                if (dwant) {
                    cr_assert_eq(dsize, (size_t)(s.rows * s.cols) * sizeof(float));
                    float *dgot = xcalloc(dsize);
                    e = slim_dequantize((slim_type)t, want, dgot, s.rows, s.cols, 2);
                    cr_expect_eq(e, SLIM_OK);
                    at = first_diff(dgot, dwant, dsize);
                    cr_expect_eq(at, -1, "%s %s %s%s dequantize: value %" PRId64 " differs", pn,
                                 set, info->name, imx ? " imx" : "", at / 4);
                    free(dgot);
                    free(dwant);
                }
                compared++;
                free(got);
                free(want);
            }
        }
    }
    cr_expect_gt(compared, 0, "no reference file matched a type with kernels");
    test_quant_set_free(&s);
}

Test(quantize, ggml_vectors_synthetic) { check_shared_set("synthetic"); }
Test(quantize, ggml_vectors_stories260K) { check_shared_set("stories260K"); }

/* ---- threads ---- */

Test(quantize, output_does_not_depend_on_threads)
{
    /* 777 rows of 256: four work items (256 rows each, the last ragged). */
    const int64_t rows = 777, cols = 256;
    float *x = xcalloc((size_t)(rows * cols) * sizeof(float));
    float *w = xcalloc((size_t)cols * sizeof(float));
    test_rng r;
    test_rng_seed(&r, 42);
    for (int64_t i = 0; i < rows; i++)
        test_gen_fill(TEST_GEN_MIXED, x + i * cols, cols, 32, &r);
    test_qw_fill(TEST_QW_RANDOM, w, cols, 32, &r);
    static const int threads[] = { 1, 2, 7, 0 };
    FOR_KERNEL_TYPES(t) {
        const slim_type_info *info = slim_type_get((slim_type)t);
        size_t rb;
        cr_assert_eq(slim_row_size((slim_type)t, cols, &rb), SLIM_OK);
        size_t total = rb * (size_t)rows;
        uint8_t *q[4];
        float *d[4];
        for (int k = 0; k < 4; k++) {
            q[k] = xcalloc(total);
            d[k] = xcalloc((size_t)(rows * cols) * sizeof(float));
            cr_assert_eq(slim_quantize((slim_type)t, x, q[k], rows, cols, w, threads[k], NULL),
                         SLIM_OK, "%s threads=%d", info->name, threads[k]);
            cr_assert_eq(slim_dequantize((slim_type)t, q[0], d[k], rows, cols, threads[k]),
                         SLIM_OK);
        }
        for (int k = 1; k < 4; k++) {
            int64_t at = first_diff(q[k], q[0], total);
            cr_expect_eq(at, -1, "%s: threads=%d differs from threads=1 at row %" PRId64,
                         info->name, threads[k], at / (int64_t)rb);
            at = first_diff(d[k], d[0], (size_t)(rows * cols) * sizeof(float));
            cr_expect_eq(at, -1, "%s dequantize: threads=%d differs from threads=1",
                         info->name, threads[k]);
        }
        for (int k = 0; k < 4; k++) {
            free(q[k]);
            free(d[k]);
        }
    }
    free(w);
    free(x);
}

/* ---- NaN and Inf ---- */

typedef struct { int64_t row, col; uint32_t bits; } bad_value;

Test(quantize, nonfinite_reports_the_first_position)
{
    /* 200 rows of 1024: four work items, so a later item may find its NaN
     * first; the report must still be the smallest (row, col). */
    const int64_t rows = 200, cols = 1024;
    static const bad_value cases[][3] = {
        { { 0, 0, 0x7fc00000u } },
        { { 199, 1023, 0x7f800000u } },
        { { 150, 7, 0xff800000u }, { 190, 0, 0x7fc00000u } },
        { { 180, 3, 0x7f800001u }, { 70, 1000, 0xffc00000u }, { 70, 1001, 0x7f800000u } },
        { { 64, 5, 0x7f800000u }, { 64, 2, 0x7fffffffu } },
    };
    static const slim_position expect[] = { { 0, 0 }, { 199, 1023 }, { 150, 7 }, { 70, 1000 },
                                            { 64, 2 } };
    static const int threads[] = { 1, 2, 7 };
    float *x = xcalloc((size_t)(rows * cols) * sizeof(float));
    uint8_t *dst = xcalloc((size_t)(rows * cols) * sizeof(float));
    FOR_KERNEL_TYPES(t) {
        const slim_type_info *info = slim_type_get((slim_type)t);
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            memset(x, 0, (size_t)(rows * cols) * sizeof(float));
            for (int k = 0; k < 3 && cases[c][k].bits; k++)
                memcpy(&x[cases[c][k].row * cols + cases[c][k].col], &cases[c][k].bits, 4);
            for (size_t th = 0; th < sizeof threads / sizeof threads[0]; th++) {
                slim_position where = { -1, -1 };
                slim_error e = slim_quantize((slim_type)t, x, dst, rows, cols, NULL,
                                             threads[th], &where);
                cr_expect_eq(e, SLIM_ERR_NONFINITE, "%s case %zu", info->name, c);
                cr_expect(where.row == expect[c].row && where.col == expect[c].col,
                          "%s case %zu threads=%d: got (%" PRId64 ", %" PRId64
                          ") want (%" PRId64 ", %" PRId64 ")",
                          info->name, c, threads[th], where.row, where.col, expect[c].row,
                          expect[c].col);
            }
        }
        /* Without `where` the error is still reported. */
        cr_expect_eq(slim_quantize((slim_type)t, x, dst, rows, cols, NULL, 2, NULL),
                     SLIM_ERR_NONFINITE);
    }
    free(dst);
    free(x);
}

Test(quantize, where_is_untouched_on_success)
{
    float x[256] = { 0 };
    uint8_t y[1024];
    slim_position where = { 77, 88 };
    cr_assert_eq(slim_quantize(SLIM_TYPE_Q4_0, x, y, 1, 256, NULL, 1, &where), SLIM_OK);
    cr_expect(where.row == 77 && where.col == 88);
}

/* ---- argument errors ---- */

Test(quantize, argument_errors)
{
    float x[64] = { 0 }, d[64];
    uint8_t y[256];
    slim_position where = { -1, -1 };
    cr_expect_eq(slim_quantize(SLIM_TYPE_Q4_0, x, y, 1, 33, NULL, 1, &where), SLIM_ERR_SHAPE);
    cr_expect_eq(slim_quantize(SLIM_TYPE_Q4_0, x, y, 1, 0, NULL, 1, &where), SLIM_ERR_SHAPE);
    cr_expect_eq(slim_quantize(SLIM_TYPE_Q4_K, x, y, 1, 64, NULL, 1, &where), SLIM_ERR_SHAPE);
    cr_expect_eq(slim_quantize(SLIM_TYPE_Q4_0, x, y, -1, 32, NULL, 1, &where),
                 SLIM_ERR_INVALID_ARG);
    cr_expect_eq(slim_quantize(SLIM_TYPE_Q4_0, NULL, y, 1, 32, NULL, 1, &where),
                 SLIM_ERR_INVALID_ARG);
    cr_expect_eq(slim_quantize(SLIM_TYPE_Q4_0, x, NULL, 1, 32, NULL, 1, &where),
                 SLIM_ERR_INVALID_ARG);
    cr_expect_eq(slim_quantize(SLIM_TYPE_Q4_0, NULL, NULL, 0, 32, NULL, 1, &where), SLIM_OK,
                 "zero rows is nothing to do");
    cr_expect_eq(slim_quantize((slim_type)4, x, y, 1, 32, NULL, 1, &where), SLIM_ERR_BAD_TYPE);
    cr_expect_eq(slim_quantize((slim_type)1000, x, y, 1, 32, NULL, 1, &where),
                 SLIM_ERR_BAD_TYPE);
    cr_expect_eq(slim_quantize(SLIM_TYPE_Q4_0, x, y, INT64_MAX, 32, NULL, 1, &where),
                 SLIM_ERR_OVERFLOW);
    cr_expect(where.row == -1 && where.col == -1, "where is only for SLIM_ERR_NONFINITE");

    cr_expect_eq(slim_dequantize(SLIM_TYPE_Q4_0, y, d, 1, 48, 1), SLIM_ERR_SHAPE);
    cr_expect_eq(slim_dequantize(SLIM_TYPE_Q4_0, y, d, -1, 32, 1), SLIM_ERR_INVALID_ARG);
    cr_expect_eq(slim_dequantize(SLIM_TYPE_Q4_0, NULL, d, 1, 32, 1), SLIM_ERR_INVALID_ARG);
    cr_expect_eq(slim_dequantize(SLIM_TYPE_Q4_0, y, NULL, 1, 32, 1), SLIM_ERR_INVALID_ARG);
    cr_expect_eq(slim_dequantize((slim_type)5, y, d, 1, 32, 1), SLIM_ERR_BAD_TYPE);
    cr_expect_eq(slim_dequantize(SLIM_TYPE_Q4_0, y, d, INT64_MAX, 32, 1), SLIM_ERR_OVERFLOW);

    /* Known types without kernels are unsupported, not unknown. */
    int unsupported = 0;
    for (int t = 0; t < SLIM_TYPE_COUNT; t++) {
        const slim_type_info *info = slim_type_get((slim_type)t);
        if (!info || info->has_kernels)
            continue;
        cr_expect_eq(slim_quantize((slim_type)t, x, y, 0, info->block_size, NULL, 1, NULL),
                     SLIM_ERR_UNSUPPORTED, "%s", info->name);
        cr_expect_eq(slim_dequantize((slim_type)t, y, d, 0, info->block_size, 1),
                     SLIM_ERR_UNSUPPORTED, "%s", info->name);
        unsupported++;
    }
    cr_expect_gt(unsupported, 0);
}

/* ---- round trips ---- */

/* Largest relative RMS error of dequantize(quantize(x)) on Gaussian rows,
 * about 1.5 times what ggml's quantizers reach (the ternary types round
 * most of a Gaussian block to zero: about 0.8). */
static double rmse_bound(const slim_type_info *info)
{
    static const struct { const char *name; double bound; } bounds[] = {
        { "f32", 0.0 },     { "f16", 5e-4 },    { "bf16", 4e-3 },   { "q8_0", 0.012 },
        { "q6_K", 0.025 },  { "q5_0", 0.06 },   { "q5_1", 0.06 },   { "q5_K", 0.05 },
        { "q4_0", 0.12 },   { "q4_1", 0.12 },   { "q4_K", 0.1 },    { "iq4_nl", 0.1 },
        { "iq4_xs", 0.1 },  { "mxfp4", 0.17 },  { "q3_K", 0.25 },   { "q2_K", 0.45 },
        { "tq2_0", 0.85 },  { "tq1_0", 0.85 },
    };
    for (size_t i = 0; i < sizeof bounds / sizeof bounds[0]; i++)
        if (!strcmp(bounds[i].name, info->name))
            return bounds[i].bound;
    /* A type registered later: about one halving of the error per bit. */
    return 4.0 * pow(2.0, -8.0 * (double)info->block_bytes / (double)info->block_size);
}

Test(quantize, dequantize_round_trip)
{
    const int64_t rows = 16, cols = 1024;
    float *x = xcalloc((size_t)(rows * cols) * sizeof(float));
    float *y = xcalloc((size_t)(rows * cols) * sizeof(float));
    uint8_t *q = xcalloc((size_t)(rows * cols) * sizeof(float));
    test_rng r;
    test_rng_seed(&r, 7);
    for (int64_t i = 0; i < rows * cols; i++)
        x[i] = test_rng_gauss(&r);
    FOR_KERNEL_TYPES(t) {
        const slim_type_info *info = slim_type_get((slim_type)t);
        cr_assert_eq(slim_quantize((slim_type)t, x, q, rows, cols, NULL, 2, NULL), SLIM_OK);
        cr_assert_eq(slim_dequantize((slim_type)t, q, y, rows, cols, 2), SLIM_OK);
        double err = 0, ref = 0;
        for (int64_t i = 0; i < rows * cols; i++) {
            err += ((double)y[i] - x[i]) * ((double)y[i] - x[i]);
            ref += (double)x[i] * x[i];
        }
        double rel = sqrt(err / ref);
        cr_expect_leq(rel, rmse_bound(info), "%s: relative RMS error %g", info->name, rel);
    }
    free(q);
    free(y);
    free(x);
}

Test(quantize, plain_types_round_trip_exactly)
{
    /* Values representable in the narrow type come back bit for bit. */
    const int64_t n = 4096;
    float *x = xcalloc((size_t)n * sizeof(float)), *y = xcalloc((size_t)n * sizeof(float));
    uint8_t *q = xcalloc((size_t)n * 4);
    test_rng r;
    test_rng_seed(&r, 11);
    static const slim_type types[] = { SLIM_TYPE_F32, SLIM_TYPE_F16, SLIM_TYPE_BF16 };
    for (size_t k = 0; k < sizeof types / sizeof types[0]; k++) {
        if (!slim_type_get(types[k])->has_kernels)
            continue;
        for (int64_t i = 0; i < n; i++) {
            uint16_t h = (uint16_t)test_rng_next(&r);
            uint32_t bits;
            if (types[k] == SLIM_TYPE_F16) {
                if ((h & 0x7c00u) == 0x7c00u)
                    h &= 0xbfffu; /* no Inf/NaN */
                /* binary16 -> float by hand: sign, exponent, mantissa */
                uint32_t sign = (uint32_t)(h & 0x8000u) << 16, e = (h >> 10) & 0x1fu,
                         m = h & 0x3ffu;
                float v = e ? ldexpf((float)(m | 0x400u), (int)e - 25) : ldexpf((float)m, -24);
                memcpy(&bits, &v, 4);
                bits |= sign;
            } else if (types[k] == SLIM_TYPE_BF16) {
                bits = (uint32_t)h << 16;
                if ((bits & 0x7f800000u) == 0x7f800000u)
                    bits &= 0xbfffffffu;
            } else {
                bits = (uint32_t)test_rng_next(&r);
                if ((bits & 0x7f800000u) == 0x7f800000u)
                    bits &= 0xbfffffffu;
            }
            memcpy(&x[i], &bits, 4);
        }
        const char *name = slim_type_get(types[k])->name;
        cr_assert_eq(slim_quantize(types[k], x, q, 1, n, NULL, 1, NULL), SLIM_OK, "%s", name);
        cr_assert_eq(slim_dequantize(types[k], q, y, 1, n, 1), SLIM_OK, "%s", name);
        int64_t at = first_diff(x, y, (size_t)n * sizeof(float));
        cr_expect_eq(at, -1, "%s: value %" PRId64 " changed", name, at / 4);
    }
    free(q);
    free(y);
    free(x);
}

Test(quantize, requantizing_is_stable_for_q8_0)
{
    /* Values on q8_0's grid (k * d with one element at 127 * d, d a power
     * of two) survive quantize -> dequantize exactly. */
    const int64_t n = 32 * 64;
    float *x = xcalloc((size_t)n * sizeof(float)), *y = xcalloc((size_t)n * sizeof(float));
    uint8_t *q = xcalloc((size_t)n * 2);
    test_rng r;
    test_rng_seed(&r, 3);
    for (int64_t b = 0; b < n / 32; b++) {
        float d = ldexpf(1.0f, (int)test_rng_below(&r, 20) - 10);
        for (int j = 0; j < 32; j++)
            x[b * 32 + j] = d * (float)((int)test_rng_below(&r, 255) - 127);
        x[b * 32 + (int)test_rng_below(&r, 32)] = 127.0f * d;
    }
    cr_assert_eq(slim_quantize(SLIM_TYPE_Q8_0, x, q, 1, n, NULL, 1, NULL), SLIM_OK);
    cr_assert_eq(slim_dequantize(SLIM_TYPE_Q8_0, q, y, 1, n, 1), SLIM_OK);
    int64_t at = first_diff(x, y, (size_t)n * sizeof(float));
    cr_expect_eq(at, -1, "value %" PRId64 ": %a became %a", at / 4, (double)x[at / 4],
                 (double)y[at / 4]);
    free(q);
    free(y);
    free(x);
}
