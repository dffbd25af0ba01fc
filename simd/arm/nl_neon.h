/* Small NEON helpers shared by the Arm kernels of the non-linear family. */
#ifndef SLIM_SIMD_ARM_NL_NEON_H
#define SLIM_SIMD_ARM_NL_NEON_H

#include <arm_neon.h>
#include <stdint.h>

/* 16 int8 -> 4 x 4 floats times d, stored to y[0..16). */
static inline void nl_out16_neon(int8x16_t v, float d, float *y)
{
    const int16x8_t w[2] = { vmovl_s8(vget_low_s8(v)), vmovl_s8(vget_high_s8(v)) };
    for (int k = 0; k < 4; k++) {
        const int16x4_t s = k % 2 ? vget_high_s16(w[k / 2]) : vget_low_s16(w[k / 2]);
        vst1q_f32(y + 4 * k, vmulq_n_f32(vcvtq_f32_s32(vmovl_s16(s)), d));
    }
}

/* 32 floats table[code] * d for the 32 nibbles of 16 bytes (low nibbles
 * first), table being 16 int8 values. */
static inline void nl_dequant32_neon(const int8_t *table16, const uint8_t *qs, float d, float *y)
{
    const int8x16_t table = vld1q_s8(table16);
    const uint8x16_t q = vld1q_u8(qs);
    nl_out16_neon(vqtbl1q_s8(table, vandq_u8(q, vdupq_n_u8(0x0f))), d, y);
    nl_out16_neon(vqtbl1q_s8(table, vshrq_n_u8(q, 4)), d, y + 16);
}

/* Low bytes of 8 u32 lanes (each 0..255) to dst[0..8). */
static inline void nl_store8_neon(uint8_t *dst, uint32x4_t a, uint32x4_t b)
{
    vst1_u8(dst, vmovn_u16(vcombine_u16(vmovn_u32(a), vmovn_u32(b))));
}

#endif
