/*
 * slim_quantize_optimized: ggml's K-quant formats with better scales.
 *
 * ggml picks each sub-block's scale (and min) by a local search, then rounds
 * all of them to 4 or 6 bits against one super-block scale, and never
 * revisits the choice. Here each super-block starts from ggml's own result
 * and runs a few rounds of coordinate descent on the weighted squared error
 * sum_i w_i (x_i - y_i)^2, with y computed exactly as the dequantizer does
 * (y = (d * s_j) * q_i - (dmin * m_j) * 1):
 *   1. per sub-block: the least-squares scale (and min) for the current
 *      levels, rounded to the integers around it (and the current ones);
 *      each candidate is scored with its own best levels;
 *   2. per super-block: the least-squares d (and dmin) for the current
 *      integers and levels, tried as the nearest binary16 values and their
 *      neighbours, again scored with re-chosen levels.
 * Levels are always the best for the scales (the two nearest levels are
 * both scored), so an accepted step never increases the error. A super-block
 * is written only if its dequantized error is below ggml's, so the result is
 * never worse than slim_quantize's, block by block.
 *
 * One format description covers the asymmetric types (q2_K, q4_K, q5_K:
 * unsigned levels, scale and min) and the symmetric ones (q3_K, q6_K: signed
 * levels and scales, no min).
 */
#include "slim.h"
#include "core/parallel.h"
#include "simd/kernels.h"
#include "simd/blocks.h"
#include "simd/ref/half.h"
#include "simd/ref/kquant_asym.h"
#include "simd/ref/kquant_sym.h"
#include "simd/ref/kquant_util.h"

#include <math.h>
#include <string.h>

#define ROUNDS 3
#define WEIGHT_FLOOR 0.02   /* of the block's mean importance, see optimize_range */
#define MAX_SUB 16

/* One super-block being optimized. */
typedef struct kq_state {
    uint16_t d, dmin;        /* binary16 bits */
    int      s[MAX_SUB];     /* sub-block scales (signed for symmetric types) */
    int      m[MAX_SUB];     /* sub-block mins (0 for symmetric types) */
    int      q[QK_K];        /* levels */
} kq_state;

typedef struct kq_format {
    slim_type type;
    int nsub, sublen;
    int qmin, qmax;          /* levels */
    int smin, smax;          /* scales and mins */
    int affine;              /* has a min per sub-block */
    int refine;              /* steps of refine_d: cheap where the sub-block
                                search is small (16 values), few where not */
    void (*read)(const void *blk, kq_state *st);
    void (*write)(void *blk, const kq_state *st);
} kq_format;

/* ---- reading and writing the block formats ---- */

static void read_q2k(const void *blk, kq_state *st)
{
    block_q2_K y;
    memcpy(&y, blk, sizeof y);
    st->d = y.d;
    st->dmin = y.dmin;
    for (int j = 0; j < QK_K / 16; j++) {
        st->s[j] = y.scales[j] & 0xF;
        st->m[j] = y.scales[j] >> 4;
    }
}

static void write_q2k(void *blk, const kq_state *st)
{
    block_q2_K y;
    uint8_t L[QK_K];
    y.d = st->d;
    y.dmin = st->dmin;
    for (int j = 0; j < QK_K / 16; j++)
        y.scales[j] = (uint8_t)(st->s[j] | st->m[j] << 4);
    for (int i = 0; i < QK_K; i++)
        L[i] = (uint8_t)st->q[i];
    slim_q2k_pack(&y, L);
    memcpy(blk, &y, sizeof y);
}

/* q4_K and q5_K share d, dmin and the 12-byte scale layout. */
static void read_k4(const uint8_t *sc, slim_half d, slim_half dmin, kq_state *st)
{
    st->d = d;
    st->dmin = dmin;
    for (int j = 0; j < QK_K / 32; j++) {
        uint8_t s, m;
        slim_get_scale_min_k4(j, sc, &s, &m);
        st->s[j] = s;
        st->m[j] = m;
    }
}

static void write_k4(uint8_t *sc, uint8_t *L, const kq_state *st)
{
    uint8_t ls[QK_K / 32], lm[QK_K / 32];
    for (int j = 0; j < QK_K / 32; j++) {
        ls[j] = (uint8_t)st->s[j];
        lm[j] = (uint8_t)st->m[j];
    }
    slim_set_scale_min_k4(ls, lm, sc);
    for (int i = 0; i < QK_K; i++)
        L[i] = (uint8_t)st->q[i];
}

/* read_q4k/write_q4k and read_q5k/write_q5k: only the level packing differs. */
#define K4_FORMAT(t, block, pack)                                                          \
    static void read_##t(const void *blk, kq_state *st)                                   \
    {                                                                                      \
        block y;                                                                           \
        memcpy(&y, blk, sizeof y);                                                         \
        read_k4(y.scales, y.d, y.dmin, st);                                                \
    }                                                                                      \
    static void write_##t(void *blk, const kq_state *st)                                  \
    {                                                                                      \
        block y;                                                                           \
        uint8_t L[QK_K];                                                                   \
        memset(&y, 0, sizeof y);                                                           \
        y.d = st->d;                                                                       \
        y.dmin = st->dmin;                                                                 \
        write_k4(y.scales, L, st);                                                         \
        pack(&y, L);                                                                       \
        memcpy(blk, &y, sizeof y);                                                         \
    }
K4_FORMAT(q4k, block_q4_K, slim_q4k_pack)
K4_FORMAT(q5k, block_q5_K, slim_q5k_pack)

static void read_q3k(const void *blk, kq_state *st)
{
    block_q3_K y;
    memcpy(&y, blk, sizeof y);
    st->d = y.d;
    st->dmin = 0;
    for (int j = 0; j < 16; j++) {
        st->s[j] = slim_q3_K_scale(y.scales, j);
        st->m[j] = 0;
    }
}

static void write_q3k(void *blk, const kq_state *st)
{
    block_q3_K y;
    int8_t Ls[16], L[QK_K];
    for (int j = 0; j < 16; j++)
        Ls[j] = (int8_t)(st->s[j] + 32);
    slim_q3_K_put_scales(&y, Ls, slim_half_to_f32(st->d));   /* d is a half already */
    y.d = st->d;
    for (int i = 0; i < QK_K; i++)
        L[i] = (int8_t)(st->q[i] + 4);
    slim_q3_K_pack(&y, L);
    memcpy(blk, &y, sizeof y);
}

static void read_q6k(const void *blk, kq_state *st)
{
    block_q6_K y;
    memcpy(&y, blk, sizeof y);
    st->d = y.d;
    st->dmin = 0;
    for (int j = 0; j < 16; j++) {
        st->s[j] = y.scales[j];
        st->m[j] = 0;
    }
}

static void write_q6k(void *blk, const kq_state *st)
{
    block_q6_K y;
    int8_t L[QK_K];
    for (int j = 0; j < 16; j++)
        y.scales[j] = (int8_t)st->s[j];
    y.d = st->d;
    for (int i = 0; i < QK_K; i++)
        L[i] = (int8_t)(st->q[i] + 32);
    slim_q6_K_pack(&y, L);
    memcpy(blk, &y, sizeof y);
}

static const kq_format formats[] = {
    { SLIM_TYPE_Q2_K, 16, 16, 0, 3, 0, 15, 1, 8, read_q2k, write_q2k },
    { SLIM_TYPE_Q3_K, 16, 16, -4, 3, -32, 31, 0, 8, read_q3k, write_q3k },
    { SLIM_TYPE_Q4_K, 8, 32, 0, 15, 0, 63, 1, 2, read_q4k, write_q4k },
    { SLIM_TYPE_Q5_K, 8, 32, 0, 31, 0, 63, 1, 2, read_q5k, write_q5k },
    { SLIM_TYPE_Q6_K, 16, 16, -32, 31, -128, 127, 0, 4, read_q6k, write_q6k },
};

static const kq_format *format_of(slim_type t)
{
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (formats[i].type == t)
            return &formats[i];
    return NULL;
}

/* ---- scoring ---- */

/*
 * The best levels of n values for sub-block scale dl and offset ml (y =
 * dl*q - ml, in float as the dequantizer computes it) and their weighted
 * squared error. With dl == 0 every level gives -ml: the levels are kept.
 */
static double score_sub(const kq_format *f, const float *x, const float *w, int n, float dl,
                        float ml, int *q)
{
    double err = 0;
    /* t only picks the two levels to score, so the inverse is exact enough */
    const float inv = dl != 0 ? 1.0f / dl : 0.0f;
    for (int i = 0; i < n; i++) {
        if (dl == 0) {
            double e = (double)x[i] + ml;
            err += w[i] * e * e;
            continue;
        }
        float t = (x[i] + ml) * inv;
        int lo;
        if (!(t > (float)f->qmin))   /* also NaN */
            lo = f->qmin;
        else if (t >= (float)f->qmax)
            lo = f->qmax;
        else
            lo = (int)floorf(t);
        int hi = lo < f->qmax ? lo + 1 : lo;
        float y0 = dl * (float)lo - ml, y1 = dl * (float)hi - ml;
        double e0 = (double)x[i] - y0, e1 = (double)x[i] - y1;
        e0 *= e0;
        e1 *= e1;
        if (e1 < e0) {
            q[i] = hi;
            err += w[i] * e1;
        } else {
            q[i] = lo;
            err += w[i] * e0;
        }
    }
    return err;
}

/* Sub-block j with the state's scales: its error, its levels set to the best. */
static double score_sub_of(const kq_format *f, const float *x, const float *w, kq_state *st,
                           int j)
{
    float d = slim_half_to_f32(st->d), dm = slim_half_to_f32(st->dmin);
    int o = j * f->sublen;
    return score_sub(f, x + o, w + o, f->sublen, d * (float)st->s[j],
                     f->affine ? dm * (float)st->m[j] : 0.0f, st->q + o);
}

static double score_block(const kq_format *f, const float *x, const float *w, kq_state *st)
{
    double err = 0;
    for (int j = 0; j < f->nsub; j++)
        err += score_sub_of(f, x, w, st, j);
    return err;
}

/* ---- step 1: sub-block scales ---- */

static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/* The least-squares offset b of x ~ dl*q - b for fixed dl and levels q. */
static double best_offset(const float *x, const float *w, const int *q, int n, float dl)
{
    double sw = 0, sr = 0;
    for (int i = 0; i < n; i++) {
        sw += w[i];
        sr += w[i] * ((double)dl * q[i] - x[i]);
    }
    return sw > 0 ? sr / sw : 0;
}

/*
 * The scale window tried for a sub-block: the whole range when it is small
 * (q3_K, q2_K), else SCALE_WINDOW integers around the least-squares scale
 * for the current levels, plus the current scale and its negation.
 */
#define SCALE_WINDOW 16

static int scale_candidates(const kq_format *f, const float *x, const float *w, const int *q,
                            int n, float d, int cur, int *out)
{
    int k = 0;
    if (f->smax - f->smin + 1 <= 64) {
        for (int s = f->smin; s <= f->smax; s++)
            out[k++] = s;
        return k;
    }
    double sxq = 0, sqq = 0;
    for (int i = 0; i < n; i++) {
        sxq += w[i] * x[i] * q[i];
        sqq += w[i] * q[i] * q[i];
    }
    double c = sqq > 0 && d != 0 ? sxq / sqq / d : cur;
    int mid = isfinite(c) && fabs(c) < 1e6 ? (int)lround(c) : cur;
    int lo = clampi(mid - SCALE_WINDOW / 2, f->smin, f->smax);
    int hi = clampi(mid + SCALE_WINDOW / 2, f->smin, f->smax);
    for (int s = lo; s <= hi; s++)
        out[k++] = s;
    if (cur < lo || cur > hi)
        out[k++] = cur;
    if (-cur >= f->smin && -cur <= f->smax && (-cur < lo || -cur > hi) && -cur != cur)
        out[k++] = -cur;
    return k;
}

/*
 * Sub-block j: every scale of the window, each with the current min and
 * the mins around the least-squares offset for that scale's levels; each
 * candidate scored with its own best levels. Keeps the best.
 */
static void improve_sub(const kq_format *f, const float *x, const float *w, kq_state *st,
                        int j, double *err_j)
{
    int o = j * f->sublen, n = f->sublen;
    x += o;
    w += o;
    float d = slim_half_to_f32(st->d), dm = slim_half_to_f32(st->dmin);
    int cs[256 + 2];
    int ns = scale_candidates(f, x, w, st->q + o, n, d, st->s[j], cs);
    int qbest[32], qtry[32];
    double best = *err_j;
    int bs = st->s[j], bm = st->m[j];
    memcpy(qbest, st->q + o, (size_t)n * sizeof *qbest);
    for (int a = 0; a < ns; a++) {
        float dl = d * (float)cs[a];
        int m = st->m[j];
        memcpy(qtry, st->q + o, (size_t)n * sizeof *qtry);
        double e = score_sub(f, x, w, n, dl, f->affine ? dm * (float)m : 0.0f, qtry);
        if (e < best) {
            best = e;
            bs = cs[a];
            bm = m;
            memcpy(qbest, qtry, (size_t)n * sizeof *qbest);
        }
        if (!f->affine || dm == 0)
            continue;
        /* the two mins around the best offset for these levels */
        double mstar = best_offset(x, w, qtry, n, dl) / dm;
        if (!isfinite(mstar) || fabs(mstar) > 1e6)
            continue;
        int base = (int)floor(mstar);
        for (int k = 0; k <= 1; k++) {
            int mc = clampi(base + k, 0, f->smax);
            if (mc == m)
                continue;
            int qm[32];
            memcpy(qm, qtry, (size_t)n * sizeof *qm);
            double em = score_sub(f, x, w, n, dl, dm * (float)mc, qm);
            if (em < best) {
                best = em;
                bs = cs[a];
                bm = mc;
                memcpy(qbest, qm, (size_t)n * sizeof *qbest);
            }
        }
    }
    st->s[j] = bs;
    st->m[j] = bm;
    memcpy(st->q + o, qbest, (size_t)n * sizeof *qbest);
    *err_j = best;
}

/* ---- step 2: super-block scales ---- */

/* Finite non-negative binary16 values next to h (and h itself). */
static int half_neighbours(uint16_t h, uint16_t *out)
{
    int n = 0;
    out[n++] = h;
    if (h & 0x8000)
        return n;   /* negative scales are left alone */
    if (h > 0)
        out[n++] = (uint16_t)(h - 1);
    if (h < 0x7BFF)
        out[n++] = (uint16_t)(h + 1);
    return n;
}

static int add_half(uint16_t *list, int n, uint16_t h)
{
    for (int i = 0; i < n; i++)
        if (list[i] == h)
            return n;
    list[n] = h;
    return n + 1;
}

/*
 * Joint moves the coordinate steps cannot make: d (or dmin) times r with
 * every sub-block scale (or min) re-rounded to keep its product, for r in
 * RESCALE_STEPS steps of 1/64 either side of 1.
 */
#define RESCALE_STEPS 8

static double rescale(const kq_format *f, const float *x, const float *w, kq_state *st,
                      double err)
{
    for (int which = 0; which < (f->affine ? 2 : 1); which++) {
        uint16_t h0 = which ? st->dmin : st->d;
        float v0 = slim_half_to_f32(h0);
        if (!(v0 > 0))
            continue;
        kq_state best = *st;
        for (int k = -RESCALE_STEPS; k <= RESCALE_STEPS; k++) {
            if (k == 0)
                continue;
            kq_state t = *st;
            uint16_t h = slim_f32_to_half(v0 * (1.0f + (float)k / 64.0f));
            float v = slim_half_to_f32(h);
            if (h == h0 || !(v > 0) || !isfinite(v))
                continue;
            int *sc = which ? t.m : t.s;
            int lo = which ? 0 : f->smin;
            for (int j = 0; j < f->nsub; j++)
                sc[j] = clampi((int)lroundf((float)sc[j] * v0 / v), lo, f->smax);
            if (which)
                t.dmin = h;
            else
                t.d = h;
            double e = score_block(f, x, w, &t);
            if (e < err) {
                err = e;
                best = t;
            }
        }
        *st = best;
    }
    return err;
}

static double improve_global(const kq_format *f, const float *x, const float *w, kq_state *st,
                             double err)
{
    /* least squares for x ~ D*u - M*v, u = s_j*q_i, v = m_j */
    double suu = 0, suv = 0, svv = 0, sxu = 0, sxv = 0;
    for (int i = 0; i < QK_K; i++) {
        int j = i / f->sublen;
        double u = (double)st->s[j] * st->q[i], v = st->m[j];
        suu += w[i] * u * u;
        suv += w[i] * u * v;
        svv += w[i] * v * v;
        sxu += w[i] * x[i] * u;
        sxv += w[i] * x[i] * v;
    }
    double D = NAN, M = NAN;
    if (f->affine) {
        double det = suv * suv - suu * svv;
        if (det != 0) {
            D = (suv * sxv - sxu * svv) / det;
            M = (suu * sxv - suv * sxu) / det;
        }
    } else if (suu > 0) {
        D = sxu / suu;
    }
    uint16_t cd[8], cm[8];
    int nd = half_neighbours(st->d, cd), nm = f->affine ? half_neighbours(st->dmin, cm) : 1;
    if (!f->affine)
        cm[0] = 0;
    if (isfinite(D) && fabs(D) < 65504) {
        uint16_t h[4];
        int nh = half_neighbours(slim_f32_to_half((float)D), h);
        for (int k = 0; k < nh && nd < 8; k++)
            nd = add_half(cd, nd, h[k]);
    }
    if (f->affine && isfinite(M) && fabs(M) < 65504) {
        uint16_t h[4];
        int nh = half_neighbours(slim_f32_to_half((float)M), h);
        for (int k = 0; k < nh && nm < 8; k++)
            nm = add_half(cm, nm, h[k]);
    }
    kq_state trial = *st;
    for (int a = 0; a < nd; a++)
        for (int b = 0; b < nm; b++) {
            if (cd[a] == st->d && cm[b] == st->dmin)
                continue;
            trial.d = cd[a];
            trial.dmin = cm[b];
            memcpy(trial.q, st->q, sizeof trial.q);
            double e = score_block(f, x, w, &trial);
            if (e < err) {
                err = e;
                *st = trial;
            }
        }
    return rescale(f, x, w, st, err);
}

/* ---- one super-block ---- */

static double dequantized_error(slim_dequantize_row_fn deq, const void *blk, const float *x,
                                const float *w)
{
    float y[QK_K];
    deq(blk, y, QK_K);
    double err = 0;
    for (int i = 0; i < QK_K; i++) {
        double e = (double)x[i] - y[i];
        err += w[i] * e * e;
    }
    return err;
}

/* Step 1 on every sub-block; returns the block's error. */
static double sub_pass(const kq_format *f, const float *x, const float *w, kq_state *st)
{
    double err = 0;
    for (int j = 0; j < f->nsub; j++) {
        double ej = score_sub_of(f, x, w, st, j);
        improve_sub(f, x, w, st, j, &ej);
        err += ej;
    }
    return err;
}

/*
 * A larger move: d times r (r = 1 +- k/64, k up to the format's `refine`)
 * with every sub-block searched again for the new d. Keeps the best.
 */

static double refine_d(const kq_format *f, const float *x, const float *w, kq_state *st,
                       double err)
{
    float v0 = slim_half_to_f32(st->d);
    if (!(v0 > 0))
        return err;
    kq_state best = *st;
    for (int k = -f->refine; k <= f->refine; k++) {
        uint16_t h = slim_f32_to_half(v0 * (1.0f + (float)k / 64.0f));
        float v = slim_half_to_f32(h);
        if (k == 0 || h == st->d || !(v > 0) || !isfinite(v))
            continue;
        kq_state t = *st;
        t.d = h;
        for (int j = 0; j < f->nsub; j++)
            t.s[j] = clampi((int)lroundf((float)t.s[j] * v0 / v), f->smin, f->smax);
        double e = sub_pass(f, x, w, &t);
        if (e < err) {
            err = e;
            best = t;
        }
    }
    *st = best;
    return err;
}

static void optimize_block(const kq_format *f, slim_dequantize_row_fn deq, const float *x,
                           const float *w, const float *w_accept, uint8_t *blk,
                           size_t block_bytes)
{
    kq_state st;
    memset(&st, 0, sizeof st);
    f->read(blk, &st);
    for (int i = 0; i < QK_K; i++)   /* any start; levels matter only where dl != 0 */
        st.q[i] = f->qmin < 0 ? 0 : f->qmin;
    double err = score_block(f, x, w, &st);
    for (int round = 0; round < ROUNDS; round++) {
        double before = err;
        err = sub_pass(f, x, w, &st);
        err = improve_global(f, x, w, &st, err);
        err = refine_d(f, x, w, &st, err);
        if (!(err < before * (1 - 1e-9)))
            break;
    }
    uint8_t cand[sizeof(block_q6_K) > sizeof(block_q5_K) ? sizeof(block_q6_K)
                                                          : sizeof(block_q5_K)];
    f->write(cand, &st);
    if (dequantized_error(deq, cand, x, w_accept) < dequantized_error(deq, blk, x, w_accept))
        memcpy(blk, cand, block_bytes);
}

/* ---- rows ---- */

typedef struct opt_job {
    const kq_format *f;
    slim_dequantize_row_fn deq;
    const float *src, *imatrix;
    uint8_t *dst;
    int64_t cols;
    size_t row_bytes, block_bytes;
} opt_job;

static slim_error optimize_range(void *ctx, int64_t begin, int64_t end)
{
    const opt_job *j = ctx;
    float ones[QK_K];
    for (int i = 0; i < QK_K; i++)
        ones[i] = 1.0f;
    float floored[QK_K];
    for (int64_t b = 0; b < j->cols / QK_K; b++) {
        const float *w = j->imatrix ? j->imatrix + b * QK_K : ones;
        if (j->imatrix) {
            /* The search weights get a floor: columns with (almost) no
             * importance would otherwise be given up entirely, with errors
             * far beyond ggml's there. Acceptance uses the true weights. */
            double mean = 0;
            for (int i = 0; i < QK_K; i++)
                mean += w[i];
            mean /= QK_K;
            for (int i = 0; i < QK_K; i++)
                floored[i] = w[i] + (float)(WEIGHT_FLOOR * mean);
        }
        for (int64_t r = begin; r < end; r++)
            optimize_block(j->f, j->deq, j->src + r * j->cols + b * QK_K,
                           j->imatrix ? floored : ones, w,
                           j->dst + (size_t)r * j->row_bytes + (size_t)b * j->block_bytes,
                           j->block_bytes);
    }
    return SLIM_OK;
}

slim_error slim_quantize_optimized(slim_type type, const float *src, void *dst, int64_t rows,
                                   int64_t cols, const float *imatrix, int threads,
                                   slim_position *where)
{
    /* ggml's result first: it checks the arguments and the input for NaN and
     * Inf, and is the starting point and the bound of every super-block */
    slim_error e = slim_quantize(type, src, dst, rows, cols, imatrix, threads, where);
    const kq_format *f = format_of(type);
    if (e != SLIM_OK || !f || rows == 0)
        return e;
    size_t row_bytes;
    e = slim_row_size(type, cols, &row_bytes);
    if (e != SLIM_OK)
        return e;
    opt_job j = {
        .f = f, .deq = slim_dequantize_kernel(type, SLIM_PATH_SCALAR, NULL),
        .src = src, .imatrix = imatrix, .dst = dst, .cols = cols,
        .row_bytes = row_bytes, .block_bytes = slim_type_get(type)->block_bytes,
    };
    if (!j.deq)
        return SLIM_ERR_UNSUPPORTED;
    int64_t grain = (16 * 1024) / cols > 0 ? (16 * 1024) / cols : 1;
    return slim_parallel_for(threads, rows, grain, optimize_range, &j);
}
