/*
 * The importance-weighted legacy quantizers written once for every vector
 * path: q4_0 / q5_0 here, q4_1 / q5_1 through the qkx lane search of
 * simd/qkx_lanes.h (see ll_quantize_asym_imatrix at the end).
 *
 * q4_0 / q5_0: ggml runs make_qx_quants(32, nmax, x, L, 1, w) per block,
 * with w = qw * sqrt(sigma2 + x^2); here each lane runs that search for one
 * block, with exactly the float operations of slim_make_qx_quants in the
 * same order (sums over the block's 32 values in index order), so the
 * result is bit-identical. Masks and selects replace the branches; instead
 * of copying the levels at each improvement, the winning inverse scale is
 * kept and the levels computed once at the end (they depend on it alone).
 *
 * Blocks are copied into a lane-major layout by scalar code (cheap next to
 * 19 trial scales of 32 values); the last group is padded with zero
 * blocks, which take the all-zero branch and are not written out.
 *
 * The including file first includes the qkx primitives of its instruction
 * set (simd/x86/qkx_avx2.h, simd/x86/qkx_avx512.h or simd/arm/qkx_neon.h),
 * then defines:
 *   LL_TARGET          attribute for every function (target ISA)
 *   LL_N               lanes per vector
 *   ll_vf, ll_vm       float and mask vectors
 *   ll_load(p), ll_store(p, v), ll_set1(f)    unaligned loads and stores
 *   ll_add, ll_mul, ll_div, ll_sqrt, ll_abs   IEEE operations per lane
 *   ll_min, ll_max     (finite values only)
 *   ll_round(v)        round to nearest, ties to even (|v| < 2^22)
 *   ll_gt(a, b), ll_lt(a, b)   false on NaN;  ll_ne(a, b) true on NaN
 *   ll_mand(a, b), ll_sel(m, a, b) = m ? a : b
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "simd/blocks.h"
#include "simd/kernels.h"
#include "simd/ref/legacy.h"

#define LL_FN static inline LL_TARGET __attribute__((always_inline))
#define LL_QK QK_LEGACY

/* sum over j of (w*x)_j * l_j and (w_j * l_j) * l_j, l = clamp(round(iscale*x)). */
LL_FN void ll_sums(const float *xt, const float *wt, const float *wxt, ll_vf iscale, int nmax,
                   ll_vf *sumlx, ll_vf *suml2)
{
    const ll_vf lo = ll_set1((float)-nmax), hi = ll_set1((float)(nmax - 1));
    ll_vf sx = ll_set1(0.0f), s2 = ll_set1(0.0f);
    for (int j = 0; j < LL_QK; j++) {
        ll_vf l = ll_max(lo, ll_min(hi, ll_round(ll_mul(iscale, ll_load(xt + j * LL_N)))));
        sx = ll_add(sx, ll_mul(ll_load(wxt + j * LL_N), l));
        s2 = ll_add(s2, ll_mul(ll_mul(ll_load(wt + j * LL_N), l), l));
    }
    *sumlx = sx;
    *suml2 = s2;
}

/* make_qx_quants for LL_N blocks: xt/wt hold value/weight j of lane k at
 * [j * LL_N + k]. Writes the scales to d[k] and levels to L[32 * k + j]. */
LL_FN void ll_qx_group(const float *xt, const float *wt, int nmax, float *d, uint8_t *L)
{
    float wxt[LL_QK * LL_N];
    ll_vf amax = ll_set1(0.0f), max = ll_set1(0.0f);
    for (int j = 0; j < LL_QK; j++) {
        const ll_vf x = ll_load(xt + j * LL_N), ax = ll_abs(x);
        const ll_vm m = ll_gt(ax, amax);
        amax = ll_sel(m, ax, amax);
        max = ll_sel(m, x, max);
        ll_store(wxt + j * LL_N, ll_mul(ll_load(wt + j * LL_N), x));
    }
    /* ggml's GROUP_MAX_EPS: below it the block is all zero. */
    const ll_vm zero = ll_lt(amax, ll_set1(1e-15f));
    const ll_vf fzero = ll_set1(0.0f);

    ll_vf iscale = ll_div(ll_set1((float)-nmax), max), best_is = iscale;
    ll_vf sumlx, suml2;
    ll_sums(xt, wt, wxt, iscale, nmax, &sumlx, &suml2);
    ll_vf scale = ll_sel(ll_ne(suml2, fzero), ll_div(sumlx, suml2), fzero);
    ll_vf best = ll_mul(scale, sumlx);
    for (int is = -9; is <= 9; ++is) {
        if (is == 0)
            continue;
        iscale = ll_div(ll_set1(-((float)nmax + 0.1f * (float)is)), max);
        ll_sums(xt, wt, wxt, iscale, nmax, &sumlx, &suml2);
        const ll_vm better = ll_mand(ll_gt(suml2, fzero),
                                     ll_gt(ll_mul(sumlx, sumlx), ll_mul(best, suml2)));
        best_is = ll_sel(better, iscale, best_is);
        scale = ll_sel(better, ll_div(sumlx, suml2), scale);
        best = ll_sel(better, ll_mul(scale, sumlx), best);
    }
    ll_store(d, ll_sel(zero, fzero, scale));

    const ll_vf lo = ll_set1((float)-nmax), hi = ll_set1((float)(nmax - 1));
    const ll_vf off = ll_set1((float)nmax);
    for (int j = 0; j < LL_QK; j++) {
        ll_vf l = ll_max(lo, ll_min(hi, ll_round(ll_mul(best_is, ll_load(xt + j * LL_N)))));
        float lf[LL_N];
        ll_store(lf, ll_sel(zero, fzero, ll_add(l, off)));
        for (int k = 0; k < LL_N; k++)
            L[LL_QK * k + j] = (uint8_t)(int)lf[k];
    }
}

/* The weighted quantizer of a q4_0 (bits 4) or q5_0 (bits 5) row. */
LL_FN void ll_quantize_sym_imatrix(const float *restrict x, uint8_t *restrict y, int64_t n,
                                   const float *restrict qw, int bits)
{
    const int nmax = bits == 4 ? 8 : 16;
    const size_t bsize = bits == 4 ? sizeof(block_q4_0) : sizeof(block_q5_0);
    const float sigma2 = slim_legacy_row_sigma2(x, n);
    const int64_t nb = n / LL_QK;
    for (int64_t ib = 0; ib < nb; ib += LL_N) {
        const int g = nb - ib < LL_N ? (int)(nb - ib) : LL_N;
        float xt[LL_QK * LL_N], wt[LL_QK * LL_N], d[LL_N];
        uint8_t L[LL_QK * LL_N];
        for (int k = 0; k < LL_N; k++) {
            for (int j = 0; j < LL_QK; j++) {
                xt[j * LL_N + k] = k < g ? x[(ib + k) * LL_QK + j] : 0.0f;
                wt[j * LL_N + k] = k < g ? qw[(ib + k) * LL_QK + j] : 0.0f;
            }
        }
        const ll_vf s2 = ll_set1(sigma2);
        for (int j = 0; j < LL_QK; j++) {
            const ll_vf xv = ll_load(xt + j * LL_N);
            ll_store(wt + j * LL_N,
                     ll_mul(ll_load(wt + j * LL_N), ll_sqrt(ll_add(s2, ll_mul(xv, xv)))));
        }
        ll_qx_group(xt, wt, nmax, d, L);
        for (int k = 0; k < g; k++) {
            uint8_t *b = y + (size_t)(ib + k) * bsize;
            slim_legacy_put_half(b + (bits == 4 ? offsetof(block_q4_0, d) : offsetof(block_q5_0, d)),
                                 d[k]);
            if (bits == 4)
                slim_legacy_pack4(L + LL_QK * k, b + offsetof(block_q4_0, qs));
            else
                slim_legacy_pack5(L + LL_QK * k, b + offsetof(block_q5_0, qs),
                                  b + offsetof(block_q5_0, qh));
        }
    }
}

/*
 * q4_1 / q5_1 with importance weights: ggml runs
 * make_qkx3_quants(32, nmax, x, w, L, &min, aux, -0.9, 0.05, 36, false) per
 * block with w = qw * sqrt(sigma2 + x^2); ka_search is that search with one
 * block per lane (the K-quants use it with one sub-block per lane).
 * Quantizes kk * KA_W blocks at x (weights qw) and writes the first nblk.
 */
LL_FN void ll_asym_group(const int kk, const float *x, const float *qw, float sigma2, int bits,
                         uint8_t *y, int nblk)
{
    const int nmax = bits == 4 ? 15 : 31;
    const size_t bsize = bits == 4 ? sizeof(block_q4_1) : sizeof(block_q5_1);
    ka_vf xt[LL_QK][KA_K], wt[LL_QK][KA_K], lb[KA_K][32], sc[KA_K], mn[KA_K];
    const ka_vf s2 = ka_splat(sigma2);
    for (int k = 0; k < kk; ++k) {
        ka_transpose(xt, k, x + k * KA_W * LL_QK, LL_QK);
        ka_transpose(wt, k, qw + k * KA_W * LL_QK, LL_QK);   /* qw, then weights */
        for (int i = 0; i < LL_QK; ++i)
            wt[i][k] = wt[i][k] * KA_SQRT(s2 + xt[i][k] * xt[i][k]);
    }
    ka_search(kk, LL_QK, nmax, xt, wt, -0.9f, 0.05f, 36, false, true, lb, sc, mn);
    for (int b = 0; b < nblk; ++b) {
        const int k = b / KA_W, j = b % KA_W;
        uint8_t L[LL_QK], *yb = y + (size_t)b * bsize;
        for (int i = 0; i < LL_QK; ++i)
            L[i] = (uint8_t)lb[k][i][j];
        /* the min is the negated "the_min" of the search */
        if (bits == 4) {
            slim_legacy_put_half(yb + offsetof(block_q4_1, d), sc[k][j]);
            slim_legacy_put_half(yb + offsetof(block_q4_1, m), -mn[k][j]);
            slim_legacy_pack4(L, yb + offsetof(block_q4_1, qs));
        } else {
            slim_legacy_put_half(yb + offsetof(block_q5_1, d), sc[k][j]);
            slim_legacy_put_half(yb + offsetof(block_q5_1, m), -mn[k][j]);
            slim_legacy_pack5(L, yb + offsetof(block_q5_1, qs), yb + offsetof(block_q5_1, qh));
        }
    }
}

/* The weighted quantizer of a q4_1 (bits 4) or q5_1 (bits 5) row. */
LL_FN void ll_quantize_asym_imatrix(const float *restrict x, uint8_t *restrict y, int64_t n,
                                    const float *restrict qw, int bits)
{
    const size_t bsize = bits == 4 ? sizeof(block_q4_1) : sizeof(block_q5_1);
    const float sigma2 = slim_legacy_row_sigma2(x, n);
    const int64_t nb = n / LL_QK;
    const int G = KA_K * KA_W;
    int64_t ib = 0;
    for (; ib + G <= nb; ib += G)
        ll_asym_group(KA_K, x + ib * LL_QK, qw + ib * LL_QK, sigma2, bits, y + ib * bsize, G);
    for (; ib + KA_W <= nb; ib += KA_W)
        ll_asym_group(1, x + ib * LL_QK, qw + ib * LL_QK, sigma2, bits, y + ib * bsize, KA_W);
    if (ib == nb)
        return;
    /* The last blocks do not fill a vector: run them on a zero-padded copy
     * (lanes are independent; the padding lanes are not written out). */
    const int rest = (int)(nb - ib);
    float xp[KA_W * LL_QK], wp[KA_W * LL_QK];
    memset(xp, 0, sizeof xp);
    memset(wp, 0, sizeof wp);
    memcpy(xp, x + ib * LL_QK, (size_t)rest * LL_QK * sizeof(float));
    memcpy(wp, qw + ib * LL_QK, (size_t)rest * LL_QK * sizeof(float));
    ll_asym_group(1, xp, wp, sigma2, bits, y + ib * bsize, rest);
}
