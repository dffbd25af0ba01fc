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

void slim_quantize_row_q4_0_ref(const float *restrict x, void *restrict vy, int64_t n,
                                const float *restrict qw)
{
    uint8_t *y = vy;
    const float sigma2 = qw ? slim_legacy_row_sigma2(x, n) : 0.0f;
    for (int64_t i = 0; i < n / QK; i++, y += sizeof(block_q4_0)) {
        uint8_t L[QK];
        const float *xb = x + i * QK;
        float d = qw ? sym_search(xb, qw + i * QK, sigma2, 8, L) : sym_levels(xb, 8, L);
        slim_legacy_put_half(y + offsetof(block_q4_0, d), d);
        slim_legacy_pack4(L, y + offsetof(block_q4_0, qs));
    }
}

void slim_quantize_row_q5_0_ref(const float *restrict x, void *restrict vy, int64_t n,
                                const float *restrict qw)
{
    uint8_t *y = vy;
    const float sigma2 = qw ? slim_legacy_row_sigma2(x, n) : 0.0f;
    for (int64_t i = 0; i < n / QK; i++, y += sizeof(block_q5_0)) {
        uint8_t L[QK];
        const float *xb = x + i * QK;
        float d = qw ? sym_search(xb, qw + i * QK, sigma2, 16, L) : sym_levels(xb, 16, L);
        slim_legacy_put_half(y + offsetof(block_q5_0, d), d);
        slim_legacy_pack5(L, y + offsetof(block_q5_0, qs), y + offsetof(block_q5_0, qh));
    }
}

void slim_quantize_row_q4_1_ref(const float *restrict x, void *restrict vy, int64_t n,
                                const float *restrict qw)
{
    uint8_t *y = vy;
    const float sigma2 = qw ? slim_legacy_row_sigma2(x, n) : 0.0f;
    for (int64_t i = 0; i < n / QK; i++, y += sizeof(block_q4_1)) {
        uint8_t L[QK];
        float m;
        const float *xb = x + i * QK;
        float d = qw ? asym_search(xb, qw + i * QK, sigma2, 15, L, &m)
                     : asym_levels(xb, 15, 1, L, &m);
        slim_legacy_put_half(y + offsetof(block_q4_1, d), d);
        slim_legacy_put_half(y + offsetof(block_q4_1, m), m);
        slim_legacy_pack4(L, y + offsetof(block_q4_1, qs));
    }
}

void slim_quantize_row_q5_1_ref(const float *restrict x, void *restrict vy, int64_t n,
                                const float *restrict qw)
{
    uint8_t *y = vy;
    const float sigma2 = qw ? slim_legacy_row_sigma2(x, n) : 0.0f;
    for (int64_t i = 0; i < n / QK; i++, y += sizeof(block_q5_1)) {
        uint8_t L[QK];
        float m;
        const float *xb = x + i * QK;
        float d = qw ? asym_search(xb, qw + i * QK, sigma2, 31, L, &m)
                     : asym_levels(xb, 31, 0, L, &m);
        slim_legacy_put_half(y + offsetof(block_q5_1, d), d);
        slim_legacy_put_half(y + offsetof(block_q5_1, m), m);
        slim_legacy_pack5(L, y + offsetof(block_q5_1, qs), y + offsetof(block_q5_1, qh));
    }
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

void slim_dequantize_row_q4_0_ref(const void *restrict vx, float *restrict y, int64_t n)
{
    const uint8_t *x = vx;
    for (int64_t i = 0; i < n / QK; i++, x += sizeof(block_q4_0), y += QK) {
        const float d = slim_legacy_get_half(x + offsetof(block_q4_0, d));
        const uint8_t *qs = x + offsetof(block_q4_0, qs);
        for (int j = 0; j < QK; j++)
            y[j] = (float)(nibble(qs, j) - 8) * d;
    }
}

void slim_dequantize_row_q4_1_ref(const void *restrict vx, float *restrict y, int64_t n)
{
    const uint8_t *x = vx;
    for (int64_t i = 0; i < n / QK; i++, x += sizeof(block_q4_1), y += QK) {
        const float d = slim_legacy_get_half(x + offsetof(block_q4_1, d));
        const float m = slim_legacy_get_half(x + offsetof(block_q4_1, m));
        const uint8_t *qs = x + offsetof(block_q4_1, qs);
        for (int j = 0; j < QK; j++)
            y[j] = (float)nibble(qs, j) * d + m;
    }
}

void slim_dequantize_row_q5_0_ref(const void *restrict vx, float *restrict y, int64_t n)
{
    const uint8_t *x = vx;
    for (int64_t i = 0; i < n / QK; i++, x += sizeof(block_q5_0), y += QK) {
        const float d = slim_legacy_get_half(x + offsetof(block_q5_0, d));
        const uint32_t qh = load_qh(x + offsetof(block_q5_0, qh));
        const uint8_t *qs = x + offsetof(block_q5_0, qs);
        for (int j = 0; j < QK; j++) {
            int l = nibble(qs, j) | (int)((qh >> j) & 1) << 4;
            y[j] = (float)(l - 16) * d;
        }
    }
}

void slim_dequantize_row_q5_1_ref(const void *restrict vx, float *restrict y, int64_t n)
{
    const uint8_t *x = vx;
    for (int64_t i = 0; i < n / QK; i++, x += sizeof(block_q5_1), y += QK) {
        const float d = slim_legacy_get_half(x + offsetof(block_q5_1, d));
        const float m = slim_legacy_get_half(x + offsetof(block_q5_1, m));
        const uint32_t qh = load_qh(x + offsetof(block_q5_1, qh));
        const uint8_t *qs = x + offsetof(block_q5_1, qs);
        for (int j = 0; j < QK; j++) {
            int l = nibble(qs, j) | (int)((qh >> j) & 1) << 4;
            y[j] = (float)l * d + m;
        }
    }
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
