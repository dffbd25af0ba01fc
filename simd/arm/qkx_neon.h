/*
 * 4-lane primitives for the NEON instances of simd/qkx_lanes.h (the one-lane-per-block
 * qkx search), used by the K-quant and legacy kernels of this instruction set.
 */
#ifndef SLIM_SIMD_ARM_QKX_NEON_H
#define SLIM_SIMD_ARM_QKX_NEON_H

#include <arm_neon.h>
#include <string.h>

#define KA_W 4
#define KA_ATTR
#define KA_FN(name) name##_neon
#define KA_SQRT(v) ((ka_vf)vsqrtq_f32((float32x4_t)(v)))
#define KA_ANY(m) vmaxvq_u32((uint32x4_t)(m))
#define KA_MINI(a, b) ((ka_vi)vminq_s32((int32x4_t)(a), (int32x4_t)(b)))
#define KA_MAXI(a, b) ((ka_vi)vmaxq_s32((int32x4_t)(a), (int32x4_t)(b)))
#define KA_ROUND(v) ((ka_vf)vrndnq_f32((float32x4_t)(v)))
#define KA_MINF(a, b) ((ka_vf)vminnmq_f32((float32x4_t)(a), (float32x4_t)(b)))
#define KA_MAXF(a, b) ((ka_vf)vmaxnmq_f32((float32x4_t)(a), (float32x4_t)(b)))
#define KA_LOAD_U8(p) ((ka_vi)ka_load_u8_neon(p))
#define KA_STORE_U8(p, v) ka_store_u8_neon(p, (uint32x4_t)(v))

static inline int32x4_t ka_load_u8_neon(const uint8_t *p)
{
    uint32_t t;
    memcpy(&t, p, 4);
    const uint16x8_t h = vmovl_u8(vcreate_u8(t));
    return vreinterpretq_s32_u32(vmovl_u16(vget_low_u16(h)));
}

/* Lanes hold 0..255: narrowing keeps the value. */
static inline void ka_store_u8_neon(uint8_t *p, uint32x4_t v)
{
    const uint16x4_t h = vmovn_u32(v);
    const uint8x8_t b = vmovn_u16(vcombine_u16(h, h));
    const uint32_t t = vget_lane_u32(vreinterpret_u32_u8(b), 0);
    memcpy(p, &t, 4);
}
/* In-place transpose of the 4x4 floats in r[0..3]. */
static inline void ka_transpose_neon(float32x4_t *r)
{
    const float32x4_t t0 = vtrn1q_f32(r[0], r[1]), t1 = vtrn2q_f32(r[0], r[1]);
    const float32x4_t t2 = vtrn1q_f32(r[2], r[3]), t3 = vtrn2q_f32(r[2], r[3]);
    r[0] = vreinterpretq_f32_f64(vtrn1q_f64(vreinterpretq_f64_f32(t0), vreinterpretq_f64_f32(t2)));
    r[1] = vreinterpretq_f32_f64(vtrn1q_f64(vreinterpretq_f64_f32(t1), vreinterpretq_f64_f32(t3)));
    r[2] = vreinterpretq_f32_f64(vtrn2q_f64(vreinterpretq_f64_f32(t0), vreinterpretq_f64_f32(t2)));
    r[3] = vreinterpretq_f32_f64(vtrn2q_f64(vreinterpretq_f64_f32(t1), vreinterpretq_f64_f32(t3)));
}
#define KA_TRANSPOSE(r) ka_transpose_neon((float32x4_t *)(r))
#include "simd/qkx_lanes.h"

#endif
