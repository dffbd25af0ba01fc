/*
 * q2_K / q4_K / q5_K kernels with one SIMD lane per sub-block, written once
 * with GCC vector extensions and instantiated per instruction set by
 * simd/x86/kquant_asym_avx2.c, simd/x86/kquant_asym_avx512.c and
 * simd/arm/kquant_asym_neon.c.
 *
 * Why lanes = sub-blocks: the scale search (slim_make_qkx2/3_quants) sums
 * over the elements of one sub-block in order, and its result must be
 * bit-identical to the scalar code. Giving each lane its own sub-block lets
 * every lane run exactly the reference's sequence of float operations
 * (same sums in the same order, same grid, same comparisons and ties);
 * only the layout changes: the sub-blocks are transposed so that vector i
 * holds element i of W sub-blocks. Multiplies and adds stay separate (the
 * library is built with -ffp-contract=off, and nothing here uses FMA).
 *
 * The cheap per-super-block stages (quantizing the sub-block scales, sigma2,
 * packing) are the reference's own functions from simd/ref/kquant_asym.h;
 * the requantization with the final scales is element-wise and vectorised
 * here. Super-blocks that do not fill the lanes go to the reference.
 *
 * The including file defines, before including this header:
 *   KA_W          lanes per vector (4, 8 or 16)
 *   KA_ATTR       target attribute for every function (may be empty)
 *   KA_FN(name)   name of a row kernel, e.g. name##_avx2
 *   KA_SQRT(v)    lane-wise IEEE square root of a ka_vf
 *   KA_ANY(m)     non-zero if any lane of the ka_vi mask m is set
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

typedef float ka_vf __attribute__((vector_size(4 * KA_W)));
typedef int32_t ka_vi __attribute__((vector_size(4 * KA_W)));
typedef uint8_t ka_vb __attribute__((vector_size(KA_W)));

#define KA_INLINE static inline __attribute__((always_inline)) KA_ATTR

/* Sub-blocks quantized together: whole super-blocks filling whole vectors. */
#define KA_MAX_SUBS (KA_W > 16 ? KA_W : 16)

KA_INLINE ka_vf ka_splat(float f)
{
    ka_vf v;
    for (int k = 0; k < KA_W; ++k)
        v[k] = f;
    return v;
}

KA_INLINE ka_vi ka_splati(int32_t i)
{
    ka_vi v;
    for (int k = 0; k < KA_W; ++k)
        v[k] = i;
    return v;
}

/* m ? a : b per lane; m comes from a vector comparison (all ones or zero). */
KA_INLINE ka_vf ka_sel(ka_vi m, ka_vf a, ka_vf b)
{
    return (ka_vf)(((ka_vi)a & m) | ((ka_vi)b & ~m));
}

KA_INLINE ka_vi ka_seli(ka_vi m, ka_vi a, ka_vi b)
{
    return (a & m) | (b & ~m);
}

KA_INLINE ka_vf ka_abs(ka_vf v)
{
    return (ka_vf)((ka_vi)v & ka_splati(0x7fffffff));
}

/* slim_nearest_int lane-wise: the same magic add, so the same result for
 * every input, in range or not. */
KA_INLINE ka_vi ka_nearest(ka_vf f)
{
    const ka_vf v = f + ka_splat(12582912.f);
    return ((ka_vi)v & ka_splati(0x007fffff)) - ka_splati(0x00400000);
}

/* MAX(0, MIN(nmax, l)) */
KA_INLINE ka_vi ka_clamp(ka_vi l, int nmax)
{
    const ka_vi vmax = ka_splati(nmax), zero = ka_splati(0);
    l = ka_seli(vmax < l, vmax, l);
    return ka_seli(zero > l, zero, l);
}

KA_INLINE ka_vf ka_loadf(const float *p)
{
    ka_vf v;
    memcpy(&v, p, sizeof v);
    return v;
}

/*
 * slim_make_qkx2_quants (qkx3 == false) or slim_make_qkx3_quants (true)
 * with weights, for W sub-blocks of n elements at once: xt[i] and wt[i]
 * hold element i of each lane's sub-block. Returns the levels as floats in
 * lb[i], the scale in *scale_out and -min in *min_out.
 */
KA_INLINE void ka_search(const int n, const int nmax, const ka_vf *xt, const ka_vf *wt,
                         float rmin, float rdelta, int nstep, bool use_mad, bool qkx3,
                         ka_vf *lb, ka_vf *scale_out, ka_vf *min_out)
{
    ka_vf xm[32], la[32];
    const ka_vf zero = ka_splat(0.f);
    ka_vf min = xt[0], max = xt[0];
    ka_vf sum_w = wt[0];
    ka_vf sum_x = sum_w * xt[0];
    for (int i = 1; i < n; ++i) {
        min = ka_sel(xt[i] < min, xt[i], min);
        max = ka_sel(xt[i] > max, xt[i], max);
        sum_w += wt[i];
        sum_x += wt[i] * xt[i];
    }
    min = ka_sel(min > zero, zero, min);
    /* Lanes with a degenerate range return early in the reference; here
     * they run along and their results are replaced at the end. */
    const ka_vi degenerate = qkx3 ? (max <= min) : (max == min);
    const ka_vf min0 = min;
    ka_vf range = max - min;
    const ka_vf fnmax = ka_splat((float)nmax);
    ka_vf iscale = fnmax / range;
    ka_vf scale = ka_splat(1.f) / iscale;
    ka_vf best = zero;
    for (int i = 0; i < n; ++i) {
        /* The reference's x[i] - min: it changes only when min does. */
        xm[i] = xt[i] - min;
        const ka_vf l = __builtin_convertvector(ka_clamp(ka_nearest(iscale * xm[i]), nmax), ka_vf);
        lb[i] = l;
        ka_vf diff = scale * l + min - xt[i];
        diff = use_mad ? ka_abs(diff) : diff * diff;
        best += wt[i] * diff;
    }
    for (int is = 0; is <= nstep; ++is) {
        iscale = ka_splat(rmin + rdelta * is + nmax) / range;
        ka_vf sum_l = zero, sum_l2 = zero, sum_xl = zero;
        for (int i = 0; i < n; ++i) {
            const ka_vf l = __builtin_convertvector(ka_clamp(ka_nearest(iscale * xm[i]), nmax), ka_vf);
            la[i] = l;
            const ka_vf wl = wt[i] * l;   /* w*l*l is (w*l)*l in the reference */
            sum_l += wl;
            sum_l2 += wl * l;
            sum_xl += wl * xt[i];
        }
        const ka_vf D = sum_w * sum_l2 - sum_l * sum_l;
        const ka_vi dpos = D > zero;
        if (!KA_ANY(dpos))
            continue;
        ka_vf this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
        ka_vf this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
        const ka_vi mpos = this_min > zero;
        this_min = ka_sel(mpos, zero, this_min);
        this_scale = ka_sel(mpos, sum_xl / sum_l2, this_scale);
        ka_vf cur = zero;
        for (int i = 0; i < n; ++i) {
            ka_vf diff = this_scale * la[i] + this_min - xt[i];
            diff = use_mad ? ka_abs(diff) : diff * diff;
            cur += wt[i] * diff;
        }
        const ka_vi better = dpos & (cur < best);
        if (!KA_ANY(better))
            continue;
        for (int i = 0; i < n; ++i)
            lb[i] = ka_sel(better, la[i], lb[i]);
        best = ka_sel(better, cur, best);
        scale = ka_sel(better, this_scale, scale);
        min = ka_sel(better, this_min, min);
        /* Like ggml, later candidates are measured from the new min:
         * iscale = (...)/(max - min) and x[i] - min use its current value. */
        range = max - min;
        for (int i = 0; i < n; ++i)
            xm[i] = xt[i] - min;
    }
    for (int i = 0; i < n; ++i)
        lb[i] = ka_sel(degenerate, zero, lb[i]);
    *scale_out = ka_sel(degenerate, zero, scale);
    *min_out = -ka_sel(degenerate, min0, min);
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
 * Stage 1 for `nsub` consecutive sub-blocks (a multiple of KA_W) of the
 * super-blocks at x: scales[], mins[], sw[] (imatrix only) per sub-block and
 * the levels, transposed, in lb[group][i].
 */
KA_INLINE void ka_search_subs(const struct ka_type t, const float *x, const float *qw,
                              int nsub, float *scales, float *mins, float *sw,
                              ka_vf (*lb)[32])
{
    const int n = t.sublen;
    const int subs_per_sb = QK_K / n;
    float sigma2[KA_MAX_SUBS * 32 / QK_K + 1] = { 0 };
    if (qw)
        for (int u = 0; u < nsub / subs_per_sb; ++u)
            sigma2[u] = t.sigma2_mul * slim_kasym_sum_x2(x + u * QK_K) / QK_K;
    for (int g = 0; g < nsub / KA_W; ++g) {
        ka_vf xt[32], wt[32];
        float tr[32][KA_W];
        for (int j = 0; j < KA_W; ++j)
            for (int i = 0; i < n; ++i)
                tr[i][j] = x[(g * KA_W + j) * n + i];
        for (int i = 0; i < n; ++i)
            memcpy(&xt[i], tr[i], sizeof xt[i]);
        ka_vf sc, mn;
        if (!qw) {
            if (t.use_mad) {            /* q2_K: weights |x| */
                for (int i = 0; i < n; ++i)
                    wt[i] = ka_abs(xt[i]);
            } else {                    /* q4_K, q5_K: sqrt(mean x^2) + |x| */
                ka_vf s = ka_splat(0.f);
                for (int i = 0; i < n; ++i)
                    s += xt[i] * xt[i];
                const ka_vf av = KA_SQRT(s / ka_splat((float)n));
                for (int i = 0; i < n; ++i)
                    wt[i] = av + ka_abs(xt[i]);
            }
            ka_search(n, t.nmax, xt, wt, t.rmin, t.rdelta, t.nstep, t.use_mad, false,
                      lb[g], &sc, &mn);
        } else {
            ka_vf sig;
            for (int j = 0; j < KA_W; ++j) {
                sig[j] = sigma2[(g * KA_W + j) / subs_per_sb];
                for (int i = 0; i < n; ++i)
                    tr[i][j] = qw[(g * KA_W + j) * n + i];
            }
            ka_vf s = ka_splat(0.f);
            for (int i = 0; i < n; ++i) {
                wt[i] = ka_loadf(tr[i]) * KA_SQRT(sig + xt[i] * xt[i]);
                s += wt[i];
            }
            memcpy(sw + g * KA_W, &s, sizeof s);
            ka_search(n, t.nmax, xt, wt, -0.9f, 0.05f, 36, false, true, lb[g], &sc, &mn);
        }
        memcpy(scales + g * KA_W, &sc, sizeof sc);
        memcpy(mins + g * KA_W, &mn, sizeof mn);
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
        for (int i = 0; i < n; i += KA_W) {
            const ka_vi l = ka_clamp(ka_nearest((ka_loadf(x + j * n + i) + vm) / vd), nmax);
            const ka_vb b = __builtin_convertvector(l, ka_vb);
            memcpy(L + j * n + i, &b, sizeof b);
        }
    }
}

enum { KA_Q2, KA_Q4, KA_Q5 };

static const struct ka_type ka_types[3] = {
    [KA_Q2] = { 16, 3, -0.5f, 0.1f, 15, true, 1.f },
    [KA_Q4] = { 32, 15, -1.f, 0.1f, 20, false, 2.f },
    [KA_Q5] = { 32, 31, -0.5f, 0.1f, 15, false, 2.f },
};

/* A whole row; `kind` is a constant after inlining. */
KA_INLINE void ka_quantize_row(const int kind, const float *restrict x, void *restrict vy,
                               int64_t n, const float *restrict qw)
{
    const struct ka_type t = ka_types[kind];
    const int subs_per_sb = QK_K / t.sublen;
    /* super-blocks per pass, so that their sub-blocks fill whole vectors */
    const int U = KA_W > subs_per_sb ? KA_W / subs_per_sb : 1;
    const int64_t nb = n / QK_K;
    int64_t i = 0;
    for (; i + U <= nb; i += U) {
        const float *xs = x + i * QK_K;
        const float *ws = qw ? qw + i * QK_K : NULL;
        float scales[KA_MAX_SUBS], mins[KA_MAX_SUBS], sw[KA_MAX_SUBS];
        ka_vf lb[KA_MAX_SUBS / KA_W][32];
        ka_search_subs(t, xs, ws, U * subs_per_sb, scales, mins, sw, lb);
        for (int u = 0; u < U; ++u) {
            const int s0 = u * subs_per_sb;
            uint8_t L[QK_K];
            float d[16], dm[16];
            if (kind == KA_Q2) {
                block_q2_K *y = (block_q2_K *)vy + i + u;
                if (qw)
                    slim_q2k_set_scales_qp(y, scales + s0, mins + s0, sw + s0);
                else
                    slim_q2k_set_scales(y, scales + s0, mins + s0);
                slim_q2k_sub_scales(y, d, dm);
                ka_requant(xs + u * QK_K, t.sublen, t.nmax, d, dm, lb, s0, L);
                slim_q2k_pack(y, L);
            } else if (kind == KA_Q4) {
                block_q4_K *y = (block_q4_K *)vy + i + u;
                if (qw)
                    slim_k4_set_scales_qp(y->scales, &y->d, &y->dmin, scales + s0, mins + s0,
                                          sw + s0, false);
                else
                    slim_k4_set_scales(y->scales, &y->d, &y->dmin, scales + s0, mins + s0);
                slim_k4_sub_scales(y->scales, y->d, y->dmin, d, dm);
                ka_requant(xs + u * QK_K, t.sublen, t.nmax, d, dm, lb, s0, L);
                slim_q4k_pack(y, L);
            } else {
                block_q5_K *y = (block_q5_K *)vy + i + u;
                if (qw)
                    slim_k4_set_scales_qp(y->scales, &y->d, &y->dmin, scales + s0, mins + s0,
                                          sw + s0, true);
                else
                    slim_k4_set_scales(y->scales, &y->d, &y->dmin, scales + s0, mins + s0);
                slim_k4_sub_scales(y->scales, y->d, y->dmin, d, dm);
                ka_requant(xs + u * QK_K, t.sublen, t.nmax, d, dm, lb, s0, L);
                slim_q5k_pack(y, L);
            }
        }
    }
    for (; i < nb; ++i) {
        const float *ws = qw ? qw + i * QK_K : NULL;
        if (kind == KA_Q2)
            slim_q2k_block_ref(x + i * QK_K, (block_q2_K *)vy + i, ws);
        else if (kind == KA_Q4)
            slim_q4k_block_ref(x + i * QK_K, (block_q4_K *)vy + i, ws);
        else
            slim_q5k_block_ref(x + i * QK_K, (block_q5_K *)vy + i, ws);
    }
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
        ka_vb b, h;
        memcpy(&b, q + l, sizeof b);
        ka_vi v = (__builtin_convertvector(b, ka_vi) >> shift) & ka_splati((int32_t)mask);
        if (qh) {
            memcpy(&h, qh + l, sizeof h);
            v |= ((__builtin_convertvector(h, ka_vi) >> hbit) & ka_splati(1)) << 4;
        }
        const ka_vf r = vd * __builtin_convertvector(v, ka_vf) - vm;
        memcpy(y + l, &r, sizeof r);
    }
}

KA_ATTR
void KA_FN(slim_dequantize_row_q2_K)(const void *restrict x, float *restrict y, int64_t n)
{
    const block_q2_K *b = x;
    for (int64_t i = 0; i < n / QK_K; ++i, ++b) {
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
    const block_q4_K *b = x;
    for (int64_t i = 0; i < n / QK_K; ++i, ++b) {
        float dl[8], ml[8];
        slim_k4_sub_scales(b->scales, b->d, b->dmin, dl, ml);
        for (int j = 0; j < 8; ++j, y += 32)
            ka_store_affine(y, b->qs + 32 * (j / 2), 4 * (j & 1), 0xF, NULL, 0, dl[j], ml[j], 32);
    }
}

KA_ATTR
void KA_FN(slim_dequantize_row_q5_K)(const void *restrict x, float *restrict y, int64_t n)
{
    const block_q5_K *b = x;
    for (int64_t i = 0; i < n / QK_K; ++i, ++b) {
        float dl[8], ml[8];
        slim_k4_sub_scales(b->scales, b->d, b->dmin, dl, ml);
        for (int j = 0; j < 8; ++j, y += 32)
            ka_store_affine(y, b->qs + 32 * (j / 2), 4 * (j & 1), 0xF, b->qh, j, dl[j], ml[j], 32);
    }
}

#endif
