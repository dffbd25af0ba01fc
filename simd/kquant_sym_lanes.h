/*
 * The q3_K / q6_K quantizers written once for every vector path (KSYM
 * family). Included by simd/x86/kquant_sym_avx2.c, .._avx512.c and
 * simd/arm/kquant_sym_neon.c after they define the primitives below.
 *
 * Layout: one lane per sub-block. A super-block has 16 sub-blocks of 16
 * values; up to KS_G super-blocks are processed together, held as 16
 * "rows" (value i of every sub-block) of up to KS_NVT vectors of KS_N lanes. The
 * coordinate descent of q3_K is a long dependency chain per lane, so
 * several independent vectors in flight are what makes it fast. Every lane then runs exactly the float operations of
 * ggml's scalar search for its sub-block, in the same order, so the result
 * is bit-identical; masks and selects replace the scalar branches. What
 * happens once per super-block (scale quantization, packing) is the
 * reference code in simd/ref/kquant_sym.c.
 *
 * The including file defines:
 *   KS_TARGET             attribute for every function (target ISA)
 *   KS_N                  lanes per vector (16 % KS_N == 0)
 *   KS_G                  super-blocks processed together (at most)
 *   KS_TB                 trial scales evaluated together (register budget)
 *   KS_PATH               suffix of the exported kernels (avx2, ...)
 *   KS_PRIM               how primitives are declared (static inline ...)
 *   ks_vf, ks_vi, ks_vm   float, int32 and mask vectors
 *   ks_load/ks_store(p[, v]) unaligned; ks_set1(f); ks_add/sub/mul/div;
 *   ks_sqrt, ks_abs; ks_min/ks_max (used for clamping finite values only);
 *   ks_round(v)           round to nearest, ties to even (|v| < 2^22)
 *   ks_nearest(v)         int32 of slim_nearest_int(v) for ANY v (the same
 *                         magic-add bit trick, so huge values wrap as there)
 *   ks_iclamp(i, lo, hi), ks_itof(i)
 *   ks_store_lev(p, i, off) store KS_N int8 values i + off
 *   ks_gt(a, b)           a > b (false on NaN); ks_ne(a, b): a != b (true on NaN)
 *   ks_sel(m, a, b)       m ? a : b per lane
 *   ks_mand, ks_mor, ks_mandnot(a, b) = a & ~b, ks_mnone(m), ks_mzero()
 *   ks_q3_K_pack, ks_q6_K_pack  as slim_q3_K_pack / slim_q6_K_pack
 *   ks_transpose_rows(x, cols[16])  cols[i] lane k = x[16 * k + i], k < KS_N
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "simd/blocks.h"
#include "simd/kernels.h"
#include "simd/ref/half.h"
#include "simd/ref/kquant_sym.h"

#define KS_NV (16 / KS_N)          /* vectors per super-block */
#define KS_NVT (KS_G * KS_NV)      /* vectors per group */
#define KS_SB (16 * KS_G)          /* sub-blocks per group */
#define KS_FN static inline KS_TARGET __attribute__((always_inline))
#ifndef KS_CAT
#define KS_CAT2(a, b) a##_##b
#define KS_CAT(a, b) KS_CAT2(a, b)
#endif

/* ggml's GROUP_MAX_EPS: a sub-block below it is all zero. */
#define KS_GROUP_MAX_EPS 1e-15f
/* Trial scales of make_qx_quants: the first guess, is = -9..-1, 1..9, and
 * one padding trial so the count divides into groups of KS_TB. */
#define KS_TRIALS 20
_Static_assert(KS_TRIALS % KS_TB == 0, "KS_TB must divide KS_TRIALS");

/* t[i][v] lane k = x[16 * (KS_N * v + k) + i]: KS_N sub-blocks (rows of
 * 16 values) at a time through the includer's ks_transpose_rows. */
KS_FN void ks_transpose(const float *restrict x, ks_vf t[16][KS_NVT], int nv)
{
    for (int v = 0; v < nv; ++v) {
        ks_vf cols[16];
        ks_transpose_rows(x + 16 * KS_N * v, cols);
        for (int i = 0; i < 16; ++i)
            t[i][v] = cols[i];
    }
}

/* The value of largest magnitude per lane (the first on ties) and the mask
 * of all-zero lanes. */
KS_FN ks_vf ks_signed_absmax(const ks_vf xt[16][KS_NVT], int v, ks_vm *zero)
{
    ks_vf amax = ks_set1(0.f), max = ks_set1(0.f);
    for (int i = 0; i < 16; ++i) {
        const ks_vf ax = ks_abs(xt[i][v]);
        const ks_vm m = ks_gt(ax, amax);
        amax = ks_sel(m, ax, amax);
        max = ks_sel(m, xt[i][v], max);
    }
    *zero = ks_gt(ks_set1(KS_GROUP_MAX_EPS), amax);
    return max;
}

/* Level in [-nmax, nmax-1] of x at inverse scale is (bounded input). */
KS_FN ks_vf ks_level(ks_vf is, ks_vf x, ks_vf lo, ks_vf hi)
{
    return ks_max(ks_min(ks_round(ks_mul(is, x)), hi), lo);
}

/* -nmax / max is the first guess, -(nmax + 0.1*is) / max the others. */
KS_FN void ks_trial_numerators(int nmax, float num[KS_TRIALS])
{
    num[0] = (float)-nmax;
    for (int is = -9, t = 1; is <= 9; ++is)
        if (is != 0)
            num[t++] = -(nmax + 0.1f * is);
    num[KS_TRIALS - 1] = num[0];
}

/*
 * make_qx_quants(16, nmax, x, L, 1, w) for ONE group of 16 values (q3_K's
 * sub-block scales with importance weights): here the lanes are the trial
 * scales, each summing over the 16 values in order, and the choice among
 * them is ggml's scalar loop.
 */
#define KS_TV ((KS_TRIALS + KS_N - 1) / KS_N)
KS_FN float ks_qx_quants16(int nmax, const float *restrict x, const float *restrict w,
                           int8_t *restrict L)
{
    float max = 0, amax = 0;
    for (int i = 0; i < 16; ++i) {
        const float ax = fabsf(x[i]);
        if (ax > amax) {
            amax = ax;
            max = x[i];
        }
    }
    if (amax < KS_GROUP_MAX_EPS) {
        memset(L, 0, 16);
        return 0.f;
    }
    float num[KS_TV * KS_N] = { 0 };
    ks_trial_numerators(nmax, num);
    ks_vf is[KS_TV], a[KS_TV], b[KS_TV];
#pragma GCC unroll 8
    for (int t = 0; t < KS_TV; ++t) {
        is[t] = ks_div(ks_load(num + KS_N * t), ks_set1(max));
        a[t] = b[t] = ks_set1(0.f);
    }
    for (int i = 0; i < 16; ++i) {
        const ks_vf xi = ks_set1(x[i]), wi = ks_set1(w[i]), wxi = ks_set1(w[i] * x[i]);
#pragma GCC unroll 8
        for (int t = 0; t < KS_TV; ++t) {
            /* The scales may be Inf or NaN (overflowed sums): exact rounding. */
            const ks_vf l = ks_itof(ks_iclamp(ks_nearest(ks_mul(is[t], xi)), -nmax, nmax - 1));
            a[t] = ks_add(a[t], ks_mul(wxi, l));
            b[t] = ks_add(b[t], ks_mul(ks_mul(wi, l), l));
        }
    }
    float slx[KS_TV * KS_N], sl2[KS_TV * KS_N], isc[KS_TV * KS_N];
    for (int t = 0; t < KS_TV; ++t) {
        ks_store(slx + KS_N * t, a[t]);
        ks_store(sl2 + KS_N * t, b[t]);
        ks_store(isc + KS_N * t, is[t]);
    }
    float scale = sl2[0] ? slx[0] / sl2[0] : 0.0f;
    float best = scale * slx[0], bis = isc[0];
    for (int t = 1; t < KS_TRIALS - 1; ++t) {
        if (sl2[t] > 0 && slx[t] * slx[t] > best * sl2[t]) {
            bis = isc[t];
            scale = slx[t] / sl2[t];
            best = scale * slx[t];
        }
    }
    for (int i = 0; i < 16; ++i) {
        int l = slim_nearest_int(bis * x[i]);
        l = l < nmax - 1 ? l : nmax - 1;
        L[i] = (int8_t)(nmax + (l > -nmax ? l : -nmax));
    }
    return scale;
}

/*
 * make_qx_quants(16, nmax, x, L, 1, w) for the 16 sub-blocks: the returned
 * scales go to scales[j], the levels (0..2*nmax-1) to lev[i][j]. In every
 * trial |is * x| <= nmax + 1, so rounding in float equals nearest_int.
 */
KS_FN void ks_qx_search(int nmax, const ks_vf xt[16][KS_NVT], const ks_vf wt[16][KS_NVT],
                        int nv, float *restrict scales, float lev[16][KS_SB])
{
    float num[KS_TRIALS];
    ks_trial_numerators(nmax, num);
    const ks_vf lo = ks_set1((float)-nmax), hi = ks_set1((float)(nmax - 1));
    const ks_vf zerov = ks_set1(0.f);

    for (int v = 0; v < nv; ++v) {
        ks_vm zero;
        const ks_vf max = ks_signed_absmax(xt, v, &zero);
        ks_vf wx[16];
        for (int i = 0; i < 16; ++i)
            wx[i] = ks_mul(wt[i][v], xt[i][v]);   /* w*x*l is (w*x)*l */
        ks_vf iscale[KS_TRIALS], slx[KS_TRIALS], sl2[KS_TRIALS];
        for (int t = 0; t < KS_TRIALS; ++t)
            iscale[t] = ks_div(ks_set1(num[t]), max);
        /* The sums of all trials first (independent, so they pipeline)... */
        for (int t0 = 0; t0 < KS_TRIALS; t0 += KS_TB) {
            /* Fully unrolled so the accumulators stay in registers. */
            ks_vf a[KS_TB], b[KS_TB];
#pragma GCC unroll 16
            for (int k = 0; k < KS_TB; ++k)
                a[k] = b[k] = zerov;
            for (int i = 0; i < 16; ++i) {
#pragma GCC unroll 16
                for (int k = 0; k < KS_TB; ++k) {
                    const ks_vf l = ks_level(iscale[t0 + k], xt[i][v], lo, hi);
                    a[k] = ks_add(a[k], ks_mul(wx[i], l));
                    b[k] = ks_add(b[k], ks_mul(ks_mul(wt[i][v], l), l));
                }
            }
#pragma GCC unroll 16
            for (int k = 0; k < KS_TB; ++k) {
                slx[t0 + k] = a[k];
                sl2[t0 + k] = b[k];
            }
        }
        /* ...then ggml's sequential choice among them. */
        ks_vf scale = ks_sel(ks_ne(sl2[0], zerov), ks_div(slx[0], sl2[0]), zerov);
        ks_vf best = ks_mul(scale, slx[0]);
        ks_vf bis = iscale[0];
        for (int t = 1; t < KS_TRIALS - 1; ++t) {
            const ks_vm m = ks_mand(ks_gt(sl2[t], zerov),
                                    ks_gt(ks_mul(slx[t], slx[t]), ks_mul(best, sl2[t])));
            scale = ks_sel(m, ks_div(slx[t], sl2[t]), scale);
            best = ks_sel(m, ks_mul(scale, slx[t]), best);
            bis = ks_sel(m, iscale[t], bis);
        }
        ks_store(scales + KS_N * v, ks_sel(zero, zerov, scale));
        const ks_vf off = ks_set1((float)nmax);
        for (int i = 0; i < 16; ++i) {
            const ks_vf l = ks_add(ks_level(bis, xt[i][v], lo, hi), off);
            ks_store(&lev[i][KS_N * v], ks_sel(zero, zerov, l));
        }
    }
}

/*
 * make_q3_quants(16, 4, x, L, true) for the 16 sub-blocks (weights x^2),
 * outputs as in ks_qx_search. The coordinate descent runs on a vector until
 * none of its lanes changed (at most 5 rounds): a lane whose round changed
 * nothing would change nothing in the next one either, so running it on
 * is harmless.
 */
KS_FN void ks_q3_search(const ks_vf xt[16][KS_NVT], int nv, float *restrict scales,
                        float lev[16][KS_SB])
{
    const ks_vf lo = ks_set1(-4.f), hi = ks_set1(3.f), zerov = ks_set1(0.f);
    ks_vf w[16][KS_NVT], wx[16][KS_NVT], L[16][KS_NVT];
    ks_vf sumlx[KS_NVT], suml2[KS_NVT];
    ks_vm zero[KS_NVT];
    for (int v = 0; v < nv; ++v) {
        const ks_vf max = ks_signed_absmax(xt, v, &zero[v]);
        const ks_vf iscale = ks_div(ks_set1(-4.f), max);
        sumlx[v] = suml2[v] = zerov;
        for (int i = 0; i < 16; ++i) {
            w[i][v] = ks_mul(xt[i][v], xt[i][v]);
            wx[i][v] = ks_mul(w[i][v], xt[i][v]);
            L[i][v] = ks_level(iscale, xt[i][v], lo, hi);
            sumlx[v] = ks_add(sumlx[v], ks_mul(wx[i][v], L[i][v]));
            suml2[v] = ks_add(suml2[v], ks_mul(ks_mul(w[i][v], L[i][v]), L[i][v]));
        }
    }
    /* A vector leaves the loop once a round changed none of its lanes. */
    int active[KS_NVT], nactive = nv;
    for (int v = 0; v < nv; ++v)
        active[v] = v;
    for (int itry = 0; itry < 5 && nactive; ++itry) {
        ks_vm changed[KS_NVT];
        for (int a = 0; a < nactive; ++a)
            changed[a] = ks_mzero();
        for (int i = 0; i < 16; ++i) {
            /* The vectors are independent chains: interleave them. */
            for (int a = 0; a < nactive; ++a) {
                const int v = active[a];
                const ks_vf x = xt[i][v], Li = L[i][v];
                ks_vf slx = ks_sub(sumlx[v], ks_mul(wx[i][v], Li));
                ks_vf sl2 = ks_sub(suml2[v], ks_mul(ks_mul(w[i][v], Li), Li));
                const ks_vf nl = ks_itof(ks_iclamp(ks_nearest(ks_div(ks_mul(x, sl2), slx)),
                                                   -4, 3));
                const ks_vm cand = ks_mand(ks_gt(slx, zerov), ks_ne(nl, Li));
                slx = ks_add(slx, ks_mul(wx[i][v], nl));
                sl2 = ks_add(sl2, ks_mul(ks_mul(w[i][v], nl), nl));
                const ks_vf lhs = ks_mul(ks_mul(slx, slx), suml2[v]);
                const ks_vf rhs = ks_mul(ks_mul(sumlx[v], sumlx[v]), sl2);
                const ks_vm take = ks_mand(cand, ks_mand(ks_gt(sl2, zerov), ks_gt(lhs, rhs)));
                L[i][v] = ks_sel(take, nl, Li);
                sumlx[v] = ks_sel(take, slx, sumlx[v]);
                suml2[v] = ks_sel(take, sl2, suml2[v]);
                changed[a] = ks_mor(changed[a], take);
            }
        }
        int kept = 0;
        for (int a = 0; a < nactive; ++a)
            if (!ks_mnone(ks_mandnot(changed[a], zero[active[a]])))
                active[kept++] = active[a];
        nactive = kept;
    }
    for (int v = 0; v < nv; ++v) {
        const ks_vf scale = ks_sel(ks_gt(suml2[v], zerov), ks_div(sumlx[v], suml2[v]), zerov);
        ks_store(scales + KS_N * v, ks_sel(zero[v], zerov, scale));
        for (int i = 0; i < 16; ++i)
            ks_store(&lev[i][KS_N * v],
                     ks_sel(zero[v], zerov, ks_add(L[i][v], ks_set1(4.f))));
    }
}

/*
 * Step 2 (see simd/ref/kquant_sym.h) in natural order: sub-block j is
 * re-quantized against its divisor d, or keeps the search's levels when
 * d == 0. x / d is not bounded here, hence the exact ks_nearest.
 */
KS_FN void ks_requant(const float *restrict x, float d, int lo, int hi,
                      const float lev[16][KS_SB], int j, int8_t *restrict L)
{
    if (!d) {
        for (int i = 0; i < 16; ++i)
            L[i] = (int8_t)lev[i][j];
        return;
    }
    const ks_vf vd = ks_set1(d);
    for (int v = 0; v < KS_NV; ++v) {
        const ks_vi l = ks_iclamp(ks_nearest(ks_div(ks_load(x + KS_N * v), vd)), lo, hi);
        ks_store_lev(L + KS_N * v, l, -lo);
    }
}

/* The importance weights of a group, transposed, or x^2 without them. */
KS_FN void ks_weights(const ks_vf xt[16][KS_NVT], const float *restrict qw,
                      ks_vf wt[16][KS_NVT], int nv)
{
    if (qw) {
        ks_transpose(qw, wt, nv);
        return;
    }
    for (int i = 0; i < 16; ++i)
        for (int v = 0; v < nv; ++v)
            wt[i][v] = ks_mul(xt[i][v], xt[i][v]);
}

/* ng <= KS_G super-blocks x[0 .. 256*ng) -> y[0 .. ng). */
KS_TARGET static void ks_q6_K_group(block_q6_K *restrict y, const float *restrict x,
                                    const float *restrict qw, int ng)
{
    const int nv = ng * KS_NV;
    ks_vf xt[16][KS_NVT], wt[16][KS_NVT];
    float scales[KS_SB], lev[16][KS_SB];
    ks_transpose(x, xt, nv);
    ks_weights(xt, qw, wt, nv);
    ks_qx_search(32, xt, wt, nv, scales, lev);
    for (int g = 0; g < ng; ++g) {
        if (!slim_q6_K_set_scales(&y[g], scales + 16 * g))
            continue;
        int8_t L[QK_K];
        for (int j = 0; j < 16; ++j)
            ks_requant(x + QK_K * g + 16 * j, slim_q6_K_subscale(&y[g], j), -32, 31, lev,
                       16 * g + j, L + 16 * j);
        ks_q6_K_pack(&y[g], L);
    }
}

KS_TARGET static void ks_q3_K_group(block_q3_K *restrict y, const float *restrict x,
                                    const float *restrict qw, int ng)
{
    const int nv = ng * KS_NV;
    ks_vf xt[16][KS_NVT];
    float scales[KS_SB], lev[16][KS_SB];
    ks_transpose(x, xt, nv);
    if (qw) {
        /* ggml's quantize_row_q3_K_impl: w = qw * sqrt(sigma2 + x^2), with
         * sigma2 from a sequential sum over each super-block. */
        float sumx2[KS_G] = { 0 }, sigma2[KS_G], sw[KS_SB];
        for (int j = 0; j < QK_K; ++j) {        /* ng interleaved chains */
#pragma GCC unroll 16
            for (int g = 0; g < KS_G; ++g)      /* unrolled: sums in registers */
                if (g < ng)
                    sumx2[g] += x[QK_K * g + j] * x[QK_K * g + j];
        }
        for (int g = 0; g < ng; ++g)
            sigma2[g] = 2 * sumx2[g] / QK_K;
        ks_vf wt[16][KS_NVT];
        ks_transpose(qw, wt, nv);
        for (int v = 0; v < nv; ++v) {
            const ks_vf s2 = ks_set1(sigma2[v / KS_NV]);
            ks_vf s = ks_set1(0.f);
            for (int i = 0; i < 16; ++i) {
                const ks_vf x2 = ks_mul(xt[i][v], xt[i][v]);
                wt[i][v] = ks_mul(wt[i][v], ks_sqrt(ks_add(s2, x2)));
                s = ks_add(s, wt[i][v]);
            }
            ks_store(sw + KS_N * v, s);
        }
        ks_qx_search(4, xt, wt, nv, scales, lev);
        for (int g = 0; g < ng; ++g) {
            int8_t Ls[16];
            const float d = ks_qx_quants16(32, scales + 16 * g, sw + 16 * g, Ls);
            slim_q3_K_put_scales(&y[g], Ls, d);
        }
    } else {
        ks_q3_search(xt, nv, scales, lev);
        for (int g = 0; g < ng; ++g)
            slim_q3_K_set_scales(&y[g], scales + 16 * g);
    }
    for (int g = 0; g < ng; ++g) {
        int8_t L[QK_K];
        for (int j = 0; j < 16; ++j)
            ks_requant(x + QK_K * g + 16 * j, slim_q3_K_subscale(&y[g], j), -4, 3, lev,
                       16 * g + j, L + 16 * j);
        ks_q3_K_pack(&y[g], L);
    }
}

#define KS_ROW(t)                                                                        \
    KS_TARGET void KS_CAT(slim_quantize_row_##t, KS_PATH)(const float *restrict x,        \
                                                          void *restrict vy, int64_t n,   \
                                                          const float *restrict qw)       \
    {                                                                                    \
        uint8_t *yb = vy;                                                                \
        const int64_t nb = n / QK_K;                                                     \
        for (int64_t b = 0; b < nb; b += KS_G) {                                         \
            const int ng = nb - b < KS_G ? (int)(nb - b) : KS_G;                          \
            block_##t y[KS_G];  /* aligned; the output may sit at any address */          \
            ks_##t##_group(y, x + QK_K * b, qw ? qw + QK_K * b : NULL, ng);              \
            memcpy(yb + b * sizeof(block_##t), y, (size_t)ng * sizeof(block_##t));      \
        }                                                                                \
    }

KS_ROW(q3_K)
KS_ROW(q6_K)
