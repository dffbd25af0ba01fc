/*
 * Writing a conversion plan: metadata first, then each tensor streamed in
 * chunks of rows (source -> float32 -> output type, all threads on each
 * chunk), so memory holds one chunk however large the model is.
 */
#include "formats/convert_internal.h"
#include "formats/fmt_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CONV_CHUNK_BYTES ((size_t)64 << 20)

typedef struct conv_bufs {
    float   *f32;
    uint8_t *out;
    size_t   f32_cap, out_cap;
} conv_bufs;

static slim_error reserve(void **p, size_t *cap, size_t n)
{
    if (n <= *cap)
        return SLIM_OK;
    void *q = realloc(*p, n);
    if (!q)
        return SLIM_ERR_NOMEM;
    *p = q;
    *cap = n;
    return SLIM_OK;
}

/* Drops the mapped source pages of [p, p + n) from this process once
 * converted, so resident memory stays at a chunk however large the model:
 * the input is always a read-only file mapping (slim_convert_plan opens
 * paths only), so the pages stay in the page cache and would simply be read
 * again. Only whole pages inside the range are dropped. */
static void release_source(const void *p, uint64_t n)
{
    long pg = sysconf(_SC_PAGESIZE);
    if (pg <= 0 || n == 0)
        return;
    uintptr_t b = (uintptr_t)p, e = b + (uintptr_t)n, m = (uintptr_t)pg - 1;
    b = (b + m) & ~m;
    e &= ~m;
    if (e > b)
        madvise((void *)b, e - b, MADV_DONTNEED);
}

/* The source row that output row r comes from: convert_hf_to_gguf.py's
 * permute() regroups each head's rows from [2][hd/2] to [hd/2][2]. */
static int64_t source_row(const conv_tensor *t, int64_t rows, int64_t r)
{
    if (t->perm_heads <= 0)
        return r;
    int64_t hd = rows / t->perm_heads;
    int64_t h = r / hd, k = r % hd;
    return h * hd + (k % 2) * (hd / 2) + k / 2;
}

/* Output rows [r0, r0 + n) as float32 into b->f32. */
static slim_error load_rows(const conv_tensor *t, int64_t rows, int64_t cols, int64_t r0,
                            int64_t n, size_t src_row, float *dst, int threads)
{
    const uint8_t *src = t->data;
    slim_type st = t->pub.src_type;
    if (t->perm_heads <= 0) {
        if (st == SLIM_TYPE_F32) {
            memcpy(dst, src + (size_t)r0 * src_row, (size_t)n * src_row);
            return SLIM_OK;
        }
        return slim_dequantize(st, src + (size_t)r0 * src_row, dst, n, cols, threads);
    }
    for (int64_t i = 0; i < n; i++) {
        const uint8_t *row = src + (size_t)source_row(t, rows, r0 + i) * src_row;
        slim_error e = st == SLIM_TYPE_F32
                           ? (memcpy(dst + i * cols, row, src_row), SLIM_OK)
                           : slim_dequantize(st, row, dst + i * cols, 1, cols, 1);
        if (e)
            return e;
    }
    return SLIM_OK;
}

static slim_error write_tensor(slim_convert *c, uint64_t idx, slim_gguf_writer *w, conv_bufs *b,
                               uint64_t *done, slim_convert_progress_fn progress, void *pctx,
                               char *msg, size_t cap)
{
    const conv_tensor *t = &c->t[idx];
    const slim_convert_tensor *p = &t->pub;
    /* a permuted bias is a column of rows of one value */
    int bias = p->n_dims == 1 && t->perm_heads > 0;
    int64_t cols = bias ? 1 : p->ne[0];
    int64_t rows = bias ? p->ne[0] : 1;
    for (int i = 1; i < p->n_dims; i++)
        rows *= p->ne[i];
    size_t src_row, out_row;
    slim_error e;
    if ((e = slim_row_size(p->src_type, cols, &src_row)) || (e = slim_row_size(p->type, cols, &out_row)))
        return conv_fail(msg, cap, e, "tensor %s: bad row size", p->name);
    int raw = p->src_type == p->type && slim_type_get(p->type)->is_quantized;
    size_t per_row = raw ? out_row : (size_t)cols * sizeof(float) + out_row;
    int64_t chunk = (int64_t)(CONV_CHUNK_BYTES / per_row);
    if (chunk < 1)
        chunk = 1;
    if (chunk > rows)
        chunk = rows;
    if ((!raw && (e = reserve((void **)&b->f32, &b->f32_cap,
                              (size_t)chunk * (size_t)cols * sizeof(float)))) ||
        (e = reserve((void **)&b->out, &b->out_cap, (size_t)chunk * out_row)))
        return conv_fail(msg, cap, e, "tensor %s: no memory for a chunk", p->name);
    for (int64_t r0 = 0; r0 < rows; r0 += chunk) {
        int64_t n = rows - r0 < chunk ? rows - r0 : chunk;
        if (c->cancel && *c->cancel) {
            errno = EINTR;
            return conv_fail(msg, cap, SLIM_ERR_IO, "interrupted");
        }
        if (raw) {
            for (int64_t i = 0; i < n; i++)
                memcpy(b->out + (size_t)i * out_row,
                       (const uint8_t *)t->data + (size_t)source_row(t, rows, r0 + i) * src_row,
                       out_row);
        } else {
            if ((e = load_rows(t, rows, cols, r0, n, src_row, b->f32, c->threads)))
                return conv_fail(msg, cap, e, "tensor %s: cannot read: %s", p->name,
                                 slim_strerror(e));
            slim_position where = { 0, 0 };
            e = (c->optimize ? slim_quantize_optimized : slim_quantize)(
                    p->type, b->f32, b->out, n, cols, t->imatrix, c->threads, &where);
            if (e == SLIM_ERR_NONFINITE) {
                int64_t r = source_row(t, rows, r0 + where.row);
                return conv_fail(msg, cap, e, "tensor %s (%s) holds NaN or Inf at row %lld, "
                                 "column %lld", p->source, p->name,
                                                  (long long)(bias ? 0 : r), (long long)(bias ? r : where.col));
            }
            if (e)
                return conv_fail(msg, cap, e, "tensor %s: quantizing to %s: %s", p->name,
                                 slim_type_get(p->type)->name, slim_strerror(e));
        }
        if ((e = slim_gguf_writer_write(w, b->out, (size_t)n * out_row)))
            return conv_fail(msg, cap, e, "writing tensor %s: %s", p->name,
                             e == SLIM_ERR_IO ? strerror(errno) : slim_strerror(e));
        if (t->perm_heads <= 0 && !t->generated)
            release_source((const uint8_t *)t->data + (size_t)r0 * src_row, (uint64_t)n * src_row);
        *done += (uint64_t)n * src_row;
        if (progress)
            progress(pctx, idx, *done, c->info.src_bytes);
    }
    if (!t->generated)
        release_source(t->data, p->src_bytes);
    return SLIM_OK;
}

/* llama-quantize keeps every entry but the split keys, and sets the
 * quantization version and file type anew (at the end). */
static slim_error copy_gguf_kvs(const slim_convert *c, slim_gguf_writer *w)
{
    const slim_gguf *g = slim_gguf_split_file(c->gg, 0);
    for (uint64_t i = 0; i < slim_gguf_kv_count(g); i++) {
        const slim_gguf_kv *kv = slim_gguf_kv_at(g, i);
        const slim_string *k = &kv->key;
        if ((k->len == 17 && !memcmp(k->data, "general.file_type", 17)) ||
            (k->len == 28 && !memcmp(k->data, "general.quantization_version", 28)) ||
            (k->len > 6 && !memcmp(k->data, "split.", 6)))
            continue;
        slim_error e = slim_gguf_writer_copy_kv(w, g, kv);
        if (e)
            return e;
    }
    return SLIM_OK;
}

/* What llama-quantize records of its importance matrix (strings cut at 127
 * bytes as its overrides are). */
static slim_error write_imatrix_kvs(const slim_convert *c, slim_gguf_writer *w)
{
    slim_string file = { c->im_path, strlen(c->im_path) > 127 ? 127 : strlen(c->im_path) };
    uint32_t n = (uint32_t)slim_imatrix_count(c->im);
    int64_t chunks = slim_imatrix_chunk_count(c->im);
    slim_error e = slim_gguf_writer_add_kv(w, "quantize.imatrix.file", SLIM_GGUF_STRING, &file);
    if (!e && slim_imatrix_dataset_count(c->im) > 0) {
        const char *d = slim_imatrix_dataset(c->im, 0);
        slim_string ds = { d, strlen(d) > 127 ? 127 : strlen(d) };
        e = slim_gguf_writer_add_kv(w, "quantize.imatrix.dataset", SLIM_GGUF_STRING, &ds);
    }
    if (!e)
        e = slim_gguf_writer_add_kv(w, "quantize.imatrix.entries_count", SLIM_GGUF_U32, &n);
    if (!e && chunks > 0) {
        uint32_t k = (uint32_t)chunks;
        e = slim_gguf_writer_add_kv(w, "quantize.imatrix.chunks_count", SLIM_GGUF_U32, &k);
    }
    return e;
}

static slim_error write_kvs(const slim_convert *c, slim_gguf_writer *w, char *msg, size_t cap)
{
    slim_error e = c->gg ? copy_gguf_kvs(c, w) : conv_write_hf_kvs(c, w);
    if (e)
        return conv_fail(msg, cap, e, "metadata: %s", slim_strerror(e));
    /* the converter writes the vocabulary after the hyperparameters */
    if (c->dir && !c->no_tokenizer &&
        (e = slim_gguf_writer_add_hf_tokenizer(w, c->dir, NULL, msg, cap)))
        return e;
    if (c->style == CONV_STYLE_CONVERT)
        return SLIM_OK;
    uint32_t qv = 2, ft = c->info.file_type;
    if ((e = slim_gguf_writer_add_kv(w, "general.quantization_version", SLIM_GGUF_U32, &qv)) ||
        (e = slim_gguf_writer_add_kv(w, "general.file_type", SLIM_GGUF_U32, &ft)))
        return conv_fail(msg, cap, e, "metadata: %s", slim_strerror(e));
    if (c->im && (e = write_imatrix_kvs(c, w)))
        return conv_fail(msg, cap, e, "metadata: %s", slim_strerror(e));
    return SLIM_OK;
}

slim_error slim_convert_write(slim_convert *c, const char *out_path,
                              slim_convert_progress_fn progress, void *progress_ctx,
                              char *msg, size_t msg_cap)
{
    if (msg && msg_cap)
        msg[0] = 0;
    if (!c || !out_path)
        return SLIM_ERR_INVALID_ARG;
    slim_gguf_writer *w = NULL;
    slim_error e = slim_gguf_writer_open(out_path, &w);
    if (e)
        return conv_fail(msg, msg_cap, e, "%s: cannot create: %s", out_path, slim_strerror(e));
    if ((e = write_kvs(c, w, msg, msg_cap))) {
        if (msg && msg_cap && !msg[0])
            conv_fail(msg, msg_cap, e, "metadata: %s", slim_strerror(e));
        goto fail;
    }
    for (uint64_t i = 0; i < c->n; i++) {
        const slim_convert_tensor *p = &c->t[i].pub;
        if ((e = slim_gguf_writer_add_tensor(w, p->name, p->type, p->n_dims, p->ne))) {
            conv_fail(msg, msg_cap, e, "tensor %s: %s", p->name, slim_strerror(e));
            goto fail;
        }
    }
    conv_bufs b = { 0 };
    uint64_t done = 0;
    for (uint64_t i = 0; i < c->n && !e; i++)
        e = write_tensor(c, i, w, &b, &done, progress, progress_ctx, msg, msg_cap);
    free(b.f32);
    free(b.out);
    if (e)
        goto fail;
    e = slim_gguf_writer_finish(w);
    if (e)
        return conv_fail(msg, msg_cap, e, "%s: finishing: %s", out_path,
                         e == SLIM_ERR_IO ? strerror(errno) : slim_strerror(e));
    return SLIM_OK;
fail:
    slim_gguf_writer_abort(w);
    return e;
}
