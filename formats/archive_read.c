/*
 * .slim archive reader. Opening maps the archive and validates the footer
 * and the whole index (every count against the bytes that hold it, every
 * offset and size with checked arithmetic) before anything is allocated
 * from it; chunks are validated (header, checksum, stream sizes) when they
 * are decoded, so reading one tensor touches only its own chunks.
 */
#include "formats/archive_internal.h"
#include "core/parallel.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
/* Inlined: the packaged libxxhash is a generic build, 3-4x slower here. */
#define XXH_INLINE_ALL
#include <xxhash.h>

/* ---- index parsing ---- */

typedef struct cursor {
    const uint8_t *p;   /* start of the index */
    uint64_t base;      /* archive offset of p[0] */
    uint64_t pos, end;  /* relative to p */
} cursor;

static int need(const cursor *c, uint64_t n)
{
    return n <= c->end - c->pos;
}

static uint64_t at(const cursor *c)
{
    return c->base + c->pos;
}

static uint64_t get64(cursor *c)
{
    uint64_t v = slim_le64(c->p + c->pos);
    c->pos += 8;
    return v;
}

static uint32_t get32(cursor *c)
{
    uint32_t v = slim_le32(c->p + c->pos);
    c->pos += 4;
    return v;
}

/* Copies a string of len bytes into the string pool, NUL-terminated. */
static const char *take_str(cursor *c, uint64_t len, char **pool)
{
    char *s = *pool;
    memcpy(s, c->p + c->pos, (size_t)len);
    s[len] = '\0';
    c->pos += len;
    *pool += len + 1;
    return s;
}

#define FAIL(code, off, why) return slim_fail(where, code, off, why)

static slim_error parse_chunks(slim_archive *a, cursor c, slim_parse_error *where)
{
    if (!need(&c, 8))
        FAIL(SLIM_ERR_TRUNCATED, at(&c), "chunk table count past its section");
    uint64_t n = get64(&c);
    if (n > (c.end - c.pos) / 16)
        FAIL(SLIM_ERR_TOO_LARGE, at(&c) - 8, "chunk count beyond the section");
    a->chunks = calloc(n ? n : 1, sizeof *a->chunks);
    if (!a->chunks)
        return SLIM_ERR_NOMEM;
    a->nchunks = n;
    uint64_t prev_end = ARC_HEADER_SIZE;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t where_off = at(&c);
        uint64_t off = get64(&c), raw = get64(&c), end;
        if (off < prev_end || !slim_add_u64(off, ARC_CHUNK_HEADER, &end) ||
            end > a->index_offset)
            FAIL(SLIM_ERR_BAD_OFFSET, where_off, "chunk offset out of order or out of bounds");
        if (raw == 0 || raw > ARC_MAX_CHUNK)
            FAIL(SLIM_ERR_TOO_LARGE, where_off + 8, "chunk size zero or over the limit");
        a->chunks[i].offset = off;
        a->chunks[i].raw = raw;
        prev_end = end;
    }
    /* Declared sizes against what the stored bytes can decode to: this
     * bounds the output of any archive by ARC_MAX_RATIO times its size. */
    for (uint64_t i = 0; i < n; i++)
        if (a->chunks[i].raw / ARC_MAX_RATIO >= arc_chunk_span(a, i))
            FAIL(SLIM_ERR_TOO_LARGE, c.base + 8 + 16 * i + 8,
                 "chunk size beyond what its stored bytes can decode to");
    return SLIM_OK;
}

static slim_error parse_files(slim_archive *a, cursor c, char **pool, slim_parse_error *where)
{
    if (!need(&c, 8))
        FAIL(SLIM_ERR_TRUNCATED, at(&c), "file count past its section");
    uint64_t n = get64(&c);
    if (n > (c.end - c.pos) / 37)
        FAIL(SLIM_ERR_TOO_LARGE, at(&c) - 8, "file count beyond the section");
    a->files = calloc(n ? n : 1, sizeof *a->files);
    a->first_chunk = calloc(n ? n : 1, sizeof *a->first_chunk);
    if (!a->files || !a->first_chunk)
        return SLIM_ERR_NOMEM;
    a->nfiles = n;
    uint64_t next_chunk = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t rec = at(&c);
        if (!need(&c, 36))
            FAIL(SLIM_ERR_TRUNCATED, rec, "file record past its section");
        slim_archive_file *f = &a->files[i];
        f->size = get64(&c);
        uint64_t first = get64(&c);
        f->n_chunks = get64(&c);
        f->xxh3 = get64(&c);
        uint32_t len = get32(&c);
        if (!need(&c, len))
            FAIL(SLIM_ERR_TRUNCATED, rec + 32, "file name past its section");
        if (!arc_name_ok((const char *)c.p + c.pos, len))
            FAIL(SLIM_ERR_CORRUPT, rec + 36, "file name not a safe relative path");
        f->name = take_str(&c, len, pool);
        if (i && strcmp(a->files[i - 1].name, f->name) >= 0)
            FAIL(strcmp(a->files[i - 1].name, f->name) ? SLIM_ERR_CORRUPT : SLIM_ERR_DUPLICATE,
                 rec + 36, "file names not in strictly ascending order");
        /* Files own consecutive runs of the chunk table, in order. */
        if (first != next_chunk || f->n_chunks > a->nchunks - first)
            FAIL(SLIM_ERR_BAD_OFFSET, rec + 8, "file chunks not the next run of the table");
        a->first_chunk[i] = first;
        uint64_t pos = 0;
        for (uint64_t k = first; k < first + f->n_chunks; k++) {
            arc_chunk *ch = &a->chunks[k];
            ch->file_off = pos;
            if (!slim_add_u64(pos, ch->raw, &pos))
                FAIL(SLIM_ERR_OVERFLOW, rec, "file size overflows");
            f->stored += arc_chunk_span(a, k);
        }
        if (pos != f->size)
            FAIL(SLIM_ERR_BAD_OFFSET, rec, "chunk sizes do not add up to the file size");
        next_chunk = first + f->n_chunks;
    }
    if (next_chunk != a->nchunks)
        FAIL(SLIM_ERR_CORRUPT, at(&c), "chunks that belong to no file");
    return SLIM_OK;
}

static slim_error parse_tensors(slim_archive *a, cursor c, char **pool, slim_parse_error *where)
{
    if (!need(&c, 8))
        FAIL(SLIM_ERR_TRUNCATED, at(&c), "tensor count past its section");
    uint64_t n = get64(&c);
    if (n > (c.end - c.pos) / 28)
        FAIL(SLIM_ERR_TOO_LARGE, at(&c) - 8, "tensor count beyond the section");
    a->tensors = calloc(n ? n : 1, sizeof *a->tensors);
    a->dims = calloc((n ? n : 1) * ARC_MAX_DIMS, sizeof *a->dims);
    if (!a->tensors || !a->dims)
        return SLIM_ERR_NOMEM;
    a->ntensors = n;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t rec = at(&c);
        if (!need(&c, 24))
            FAIL(SLIM_ERR_TRUNCATED, rec, "tensor record past its section");
        slim_archive_tensor *t = &a->tensors[i];
        t->file = get32(&c);
        unsigned dlen = c.p[c.pos], nd = c.p[c.pos + 1];
        c.pos += 4;
        t->offset = get64(&c);
        t->size = get64(&c);
        uint64_t end;
        if (t->file >= a->nfiles)
            FAIL(SLIM_ERR_BAD_OFFSET, rec, "tensor in a file that does not exist");
        if (!slim_add_u64(t->offset, t->size, &end) || end > a->files[t->file].size)
            FAIL(SLIM_ERR_BAD_OFFSET, rec + 8, "tensor data outside its file");
        if (nd > ARC_MAX_DIMS || dlen > ARC_MAX_DTYPE)
            FAIL(SLIM_ERR_TOO_LARGE, rec + 4, "too many dimensions or dtype too long");
        if (!need(&c, 8ull * nd + dlen + 4))
            FAIL(SLIM_ERR_TRUNCATED, at(&c), "tensor record past its section");
        uint64_t *dims = a->dims + i * ARC_MAX_DIMS;
        for (unsigned d = 0; d < nd; d++)
            dims[d] = get64(&c);
        t->n_dims = (int)nd;
        t->shape = dims;
        t->dtype = take_str(&c, dlen, pool);
        uint64_t noff = at(&c);
        uint32_t len = get32(&c);
        if (!need(&c, len))
            FAIL(SLIM_ERR_TRUNCATED, noff, "tensor name past its section");
        if (len == 0 || memchr(c.p + c.pos, 0, len))
            FAIL(SLIM_ERR_CORRUPT, noff, "tensor name empty or holding a NUL");
        t->name = take_str(&c, len, pool);
    }
    return SLIM_OK;
}

static slim_error parse(slim_archive *a, slim_parse_error *where)
{
    const uint8_t *d = a->map.data;
    uint64_t size = a->map.size;
    if (size < 8 || memcmp(d, ARC_MAGIC, 8))
        FAIL(SLIM_ERR_BAD_MAGIC, 0, "not a .slim archive");
    if (size < ARC_HEADER_SIZE)
        FAIL(SLIM_ERR_TRUNCATED, 8, "header cut short");
    a->version = slim_le32(d + 8);
    if (a->version == 0 || a->version > ARC_VERSION)
        FAIL(SLIM_ERR_BAD_VERSION, 8, "unsupported archive version");
    if (size < ARC_HEADER_SIZE + ARC_FOOTER_SIZE)
        FAIL(SLIM_ERR_TRUNCATED, size, "no room for the footer");
    uint64_t foot = size - ARC_FOOTER_SIZE;
    if (memcmp(d + foot, ARC_END_MAGIC, 8))
        FAIL(SLIM_ERR_TRUNCATED, foot, "no footer at the end (truncated archive?)");
    a->index_offset = slim_le64(d + foot + 8);
    a->index_size = slim_le64(d + foot + 16);
    a->archive_hash = slim_le64(d + foot + 32);
    uint64_t iend;
    if (a->index_offset < ARC_HEADER_SIZE ||
        !slim_add_u64(a->index_offset, a->index_size, &iend) || iend != foot)
        FAIL(SLIM_ERR_BAD_OFFSET, foot + 8, "index not between the chunks and the footer");
    if (XXH3_64bits(d + a->index_offset, (size_t)a->index_size) != slim_le64(d + foot + 24))
        FAIL(SLIM_ERR_CHECKSUM, foot + 24, "index checksum mismatch");
    cursor c = { d + a->index_offset, a->index_offset, 0, a->index_size };
    if (!need(&c, 8) || get32(&c) != ARC_INDEX_MAGIC)
        FAIL(SLIM_ERR_BAD_MAGIC, a->index_offset, "bad index magic");
    c.pos += 4;
    cursor sec[4] = { { 0 } };
    while (c.pos < c.end) {
        uint64_t hoff = at(&c);
        if (!need(&c, 16))
            FAIL(SLIM_ERR_TRUNCATED, hoff, "section header past the index");
        uint32_t kind = get32(&c);
        c.pos += 4;
        uint64_t len = get64(&c);
        if (!need(&c, len))
            FAIL(SLIM_ERR_TRUNCATED, hoff + 8, "section past the index");
        if (kind >= ARC_SEC_FILES && kind <= ARC_SEC_TENSORS) {
            if (sec[kind].p)
                FAIL(SLIM_ERR_DUPLICATE, hoff, "section appears twice");
            sec[kind] = (cursor){ c.p + c.pos, at(&c), 0, len };
        }
        c.pos += len; /* unknown kinds are skipped */
    }
    if (!sec[ARC_SEC_FILES].p || !sec[ARC_SEC_CHUNKS].p)
        FAIL(SLIM_ERR_CORRUPT, a->index_offset, "index without files or chunks");
    /* Names and dtypes are copied with a NUL each: at most twice the index. */
    a->strings = malloc((size_t)a->index_size * 2 + 1);
    if (!a->strings)
        return SLIM_ERR_NOMEM;
    char *pool = a->strings;
    slim_error e = parse_chunks(a, sec[ARC_SEC_CHUNKS], where);
    if (!e)
        e = parse_files(a, sec[ARC_SEC_FILES], &pool, where);
    if (!e && sec[ARC_SEC_TENSORS].p)
        e = parse_tensors(a, sec[ARC_SEC_TENSORS], &pool, where);
    return e;
}

static slim_error finish_open(slim_archive *a, slim_archive **out, slim_parse_error *where)
{
    slim_error e = parse(a, where);
    if (e) {
        slim_archive_close(a);
        return slim_where_done(where, e);
    }
    *out = a;
    return SLIM_OK;
}

slim_error slim_archive_parse(const void *data, size_t size, slim_archive **out,
                              slim_parse_error *where)
{
    slim_where_reset(where);
    if (!out || (!data && size))
        return slim_where_done(where, SLIM_ERR_INVALID_ARG);
    *out = NULL;
    slim_archive *a = calloc(1, sizeof *a);
    if (!a)
        return slim_where_done(where, SLIM_ERR_NOMEM);
    a->map.data = data;
    a->map.size = size;
    return finish_open(a, out, where);
}

slim_error slim_archive_open(const char *path, slim_archive **out, slim_parse_error *where)
{
    slim_where_reset(where);
    if (!out || !path)
        return slim_where_done(where, SLIM_ERR_INVALID_ARG);
    *out = NULL;
    slim_archive *a = calloc(1, sizeof *a);
    if (!a)
        return slim_where_done(where, SLIM_ERR_NOMEM);
    slim_error e = slim_map_open(path, &a->map);
    if (e) {
        free(a);
        return slim_where_done(where, slim_fail(where, e, 0, "cannot open the archive"));
    }
    a->owns_map = 1;
    return finish_open(a, out, where);
}

void slim_archive_close(slim_archive *a)
{
    if (!a)
        return;
    if (a->owns_map)
        slim_map_close(&a->map);
    free(a->files);
    free(a->chunks);
    free(a->tensors);
    free(a->dims);
    free(a->strings);
    free(a->first_chunk);
    free(a);
}

int slim_archive_detect(const void *data, size_t size)
{
    return data && size >= 8 && !memcmp(data, ARC_MAGIC, 8);
}

uint32_t slim_archive_version(const slim_archive *a)
{
    return a ? a->version : 0;
}

uint64_t slim_archive_file_count(const slim_archive *a)
{
    return a ? a->nfiles : 0;
}

const slim_archive_file *slim_archive_file_at(const slim_archive *a, uint64_t i)
{
    return a && i < a->nfiles ? &a->files[i] : NULL;
}

uint64_t slim_archive_find_file(const slim_archive *a, const char *name)
{
    if (!a || !name)
        return UINT64_MAX;
    uint64_t lo = 0, hi = a->nfiles; /* names are sorted (checked at open) */
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        int c = strcmp(a->files[mid].name, name);
        if (!c)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return UINT64_MAX;
}

uint64_t slim_archive_tensor_count(const slim_archive *a)
{
    return a ? a->ntensors : 0;
}

const slim_archive_tensor *slim_archive_tensor_at(const slim_archive *a, uint64_t i)
{
    return a && i < a->ntensors ? &a->tensors[i] : NULL;
}

uint64_t slim_archive_find_tensor(const slim_archive *a, const char *name)
{
    if (!a || !name)
        return UINT64_MAX;
    for (uint64_t i = 0; i < a->ntensors; i++)
        if (!strcmp(a->tensors[i].name, name))
            return i;
    return UINT64_MAX;
}
