/*
 * q3_K and q6_K reference kernels (KSYM family): 256 values per super-block,
 * 16 sub-blocks of 16 with a signed scale each (6-bit for q3_K, int8 for
 * q6_K) times one half-precision d. Levels are symmetric: 3 bits in
 * [-4, 3], 6 bits in [-32, 31]. Bit-identical to ggml's quantize_q3_K /
 * quantize_q6_K and dequantize_row_q3_K / dequantize_row_q6_K.
 */
#include <math.h>
#include <string.h>

#include "simd/blocks.h"
#include "simd/kernels.h"
#include "simd/ref/half.h"
#include "simd/ref/kquant_sym.h"
#include "simd/ref/search.h"

#define GROUP_MAX_EPS 1e-15f

/* ---- q3_K ---- */

/* Store sixteen 6-bit scale levels (0..63): low nibbles in bytes 0..7, the
 * top two bits of sub-block j in byte 8 + j%4 at bit 2*(j/4). */
static void q3_K_pack_scales(uint8_t *restrict scales, const int *restrict ls)
{
    memset(scales, 0, 12);
    for (int j = 0; j < 16; ++j) {
        if (j < 8)
            scales[j] = (uint8_t)(ls[j] & 0xF);
        else
            scales[j - 8] |= (uint8_t)((ls[j] & 0xF) << 4);
        scales[8 + j % 4] |= (uint8_t)((ls[j] >> 4) << (2 * (j / 4)));
    }
}

/* Step 2 (see kquant_sym.h) for one super-block. */
static void q3_K_requant(const block_q3_K *restrict y, const float *restrict x,
                         int8_t *restrict L)
{
    for (int j = 0; j < 16; ++j) {
        const float d = slim_q3_K_subscale(y, j);
        if (!d)
            continue;
        for (int i = 0; i < 16; ++i) {
            int l = slim_nearest_int(x[16 * j + i] / d);
            l = l < 3 ? l : 3;
            l = l > -4 ? l : -4;
            L[16 * j + i] = (int8_t)(l + 4);
        }
    }
}

/*
 * Bit 2 of L[j] goes to bit j/32 of hmask[j%32], the low two bits to qs:
 * four 32-value groups interleaved per byte within each 128-value half.
 */
void slim_q3_K_pack(block_q3_K *restrict y, int8_t *restrict L)
{
    memset(y->hmask, 0, sizeof y->hmask);
    for (int j = 0; j < QK_K; ++j) {
        if (L[j] > 3) {
            y->hmask[j % 32] |= (uint8_t)(1 << (j / 32));
            L[j] -= 4;
        }
    }
    for (int h = 0; h < 2; ++h) {
        const int8_t *Lh = L + 128 * h;
        for (int l = 0; l < 32; ++l)
            y->qs[32 * h + l] = (uint8_t)(Lh[l] | (Lh[l + 32] << 2) | (Lh[l + 64] << 4) |
                                          (Lh[l + 96] << 6));
    }
}

void slim_q3_K_set_scales(block_q3_K *restrict y, const float *restrict scales)
{
    float max_scale = 0, amax = 0;
    for (int j = 0; j < 16; ++j) {
        const float a = fabsf(scales[j]);
        if (a > amax) {
            amax = a;
            max_scale = scales[j];
        }
    }
    if (max_scale) {
        const float iscale = -32.f / max_scale;
        int ls[16];
        for (int j = 0; j < 16; ++j) {
            /* ggml keeps the rounded value in an int8_t before clamping. */
            const int l = (int8_t)slim_nearest_int(iscale * scales[j]);
            ls[j] = (l < 31 ? (l > -32 ? l : -32) : 31) + 32;
        }
        q3_K_pack_scales(y->scales, ls);
        y->d = slim_f32_to_half(1 / iscale);
    } else {
        memset(y->scales, 0, sizeof y->scales);
        y->d = slim_f32_to_half(0.f);
    }
}

void slim_q3_K_put_scales(block_q3_K *restrict y, const int8_t *restrict Ls, float d)
{
    int ls[16];
    for (int j = 0; j < 16; ++j)
        ls[j] = Ls[j];
    q3_K_pack_scales(y->scales, ls);
    y->d = slim_f32_to_half(d);
}

void slim_q3_K_set_scales_imatrix(block_q3_K *restrict y, const float *restrict scales,
                                  const float *restrict sw)
{
    int8_t Ls[16];
    const float d_block = slim_make_qx_quants(16, 32, scales, Ls, 1, sw);
    slim_q3_K_put_scales(y, Ls, d_block);
}

/* ggml's quantize_row_q3_K_impl for one super-block with weights qw. */
static void q3_K_block_imatrix(block_q3_K *restrict y, const float *restrict x,
                               const float *restrict qw)
{
    float sumx2 = 0;
    for (int j = 0; j < QK_K; ++j)
        sumx2 += x[j] * x[j];
    const float sigma2 = 2 * sumx2 / QK_K;
    float scales[16], sw[16], weight[16];
    int8_t L[QK_K];
    for (int j = 0; j < 16; ++j) {
        const float *xj = x + 16 * j;
        for (int l = 0; l < 16; ++l)
            weight[l] = qw[16 * j + l] * sqrtf(sigma2 + xj[l] * xj[l]);
        float sumw = 0;
        for (int l = 0; l < 16; ++l)
            sumw += weight[l];
        sw[j] = sumw;
        scales[j] = slim_make_qx_quants(16, 4, xj, L + 16 * j, 1, weight);
    }
    slim_q3_K_set_scales_imatrix(y, scales, sw);
    q3_K_requant(y, x, L);
    slim_q3_K_pack(y, L);
}

/* Blocks may sit at any address: each one is built in an aligned local
 * and copied out. */
void slim_quantize_row_q3_K_ref(const float *restrict x, void *restrict vy, int64_t n,
                                const float *restrict qw)
{
    uint8_t *yb = vy;
    for (int64_t b = 0; b < n / QK_K; ++b, x += QK_K) {
        block_q3_K y;
        if (qw) {
            q3_K_block_imatrix(&y, x, qw + b * QK_K);
        } else {
            float scales[16];
            int8_t L[QK_K];
            for (int j = 0; j < 16; ++j)
                scales[j] = slim_make_q3_quants(16, 4, x + 16 * j, L + 16 * j, true);
            slim_q3_K_set_scales(&y, scales);
            q3_K_requant(&y, x, L);
            slim_q3_K_pack(&y, L);
        }
        memcpy(yb + b * sizeof y, &y, sizeof y);
    }
}

void slim_dequantize_row_q3_K_ref(const void *restrict vx, float *restrict y, int64_t n)
{
    const uint8_t *xb = vx;
    for (int64_t b = 0; b < n / QK_K; ++b) {
        /* Blocks may sit at any address: read a copy. */
        block_q3_K blk;
        memcpy(&blk, xb + b * sizeof blk, sizeof blk);
        const float d_all = slim_half_to_f32(blk.d);
        for (int j = 0; j < 16; ++j) {
            /* Sub-block j: values 16*j.. use bits 2*s of qs[32*h + o + i] and
             * bit s of hmask[o + i], with h = j/8, s = (j/2)%4, o = 16*(j%2). */
            const float dl = d_all * slim_q3_K_scale(blk.scales, j);
            const int h = j / 8, s = (j / 2) % 4, o = 16 * (j % 2);
            for (int i = 0; i < 16; ++i) {
                const int q = (blk.qs[32 * h + o + i] >> (2 * s)) & 3;
                const int hi = (blk.hmask[o + i] >> (4 * h + s)) & 1;
                *y++ = dl * (q - (hi ? 0 : 4));
            }
        }
    }
}

/* ---- q6_K ---- */

bool slim_q6_K_set_scales(block_q6_K *restrict y, const float *restrict scales)
{
    float max_scale = 0, max_abs_scale = 0;
    for (int j = 0; j < 16; ++j) {
        const float a = fabsf(scales[j]);
        if (a > max_abs_scale) {
            max_abs_scale = a;
            max_scale = scales[j];
        }
    }
    if (max_abs_scale < GROUP_MAX_EPS) {
        memset(y, 0, sizeof *y);
        return false;
    }
    const float iscale = -128.f / max_scale;
    y->d = slim_f32_to_half(1 / iscale);
    for (int j = 0; j < 16; ++j) {
        const int l = slim_nearest_int(iscale * scales[j]);
        y->scales[j] = (int8_t)(l < 127 ? l : 127);
    }
    return true;
}

/* Step 2 (see kquant_sym.h) for one super-block. */
static void q6_K_requant(const block_q6_K *restrict y, const float *restrict x,
                         int8_t *restrict L)
{
    for (int j = 0; j < 16; ++j) {
        const float d = slim_q6_K_subscale(y, j);
        if (!d)
            continue;
        for (int i = 0; i < 16; ++i) {
            int l = slim_nearest_int(x[16 * j + i] / d);
            l = l < 31 ? l : 31;
            l = l > -32 ? l : -32;
            L[16 * j + i] = (int8_t)(l + 32);
        }
    }
}

/* Low nibbles: ql[l] holds values l and l+64, ql[l+32] values l+32 and
 * l+96 (per 128-value half); the top two bits of the four go to qh[l]. */
void slim_q6_K_pack(block_q6_K *restrict y, const int8_t *restrict L)
{
    for (int h = 0; h < 2; ++h) {
        const int8_t *Lh = L + 128 * h;
        uint8_t *ql = y->ql + 64 * h, *qh = y->qh + 32 * h;
        for (int l = 0; l < 32; ++l) {
            ql[l] = (uint8_t)((Lh[l] & 0xF) | ((Lh[l + 64] & 0xF) << 4));
            ql[l + 32] = (uint8_t)((Lh[l + 32] & 0xF) | ((Lh[l + 96] & 0xF) << 4));
            qh[l] = (uint8_t)((Lh[l] >> 4) | ((Lh[l + 32] >> 4) << 2) |
                              ((Lh[l + 64] >> 4) << 4) | ((Lh[l + 96] >> 4) << 6));
        }
    }
}

void slim_quantize_row_q6_K_ref(const float *restrict x, void *restrict vy, int64_t n,
                                const float *restrict qw)
{
    uint8_t *yb = vy;
    for (int64_t b = 0; b < n / QK_K; ++b, x += QK_K) {
        block_q6_K y;
        float scales[16];
        int8_t L[QK_K];
        for (int j = 0; j < 16; ++j)
            scales[j] = slim_make_qx_quants(16, 32, x + 16 * j, L + 16 * j, 1,
                                            qw ? qw + b * QK_K + 16 * j : NULL);
        if (slim_q6_K_set_scales(&y, scales)) {
            q6_K_requant(&y, x, L);
            slim_q6_K_pack(&y, L);
        }
        memcpy(yb + b * sizeof y, &y, sizeof y);
    }
}

void slim_dequantize_row_q6_K_ref(const void *restrict vx, float *restrict y, int64_t n)
{
    const uint8_t *xb = vx;
    for (int64_t b = 0; b < n / QK_K; ++b, y += QK_K) {
        /* Blocks may sit at any address: read a copy. */
        block_q6_K blk;
        memcpy(&blk, xb + b * sizeof blk, sizeof blk);
        const float d = slim_half_to_f32(blk.d);
        for (int h = 0; h < 2; ++h) {
            const uint8_t *ql = blk.ql + 64 * h, *qh = blk.qh + 32 * h;
            const int8_t *sc = blk.scales + 8 * h;
            float *yh = y + 128 * h;
            for (int l = 0; l < 32; ++l) {
                const int is = l / 16;
                const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
                const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                /* (d * sc) * q, as ggml groups it. */
                yh[l] = d * sc[is] * q1;
                yh[l + 32] = d * sc[is + 2] * q2;
                yh[l + 64] = d * sc[is + 4] * q3;
                yh[l + 96] = d * sc[is + 6] * q4;
            }
        }
    }
}
