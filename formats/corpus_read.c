/*
 * Streaming corpus reader: reads one input (a file or stdin) in blocks,
 * through zstd when the input starts with a zstd frame's magic bytes, and
 * hands out chunks that end on a record boundary, so that workers can cut
 * and tokenize chunks independently. Only the unfinished record at the end
 * of a chunk is carried over to the next one.
 */
#define _GNU_SOURCE /* memrchr */
#include "formats/corpus.h"
#include "formats/fmt_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#define READ_BLOCK (1u << 20)

struct corpus_reader {
    int fd, own_fd;
    const volatile int *cancel;
    slim_corpus_split split;
    size_t chunk_size;
    int src_eof;          /* no more bytes from the source */
    int drained;          /* no more decoded bytes either */
    int done;             /* everything handed out */
    int started;          /* the magic has been looked at */
    ZSTD_DStream *zs;     /* non-NULL for zstd input */
    int frame_open;       /* a zstd frame is started and not finished */
    uint8_t *in;          /* compressed bytes (zstd) */
    size_t in_len, in_pos;
    char *pend;           /* decompressed bytes not handed out yet */
    size_t pend_len, pend_cap;
    uint64_t line;        /* line number of pend[0] */
    uint64_t read_bytes;
};

slim_error corpus_open(const char *path, slim_corpus_split split, size_t chunk_size,
                       const volatile int *cancel, corpus_reader **out)
{
    *out = NULL;
    if (!path || split > SLIM_SPLIT_JSONL)
        return SLIM_ERR_INVALID_ARG;
    corpus_reader *r = calloc(1, sizeof *r);
    if (!r)
        return SLIM_ERR_NOMEM;
    r->split = split;
    r->cancel = cancel;
    r->chunk_size = chunk_size ? chunk_size : 1u << 20;
    r->line = 1;
    if (strcmp(path, "-") == 0) {
        r->fd = STDIN_FILENO;
    } else {
        r->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (r->fd < 0) {
            free(r);
            return SLIM_ERR_IO;
        }
        r->own_fd = 1;
    }
    *out = r;
    return SLIM_OK;
}

void corpus_close(corpus_reader *r)
{
    if (!r)
        return;
    if (r->own_fd)
        close(r->fd);
    ZSTD_freeDStream(r->zs);
    free(r->in);
    free(r->pend);
    free(r);
}

uint64_t corpus_bytes_read(const corpus_reader *r)
{
    return r->read_bytes;
}

/* Room for `extra` more bytes in the pending buffer. */
static slim_error pend_reserve(corpus_reader *r, size_t extra)
{
    if (extra > SIZE_MAX - r->pend_len ||
        !slim_grow((void **)&r->pend, &r->pend_cap, r->pend_len + extra, 1))
        return SLIM_ERR_NOMEM;
    return SLIM_OK;
}

/* read() that retries on EINTR unless the run is cancelled; returns the
 * count, 0 at the end, -1. */
static ssize_t read_some(const corpus_reader *r, void *buf, size_t n)
{
    for (;;) {
        ssize_t got = read(r->fd, buf, n);
        if (got >= 0 || errno != EINTR || (r->cancel && *r->cancel))
            return got;
    }
}

/* Reads raw bytes into r->in (for zstd) or straight into pend. */
static slim_error fill_raw(corpus_reader *r, uint8_t *dst, size_t cap, size_t *got)
{
    *got = 0;
    ssize_t n = read_some(r, dst, cap);
    if (n < 0)
        return SLIM_ERR_IO;
    if (n == 0)
        r->src_eof = 1;
    r->read_bytes += (uint64_t)n;
    *got = (size_t)n;
    return SLIM_OK;
}

/* Decompresses r->in (reading more when it is used up) into pend, adding
 * at least one byte, or sets `drained` when the input is all decoded. */
static slim_error fill_zstd(corpus_reader *r)
{
    for (;;) {
        if (r->in_pos == r->in_len && !r->src_eof) {
            size_t got;
            slim_error e = fill_raw(r, r->in, READ_BLOCK, &got);
            if (e)
                return e;
            r->in_len = got;
            r->in_pos = 0;
        }
        slim_error e = pend_reserve(r, READ_BLOCK);
        if (e)
            return e;
        /* Called even with no input left: zstd may still hold output. */
        ZSTD_inBuffer zin = { r->in, r->in_len, r->in_pos };
        ZSTD_outBuffer zout = { r->pend + r->pend_len, r->pend_cap - r->pend_len, 0 };
        size_t rc = ZSTD_decompressStream(r->zs, &zout, &zin);
        if (ZSTD_isError(rc))
            return SLIM_ERR_COMPRESSION;
        /* 0 once a frame is decoded and flushed; a call without progress
         * only asks for the next frame's header. */
        if (zin.pos > r->in_pos || zout.pos > 0)
            r->frame_open = rc != 0;
        r->in_pos = zin.pos;
        r->pend_len += zout.pos;
        if (zout.pos > 0)
            return SLIM_OK;
        if (r->in_pos == r->in_len && r->src_eof) {
            if (r->frame_open)   /* the last frame is cut short */
                return SLIM_ERR_COMPRESSION;
            r->drained = 1;
            return SLIM_OK;
        }
    }
}

/* Adds more bytes to pend, or sets `drained`. */
static slim_error fill(corpus_reader *r)
{
    if (!r->started) {
        r->started = 1;
        r->in = malloc(READ_BLOCK);
        if (!r->in)
            return SLIM_ERR_NOMEM;
        size_t got = 0;
        /* A short read (a pipe) may hold fewer than 4 bytes: read on until
         * the magic can be told. */
        while (got < 4 && !r->src_eof) {
            size_t n;
            slim_error e = fill_raw(r, r->in + got, READ_BLOCK - got, &n);
            if (e)
                return e;
            got += n;
        }
        static const uint8_t magic[4] = { 0x28, 0xB5, 0x2F, 0xFD };
        if (got >= 4 && memcmp(r->in, magic, 4) == 0) {
            r->zs = ZSTD_createDStream();
            if (!r->zs)
                return SLIM_ERR_NOMEM;
            ZSTD_initDStream(r->zs);
            r->in_len = got;
            r->in_pos = 0;
            return fill_zstd(r);
        }
        slim_error e = pend_reserve(r, got);
        if (e)
            return e;
        if (got)
            memcpy(r->pend + r->pend_len, r->in, got);
        r->pend_len += got;
        free(r->in);
        r->in = NULL;
        r->drained = r->src_eof;
        return SLIM_OK;
    }
    if (r->zs)
        return fill_zstd(r);
    slim_error e = pend_reserve(r, READ_BLOCK);
    if (e)
        return e;
    size_t got = 0;
    e = fill_raw(r, (uint8_t *)r->pend + r->pend_len, r->pend_cap - r->pend_len, &got);
    r->pend_len += got;
    r->drained = r->src_eof;
    return e;
}

static int blank_line(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
            return 0;
    return 1;
}

/* Length of the longest prefix of pend that ends on a record boundary
 * (0 if none): after the last newline, or for paragraphs after the last
 * blank line. */
static size_t record_cut(const corpus_reader *r)
{
    const char *p = r->pend;
    size_t end = r->pend_len;
    while (end > 0) {
        const char *nl = memrchr(p, '\n', end);
        if (!nl)
            return 0;
        size_t cut = (size_t)(nl - p) + 1;
        if (r->split != SLIM_SPLIT_PARAGRAPHS)
            return cut;
        /* Is the line that this newline ends blank? */
        const char *prev = cut > 1 ? memrchr(p, '\n', cut - 1) : NULL;
        size_t start = prev ? (size_t)(prev - p) + 1 : 0;
        if (blank_line(p + start, cut - 1 - start))
            return cut;
        end = cut - 1;
    }
    return 0;
}

static size_t count_newlines(const char *p, size_t n)
{
    size_t k = 0;
    const char *end = p + n;
    while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        k++;
        p++;
    }
    return k;
}

/* Hands pend[0, cut) out as the chunk. The pending buffer itself becomes
 * the chunk's and the chunk's old buffer takes the tail, so the chunk is
 * never copied: only the unfinished record at its end is. */
static slim_error chunk_take(corpus_reader *r, corpus_chunk *c, size_t cut)
{
    size_t tail = r->pend_len - cut;
    size_t need = tail > READ_BLOCK ? tail : READ_BLOCK;
    char *spare = c->data;
    size_t spare_cap = c->cap;
    if (spare_cap < need) {
        char *p = realloc(spare, need);
        if (!p)
            return SLIM_ERR_NOMEM;
        spare = p;
        spare_cap = need;
    }
    if (!r->pend) {               /* nothing was read: an empty input */
        r->pend = malloc(READ_BLOCK);
        if (!r->pend) {
            free(spare);
            c->data = NULL;
            c->cap = 0;
            return SLIM_ERR_NOMEM;
        }
        r->pend_cap = READ_BLOCK;
    }
    c->data = r->pend;
    c->cap = r->pend_cap;
    c->len = cut;
    c->first_line = r->line;
    if (r->split != SLIM_SPLIT_FILE)
        r->line += count_newlines(c->data, cut);
    if (tail)
        memcpy(spare, c->data + cut, tail);
    r->pend = spare;
    r->pend_cap = spare_cap;
    r->pend_len = tail;
    return SLIM_OK;
}

slim_error corpus_next(corpus_reader *r, corpus_chunk *c, int *eof)
{
    c->len = 0;
    *eof = 0;
    if (r->done) {
        *eof = 1;
        return SLIM_OK;
    }
    size_t want = r->chunk_size;
    for (;;) {
        while (!r->drained && (r->split == SLIM_SPLIT_FILE || r->pend_len < want)) {
            slim_error e = fill(r);
            if (e)
                return e;
        }
        size_t cut = r->drained ? r->pend_len : record_cut(r);
        if (cut > 0 || r->drained) {
            slim_error e = chunk_take(r, c, cut);
            if (e)
                return e;
            if (r->drained && r->pend_len == 0) {
                r->done = 1;
                *eof = 1;
            }
            return SLIM_OK;
        }
        /* One record longer than the chunk: read on until it ends. */
        if (want > SIZE_MAX / 2)
            return SLIM_ERR_NOMEM;
        want *= 2;
    }
}
