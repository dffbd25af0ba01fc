/*
 * Legacy 32-element block types: q4_0, q4_1, q5_0, q5_1 (4 or 5 bits with a
 * scale, "_1" also with a min) and q8_0. Bit-identical to ggml's
 * quantize_row_*_ref / quantize_*(..., quant_weights) and dequantize_row_*.
 *
 * Without importance weights each block is scaled from its extremes; with
 * them ggml searches the scale (make_qx_quants for the symmetric _0 types,
 * make_qkx3_quants for the _1 types) with weights qw*sqrt(sigma2 + x^2),
 * where sigma2 is the mean square of the whole row.
 */
#include "simd/kernels.h"
#include "simd/blocks.h"
#include "simd/ref/half.h"
#include "simd/ref/legacy.h"
#include "simd/ref/search.h"

#include <float.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#define QK QK_LEGACY

/*
 * The element of largest magnitude, the first one on ties (ggml scans with
 * a strict "amax < |v|"), or +0 when every element is zero.
 */
static float signed_absmax(const float *x)
{
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < QK; j++) {
        if (amax < fabsf(x[j])) {
            amax = fabsf(x[j]);
            max = x[j];
        }
    }
    return max;
}

/* Minimum and maximum, the first one on ties (matters only for -0 vs +0). */
static void block_min_max(const float *x, float *min, float *max)
{
    float lo = FLT_MAX, hi = -FLT_MAX;
    for (int j = 0; j < QK; j++) {
        if (x[j] < lo)
            lo = x[j];
        if (x[j] > hi)
            hi = x[j];
    }
    *min = lo;
    *max = hi;
}

/* Symmetric levels: d = max/-half, level = min(2*half-1, (int8_t)(x/d + half + 0.5)). */
static float sym_levels(const float *x, int half, uint8_t *L)
{
    const float d = signed_absmax(x) / (float)-half;
    const float id = d ? 1.0f / d : 0.0f;
    const float offset = (float)half + 0.5f;
    for (int j = 0; j < QK; j++) {
        int l = slim_legacy_cvtt_i8(x[j] * id + offset);
        L[j] = (uint8_t)(l < 2 * half - 1 ? l : 2 * half - 1);
    }
    return d;
}

/* Asymmetric levels: d = (max-min)/nmax, level = (int8_t)((x-min)/d + 0.5),
 * capped at nmax when `cap` (q4_1 caps, q5_1 does not). */
static float asym_levels(const float *x, int nmax, int cap, uint8_t *L, float *min)
{
    float lo, hi;
    block_min_max(x, &lo, &hi);
    const float d = (hi - lo) / (float)nmax;
    const float id = d ? 1.0f / d : 0.0f;
    for (int j = 0; j < QK; j++) {
        int l = slim_legacy_cvtt_i8((x[j] - lo) * id + 0.5f);
        L[j] = (uint8_t)(cap && l > nmax ? nmax : l);
    }
    *min = lo;
    return d;
}

/* ---- importance-weighted search (qw != NULL) ---- */

static void block_weights(const float *x, const float *qw, float sigma2, float *w)
{
    for (int j = 0; j < QK; j++)
        w[j] = qw[j] * sqrtf(sigma2 + x[j] * x[j]);
}

/* Symmetric search; levels in [0, 2*half). Returns the scale. */
static float sym_search(const float *x, const float *qw, float sigma2, int half, uint8_t *L)
{
    float w[QK];
    int8_t l8[QK];
    block_weights(x, qw, sigma2, w);
    float d = slim_make_qx_quants(QK, half, x, l8, 1, w);
    for (int j = 0; j < QK; j++)
        L[j] = (uint8_t)l8[j];
    return d;
}

/* Asymmetric search; levels in [0, nmax]. Returns the scale, *m the min. */
static float asym_search(const float *x, const float *qw, float sigma2, int nmax, uint8_t *L,
                         float *m)
{
    float w[QK], min;
    uint8_t aux[QK];
    block_weights(x, qw, sigma2, w);
    float d = slim_make_qkx3_quants(QK, nmax, x, w, L, &min, aux, -0.9f, 0.05f, 36, false);
    *m = -min;
    return d;
}

/* ---- kernels ---- */

/* Every helper below takes bits as a constant: always_inline makes each
 * kernel as specialised as when it was written out. */
#define LEG_INLINE static inline __attribute__((always_inline))

/* Offsets of a q4_0 (bits 4) or q5_0 (bits 5) block's fields; q4_0 has no qh. */
#define SYM_SIZE(bits) ((bits) == 4 ? sizeof(block_q4_0) : sizeof(block_q5_0))
#define SYM_D(bits) ((bits) == 4 ? offsetof(block_q4_0, d) : offsetof(block_q5_0, d))
#define SYM_QS(bits) ((bits) == 4 ? offsetof(block_q4_0, qs) : offsetof(block_q5_0, qs))
/* The same for q4_1 / q5_1. */
#define ASYM_SIZE(bits) ((bits) == 4 ? sizeof(block_q4_1) : sizeof(block_q5_1))
#define ASYM_D(bits) ((bits) == 4 ? offsetof(block_q4_1, d) : offsetof(block_q5_1, d))
#define ASYM_M(bits) ((bits) == 4 ? offsetof(block_q4_1, m) : offsetof(block_q5_1, m))
#define ASYM_QS(bits) ((bits) == 4 ? offsetof(block_q4_1, qs) : offsetof(block_q5_1, qs))

/* The 4- or 5-bit levels L of one block to qs (and qh for bits 5). */
LEG_INLINE void pack_levels(const uint8_t *L, uint8_t *qs, uint8_t *qh, int bits)
{
    if (bits == 4)
        slim_legacy_pack4(L, qs);
    else
        slim_legacy_pack5(L, qs, qh);
}

/* q4_0 (bits 4) or q5_0 (bits 5): levels l + nmax, nmax = 2^(bits-1). */
LEG_INLINE void quantize_sym(const float *restrict x, uint8_t *restrict y, int64_t n,
                                const float *restrict qw, int bits)
{
    const int nmax = 1 << (bits - 1);
    const float sigma2 = qw ? slim_legacy_row_sigma2(x, n) : 0.0f;
    for (int64_t i = 0; i < n / QK; i++, y += SYM_SIZE(bits)) {
        uint8_t L[QK];
        const float *xb = x + i * QK;
        float d = qw ? sym_search(xb, qw + i * QK, sigma2, nmax, L) : sym_levels(xb, nmax, L);
        slim_legacy_put_half(y + SYM_D(bits), d);
        pack_levels(L, y + SYM_QS(bits), y + offsetof(block_q5_0, qh), bits);
    }
}

/* q4_1 (bits 4) or q5_1 (bits 5): levels in [0, 2^bits - 1] from the min;
 * ggml caps the q4_1 levels only. */
LEG_INLINE void quantize_asym(const float *restrict x, uint8_t *restrict y, int64_t n,
                                 const float *restrict qw, int bits)
{
    const int nmax = (1 << bits) - 1;
    const float sigma2 = qw ? slim_legacy_row_sigma2(x, n) : 0.0f;
    for (int64_t i = 0; i < n / QK; i++, y += ASYM_SIZE(bits)) {
        uint8_t L[QK];
        float m;
        const float *xb = x + i * QK;
        float d = qw ? asym_search(xb, qw + i * QK, sigma2, nmax, L, &m)
                     : asym_levels(xb, nmax, bits == 4, L, &m);
        slim_legacy_put_half(y + ASYM_D(bits), d);
        slim_legacy_put_half(y + ASYM_M(bits), m);
        pack_levels(L, y + ASYM_QS(bits), y + offsetof(block_q5_1, qh), bits);
    }
}

void slim_quantize_row_q4_0_ref(const float *restrict x, void *restrict vy, int64_t n,
                                const float *restrict qw)
{
    quantize_sym(x, vy, n, qw, 4);
}

void slim_quantize_row_q5_0_ref(const float *restrict x, void *restrict vy, int64_t n,
                                const float *restrict qw)
{
    quantize_sym(x, vy, n, qw, 5);
}

void slim_quantize_row_q4_1_ref(const float *restrict x, void *restrict vy, int64_t n,
                                const float *restrict qw)
{
    quantize_asym(x, vy, n, qw, 4);
}

void slim_quantize_row_q5_1_ref(const float *restrict x, void *restrict vy, int64_t n,
                                const float *restrict qw)
{
    quantize_asym(x, vy, n, qw, 5);
}

/* q8_0 has no weighted variant in ggml: qw is ignored. */
void slim_quantize_row_q8_0_ref(const float *restrict x, void *restrict vy, int64_t n,
                                const float *restrict qw)
{
    (void)qw;
    uint8_t *y = vy;
    for (int64_t i = 0; i < n / QK; i++, y += sizeof(block_q8_0)) {
        const float *xb = x + i * QK;
        float amax = 0.0f;
        for (int j = 0; j < QK; j++)
            amax = amax > fabsf(xb[j]) ? amax : fabsf(xb[j]);
        const float d = amax / 127.0f;
        const float id = d ? 1.0f / d : 0.0f;
        slim_legacy_put_half(y + offsetof(block_q8_0, d), d);
        for (int j = 0; j < QK; j++)
            y[offsetof(block_q8_0, qs) + j] = (uint8_t)slim_legacy_cvtt_i8(roundf(xb[j] * id));
    }
}

/* ---- dequantization ---- */

/* Level of element j from 4 low bits in qs and, for q5, bit j of qh. */
static inline int nibble(const uint8_t *qs, int j)
{
    return j < QK / 2 ? qs[j] & 0x0F : qs[j - QK / 2] >> 4;
}

static inline uint32_t load_qh(const uint8_t *qh)
{
    return (uint32_t)qh[0] | (uint32_t)qh[1] << 8 | (uint32_t)qh[2] << 16 |
           (uint32_t)qh[3] << 24;
}

/* Level of element j of a q4_x (bits 4) or q5_x (bits 5) block. */
LEG_INLINE int level(const uint8_t *qs, uint32_t qh, int bits, int j)
{
    return bits == 4 ? nibble(qs, j) : nibble(qs, j) | (int)((qh >> j) & 1) << 4;
}

/* q4_0 / q5_0: (l - 2^(bits-1)) * d. */
LEG_INLINE void dequantize_sym(const uint8_t *restrict x, float *restrict y, int64_t n, int bits)
{
    for (int64_t i = 0; i < n / QK; i++, x += SYM_SIZE(bits), y += QK) {
        const float d = slim_legacy_get_half(x + SYM_D(bits));
        const uint32_t qh = bits == 4 ? 0 : load_qh(x + offsetof(block_q5_0, qh));
        const uint8_t *qs = x + SYM_QS(bits);
        for (int j = 0; j < QK; j++)
            y[j] = (float)(level(qs, qh, bits, j) - (1 << (bits - 1))) * d;
    }
}

/* q4_1 / q5_1: l * d + m. */
LEG_INLINE void dequantize_asym(const uint8_t *restrict x, float *restrict y, int64_t n, int bits)
{
    for (int64_t i = 0; i < n / QK; i++, x += ASYM_SIZE(bits), y += QK) {
        const float d = slim_legacy_get_half(x + ASYM_D(bits));
        const float m = slim_legacy_get_half(x + ASYM_M(bits));
        const uint32_t qh = bits == 4 ? 0 : load_qh(x + offsetof(block_q5_1, qh));
        const uint8_t *qs = x + ASYM_QS(bits);
        for (int j = 0; j < QK; j++)
            y[j] = (float)level(qs, qh, bits, j) * d + m;
    }
}

void slim_dequantize_row_q4_0_ref(const void *restrict vx, float *restrict y, int64_t n)
{
    dequantize_sym(vx, y, n, 4);
}

void slim_dequantize_row_q4_1_ref(const void *restrict vx, float *restrict y, int64_t n)
{
    dequantize_asym(vx, y, n, 4);
}

void slim_dequantize_row_q5_0_ref(const void *restrict vx, float *restrict y, int64_t n)
{
    dequantize_sym(vx, y, n, 5);
}

void slim_dequantize_row_q5_1_ref(const void *restrict vx, float *restrict y, int64_t n)
{
    dequantize_asym(vx, y, n, 5);
}

void slim_dequantize_row_q8_0_ref(const void *restrict vx, float *restrict y, int64_t n)
{
    const uint8_t *x = vx;
    for (int64_t i = 0; i < n / QK; i++, x += sizeof(block_q8_0), y += QK) {
        const float d = slim_legacy_get_half(x + offsetof(block_q8_0, d));
        const int8_t *qs = (const int8_t *)(x + offsetof(block_q8_0, qs));
        for (int j = 0; j < QK; j++)
            y[j] = (float)qs[j] * d;
    }
}
