/*
 * slim_batch_run: the batch tokenization pipeline.
 *
 * The calling thread reads chunks of whole records into a ring of 2 x T
 * slots and writes finished slots in order; T workers cut each chunk into
 * documents, tokenize them and lay out the output bytes (ids in the file's
 * width, or jsonl lines). Chunk number s always uses slot s mod 2T, so the
 * ring is both the work queue and the reorder buffer: the writer waits for
 * the oldest slot, and a slot is read into again only after it is written.
 * Nothing depends on which worker ran a chunk, so the output is the same
 * bytes for every thread count. A chunk stops at its first error; errors
 * surface when the writer reaches that chunk, so the error reported is the
 * first in input order, as with one thread.
 */
#include "formats/corpus.h"
#include "formats/fmt_internal.h"
#include "formats/tokfile.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

enum { SLOT_FREE, SLOT_READY, SLOT_BUSY, SLOT_DONE };

typedef struct doc_size {
    uint64_t tokens, bytes;
} doc_size;

typedef struct slot {
    int state;
    size_t input;
    corpus_chunk chunk;
    /* Results: the payload of every document, back to back. */
    uint8_t *pay;
    size_t pay_len, pay_cap;
    doc_size *docs;
    size_t n_docs, cap_docs;
    uint64_t text_bytes, skipped, invalid;
    slim_error err;
    slim_batch_where where;
} slot;

/* A worker's scratch, reused across documents. */
typedef struct scratch {
    uint32_t *ids;
    size_t ids_cap;
    char *clean, *json;
    size_t clean_cap, json_cap;
} scratch;

typedef struct batch {
    const slim_batch_options *o;
    const char *field;
    slim_tokfile_dtype dtype;
    slot *slots;
    size_t n_slots;
    uint64_t next_work;   /* chunk number the next worker takes */
    int quit;
    pthread_mutex_t m;
    pthread_cond_t work_cv, done_cv;
} batch;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- one document ---- */

/* `text` as valid UTF-8 per the invalid mode (replace or skip), into s. */
static slim_error clean_utf8(const batch *b, scratch *s, const char **text, size_t *len,
                             uint64_t *invalid)
{
    size_t n = *len;
    if (n > (SIZE_MAX - 1) / 3 || !slim_grow((void **)&s->clean, &s->clean_cap, 3 * n + 1, 1))
        return SLIM_ERR_NOMEM;
    const char *t = *text;
    size_t w = 0, r = 0;
    while (r < n) {
        size_t ok = slim_utf8_valid_prefix(t + r, n - r);
        memcpy(s->clean + w, t + r, ok);
        w += ok;
        r += ok;
        if (r < n) {
            if (b->o->invalid == SLIM_INVALID_REPLACE) {
                memcpy(s->clean + w, "\xEF\xBF\xBD", 3);
                w += 3;
            }
            (*invalid)++;
            r++;
        }
    }
    *text = s->clean;
    *len = w;
    return SLIM_OK;
}

/* Encodes into s->ids after one free slot (for BOS); *n ids. */
static slim_error encode(const batch *b, scratch *s, const char *text, size_t len, size_t *n,
                         slim_tok_where *tw)
{
    if (len > SIZE_MAX / 8 - 16 ||
        !slim_grow((void **)&s->ids, &s->ids_cap, len + 16, sizeof *s->ids))
        return SLIM_ERR_NOMEM;
    slim_error e = slim_tokenizer_encode(b->o->tok, text, len, b->o->special, s->ids + 1,
                                         s->ids_cap - 2, n, tw);
    if (e == SLIM_ERR_BUFFER_TOO_SMALL) {
        if (*n > SIZE_MAX / 8 - 2 ||
            !slim_grow((void **)&s->ids, &s->ids_cap, *n + 2, sizeof *s->ids))
            return SLIM_ERR_NOMEM;
        e = slim_tokenizer_encode(b->o->tok, text, len, b->o->special, s->ids + 1,
                                  s->ids_cap - 2, n, tw);
    }
    return e;
}

static size_t put_u32_dec(uint8_t *o, uint32_t v)
{
    char tmp[10];
    size_t k = 0;
    do {
        tmp[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < k; i++)
        o[i] = (uint8_t)tmp[k - 1 - i];
    return k;
}

/* Appends the ids as the file wants them; SLIM_ERR_OVERFLOW (where->token)
 * for an id too wide for the dtype. */
static slim_error emit(const batch *b, slot *sl, const uint32_t *ids, size_t n)
{
    size_t item = b->o->format == SLIM_TOKFILE_JSONL ? 11 : b->dtype == SLIM_TOKFILE_U16 ? 2 : 4;
    if (n > (SIZE_MAX - 16 - sl->pay_len) / item ||
        !slim_grow((void **)&sl->pay, &sl->pay_cap, sl->pay_len + n * item + 4, 1) ||
        !slim_grow((void **)&sl->docs, &sl->cap_docs, sl->n_docs + 1, sizeof *sl->docs))
        return SLIM_ERR_NOMEM;
    uint8_t *o = sl->pay + sl->pay_len;
    uint32_t limit = b->dtype == SLIM_TOKFILE_U16 ? 0xFFFFu
                     : b->dtype == SLIM_TOKFILE_I32 ? INT32_MAX : UINT32_MAX;
    size_t w = 0;
    if (b->o->format == SLIM_TOKFILE_JSONL) {
        o[w++] = '[';
        for (size_t i = 0; i < n; i++) {
            if (i)
                o[w++] = ',';
            w += put_u32_dec(o + w, ids[i]);
        }
        o[w++] = ']';
        o[w++] = '\n';
    } else {
        for (size_t i = 0; i < n; i++) {
            uint32_t v = ids[i];
            if (v > limit) {
                sl->where.token = v;
                return SLIM_ERR_OVERFLOW;
            }
            o[w++] = (uint8_t)v;
            o[w++] = (uint8_t)(v >> 8);
            if (item == 4) {
                o[w++] = (uint8_t)(v >> 16);
                o[w++] = (uint8_t)(v >> 24);
            }
        }
    }
    sl->pay_len += w;
    sl->docs[sl->n_docs].tokens = n;
    sl->docs[sl->n_docs].bytes = w;
    sl->n_docs++;
    return SLIM_OK;
}

static slim_error fail_at(slot *sl, slim_error e, uint64_t line, uint64_t offset,
                          const char *reason)
{
    sl->where.line = line;
    sl->where.offset = offset;
    sl->where.reason = reason;
    return e;
}

static slim_error do_record(const batch *b, slot *sl, scratch *s, const corpus_record *rec)
{
    const char *text = rec->text;
    size_t len = rec->len;
    if (b->o->split == SLIM_SPLIT_JSONL) {
        size_t bad = 0;
        slim_error e = corpus_json_field(rec->text, rec->len, b->field, &s->json, &s->json_cap,
                                         &text, &len, &bad);
        if (e == SLIM_ERR_BAD_JSON || e == SLIM_ERR_NOT_FOUND) {
            if (b->o->skip_bad_records) {
                sl->skipped++;
                return SLIM_OK;
            }
            return fail_at(sl, e, rec->line, bad,
                           e == SLIM_ERR_BAD_JSON ? "invalid JSON" : "no such string field");
        }
        if (e)
            return e;
    }
    size_t n = 0;
    slim_tok_where tw;
    slim_error e = encode(b, s, text, len, &n, &tw);
    if (e == SLIM_ERR_BAD_UTF8) {
        if (b->o->invalid == SLIM_INVALID_FAIL)
            return fail_at(sl, e, rec->line, tw.offset, "invalid UTF-8");
        e = clean_utf8(b, s, &text, &len, &sl->invalid);
        if (!e)
            e = encode(b, s, text, len, &n, &tw);
    }
    if (e == SLIM_ERR_SPECIAL_TOKEN) {
        sl->where.token = tw.token;
        return fail_at(sl, e, rec->line, tw.offset, "special token in the text");
    }
    if (e)
        return fail_at(sl, e, rec->line, tw.offset, "cannot encode");
    uint32_t *ids = s->ids + 1;
    if (b->o->bos >= 0) {
        ids--;
        ids[0] = (uint32_t)b->o->bos;
        n++;
    }
    if (b->o->eos >= 0)
        ids[n++] = (uint32_t)b->o->eos;
    sl->text_bytes += len;
    e = emit(b, sl, ids, n);
    if (e == SLIM_ERR_OVERFLOW)
        return fail_at(sl, e, rec->line, 0, "token id too large for the dtype");
    return e;
}

static void do_chunk(const batch *b, slot *sl, scratch *s)
{
    sl->pay_len = sl->n_docs = 0;
    sl->text_bytes = sl->skipped = sl->invalid = 0;
    corpus_cursor k = corpus_cursor_init(&sl->chunk);
    corpus_record rec;
    while (corpus_next_record(b->o->split, &sl->chunk, &k, &rec)) {
        slim_error e = do_record(b, sl, s, &rec);
        if (e) {
            sl->err = e;
            if (!sl->where.reason)
                sl->where.reason = slim_strerror(e);
            return;
        }
    }
}

static void *worker(void *arg)
{
    batch *b = arg;
    scratch s = {0};
    pthread_mutex_lock(&b->m);
    for (;;) {
        slot *sl = &b->slots[b->next_work % b->n_slots];
        if (b->quit)
            break;
        if (sl->state != SLOT_READY) {
            pthread_cond_wait(&b->work_cv, &b->m);
            continue;
        }
        sl->state = SLOT_BUSY;
        b->next_work++;
        pthread_mutex_unlock(&b->m);
        do_chunk(b, sl, &s);
        pthread_mutex_lock(&b->m);
        sl->state = SLOT_DONE;
        pthread_cond_broadcast(&b->done_cv);
    }
    pthread_mutex_unlock(&b->m);
    free(s.ids);
    free(s.clean);
    free(s.json);
    return NULL;
}

/* ---- the reading and writing thread ---- */

typedef struct feed {
    const char *const *inputs;
    size_t n_inputs, cur;
    corpus_reader *r;
    uint64_t read_done;   /* bytes of the inputs already closed */
} feed;

/* Reads the next chunk into sl; 0 when every input is used up. */
static int read_chunk(const batch *b, feed *f, slot *sl)
{
    for (;;) {
        if (f->cur >= f->n_inputs)
            return 0;
        slim_error e = SLIM_OK;
        if (!f->r)
            e = corpus_open(f->inputs[f->cur], b->o->split, b->o->chunk_size, b->o->cancel, &f->r);
        int eof = 0;
        if (!e)
            e = corpus_next(f->r, &sl->chunk, &eof);
        sl->input = f->cur;
        memset(&sl->where, 0, sizeof sl->where);
        sl->where.input = f->cur;
        sl->where.token = -1;
        sl->err = e;
        if (e) {
            sl->where.reason = e == SLIM_ERR_COMPRESSION ? "invalid zstd data" : "cannot read";
            sl->chunk.len = 0;
        }
        if (eof || e) {
            if (f->r)
                f->read_done += corpus_bytes_read(f->r);
            corpus_close(f->r);
            f->r = NULL;
            f->cur++;
        }
        if (e || sl->chunk.len > 0 || b->o->split == SLIM_SPLIT_FILE)
            return 1;
    }
}

static slim_error write_slot(tokfile_writer *w, const slot *sl, slim_batch_stats *st)
{
    const uint8_t *p = sl->pay;
    for (size_t i = 0; i < sl->n_docs; i++) {
        slim_error e = tokfile_add(w, p, sl->docs[i].bytes, sl->docs[i].tokens);
        if (e)
            return e;
        p += sl->docs[i].bytes;
        st->tokens += sl->docs[i].tokens;
    }
    st->documents += sl->n_docs;
    st->text_bytes += sl->text_bytes;
    st->skipped_records += sl->skipped;
    st->invalid_bytes += sl->invalid;
    return SLIM_OK;
}

static slim_error pipeline(batch *b, feed *f, tokfile_writer *w, slim_batch_stats *st,
                           slim_batch_where *where, double t0)
{
    uint64_t next_read = 0, next_write = 0;
    int more = 1;
    slim_error err = SLIM_OK;
    for (;;) {
        /* Keep every free slot filled. */
        while (more && next_read - next_write < b->n_slots) {
            slot *sl = &b->slots[next_read % b->n_slots];
            more = read_chunk(b, f, sl);
            if (!more)
                break;
            if (sl->err)
                more = 0;  /* a read error: nothing after it matters */
            pthread_mutex_lock(&b->m);
            sl->state = sl->err ? SLOT_DONE : SLOT_READY;
            pthread_cond_signal(&b->work_cv);
            pthread_mutex_unlock(&b->m);
            next_read++;
        }
        if (next_write == next_read)
            break;
        slot *sl = &b->slots[next_write % b->n_slots];
        pthread_mutex_lock(&b->m);
        while (sl->state != SLOT_DONE)
            pthread_cond_wait(&b->done_cv, &b->m);
        pthread_mutex_unlock(&b->m);
        if (sl->err) {
            *where = sl->where;
            return sl->err;
        }
        err = write_slot(w, sl, st);
        if (err) {
            memset(where, 0, sizeof *where);
            where->input = sl->input;
            where->token = -1;
            where->reason = "cannot write the output";
            return err;
        }
        sl->state = SLOT_FREE;  /* only this thread reads into free slots */
        next_write++;
        if (b->o->cancel && *b->o->cancel) {
            errno = EINTR;
            where->reason = "interrupted";
            return SLIM_ERR_IO;
        }
        st->files = f->cur;
        st->read_bytes = f->read_done + (f->r ? corpus_bytes_read(f->r) : 0);
        st->seconds = now_s() - t0;
        if (b->o->progress)
            b->o->progress(b->o->progress_ctx, st);
    }
    return SLIM_OK;
}

/* ---- manifest ---- */

static const char *const format_names[] = { "bin", "npy", "megatron", "jsonl" };
static const char *const dtype_names[] = { "auto", "uint16", "uint32", "int32" };
static const char *const split_names[] = { "file", "lines", "paragraphs", "jsonl" };

static json_t *id_or_null(int64_t id)
{
    return id >= 0 ? json_integer(id) : json_null();
}

static slim_error write_manifest(const batch *b, const char *const *inputs, size_t n_inputs,
                                 const slim_batch_stats *st)
{
    slim_tokenizer_info info;
    slim_tokenizer_get_info(b->o->tok, &info);
    json_t *ins = json_array(), *outs = json_array();
    for (size_t i = 0; i < n_inputs; i++)
        json_array_append_new(ins, json_string(inputs[i]));
    for (size_t i = 0; i < st->n_outputs; i++) {
        const slim_batch_output *o = &st->outputs[i];
        char hex[17];
        snprintf(hex, sizeof hex, "%016llx", (unsigned long long)o->xxh3);
        json_array_append_new(outs, json_pack("{s:s, s:I, s:I, s:I, s:s}", "path", o->path,
                                              "documents", (json_int_t)o->documents,
                                              "tokens", (json_int_t)o->tokens,
                                              "bytes", (json_int_t)o->bytes, "xxh3", hex));
    }
    json_t *m = json_pack(
        "{s:s, s:I, s:s, s:s, s:o, s:o, s:s, s:o, s:I, s:I, s:I, s:I, s:I, s:o, s:o}",
        "tokenizer", info.name, "vocab_size", (json_int_t)info.vocab_size,
        "format", format_names[b->o->format], "dtype",
        b->o->format == SLIM_TOKFILE_JSONL ? "text" : dtype_names[b->dtype],
        "bos", id_or_null(b->o->bos), "eos", id_or_null(b->o->eos),
        "split", split_names[b->o->split],
        "field", b->o->split == SLIM_SPLIT_JSONL ? json_string(b->field) : json_null(),
        "documents", (json_int_t)st->documents, "tokens", (json_int_t)st->tokens,
        "text_bytes", (json_int_t)st->text_bytes, "skipped_records",
        (json_int_t)st->skipped_records, "invalid_bytes", (json_int_t)st->invalid_bytes,
        "inputs", ins, "outputs", outs);
    if (!m)
        return SLIM_ERR_NOMEM;
    char *text = json_dumps(m, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(m);
    if (!text)
        return SLIM_ERR_NOMEM;
    slim_outfile f;
    slim_error e = slim_outfile_open(&f, b->o->manifest);
    if (!e)
        e = slim_outfile_write(&f, text, strlen(text));
    if (!e)
        e = slim_outfile_write(&f, "\n", 1);
    free(text);
    if (!e)
        return slim_outfile_commit(&f);
    slim_outfile_abort(&f);
    return e;
}

/* ---- entry point ---- */

static slim_tokfile_dtype resolve_dtype(const slim_batch_options *o)
{
    if (o->dtype != SLIM_TOKFILE_AUTO)
        return o->dtype;
    if (slim_tokenizer_vocab_size(o->tok) <= 65536)
        return SLIM_TOKFILE_U16;
    return o->format == SLIM_TOKFILE_MEGATRON ? SLIM_TOKFILE_I32 : SLIM_TOKFILE_U32;
}

void slim_batch_stats_free(slim_batch_stats *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->n_outputs; i++)
        free(st->outputs[i].path);
    free(st->outputs);
    st->outputs = NULL;
    st->n_outputs = 0;
}

static uint64_t total_size(const char *const *inputs, size_t n)
{
    uint64_t t = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat s;
        if (strcmp(inputs[i], "-") != 0 && stat(inputs[i], &s) == 0 && S_ISREG(s.st_mode))
            t += (uint64_t)s.st_size;
    }
    return t;
}

slim_error slim_batch_run(const char *const *inputs, size_t n_inputs,
                          const slim_batch_options *o, slim_batch_stats *stats,
                          slim_batch_where *where)
{
    slim_batch_stats local;
    slim_batch_where wlocal;
    slim_batch_stats *st = stats ? stats : &local;
    if (!where)
        where = &wlocal;
    memset(st, 0, sizeof *st);
    memset(where, 0, sizeof *where);
    where->token = -1;
    if (!o || !o->tok || !o->output || (n_inputs && !inputs) || o->split > SLIM_SPLIT_JSONL ||
        o->format > SLIM_TOKFILE_JSONL || o->dtype > SLIM_TOKFILE_I32 ||
        o->invalid > SLIM_INVALID_FAIL || o->bos > (int64_t)UINT32_MAX ||
        o->eos > (int64_t)UINT32_MAX ||
        (o->format == SLIM_TOKFILE_MEGATRON && o->dtype == SLIM_TOKFILE_U32)) {
        where->reason = "invalid options";
        return SLIM_ERR_INVALID_ARG;
    }
    double t0 = now_s();
    batch b = { .o = o, .field = o->field ? o->field : "text", .dtype = resolve_dtype(o) };
    int threads = o->threads > 0 ? o->threads : slim_cpu_count();
    if (threads > 1024)
        threads = 1024;
    b.n_slots = 2 * (size_t)threads;
    b.slots = calloc(b.n_slots, sizeof *b.slots);
    pthread_t *tids = calloc((size_t)threads, sizeof *tids);
    tokfile_writer *w = NULL;
    slim_error e = b.slots && tids ? SLIM_OK : SLIM_ERR_NOMEM;
    if (!e)
        e = tokfile_open(o->format, b.dtype, o->output, o->shard_tokens, &w);
    st->total_bytes = total_size(inputs, n_inputs);
    int started = 0, sync_up = !e; /* the lock and the workers exist */
    if (sync_up) {
        pthread_mutex_init(&b.m, NULL);
        pthread_cond_init(&b.work_cv, NULL);
        pthread_cond_init(&b.done_cv, NULL);
        for (; started < threads; started++)
            if (pthread_create(&tids[started], NULL, worker, &b) != 0)
                break;
        if (started == 0)   /* fewer workers than asked still do the job */
            e = SLIM_ERR_NOMEM;
    }
    feed f = { .inputs = inputs, .n_inputs = n_inputs };
    if (!e)
        e = pipeline(&b, &f, w, st, where, t0);
    if (sync_up) {
        pthread_mutex_lock(&b.m);
        b.quit = 1;
        pthread_cond_broadcast(&b.work_cv);
        pthread_mutex_unlock(&b.m);
        for (int i = 0; i < started; i++)
            pthread_join(tids[i], NULL);
        pthread_mutex_destroy(&b.m);
        pthread_cond_destroy(&b.work_cv);
        pthread_cond_destroy(&b.done_cv);
    }
    corpus_close(f.r);
    st->files = f.cur;
    st->read_bytes = f.read_done;
    if (!e) {
        e = tokfile_commit(w, st);
        w = NULL;
        if (e)
            where->reason = "cannot write the output";
    }
    if (!e && o->manifest) {
        e = write_manifest(&b, inputs, n_inputs, st);
        if (e)
            where->reason = "cannot write the manifest";
    }
    tokfile_abort(w);
    for (size_t i = 0; b.slots && i < b.n_slots; i++) {
        free(b.slots[i].chunk.data);
        free(b.slots[i].pay);
        free(b.slots[i].docs);
    }
    free(b.slots);
    free(tids);
    st->seconds = now_s() - t0;
    if (e && !where->reason)
        where->reason = slim_strerror(e);
    if (!stats)
        slim_batch_stats_free(st);
    return e;
}

/* ---- the tokenizer's end and begin tokens ---- */

static slim_error find_special(const slim_tokenizer *tok, const char *const *names, uint32_t *id)
{
    if (!tok || !id)
        return SLIM_ERR_INVALID_ARG;
    slim_tokenizer_info info;
    slim_tokenizer_get_info(tok, &info);
    for (size_t k = 0; names[k]; k++) {
        for (size_t i = 0; i < info.n_specials; i++) {
            const char *text;
            uint32_t v;
            if (slim_tokenizer_special(tok, i, &text, &v) == SLIM_OK && strcmp(text, names[k]) == 0) {
                *id = v;
                return SLIM_OK;
            }
        }
    }
    return SLIM_ERR_NOT_FOUND;
}

slim_error slim_tokenizer_eos(const slim_tokenizer *tok, uint32_t *id)
{
    static const char *const names[] = { "<|endoftext|>", "<|end_of_text|>", "</s>", "<eos>",
                                         "<|im_end|>", NULL };
    return find_special(tok, names, id);
}

slim_error slim_tokenizer_bos(const slim_tokenizer *tok, uint32_t *id)
{
    static const char *const names[] = { "<|begin_of_text|>", "<s>", "<bos>", "<|startoftext|>",
                                         NULL };
    return find_special(tok, names, id);
}
