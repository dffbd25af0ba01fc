/* Helpers shared by the TQ1_0 / TQ2_0 kernels of every path. */
#ifndef SLIM_SIMD_REF_TERNARY_H
#define SLIM_SIMD_REF_TERNARY_H

#include <stdint.h>
#include <math.h>

#include "simd/blocks.h"
#include "simd/ref/nonlinear.h"

/* max |x| over one 256-weight block, as ggml's MAX loop computes it. */
float slim_tq_block_amax(const float *x);
/* One block each, for the vector kernels' rare blocks (1/amax overflows).
 * Blocks are addressed as bytes (see simd/ref/nonlinear.h). */
void slim_tq1_0_block_ref(const float *x, uint8_t *block);
void slim_tq2_0_block_ref(const float *x, uint8_t *block);

/* Base-3 number q < 243 -> byte ceil(q * 256 / 243), so that multiplying the
 * byte by 3^n and taking (b * 3) >> 8 reads trit n back. */
static inline uint8_t slim_tq1_pack(unsigned q)
{
    return (uint8_t)((q * 256 + 242) / 243);
}

/* Trit n (0 = most significant) of a packed byte, 0..2. */
static inline int slim_tq1_trit(uint8_t b, int n)
{
    static const uint8_t pow3[5] = { 1, 3, 9, 27, 81 };
    const uint8_t q = (uint8_t)(b * pow3[n]);
    return (q * 3) >> 8;
}

#endif
