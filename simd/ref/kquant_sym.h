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

/* Signed 6-bit scale of sub-block j (0..15) of a q3_K block. */
static inline int slim_q3_K_scale(const uint8_t *scales, int j)
{
    int sc = j < 8 ? scales[j] & 0xF : scales[j - 8] >> 4;
    return (sc | (((scales[8 + j % 4] >> (2 * (j / 4))) & 3) << 4)) - 32;
}

/*
 * Without importance weights: quantize the 16 sub-block scales against the
 * one of largest magnitude (6 bits) and store them and d in y. L[256] holds
 * the search's levels (0..7); the block is then re-quantized against the
 * stored scales and packed. x is the super-block's 256 values.
 */
void slim_q3_K_finish_ref(block_q3_K *restrict y, const float *restrict x,
                          const float *restrict scales, int8_t *restrict L);

/*
 * With importance weights: scales[] and sw[] (sum of each sub-block's
 * weights) are fitted by a weighted search, then as above.
 */
void slim_q3_K_finish_imatrix(block_q3_K *restrict y, const float *restrict x,
                              const float *restrict scales, const float *restrict sw,
                              int8_t *restrict L);

/*
 * q6_K: quantize the 16 sub-block scales to int8 against the one of largest
 * magnitude, re-quantize x against them (L: the search's levels, 0..63) and
 * pack. An all-zero block is stored as zeros.
 */
void slim_q6_K_finish(block_q6_K *restrict y, const float *restrict x,
                      const float *restrict scales, int8_t *restrict L);

#endif
