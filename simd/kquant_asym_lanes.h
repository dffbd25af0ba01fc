/*
 * q2_K / q4_K / q5_K kernels with one SIMD lane per sub-block, written once
 * with GCC vector extensions and instantiated per instruction set by
 * simd/x86/kquant_asym_avx2.c, simd/x86/kquant_asym_avx512.c and
 * simd/arm/kquant_asym_neon.c.
 *
 * Why lanes = sub-blocks: see simd/qkx_lanes.h, which holds the scale
 * search (slim_make_qkx2/3_quants, one lane per sub-block) shared with the
 * importance-weighted q4_1 / q5_1.
 *
 * The cheap per-super-block stages (quantizing the sub-block scales, sigma2,
 * packing) are the reference's own functions from simd/ref/kquant_asym.h;
 * the requantization with the final scales is element-wise and vectorised
 * here. The last super-blocks of a row that do not fill a vector run on a
 * zero-padded copy whose extra lanes are discarded.
 *
 * The including file first includes the primitives of its instruction set
 * (simd/x86/qkx_avx2.h, simd/x86/qkx_avx512.h or simd/arm/qkx_neon.h; they
 * bring in simd/qkx_lanes.h), which also define:
 *   KA_FN(name)       name of a row kernel, e.g. name##_avx2
 *   KA_LOAD_U8(p)     ka_vi of KA_W bytes at p, zero-extended
 *   KA_STORE_U8(p, v) store the low bytes of the KA_W lanes of ka_vi v at p
 */
#ifndef SLIM_SIMD_KQUANT_ASYM_LANES_H
#define SLIM_SIMD_KQUANT_ASYM_LANES_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "simd/kernels.h"
#include "simd/blocks.h"
#include "simd/ref/half.h"
#include "simd/ref/kquant_asym.h"
#include "simd/ref/search.h"
#include "simd/qkx_lanes.h"

/* Largest number of sub-blocks searched at once, and of super-blocks per pass. */
#define KA_MAX_SUBS (KA_W * KA_K > 16 ? KA_W * KA_K : 16)
#define KA_UNIT_MAX (KA_MAX_SUBS / 8)
#define KA_UNIT1_MAX (KA_W > 8 ? KA_W / 8 : 1)

/*
 * slim_make_qp_quants for up to KA_W calls at once, one per lane: xv[i] and
 * wv[i] hold value i and weight i of each call. Writes the levels (as
 * uint8_t values 0..255, wrapped like ggml's stores) to L[i] and returns
 * the scales. A lane stops changing once a round changes nothing, so
 * running more rounds for the other lanes leaves it as the reference has it.
 */
KA_INLINE ka_vf ka_qp_quants(const int n, const int nmax, const ka_vf *xv, const ka_vf *wv,
                             ka_vi *L)
{
    const ka_vf zero = ka_splat(0.f);
    const ka_vi vnmax = ka_splati(nmax), byte = ka_splati(0xFF);
    ka_vf max = zero;
    for (int i = 0; i < n; ++i)
        max = ka_sel(max > xv[i], max, xv[i]);
    const ka_vi all_zero = max < ka_splat(SLIM_GROUP_MAX_EPS);
    ka_vf iscale = ka_splat((float)nmax) / max;
    const ka_vf scale = ka_splat(1.f) / iscale;
    ka_vf best = zero;
    for (int i = 0; i < n; ++i) {
        L[i] = ka_nearest(iscale * xv[i]) & byte;
        const ka_vf diff = xv[i] - scale * __builtin_convertvector(L[i], ka_vf);
        best += wv[i] * diff * diff;
    }
    for (int is = -4; is <= 4; ++is) {
        if (is == 0)
            continue;
        const ka_vf iscale_is = ka_splat(0.1f * is + nmax) / max;
        const ka_vf scale_is = ka_splat(1.f) / iscale_is;
        ka_vf mse = zero;
        for (int i = 0; i < n; ++i) {
            const ka_vi l = KA_MINI(ka_nearest(iscale_is * xv[i]), vnmax);
            const ka_vf diff = xv[i] - scale_is * __builtin_convertvector(l, ka_vf);
            mse += wv[i] * diff * diff;
        }
        const ka_vi better = mse < best;
        best = ka_sel(better, mse, best);
        iscale = ka_sel(better, iscale_is, iscale);
    }
    ka_vf sumlx = zero, suml2 = zero;
    for (int i = 0; i < n; ++i) {
        const ka_vi l = KA_MINI(ka_nearest(iscale * xv[i]), vnmax);
        const ka_vf lf = __builtin_convertvector(l, ka_vf);
        L[i] = l & byte;
        sumlx += wv[i] * xv[i] * lf;
        suml2 += wv[i] * lf * lf;
    }
    for (int itry = 0; itry < 5; ++itry) {
        ka_vi changed = ka_splati(0);
        for (int i = 0; i < n; ++i) {
            const ka_vf lf = __builtin_convertvector(L[i], ka_vf);
            ka_vf slx = sumlx - wv[i] * xv[i] * lf;
            ka_vf sl2 = suml2 - wv[i] * lf * lf;
            ka_vi take = (slx > zero) & (sl2 > zero);
            const ka_vi new_l = KA_MINI(ka_nearest(xv[i] * sl2 / slx), vnmax);
            take &= new_l != L[i];
            const ka_vf nf = __builtin_convertvector(new_l, ka_vf);
            slx += wv[i] * xv[i] * nf;
            sl2 += wv[i] * nf * nf;
            take &= slx * slx * suml2 > sumlx * sumlx * sl2;
            L[i] = ka_seli(take, new_l & byte, L[i]);
            sumlx = ka_sel(take, slx, sumlx);
            suml2 = ka_sel(take, sl2, suml2);
            changed |= take;
        }
        if (!KA_ANY(changed))
            break;
    }
    for (int i = 0; i < n; ++i)
        L[i] = ka_seli(all_zero, ka_splati(0), L[i]);
    const ka_vf r = ka_sel(suml2 > zero, sumlx / suml2, zero);
    return ka_sel(all_zero, zero, r);
}

/* Per-type constants. */
struct ka_type {
    int sublen;             /* elements per sub-block: 16 or 32 */
    int nmax;               /* largest level */
    float rmin, rdelta;     /* no-imatrix search grid */
    int nstep;
    bool use_mad;
    float sigma2_mul;       /* imatrix sigma2 = sigma2_mul * sum(x^2) / QK_K */
};

/*
 * Stage 1 for `nsub` consecutive sub-blocks (a multiple of kk * KA_W) of
 * the super-blocks at x: scales[], mins[], sw[] (imatrix only) per
 * sub-block, and the levels of sub-block s in lane s % KA_W of
 * lb[s / KA_W][i].
 */
KA_INLINE void ka_search_subs(const struct ka_type t, const int kk, const float *x,
                              const float *qw, int nsub, float *scales, float *mins, float *sw,
                              ka_vf (*lb)[32])
{
    const int n = t.sublen;
    const int subs_per_sb = QK_K / n;
    const int G = kk * KA_W;
    float sigma2[KA_UNIT_MAX] = { 0 };
    if (qw)
        for (int u = 0; u < nsub / subs_per_sb; ++u)
            sigma2[u] = t.sigma2_mul * slim_kasym_sum_x2(x + u * QK_K) / QK_K;
    for (int g = 0; g < nsub / G; ++g) {
        const int s0 = g * G;
        ka_vf xt[32][KA_K], wt[32][KA_K];
        for (int k = 0; k < kk; ++k)
            ka_transpose(xt, k, x + (s0 + k * KA_W) * n, n);
        ka_vf sc[KA_K], mn[KA_K];
        if (!qw) {
            for (int k = 0; k < kk; ++k) {
                if (t.use_mad) {        /* q2_K: weights |x| */
                    for (int i = 0; i < n; ++i)
                        wt[i][k] = ka_abs(xt[i][k]);
                } else {                /* q4_K, q5_K: sqrt(mean x^2) + |x| */
                    ka_vf s = ka_splat(0.f);
                    for (int i = 0; i < n; ++i)
                        s += xt[i][k] * xt[i][k];
                    const ka_vf av = KA_SQRT(s / ka_splat((float)n));
                    for (int i = 0; i < n; ++i)
                        wt[i][k] = av + ka_abs(xt[i][k]);
                }
            }
            ka_search(kk, n, t.nmax, xt, wt, t.rmin, t.rdelta, t.nstep, t.use_mad, false,
                      lb + s0 / KA_W, sc, mn);
        } else {
            for (int k = 0; k < kk; ++k) {
                ka_vf sig;
                for (int j = 0; j < KA_W; ++j)
                    sig[j] = sigma2[(s0 + k * KA_W + j) / subs_per_sb];
                ka_transpose(wt, k, qw + (s0 + k * KA_W) * n, n);   /* qw, then weights */
                ka_vf s = ka_splat(0.f);
                for (int i = 0; i < n; ++i) {
                    wt[i][k] = wt[i][k] * KA_SQRT(sig + xt[i][k] * xt[i][k]);
                    s += wt[i][k];
                }
                memcpy(sw + s0 + k * KA_W, &s, sizeof s);
            }
            ka_search(kk, n, t.nmax, xt, wt, -0.9f, 0.05f, 36, false, true, lb + s0 / KA_W,
                      sc, mn);
        }
        for (int k = 0; k < kk; ++k) {
            memcpy(scales + s0 + k * KA_W, &sc[k], sizeof sc[k]);
            memcpy(mins + s0 + k * KA_W, &mn[k], sizeof mn[k]);
        }
    }
}

/*
 * Stage 3 for one super-block: L = clamp(round((x + dm)/d)) where d != 0,
 * else the search's levels (sub-block s0 + j of the lane layout lb).
 */
KA_INLINE void ka_requant(const float *x, int n, int nmax, const float *d, const float *dm,
                          ka_vf (*lb)[32], int s0, uint8_t *L)
{
    for (int j = 0; j < QK_K / n; ++j) {
        if (d[j] == 0) {
            const int s = s0 + j;
            for (int i = 0; i < n; ++i)
                L[j * n + i] = (uint8_t)lb[s / KA_W][i][s % KA_W];
            continue;
        }
        const ka_vf vd = ka_splat(d[j]), vm = ka_splat(dm[j]);
        for (int i = 0; i < n; i += KA_W)
            KA_STORE_U8(L + j * n + i,
                        ka_clamp(ka_nearest((ka_loadf(x + j * n + i) + vm) / vd), nmax));
    }
}

enum { KA_Q2, KA_Q4, KA_Q5 };

static const struct ka_type ka_types[3] = {
    [KA_Q2] = { 16, 3, -0.5f, 0.1f, 15, true, 1.f },
    [KA_Q4] = { 32, 15, -1.f, 0.1f, 20, false, 2.f },
    [KA_Q5] = { 32, 31, -0.5f, 0.1f, 15, false, 2.f },
};

/* Super-blocks per pass with kk vectors, so that their sub-blocks fill them. */
#define KA_UNIT(kind, kk) \
    (KA_W * (kk) > QK_K / ka_types[kind].sublen ? KA_W * (kk) / (QK_K / ka_types[kind].sublen) : 1)

/* Quantize KA_UNIT(kind, kk) super-blocks. */
KA_INLINE void ka_quantize_unit(const int kind, const int kk, const float *xs, const float *ws,
                                void *vy)
{
    const struct ka_type t = ka_types[kind];
    const int subs_per_sb = QK_K / t.sublen;
    const int U = KA_UNIT(kind, kk);
    float scales[KA_MAX_SUBS], mins[KA_MAX_SUBS], sw[KA_MAX_SUBS];
    ka_vf lb[KA_MAX_SUBS / KA_W][32];
    ka_search_subs(t, kk, xs, ws, U * subs_per_sb, scales, mins, sw, lb);
    /* imatrix: the 2*U slim_make_qp_quants calls (scales of each
     * super-block, then mins) in lanes 0..2U-1; unused lanes are zero. */
    ka_vi qL[16];
    ka_vf qd = ka_splat(0.f);
    if (ws) {
        ka_vf xv[16], wv[16];
        for (int i = 0; i < subs_per_sb; ++i) {
            xv[i] = wv[i] = ka_splat(0.f);
            for (int c = 0; c < 2 * U; ++c) {
                const int j = (c % U) * subs_per_sb + i;
                xv[i][c] = c < U ? scales[j] : mins[j];
                wv[i][c] = sw[j];
            }
        }
        qd = ka_qp_quants(subs_per_sb, kind == KA_Q2 ? 15 : 63, xv, wv, qL);
    }
    for (int u = 0; u < U; ++u) {
        const int s0 = u * subs_per_sb;
        uint8_t L[QK_K], Ls[16], Lm[16];
        float d[16], dm[16];
        if (ws) {
            for (int i = 0; i < subs_per_sb; ++i) {
                Ls[i] = (uint8_t)qL[i][u];
                Lm[i] = (uint8_t)qL[i][U + u];
            }
        }
        if (kind == KA_Q2) {
            block_q2_K *y = (block_q2_K *)vy + u;
            if (ws)
                slim_q2k_store_scales_qp(y, Ls, Lm, qd[u], qd[U + u]);
            else
                slim_q2k_set_scales(y, scales + s0, mins + s0);
            slim_q2k_sub_scales(y, d, dm);
            ka_requant(xs + u * QK_K, t.sublen, t.nmax, d, dm, lb, s0, L);
            slim_q2k_pack(y, L);
        } else if (kind == KA_Q4) {
            block_q4_K *y = (block_q4_K *)vy + u;
            slim_half hd, hm;   /* blocks are packed: no pointers to their halves */
            if (ws)
                slim_k4_store_scales_qp(y->scales, &hd, &hm, Ls, Lm, qd[u], qd[U + u], false);
            else
                slim_k4_set_scales(y->scales, &hd, &hm, scales + s0, mins + s0);
            y->d = hd;
            y->dmin = hm;
            slim_k4_sub_scales(y->scales, hd, hm, d, dm);
            ka_requant(xs + u * QK_K, t.sublen, t.nmax, d, dm, lb, s0, L);
            slim_q4k_pack(y, L);
        } else {
            block_q5_K *y = (block_q5_K *)vy + u;
            slim_half hd, hm;   /* blocks are packed: no pointers to their halves */
            if (ws)
                slim_k4_store_scales_qp(y->scales, &hd, &hm, Ls, Lm, qd[u], qd[U + u], true);
            else
                slim_k4_set_scales(y->scales, &hd, &hm, scales + s0, mins + s0);
            y->d = hd;
            y->dmin = hm;
            slim_k4_sub_scales(y->scales, hd, hm, d, dm);
            ka_requant(xs + u * QK_K, t.sublen, t.nmax, d, dm, lb, s0, L);
            slim_q5k_pack(y, L);
        }
    }
}

/* A whole row; `kind` is a constant after inlining. */
KA_INLINE void ka_quantize_row(const int kind, const float *restrict x, void *restrict vy,
                               int64_t n, const float *restrict qw)
{
    static const size_t block_size[3] = { sizeof(block_q2_K), sizeof(block_q4_K),
                                          sizeof(block_q5_K) };
    const size_t bs = block_size[kind];
    const int U = KA_UNIT(kind, KA_K), U1 = KA_UNIT(kind, 1);
    const int64_t nb = n / QK_K;
    /* Blocks are built in an aligned buffer, then copied: rows may sit at
     * any byte address. */
    union {
        block_q2_K q2[KA_UNIT_MAX];
        block_q4_K q4[KA_UNIT_MAX];
        block_q5_K q5[KA_UNIT_MAX];
    } yb;
    int64_t i = 0;
    for (; i + U <= nb; i += U) {
        ka_quantize_unit(kind, KA_K, x + i * QK_K, qw ? qw + i * QK_K : NULL, &yb);
        memcpy((char *)vy + i * bs, &yb, (size_t)U * bs);
    }
    for (; i + U1 <= nb; i += U1) {
        ka_quantize_unit(kind, 1, x + i * QK_K, qw ? qw + i * QK_K : NULL, &yb);
        memcpy((char *)vy + i * bs, &yb, (size_t)U1 * bs);
    }
    if (i == nb)
        return;
    /* The last super-blocks do not fill a vector: run them on a zero-padded
     * copy (the padding lanes' results are dropped; every lane is
     * independent, so the real ones are unaffected). */
    const int rest = (int)(nb - i);
    float xp[KA_UNIT1_MAX * QK_K], wp[KA_UNIT1_MAX * QK_K];
    memset(xp, 0, sizeof xp);
    memcpy(xp, x + i * QK_K, (size_t)rest * QK_K * sizeof(float));
    if (qw) {
        memset(wp, 0, sizeof wp);
        memcpy(wp, qw + i * QK_K, (size_t)rest * QK_K * sizeof(float));
    }
    ka_quantize_unit(kind, 1, xp, qw ? wp : NULL, &yb);
    memcpy((char *)vy + i * bs, &yb, (size_t)rest * bs);
}

KA_ATTR
void KA_FN(slim_quantize_row_q2_K)(const float *restrict x, void *restrict y, int64_t n,
                                   const float *restrict qw)
{
    ka_quantize_row(KA_Q2, x, y, n, qw);
}

KA_ATTR
void KA_FN(slim_quantize_row_q4_K)(const float *restrict x, void *restrict y, int64_t n,
                                   const float *restrict qw)
{
    ka_quantize_row(KA_Q4, x, y, n, qw);
}

KA_ATTR
void KA_FN(slim_quantize_row_q5_K)(const float *restrict x, void *restrict y, int64_t n,
                                   const float *restrict qw)
{
    ka_quantize_row(KA_Q5, x, y, n, qw);
}

/* ---- Dequantization: element-wise, y = dl * q - ml per sub-block ---- */

KA_INLINE void ka_store_affine(float *y, const uint8_t *q, int shift, unsigned mask,
                               const uint8_t *qh, int hbit, float dl, float ml, int len)
{
    const ka_vf vd = ka_splat(dl), vm = ka_splat(ml);
    for (int l = 0; l < len; l += KA_W) {
        ka_vi v = (KA_LOAD_U8(q + l) >> shift) & ka_splati((int32_t)mask);
        if (qh)
            v |= ((KA_LOAD_U8(qh + l) >> hbit) & ka_splati(1)) << 4;
        const ka_vf r = vd * __builtin_convertvector(v, ka_vf) - vm;
        memcpy(y + l, &r, sizeof r);
    }
}

KA_ATTR
void KA_FN(slim_dequantize_row_q2_K)(const void *restrict x, float *restrict y, int64_t n)
{
    for (int64_t i = 0; i < n / QK_K; ++i) {
        block_q2_K blk;   /* blocks may sit at any byte address */
        const block_q2_K *b = &blk;
        memcpy(&blk, (const char *)x + i * sizeof blk, sizeof blk);
        const float d = slim_half_to_f32(b->d), min = slim_half_to_f32(b->dmin);
        for (int s = 0; s < QK_K / 16; ++s) {
            /* sub-block s: bytes 32*(s/8) + 16*(s%2), bits 2*((s/2)%4) */
            const uint8_t sc = b->scales[s];
            ka_store_affine(y, b->qs + 32 * (s / 8) + 16 * (s % 2), 2 * ((s / 2) % 4), 3,
                            NULL, 0, d * (sc & 0xF), min * (sc >> 4), 16);
            y += 16;
        }
    }
}

KA_ATTR
void KA_FN(slim_dequantize_row_q4_K)(const void *restrict x, float *restrict y, int64_t n)
{
    for (int64_t i = 0; i < n / QK_K; ++i) {
        block_q4_K blk;
        const block_q4_K *b = &blk;
        memcpy(&blk, (const char *)x + i * sizeof blk, sizeof blk);
        float dl[8], ml[8];
        slim_k4_sub_scales(b->scales, b->d, b->dmin, dl, ml);
        for (int j = 0; j < 8; ++j, y += 32)
            ka_store_affine(y, b->qs + 32 * (j / 2), 4 * (j & 1), 0xF, NULL, 0, dl[j], ml[j], 32);
    }
}

KA_ATTR
void KA_FN(slim_dequantize_row_q5_K)(const void *restrict x, float *restrict y, int64_t n)
{
    for (int64_t i = 0; i < n / QK_K; ++i) {
        block_q5_K blk;
        const block_q5_K *b = &blk;
        memcpy(&blk, (const char *)x + i * sizeof blk, sizeof blk);
        float dl[8], ml[8];
        slim_k4_sub_scales(b->scales, b->d, b->dmin, dl, ml);
        for (int j = 0; j < 8; ++j, y += 32)
            ka_store_affine(y, b->qs + 32 * (j / 2), 4 * (j & 1), 0xF, b->qh, j, dl[j], ml[j], 32);
    }
}

#endif
