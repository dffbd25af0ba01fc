/*
 * Importance matrices written by llama.cpp's imatrix tool, read into the
 * per-column weights llama-quantize passes to the quantizers.
 *
 * The GGUF form stores, per tensor, the sums of squared activations
 * ("<name>.in_sum2", one row per expert) and how many activations were
 * summed ("<name>.counts", one per expert); llama-quantize divides them
 * (count rounded to an integer; a zero count gives weights of 1). The
 * legacy .dat form (imatrix_dat.c) stores already-averaged values scaled by
 * the call count. Both are turned into the same float values here, with
 * every size checked against the file before it is used.
 */
#include "formats/fmt_internal.h"
#include "formats/imatrix_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SUFFIX_SUMS   ".in_sum2"
#define SUFFIX_COUNTS ".counts"

slim_error imx_add(slim_imatrix *m, const char *name, size_t len, int64_t n_values,
                   int64_t n_experts, float **values)
{
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        slim_imatrix_entry *e = realloc(m->entries, cap * sizeof *e);
        if (!e)
            return SLIM_ERR_NOMEM;
        m->entries = e;
        m->cap = cap;
    }
    char *nm = malloc(len + 1);
    float *v = malloc((size_t)n_values * sizeof *v);
    if (!nm || !v) {
        free(nm);
        free(v);
        return SLIM_ERR_NOMEM;
    }
    memcpy(nm, name, len);
    nm[len] = '\0';
    m->entries[m->n++] = (slim_imatrix_entry){ nm, n_values, n_experts, v };
    *values = v;
    return SLIM_OK;
}

slim_error imx_add_dataset(slim_imatrix *m, const char *name, size_t len)
{
    char **d = realloc(m->datasets, (m->n_datasets + 1) * sizeof *d);
    if (!d)
        return SLIM_ERR_NOMEM;
    m->datasets = d;
    char *s = malloc(len + 1);
    if (!s)
        return SLIM_ERR_NOMEM;
    memcpy(s, name, len);
    s[len] = '\0';
    m->datasets[m->n_datasets++] = s;
    return SLIM_OK;
}

/* The tensor's name without `suffix`, or 0 if it does not end with it. */
static int strip_suffix(const char *name, const char *suffix, size_t *stem)
{
    size_t n = strlen(name), k = strlen(suffix);
    if (n <= k || strcmp(name + n - k, suffix) != 0)
        return 0;
    *stem = n - k;
    return 1;
}

/* The counts tensor that goes with sums tensor `sums` (stem bytes of name). */
static const slim_gguf_tensor *find_counts(const slim_gguf *g, const char *name, size_t stem)
{
    char buf[SLIM_GGUF_MAX_NAME + sizeof SUFFIX_COUNTS];
    memcpy(buf, name, stem);
    memcpy(buf + stem, SUFFIX_COUNTS, sizeof SUFFIX_COUNTS);
    return slim_gguf_find_tensor(g, buf);
}

/* llama-quantize rounds each count to an integer (lround) before dividing. */
static float rounded_count(float c)
{
    /* floats of 2^23 and more are integers already; lroundf is defined below */
    return fabsf(c) < 8388608.0f ? (float)lroundf(c) : c;
}

static slim_error add_gguf_entry(slim_imatrix *m, const slim_gguf *g,
                                 const slim_gguf_tensor *sums, size_t stem,
                                 slim_parse_error *where)
{
    uint64_t at = slim_gguf_data_offset(g) + sums->offset;
    const slim_gguf_tensor *counts = find_counts(g, sums->name, stem);
    if (!counts)
        return slim_fail(where, SLIM_ERR_NOT_FOUND, at, "in_sum2 tensor without its counts");
    uint64_t cat = slim_gguf_data_offset(g) + counts->offset;
    if (sums->type != SLIM_TYPE_F32)
        return slim_fail(where, SLIM_ERR_BAD_TYPE, at, "imatrix sums are not F32");
    if (counts->type != SLIM_TYPE_F32)
        return slim_fail(where, SLIM_ERR_BAD_TYPE, cat, "imatrix counts are not F32");
    /* sizes are validated by the GGUF reader: size == elements * 4 */
    int64_t nval = (int64_t)(sums->size / sizeof(float));
    int64_t ncounts = (int64_t)(counts->size / sizeof(float));
    if (nval < 1 || ncounts < 1 || nval % ncounts != 0)
        return slim_fail(where, SLIM_ERR_SHAPE, cat, "sums are not a whole row per count");
    int64_t ne0 = nval / ncounts;
    float *v;
    slim_error e = imx_add(m, sums->name, stem, nval, ncounts, &v);
    if (e)
        return slim_fail(where, e, at, "out of memory");
    const uint8_t *s = sums->data, *c = counts->data;
    for (int64_t j = 0; j < ncounts; j++) {
        float cnt;
        memcpy(&cnt, c + 4 * j, 4);
        if (!isfinite(cnt))
            return slim_fail(where, SLIM_ERR_NONFINITE, cat + 4 * (uint64_t)j,
                             "non-finite imatrix count");
        cnt = rounded_count(cnt);
        for (int64_t i = 0; i < ne0; i++) {
            float x;
            memcpy(&x, s + 4 * (j * ne0 + i), 4);
            float val = cnt > 0.0f ? x / cnt : 1.0f;
            if (!isfinite(val))
                return slim_fail(where, SLIM_ERR_NONFINITE, at + 4 * (uint64_t)(j * ne0 + i),
                                 "non-finite imatrix value");
            v[j * ne0 + i] = val;
        }
    }
    return SLIM_OK;
}

static slim_error read_gguf_meta(slim_imatrix *m, const slim_gguf *g, slim_parse_error *where)
{
    const slim_gguf_kv *kv = slim_gguf_find_kv(g, "imatrix.datasets");
    if (kv && kv->type == SLIM_GGUF_ARRAY && kv->elem_type == SLIM_GGUF_STRING) {
        for (uint64_t i = 0; i < kv->count; i++) {
            slim_string s;
            if (slim_gguf_kv_str(g, kv, i, &s) != SLIM_OK)
                return slim_fail(where, SLIM_ERR_CORRUPT, kv->offset, "bad dataset name");
            if (memchr(s.data, '\0', s.len))
                return slim_fail(where, SLIM_ERR_CORRUPT, kv->offset, "NUL in a dataset name");
            if (imx_add_dataset(m, s.data, s.len) != SLIM_OK)
                return slim_fail(where, SLIM_ERR_NOMEM, kv->offset, "out of memory");
        }
    }
    uint64_t chunks = 0;
    kv = slim_gguf_find_kv(g, "imatrix.chunk_count");
    if (kv && slim_gguf_kv_uint(g, kv, 0, &chunks) == SLIM_OK && chunks <= INT64_MAX)
        m->chunk_count = (int64_t)chunks;
    return SLIM_OK;
}

static slim_error parse_gguf(slim_imatrix *m, const void *data, size_t size,
                             slim_parse_error *where)
{
    slim_gguf *g = NULL;
    slim_error e = slim_gguf_parse(data, size, &g, where);
    if (e)
        return e;
    e = read_gguf_meta(m, g, where);
    uint64_t n = slim_gguf_tensor_count(g);
    for (uint64_t i = 0; i < n && !e; i++) {
        const slim_gguf_tensor *t = slim_gguf_tensor_at(g, i);
        size_t stem;
        if (strip_suffix(t->name, SUFFIX_SUMS, &stem)) {
            e = add_gguf_entry(m, g, t, stem, where);
        } else if (strip_suffix(t->name, SUFFIX_COUNTS, &stem)) {
            char buf[SLIM_GGUF_MAX_NAME + sizeof SUFFIX_SUMS];
            memcpy(buf, t->name, stem);
            memcpy(buf + stem, SUFFIX_SUMS, sizeof SUFFIX_SUMS);
            if (!slim_gguf_find_tensor(g, buf))
                e = slim_fail(where, SLIM_ERR_NOT_FOUND, slim_gguf_data_offset(g) + t->offset,
                              "counts tensor without its in_sum2");
        }
    }
    if (!e && m->n == 0)
        e = slim_fail(where, SLIM_ERR_NOT_FOUND, 0, "no imatrix entries in the file");
    slim_gguf_close(g);
    return e;
}

static int entry_cmp(const void *a, const void *b)
{
    return strcmp(((const slim_imatrix_entry *)a)->name, ((const slim_imatrix_entry *)b)->name);
}

slim_error slim_imatrix_parse(const void *data, size_t size, slim_imatrix **out,
                              slim_parse_error *where)
{
    slim_where_reset(where);
    if (!out || (!data && size > 0))
        return slim_where_done(where, SLIM_ERR_INVALID_ARG);
    *out = NULL;
    slim_imatrix *m = calloc(1, sizeof *m);
    if (!m)
        return slim_where_done(where, SLIM_ERR_NOMEM);
    slim_error e;
    if (size >= 4 && memcmp(data, "GGUF", 4) == 0) {
        e = parse_gguf(m, data, size, where);
    } else {
        m->legacy = 1;
        e = imx_parse_dat(m, data, size, where);
    }
    if (!e) {
        qsort(m->entries, m->n, sizeof *m->entries, entry_cmp);
        for (size_t i = 1; i < m->n && !e; i++)
            if (strcmp(m->entries[i - 1].name, m->entries[i].name) == 0)
                e = slim_fail(where, SLIM_ERR_DUPLICATE, 0, "a tensor appears twice");
    }
    if (e) {
        slim_imatrix_close(m);
        return slim_where_done(where, e);
    }
    *out = m;
    return SLIM_OK;
}

slim_error slim_imatrix_open(const char *path, slim_imatrix **out, slim_parse_error *where)
{
    slim_where_reset(where);
    if (!path || !out)
        return slim_where_done(where, SLIM_ERR_INVALID_ARG);
    *out = NULL;
    slim_map map;
    slim_error e = slim_map_open(path, &map);
    if (e)
        return slim_fail(where, e, 0, "cannot map the file");
    static const uint8_t empty[1];
    e = slim_imatrix_parse(map.data ? map.data : empty, map.size, out, where);
    slim_map_close(&map);
    return e;
}

void slim_imatrix_close(slim_imatrix *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++) {
        free((char *)m->entries[i].name);
        free((float *)m->entries[i].values);
    }
    for (size_t i = 0; i < m->n_datasets; i++)
        free(m->datasets[i]);
    free(m->datasets);
    free(m->entries);
    free(m);
}

size_t slim_imatrix_count(const slim_imatrix *m) { return m ? m->n : 0; }

const slim_imatrix_entry *slim_imatrix_at(const slim_imatrix *m, size_t i)
{
    return m && i < m->n ? &m->entries[i] : NULL;
}

const slim_imatrix_entry *slim_imatrix_find(const slim_imatrix *m, const char *name)
{
    if (!m || !name)
        return NULL;
    slim_imatrix_entry key = { name, 0, 0, NULL };
    return bsearch(&key, m->entries, m->n, sizeof *m->entries, entry_cmp);
}

int64_t slim_imatrix_chunk_count(const slim_imatrix *m) { return m ? m->chunk_count : 0; }

size_t slim_imatrix_dataset_count(const slim_imatrix *m) { return m ? m->n_datasets : 0; }

const char *slim_imatrix_dataset(const slim_imatrix *m, size_t i)
{
    return m && i < m->n_datasets ? m->datasets[i] : NULL;
}

int slim_imatrix_is_legacy(const slim_imatrix *m) { return m ? m->legacy : 0; }
