/*
 * IQ4_NL / IQ4_XS quantization with one vector lane per 32-weight block,
 * written once for every instruction set. The including file defines:
 *
 *   IQ4_W             lanes per vector, a multiple of 8
 *   IQ4_FN            attributes of every helper here (static inline + target)
 *   IQ4_ATTR          attributes of the two row kernels (target)
 *   IQ4_SUFFIX        name suffix of the row kernels (avx2, avx512, neon)
 *   VF, VM            float vector, lane mask
 *   VP                lane index 0..7 for table look-ups, in whatever form
 *                     the look-up wants it
 *   VT                an 8-entry float table
 *   vf_set1 vf_load vf_store vf_add vf_sub vf_mul vf_div vf_sqrt vf_abs
 *   vf_sel(m, a, b)   m ? a : b
 *   vm_gt vm_lt       ordered comparisons (false on NaN)
 *   vm_nlt(a, b)      !(a < b) (true on NaN)
 *   vm_and
 *   vt_load(t)        table from 8 floats
 *   vt_look(t, p)     t[p] per lane
 *   vp_zero()         p = 0
 *   vp_add_if(p,m,k)  p + (m ? k : 0)
 *   vp_store_index(out, p, odd, down): out[lane] = min(2p + odd + !down, 15)
 *
 * Each lane performs exactly the float operations of simd/ref/iq4.c in the
 * same order (no FMA), so the result is bit-identical to the reference.
 */
#include "simd/blocks.h"
#include "simd/ref/half.h"
#include "simd/ref/nonlinear.h"

#include <string.h>

#define IQ4_CAT_(a, b) a##_##b
#define IQ4_CAT(a, b) IQ4_CAT_(a, b)

/*
 * Look-up tables for the nearest code point. The search finds idx, the
 * largest i with !(x < v[i]) (15 for NaN), as ggml's binary search does
 * (its result satisfies v[idx] <= x < v[idx+1]); idx = 2p + odd, with p
 * found in three steps of an 8-entry look-up. Then x is compared with the
 * rounded distances to v[idx] and v[idx+1] exactly as the reference does;
 * v[16] is +Inf so idx = 15 keeps v[15].
 */
typedef struct {
    VF v8;          /* v[8], first comparison */
    VT t2;          /* t2[p] = v[2p + 4], p in {0, 4} */
    VT t3;          /* t3[p] = v[2p + 2], p in {0, 2, 4, 6} */
    VT t4;          /* t4[p] = v[2p + 1] */
    VT even;        /* v[2p] */
    VT next;        /* v[2p + 2], v[16] = +Inf */
} iq4_tables;

IQ4_FN void iq4_tables_init(iq4_tables *T)
{
    float t2[8] = { 0 }, t3[8] = { 0 }, t4[8], even[8], next[8];
    float v[17];
    for (int i = 0; i < 16; i++)
        v[i] = slim_iq4_values[i];
    v[16] = INFINITY;
    t2[0] = v[4];
    t2[4] = v[12];
    for (int p = 0; p < 8; p += 2)
        t3[p] = v[2 * p + 2];
    for (int p = 0; p < 8; p++) {
        t4[p] = v[2 * p + 1];
        even[p] = v[2 * p];
        next[p] = v[2 * p + 2];
    }
    T->v8 = vf_set1(v[8]);
    T->t2 = vt_load(t2);
    T->t3 = vt_load(t3);
    T->t4 = vt_load(t4);
    T->even = vt_load(even);
    T->next = vt_load(next);
}

/* The search; leaves the two neighbours and whether the lower one wins. */
IQ4_FN void iq4_search(const iq4_tables *T, VF x, VP *p_out, VM *odd_out, VM *down_out,
                       VF *lo_out, VF *hi_out)
{
    VP p = vp_add_if(vp_zero(), vm_nlt(x, T->v8), 4);
    p = vp_add_if(p, vm_nlt(x, vt_look(T->t2, p)), 2);
    p = vp_add_if(p, vm_nlt(x, vt_look(T->t3, p)), 1);
    const VF t4 = vt_look(T->t4, p);
    const VM odd = vm_nlt(x, t4);
    const VF lo = vf_sel(odd, t4, vt_look(T->even, p));
    const VF hi = vf_sel(odd, vt_look(T->next, p), t4);
    *p_out = p;
    *odd_out = odd;
    *down_out = vm_lt(vf_sub(x, lo), vf_sub(hi, x));
    *lo_out = lo;
    *hi_out = hi;
}

/* Value of the nearest code point; x must be finite (always so in the scale
 * search, see simd/ref/iq4.c). */
IQ4_FN VF iq4_nearest_value(const iq4_tables *T, VF x)
{
    VP p;
    VM odd, down;
    VF lo, hi;
    iq4_search(T, x, &p, &odd, &down, &lo, &hi);
    return vf_sel(down, lo, hi);
}

/* xt[j*W + lane] = x[lane*32 + j]: W consecutive blocks, one per lane. */
IQ4_FN void iq4_transpose(const float *x, float *xt)
{
    for (int lane = 0; lane < IQ4_W; lane++)
        for (int j = 0; j < SLIM_IQ4_BLOCK; j++)
            xt[j * IQ4_W + lane] = x[lane * SLIM_IQ4_BLOCK + j];
}

/* One pass of the scale search: sum w*q*x and sum w*q*q per lane. */
IQ4_FN void iq4_pass(const iq4_tables *T, const float *xt, const float *wt, VF id,
                     VF *sumqx, VF *sumq2)
{
    VF sqx = vf_set1(0), sq2 = vf_set1(0);
    for (int j = 0; j < SLIM_IQ4_BLOCK; j++) {
        const VF x = vf_load(xt + j * IQ4_W);
        const VF q = iq4_nearest_value(T, vf_mul(id, x));
        const VF wq = vf_mul(vf_load(wt + j * IQ4_W), q);
        sqx = vf_add(sqx, vf_mul(wq, x));
        sq2 = vf_add(sq2, vf_mul(wq, q));
    }
    *sumqx = sqx;
    *sumq2 = sq2;
}

/*
 * Scales of W blocks (iq4_block_scale of the reference, lane-wise). qwt is
 * NULL or the transposed importance weights; sig the per-lane sigma2.
 */
IQ4_FN void iq4_scales(const iq4_tables *T, const float *xt, const float *qwt,
                       const float *sig, float *scales)
{
    float wt[SLIM_IQ4_BLOCK * IQ4_W] __attribute__((aligned(64)));
    VF amax = vf_set1(0), max = vf_set1(0);
    for (int j = 0; j < SLIM_IQ4_BLOCK; j++) {
        const VF x = vf_load(xt + j * IQ4_W);
        const VF x2 = vf_mul(x, x);
        vf_store(wt + j * IQ4_W, qwt ? vf_mul(vf_load(qwt + j * IQ4_W),
                                              vf_sqrt(vf_add(vf_load(sig), x2)))
                                     : x2);
        const VF ax = vf_abs(x);
        const VM bigger = vm_gt(ax, amax);
        amax = vf_sel(bigger, ax, amax);
        max = vf_sel(bigger, x, max);
    }
    /* Lanes below the threshold compute garbage and get scale 0 at the end. */
    const VM active = vm_nlt(amax, vf_set1(SLIM_IQ4_EPS));
    const VF zero = vf_set1(0);
    const float v0 = slim_iq4_values[0];
    /* The reference computes -max / v0; (-a)/(-b) == a/b exactly. */
    VF d = vf_div(max, vf_set1(-v0));
    VF sumqx, sumq2;
    iq4_pass(T, xt, wt, vf_div(vf_set1(1), d), &sumqx, &sumq2);
    d = vf_sel(vm_gt(sumq2, zero), vf_div(sumqx, sumq2), zero);
    VF best = vf_mul(d, sumqx);
    for (int itry = -SLIM_IQ4_NTRY; itry <= SLIM_IQ4_NTRY; itry++) {
        iq4_pass(T, xt, wt, vf_div(vf_set1(itry + v0), max), &sumqx, &sumq2);
        const VM better = vm_and(vm_gt(sumq2, zero),
                                 vm_gt(vf_mul(sumqx, sumqx), vf_mul(best, sumq2)));
        const VF dn = vf_div(sumqx, sumq2);
        d = vf_sel(better, dn, d);
        best = vf_sel(better, vf_mul(dn, sumqx), best);
    }
    vf_store(scales, vf_sel(active, d, zero));
}

/* Indices of x*inv[lane] packed into 16 bytes at dst[lane]. */
IQ4_FN void iq4_indices(const iq4_tables *T, const float *xt, const float *inv,
                        uint8_t *const dst[IQ4_W])
{
    int32_t L[SLIM_IQ4_BLOCK][IQ4_W] __attribute__((aligned(64)));
    const VF id = vf_load(inv);
    for (int j = 0; j < SLIM_IQ4_BLOCK; j++) {
        VP p;
        VM odd, down;
        VF lo, hi;
        iq4_search(T, vf_mul(id, vf_load(xt + j * IQ4_W)), &p, &odd, &down, &lo, &hi);
        vp_store_index(L[j], p, odd, down);
    }
    for (int lane = 0; lane < IQ4_W; lane++)
        for (int j = 0; j < SLIM_IQ4_BLOCK / 2; j++)
            dst[lane][j] = (uint8_t)(L[j][lane] | L[j + SLIM_IQ4_BLOCK / 2][lane] << 4);
}

/* The reference (simd/ref/iq4.c) applied to W blocks at a time. */
IQ4_FN void iq4_nl_group(const iq4_tables *T, const float *x, uint8_t *y, const float *qw)
{
    float xt[SLIM_IQ4_BLOCK * IQ4_W] __attribute__((aligned(64)));
    float qwt[SLIM_IQ4_BLOCK * IQ4_W] __attribute__((aligned(64)));
    float sig[IQ4_W] __attribute__((aligned(64)));
    float d[IQ4_W] __attribute__((aligned(64)));
    float inv[IQ4_W] __attribute__((aligned(64)));
    uint8_t *dst[IQ4_W];
    iq4_transpose(x, xt);
    if (qw) {
        iq4_transpose(qw, qwt);
        VF s = vf_set1(0);
        for (int j = 0; j < SLIM_IQ4_BLOCK; j++) {
            const VF v = vf_load(xt + j * IQ4_W);
            s = vf_add(s, vf_mul(v, v));
        }
        vf_store(sig, vf_mul(s, vf_set1(2.f / SLIM_IQ4_BLOCK)));
    }
    iq4_scales(T, xt, qw ? qwt : NULL, sig, d);
    for (int lane = 0; lane < IQ4_W; lane++) {
        uint8_t *block = y + lane * sizeof(block_iq4_nl);
        slim_nl_put_half(block + offsetof(block_iq4_nl, d), d[lane]);
        inv[lane] = d[lane] ? 1 / d[lane] : 0;
        dst[lane] = block + offsetof(block_iq4_nl, qs);
    }
    iq4_indices(T, xt, inv, dst);
}

IQ4_FN void iq4_xs_group(const iq4_tables *T, const float *x, uint8_t *y, const float *qw)
{
    enum { SB = QK_K / SLIM_IQ4_BLOCK, NSB = IQ4_W / SB };
    float xt[SLIM_IQ4_BLOCK * IQ4_W] __attribute__((aligned(64)));
    float qwt[SLIM_IQ4_BLOCK * IQ4_W] __attribute__((aligned(64)));
    float sig[IQ4_W] __attribute__((aligned(64)));
    float scales[IQ4_W] __attribute__((aligned(64)));
    float inv[IQ4_W] __attribute__((aligned(64)));
    uint8_t *dst[IQ4_W];
    iq4_transpose(x, xt);
    if (qw) {
        iq4_transpose(qw, qwt);
        /* sigma2 runs over the whole super-block, across lanes: scalar. */
        for (int s = 0; s < NSB; s++) {
            const float s2 = slim_iq4_sigma2(x + s * QK_K, QK_K);
            for (int ib = 0; ib < SB; ib++)
                sig[s * SB + ib] = s2;
        }
    }
    iq4_scales(T, xt, qw ? qwt : NULL, sig, scales);
    for (int s = 0; s < NSB; s++) {
        uint8_t *block = y + s * sizeof(block_iq4_xs);
        slim_iq4_xs_finish(scales + s * SB, block, inv + s * SB);
        for (int ib = 0; ib < SB; ib++)
            dst[s * SB + ib] = block + offsetof(block_iq4_xs, qs) + ib * SLIM_IQ4_BLOCK / 2;
    }
    iq4_indices(T, xt, inv, dst);
}

/*
 * The last, partial group runs zero-padded: zero blocks are below the
 * threshold and their lanes are independent of the others, so the valid
 * blocks come out exactly as in a full group, far faster than scalar code.
 * count blocks of in_block weights, block_bytes bytes each.
 */
typedef void (*iq4_group_fn)(const iq4_tables *T, const float *x, uint8_t *y, const float *qw);

IQ4_FN void iq4_padded_group(iq4_group_fn group, const iq4_tables *T, int in_block,
                             size_t block_bytes, const float *x, uint8_t *y, const float *qw,
                             int64_t count)
{
    float xp[SLIM_IQ4_BLOCK * IQ4_W] = { 0 }, qp[SLIM_IQ4_BLOCK * IQ4_W] = { 0 };
    uint8_t yp[IQ4_W * sizeof(block_iq4_nl)];    /* the larger of the two group outputs */
    _Static_assert(IQ4_W * sizeof(block_iq4_nl) >= IQ4_W / 8 * sizeof(block_iq4_xs), "yp size");
    memcpy(xp, x, (size_t)count * in_block * sizeof(float));
    if (qw)
        memcpy(qp, qw, (size_t)count * in_block * sizeof(float));
    group(T, xp, yp, qw ? qp : NULL);
    memcpy(y, yp, (size_t)count * block_bytes);
}

IQ4_ATTR void IQ4_CAT(slim_quantize_row_iq4_nl, IQ4_SUFFIX)(const float *restrict x, void *restrict vy,
                                                   int64_t n, const float *restrict qw)
{
    uint8_t *y = vy;
    const int64_t nb = n / SLIM_IQ4_BLOCK;
    iq4_tables T;
    iq4_tables_init(&T);
    int64_t i = 0;
    for (; i + IQ4_W <= nb; i += IQ4_W)
        iq4_nl_group(&T, x + i * SLIM_IQ4_BLOCK, y + i * sizeof(block_iq4_nl),
                     qw ? qw + i * SLIM_IQ4_BLOCK : NULL);
    if (i < nb)
        iq4_padded_group(iq4_nl_group, &T, SLIM_IQ4_BLOCK, sizeof(block_iq4_nl),
                         x + i * SLIM_IQ4_BLOCK, y + i * sizeof(block_iq4_nl),
                         qw ? qw + i * SLIM_IQ4_BLOCK : NULL, nb - i);
}

IQ4_ATTR void IQ4_CAT(slim_quantize_row_iq4_xs, IQ4_SUFFIX)(const float *restrict x, void *restrict vy,
                                                   int64_t n, const float *restrict qw)
{
    enum { NSB = IQ4_W / (QK_K / SLIM_IQ4_BLOCK) };
    uint8_t *y = vy;
    const int64_t nb = n / QK_K;
    iq4_tables T;
    iq4_tables_init(&T);
    int64_t i = 0;
    for (; i + NSB <= nb; i += NSB)
        iq4_xs_group(&T, x + i * QK_K, y + i * sizeof(block_iq4_xs), qw ? qw + i * QK_K : NULL);
    if (i < nb)
        iq4_padded_group(iq4_xs_group, &T, QK_K, sizeof(block_iq4_xs), x + i * QK_K,
                         y + i * sizeof(block_iq4_xs), qw ? qw + i * QK_K : NULL, nb - i);
}
