/*
 * slim_quantize_optimized: on the shared stories260K rows, every row of
 * every K type is at most as far from the input as ggml's own (weighted by
 * the importance matrix, or plain), the total error drops, the bytes do not
 * depend on the thread count, and other types are exactly slim_quantize's.
 */
#include "slim.h"
#include "tests/util.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#define ROWS 12   /* a slice keeps the test fast; the figures in docs use all rows */

static double row_error(slim_type t, const void *q, const float *x, const float *w, int64_t cols)
{
    float *y = malloc((size_t)cols * sizeof *y);
    cr_assert_eq(slim_dequantize(t, q, y, 1, cols, 1), SLIM_OK);
    double e = 0;
    for (int64_t c = 0; c < cols; c++) {
        double d = (double)x[c] - y[c];
        e += (w ? w[c] : 1.0) * d * d;
    }
    free(y);
    return e;
}

Test(optimize, never_worse_than_ggml)
{
    test_quant_set set;
    if (!test_quant_set_load("stories260K", &set))
        cr_skip_test("shared data absent (../shared/data/quant/stories260K)");
    static const struct { slim_type t; double min_gain_imx, min_gain_plain; } cases[] = {
        { SLIM_TYPE_Q2_K, 0.03, 0.10 }, { SLIM_TYPE_Q3_K, 0.01, 0.01 },
        { SLIM_TYPE_Q4_K, 0.01, 0.01 }, { SLIM_TYPE_Q5_K, 0.03, 0.03 },
        { SLIM_TYPE_Q6_K, 0.03, 0.03 },
    };
    int64_t cols = set.cols, rows = set.rows < ROWS ? set.rows : ROWS;
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        for (int imx = 0; imx < 2; imx++) {
            slim_type t = cases[k].t;
            const float *w = imx ? set.imatrix : NULL;
            size_t rb;
            cr_assert_eq(slim_row_size(t, cols, &rb), SLIM_OK);
            uint8_t *ref = malloc(rb * (size_t)rows), *opt = malloc(rb * (size_t)rows);
            uint8_t *opt2 = malloc(rb * (size_t)rows);
            cr_assert_eq(slim_quantize(t, set.x, ref, rows, cols, w, 1, NULL), SLIM_OK);
            cr_assert_eq(slim_quantize_optimized(t, set.x, opt, rows, cols, w, 1, NULL), SLIM_OK);
            if (k == 0) {   /* the bytes are the same with 2 threads */
                cr_assert_eq(slim_quantize_optimized(t, set.x, opt2, rows, cols, w, 2, NULL),
                             SLIM_OK);
                cr_assert_eq(memcmp(opt, opt2, rb * (size_t)rows), 0, "threads change the bytes");
            }
            double er = 0, eo = 0;
            for (int64_t r = 0; r < rows; r++) {
                double a = row_error(t, ref + r * rb, set.x + r * cols, w, cols);
                double b = row_error(t, opt + r * rb, set.x + r * cols, w, cols);
                cr_expect_leq(b, a, "%s row %lld: %g > ggml %g", slim_type_get(t)->name,
                              (long long)r, b, a);
                er += a;
                eo += b;
            }
            double gain = 1 - eo / er;
            double want = imx ? cases[k].min_gain_imx : cases[k].min_gain_plain;
            cr_expect_geq(gain, want, "%s%s: %.2f%% less error, expected %.0f%%",
                          slim_type_get(t)->name, imx ? " imatrix" : "", 100 * gain,
                          100 * want);
            free(ref);
            free(opt);
            free(opt2);
        }
    test_quant_set_free(&set);
}

Test(optimize, other_types_and_errors)
{
    float x[64];
    for (int i = 0; i < 64; i++)
        x[i] = (float)(i % 7) - 3.0f;
    uint8_t a[64], b[64];
    cr_assert_eq(slim_quantize(SLIM_TYPE_Q4_0, x, a, 2, 32, NULL, 1, NULL), SLIM_OK);
    cr_assert_eq(slim_quantize_optimized(SLIM_TYPE_Q4_0, x, b, 2, 32, NULL, 1, NULL), SLIM_OK);
    cr_assert_eq(memcmp(a, b, 36), 0);
    float big[256];
    memcpy(big, x, sizeof x);
    memset(big + 64, 0, sizeof big - sizeof x);
    big[200] = 1.0f / 0.0f;
    slim_position where = { 0, 0 };
    uint8_t q[256];
    cr_assert_eq(slim_quantize_optimized(SLIM_TYPE_Q4_K, big, q, 1, 256, NULL, 1, &where),
                 SLIM_ERR_NONFINITE);
    cr_assert_eq(where.col, 200);
    cr_assert_eq(slim_quantize_optimized(SLIM_TYPE_Q4_K, big, q, 1, 100, NULL, 1, NULL),
                 SLIM_ERR_SHAPE);
}
