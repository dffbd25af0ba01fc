/* MXFP4 kernels for NEON; same method as simd/x86/mxfp4_avx2.c (scalar
 * exponent, code search on |x| over codes 0..7, +8 for negative x). */
#include "simd/kernels.h"
#include "simd/ref/nonlinear.h"
#include "simd/arm/nl_neon.h"

/* Codes of 4 weights; kd[k] = value[k] * d for k < 8. */
static inline uint32x4_t mxfp4_code4(const float *x, const float kd[8])
{
    const float32x4_t v = vld1q_f32(x);
    const float32x4_t ax = vabsq_f32(v);
    float32x4_t best = vabsq_f32(vsubq_f32(vdupq_n_f32(kd[0]), ax));
    uint32x4_t code = vdupq_n_u32(0);
    for (int k = 1; k < 8; k++) {
        const float32x4_t err = vabsq_f32(vsubq_f32(vdupq_n_f32(kd[k]), ax));
        const uint32x4_t better = vcltq_f32(err, best);
        best = vbslq_f32(better, err, best);
        code = vbslq_u32(better, vdupq_n_u32((uint32_t)k), code);
    }
    const uint32x4_t neg = vcltq_f32(v, vdupq_n_f32(0));
    const uint32x4_t nonzero = vtstq_u32(code, code);
    return vorrq_u32(code, vandq_u32(vandq_u32(neg, nonzero), vdupq_n_u32(8)));
}

void slim_quantize_row_mxfp4_neon(const float *restrict x, void *restrict vy, int64_t n,
                                  const float *restrict qw)
{
    (void)qw;
    uint8_t *y = vy;
    for (int64_t i = 0; i < n / QK_LEGACY; i++, x += QK_LEGACY, y += sizeof(block_mxfp4)) {
        float32x4_t m = vabsq_f32(vld1q_f32(x));
        for (int j = 4; j < QK_LEGACY; j += 4)
            m = vmaxq_f32(m, vabsq_f32(vld1q_f32(x + j)));
        const uint8_t e = slim_mxfp4_exponent(vmaxvq_f32(m));
        const float d = slim_e8m0_to_f32_half(e);
        y[offsetof(block_mxfp4, e)] = e;
        float kd[8];
        for (int k = 0; k < 8; k++)
            kd[k] = slim_mxfp4_values[k] * d;
        for (int j = 0; j < QK_LEGACY / 2; j += 8) {
            uint32x4_t q[2];
            for (int s = 0; s < 2; s++)
                q[s] = vorrq_u32(mxfp4_code4(x + j + 4 * s, kd),
                                 vshlq_n_u32(mxfp4_code4(x + j + 4 * s + 16, kd), 4));
            nl_store8_neon(y + offsetof(block_mxfp4, qs) + j, q[0], q[1]);
        }
    }
}

void slim_dequantize_row_mxfp4_neon(const void *restrict vx, float *restrict y,
                                    int64_t n)
{
    const uint8_t *x = vx;
    for (int64_t i = 0; i < n / QK_LEGACY; i++, x += sizeof(block_mxfp4), y += QK_LEGACY) {
        const float d = slim_e8m0_to_f32_half(x[offsetof(block_mxfp4, e)]);
        nl_dequant32_neon(slim_mxfp4_values, x + offsetof(block_mxfp4, qs), d, y);
    }
}
