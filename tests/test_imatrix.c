/*
 * Importance matrices (slim_imatrix_*): the GGUF and legacy .dat files of
 * llama.cpp's imatrix tool for synth-llama-a agree, and quantizing that
 * model's F32 weights with them through slim_quantize gives exactly the
 * tensors of llama-quantize's Q4_K_M and IQ4_XS files made with the same
 * importance matrix (sha256 from the published .tsv). Then hostile files:
 * every truncation, bad counts and lengths, with the byte offset reported.
 */
#include "slim.h"
#include "tests/util.h"
#include "tests/util_sha256.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#define IMX_DIR "models/synth-llama-a/imatrix/"
#define GGUF_DIR "models/synth-llama-a/gguf/"

static char *data_file(const char *rel)
{
    const char *dir = test_data_dir();
    if (!dir)
        return NULL;
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    return path;
}

static slim_imatrix *open_imx(const char *rel)
{
    slim_imatrix *m = NULL;
    slim_parse_error pe;
    slim_error e = slim_imatrix_open(data_file(rel), &m, &pe);
    cr_assert_eq(e, SLIM_OK, "%s: %s at %llu", rel, pe.reason, (unsigned long long)pe.offset);
    return m;
}

Test(imatrix, gguf_and_dat_agree)
{
    if (!test_data_dir())
        cr_skip_test("shared data absent (../shared/data)");
    slim_imatrix *g = open_imx(IMX_DIR "synth-llama-a.imatrix.gguf");
    slim_imatrix *d = open_imx(IMX_DIR "synth-llama-a.imatrix.dat");
    cr_assert_eq(slim_imatrix_count(g), 14);
    cr_assert_eq(slim_imatrix_count(d), 14);
    cr_assert(!slim_imatrix_is_legacy(g) && slim_imatrix_is_legacy(d));
    cr_assert_eq(slim_imatrix_chunk_count(g), 93);
    cr_assert_eq(slim_imatrix_chunk_count(d), 93);
    cr_assert_eq(slim_imatrix_dataset_count(g), 1);
    cr_assert_str_eq(slim_imatrix_dataset(g, 0), "imatrix/calib-en-bible-20k.txt");
    double worst = 0;
    for (size_t i = 0; i < 14; i++) {
        const slim_imatrix_entry *a = slim_imatrix_at(g, i), *b = slim_imatrix_at(d, i);
        cr_assert_str_eq(a->name, b->name);
        cr_assert_eq(a->n_values, b->n_values);
        cr_assert_eq(a->n_experts, 1);
        cr_assert_eq(slim_imatrix_find(g, a->name), a);
        for (int64_t k = 0; k < a->n_values; k++) {
            cr_assert_gt(a->values[k], 0.0f);
            double rel = fabs((double)a->values[k] - b->values[k]) / a->values[k];
            if (rel > worst)
                worst = rel;
        }
    }
    /* the .dat stores sum/count*ncall; dividing by ncall again rounds */
    cr_expect_lt(worst, 1e-6, "largest relative difference %g", worst);
    cr_assert_eq(slim_imatrix_find(g, "blk.1.ffn_down.weight")->n_values, 768);
    cr_assert_null(slim_imatrix_find(g, "output.weight"));
    slim_imatrix_close(g);
    slim_imatrix_close(d);
}

/* The F32 model llama-quantize started from (zstd-compressed GGUF). */
static void *load_f32_model(size_t *size)
{
    size_t zsize = 0;
    void *z = test_read_file(data_file(GGUF_DIR "synth-llama-a-F32.gguf.zst"), &zsize);
    cr_assert(z);
    unsigned long long n = ZSTD_getFrameContentSize(z, zsize);
    cr_assert(n != ZSTD_CONTENTSIZE_ERROR && n != ZSTD_CONTENTSIZE_UNKNOWN && n < (1u << 30));
    void *raw = malloc(n);
    cr_assert(raw);
    cr_assert_eq(ZSTD_decompress(raw, n, z, zsize), n);
    free(z);
    *size = n;
    return raw;
}

/* Quantizes every tensor listed in the .tsv as llama-quantize did and
 * compares digests; returns the number of quantized tensors checked. */
static int check_tsv(const slim_gguf *model, const slim_imatrix *imx, const char *tsv)
{
    FILE *f = fopen(data_file(tsv), "r");
    cr_assert(f, "%s", tsv);
    char line[1024];
    int checked = 0;
    while (fgets(line, sizeof line, f)) {
        char *col[10], *save = NULL, *p = line;
        int nc = 0;
        for (; nc < 10 && (col[nc] = strtok_r(p, "\t\n", &save)) != NULL; nc++)
            p = NULL;
        if (nc < 10 || strcmp(col[0], "idx") == 0)
            continue;
        slim_type type = (slim_type)atoi(col[3]);
        const slim_type_info *ti = slim_type_get(type);
        if (!ti || !ti->is_quantized)
            continue;
        const slim_gguf_tensor *t = slim_gguf_find_tensor(model, col[1]);
        cr_assert(t && t->type == SLIM_TYPE_F32, "%s", col[1]);
        size_t row;
        cr_assert_eq(slim_row_size(type, t->ne[0], &row), SLIM_OK);
        size_t bytes = row * (size_t)t->ne[1];
        cr_assert_eq((unsigned long long)bytes, strtoull(col[8], NULL, 10), "%s", col[1]);
        void *dst = malloc(bytes);
        const slim_imatrix_entry *e = slim_imatrix_find(imx, col[1]);
        const float *w = e && e->n_values == t->ne[0] ? e->values : NULL;
        cr_assert_eq(slim_quantize(type, t->data, dst, t->ne[1], t->ne[0], w, 1, NULL), SLIM_OK);
        char hex[65];
        test_sha256_hex(dst, bytes, hex);
        cr_expect_str_eq(hex, col[9], "%s: %s as %s differs from llama-quantize", tsv, col[1],
                         ti->name);
        free(dst);
        checked++;
    }
    fclose(f);
    return checked;
}

Test(imatrix, quantize_like_llama_quantize)
{
    if (!test_data_dir())
        cr_skip_test("shared data absent (../shared/data)");
    size_t size;
    void *raw = load_f32_model(&size);
    slim_gguf *model = NULL;
    cr_assert_eq(slim_gguf_parse(raw, size, &model, NULL), SLIM_OK);
    static const char *const forms[] = { IMX_DIR "synth-llama-a.imatrix.gguf",
                                         IMX_DIR "synth-llama-a.imatrix.dat" };
    for (int k = 0; k < 2; k++) {
        slim_imatrix *imx = open_imx(forms[k]);
        cr_expect_eq(check_tsv(model, imx, GGUF_DIR "synth-llama-a-Q4_K_M-imatrix.tsv"), 16);
        cr_expect_eq(check_tsv(model, imx, GGUF_DIR "synth-llama-a-IQ4_XS-imatrix.tsv"), 16);
        slim_imatrix_close(imx);
    }
    slim_gguf_close(model);
    free(raw);
}

/* ---- hostile files ---- */

static void put32(uint8_t **p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        *(*p)++ = (uint8_t)(v >> (8 * i));
}

static size_t make_dat(uint8_t *buf, int32_t n, int32_t len, int32_t ncall, int32_t nval,
                       int trailer)
{
    uint8_t *p = buf;
    put32(&p, (uint32_t)n);
    put32(&p, (uint32_t)len);
    memcpy(p, "blk.0.attn_q.weight", 19);
    p += 19;
    put32(&p, (uint32_t)ncall);
    put32(&p, (uint32_t)nval);
    for (int i = 0; i < 4; i++) {
        float v = 2.0f * (float)(i + 1);
        memcpy(p, &v, 4);
        p += 4;
    }
    if (trailer) {
        put32(&p, 7);
        put32(&p, 4);
        memcpy(p, "data", 4);
        p += 4;
    }
    return (size_t)(p - buf);
}

Test(imatrix, legacy_by_hand)
{
    uint8_t buf[256];
    size_t n = make_dat(buf, 1, 19, 2, 4, 1);
    slim_imatrix *m = NULL;
    slim_parse_error pe;
    cr_assert_eq(slim_imatrix_parse(buf, n, &m, &pe), SLIM_OK);
    const slim_imatrix_entry *e = slim_imatrix_find(m, "blk.0.attn_q.weight");
    cr_assert(e && e->n_values == 4);
    cr_assert_eq(e->values[0], 1.0f);   /* 2 / ncall 2 */
    cr_assert_eq(e->values[3], 4.0f);
    cr_assert_eq(slim_imatrix_chunk_count(m), 7);
    cr_assert_str_eq(slim_imatrix_dataset(m, 0), "data");
    slim_imatrix_close(m);

    /* every truncation fails cleanly; the ones inside an entry say where */
    for (size_t k = 0; k < n; k++) {
        slim_error e2 = slim_imatrix_parse(buf, k, &m, &pe);
        size_t entry_end = 4 + 4 + 19 + 8 + 16;
        if (k == entry_end || k == entry_end + 4) {
            /* no trailer, or a chunk count alone, is fine (as in llama.cpp) */
            cr_assert_eq(e2, SLIM_OK, "cut at %zu", k);
            slim_imatrix_close(m);
            continue;
        }
        cr_assert_neq(e2, SLIM_OK, "cut at %zu", k);
        cr_assert_null(m);
        cr_assert(pe.reason);
        cr_assert_leq(pe.offset, k);
    }
    struct { int32_t n, len, nval; slim_error want; uint64_t at; } bad[] = {
        { 0, 19, 4, SLIM_ERR_CORRUPT, 0 },
        { -5, 19, 4, SLIM_ERR_CORRUPT, 0 },
        { 1000000, 19, 4, SLIM_ERR_TOO_LARGE, 0 },
        { 1, -1, 4, SLIM_ERR_CORRUPT, 4 },
        { 1, 0x7fffffff, 4, SLIM_ERR_TOO_LARGE, 4 },
        { 1, 19, 0, SLIM_ERR_CORRUPT, 31 },
        { 1, 19, 0x40000000, SLIM_ERR_TRUNCATED, 35 },
        { 2, 19, 4, SLIM_ERR_CORRUPT, 55 },   /* the trailer read as an entry: NUL in its name */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        n = make_dat(buf, bad[i].n, bad[i].len, 2, bad[i].nval, 1);
        slim_error e2 = slim_imatrix_parse(buf, n, &m, &pe);
        cr_expect_eq(e2, bad[i].want, "case %zu: %s", i, slim_strerror(e2));
        if (e2 == bad[i].want)
            cr_expect_eq(pe.offset, bad[i].at, "case %zu: offset %llu", i,
                         (unsigned long long)pe.offset);
        cr_assert_null(m);
    }
    /* Inf values are refused, as llama-quantize refuses them */
    n = make_dat(buf, 1, 19, 0, 4, 0);
    float inf = INFINITY;
    memcpy(buf + 35 + 4, &inf, 4);
    cr_expect_eq(slim_imatrix_parse(buf, n, &m, &pe), SLIM_ERR_NONFINITE);
    cr_expect_eq(pe.offset, 39);
}

Test(imatrix, gguf_hostile)
{
    if (!test_data_dir())
        cr_skip_test("shared data absent (../shared/data)");
    size_t size;
    uint8_t *raw = test_read_file(data_file(IMX_DIR "synth-llama-a.imatrix.gguf"), &size);
    cr_assert(raw);
    slim_imatrix *m = NULL;
    slim_parse_error pe;
    /* truncations: rejected by the GGUF reader (sampled: every 97th length;
     * the last 28 bytes are padding after the last tensor) */
    for (size_t k = 0; k < size - 28; k += 97)
        cr_assert_neq(slim_imatrix_parse(raw, k, &m, &pe), SLIM_OK, "cut at %zu", k);
    /* a count that is NaN is refused with its offset */
    slim_gguf *g = NULL;
    cr_assert_eq(slim_gguf_parse(raw, size, &g, NULL), SLIM_OK);
    const slim_gguf_tensor *c = slim_gguf_find_tensor(g, "blk.0.attn_k.weight.counts");
    uint64_t at = slim_gguf_data_offset(g) + c->offset;
    slim_gguf_close(g);
    float nan = NAN;
    memcpy(raw + at, &nan, 4);
    cr_assert_eq(slim_imatrix_parse(raw, size, &m, &pe), SLIM_ERR_NONFINITE);
    cr_assert_eq(pe.offset, at);
    /* a zero count gives weights of 1, as llama-quantize */
    float zero = 0;
    memcpy(raw + at, &zero, 4);
    cr_assert_eq(slim_imatrix_parse(raw, size, &m, &pe), SLIM_OK);
    const slim_imatrix_entry *e = slim_imatrix_find(m, "blk.0.attn_k.weight");
    cr_assert(e && e->values[0] == 1.0f && e->values[255] == 1.0f);
    slim_imatrix_close(m);
    free(raw);
}
