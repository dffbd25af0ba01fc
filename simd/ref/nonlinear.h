/*
 * Shared pieces of the non-linear family (IQ4_NL, IQ4_XS, MXFP4; the block
 * byte helpers also serve TQ1_0 / TQ2_0): the value tables and the scalar
 * helpers the vector kernels also call for rare blocks. Values are ggml's
 * (ggml-common.h, ggml-impl.h).
 */
#ifndef SLIM_SIMD_REF_NONLINEAR_H
#define SLIM_SIMD_REF_NONLINEAR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <math.h>

#include "simd/blocks.h"
#include "simd/ref/half.h"

/*
 * Blocks may sit at any address (callers pass unaligned buffers), so every
 * kernel of the family addresses them as bytes, with offsetof, and moves the
 * halves with memcpy; a block struct pointer is never formed.
 */
static inline void slim_nl_put_half(uint8_t *p, float f)
{
    const uint16_t h = slim_f32_to_half(f);
    memcpy(p, &h, 2);
}

static inline float slim_nl_get_half(const uint8_t *p)
{
    uint16_t h;
    memcpy(&h, p, 2);
    return slim_half_to_f32(h);
}

/* The 16 IQ4 code points, sorted ascending. */
static const int8_t slim_iq4_values[16] = {
    -127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113,
};

/* E2M1 values, doubled so they are integers (0.5 -> 1); codes 8..15 are the
 * negatives, code 8 being -0. */
static const int8_t slim_mxfp4_values[16] = {
    0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12,
};

/* Sub-block size of IQ4_XS, and block size of IQ4_NL. */
#define SLIM_IQ4_BLOCK 32
/* Blocks whose largest |x| is below this get scale 0 (ggml's GROUP_MAX_EPS). */
#define SLIM_IQ4_EPS 1e-15f
/* Scale candidates tried on each side of the first guess (ggml's ntry). */
#define SLIM_IQ4_NTRY 7

/*
 * Index of the code point nearest to x, as ggml's binary search finds it:
 * ties go to the upper point, the comparison is made on the rounded float
 * differences, and NaN gives 15. The vector kernels reproduce this.
 */
static inline int slim_iq4_best_index(float x)
{
    const int8_t *v = slim_iq4_values;
    if (x <= v[0])
        return 0;
    if (x >= v[15])
        return 15;
    int lo = 0, hi = 15;
    while (hi - lo > 1) {
        int mid = (lo + hi) / 2;
        if (x < v[mid])
            hi = mid;
        else
            lo = mid;
    }
    return x - v[hi - 1] < v[hi] - x ? hi - 1 : hi;
}

/* E8M0 exponent byte -> 2^(e-127) / 2, the MXFP4 step for doubled values. */
static inline float slim_e8m0_to_f32_half(uint8_t e)
{
    return slim_bits_f32(e < 2 ? 0x00200000u << e : (uint32_t)(e - 1) << 23);
}

/*
 * MXFP4 block exponent for a block whose largest |x| is amax:
 * floor(log2(amax)) - 2 + 127, 0 for amax == 0. ggml converts the float
 * straight to uint8_t, which is undefined below 0 (amax < 2^-125); we convert
 * through int, as ggml's x86 builds do, so every platform gives the same byte.
 */
static inline uint8_t slim_mxfp4_exponent(float amax)
{
    if (!(amax > 0.0f))
        return 0;
    return (uint8_t)(int)(floorf(log2f(amax)) - 2 + 127);
}

/* The 4-bit code nearest to x at step d, first code on ties (ggml's
 * best_index_mxfp4). */
static inline uint8_t slim_mxfp4_best_index(float x, float d)
{
    int best = 0;
    float best_err = fabsf(slim_mxfp4_values[0] * d - x);
    for (int i = 1; i < 16; i++) {
        float err = fabsf(slim_mxfp4_values[i] * d - x);
        if (err < best_err) {
            best = i;
            best_err = err;
        }
    }
    return (uint8_t)best;
}

/*
 * IQ4 pieces shared by the reference and the vector kernels.
 * slim_iq4_sigma2: 2/n * sum of squares of x[0..n), summed in order.
 * slim_iq4_xs_finish: given the eight sub-block scales of an IQ4_XS
 * super-block, stores d and the 6-bit scales and fills inv[ib] with the
 * factor that maps sub-block ib onto the code points (0 when its scale is 0).
 */
float slim_iq4_sigma2(const float *x, int n);
void slim_iq4_xs_finish(const float scales[QK_K / SLIM_IQ4_BLOCK], uint8_t *block,
                        float inv[QK_K / SLIM_IQ4_BLOCK]);
/* The 6-bit scale of sub-block ib of an IQ4_XS block, 0..63. */
static inline int slim_iq4_xs_scale(const uint8_t *block, int ib)
{
    uint16_t h;
    memcpy(&h, block + offsetof(block_iq4_xs, scales_h), 2);
    return ((block[offsetof(block_iq4_xs, scales_l) + ib / 2] >> 4 * (ib % 2)) & 0xf)
         | (((h >> 2 * ib) & 3) << 4);
}
/* One MXFP4 block, for the vector kernels' rare blocks. */
void slim_mxfp4_block_ref(const float *x, uint8_t *block);
/* Packs 32 indices into 16 bytes: low nibble from the first half. */
void slim_iq4_pack(const uint8_t L[SLIM_IQ4_BLOCK], uint8_t q[SLIM_IQ4_BLOCK / 2]);

#endif
