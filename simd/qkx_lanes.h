/*
 * slim_make_qkx2_quants / slim_make_qkx3_quants (simd/ref/search.c) with one
 * SIMD lane per block of n <= 32 weights, written once with GCC vector
 * extensions. Used by the K-quants (simd/kquant_asym_lanes.h: one lane per
 * sub-block) and by the importance-weighted q4_1 / q5_1 (simd/legacy_lanes.h:
 * one lane per 32-weight block).
 *
 * Why one lane per block: the search sums over the elements of one block in
 * order, and its result must be bit-identical to the scalar code. Giving
 * each lane its own block lets every lane run exactly the reference's
 * sequence of float operations (same sums in the same order, same grid,
 * same comparisons and ties); only the layout changes: the blocks are
 * transposed so that vector i holds element i of KA_W blocks. Multiplies and
 * adds stay separate (the library is built with -ffp-contract=off, and
 * nothing here uses FMA).
 *
 * The per-instruction-set primitives come from simd/x86/qkx_avx2.h,
 * simd/x86/qkx_avx512.h or simd/arm/qkx_neon.h, which include this file
 * after defining:
 *   KA_W          lanes per vector (4, 8 or 16)
 *   KA_ATTR       target attribute for every function (may be empty)
 *   KA_SQRT(v)    lane-wise IEEE square root of a ka_vf
 *   KA_ANY(m)     non-zero if any lane of the ka_vi mask m is set
 *   KA_MINI(a, b), KA_MAXI(a, b)  lane-wise signed min / max of ka_vi
 *   KA_ROUND(v)   round each lane to nearest, ties to even (as a float)
 *   KA_MINF(a, b), KA_MAXF(a, b)  lane-wise float min / max returning b
 *                 when a is NaN (x86 minps/maxps; NEON fminnm/fmaxnm)
 *   KA_TRANSPOSE(r)   transpose the KA_W x KA_W floats of ka_vf r[KA_W] in place
 */
#ifndef SLIM_SIMD_QKX_LANES_H
#define SLIM_SIMD_QKX_LANES_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef float ka_vf __attribute__((vector_size(4 * KA_W)));
typedef int32_t ka_vi __attribute__((vector_size(4 * KA_W)));

#define KA_INLINE static inline __attribute__((always_inline)) KA_ATTR

/*
 * Vectors worked on side by side in the search (more independent
 * dependency chains). Callers finish rows that do not fill KA_K vectors
 * with one vector at a time, so short rows waste little.
 */
#ifndef KA_K
#define KA_K 4
#endif
/* The k loops must be unrolled (KA_K <= 4), or the per-vector sums live in
 * memory. */
#define KA_UNROLL_K _Pragma("GCC unroll 4")

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
    return KA_MAXI(KA_MINI(l, ka_splati(nmax)), ka_splati(0));
}

KA_INLINE ka_vf ka_loadf(const float *p)
{
    ka_vf v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* The search's level: clamp(nearest_int(f), 0, nmax), as a float. */
KA_INLINE ka_vf ka_level(ka_vf f, int nmax)
{
    return __builtin_convertvector(ka_clamp(ka_nearest(f), nmax), ka_vf);
}

/*
 * Lane j of dst[i][k] = src[j*n + i]: element i of the KA_W blocks of n
 * elements at src, one per lane, transposed KA_W x KA_W at a time.
 */
KA_INLINE void ka_transpose(ka_vf (*dst)[KA_K], int k, const float *src, int n)
{
    for (int i0 = 0; i0 < n; i0 += KA_W) {
        ka_vf r[KA_W];
        for (int j = 0; j < KA_W; ++j)
            r[j] = ka_loadf(src + j * n + i0);
        KA_TRANSPOSE(r);
        for (int j = 0; j < KA_W; ++j)
            dst[i0 + j][k] = r[j];
    }
}

/*
 * The same level from float operations only: for |f| < 2^22 the magic add
 * rounds to nearest even, which KA_ROUND does directly, and a NaN f gives 0
 * as above (KA_MAXF returns its second operand for NaN; arithmetic NaNs
 * carry no payload, so the integer trick gives 0 for them too). Callers
 * make sure no |f| reaches 2^22, where the integer trick gives other values.
 */
KA_INLINE ka_vf ka_level_fast(ka_vf f, ka_vf fnmax)
{
    return KA_MINF(KA_MAXF(KA_ROUND(f), ka_splat(0.f)), fnmax);
}

/*
 * slim_make_qkx2_quants (qkx3 == false) or slim_make_qkx3_quants (true)
 * with weights, for kk * KA_W blocks (sub-blocks of a K-quant) of n
 * elements at once: xt[i][k] and wt[i][k] hold element i of the blocks of
 * vector k. Several vectors
 * are worked on side by side only to give the CPU independent dependency
 * chains; each lane still sums its own elements in order. Returns the
 * levels as floats in lb[k][i], the scales and -mins in scale_out[k] and
 * min_out[k].
 *
 * Rather than copying the candidate levels on every improvement, the
 * search remembers the (iscale, min) that produced the best ones and
 * recomputes them once at the end: the same operations on the same values.
 */
KA_INLINE void ka_search(const int kk, const int n, const int nmax, ka_vf (*xt)[KA_K],
                         ka_vf (*wt)[KA_K], float rmin, float rdelta, int nstep, bool use_mad,
                         bool qkx3, ka_vf (*lb)[32], ka_vf *scale_out, ka_vf *min_out)
{
    ka_vf la[32][KA_K];
    ka_vf min[KA_K], max[KA_K], min0[KA_K], xmin[KA_K], sum_w[KA_K], sum_x[KA_K];
    ka_vf range[KA_K], scale[KA_K], best[KA_K], best_iscale[KA_K], best_xmin[KA_K];
    ka_vi degenerate[KA_K];
    const ka_vf zero = ka_splat(0.f), fnmax = ka_splat((float)nmax);
    const ka_vf exact_limit = ka_splat(4194304.f);   /* 2^22 */
    KA_UNROLL_K
    for (int k = 0; k < kk; ++k) {
        min[k] = max[k] = xt[0][k];
        sum_w[k] = wt[0][k];
        sum_x[k] = sum_w[k] * xt[0][k];
    }
    for (int i = 1; i < n; ++i) {
        KA_UNROLL_K
        for (int k = 0; k < kk; ++k) {
            min[k] = ka_sel(xt[i][k] < min[k], xt[i][k], min[k]);
            max[k] = ka_sel(xt[i][k] > max[k], xt[i][k], max[k]);
            sum_w[k] += wt[i][k];
            sum_x[k] += wt[i][k] * xt[i][k];
        }
    }
    KA_UNROLL_K
    for (int k = 0; k < kk; ++k) {
        xmin[k] = min[k];
        min[k] = ka_sel(min[k] > zero, zero, min[k]);
        /* Lanes with a degenerate range return early in the reference;
         * here they run along and their results are replaced at the end. */
        degenerate[k] = qkx3 ? (max[k] <= min[k]) : (max[k] == min[k]);
        min0[k] = min[k];
        range[k] = max[k] - min[k];
        const ka_vf iscale = fnmax / range[k];
        scale[k] = ka_splat(1.f) / iscale;
        best[k] = zero;
        best_iscale[k] = iscale;
        best_xmin[k] = min[k];
        for (int i = 0; i < n; ++i) {
            const ka_vf l = ka_level(iscale * (xt[i][k] - min[k]), nmax);
            ka_vf diff = scale[k] * l + min[k] - xt[i][k];
            diff = use_mad ? ka_abs(diff) : diff * diff;
            best[k] += wt[i][k] * diff;
        }
    }
    for (int is = 0; is <= nstep; ++is) {
        const ka_vf num = ka_splat(rmin + rdelta * is + nmax);
        ka_vf iscale[KA_K], sum_l[KA_K], sum_l2[KA_K], sum_xl[KA_K];
        int wide = 0;
        KA_UNROLL_K
        for (int k = 0; k < kk; ++k) {
            iscale[k] = num / range[k];
            sum_l[k] = sum_l2[k] = sum_xl[k] = zero;
            /* Rounding is monotonic, so |x[i] - min| is largest at the
             * extreme x and |iscale * (x[i] - min)| <= |iscale| * that. */
            const ka_vf a = ka_abs(max[k] - min[k]), b = ka_abs(xmin[k] - min[k]);
            const ka_vf bound = ka_abs(iscale[k]) * ka_sel(a > b, a, b);
            wide |= KA_ANY(bound >= exact_limit);
        }
        if (!wide) {
            for (int i = 0; i < n; ++i) {
                KA_UNROLL_K
                for (int k = 0; k < kk; ++k) {
                    /* the reference's iscale*(x[i] - min), min current */
                    const ka_vf l = ka_level_fast(iscale[k] * (xt[i][k] - min[k]), fnmax);
                    la[i][k] = l;
                    const ka_vf wl = wt[i][k] * l;   /* w*l*l is (w*l)*l in the reference */
                    sum_l[k] += wl;
                    sum_l2[k] += wl * l;
                    sum_xl[k] += wl * xt[i][k];
                }
            }
        } else {
            for (int i = 0; i < n; ++i) {
                KA_UNROLL_K
                for (int k = 0; k < kk; ++k) {
                    const ka_vf l = ka_level(iscale[k] * (xt[i][k] - min[k]), nmax);
                    la[i][k] = l;
                    const ka_vf wl = wt[i][k] * l;
                    sum_l[k] += wl;
                    sum_l2[k] += wl * l;
                    sum_xl[k] += wl * xt[i][k];
                }
            }
        }
        ka_vf this_scale[KA_K], this_min[KA_K], cur[KA_K];
        ka_vi dpos[KA_K];
        int any = 0;
        KA_UNROLL_K
        for (int k = 0; k < kk; ++k) {
            const ka_vf D = sum_w[k] * sum_l2[k] - sum_l[k] * sum_l[k];
            dpos[k] = D > zero;
            any |= KA_ANY(dpos[k]);
            this_scale[k] = (sum_w[k] * sum_xl[k] - sum_x[k] * sum_l[k]) / D;
            this_min[k] = (sum_l2[k] * sum_x[k] - sum_l[k] * sum_xl[k]) / D;
            const ka_vi mpos = this_min[k] > zero;
            this_min[k] = ka_sel(mpos, zero, this_min[k]);
            this_scale[k] = ka_sel(mpos, sum_xl[k] / sum_l2[k], this_scale[k]);
            cur[k] = zero;
        }
        if (!any)
            continue;
        for (int i = 0; i < n; ++i) {
            KA_UNROLL_K
            for (int k = 0; k < kk; ++k) {
                ka_vf diff = this_scale[k] * la[i][k] + this_min[k] - xt[i][k];
                diff = use_mad ? ka_abs(diff) : diff * diff;
                cur[k] += wt[i][k] * diff;
            }
        }
        KA_UNROLL_K
        for (int k = 0; k < kk; ++k) {
            const ka_vi better = dpos[k] & (cur[k] < best[k]);
            if (!KA_ANY(better))
                continue;
            best[k] = ka_sel(better, cur[k], best[k]);
            scale[k] = ka_sel(better, this_scale[k], scale[k]);
            best_iscale[k] = ka_sel(better, iscale[k], best_iscale[k]);
            best_xmin[k] = ka_sel(better, min[k], best_xmin[k]);
            min[k] = ka_sel(better, this_min[k], min[k]);
            /* Like ggml, later candidates are measured from the new min:
             * (max - min) and x[i] - min use its current value. */
            range[k] = max[k] - min[k];
        }
    }
    KA_UNROLL_K
    for (int k = 0; k < kk; ++k) {
        for (int i = 0; i < n; ++i)
            lb[k][i] = ka_sel(degenerate[k], zero,
                              ka_level(best_iscale[k] * (xt[i][k] - best_xmin[k]), nmax));
        scale_out[k] = ka_sel(degenerate[k], zero, scale[k]);
        min_out[k] = -ka_sel(degenerate[k], min0[k], min[k]);
    }
}

#endif
