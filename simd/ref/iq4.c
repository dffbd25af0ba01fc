/*
 * IQ4_NL and IQ4_XS reference kernels: 4-bit indices into a fixed non-linear
 * table of 16 values, one scale per 32 weights. IQ4_NL stores that scale as
 * a half; IQ4_XS stores one half per 256 weights plus a 6-bit multiplier per
 * 32. Bit-identical to ggml's quantize_iq4_nl / quantize_iq4_xs (both use the
 * scale search with 7 tries on each side) and dequantize_row_iq4_*.
 */
#include "simd/kernels.h"
#include "simd/blocks.h"
#include "simd/ref/half.h"
#include "simd/ref/nonlinear.h"

#include <string.h>

float slim_iq4_sigma2(const float *x, int n)
{
    float s = 0;
    for (int j = 0; j < n; j++)
        s += x[j] * x[j];
    return s * (2.f / n);
}

void slim_iq4_pack(const uint8_t L[SLIM_IQ4_BLOCK], uint8_t q[SLIM_IQ4_BLOCK / 2])
{
    for (int j = 0; j < SLIM_IQ4_BLOCK / 2; j++)
        q[j] = (uint8_t)(L[j] | (L[j + SLIM_IQ4_BLOCK / 2] << 4));
}

/* Weighted sums of one pass: sum w*q*x and sum w*q*q, q = value nearest to
 * id*x, in element order. */
static void iq4_pass(const float *xb, const float *w, float id, float *sumqx, float *sumq2)
{
    float sqx = 0, sq2 = 0;
    for (int j = 0; j < SLIM_IQ4_BLOCK; j++) {
        float q = slim_iq4_values[slim_iq4_best_index(id * xb[j])];
        sqx += w[j] * q * xb[j];
        sq2 += w[j] * q * q;
    }
    *sumqx = sqx;
    *sumq2 = sq2;
}

/*
 * Scale of one 32-weight block: start from max/127 (the largest |x| on the
 * outermost value), refit it by weighted least squares, then try the 15
 * scales that put max on -127-7 .. -127+7 and keep the best fit.
 */
static float iq4_block_scale(const float *xb, const float *w)
{
    float amax = 0, max = 0;
    for (int j = 0; j < SLIM_IQ4_BLOCK; j++) {
        float ax = fabsf(xb[j]);
        if (ax > amax) {
            amax = ax;
            max = xb[j];
        }
    }
    if (amax < SLIM_IQ4_EPS)
        return 0;
    const float v0 = slim_iq4_values[0];
    float d = -max / v0;
    float sumqx, sumq2;
    iq4_pass(xb, w, 1 / d, &sumqx, &sumq2);
    d = sumq2 > 0 ? sumqx / sumq2 : 0.f;
    float best = d * sumqx;
    for (int itry = -SLIM_IQ4_NTRY; itry <= SLIM_IQ4_NTRY; itry++) {
        iq4_pass(xb, w, (itry + v0) / max, &sumqx, &sumq2);
        if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
            d = sumqx / sumq2;
            best = d * sumqx;
        }
    }
    return d;
}

/* Importance of each weight: x^2 without an imatrix, else
 * qw * sqrt(sigma2 + x^2) with sigma2 taken over the whole (super-)block. */
static void iq4_weights(const float *xb, const float *qw, float sigma2, float *w)
{
    for (int j = 0; j < SLIM_IQ4_BLOCK; j++)
        w[j] = qw ? qw[j] * sqrtf(sigma2 + xb[j] * xb[j]) : xb[j] * xb[j];
}

static void iq4_indices(const float *xb, float id, uint8_t q[SLIM_IQ4_BLOCK / 2])
{
    uint8_t L[SLIM_IQ4_BLOCK];
    for (int j = 0; j < SLIM_IQ4_BLOCK; j++)
        L[j] = (uint8_t)slim_iq4_best_index(id * xb[j]);
    slim_iq4_pack(L, q);
}

void slim_quantize_row_iq4_nl_ref(const float *restrict x, void *restrict vy, int64_t n,
                                  const float *restrict qw)
{
    uint8_t *y = vy;
    float w[SLIM_IQ4_BLOCK];
    for (int64_t i = 0; i < n / SLIM_IQ4_BLOCK; i++, y += sizeof(block_iq4_nl)) {
        const float *xb = x + i * SLIM_IQ4_BLOCK;
        const float *qb = qw ? qw + i * SLIM_IQ4_BLOCK : NULL;
        float sigma2 = qb ? slim_iq4_sigma2(xb, SLIM_IQ4_BLOCK) : 0;
        iq4_weights(xb, qb, sigma2, w);
        float d = iq4_block_scale(xb, w);
        slim_nl_put_half(y + offsetof(block_iq4_nl, d), d);
        iq4_indices(xb, d ? 1 / d : 0, y + offsetof(block_iq4_nl, qs));
    }
}

void slim_iq4_xs_finish(const float scales[QK_K / SLIM_IQ4_BLOCK], uint8_t *block,
                        float inv[QK_K / SLIM_IQ4_BLOCK])
{
    float max_scale = 0, amax_scale = 0;
    for (int ib = 0; ib < QK_K / SLIM_IQ4_BLOCK; ib++) {
        if (fabsf(scales[ib]) > amax_scale) {
            amax_scale = fabsf(scales[ib]);
            max_scale = scales[ib];
        }
    }
    /* d may be -0.0 when every scale is 0; it is stored as such. */
    const float d = -max_scale / 32;
    const float id = d ? 1 / d : 0.f;
    slim_nl_put_half(block + offsetof(block_iq4_xs, d), d);
    uint8_t *scales_l = block + offsetof(block_iq4_xs, scales_l);
    uint16_t scales_h = 0;
    memset(scales_l, 0, QK_K / SLIM_IQ4_BLOCK / 2);
    for (int ib = 0; ib < QK_K / SLIM_IQ4_BLOCK; ib++) {
        int l = slim_nearest_int(id * scales[ib]);
        l = l < -32 ? -32 : l > 31 ? 31 : l;
        const float dl = d * l;
        inv[ib] = dl ? 1 / dl : 0.f;
        l += 32;
        scales_l[ib / 2] |= (uint8_t)((l & 0xf) << 4 * (ib % 2));
        scales_h |= (uint16_t)((l >> 4) << 2 * ib);
    }
    memcpy(block + offsetof(block_iq4_xs, scales_h), &scales_h, 2);
}

void slim_quantize_row_iq4_xs_ref(const float *restrict x, void *restrict vy, int64_t n,
                                  const float *restrict qw)
{
    uint8_t *y = vy;
    float w[SLIM_IQ4_BLOCK], scales[QK_K / SLIM_IQ4_BLOCK], inv[QK_K / SLIM_IQ4_BLOCK];
    for (int64_t i = 0; i < n / QK_K; i++, y += sizeof(block_iq4_xs)) {
        const float *xs = x + i * QK_K;
        const float *qs = qw ? qw + i * QK_K : NULL;
        const float sigma2 = qs ? slim_iq4_sigma2(xs, QK_K) : 0;
        for (int ib = 0; ib < QK_K / SLIM_IQ4_BLOCK; ib++) {
            iq4_weights(xs + ib * SLIM_IQ4_BLOCK, qs ? qs + ib * SLIM_IQ4_BLOCK : NULL, sigma2, w);
            scales[ib] = iq4_block_scale(xs + ib * SLIM_IQ4_BLOCK, w);
        }
        slim_iq4_xs_finish(scales, y, inv);
        for (int ib = 0; ib < QK_K / SLIM_IQ4_BLOCK; ib++)
            iq4_indices(xs + ib * SLIM_IQ4_BLOCK, inv[ib],
                        y + offsetof(block_iq4_xs, qs) + ib * SLIM_IQ4_BLOCK / 2);
    }
}

/* 32 outputs d * v[code] from 16 bytes of nibbles, low nibbles first. */
static void iq4_dequant32(const uint8_t *qs, float d, float *y)
{
    for (int j = 0; j < SLIM_IQ4_BLOCK / 2; j++) {
        y[j] = d * slim_iq4_values[qs[j] & 0xf];
        y[j + SLIM_IQ4_BLOCK / 2] = d * slim_iq4_values[qs[j] >> 4];
    }
}

void slim_dequantize_row_iq4_nl_ref(const void *restrict vx, float *restrict y, int64_t n)
{
    const uint8_t *x = vx;
    for (int64_t i = 0; i < n / SLIM_IQ4_BLOCK; i++, x += sizeof(block_iq4_nl), y += SLIM_IQ4_BLOCK)
        iq4_dequant32(x + offsetof(block_iq4_nl, qs), slim_nl_get_half(x + offsetof(block_iq4_nl, d)), y);
}

void slim_dequantize_row_iq4_xs_ref(const void *restrict vx, float *restrict y, int64_t n)
{
    const uint8_t *x = vx;
    for (int64_t i = 0; i < n / QK_K; i++, x += sizeof(block_iq4_xs)) {
        const float d = slim_nl_get_half(x + offsetof(block_iq4_xs, d));
        for (int ib = 0; ib < QK_K / SLIM_IQ4_BLOCK; ib++, y += SLIM_IQ4_BLOCK)
            iq4_dequant32(x + offsetof(block_iq4_xs, qs) + ib * SLIM_IQ4_BLOCK / 2,
                          d * (slim_iq4_xs_scale(x, ib) - 32), y);
    }
}
