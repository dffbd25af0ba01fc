/*
 * Pieces of the q3_K and q6_K quantizers shared by the reference kernels and
 * the SIMD paths (KSYM family). The SIMD paths vectorise the per-sub-block
 * scale searches; everything that happens once per super-block (quantizing
 * the 16 sub-block scales, re-quantizing against the stored scales, packing
 * the bits) goes through these functions so there is one copy of it.
 */
#ifndef SLIM_SIMD_REF_KQUANT_SYM_H
#define SLIM_SIMD_REF_KQUANT_SYM_H

#include <stdbool.h>
#include <stdint.h>

#include "simd/blocks.h"
#include "simd/ref/half.h"

/* Signed 6-bit scale of sub-block j (0..15) of a q3_K block. */
static inline int slim_q3_K_scale(const uint8_t *scales, int j)
{
    int sc = j < 8 ? scales[j] & 0xF : scales[j - 8] >> 4;
    return (sc | (((scales[8 + j % 4] >> (2 * (j / 4))) & 3) << 4)) - 32;
}

/*
 * The per-super-block steps around the sub-block searches, in ggml's order:
 *   1. set_scales: quantize the 16 sub-block scales (q3_K: to 6 bits against
 *      the one of largest magnitude, or with importance weights by a
 *      weighted fit whose weights sw[] are each sub-block's summed weights;
 *      q6_K: to int8) and store them and d.
 *   2. re-quantize every sub-block whose stored scale is not zero against
 *      it (see slim_q3_K_requant / slim_q6_K_requant); the others keep
 *      the search's levels.
 *   3. pack the levels (L: q3_K 0..7, q6_K 0..63).
 * slim_q6_K_set_scales returns false for an all-zero block, which it
 * stores as zeros (skip steps 2 and 3).
 */
void slim_q3_K_set_scales(block_q3_K *restrict y, const float *restrict scales);
void slim_q3_K_set_scales_imatrix(block_q3_K *restrict y, const float *restrict scales,
                                  const float *restrict sw);
bool slim_q6_K_set_scales(block_q6_K *restrict y, const float *restrict scales);
/* The last part of slim_q3_K_set_scales_imatrix: store the 6-bit scale
 * levels Ls (0..63, from the weighted fit) and d. */
void slim_q3_K_put_scales(block_q3_K *restrict y, const int8_t *restrict Ls, float d);
void slim_q3_K_pack(block_q3_K *restrict y, int8_t *restrict L);
void slim_q6_K_pack(block_q6_K *restrict y, const int8_t *restrict L);

/* The step-2 divisor of sub-block j: d * scale_j (0: keep the levels). */
static inline float slim_q3_K_subscale(const block_q3_K *y, int j)
{
    return slim_half_to_f32(y->d) * slim_q3_K_scale(y->scales, j);
}

static inline float slim_q6_K_subscale(const block_q6_K *y, int j)
{
    return slim_half_to_f32(y->d) * y->scales[j];
}

#endif
