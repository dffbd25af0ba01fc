/*
 * Writing a conversion plan: metadata first, then each tensor streamed in
 * chunks of rows (source -> float32 -> output type, all threads on each
 * chunk), so memory holds one chunk however large the model is.
 */
#include "formats/convert_internal.h"
#include "formats/fmt_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CONV_CHUNK_BYTES ((size_t)64 << 20)

/* The output is written by a thread of its own while the next chunk is
 * converted: on this kind of machine copying into the page cache costs a
 * quarter of the time of quantizing, and done in turn it left the other
 * cores idle. One chunk is in flight at a time (two output banks); writes
 * keep their order. Without the thread (it could not be started) chunks are
 * written in turn. */
typedef struct conv_writer {
    pthread_mutex_t   mu;
    pthread_cond_t    cv;
    pthread_t         th;
    int               started, busy, quit;
    slim_gguf_writer *w;
    const uint8_t    *buf;
    size_t            len;
    const char       *name;     /* tensor of the chunk in flight */
    slim_error        err;      /* first failed write */
    int               err_no;
    const char       *err_name;
} conv_writer;

static void *writer_main(void *arg)
{
    conv_writer *a = arg;
    pthread_mutex_lock(&a->mu);
    for (;;) {
        while (!a->busy && !a->quit)
            pthread_cond_wait(&a->cv, &a->mu);
        if (!a->busy)
            break;
        pthread_mutex_unlock(&a->mu);
        slim_error e = a->err ? SLIM_OK : slim_gguf_writer_write(a->w, a->buf, a->len);
        int no = errno;
        pthread_mutex_lock(&a->mu);
        if (e && !a->err) {
            a->err = e;
            a->err_no = no;
            a->err_name = a->name;
        }
        a->busy = 0;
        pthread_cond_broadcast(&a->cv);
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

static void writer_start(conv_writer *a, slim_gguf_writer *w)
{
    memset(a, 0, sizeof *a);
    a->w = w;
    if (pthread_mutex_init(&a->mu, NULL))
        return;
    if (pthread_cond_init(&a->cv, NULL)) {
        pthread_mutex_destroy(&a->mu);
        return;
    }
    a->started = pthread_create(&a->th, NULL, writer_main, a) == 0;
    if (!a->started) {
        pthread_cond_destroy(&a->cv);
        pthread_mutex_destroy(&a->mu);
    }
}

/* Waits until no chunk is in flight; returns the first write error. */
static slim_error writer_wait(conv_writer *a)
{
    if (a->started) {
        pthread_mutex_lock(&a->mu);
        while (a->busy)
            pthread_cond_wait(&a->cv, &a->mu);
        pthread_mutex_unlock(&a->mu);
    }
    if (a->err)
        errno = a->err_no;
    return a->err;
}

static slim_error writer_put(conv_writer *a, const uint8_t *buf, size_t len, const char *name)
{
    slim_error e = writer_wait(a);
    if (e)
        return e;
    if (!a->started) {
        if ((e = slim_gguf_writer_write(a->w, buf, len))) {
            a->err = e;
            a->err_no = errno;
            a->err_name = name;
        }
        return e;
    }
    pthread_mutex_lock(&a->mu);
    a->buf = buf;
    a->len = len;
    a->name = name;
    a->busy = 1;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    return SLIM_OK;
}

/* Writes what is in flight and stops the thread; returns the first write error. */
static slim_error writer_stop(conv_writer *a)
{
    slim_error e = writer_wait(a);
    if (a->started) {
        pthread_mutex_lock(&a->mu);
        a->quit = 1;
        pthread_cond_broadcast(&a->cv);
        pthread_mutex_unlock(&a->mu);
        pthread_join(a->th, NULL);
        pthread_cond_destroy(&a->cv);
        pthread_mutex_destroy(&a->mu);
        a->started = 0;
    }
    if (a->err)
        errno = a->err_no;
    return e;
}

typedef struct conv_bufs {
    float       *f32;
    uint8_t     *out[2];    /* banks: one converted into, one being written */
    size_t       f32_cap, out_cap[2];
    int          bank;
    conv_writer *writer;
} conv_bufs;

/* Grows a buffer; the writer may be reading an output bank, so it is
 * waited for before anything moves. */
static slim_error reserve(conv_writer *a, void **p, size_t *cap, size_t n)
{
    if (n <= *cap)
        return SLIM_OK;
    slim_error e = writer_wait(a);
    if (e)
        return e;
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

static slim_error write_failed(const conv_writer *a, char *msg, size_t cap)
{
    return conv_fail(msg, cap, a->err, "writing tensor %s: %s", a->err_name,
                     a->err == SLIM_ERR_IO ? strerror(a->err_no) : slim_strerror(a->err));
}

static slim_error write_tensor(slim_convert *c, uint64_t idx, conv_bufs *b,
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
    conv_writer *wr = b->writer;
    if ((!raw && (e = reserve(wr, (void **)&b->f32, &b->f32_cap,
                              (size_t)chunk * (size_t)cols * sizeof(float)))) ||
        (e = reserve(wr, (void **)&b->out[0], &b->out_cap[0], (size_t)chunk * out_row)) ||
        (e = reserve(wr, (void **)&b->out[1], &b->out_cap[1], (size_t)chunk * out_row)))
        return wr->err ? write_failed(wr, msg, cap)
                       : conv_fail(msg, cap, e, "tensor %s: no memory for a chunk", p->name);
    for (int64_t r0 = 0; r0 < rows; r0 += chunk) {
        int64_t n = rows - r0 < chunk ? rows - r0 : chunk;
        uint8_t *out = b->out[b->bank];
        if (c->cancel && *c->cancel) {
            errno = EINTR;
            return conv_fail(msg, cap, SLIM_ERR_IO, "interrupted");
        }
        if (raw) {
            for (int64_t i = 0; i < n; i++)
                memcpy(out + (size_t)i * out_row,
                       (const uint8_t *)t->data + (size_t)source_row(t, rows, r0 + i) * src_row,
                       out_row);
        } else {
            if ((e = load_rows(t, rows, cols, r0, n, src_row, b->f32, c->threads)))
                return conv_fail(msg, cap, e, "tensor %s: cannot read: %s", p->name,
                                 slim_strerror(e));
            slim_position where = { 0, 0 };
            e = (c->optimize ? slim_quantize_optimized : slim_quantize)(
                    p->type, b->f32, out, n, cols, t->imatrix, c->threads, &where);
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
        if (writer_put(wr, out, (size_t)n * out_row, p->name))
            return write_failed(wr, msg, cap);
        b->bank ^= 1;
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
    conv_writer wr;
    writer_start(&wr, w);
    conv_bufs b = { .writer = &wr };
    uint64_t done = 0;
    for (uint64_t i = 0; i < c->n && !e; i++)
        e = write_tensor(c, i, &b, &done, progress, progress_ctx, msg, msg_cap);
    if (writer_stop(&wr) && !e)
        e = write_failed(&wr, msg, msg_cap);
    free(b.f32);
    free(b.out[0]);
    free(b.out[1]);
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
