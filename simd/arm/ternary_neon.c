/*
 * TQ1_0 / TQ2_0 kernels for NEON; same method as simd/x86/ternary_avx2.c:
 * |x*id| <= 1 + 2^-23, so lroundf(x*id) is (v >= .5) - (v <= -.5), and a
 * block whose 1/max|x| overflows goes to the reference.
 */
#include "simd/kernels.h"
#include "simd/ref/half.h"
#include "simd/ref/ternary.h"
#include "simd/arm/nl_neon.h"

#include <float.h>
#include <string.h>

static inline float tq_amax(const float *x)
{
    float32x4_t m = vdupq_n_f32(0);
    for (int j = 0; j < QK_K; j += 4)
        m = vmaxq_f32(m, vabsq_f32(vld1q_f32(x + j)));
    return vmaxvq_f32(m);
}

/* lroundf(x*id) + 1 for 4 weights, 0..2. */
static inline uint32x4_t tq_trit4(const float *x, float id)
{
    const float32x4_t v = vmulq_n_f32(vld1q_f32(x), id);
    const uint32x4_t up = vcgeq_f32(v, vdupq_n_f32(0.5f));
    const uint32x4_t dn = vcleq_f32(v, vdupq_n_f32(-0.5f));
    return vsubq_u32(vaddq_u32(vdupq_n_u32(1), dn), up);
}

/* ceil(q * 256 / 243) for q < 243; the float division truncates exactly. */
static inline uint32x4_t tq1_pack4(uint32x4_t q)
{
    const float32x4_t a = vcvtq_f32_u32(vaddq_u32(vshlq_n_u32(q, 8), vdupq_n_u32(242)));
    return vcvtq_u32_f32(vdivq_f32(a, vdupq_n_f32(243.0f)));
}

/* 4 base-3 numbers of `count` trits x[k*stride], most significant first. */
static inline uint32x4_t tq1_trits4(const float *x, int stride, int count, float id)
{
    uint32x4_t q = vdupq_n_u32(0);
    for (int k = 0; k < count; k++)
        q = vmlaq_n_u32(tq_trit4(x + k * stride, id), q, 3);
    return q;
}

void slim_quantize_row_tq1_0_neon(const float *restrict x, void *restrict vy, int64_t n,
                                  const float *restrict qw)
{
    (void)qw;
    uint8_t *y = vy;
    for (int64_t i = 0; i < n / QK_K; i++, x += QK_K, y += sizeof(block_tq1_0)) {
        const float d = tq_amax(x);
        const float id = d ? 1.0f / d : 0.0f;
        if (!(id <= FLT_MAX)) {
            slim_tq1_0_block_ref(x, y);
            continue;
        }
        slim_nl_put_half(y + offsetof(block_tq1_0, d), d);
        uint8_t *qs = y + offsetof(block_tq1_0, qs);
        for (int m = 0; m < 32; m += 8)
            nl_store8_neon(qs + m, tq1_pack4(tq1_trits4(x + m, 32, 5, id)),
                           tq1_pack4(tq1_trits4(x + m + 4, 32, 5, id)));
        nl_store8_neon(qs + 32, tq1_pack4(tq1_trits4(x + 160, 16, 5, id)),
                       tq1_pack4(tq1_trits4(x + 164, 16, 5, id)));
        nl_store8_neon(qs + 40, tq1_pack4(tq1_trits4(x + 168, 16, 5, id)),
                       tq1_pack4(tq1_trits4(x + 172, 16, 5, id)));
        /* qh: 4 trits x[240 + j + 4k], then one more factor 3. */
        const uint32x4_t qh = tq1_pack4(vmulq_n_u32(tq1_trits4(x + 240, 4, 4, id), 3));
        uint8_t b[8];
        nl_store8_neon(b, qh, qh);
        memcpy(y + offsetof(block_tq1_0, qh), b, 4);
    }
}

void slim_quantize_row_tq2_0_neon(const float *restrict x, void *restrict vy, int64_t n,
                                  const float *restrict qw)
{
    (void)qw;
    uint8_t *y = vy;
    for (int64_t i = 0; i < n / QK_K; i++, x += QK_K, y += sizeof(block_tq2_0)) {
        const float d = tq_amax(x);
        const float id = d ? 1.0f / d : 0.0f;
        if (!(id <= FLT_MAX)) {
            slim_tq2_0_block_ref(x, y);
            continue;
        }
        slim_nl_put_half(y + offsetof(block_tq2_0, d), d);
        /* byte 32h + m: weights 128h + m + 32k in bits 2k. */
        for (int h = 0; h < 2; h++) {
            for (int m = 0; m < 32; m += 8) {
                uint32x4_t q[2];
                for (int s = 0; s < 2; s++) {
                    const float *xb = x + 128 * h + m + 4 * s;
                    q[s] = tq_trit4(xb, id);
                    q[s] = vorrq_u32(q[s], vshlq_n_u32(tq_trit4(xb + 32, id), 2));
                    q[s] = vorrq_u32(q[s], vshlq_n_u32(tq_trit4(xb + 64, id), 4));
                    q[s] = vorrq_u32(q[s], vshlq_n_u32(tq_trit4(xb + 96, id), 6));
                }
                nl_store8_neon(y + offsetof(block_tq2_0, qs) + 32 * h + m, q[0], q[1]);
            }
        }
    }
}

/* (t - 1) * d for 16 trits t (0..2) in bytes. */
static inline void tq_out16(uint8x16_t t, float d, float *y)
{
    nl_out16_neon(vsubq_s8(vreinterpretq_s8_u8(t), vdupq_n_s8(1)), d, y);
}

/* Trit k of 16 packed bytes, see slim_tq1_trit: (uint8)(b*3^k) * 3 >> 8. */
static inline uint8x16_t tq1_trit16(uint8x16_t b, uint8_t pow3)
{
    const uint8x16_t q = vmulq_u8(b, vdupq_n_u8(pow3));
    return vcombine_u8(vshrn_n_u16(vmull_u8(vget_low_u8(q), vdup_n_u8(3)), 8),
                       vshrn_n_u16(vmull_u8(vget_high_u8(q), vdup_n_u8(3)), 8));
}

void slim_dequantize_row_tq1_0_neon(const void *restrict vx, float *restrict y, int64_t n)
{
    static const uint8_t pow3[5] = { 1, 3, 9, 27, 81 };
    const uint8_t *x = vx;
    for (int64_t i = 0; i < n / QK_K; i++, x += sizeof(block_tq1_0), y += QK_K) {
        const float d = slim_nl_get_half(x + offsetof(block_tq1_0, d));
        const uint8_t *qs = x + offsetof(block_tq1_0, qs), *qh = x + offsetof(block_tq1_0, qh);
        const uint8x16_t b0 = vld1q_u8(qs), b1 = vld1q_u8(qs + 16), b2 = vld1q_u8(qs + 32);
        for (int k = 0; k < 5; k++) {
            tq_out16(tq1_trit16(b0, pow3[k]), d, y + 32 * k);
            tq_out16(tq1_trit16(b1, pow3[k]), d, y + 32 * k + 16);
            tq_out16(tq1_trit16(b2, pow3[k]), d, y + 160 + 16 * k);
        }
        for (int k = 0; k < 4; k++)
            for (int j = 0; j < 4; j++)
                y[240 + 4 * k + j] = (float)(slim_tq1_trit(qh[j], k) - 1) * d;
    }
}

void slim_dequantize_row_tq2_0_neon(const void *restrict vx, float *restrict y, int64_t n)
{
    const uint8_t *x = vx;
    for (int64_t i = 0; i < n / QK_K; i++, x += sizeof(block_tq2_0), y += QK_K) {
        const float d = slim_nl_get_half(x + offsetof(block_tq2_0, d));
        const uint8_t *qs = x + offsetof(block_tq2_0, qs);
        for (int h = 0; h < 2; h++) {
            for (int m = 0; m < 32; m += 16) {
                const uint8x16_t b = vld1q_u8(qs + 32 * h + m);
                tq_out16(vandq_u8(b, vdupq_n_u8(3)), d, y + 128 * h + m);
                tq_out16(vandq_u8(vshrq_n_u8(b, 2), vdupq_n_u8(3)), d, y + 128 * h + 32 + m);
                tq_out16(vandq_u8(vshrq_n_u8(b, 4), vdupq_n_u8(3)), d, y + 128 * h + 64 + m);
                tq_out16(vshrq_n_u8(b, 6), d, y + 128 * h + 96 + m);
            }
        }
    }
}
