/*
 * q3_K / q6_K kernels for NEON (AArch64): the quantizers are the shared
 * lane code in simd/kquant_sym_lanes.h on 4 x 4 lanes; the dequantizers
 * are below.
 */
#include <arm_neon.h>
#include <string.h>

#define KS_TARGET
#define KS_PRIM static inline __attribute__((always_inline))
#define KS_N 4
#define KS_TB 5
#define KS_PATH neon

typedef float32x4_t ks_vf;
typedef int32x4_t ks_vi;
typedef uint32x4_t ks_vm;

KS_PRIM ks_vf ks_load(const float *p) { return vld1q_f32(p); }
KS_PRIM void ks_store(float *p, ks_vf v) { vst1q_f32(p, v); }
KS_PRIM ks_vf ks_set1(float f) { return vdupq_n_f32(f); }
KS_PRIM ks_vf ks_add(ks_vf a, ks_vf b) { return vaddq_f32(a, b); }
KS_PRIM ks_vf ks_sub(ks_vf a, ks_vf b) { return vsubq_f32(a, b); }
KS_PRIM ks_vf ks_mul(ks_vf a, ks_vf b) { return vmulq_f32(a, b); }
KS_PRIM ks_vf ks_div(ks_vf a, ks_vf b) { return vdivq_f32(a, b); }
KS_PRIM ks_vf ks_sqrt(ks_vf a) { return vsqrtq_f32(a); }
KS_PRIM ks_vf ks_abs(ks_vf a) { return vabsq_f32(a); }
KS_PRIM ks_vf ks_min(ks_vf a, ks_vf b) { return vminq_f32(a, b); }
KS_PRIM ks_vf ks_max(ks_vf a, ks_vf b) { return vmaxq_f32(a, b); }
KS_PRIM ks_vf ks_round(ks_vf a) { return vrndnq_f32(a); }
KS_PRIM ks_vi ks_nearest(ks_vf a)
{
    const int32x4_t i = vreinterpretq_s32_f32(vaddq_f32(a, vdupq_n_f32(12582912.f)));
    return vsubq_s32(vandq_s32(i, vdupq_n_s32(0x007fffff)), vdupq_n_s32(0x00400000));
}
KS_PRIM ks_vi ks_iclamp(ks_vi i, int lo, int hi)
{
    return vmaxq_s32(vminq_s32(i, vdupq_n_s32(hi)), vdupq_n_s32(lo));
}
KS_PRIM ks_vf ks_itof(ks_vi i) { return vcvtq_f32_s32(i); }
KS_PRIM void ks_store_lev(int8_t *p, ks_vi i, int off)
{
    const int16x4_t h = vmovn_s32(vaddq_s32(i, vdupq_n_s32(off)));
    const int8x8_t b = vmovn_s16(vcombine_s16(h, h));
    vst1_lane_s32((int32_t *)(void *)p, vreinterpret_s32_s8(b), 0);
}
KS_PRIM ks_vm ks_gt(ks_vf a, ks_vf b) { return vcgtq_f32(a, b); }
KS_PRIM ks_vm ks_ne(ks_vf a, ks_vf b) { return vmvnq_u32(vceqq_f32(a, b)); }
KS_PRIM ks_vf ks_sel(ks_vm m, ks_vf a, ks_vf b) { return vbslq_f32(m, a, b); }
KS_PRIM ks_vm ks_mand(ks_vm a, ks_vm b) { return vandq_u32(a, b); }
KS_PRIM ks_vm ks_mor(ks_vm a, ks_vm b) { return vorrq_u32(a, b); }
KS_PRIM ks_vm ks_mandnot(ks_vm a, ks_vm b) { return vbicq_u32(a, b); }
KS_PRIM int ks_mnone(ks_vm m) { return vmaxvq_u32(m) == 0; }
KS_PRIM ks_vm ks_mzero(void) { return vdupq_n_u32(0); }

#include "simd/kquant_sym_lanes.h"
