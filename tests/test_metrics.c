/*
 * Error metrics (slim_error_stats_add/merge) and the synthetic weight
 * generator (slim_synth_weights): exact values on small hand-computed cases,
 * the zero and non-finite corner cases, chunked accumulation, and the
 * generator's determinism and shape.
 */
#include "slim.h"
#include "tests/util.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

Test(metrics, empty_stats)
{
    slim_error_stats s = { 0 };
    cr_assert_eq(slim_error_stats_add(&s, NULL, NULL, 0), SLIM_OK);
    cr_assert_eq(s.count, 0);
    cr_assert_eq(s.rmse, 0.0);
    cr_assert_eq(s.rel_rmse, 0.0);
    cr_assert_eq(s.cosine, 1.0);
    cr_assert_eq(s.max_abs_err, 0.0);
    cr_assert_eq(s.max_abs_index, -1);
}

Test(metrics, hand_computed)
{
    const float ref[4] = { 1, 2, 3, 4 }, approx[4] = { 1, 2, 3, 5 };
    slim_error_stats s = { 0 };
    cr_assert_eq(slim_error_stats_add(&s, ref, approx, 4), SLIM_OK);
    cr_assert_eq(s.count, 4);
    cr_assert_eq(s.rmse, 0.5);                          /* sqrt(1 / 4) */
    cr_assert_eq(s.rel_rmse, sqrt(1.0 / 30.0));         /* sum ref^2 = 30 */
    cr_assert_eq(s.cosine, 34.0 / sqrt(30.0 * 39.0));   /* dot 34, |approx|^2 39 */
    cr_assert_eq(s.max_abs_err, 1.0);
    cr_assert_eq(s.max_abs_index, 3);
}

Test(metrics, identical_inputs)
{
    float x[100];
    for (int i = 0; i < 100; i++)
        x[i] = (float)(i - 50) * 0.25f;
    slim_error_stats s = { 0 };
    slim_error_stats_add(&s, x, x, 100);
    cr_assert_eq(s.rmse, 0.0);
    cr_assert_eq(s.rel_rmse, 0.0);
    cr_assert_float_eq(s.cosine, 1.0, 1e-15);
    cr_assert_eq(s.max_abs_err, 0.0);
    cr_assert_eq(s.max_abs_index, 0, "the first of equal errors is reported");
}

Test(metrics, first_largest_error_wins)
{
    const float ref[5] = { 0, 0, 0, 0, 0 }, approx[5] = { 1, -3, 2, 3, -3 };
    slim_error_stats s = { 0 };
    slim_error_stats_add(&s, ref, approx, 5);
    cr_assert_eq(s.max_abs_err, 3.0);
    cr_assert_eq(s.max_abs_index, 1);
}

Test(metrics, zero_reference)
{
    const float zero[3] = { 0, 0, 0 }, some[3] = { 0, 1, 0 };
    slim_error_stats both = { 0 }, one = { 0 }, other = { 0 };
    slim_error_stats_add(&both, zero, zero, 3);
    cr_assert_eq(both.rel_rmse, 0.0);
    cr_assert_eq(both.cosine, 1.0);
    slim_error_stats_add(&one, zero, some, 3);
    cr_assert(isinf(one.rel_rmse) && one.rel_rmse > 0);
    cr_assert_eq(one.cosine, 0.0);
    slim_error_stats_add(&other, some, zero, 3);
    cr_assert_eq(other.rel_rmse, 1.0);
    cr_assert_eq(other.cosine, 0.0);
}

Test(metrics, nonfinite_propagates)
{
    const float ref[3] = { 1, 2, 3 }, approx[3] = { 1, NAN, 3 };
    slim_error_stats s = { 0 };
    cr_assert_eq(slim_error_stats_add(&s, ref, approx, 3), SLIM_OK);
    cr_assert(isnan(s.rmse));
    cr_assert(isnan(s.rel_rmse));
    cr_assert(isnan(s.cosine));
    cr_assert(isnan(s.max_abs_err));
    cr_assert_eq(s.max_abs_index, 1);
    /* A NaN maximum sticks: later, finite errors do not replace it. */
    const float r2[1] = { 0 }, a2[1] = { 100 };
    slim_error_stats_add(&s, r2, a2, 1);
    cr_assert(isnan(s.max_abs_err));
    cr_assert_eq(s.max_abs_index, 1);

    const float inf[2] = { 1, INFINITY };
    slim_error_stats t = { 0 };
    slim_error_stats_add(&t, ref, inf, 2);
    cr_assert(isinf(t.max_abs_err));
    cr_assert(isinf(t.rmse));
}

Test(metrics, invalid_arguments)
{
    float x[1] = { 0 };
    slim_error_stats s = { 0 };
    cr_assert_eq(slim_error_stats_add(NULL, x, x, 1), SLIM_ERR_INVALID_ARG);
    cr_assert_eq(slim_error_stats_add(&s, NULL, x, 1), SLIM_ERR_INVALID_ARG);
    cr_assert_eq(slim_error_stats_add(&s, x, NULL, 1), SLIM_ERR_INVALID_ARG);
    cr_assert_eq(slim_error_stats_add(&s, x, x, -1), SLIM_ERR_INVALID_ARG);
    cr_assert_eq(slim_error_stats_merge(NULL, &s), SLIM_ERR_INVALID_ARG);
    cr_assert_eq(slim_error_stats_merge(&s, NULL), SLIM_ERR_INVALID_ARG);
    cr_assert_eq(s.count, 0);
}

static void random_pair(float *ref, float *approx, int n, uint64_t seed)
{
    test_rng r;
    test_rng_seed(&r, seed);
    for (int i = 0; i < n; i++) {
        ref[i] = test_rng_gauss(&r);
        approx[i] = ref[i] + 0.01f * test_rng_gauss(&r);
    }
}

/* Chunks added in order give exactly the numbers of one call. */
Test(metrics, chunks_equal_one_call)
{
    enum { N = 10007 };
    static float ref[N], approx[N];
    random_pair(ref, approx, N, 7);
    slim_error_stats whole = { 0 }, parts = { 0 };
    slim_error_stats_add(&whole, ref, approx, N);
    slim_error_stats_add(&parts, ref, approx, 1);
    slim_error_stats_add(&parts, ref + 1, approx + 1, 5000);
    slim_error_stats_add(&parts, ref + 5001, approx + 5001, 0);
    slim_error_stats_add(&parts, ref + 5001, approx + 5001, N - 5001);
    cr_assert_eq(memcmp(&whole, &parts, sizeof whole), 0);
    cr_assert(whole.rel_rmse > 0.005 && whole.rel_rmse < 0.02, "rel_rmse %g", whole.rel_rmse);
}

/* Merging stats of two halves: the same counts and maximum, sums equal up to
 * rounding (they are added in another order). */
Test(metrics, merge_matches_sequential)
{
    enum { N = 4096 };
    static float ref[N], approx[N];
    random_pair(ref, approx, N, 11);
    approx[3000] += 1.0f;   /* the largest error, in the second half */
    slim_error_stats whole = { 0 }, a = { 0 }, b = { 0 }, empty = { 0 };
    slim_error_stats_add(&whole, ref, approx, N);
    slim_error_stats_add(&a, ref, approx, 1000);
    slim_error_stats_add(&b, ref + 1000, approx + 1000, N - 1000);
    cr_assert_eq(slim_error_stats_merge(&a, &b), SLIM_OK);
    cr_assert_eq(slim_error_stats_merge(&a, &empty), SLIM_OK);
    cr_assert_eq(a.count, N);
    cr_assert_eq(a.max_abs_index, 3000);
    cr_assert_eq(a.max_abs_err, whole.max_abs_err);
    cr_assert_float_eq(a.rmse, whole.rmse, 1e-12 * whole.rmse);
    cr_assert_float_eq(a.rel_rmse, whole.rel_rmse, 1e-12 * whole.rel_rmse);
    cr_assert_float_eq(a.cosine, whole.cosine, 1e-12);

    slim_error_stats fresh = { 0 };
    cr_assert_eq(slim_error_stats_merge(&fresh, &whole), SLIM_OK);
    cr_assert_eq(memcmp(&fresh, &whole, sizeof whole), 0);
}

/* ---- slim_synth_weights ---- */

static uint64_t fnv1a(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

Test(synth, pieces_equal_whole)
{
    enum { R = 37, C = 256 };
    static float whole[R * C], piece[R * C];
    cr_assert_eq(slim_synth_weights(whole, 0, R, C, 5), SLIM_OK);
    cr_assert_eq(slim_synth_weights(piece, 0, 10, C, 5), SLIM_OK);
    cr_assert_eq(slim_synth_weights(piece + 10 * C, 10, R - 10, C, 5), SLIM_OK);
    cr_assert_eq(memcmp(whole, piece, sizeof whole), 0);
    cr_assert_eq(slim_synth_weights(piece, 0, R, C, 6), SLIM_OK);
    cr_assert_neq(memcmp(whole, piece, sizeof whole), 0, "another seed, other values");
}

/* The values are pinned: they may only change on purpose (the demo, the
 * benchmark and users' saved inputs rely on them), and they must be the same
 * on every platform. */
Test(synth, pinned_values)
{
    enum { R = 64, C = 256 };
    static float w[R * C];
    cr_assert_eq(slim_synth_weights(w, 0, R, C, 1), SLIM_OK);
    cr_assert_eq(fnv1a(w, sizeof w), 0x026bb61d33d52a23ull, "hash %#llx",
                 (unsigned long long)fnv1a(w, sizeof w));
}

Test(synth, looks_like_weights)
{
    enum { R = 256, C = 1024 };
    float *w = malloc(sizeof(float) * R * C);
    cr_assert(w);
    cr_assert_eq(slim_synth_weights(w, 0, R, C, 1), SLIM_OK);
    double sum = 0, sum2 = 0, max = 0;
    int64_t big = 0;
    for (int64_t i = 0; i < (int64_t)R * C; i++) {
        cr_assert(isfinite(w[i]));
        sum += w[i];
        sum2 += (double)w[i] * w[i];
        if (fabs(w[i]) > max)
            max = fabs(w[i]);
        big += fabs(w[i]) > 0.1;
    }
    double n = (double)R * C, mean = sum / n, rms = sqrt(sum2 / n);
    cr_assert(fabs(mean) < 1e-3, "mean %g", mean);
    cr_assert(rms > 0.015 && rms < 0.04, "rms %g", rms);
    cr_assert(max > 0.1 && max < 0.6, "max %g", max);
    /* Outliers: about one value in 1024 beyond 6 row scales. */
    cr_assert(big > 20 && big < 2000, "%lld values beyond 0.1", (long long)big);
    free(w);
}

Test(synth, arguments)
{
    float x[4];
    cr_assert_eq(slim_synth_weights(NULL, 0, 1, 4, 1), SLIM_ERR_INVALID_ARG);
    cr_assert_eq(slim_synth_weights(x, -1, 1, 4, 1), SLIM_ERR_INVALID_ARG);
    cr_assert_eq(slim_synth_weights(x, 0, -1, 4, 1), SLIM_ERR_INVALID_ARG);
    cr_assert_eq(slim_synth_weights(x, 0, 1, -4, 1), SLIM_ERR_INVALID_ARG);
    cr_assert_eq(slim_synth_weights(NULL, 0, 0, 4, 1), SLIM_OK);
    cr_assert_eq(slim_synth_weights(x, 0, INT64_MAX, 4, 1), SLIM_ERR_OVERFLOW);
    cr_assert_eq(slim_synth_weights(x, INT64_MAX, 1, 4, 1), SLIM_ERR_OVERFLOW);
}
