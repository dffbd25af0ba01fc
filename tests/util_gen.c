/*
 * Seeded random numbers and the kernel input generators. Everything is
 * deterministic for a seed, so a failure report (which prints the seed) can
 * be replayed exactly.
 */
#include "tests/util.h"

#include <float.h>
#include <math.h>
#include <string.h>

void test_rng_seed(test_rng *r, uint64_t seed)
{
    r->s = seed ^ 0x5DEECE66DULL;
}

uint64_t test_rng_next(test_rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

uint32_t test_rng_below(test_rng *r, uint32_t n)
{
    return (uint32_t)(((test_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

float test_rng_uniform(test_rng *r)
{
    return (float)(test_rng_next(r) >> 40) * 0x1.0p-24f;
}

float test_rng_gauss(test_rng *r)
{
    /* Box-Muller in double, so libm's float rounding does not matter. */
    double u1 = ((double)(test_rng_next(r) >> 11) + 1.0) * 0x1.0p-53;
    double u2 = (double)(test_rng_next(r) >> 11) * 0x1.0p-53;
    return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

void test_rng_bytes(test_rng *r, void *dst, size_t n)
{
    uint8_t *p = dst;
    while (n > 0) {
        uint64_t v = test_rng_next(r);
        size_t k = n < 8 ? n : 8;
        memcpy(p, &v, k);
        p += k;
        n -= k;
    }
}

static float random_sign(test_rng *r, float v)
{
    return (test_rng_next(r) & 1) ? -v : v;
}

static const char *const gen_names[TEST_GEN_COUNT] = {
    "gauss", "heavy", "zeros", "const", "ties", "tiny", "large", "extreme", "sparse", "mixed",
};

const char *test_gen_name(test_gen g)
{
    return (unsigned)g < TEST_GEN_COUNT ? gen_names[g] : "?";
}

/* Block maxima that make the legacy and K-quant scales exact, so that
 * x * (1/d) lands exactly on .5 for many elements: 8 and 16 for 4-bit
 * types, 127 for q8_0, 31 and 63 for the K-quant sub-block scales. */
static const float tie_maxima[] = { 1, 3, 4, 7, 8, 15, 16, 31, 32, 63, 127 };

/* One chunk of one generator. `s` is the chunk's scale, chosen per row so
 * that the mixed generator can vary it per block. */
static void fill_chunk(test_gen g, float *x, int64_t n, test_rng *r, float s)
{
    switch (g) {
    case TEST_GEN_GAUSS:
        for (int64_t i = 0; i < n; i++)
            x[i] = s * test_rng_gauss(r);
        break;
    case TEST_GEN_HEAVY:
        for (int64_t i = 0; i < n; i++) {
            float v = s * test_rng_gauss(r) * expf(1.5f * test_rng_gauss(r));
            if (test_rng_below(r, 64) == 0)
                v *= 20.0f + 180.0f * test_rng_uniform(r);
            x[i] = v;
        }
        break;
    case TEST_GEN_ZEROS:
        for (int64_t i = 0; i < n; i++)
            x[i] = random_sign(r, 0.0f);
        break;
    case TEST_GEN_CONST: {
        float c;
        switch (test_rng_below(r, 4)) {
        case 0: c = random_sign(r, 1.0f); break;
        case 1: c = random_sign(r, ldexpf(1.0f, (int)test_rng_below(r, 40) - 20)); break;
        default: c = s * test_rng_gauss(r); break;
        }
        for (int64_t i = 0; i < n; i++)
            x[i] = c;
        break;
    }
    case TEST_GEN_TIES: {
        float m = tie_maxima[test_rng_below(r, sizeof tie_maxima / sizeof tie_maxima[0])];
        float unit = ldexpf(1.0f, (int)test_rng_below(r, 9) - 4);
        int span = (int)(2 * m);
        for (int64_t i = 0; i < n; i++)
            x[i] = unit * 0.5f * (float)((int)test_rng_below(r, (uint32_t)(2 * span + 1)) - span);
        if (n > 0) /* pin the chunk's maximum so the scale is exact */
            x[test_rng_below(r, (uint32_t)n)] = random_sign(r, m * unit);
        break;
    }
    case TEST_GEN_TINY:
        for (int64_t i = 0; i < n; i++) {
            uint32_t bits;
            if (test_rng_next(r) & 1) /* subnormal */
                bits = (uint32_t)(test_rng_next(r) & 0x007fffffu);
            else /* normal, exponent 2^-126 .. 2^-100 */
                bits = ((1u + test_rng_below(r, 27)) << 23) |
                       (uint32_t)(test_rng_next(r) & 0x007fffffu);
            bits |= (uint32_t)(test_rng_next(r) & 1) << 31;
            memcpy(&x[i], &bits, 4);
        }
        break;
    case TEST_GEN_LARGE:
        for (int64_t i = 0; i < n; i++)
            x[i] = ldexpf(test_rng_gauss(r), 20 + (int)test_rng_below(r, 41));
        break;
    case TEST_GEN_EXTREME:
        for (int64_t i = 0; i < n; i++) {
            float v = test_rng_below(r, 16) == 0 ? FLT_MAX
                                                 : ldexpf(1.0f + test_rng_uniform(r),
                                                          100 + (int)test_rng_below(r, 28));
            x[i] = random_sign(r, v);
        }
        break;
    case TEST_GEN_SPARSE:
        for (int64_t i = 0; i < n; i++)
            x[i] = test_rng_below(r, 20) == 0 ? 10.0f * s * test_rng_gauss(r) : 0.0f;
        break;
    default:
        memset(x, 0, (size_t)n * sizeof *x);
        break;
    }
}

static float row_scale(test_rng *r)
{
    return ldexpf(1.0f, (int)test_rng_below(r, 17) - 10);
}

void test_gen_fill(test_gen g, float *x, int64_t n, int64_t block, test_rng *r)
{
    /* Plain types have blocks of one: give them chunks of 32 so that
     * "per block" structure spans several vector lanes. */
    int64_t chunk = block > 1 ? block : 32;
    if (g != TEST_GEN_MIXED && g != TEST_GEN_TIES) {
        fill_chunk(g, x, n, r, row_scale(r));
        return;
    }
    for (int64_t i = 0; i < n; i += chunk) {
        int64_t k = n - i < chunk ? n - i : chunk;
        test_gen sub = g == TEST_GEN_TIES ? g : (test_gen)test_rng_below(r, TEST_GEN_MIXED);
        fill_chunk(sub, x + i, k, r, row_scale(r));
    }
}

static const char *const qw_names[TEST_QW_COUNT] = { "none", "random", "zeros" };

const char *test_qw_name(test_qw m)
{
    return (unsigned)m < TEST_QW_COUNT ? qw_names[m] : "?";
}

void test_qw_fill(test_qw m, float *w, int64_t n, int64_t block, test_rng *r)
{
    int64_t chunk = block > 1 ? block : 32;
    for (int64_t i = 0; i < n; i += chunk) {
        int64_t k = n - i < chunk ? n - i : chunk;
        int all_zero = m == TEST_QW_ZEROS && test_rng_below(r, 4) == 0;
        for (int64_t j = 0; j < k; j++) {
            float v = 0.05f * expf(1.5f * test_rng_gauss(r));
            if (all_zero || (m == TEST_QW_ZEROS && test_rng_below(r, 4) == 0))
                v = 0.0f;
            w[i + j] = v;
        }
    }
}
