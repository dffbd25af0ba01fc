/*
 * Deterministic weight-like test data for the demo, the benchmark and the
 * tests. Real weight matrices are roughly Gaussian per row with a row scale
 * near 0.02, a few input channels with a larger scale and rare large
 * outliers; those features are what make the quantizers' scale searches and
 * importance weights matter, so the generator has all three.
 *
 * Portability: only +, -, * and comparisons on doubles (exact in IEEE 754)
 * and integer hashing are used, no libm, so every platform makes the same
 * bits. A sum of six uniforms stands in for a Gaussian for that reason.
 */
#include "slim.h"

/* splitmix64: a tiny, well-mixed generator; one state per row, so rows can
 * be produced independently and in any order. */
static uint64_t next64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1) with 53 random bits (exact conversion). */
static double uniform(uint64_t *state)
{
    return (double)(next64(state) >> 11) * (1.0 / 9007199254740992.0);
}

/* Mean 0, variance 1: six uniforms have variance 1/2, scaled by sqrt(2). */
static double gaussianish(uint64_t *state)
{
    double s = 0.0;
    for (int k = 0; k < 6; k++)
        s += uniform(state);
    return (s - 3.0) * 1.4142135623730951;
}

static uint64_t mix(uint64_t a, uint64_t b)
{
    uint64_t st = a ^ (b * 0xD6E8FEB86659FD93ull);
    return next64(&st);
}

slim_error slim_synth_weights(float *dst, int64_t first_row, int64_t rows, int64_t cols,
                              uint64_t seed)
{
    if (first_row < 0 || rows < 0 || cols < 0 || (rows > 0 && cols > 0 && !dst))
        return SLIM_ERR_INVALID_ARG;
    if (rows > 0 && (cols > INT64_MAX / rows || first_row > INT64_MAX - rows ||
                     (uint64_t)(rows * cols) > SIZE_MAX / sizeof(float)))
        return SLIM_ERR_OVERFLOW;
    for (int64_t r = 0; r < rows; r++) {
        uint64_t state = mix(seed, (uint64_t)(first_row + r));
        double scale = 0.02 * (0.5 + uniform(&state));
        float *out = dst + r * cols;
        for (int64_t c = 0; c < cols; c++) {
            /* The channel outliers depend on the column only, as in a real
             * matrix where an input feature is large for every row. */
            double col_scale = (mix(seed ^ 0xC0FFEEull, (uint64_t)c) & 63) == 0 ? 4.0 : 1.0;
            double v = gaussianish(&state) * scale * col_scale;
            if ((next64(&state) & 1023) == 0) {
                double big = scale * (6.0 + 10.0 * uniform(&state));
                v = (next64(&state) & 1) ? big : -big;
            }
            out[c] = (float)v;
        }
    }
    return SLIM_OK;
}
