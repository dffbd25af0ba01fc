/*
 * NEON kernels for the legacy block types (q4_0, q4_1, q5_0, q5_1, q8_0).
 *
 * Same scheme as simd/x86/legacy_avx2.c (read its header comment): one block
 * in eight registers, extremes reduced as a tree, the element ggml's scan
 * keeps found by index, then the reference's per-element arithmetic.
 *
 * Conversions differ from x86: fcvtzs saturates, while the reference (as
 * built on x86) turns a non-finite value into a level whose low byte is 0.
 * Non-finite values appear only when 1/d overflows (a subnormal block), so
 * such a block gets id = NaN: every value then converts to 0, which gives
 * the same bytes.
 *
 * With importance weights, every type but q8_0 runs one block per lane
 * through simd/legacy_lanes.h.
 */
#include "simd/kernels.h"
#include "simd/blocks.h"
#include "simd/ref/legacy.h"

#include <arm_neon.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#define QK QK_LEGACY

/* Primitives of simd/legacy_lanes.h (after those of simd/qkx_lanes.h). */
#include "simd/arm/qkx_neon.h"
#define LL_TARGET
#define LL_N 4
typedef float32x4_t ll_vf;
typedef uint32x4_t ll_vm;
#define ll_load(p) vld1q_f32(p)
#define ll_store(p, v) vst1q_f32((p), (v))
#define ll_set1(f) vdupq_n_f32(f)
#define ll_add vaddq_f32
#define ll_mul vmulq_f32
#define ll_div vdivq_f32
#define ll_sqrt vsqrtq_f32
#define ll_abs vabsq_f32
#define ll_min vminq_f32
#define ll_max vmaxq_f32
#define ll_round vrndnq_f32
#define ll_gt vcgtq_f32
#define ll_lt vcltq_f32
#define ll_ne(a, b) vmvnq_u32(vceqq_f32((a), (b)))
#define ll_mand vandq_u32
#define ll_sel vbslq_f32
#include "simd/legacy_lanes.h"

/* ---- quantize helpers ---- */

static inline void load_block(const float *x, float32x4_t v[8])
{
    for (int k = 0; k < 8; k++)
        v[k] = vld1q_f32(x + 4 * k);
}

static inline float max8(const float32x4_t v[8])
{
    float32x4_t m = vmaxq_f32(vmaxq_f32(vmaxq_f32(v[0], v[1]), vmaxq_f32(v[2], v[3])),
                              vmaxq_f32(vmaxq_f32(v[4], v[5]), vmaxq_f32(v[6], v[7])));
    return vmaxvq_f32(m);
}

static inline float min8(const float32x4_t v[8])
{
    float32x4_t m = vminq_f32(vminq_f32(vminq_f32(v[0], v[1]), vminq_f32(v[2], v[3])),
                              vminq_f32(vminq_f32(v[4], v[5]), vminq_f32(v[6], v[7])));
    return vminvq_f32(m);
}

/* Index of the first of the 32 values v[] equal to m: each equal lane
 * contributes 32 - index, the largest wins. */
static inline int first_equal(const float32x4_t v[8], float m)
{
    static const uint32_t rank[QK] = { 32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22,
                                       21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11,
                                       10, 9,  8,  7,  6,  5,  4,  3,  2,  1 };
    const float32x4_t mv = vdupq_n_f32(m);
    uint32x4_t best = vdupq_n_u32(0);
    for (int k = 0; k < 8; k++)
        best = vmaxq_u32(best, vandq_u32(vceqq_f32(v[k], mv), vld1q_u32(rank + 4 * k)));
    return QK - (int)vmaxvq_u32(best);
}

/* 1/d, or NaN where the reference's conversions would see non-finite values. */
static inline float inverse(float d)
{
    float id = d ? 1.0f / d : 0.0f;
    return isinf(id) ? NAN : id;
}

/* Narrow 32 int32 levels to their low bytes: elements 0..15 in b[0], 16..31 in b[1]. */
static inline void low_bytes(const int32x4_t q[8], uint8x16_t b[2])
{
    for (int h = 0; h < 2; h++) {
        int16x8_t s0 = vcombine_s16(vmovn_s32(q[4 * h + 0]), vmovn_s32(q[4 * h + 1]));
        int16x8_t s1 = vcombine_s16(vmovn_s32(q[4 * h + 2]), vmovn_s32(q[4 * h + 3]));
        b[h] = vreinterpretq_u8_s8(vcombine_s8(vmovn_s16(s0), vmovn_s16(s1)));
    }
}

/* Levels trunc((v - sub) * id + off), capped at top. */
static inline void levels(const float32x4_t v[8], float sub, float id, float off, int top,
                          uint8x16_t b[2])
{
    const float32x4_t subv = vdupq_n_f32(sub), idv = vdupq_n_f32(id), offv = vdupq_n_f32(off);
    const int32x4_t topv = vdupq_n_s32(top);
    int32x4_t q[8];
    for (int k = 0; k < 8; k++) {
        float32x4_t t = vaddq_f32(vmulq_f32(vsubq_f32(v[k], subv), idv), offv);
        q[k] = vminq_s32(vcvtq_s32_f32(t), topv);
    }
    low_bytes(q, b);
}

/* Symmetric block (q4_0, q5_0): d = max/-half, levels in [0, 2*half). */
static inline float sym_block(const float *x, int half, uint8x16_t b[2])
{
    float32x4_t v[8], a[8];
    load_block(x, v);
    for (int k = 0; k < 8; k++)
        a[k] = vabsq_f32(v[k]);
    const float amax = max8(a);
    /* All zero: ggml's scan never updates max from its +0 start. */
    const float max = amax > 0.0f ? x[first_equal(a, amax)] : 0.0f;
    const float d = max / (float)-half;
    levels(v, 0.0f, inverse(d), (float)half + 0.5f, 2 * half - 1, b);
    return d;
}

/* Asymmetric block (q4_1, q5_1): d = (max-min)/nmax, levels from min. */
static inline float asym_block(const float *x, int nmax, int top, float *m_out, uint8x16_t b[2])
{
    float32x4_t v[8];
    load_block(x, v);
    /* The first equal element carries the sign of a zero extreme. */
    const float min = x[first_equal(v, min8(v))], max = x[first_equal(v, max8(v))];
    const float d = (max - min) / (float)nmax;
    levels(v, min, inverse(d), 0.5f, top, b);
    *m_out = min;
    return d;
}

/* qs[j] = low nibble of element j | low nibble of element j+16 << 4. */
static inline void store_nibbles(uint8_t *qs, const uint8x16_t b[2])
{
    vst1q_u8(qs, vsliq_n_u8(vandq_u8(b[0], vdupq_n_u8(0x0F)), b[1], 4));
}

/* Bit 4 of element j goes to bit j of qh. */
static inline void store_qh(uint8_t *qh, const uint8x16_t b[2])
{
    static const int8_t shift[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7 };
    const int8x16_t sh = vld1q_s8(shift);
    const uint8x16_t one = vdupq_n_u8(1);
    uint8x16_t lo = vshlq_u8(vandq_u8(vshrq_n_u8(b[0], 4), one), sh);
    uint8x16_t hi = vshlq_u8(vandq_u8(vshrq_n_u8(b[1], 4), one), sh);
    /* Three pairwise adds sum each run of 8 bits into one byte. */
    uint8x16_t p = vpaddq_u8(lo, hi);
    p = vpaddq_u8(p, p);
    p = vpaddq_u8(p, p);
    uint32_t h = vgetq_lane_u32(vreinterpretq_u32_u8(p), 0);
    memcpy(qh, &h, 4);
}

/* ---- quantize kernels ---- */

void slim_quantize_row_q4_0_neon(const float *restrict x, void *restrict vy, int64_t n,
                                 const float *restrict qw)
{
    if (qw) {
        ll_quantize_sym_imatrix(x, vy, n, qw, 4);
        return;
    }
    uint8_t *y = vy;
    for (int64_t i = 0; i < n / QK; i++, x += QK, y += sizeof(block_q4_0)) {
        uint8x16_t b[2];
        slim_legacy_put_half(y + offsetof(block_q4_0, d), sym_block(x, 8, b));
        store_nibbles(y + offsetof(block_q4_0, qs), b);
    }
}

void slim_quantize_row_q5_0_neon(const float *restrict x, void *restrict vy, int64_t n,
                                 const float *restrict qw)
{
    if (qw) {
        ll_quantize_sym_imatrix(x, vy, n, qw, 5);
        return;
    }
    uint8_t *y = vy;
    for (int64_t i = 0; i < n / QK; i++, x += QK, y += sizeof(block_q5_0)) {
        uint8x16_t b[2];
        slim_legacy_put_half(y + offsetof(block_q5_0, d), sym_block(x, 16, b));
        store_qh(y + offsetof(block_q5_0, qh), b);
        store_nibbles(y + offsetof(block_q5_0, qs), b);
    }
}

void slim_quantize_row_q4_1_neon(const float *restrict x, void *restrict vy, int64_t n,
                                 const float *restrict qw)
{
    if (qw) {
        ll_quantize_asym_imatrix(x, vy, n, qw, 4);
        return;
    }
    uint8_t *y = vy;
    for (int64_t i = 0; i < n / QK; i++, x += QK, y += sizeof(block_q4_1)) {
        uint8x16_t b[2];
        float m;
        slim_legacy_put_half(y + offsetof(block_q4_1, d), asym_block(x, 15, 15, &m, b));
        slim_legacy_put_half(y + offsetof(block_q4_1, m), m);
        store_nibbles(y + offsetof(block_q4_1, qs), b);
    }
}

void slim_quantize_row_q5_1_neon(const float *restrict x, void *restrict vy, int64_t n,
                                 const float *restrict qw)
{
    if (qw) {
        ll_quantize_asym_imatrix(x, vy, n, qw, 5);
        return;
    }
    uint8_t *y = vy;
    for (int64_t i = 0; i < n / QK; i++, x += QK, y += sizeof(block_q5_1)) {
        uint8x16_t b[2];
        float m;
        /* ggml does not cap q5_1 levels; INT32_MAX leaves them alone. */
        slim_legacy_put_half(y + offsetof(block_q5_1, d), asym_block(x, 31, INT32_MAX, &m, b));
        slim_legacy_put_half(y + offsetof(block_q5_1, m), m);
        store_qh(y + offsetof(block_q5_1, qh), b);
        store_nibbles(y + offsetof(block_q5_1, qs), b);
    }
}

void slim_quantize_row_q8_0_neon(const float *restrict x, void *restrict vy, int64_t n,
                                 const float *restrict qw)
{
    (void)qw;
    uint8_t *y = vy;
    for (int64_t i = 0; i < n / QK; i++, x += QK, y += sizeof(block_q8_0)) {
        float32x4_t v[8], a[8];
        load_block(x, v);
        for (int k = 0; k < 8; k++)
            a[k] = vabsq_f32(v[k]);
        const float d = max8(a) / 127.0f;
        slim_legacy_put_half(y + offsetof(block_q8_0, d), d);
        const float32x4_t idv = vdupq_n_f32(inverse(d));
        int32x4_t q[8];
        /* fcvtas rounds half away from zero: roundf and the cast in one. */
        for (int k = 0; k < 8; k++)
            q[k] = vcvtaq_s32_f32(vmulq_f32(v[k], idv));
        uint8x16_t b[2];
        low_bytes(q, b);
        vst1q_u8(y + offsetof(block_q8_0, qs), b[0]);
        vst1q_u8(y + offsetof(block_q8_0, qs) + 16, b[1]);
    }
}

/* ---- dequantize ---- */

/* y[0..16) = (float)l * d (+ m when add_m) for 16 signed byte levels. */
static inline void store_scaled16(float *y, int8x16_t l, float32x4_t d, float32x4_t m, int add_m)
{
    const int16x8_t w[2] = { vmovl_s8(vget_low_s8(l)), vmovl_s8(vget_high_s8(l)) };
    for (int k = 0; k < 4; k++) {
        int32x4_t i = (k & 1) ? vmovl_high_s16(w[k >> 1]) : vmovl_s16(vget_low_s16(w[k >> 1]));
        float32x4_t f = vmulq_f32(vcvtq_f32_s32(i), d);
        vst1q_f32(y + 4 * k, add_m ? vaddq_f32(f, m) : f);
    }
}

static inline void store_scaled(float *y, const uint8x16_t b[2], float d, float m, int add_m)
{
    const float32x4_t dv = vdupq_n_f32(d), mv = vdupq_n_f32(m);
    store_scaled16(y, vreinterpretq_s8_u8(b[0]), dv, mv, add_m);
    store_scaled16(y + 16, vreinterpretq_s8_u8(b[1]), dv, mv, add_m);
}

/* Four-bit levels: elements 0..15 from the low nibbles, 16..31 from the high. */
static inline void unpack_nibbles(const uint8_t *qs, uint8x16_t b[2])
{
    uint8x16_t q = vld1q_u8(qs);
    b[0] = vandq_u8(q, vdupq_n_u8(0x0F));
    b[1] = vshrq_n_u8(q, 4);
}

/* Adds bit j of qh as bit 4 of element j. */
static inline void add_qh(const uint8_t *qh, uint8x16_t b[2])
{
    static const uint8_t lo_idx[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1 };
    static const uint8_t bits[16] = { 1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128 };
    uint32_t bits32;
    memcpy(&bits32, qh, 4);
    const uint8x16_t h = vreinterpretq_u8_u32(vdupq_n_u32(bits32));
    const uint8x16_t idx = vld1q_u8(lo_idx), bit = vld1q_u8(bits), b4 = vdupq_n_u8(0x10);
    for (int k = 0; k < 2; k++) {
        uint8x16_t v = vqtbl1q_u8(h, vaddq_u8(idx, vdupq_n_u8((uint8_t)(2 * k))));
        b[k] = vorrq_u8(b[k], vandq_u8(vtstq_u8(v, bit), b4));
    }
}

/* Subtracts the zero point of the symmetric types. */
static inline void recentre(uint8x16_t b[2], uint8_t zero)
{
    b[0] = vsubq_u8(b[0], vdupq_n_u8(zero));
    b[1] = vsubq_u8(b[1], vdupq_n_u8(zero));
}

void slim_dequantize_row_q4_0_neon(const void *restrict vx, float *restrict y, int64_t n)
{
    const uint8_t *x = vx;
    for (int64_t i = 0; i < n / QK; i++, x += sizeof(block_q4_0), y += QK) {
        uint8x16_t b[2];
        unpack_nibbles(x + offsetof(block_q4_0, qs), b);
        recentre(b, 8);
        store_scaled(y, b, slim_legacy_get_half(x + offsetof(block_q4_0, d)), 0.0f, 0);
    }
}

void slim_dequantize_row_q4_1_neon(const void *restrict vx, float *restrict y, int64_t n)
{
    const uint8_t *x = vx;
    for (int64_t i = 0; i < n / QK; i++, x += sizeof(block_q4_1), y += QK) {
        uint8x16_t b[2];
        unpack_nibbles(x + offsetof(block_q4_1, qs), b);
        store_scaled(y, b, slim_legacy_get_half(x + offsetof(block_q4_1, d)),
                     slim_legacy_get_half(x + offsetof(block_q4_1, m)), 1);
    }
}

void slim_dequantize_row_q5_0_neon(const void *restrict vx, float *restrict y, int64_t n)
{
    const uint8_t *x = vx;
    for (int64_t i = 0; i < n / QK; i++, x += sizeof(block_q5_0), y += QK) {
        uint8x16_t b[2];
        unpack_nibbles(x + offsetof(block_q5_0, qs), b);
        add_qh(x + offsetof(block_q5_0, qh), b);
        recentre(b, 16);
        store_scaled(y, b, slim_legacy_get_half(x + offsetof(block_q5_0, d)), 0.0f, 0);
    }
}

void slim_dequantize_row_q5_1_neon(const void *restrict vx, float *restrict y, int64_t n)
{
    const uint8_t *x = vx;
    for (int64_t i = 0; i < n / QK; i++, x += sizeof(block_q5_1), y += QK) {
        uint8x16_t b[2];
        unpack_nibbles(x + offsetof(block_q5_1, qs), b);
        add_qh(x + offsetof(block_q5_1, qh), b);
        store_scaled(y, b, slim_legacy_get_half(x + offsetof(block_q5_1, d)),
                     slim_legacy_get_half(x + offsetof(block_q5_1, m)), 1);
    }
}

void slim_dequantize_row_q8_0_neon(const void *restrict vx, float *restrict y, int64_t n)
{
    const uint8_t *x = vx;
    for (int64_t i = 0; i < n / QK; i++, x += sizeof(block_q8_0), y += QK) {
        const uint8_t *qs = x + offsetof(block_q8_0, qs);
        const uint8x16_t b[2] = { vld1q_u8(qs), vld1q_u8(qs + 16) };
        store_scaled(y, b, slim_legacy_get_half(x + offsetof(block_q8_0, d)), 0.0f, 0);
    }
}
