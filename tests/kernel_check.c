/*
 * kernel-check: every vector kernel against its scalar reference, and the
 * references against ggml's own output.
 *
 * It walks the kernel registry (SLIM_KERNEL_TYPES), so a type is covered as
 * soon as it is registered. For each type and each path this CPU supports
 * whose lookup resolves to a kernel of that very path (not a fallback), it
 * compares quantized bytes and dequantized float bits with the _ref kernel:
 *   - on the shared ggml vectors (both sets, with and without imatrix);
 *   - on random rows of every kind in tests/util_gen.c, at lengths around
 *     the vector widths, with and without random importance weights;
 *   - with source and destination pointers offset by 0..3 bytes or floats,
 *     in allocations that end exactly where the data ends (ASan sees any
 *     read or write past the end);
 *   - dequantizing valid blocks (from the ref quantizer) and random bytes.
 * It also checks the refs byte for byte against ggml's .q/.imx.q files and
 * bit for bit against .deq.f32, and the NaN/Inf scans against theirs.
 *
 * Plain C and libslim-core only (no Criterion): the AArch64 build runs it
 * under qemu. The last line is always "N passed, N failed" (CI parses it);
 * the exit status is 1 if anything failed.
 *
 *   kernel-check [-v] [--quick] [--type NAME[,NAME...]] [--path NAME] [--seed N]
 */
#include "slim.h"
#include "simd/kernels.h"
#include "tests/util.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

typedef struct { const char *name; slim_type type; } ktype;
#define KTYPE(t, T) { #t, SLIM_TYPE_##T },
static const ktype ktypes[] = { SLIM_KERNEL_TYPES(KTYPE) };
#undef KTYPE
#define NKTYPES (sizeof ktypes / sizeof ktypes[0])

static struct {
    int verbose;
    int quick;
    uint64_t seed;
    const char *types;  /* comma-separated filter, or NULL for all */
    int path;           /* a single path to check, or -1 for all */
    int passed, failed;
} opt = { .seed = 1, .path = -1 };

/* ---- results: one per (type, path, check) ---- */

typedef struct {
    long cases, failures;
    char first[640]; /* the first failing case and where it differs */
} result;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void fail(result *r, const char *fmt, ...)
{
    if (r->failures++ == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->first, sizeof r->first, fmt, ap);
        va_end(ap);
    }
}

/* Counts and prints one result; a check that ran no case is not counted. */
static void report(const char *type, slim_path path, const char *check, const result *r)
{
    if (r->cases == 0)
        return;
    if (r->failures) {
        opt.failed++;
        printf("FAIL %s %s %s: %ld of %ld cases differ; first: %s\n", type,
               slim_path_name(path), check, r->failures, r->cases, r->first);
    } else {
        opt.passed++;
        if (opt.verbose)
            printf("ok   %s %s %s (%ld cases)\n", type, slim_path_name(path), check, r->cases);
    }
    fflush(stdout);
}

/* ---- comparisons ---- */

/* Writes where two quantized rows first differ into buf; 0 if equal. */
static int diff_bytes(const uint8_t *got, const uint8_t *want, size_t n, size_t block_bytes,
                      char *buf, size_t size)
{
    for (size_t i = 0; i < n; i++) {
        if (got[i] != want[i]) {
            snprintf(buf, size, "block %zu byte %zu: got 0x%02x want 0x%02x", i / block_bytes,
                     i % block_bytes, got[i], want[i]);
            return 1;
        }
    }
    return 0;
}

static uint32_t bits_of(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

/* Bitwise float comparison. nan_any: two NaNs are equal whatever their
 * payloads (for garbage input, where NaN payloads are not the contract). */
static int diff_floats(const float *got, const float *want, int64_t n, int nan_any,
                       char *buf, size_t size)
{
    for (int64_t i = 0; i < n; i++) {
        uint32_t g = bits_of(got[i]), w = bits_of(want[i]);
        if (g == w || (nan_any && isnan(got[i]) && isnan(want[i])))
            continue;
        snprintf(buf, size, "element %" PRId64 ": got %a (0x%08x) want %a (0x%08x)", i,
                 (double)got[i], g, (double)want[i], w);
        return 1;
    }
    return 0;
}

/*
 * A buffer whose data starts `off` bytes into an allocation that ends where
 * the data ends. Offsets make the data unaligned; the exact end lets ASan
 * catch any access past it.
 */
typedef struct { void *base; } xbuf;

static void *xbuf_get(xbuf *b, size_t off, size_t n)
{
    b->base = malloc(off + n > 0 ? off + n : 1);
    if (!b->base) {
        fprintf(stderr, "kernel-check: out of memory\n");
        exit(2);
    }
    return (uint8_t *)b->base + off;
}

static void xbuf_free(xbuf *b)
{
    free(b->base);
    b->base = NULL;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n > 0 ? n : 1);
    if (!p) {
        fprintf(stderr, "kernel-check: out of memory\n");
        exit(2);
    }
    return p;
}

/* ---- the kernels under test for one type ---- */

typedef struct {
    const ktype *kt;
    const slim_type_info *info;
    slim_quantize_row_fn qref;
    slim_dequantize_row_fn dref;
    /* Per vector path: its own kernel, or NULL when the path is not
     * supported here or resolves to a narrower path's kernel (that kernel
     * is checked under its own path). */
    slim_quantize_row_fn q[SLIM_PATH_COUNT];
    slim_dequantize_row_fn d[SLIM_PATH_COUNT];
} kernels;

static int path_selected(int p)
{
    return slim_path_supported((slim_path)p) && (opt.path < 0 || opt.path == p);
}

static void kernels_for(const ktype *kt, kernels *k)
{
    memset(k, 0, sizeof *k);
    k->kt = kt;
    k->info = slim_type_get(kt->type);
    k->qref = slim_quantize_kernel(kt->type, SLIM_PATH_SCALAR, NULL);
    k->dref = slim_dequantize_kernel(kt->type, SLIM_PATH_SCALAR, NULL);
    for (int p = SLIM_PATH_SCALAR + 1; p < SLIM_PATH_COUNT; p++) {
        if (!path_selected(p))
            continue;
        slim_path used = SLIM_PATH_SCALAR;
        slim_quantize_row_fn q = slim_quantize_kernel(kt->type, (slim_path)p, &used);
        if (q && used == (slim_path)p)
            k->q[p] = q;
        slim_dequantize_row_fn d = slim_dequantize_kernel(kt->type, (slim_path)p, &used);
        if (d && used == (slim_path)p)
            k->d[p] = d;
    }
}

/* ---- the shared ggml vectors ---- */

static test_quant_set sets[TEST_QUANT_SET_COUNT];
static int nsets;

/* Quantizes (with ref and every path) and dequantizes one set, with or
 * without its imatrix, and compares everything. */
static void shared_one(const kernels *k, const test_quant_set *s, int imx, result *ref_q,
                       result *ref_d, result *q, result *d)
{
    const slim_type_info *ti = k->info;
    if (s->cols % ti->block_size != 0)
        return;
    const size_t row_bytes = (size_t)(s->cols / ti->block_size) * ti->block_bytes;
    const size_t total = (size_t)s->rows * row_bytes;
    const float *qw = imx ? s->imatrix : NULL;
    const char *tag = imx ? " imx" : "";
    char where[256];

    uint8_t *want = xmalloc(total);
    for (int64_t r = 0; r < s->rows; r++)
        k->qref(s->x + r * s->cols, want + (size_t)r * row_bytes, s->cols, qw);

    size_t fsize = 0;
    uint8_t *file = test_quant_file(s->name, k->kt->name, imx ? ".imx.q" : ".q", &fsize);
    if (file && fsize != total) {
        ref_q->cases++;
        fail(ref_q, "%s%s: %s.q has %zu bytes, expected %zu", s->name, tag, k->kt->name,
             fsize, total);
    } else if (file) {
        for (int64_t r = 0; r < s->rows; r++) {
            ref_q->cases++;
            size_t o = (size_t)r * row_bytes;
            if (diff_bytes(want + o, file + o, row_bytes, ti->block_bytes, where, sizeof where))
                fail(ref_q, "%s%s row %" PRId64 ": %s (got = ref, want = ggml)", s->name, tag,
                     r, where);
        }
    }

    uint8_t *got = xmalloc(total);
    for (int p = 1; p < SLIM_PATH_COUNT; p++) {
        if (!k->q[p])
            continue;
        memset(got, 0x5a, total);
        for (int64_t r = 0; r < s->rows; r++)
            k->q[p](s->x + r * s->cols, got + (size_t)r * row_bytes, s->cols, qw);
        for (int64_t r = 0; r < s->rows; r++) {
            q[p].cases++;
            size_t o = (size_t)r * row_bytes;
            if (diff_bytes(got + o, want + o, row_bytes, ti->block_bytes, where, sizeof where))
                fail(&q[p], "%s%s row %" PRId64 ": %s", s->name, tag, r, where);
        }
    }
    free(got);

    /* Dequantize ggml's bytes when we have them (else the ref's). */
    const uint8_t *src = file && fsize == total ? file : want;
    const size_t nvals = (size_t)s->rows * (size_t)s->cols;
    float *dwant = xmalloc(nvals * sizeof(float));
    for (int64_t r = 0; r < s->rows; r++)
        k->dref(src + (size_t)r * row_bytes, dwant + r * s->cols, s->cols);
    size_t dsize = 0;
    float *dfile = test_quant_file(s->name, k->kt->name, imx ? ".imx.deq.f32" : ".deq.f32",
                                   &dsize);
    if (dfile && dsize != nvals * sizeof(float)) {
        ref_d->cases++;
        fail(ref_d, "%s%s: %s.deq.f32 has %zu bytes, expected %zu", s->name, tag,
             k->kt->name, dsize, nvals * sizeof(float));
    } else if (dfile) {
        for (int64_t r = 0; r < s->rows; r++) {
            ref_d->cases++;
            if (diff_floats(dwant + r * s->cols, dfile + r * s->cols, s->cols, 0, where,
                            sizeof where))
                fail(ref_d, "%s%s row %" PRId64 ": %s (got = ref, want = ggml)", s->name, tag,
                     r, where);
        }
    }
    float *dgot = xmalloc(nvals * sizeof(float));
    for (int p = 1; p < SLIM_PATH_COUNT; p++) {
        if (!k->d[p])
            continue;
        memset(dgot, 0xff, nvals * sizeof(float));
        for (int64_t r = 0; r < s->rows; r++)
            k->d[p](src + (size_t)r * row_bytes, dgot + r * s->cols, s->cols);
        for (int64_t r = 0; r < s->rows; r++) {
            d[p].cases++;
            if (diff_floats(dgot + r * s->cols, dwant + r * s->cols, s->cols, 0, where,
                            sizeof where))
                fail(&d[p], "%s%s row %" PRId64 ": %s", s->name, tag, r, where);
        }
    }
    free(dgot);
    free(dfile);
    free(dwant);
    free(file);
    free(want);
}

static void check_shared(const kernels *k)
{
    result ref_q = { 0 }, ref_d = { 0 }, q[SLIM_PATH_COUNT] = { { 0 } },
           d[SLIM_PATH_COUNT] = { { 0 } };
    for (int i = 0; i < nsets; i++)
        for (int imx = 0; imx < 2; imx++)
            shared_one(k, &sets[i], imx, &ref_q, &ref_d, q, d);
    const char *name = k->kt->name;
    report(name, SLIM_PATH_SCALAR, "ref-vs-ggml-quantize", &ref_q);
    report(name, SLIM_PATH_SCALAR, "ref-vs-ggml-dequantize", &ref_d);
    for (int p = 1; p < SLIM_PATH_COUNT; p++) {
        report(name, (slim_path)p, "quantize-shared", &q[p]);
        report(name, (slim_path)p, "dequantize-shared", &d[p]);
    }
}

/* ---- random data ---- */

/* Row lengths in blocks: around every plausible lane count (4, 8, 16 and
 * 32 blocks per iteration) and 0. Plain types (blocks of one value) go
 * further, since a vector holds 8 to 64 of them. */
static const int64_t block_counts[] = { 0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33 };
static const int64_t plain_counts[] = { 0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33,
                                        63, 64, 65, 100, 129 };

static uint64_t case_seed(const kernels *k, unsigned a, unsigned b, unsigned c, unsigned e)
{
    uint64_t s = opt.seed * 0x100000001B3ULL ^ (uint64_t)k->kt->type;
    s = s * 1000003u + a;
    s = s * 1000003u + b;
    s = s * 1000003u + c;
    s = s * 1000003u + e;
    return s;
}

typedef struct {
    const kernels *k;
    int64_t n;            /* values */
    size_t bytes;         /* quantized bytes */
    const float *x;       /* aligned input */
    const float *qw;      /* aligned weights or NULL */
    const uint8_t *want;  /* ref quantization of x */
    const float *dwant;   /* ref dequantization of want */
    char desc[200];       /* how to find the case again */
} rcase;

/* Runs quantize kernel `fn` on copies of the case's inputs placed at the
 * given offsets and compares with the ref's bytes. */
static void run_quantize(const rcase *c, slim_quantize_row_fn fn, unsigned offx, unsigned offw,
                         unsigned offy, result *r)
{
    xbuf bx, bw = { 0 }, by;
    float *x = xbuf_get(&bx, offx * sizeof(float), (size_t)c->n * sizeof(float));
    memcpy(x, c->x, (size_t)c->n * sizeof(float));
    float *w = NULL;
    if (c->qw) {
        w = xbuf_get(&bw, offw * sizeof(float), (size_t)c->n * sizeof(float));
        memcpy(w, c->qw, (size_t)c->n * sizeof(float));
    }
    uint8_t *y = xbuf_get(&by, offy, c->bytes);
    memset(y, 0x5a, c->bytes);
    fn(x, y, c->n, w);
    char where[200];
    r->cases++;
    if (diff_bytes(y, c->want, c->bytes, c->k->info->block_bytes, where, sizeof where))
        fail(r, "%s off x/w/y=%u/%u/%u: %s", c->desc, offx, offw, offy, where);
    xbuf_free(&by);
    xbuf_free(&bw);
    xbuf_free(&bx);
}

/* Dequantizes `src` (the case's ref bytes) with `fn` at the given offsets
 * and compares with `want`. */
static void run_dequantize(const rcase *c, slim_dequantize_row_fn fn, const uint8_t *src,
                           const float *want, int nan_any, unsigned offs, unsigned offd,
                           result *r)
{
    xbuf bs, bd;
    uint8_t *s = xbuf_get(&bs, offs, c->bytes);
    memcpy(s, src, c->bytes);
    float *d = xbuf_get(&bd, offd * sizeof(float), (size_t)c->n * sizeof(float));
    memset(d, 0xff, (size_t)c->n * sizeof(float));
    fn(s, d, c->n);
    char where[200];
    r->cases++;
    if (diff_floats(d, want, c->n, nan_any, where, sizeof where))
        fail(r, "%s off src/dst=%u/%u: %s", c->desc, offs, offd, where);
    xbuf_free(&bd);
    xbuf_free(&bs);
}

typedef struct {
    result q[SLIM_PATH_COUNT], d[SLIM_PATH_COUNT], bytes[SLIM_PATH_COUNT];
    result ref_unaligned;
} random_results;

static void random_case(const kernels *k, test_gen g, int64_t nb, test_qw m, int it,
                        uint64_t seed, random_results *res)
{
    const slim_type_info *ti = k->info;
    test_rng rng;
    test_rng_seed(&rng, seed);
    rcase c = { .k = k, .n = nb * ti->block_size, .bytes = (size_t)nb * ti->block_bytes };
    snprintf(c.desc, sizeof c.desc, "gen=%s blocks=%" PRId64 " qw=%s seed=%" PRIu64,
             test_gen_name(g), nb, test_qw_name(m), seed);

    float *x = xmalloc((size_t)c.n * sizeof(float));
    test_gen_fill(g, x, c.n, ti->block_size, &rng);
    float *qw = NULL;
    if (m != TEST_QW_NONE) {
        qw = xmalloc((size_t)c.n * sizeof(float));
        test_qw_fill(m, qw, c.n, ti->block_size, &rng);
    }
    uint8_t *want = xmalloc(c.bytes);
    memset(want, 0xa5, c.bytes);
    k->qref(x, want, c.n, qw);
    float *dwant = xmalloc((size_t)c.n * sizeof(float));
    k->dref(want, dwant, c.n);
    c.x = x;
    c.qw = qw;
    c.want = want;
    c.dwant = dwant;

    /* Offsets: the first iteration aligned, later ones random in 0..3. */
    unsigned ox = 0, ow = 0, oy = 0, os = 0, od = 0;
    if (it > 0) {
        ox = test_rng_below(&rng, 4);
        ow = test_rng_below(&rng, 4);
        oy = test_rng_below(&rng, 4);
        os = test_rng_below(&rng, 4);
        od = test_rng_below(&rng, 4);
    }
    for (int p = 1; p < SLIM_PATH_COUNT; p++) {
        if (k->q[p])
            run_quantize(&c, k->q[p], ox, ow, oy, &res->q[p]);
        if (k->d[p])
            run_dequantize(&c, k->d[p], want, dwant, 0, os, od, &res->d[p]);
    }
    /* The ref itself must not care about alignment either (the vector
     * kernels hand it their tails at any address). */
    if (it == 0) {
        unsigned o = 1 + test_rng_below(&rng, 3);
        run_quantize(&c, k->qref, o, 4 - o, o, &res->ref_unaligned);
        run_dequantize(&c, k->dref, want, dwant, 0, o, 4 - o, &res->ref_unaligned);
    }
    free(dwant);
    free(want);
    free(qw);
    free(x);
}

/* Dequantizing arbitrary bytes: valid for every type here (scales may be
 * NaN or Inf; then only "both NaN" is required, not equal payloads). */
static void random_bytes_case(const kernels *k, int64_t nb, uint64_t seed, random_results *res)
{
    const slim_type_info *ti = k->info;
    test_rng rng;
    test_rng_seed(&rng, seed);
    rcase c = { .k = k, .n = nb * ti->block_size, .bytes = (size_t)nb * ti->block_bytes };
    snprintf(c.desc, sizeof c.desc, "random bytes blocks=%" PRId64 " seed=%" PRIu64, nb, seed);
    uint8_t *src = xmalloc(c.bytes);
    test_rng_bytes(&rng, src, c.bytes);
    float *want = xmalloc((size_t)c.n * sizeof(float));
    k->dref(src, want, c.n);
    unsigned os = test_rng_below(&rng, 4), od = test_rng_below(&rng, 4);
    for (int p = 1; p < SLIM_PATH_COUNT; p++)
        if (k->d[p])
            run_dequantize(&c, k->d[p], src, want, 1, os, od, &res->bytes[p]);
    free(want);
    free(src);
}

static void check_random(const kernels *k)
{
    int any_vec = 0;
    for (int p = 1; p < SLIM_PATH_COUNT; p++)
        any_vec |= k->q[p] != NULL || k->d[p] != NULL;
    const int plain = k->info->block_size == 1;
    const int64_t *counts = plain ? plain_counts : block_counts;
    size_t ncounts = plain ? sizeof plain_counts / sizeof plain_counts[0]
                           : sizeof block_counts / sizeof block_counts[0];
    /* Super-blocks of 256 are slow to quantize with weights: stop at 17. */
    if (k->info->block_size >= 256)
        ncounts = 10;
    /* Without vector kernels only the ref's own alignment check runs. */
    const int iters = !any_vec ? 1 : opt.quick ? 2 : 3;

    random_results *res = calloc(1, sizeof *res);
    if (!res)
        exit(2);
    for (int g = 0; g < TEST_GEN_COUNT; g++)
        for (size_t ci = 0; ci < ncounts; ci++)
            for (int m = 0; m < TEST_QW_COUNT; m++)
                for (int it = 0; it < iters; it++)
                    random_case(k, (test_gen)g, counts[ci], (test_qw)m, it,
                                case_seed(k, (unsigned)g, (unsigned)ci, (unsigned)m,
                                          (unsigned)it),
                                res);
    if (any_vec)
        for (size_t ci = 0; ci < ncounts; ci++)
            for (int it = 0; it < 4 * iters; it++)
                random_bytes_case(k, counts[ci],
                                  case_seed(k, 1000, (unsigned)ci, 0, (unsigned)it), res);

    const char *name = k->kt->name;
    report(name, SLIM_PATH_SCALAR, "ref-unaligned", &res->ref_unaligned);
    for (int p = 1; p < SLIM_PATH_COUNT; p++) {
        report(name, (slim_path)p, "quantize-random", &res->q[p]);
        report(name, (slim_path)p, "dequantize-valid", &res->d[p]);
        report(name, (slim_path)p, "dequantize-random-bytes", &res->bytes[p]);
    }
    free(res);
}

/* ---- NaN/Inf scans ---- */

static float nonfinite_value(test_rng *r)
{
    static const uint32_t patterns[] = {
        0x7f800000u, 0xff800000u,             /* +Inf, -Inf */
        0x7fc00000u, 0xffc00000u,             /* quiet NaNs */
        0x7f800001u, 0x7fbfffffu,             /* signalling NaNs */
    };
    uint32_t b = test_rng_below(r, 4) == 0
                     ? 0x7f800000u | (uint32_t)(1 + test_rng_below(r, 0x7fffff)) |
                           (uint32_t)(test_rng_next(r) & 1) << 31
                     : patterns[test_rng_below(r, sizeof patterns / sizeof patterns[0])];
    float f;
    memcpy(&f, &b, 4);
    return f;
}

static float finite_edge_value(test_rng *r)
{
    static const uint32_t patterns[] = {
        0x7f7fffffu, 0xff7fffffu, /* +-FLT_MAX: exponent 0xfe */
        0x00000001u, 0x80000000u, 0x00000000u, 0x3f800000u,
    };
    if (test_rng_below(r, 3) == 0) {
        float f;
        memcpy(&f, &patterns[test_rng_below(r, sizeof patterns / sizeof patterns[0])], 4);
        return f;
    }
    return test_rng_gauss(r);
}

static void check_nonfinite(void)
{
    static const int64_t extra[] = { 127, 128, 129, 255, 256, 257, 1000, 4099 };
    const int iters = opt.quick ? 4 : 12;
    for (int p = 1; p < SLIM_PATH_COUNT; p++) {
        if (!path_selected(p))
            continue;
        slim_find_nonfinite_fn fn = slim_find_nonfinite_kernel((slim_path)p);
        if (!fn || fn == slim_find_nonfinite_ref)
            continue;
        result res = { 0 };
        const int nlen = 81 + (int)(sizeof extra / sizeof extra[0]);
        for (int li = 0; li < nlen; li++) {
            int64_t n = li < 81 ? li : extra[li - 81];
            for (int it = 0; it < iters; it++) {
                uint64_t seed = opt.seed * 7919u + (uint64_t)li * 1000u + (uint64_t)it;
                test_rng rng;
                test_rng_seed(&rng, seed);
                unsigned off = test_rng_below(&rng, 4);
                xbuf b;
                float *x = xbuf_get(&b, off * sizeof(float), (size_t)n * sizeof(float));
                for (int64_t i = 0; i < n; i++)
                    x[i] = finite_edge_value(&rng);
                /* 0, 1 or 2 bad values; the scan must find the first. */
                int bad = n > 0 ? (int)test_rng_below(&rng, 3) : 0;
                for (int j = 0; j < bad; j++)
                    x[test_rng_below(&rng, (uint32_t)n)] = nonfinite_value(&rng);
                int64_t want = slim_find_nonfinite_ref(x, n), got = fn(x, n);
                res.cases++;
                if (got != want)
                    fail(&res, "n=%" PRId64 " off=%u seed=%" PRIu64 ": got %" PRId64
                         " want %" PRId64, n, off, seed, got, want);
                xbuf_free(&b);
            }
        }
        report("-", (slim_path)p, "find-nonfinite", &res);
    }
}

/* ---- byte grouping (.slim archives) ---- */

/* Every vector grouping kernel against its ref, both directions, on
 * lengths around each path's vector width (16 to 64 elements), odd ones,
 * and unaligned buffers; ungroup(group(x)) must give x back. */
static void check_bytegroup(void)
{
    static const char *names[SLIM_BG_COUNT] = { "group2", "ungroup2", "group4", "ungroup4" };
    static const int64_t widths[] = { 8, 16, 32, 64 };
    const int iters = opt.quick ? 2 : 6;
    for (int p = 1; p < SLIM_PATH_COUNT; p++) {
        if (!path_selected(p))
            continue;
        for (int op = 0; op < SLIM_BG_COUNT; op++) {
            slim_bytegroup_fn fn = slim_bytegroup_kernel((slim_bytegroup_op)op, (slim_path)p);
            slim_bytegroup_fn ref = slim_bytegroup_kernel((slim_bytegroup_op)op, SLIM_PATH_SCALAR);
            slim_bytegroup_fn inv = slim_bytegroup_kernel((slim_bytegroup_op)(op ^ 1),
                                                          (slim_path)p);
            if (!fn || fn == ref)
                continue;
            const size_t w = op < SLIM_BG_GROUP4 ? 2 : 4;
            result res = { 0 };
            int64_t lens[64];
            int nl = 0;
            lens[nl++] = 0;
            lens[nl++] = 1;
            for (size_t k = 0; k < sizeof widths / sizeof widths[0]; k++) {
                lens[nl++] = widths[k] - 1;
                lens[nl++] = widths[k];
                lens[nl++] = widths[k] + 1;
                lens[nl++] = 3 * widths[k] + 7;
            }
            lens[nl++] = 1001;
            lens[nl++] = 4099;
            for (int li = 0; li < nl; li++) {
                const int64_t n = lens[li];
                for (int it = 0; it < iters; it++) {
                    uint64_t seed = opt.seed * 104729u + (uint64_t)op * 100000u +
                                    (uint64_t)li * 100u + (uint64_t)it;
                    test_rng rng;
                    test_rng_seed(&rng, seed);
                    unsigned off = test_rng_below(&rng, 8), off2 = test_rng_below(&rng, 8);
                    size_t bytes = (size_t)n * w;
                    xbuf bx, by, bz, bb;
                    uint8_t *x = xbuf_get(&bx, off, bytes);
                    uint8_t *want = xbuf_get(&by, off2, bytes);
                    uint8_t *got = xbuf_get(&bz, off2, bytes);
                    uint8_t *back = xbuf_get(&bb, off, bytes);
                    for (size_t i = 0; i < bytes; i++)
                        x[i] = (uint8_t)test_rng_next(&rng);
                    ref(x, want, n);
                    fn(x, got, n);
                    inv(got, back, n);
                    res.cases++;
                    if (bytes && memcmp(got, want, bytes))
                        fail(&res, "n=%" PRId64 " off=%u/%u seed=%" PRIu64 ": differs from ref",
                             n, off, off2, seed);
                    else if (bytes && memcmp(back, x, bytes))
                        fail(&res, "n=%" PRId64 " seed=%" PRIu64 ": inverse does not restore",
                             n, seed);
                    xbuf_free(&bx);
                    xbuf_free(&by);
                    xbuf_free(&bz);
                    xbuf_free(&bb);
                }
            }
            report("-", (slim_path)p, names[op], &res);
        }
    }
}

/* ---- main ---- */

static int type_selected(const char *name)
{
    if (!opt.types)
        return 1;
    const char *s = opt.types;
    size_t len = strlen(name);
    while (*s) {
        const char *e = strchr(s, ',');
        size_t l = e ? (size_t)(e - s) : strlen(s);
        if (l == len && strncasecmp(s, name, len) == 0)
            return 1;
        if (!e)
            break;
        s = e + 1;
    }
    return 0;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: kernel-check [-v] [--quick] [--type NAME[,NAME...]] [--path NAME] "
            "[--seed N]\n"
            "  Compares every vector kernel with its _ref, and the refs with ggml's\n"
            "  vectors in $SLIM_SHARED_DATA (default ../shared/data).\n");
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            opt.verbose = 1;
        } else if (!strcmp(a, "--quick")) {
            opt.quick = 1;
        } else if (!strcmp(a, "--type") && i + 1 < argc) {
            opt.types = argv[++i];
        } else if (!strcmp(a, "--seed") && i + 1 < argc) {
            opt.seed = strtoull(argv[++i], NULL, 0);
        } else if (!strcmp(a, "--path") && i + 1 < argc) {
            slim_path p;
            if (slim_path_from_name(argv[++i], &p) != SLIM_OK) {
                usage();
                return 2;
            }
            opt.path = (int)p;
        } else {
            usage();
            return 2;
        }
    }
    if (opt.path >= 0 && !slim_path_supported((slim_path)opt.path))
        printf("kernel-check: path %s is not supported on this CPU: only the refs are "
               "checked\n", slim_path_name((slim_path)opt.path));

    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);

    const char *dir = test_data_dir();
    for (int i = 0; i < TEST_QUANT_SET_COUNT; i++)
        if (test_quant_set_load(test_quant_set_names[i], &sets[nsets]))
            nsets++;
    char paths[128] = "";
    for (int p = 1; p < SLIM_PATH_COUNT; p++)
        if (path_selected(p))
            snprintf(paths + strlen(paths), sizeof paths - strlen(paths), " %s",
                     slim_path_name((slim_path)p));
    printf("kernel-check: %zu registered types; vector paths:%s; %s\n", NKTYPES,
           *paths ? paths : " none", opt.quick ? "quick" : "full");
    if (nsets == 0)
        printf("kernel-check: SKIP shared ggml vectors: none found under %s/quant "
               "(set SLIM_SHARED_DATA)\n",
               dir ? dir : (getenv("SLIM_SHARED_DATA") ? getenv("SLIM_SHARED_DATA")
                                                       : "../shared/data"));

    for (size_t t = 0; t < NKTYPES; t++) {
        if (!type_selected(ktypes[t].name))
            continue;
        kernels k;
        kernels_for(&ktypes[t], &k);
        if (!k.info || !k.qref || !k.dref) {
            result r = { .cases = 1 };
            fail(&r, "registered but the type table or the ref kernels are missing");
            report(ktypes[t].name, SLIM_PATH_SCALAR, "registry", &r);
            continue;
        }
        check_shared(&k);
        check_random(&k);
    }
    if (!opt.types) {
        check_nonfinite();
        check_bytegroup();
    }

    for (int i = 0; i < nsets; i++)
        test_quant_set_free(&sets[i]);
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (opt.verbose)
        printf("kernel-check: %.1f s\n",
               (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
    printf("%d passed, %d failed\n", opt.passed, opt.failed);
    return opt.failed ? 1 : 0;
}
