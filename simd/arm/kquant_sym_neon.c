/*
 * q3_K / q6_K kernels for NEON (AArch64): the quantizers are the shared
 * lane code in simd/kquant_sym_lanes.h on 4 x 4 lanes; the dequantizers
 * are below.
 */
#include <arm_neon.h>
#include <string.h>

#include "simd/blocks.h"

#define KS_TARGET
#define KS_PRIM static inline __attribute__((always_inline))
#define KS_N 4
#define KS_G 4
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

/* Four 4 x 4 tiles. */
KS_PRIM void ks_transpose_rows(const float *x, ks_vf cols[16])
{
    for (int c = 0; c < 16; c += 4) {
        const float32x4x2_t p01 = vtrnq_f32(vld1q_f32(x + c), vld1q_f32(x + 16 + c));
        const float32x4x2_t p23 = vtrnq_f32(vld1q_f32(x + 32 + c), vld1q_f32(x + 48 + c));
        cols[c] = vcombine_f32(vget_low_f32(p01.val[0]), vget_low_f32(p23.val[0]));
        cols[c + 1] = vcombine_f32(vget_low_f32(p01.val[1]), vget_low_f32(p23.val[1]));
        cols[c + 2] = vcombine_f32(vget_high_f32(p01.val[0]), vget_high_f32(p23.val[0]));
        cols[c + 3] = vcombine_f32(vget_high_f32(p01.val[1]), vget_high_f32(p23.val[1]));
    }
}

/* As slim_q3_K_pack (L: 0..7), 16 bytes at a time. */
KS_PRIM void ks_q3_K_pack(block_q3_K *restrict y, int8_t *restrict L)
{
    const uint8_t *u = (const uint8_t *)L;
    const uint8x16_t three = vdupq_n_u8(3);
    for (int c = 0; c < 2; ++c) {
        uint8x16_t hm = vdupq_n_u8(0);
        for (int h = 0; h < 2; ++h) {
            uint8x16_t qs = vdupq_n_u8(0);
            for (int g = 0; g < 4; ++g) {
                const int k = 4 * h + g;
                const uint8x16_t l = vld1q_u8(u + 32 * k + 16 * c);
                hm = vorrq_u8(hm, vandq_u8(vcgtq_u8(l, three), vdupq_n_u8((uint8_t)(1 << k))));
                qs = vorrq_u8(qs, vshlq_u8(vandq_u8(l, three), vdupq_n_s8((int8_t)(2 * g))));
            }
            vst1q_u8(y->qs + 32 * h + 16 * c, qs);
        }
        vst1q_u8(y->hmask + 16 * c, hm);
    }
}

/* As slim_q6_K_pack (L: 0..63), 16 bytes at a time. */
KS_PRIM void ks_q6_K_pack(block_q6_K *restrict y, const int8_t *restrict L)
{
    const uint8_t *u = (const uint8_t *)L;
    const uint8x16_t m4 = vdupq_n_u8(0xF);
    for (int h = 0; h < 2; ++h) {
        for (int c = 0; c < 2; ++c) {
            uint8x16_t l[4];
            for (int g = 0; g < 4; ++g)
                l[g] = vld1q_u8(u + 128 * h + 32 * g + 16 * c);
            vst1q_u8(y->ql + 64 * h + 16 * c, vorrq_u8(vandq_u8(l[0], m4), vshlq_n_u8(l[2], 4)));
            vst1q_u8(y->ql + 64 * h + 32 + 16 * c,
                     vorrq_u8(vandq_u8(l[1], m4), vshlq_n_u8(l[3], 4)));
            const uint8x16_t qh = vorrq_u8(
                vorrq_u8(vshrq_n_u8(l[0], 4), vshlq_n_u8(vshrq_n_u8(l[1], 4), 2)),
                vorrq_u8(vshlq_n_u8(vshrq_n_u8(l[2], 4), 4), vshlq_n_u8(vshrq_n_u8(l[3], 4), 6)));
            vst1q_u8(y->qh + 32 * h + 16 * c, qh);
        }
    }
}
#include "simd/kquant_sym_lanes.h"

/* y[k] = f * (float)q[k] for 16 levels: ggml's (d * scale) * level. */
static inline void ks_deq16(float *y, int8x16_t q, float f)
{
    const float32x4_t vf = vdupq_n_f32(f);
    const int16x8_t lo = vmovl_s8(vget_low_s8(q)), hi = vmovl_s8(vget_high_s8(q));
    vst1q_f32(y, vmulq_f32(vf, vcvtq_f32_s32(vmovl_s16(vget_low_s16(lo)))));
    vst1q_f32(y + 4, vmulq_f32(vf, vcvtq_f32_s32(vmovl_s16(vget_high_s16(lo)))));
    vst1q_f32(y + 8, vmulq_f32(vf, vcvtq_f32_s32(vmovl_s16(vget_low_s16(hi)))));
    vst1q_f32(y + 12, vmulq_f32(vf, vcvtq_f32_s32(vmovl_s16(vget_high_s16(hi)))));
}

void slim_dequantize_row_q3_K_neon(const void *restrict vx, float *restrict y, int64_t n)
{
    const uint8_t *xb = vx;
    const uint8x16_t three = vdupq_n_u8(3), four = vdupq_n_u8(4);
    for (int64_t b = 0; b < n / QK_K; ++b) {
        /* Blocks may sit at any address: read a copy. */
        block_q3_K blk;
        memcpy(&blk, xb + b * sizeof blk, sizeof blk);
        float dl[16];
        for (int j = 0; j < 16; ++j)
            dl[j] = slim_q3_K_subscale(&blk, j);
        for (int h = 0; h < 2; ++h) {
            for (int c = 0; c < 2; ++c) {
                const uint8x16_t qs = vld1q_u8(blk.qs + 32 * h + 16 * c);
                const uint8x16_t hm = vld1q_u8(blk.hmask + 16 * c);
                for (int s = 0; s < 4; ++s) {
                    /* Sub-block 8h+2s+c: bits 2s of qs, bit 4h+s of hmask;
                     * level = low bits - (high bit clear ? 4 : 0). */
                    const uint8x16_t lo = vandq_u8(vshlq_u8(qs, vdupq_n_s8((int8_t)(-2 * s))), three);
                    const uint8x16_t clear = vceqq_u8(
                        vandq_u8(hm, vdupq_n_u8((uint8_t)(1 << (4 * h + s)))), vdupq_n_u8(0));
                    const int8x16_t q = vreinterpretq_s8_u8(vsubq_u8(lo, vandq_u8(clear, four)));
                    const int j = 8 * h + 2 * s + c;
                    ks_deq16(y + 16 * j, q, dl[j]);
                }
            }
        }
        y += QK_K;
    }
}

void slim_dequantize_row_q6_K_neon(const void *restrict vx, float *restrict y, int64_t n)
{
    const uint8_t *xb = vx;
    const uint8x16_t m4 = vdupq_n_u8(0xF), m3 = vdupq_n_u8(3), off = vdupq_n_u8(32);
    for (int64_t b = 0; b < n / QK_K; ++b) {
        /* Blocks may sit at any address: read a copy. */
        block_q6_K blk;
        memcpy(&blk, xb + b * sizeof blk, sizeof blk);
        const float d = slim_half_to_f32(blk.d);
        for (int h = 0; h < 2; ++h) {
            const uint8_t *ql = blk.ql + 64 * h, *qhp = blk.qh + 32 * h;
            const int8_t *sc = blk.scales + 8 * h;
            for (int k = 0; k < 2; ++k) {
                /* Values 16k.. of each group g of 32: low nibble of ql[l] (g = 0),
                 * ql[l+32] (1), high nibbles (2, 3); top bits from qh >> 2g. */
                const uint8x16_t l0 = vld1q_u8(ql + 16 * k), l1 = vld1q_u8(ql + 32 + 16 * k);
                const uint8x16_t qh = vld1q_u8(qhp + 16 * k);
                const uint8x16_t lows[4] = { vandq_u8(l0, m4), vandq_u8(l1, m4),
                                             vshrq_n_u8(l0, 4), vshrq_n_u8(l1, 4) };
                const uint8x16_t highs[4] = { vandq_u8(qh, m3), vandq_u8(vshrq_n_u8(qh, 2), m3),
                                              vandq_u8(vshrq_n_u8(qh, 4), m3), vshrq_n_u8(qh, 6) };
                for (int g = 0; g < 4; ++g) {
                    const uint8x16_t q = vsubq_u8(vorrq_u8(lows[g], vshlq_n_u8(highs[g], 4)), off);
                    ks_deq16(y + 128 * h + 32 * g + 16 * k, vreinterpretq_s8_u8(q),
                             d * sc[k + 2 * g]);
                }
            }
        }
        y += QK_K;
    }
}
