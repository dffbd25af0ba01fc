/*
 * NEON kernels for F16 and BF16 rows.
 *
 * fcvtn/fcvtl round to nearest even (the default FPCR mode) and give
 * slim_f32_to_half's bits for every non-NaN float and slim_half_to_f32's
 * for every half (a signalling NaN comes back quiet with its payload, as
 * the scalar multiply makes it); only a NaN input needs fixing up: the
 * reference stores 0x7E00 with the sign. BF16 is integer arithmetic on the
 * bits, as in the reference.
 */
#include "simd/kernels.h"

#include <arm_neon.h>

/* 4 floats -> 4 halves, NaN -> sign | 0x7E00. */
static inline uint16x4_t f32_to_half4(float32x4_t v)
{
    uint16x4_t h = vreinterpret_u16_f16(vcvt_f16_f32(v));
    uint16x4_t nan = vmovn_u32(vmvnq_u32(vceqq_f32(v, v)));
    uint32x4_t u = vreinterpretq_u32_f32(v);
    uint16x4_t fix = vmovn_u32(vorrq_u32(vandq_u32(vshrq_n_u32(u, 16), vdupq_n_u32(0x8000)),
                                         vdupq_n_u32(0x7E00)));
    return vbsl_u16(nan, fix, h);
}

void slim_quantize_row_f16_neon(const float *restrict x, void *restrict vy, int64_t n,
                                const float *restrict qw)
{
    uint8_t *y = vy;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint16x8_t h = vcombine_u16(f32_to_half4(vld1q_f32(x + i)), f32_to_half4(vld1q_f32(x + i + 4)));
        vst1q_u8(y + 2 * i, vreinterpretq_u8_u16(h));
    }
    slim_quantize_row_f16_ref(x + i, y + 2 * i, n - i, qw);
}

void slim_dequantize_row_f16_neon(const void *restrict vx, float *restrict y, int64_t n)
{
    const uint8_t *x = vx;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        float16x8_t h = vreinterpretq_f16_u8(vld1q_u8(x + 2 * i));
        vst1q_f32(y + i, vcvt_f32_f16(vget_low_f16(h)));
        vst1q_f32(y + i + 4, vcvt_high_f32_f16(h));
    }
    slim_dequantize_row_f16_ref(x + 2 * i, y + i, n - i);
}

/* 4 floats -> 4 bf16: round to nearest even, NaN -> quiet with its payload. */
static inline uint16x4_t f32_to_bf16x4(uint32x4_t u)
{
    uint32x4_t top = vshrq_n_u32(u, 16);
    uint32x4_t r = vshrq_n_u32(
        vaddq_u32(u, vaddq_u32(vdupq_n_u32(0x7fff), vandq_u32(top, vdupq_n_u32(1)))), 16);
    uint32x4_t nan = vcgtq_u32(vandq_u32(u, vdupq_n_u32(0x7fffffff)), vdupq_n_u32(0x7f800000));
    return vmovn_u32(vbslq_u32(nan, vorrq_u32(top, vdupq_n_u32(64)), r));
}

void slim_quantize_row_bf16_neon(const float *restrict x, void *restrict vy, int64_t n,
                                 const float *restrict qw)
{
    uint8_t *y = vy;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint16x8_t h = vcombine_u16(f32_to_bf16x4(vreinterpretq_u32_f32(vld1q_f32(x + i))),
                                    f32_to_bf16x4(vreinterpretq_u32_f32(vld1q_f32(x + i + 4))));
        vst1q_u8(y + 2 * i, vreinterpretq_u8_u16(h));
    }
    slim_quantize_row_bf16_ref(x + i, y + 2 * i, n - i, qw);
}

void slim_dequantize_row_bf16_neon(const void *restrict vx, float *restrict y, int64_t n)
{
    const uint8_t *x = vx;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint16x8_t h = vreinterpretq_u16_u8(vld1q_u8(x + 2 * i));
        vst1q_f32(y + i, vreinterpretq_f32_u32(vshll_n_u16(vget_low_u16(h), 16)));
        vst1q_f32(y + i + 4, vreinterpretq_f32_u32(vshll_high_n_u16(h, 16)));
    }
    slim_dequantize_row_bf16_ref(x + 2 * i, y + i, n - i);
}
