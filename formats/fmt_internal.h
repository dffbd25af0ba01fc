/*
 * Helpers shared by the model file readers and writers (internal).
 *
 *  - slim_fail: records where and why a parse failed and returns the code,
 *    so every rejection is one line: `return slim_fail(w, ERR, off, "why")`.
 *  - Checked 64-bit arithmetic: every size or offset that comes from a file
 *    goes through these before it is used.
 *  - Little-endian loads through memcpy (the mapping has no alignment).
 *  - A read-only file mapping, a string hash index and the temp-file output
 *    used by the writers (see the .c files).
 */
#ifndef SLIM_FORMATS_FMT_INTERNAL_H
#define SLIM_FORMATS_FMT_INTERNAL_H

#include "slim.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline slim_error slim_fail(slim_parse_error *where, slim_error code,
                                   uint64_t offset, const char *reason)
{
    if (where) {
        where->offset = offset;
        where->reason = reason;
    }
    return code;
}

/* Every public open/parse function starts with where_reset and ends with
 * where_done, so `where` describes exactly the last call. */
static inline void slim_where_reset(slim_parse_error *where)
{
    if (where) {
        where->offset = 0;
        where->reason = NULL;
        where->file = 0;
    }
}

/* Gives every failure a reason, even those (out of memory) that had none. */
static inline slim_error slim_where_done(slim_parse_error *where, slim_error e)
{
    if (e && where && !where->reason)
        where->reason = slim_strerror(e);
    return e;
}

/* a + b into *r; returns 0 on overflow. */
static inline int slim_add_u64(uint64_t a, uint64_t b, uint64_t *r)
{
    return !__builtin_add_overflow(a, b, r);
}

static inline int slim_mul_u64(uint64_t a, uint64_t b, uint64_t *r)
{
    return !__builtin_mul_overflow(a, b, r);
}

/* x rounded up to a multiple of the power of two `align`; 0 on overflow. */
static inline int slim_pad_u64(uint64_t x, uint64_t align, uint64_t *r)
{
    uint64_t t;
    if (!slim_add_u64(x, align - 1, &t))
        return 0;
    *r = t & ~(align - 1);
    return 1;
}

static inline uint16_t slim_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t slim_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t slim_le64(const uint8_t *p)
{
    return (uint64_t)slim_le32(p) | (uint64_t)slim_le32(p + 4) << 32;
}

static inline void slim_put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline void slim_put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* ---- read-only file mapping (mapfile.c) ---- */

typedef struct slim_map {
    const uint8_t *data; /* NULL for an empty file */
    size_t size;
} slim_map;

/* Maps `path` read-only. SLIM_ERR_IO (errno kept) or SLIM_ERR_TOO_LARGE. */
slim_error slim_map_open(const char *path, slim_map *m);
void slim_map_close(slim_map *m);

/* ---- string index (strindex.c): open addressing, values are indices ---- */

typedef struct slim_strindex {
    uint64_t *slots;   /* index + 1, 0 = empty */
    uint64_t mask;
    uint64_t seed;     /* per-process random hash basis */
} slim_strindex;

typedef const char *(*slim_strindex_get)(const void *ctx, uint64_t idx, size_t *len);

/* Room for n strings. SLIM_ERR_NOMEM / SLIM_ERR_OVERFLOW. */
slim_error slim_strindex_init(slim_strindex *ix, uint64_t n);
void slim_strindex_free(slim_strindex *ix);
/* Inserts string `idx`; returns the index of an equal string already
 * present, or UINT64_MAX if it was new. */
uint64_t slim_strindex_insert(slim_strindex *ix, uint64_t idx, slim_strindex_get get,
                              const void *ctx);
/* Index of the string equal to (s, len), or UINT64_MAX. */
uint64_t slim_strindex_find(const slim_strindex *ix, const char *s, size_t len,
                            slim_strindex_get get, const void *ctx);

/* A growing set of owned, NUL-terminated strings (for the writers). */
typedef struct slim_strset {
    char **items;
    uint64_t n, cap;
    slim_strindex ix;
} slim_strset;

/* Copies `s` in; SLIM_ERR_DUPLICATE if it is there already. */
slim_error slim_strset_add(slim_strset *set, const char *s);
void slim_strset_free(slim_strset *set);

/* Grows the array *p of *cap items of `item` bytes to hold at least `need`
 * items (doubling, from 1024); returns 0, with *p unchanged, on overflow or
 * when memory runs out. */
static inline int slim_grow(void **p, size_t *cap, size_t need, size_t item)
{
    if (need <= *cap)
        return 1;
    size_t c = *cap ? *cap : 1024;
    while (c < need) {
        if (c > SIZE_MAX / 2 / item)
            return 0;
        c *= 2;
    }
    void *q = realloc(*p, c * item);
    if (!q)
        return 0;
    *p = q;
    *cap = c;
    return 1;
}

/* ---- growable byte buffer (outfile.c) ---- */

typedef struct slim_buf {
    uint8_t *data;
    size_t len, cap;
    int failed;        /* an allocation failed: later appends are ignored */
} slim_buf;

void slim_buf_append(slim_buf *b, const void *p, size_t n);
void slim_buf_u32(slim_buf *b, uint32_t v);
void slim_buf_u64(slim_buf *b, uint64_t v);
void slim_buf_free(slim_buf *b);

/* ---- atomic output file (outfile.c) ---- */

typedef struct slim_outfile {
    FILE *f;
    char *path;     /* final name */
    char *tmp;      /* temporary name in the same folder */
    uint64_t written;
} slim_outfile;

slim_error slim_outfile_open(slim_outfile *o, const char *path);
slim_error slim_outfile_write(slim_outfile *o, const void *p, size_t n);
/* Writes zero bytes until `written` is a multiple of align. */
slim_error slim_outfile_pad(slim_outfile *o, uint64_t align);
/* Flushes, syncs and closes the temporary file, keeping it for a later
 * commit (many finished outputs can then wait without open descriptors). */
slim_error slim_outfile_close(slim_outfile *o);
/* Flushes, syncs and renames into place (closing first if still open); on
 * failure removes the temp file. */
slim_error slim_outfile_commit(slim_outfile *o);
/* Closes and removes the temporary file. Safe on a zeroed struct. */
void slim_outfile_abort(slim_outfile *o);

#endif
