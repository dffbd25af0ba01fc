/*
 * slim_tokfile_merge: joins token files of one format in order. Every
 * input is hostile: npy headers and Megatron indexes are parsed with
 * checked arithmetic and their counts checked against the file sizes
 * before anything is copied.
 */
#include "formats/fmt_internal.h"
#include "formats/tokfile.h"

#include <stdlib.h>
#include <string.h>

typedef struct merge {
    slim_parse_error *where;
    size_t file;
} merge;

static slim_error bad(merge *mg, slim_error e, uint64_t off, const char *why)
{
    if (mg->where)
        mg->where->file = (int)(mg->file < INT32_MAX ? mg->file : INT32_MAX);
    return slim_fail(mg->where, e, off, why);
}

/* ---- npy ---- */

typedef struct npy_info {
    char descr[8];
    uint64_t n, data_off;
} npy_info;

/* The 1-D shape and descr of an npy file (format 1.x or 2.x). */
static slim_error npy_parse(merge *mg, const slim_map *m, npy_info *out)
{
    const uint8_t *d = m->data;
    if (m->size < 10 || memcmp(d, "\x93NUMPY", 6) != 0)
        return bad(mg, SLIM_ERR_BAD_MAGIC, 0, "not an npy file");
    uint64_t hl, start;
    if (d[6] == 1) {
        hl = slim_le16(d + 8);
        start = 10;
    } else if (d[6] == 2 || d[6] == 3) {
        if (m->size < 12)
            return bad(mg, SLIM_ERR_TRUNCATED, 8, "header cut short");
        hl = slim_le32(d + 8);
        start = 12;
    } else {
        return bad(mg, SLIM_ERR_BAD_VERSION, 6, "unknown npy version");
    }
    if (hl > m->size - start)
        return bad(mg, SLIM_ERR_TRUNCATED, 8, "header longer than the file");
    if (hl > 4096)
        return bad(mg, SLIM_ERR_TOO_LARGE, 8, "header over 4 KiB");
    char h[4097];
    memcpy(h, d + start, (size_t)hl);
    h[hl] = 0;
    const char *p = strstr(h, "'descr':");
    const char *q = p ? strchr(p + 8, '\'') : NULL;
    const char *e = q ? strchr(q + 1, '\'') : NULL;
    if (!e || e - q - 1 >= (long)sizeof out->descr)
        return bad(mg, SLIM_ERR_CORRUPT, start, "no descr in the header");
    memcpy(out->descr, q + 1, (size_t)(e - q - 1));
    out->descr[e - q - 1] = 0;
    if (strcmp(out->descr, "<u2") && strcmp(out->descr, "<u4") && strcmp(out->descr, "<i4") &&
        strcmp(out->descr, "|u1") && strcmp(out->descr, "<i8") && strcmp(out->descr, "<u8") &&
        strcmp(out->descr, "<i2"))
        return bad(mg, SLIM_ERR_BAD_TYPE, start, "not a little-endian integer array");
    if (strstr(h, "'fortran_order': True"))
        return bad(mg, SLIM_ERR_UNSUPPORTED, start, "Fortran order");
    p = strstr(h, "'shape': (");
    if (!p)
        return bad(mg, SLIM_ERR_CORRUPT, start, "no shape in the header");
    p += 10;
    uint64_t n = 0;
    int digits = 0;
    for (; *p >= '0' && *p <= '9'; p++, digits++)
        if (!slim_mul_u64(n, 10, &n) || !slim_add_u64(n, (uint64_t)(*p - '0'), &n))
            return bad(mg, SLIM_ERR_OVERFLOW, start, "shape too large");
    if (!digits || p[0] != ',' || p[1] != ')')
        return bad(mg, SLIM_ERR_UNSUPPORTED, start, "not a 1-D array");
    uint64_t item = (uint64_t)(out->descr[2] - '0'), bytes;
    if (!slim_mul_u64(n, item, &bytes) || bytes != m->size - start - hl)
        return bad(mg, SLIM_ERR_TRUNCATED, start + hl, "data size differs from the shape");
    out->n = n;
    out->data_off = start + hl;
    return SLIM_OK;
}

/* ---- Megatron ---- */

typedef struct mmidx {
    slim_map idx, bin;
    uint8_t code;
    uint64_t item, seqs, docs; /* docs: entries of the document index (documents + 1) */
    uint64_t tokens;
    const uint8_t *lens, *ptrs, *doc_idx;
} mmidx;

static uint64_t megatron_item(uint8_t code)
{
    static const uint8_t sizes[9] = { 0, 1, 1, 2, 4, 8, 8, 4, 2 };
    return code < 9 ? sizes[code] : 0;
}

static char *with_ext(const char *prefix, const char *ext)
{
    size_t n = strlen(prefix);
    char *s = malloc(n + 5);
    if (s) {
        memcpy(s, prefix, n);
        memcpy(s + n, ext, 5);
    }
    return s;
}

static slim_error map_ext(const char *prefix, const char *ext, slim_map *m)
{
    char *path = with_ext(prefix, ext);
    if (!path)
        return SLIM_ERR_NOMEM;
    slim_error e = slim_map_open(path, m);
    free(path);
    return e;
}

static slim_error megatron_parse(merge *mg, const char *prefix, mmidx *x)
{
    memset(x, 0, sizeof *x);
    slim_error e = map_ext(prefix, ".idx", &x->idx);
    if (!e)
        e = map_ext(prefix, ".bin", &x->bin);
    if (e)
        return bad(mg, e, 0, "cannot read the .idx or .bin file");
    const uint8_t *d = x->idx.data;
    size_t size = x->idx.size;
    if (size < TOKFILE_MEGATRON_HEAD || memcmp(d, TOKFILE_MEGATRON_MAGIC, 9) != 0)
        return bad(mg, SLIM_ERR_BAD_MAGIC, 0, "not an MMIDIDX index");
    if (slim_le64(d + 9) != 1)
        return bad(mg, SLIM_ERR_BAD_VERSION, 9, "index version is not 1");
    x->code = d[17];
    x->item = megatron_item(x->code);
    if (!x->item)
        return bad(mg, SLIM_ERR_BAD_TYPE, 17, "unknown dtype code");
    x->seqs = slim_le64(d + 18);
    x->docs = slim_le64(d + 26);
    uint64_t need, t;
    if (!slim_mul_u64(x->seqs, 12, &need) || !slim_mul_u64(x->docs, 8, &t) ||
        !slim_add_u64(need, t, &need) || !slim_add_u64(need, TOKFILE_MEGATRON_HEAD, &need))
        return bad(mg, SLIM_ERR_OVERFLOW, 18, "counts overflow");
    if (need != size)
        return bad(mg, need > size ? SLIM_ERR_TRUNCATED : SLIM_ERR_CORRUPT, 18,
                   "index size differs from its counts (multimodal indexes are not supported)");
    if (x->docs < 1)
        return bad(mg, SLIM_ERR_CORRUPT, 26, "empty document index");
    x->lens = d + TOKFILE_MEGATRON_HEAD;
    x->ptrs = x->lens + 4 * x->seqs;
    x->doc_idx = x->ptrs + 8 * x->seqs;
    uint64_t ptr = 0;
    for (uint64_t i = 0; i < x->seqs; i++) {
        uint32_t len = slim_le32(x->lens + 4 * i);
        if (len > INT32_MAX)
            return bad(mg, SLIM_ERR_CORRUPT, (uint64_t)(x->lens - d) + 4 * i, "negative length");
        if (slim_le64(x->ptrs + 8 * i) != ptr)
            return bad(mg, SLIM_ERR_BAD_OFFSET, (uint64_t)(x->ptrs - d) + 8 * i,
                       "sequence pointer out of order");
        ptr += (uint64_t)len * x->item; /* < 2^31 * 8 per step, 2^64 never reached below */
        x->tokens += len;
        if (ptr > x->bin.size)
            return bad(mg, SLIM_ERR_TRUNCATED, (uint64_t)(x->ptrs - d) + 8 * i,
                       "sequences past the end of the .bin file");
    }
    if (ptr != x->bin.size)
        return bad(mg, SLIM_ERR_CORRUPT, 0, ".bin size differs from the index");
    uint64_t prev = 0;
    for (uint64_t i = 0; i < x->docs; i++) {
        uint64_t v = slim_le64(x->doc_idx + 8 * i);
        if ((i == 0 && v != 0) || v < prev || v > x->seqs || (i + 1 == x->docs && v != x->seqs))
            return bad(mg, SLIM_ERR_CORRUPT, (uint64_t)(x->doc_idx - d) + 8 * i,
                       "bad document index");
        prev = v;
    }
    return SLIM_OK;
}

static void mmidx_close(mmidx *x)
{
    slim_map_close(&x->idx);
    slim_map_close(&x->bin);
}

static slim_error put64(slim_outfile *f, uint64_t v)
{
    uint8_t b[8];
    slim_put_le64(b, v);
    return slim_outfile_write(f, b, 8);
}

static slim_error merge_megatron(merge *mg, const char *const *in, size_t n, const char *out,
                                 slim_batch_stats *st)
{
    mmidx *x = calloc(n, sizeof *x);
    if (!x)
        return SLIM_ERR_NOMEM;
    slim_error e = SLIM_OK;
    uint64_t seqs = 0, docs = 1, tokens = 0;
    for (size_t i = 0; i < n && !e; i++) {
        mg->file = i;
        e = megatron_parse(mg, in[i], &x[i]);
        if (!e && x[i].code != x[0].code)
            e = bad(mg, SLIM_ERR_BAD_TYPE, 17, "dtype differs from the first input");
        seqs += x[i].seqs;
        docs += x[i].docs - 1;
        tokens += x[i].tokens;
    }
    slim_outfile bin = {0}, idx = {0};
    char *bin_path = with_ext(out, ".bin"), *idx_path = with_ext(out, ".idx");
    if (!e)
        e = bin_path && idx_path ? slim_outfile_open(&bin, bin_path) : SLIM_ERR_NOMEM;
    if (!e)
        e = slim_outfile_open(&idx, idx_path);
    for (size_t i = 0; i < n && !e; i++)
        e = slim_outfile_write(&bin, x[i].bin.data, x[i].bin.size);
    if (!e)
        e = slim_outfile_write(&idx, TOKFILE_MEGATRON_MAGIC, 9);
    if (!e)
        e = put64(&idx, 1);
    if (!e)
        e = slim_outfile_write(&idx, &x[0].code, 1);
    if (!e)
        e = put64(&idx, seqs);
    if (!e)
        e = put64(&idx, docs);
    for (size_t i = 0; i < n && !e; i++)
        e = slim_outfile_write(&idx, x[i].lens, 4 * x[i].seqs);
    uint64_t ptr = 0;
    for (size_t i = 0; i < n && !e; i++) {
        for (uint64_t k = 0; k < x[i].seqs && !e; k++) {
            e = put64(&idx, ptr);
            ptr += (uint64_t)slim_le32(x[i].lens + 4 * k) * x[i].item;
        }
    }
    if (!e)
        e = put64(&idx, 0);
    uint64_t base = 0;
    for (size_t i = 0; i < n && !e; i++) {
        for (uint64_t k = 1; k < x[i].docs && !e; k++)
            e = put64(&idx, base + slim_le64(x[i].doc_idx + 8 * k));
        base += x[i].seqs;
    }
    for (size_t i = 0; i < n; i++)
        mmidx_close(&x[i]);
    free(x);
    if (!e)
        e = slim_outfile_commit(&bin);
    if (!e)
        e = slim_outfile_commit(&idx);
    slim_outfile_abort(&bin);
    slim_outfile_abort(&idx);
    if (!e && st) {
        st->documents = docs - 1;
        st->tokens = tokens;
    }
    char *paths[2] = { bin_path, idx_path };
    if (!e && st) {
        st->outputs = calloc(2, sizeof *st->outputs);
        if (!st->outputs)
            e = SLIM_ERR_NOMEM;
        for (int k = 0; k < 2 && !e; k++) {
            slim_batch_output *o = &st->outputs[st->n_outputs++];
            o->path = paths[k];
            paths[k] = NULL;
            o->documents = docs - 1;
            o->tokens = tokens;
            e = tokfile_hash(o->path, &o->xxh3, &o->bytes);
        }
    }
    free(paths[0]);
    free(paths[1]);
    return e;
}

/* ---- bin and npy ---- */

static slim_error merge_flat(merge *mg, slim_tokfile_format format, const char *const *in,
                             size_t n, const char *out, slim_batch_stats *st)
{
    slim_outfile f;
    slim_error e = slim_outfile_open(&f, out);
    if (e)
        return e;
    npy_info first = {{0}, 0, 0};
    uint64_t total = 0;
    if (format == SLIM_TOKFILE_NPY) {
        /* Headers first: the merged one needs the total length. */
        for (size_t i = 0; i < n && !e; i++) {
            slim_map m;
            npy_info ni;
            mg->file = i;
            e = slim_map_open(in[i], &m);
            if (e) {
                e = bad(mg, e, 0, "cannot read");
                break;
            }
            e = npy_parse(mg, &m, &ni);
            slim_map_close(&m);
            if (!e && i == 0)
                first = ni;
            if (!e && strcmp(ni.descr, first.descr) != 0)
                e = bad(mg, SLIM_ERR_BAD_TYPE, 10, "dtype differs from the first input");
            if (!e && !slim_add_u64(total, ni.n, &total))
                e = bad(mg, SLIM_ERR_OVERFLOW, 10, "total length overflows");
        }
        if (!e) {
            uint8_t head[TOKFILE_NPY_HEADER];
            tokfile_npy_header(head, first.descr, total);
            e = slim_outfile_write(&f, head, sizeof head);
        }
    }
    for (size_t i = 0; i < n && !e; i++) {
        slim_map m;
        mg->file = i;
        e = slim_map_open(in[i], &m);
        if (e) {
            e = bad(mg, e, 0, "cannot read");
            break;
        }
        npy_info ni = {{0}, 0, 0};
        if (format == SLIM_TOKFILE_NPY)
            e = npy_parse(mg, &m, &ni); /* again: the file may have changed */
        if (!e)
            e = slim_outfile_write(&f, m.data + ni.data_off, m.size - ni.data_off);
        slim_map_close(&m);
    }
    if (!e)
        e = slim_outfile_commit(&f);
    slim_outfile_abort(&f);
    if (!e && st) {
        st->tokens = total;
        st->outputs = calloc(1, sizeof *st->outputs);
        char *p = strdup(out);
        if (!st->outputs || !p) {
            free(p);
            return SLIM_ERR_NOMEM;
        }
        st->outputs[0].path = p;
        st->outputs[0].tokens = total;
        st->n_outputs = 1;
        e = tokfile_hash(out, &st->outputs[0].xxh3, &st->outputs[0].bytes);
    }
    return e;
}

slim_error slim_tokfile_merge(slim_tokfile_format format, const char *const *inputs,
                              size_t n_inputs, const char *out, slim_batch_stats *stats,
                              slim_parse_error *where)
{
    slim_where_reset(where);
    if (stats)
        memset(stats, 0, sizeof *stats);
    if (!inputs || !n_inputs || !out || format == SLIM_TOKFILE_JSONL ||
        format > SLIM_TOKFILE_JSONL)
        return slim_where_done(where, SLIM_ERR_INVALID_ARG);
    merge mg = { where, 0 };
    slim_error e = format == SLIM_TOKFILE_MEGATRON
                       ? merge_megatron(&mg, inputs, n_inputs, out, stats)
                       : merge_flat(&mg, format, inputs, n_inputs, out, stats);
    if (e)
        slim_batch_stats_free(stats);
    return slim_where_done(where, e);
}
