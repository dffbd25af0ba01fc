/*
 * q2_K, q4_K and q5_K: reference quantizers and dequantizers.
 *
 * Without importance weights these follow ggml's quantize_row_qX_K_ref
 * (make_qkx2_quants per sub-block, sub-block scales relative to the largest
 * one); with them, ggml's quantize_row_qX_K_impl (make_qkx3_quants with
 * weights qw*sqrt(sigma2 + x^2), sub-block scales by make_qp_quants).
 * The stages are split out (see kquant_asym.h) so the SIMD paths reuse the
 * cheap ones and replace only the search and requantization.
 */
#include <math.h>
#include <string.h>

#include "simd/kernels.h"
#include "simd/blocks.h"
#include "simd/ref/half.h"
#include "simd/ref/search.h"
#include "simd/ref/kquant_util.h"
#include "simd/ref/kquant_asym.h"

/* ---- Stage 2: sub-block scales ---- */

static float max_positive(const float *v, int n)
{
    float m = 0;
    for (int j = 0; j < n; ++j)
        if (v[j] > m)
            m = v[j];
    return m;
}

void slim_q2k_set_scales(block_q2_K *y, const float *scales, const float *mins)
{
    const float q4scale = 15.f;
    const float max_scale = max_positive(scales, QK_K / 16);
    const float max_min = max_positive(mins, QK_K / 16);
    if (max_scale > 0) {
        const float iscale = q4scale / max_scale;
        for (int j = 0; j < QK_K / 16; ++j)
            y->scales[j] = (uint8_t)slim_nearest_int(iscale * scales[j]);
        y->d = slim_f32_to_half(max_scale / q4scale);
    } else {
        memset(y->scales, 0, sizeof y->scales);
        y->d = slim_f32_to_half(0.f);
    }
    if (max_min > 0) {
        const float iscale = q4scale / max_min;
        for (int j = 0; j < QK_K / 16; ++j)
            y->scales[j] |= (uint8_t)((unsigned)slim_nearest_int(iscale * mins[j]) << 4);
        y->dmin = slim_f32_to_half(max_min / q4scale);
    } else {
        y->dmin = slim_f32_to_half(0.f);
    }
}

void slim_q2k_store_scales_qp(block_q2_K *y, const uint8_t *Ls, const uint8_t *Lm, float dm,
                              float mm)
{
    y->d = slim_f32_to_half(dm);
    y->dmin = slim_f32_to_half(mm);
    for (int j = 0; j < QK_K / 16; ++j)
        y->scales[j] = (uint8_t)(Ls[j] | (Lm[j] << 4));
}

void slim_q2k_set_scales_qp(block_q2_K *y, const float *scales, const float *mins,
                            const float *sw)
{
    uint8_t Ls[QK_K / 16], Lm[QK_K / 16];
    const float dm = slim_make_qp_quants(QK_K / 16, 15, scales, Ls, sw);
    const float mm = slim_make_qp_quants(QK_K / 16, 15, mins, Lm, sw);
    slim_q2k_store_scales_qp(y, Ls, Lm, dm, mm);
}

void slim_k4_set_scales(uint8_t *sc, slim_half *d, slim_half *dmin,
                        const float *scales, const float *mins)
{
    const float max_scale = max_positive(scales, QK_K / 32);
    const float max_min = max_positive(mins, QK_K / 32);
    const float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
    const float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
    uint8_t ls[QK_K / 32], lm[QK_K / 32];
    for (int j = 0; j < QK_K / 32; ++j) {
        /* Truncate to a byte first, then clamp, as ggml does. */
        const uint8_t s = (uint8_t)slim_nearest_int(inv_scale * scales[j]);
        const uint8_t m = (uint8_t)slim_nearest_int(inv_min * mins[j]);
        ls[j] = s < 63 ? s : 63;
        lm[j] = m < 63 ? m : 63;
    }
    slim_set_scale_min_k4(ls, lm, sc);
    *d = slim_f32_to_half(max_scale / 63.f);
    *dmin = slim_f32_to_half(max_min / 63.f);
}

void slim_k4_store_scales_qp(uint8_t *sc, slim_half *d, slim_half *dmin, uint8_t *ls,
                             uint8_t *lm, float d_block, float m_block, bool clamp63)
{
    if (clamp63) {
        for (int j = 0; j < QK_K / 32; ++j) {
            ls[j] = ls[j] < 63 ? ls[j] : 63;
            lm[j] = lm[j] < 63 ? lm[j] : 63;
        }
    }
    slim_set_scale_min_k4(ls, lm, sc);
    *d = slim_f32_to_half(d_block);
    *dmin = slim_f32_to_half(m_block);
}

void slim_k4_set_scales_qp(uint8_t *sc, slim_half *d, slim_half *dmin,
                           const float *scales, const float *mins, const float *sw,
                           bool clamp63)
{
    uint8_t ls[QK_K / 32], lm[QK_K / 32];
    const float d_block = slim_make_qp_quants(QK_K / 32, 63, scales, ls, sw);
    const float m_block = slim_make_qp_quants(QK_K / 32, 63, mins, lm, sw);
    slim_k4_store_scales_qp(sc, d, dmin, ls, lm, d_block, m_block, clamp63);
}

/* ---- Stage 3: requantization with the stored scales ---- */

void slim_q2k_sub_scales(const block_q2_K *y, float *d, float *dm)
{
    const float dd = slim_half_to_f32(y->d), mm = slim_half_to_f32(y->dmin);
    for (int j = 0; j < QK_K / 16; ++j) {
        d[j] = dd * (y->scales[j] & 0xF);
        dm[j] = mm * (y->scales[j] >> 4);
    }
}

void slim_k4_sub_scales(const uint8_t *sc, slim_half d, slim_half dmin, float *dl, float *ml)
{
    const float dd = slim_half_to_f32(d), mm = slim_half_to_f32(dmin);
    for (int j = 0; j < QK_K / 32; ++j) {
        uint8_t s, m;
        slim_get_scale_min_k4(j, sc, &s, &m);
        dl[j] = dd * s;
        ml[j] = mm * m;
    }
}

void slim_kasym_requant(const float *x, int nsub, int sublen, int nmax,
                        const float *d, const float *dm, uint8_t *L)
{
    for (int j = 0; j < nsub; ++j) {
        if (d[j] == 0)
            continue;   /* keep the search's levels, as ggml does */
        for (int i = 0; i < sublen; ++i) {
            int l = slim_nearest_int((x[sublen * j + i] + dm[j]) / d[j]);
            l = l < nmax ? l : nmax;
            L[sublen * j + i] = (uint8_t)(l > 0 ? l : 0);
        }
    }
}

/* ---- Stage 4: packing ---- */

void slim_q2k_pack(block_q2_K *y, const uint8_t *L)
{
    for (int j = 0; j < QK_K; j += 128)
        for (int l = 0; l < 32; ++l)
            y->qs[j / 4 + l] = (uint8_t)(L[j + l] | (L[j + l + 32] << 2) |
                                         (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
}

void slim_q4k_pack(block_q4_K *y, const uint8_t *L)
{
    for (int j = 0; j < QK_K; j += 64)
        for (int l = 0; l < 32; ++l)
            y->qs[j / 2 + l] = (uint8_t)(L[j + l] | (L[j + l + 32] << 4));
}

void slim_q5k_pack(block_q5_K *y, const uint8_t *L)
{
    memset(y->qh, 0, sizeof y->qh);
    for (int j = 0, bit = 0; j < QK_K; j += 64, bit += 2) {
        for (int l = 0; l < 32; ++l) {
            const int l1 = L[j + l], l2 = L[j + l + 32];
            y->qh[l] |= (uint8_t)(((l1 >> 4) << bit) | ((l2 >> 4) << (bit + 1)));
            y->qs[j / 2 + l] = (uint8_t)((l1 & 15) | ((l2 & 15) << 4));
        }
    }
}

/* ---- Stage 1 and whole super-blocks ---- */

float slim_kasym_sum_x2(const float *x)
{
    float s = 0;
    for (int l = 0; l < QK_K; ++l)
        s += x[l] * x[l];
    return s;
}

void slim_q2k_block_ref(const float *x, block_q2_K *y, const float *qw)
{
    uint8_t L[QK_K], Laux[16];
    float weights[16], scales[QK_K / 16], mins[QK_K / 16], sw[QK_K / 16];
    if (!qw) {
        for (int j = 0; j < QK_K / 16; ++j) {
            for (int l = 0; l < 16; ++l)
                weights[l] = fabsf(x[16 * j + l]);
            scales[j] = slim_make_qkx2_quants(16, 3, x + 16 * j, weights, L + 16 * j, &mins[j],
                                              Laux, -0.5f, 0.1f, 15, true);
        }
        slim_q2k_set_scales(y, scales, mins);
    } else {
        const float sigma2 = slim_kasym_sum_x2(x) / QK_K;
        for (int j = 0; j < QK_K / 16; ++j) {
            float s = 0;
            for (int l = 0; l < 16; ++l) {
                const float xi = x[16 * j + l];
                weights[l] = qw[16 * j + l] * sqrtf(sigma2 + xi * xi);
                s += weights[l];
            }
            sw[j] = s;
            scales[j] = slim_make_qkx3_quants(16, 3, x + 16 * j, weights, L + 16 * j, &mins[j],
                                              Laux, -0.9f, 0.05f, 36, false);
        }
        slim_q2k_set_scales_qp(y, scales, mins, sw);
    }
    float d[QK_K / 16], dm[QK_K / 16];
    slim_q2k_sub_scales(y, d, dm);
    slim_kasym_requant(x, QK_K / 16, 16, 3, d, dm, L);
    slim_q2k_pack(y, L);
}

/*
 * Stages 1-3 of q4_K and q5_K, which differ only in nmax, the search grid
 * of the no-imatrix path and the clamp of the imatrix path.
 */
static void k4_block_ref(const float *x, uint8_t *sc, slim_half *d, slim_half *dmin,
                         uint8_t *L, const float *qw, int nmax, float rmin, int nstep,
                         bool clamp63)
{
    uint8_t Laux[32];
    float weights[32], scales[QK_K / 32], mins[QK_K / 32], sw[QK_K / 32];
    if (!qw) {
        for (int j = 0; j < QK_K / 32; ++j) {
            const float *xs = x + 32 * j;
            float sum_x2 = 0;
            for (int l = 0; l < 32; ++l)
                sum_x2 += xs[l] * xs[l];
            const float av_x = sqrtf(sum_x2 / 32);
            for (int l = 0; l < 32; ++l)
                weights[l] = av_x + fabsf(xs[l]);
            scales[j] = slim_make_qkx2_quants(32, nmax, xs, weights, L + 32 * j, &mins[j], Laux,
                                              rmin, 0.1f, nstep, false);
        }
        slim_k4_set_scales(sc, d, dmin, scales, mins);
    } else {
        const float sigma2 = 2 * slim_kasym_sum_x2(x) / QK_K;
        for (int j = 0; j < QK_K / 32; ++j) {
            const float *xs = x + 32 * j;
            for (int l = 0; l < 32; ++l)
                weights[l] = qw[32 * j + l] * sqrtf(sigma2 + xs[l] * xs[l]);
            float s = 0;
            for (int l = 0; l < 32; ++l)
                s += weights[l];
            sw[j] = s;
            scales[j] = slim_make_qkx3_quants(32, nmax, xs, weights, L + 32 * j, &mins[j], Laux,
                                              -0.9f, 0.05f, 36, false);
        }
        slim_k4_set_scales_qp(sc, d, dmin, scales, mins, sw, clamp63);
    }
    float dl[QK_K / 32], ml[QK_K / 32];
    slim_k4_sub_scales(sc, *d, *dmin, dl, ml);
    slim_kasym_requant(x, QK_K / 32, 32, nmax, dl, ml, L);
}

void slim_q4k_block_ref(const float *x, block_q4_K *y, const float *qw)
{
    uint8_t L[QK_K];
    slim_half d, dmin;   /* blocks are packed: no pointers to their halves */
    k4_block_ref(x, y->scales, &d, &dmin, L, qw, 15, -1.f, 20, false);
    y->d = d;
    y->dmin = dmin;
    slim_q4k_pack(y, L);
}

void slim_q5k_block_ref(const float *x, block_q5_K *y, const float *qw)
{
    uint8_t L[QK_K];
    slim_half d, dmin;   /* blocks are packed: no pointers to their halves */
    k4_block_ref(x, y->scales, &d, &dmin, L, qw, 31, -0.5f, 15, true);
    y->d = d;
    y->dmin = dmin;
    slim_q5k_pack(y, L);
}

/* ---- Row kernels ---- */

/*
 * Rows may sit at any byte address (the kernel contract), so blocks are
 * built and read in a local, aligned copy and moved with memcpy.
 */
#define KASYM_QUANTIZE_ROW(t, block_fn)                                                    \
    void slim_quantize_row_##t##_ref(const float *restrict x, void *restrict y, int64_t n,   \
                                     const float *restrict qw)                               \
    {                                                                                        \
        for (int64_t i = 0; i < n / QK_K; ++i) {                                             \
            block_##t b;                                                                     \
            block_fn(x + i * QK_K, &b, qw ? qw + i * QK_K : NULL);                           \
            memcpy((char *)y + i * sizeof b, &b, sizeof b);                                  \
        }                                                                                    \
    }
KASYM_QUANTIZE_ROW(q2_K, slim_q2k_block_ref)
KASYM_QUANTIZE_ROW(q4_K, slim_q4k_block_ref)
KASYM_QUANTIZE_ROW(q5_K, slim_q5k_block_ref)

void slim_dequantize_row_q2_K_ref(const void *restrict x, float *restrict y, int64_t n)
{
    for (int64_t i = 0; i < n / QK_K; ++i) {
        block_q2_K blk;
        const block_q2_K *b = &blk;
        memcpy(&blk, (const char *)x + i * sizeof blk, sizeof blk);
        const float d = slim_half_to_f32(b->d), min = slim_half_to_f32(b->dmin);
        for (int half = 0; half < 2; ++half) {
            const uint8_t *q = b->qs + 32 * half;
            for (int shift = 0; shift < 8; shift += 2) {
                for (int k = 0; k < 2; ++k) {
                    const uint8_t s = b->scales[8 * half + shift + k];
                    const float dl = d * (s & 0xF), ml = min * (s >> 4);
                    for (int l = 0; l < 16; ++l)
                        *y++ = dl * ((q[16 * k + l] >> shift) & 3) - ml;
                }
            }
        }
    }
}

/* The 256 values of a q4_K (qh NULL) or q5_K block: sub-block j of 32 is
 * dl[j] * level - ml[j], the level from nibbles of qs and bit j of qh.
 * always_inline: qh is a constant NULL or not at each call, so each row
 * kernel keeps its own loop. */
static inline __attribute__((always_inline)) void k4_dequant_block(const uint8_t *scales, slim_half d, slim_half dmin,
                             const uint8_t *qs, const uint8_t *qh, float *y)
{
    float dl[QK_K / 32], ml[QK_K / 32];
    slim_k4_sub_scales(scales, d, dmin, dl, ml);
    for (int j = 0; j < QK_K / 32; ++j) {
        const uint8_t *q = qs + 32 * (j / 2);
        const int shift = 4 * (j & 1);
        for (int l = 0; l < 32; ++l) {
            int v = (q[l] >> shift) & 0xF;
            if (qh)
                v |= ((qh[l] >> j) & 1) << 4;
            *y++ = dl[j] * v - ml[j];
        }
    }
}

void slim_dequantize_row_q4_K_ref(const void *restrict x, float *restrict y, int64_t n)
{
    for (int64_t i = 0; i < n / QK_K; ++i, y += QK_K) {
        block_q4_K b;
        memcpy(&b, (const char *)x + i * sizeof b, sizeof b);
        k4_dequant_block(b.scales, b.d, b.dmin, b.qs, NULL, y);
    }
}

void slim_dequantize_row_q5_K_ref(const void *restrict x, float *restrict y, int64_t n)
{
    for (int64_t i = 0; i < n / QK_K; ++i, y += QK_K) {
        block_q5_K b;
        memcpy(&b, (const char *)x + i * sizeof b, sizeof b);
        k4_dequant_block(b.scales, b.d, b.dmin, b.qs, b.qh, y);
    }
}
