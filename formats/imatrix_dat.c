/*
 * The legacy .dat importance matrix of llama.cpp's imatrix tool:
 *
 *   int32 n_entries (>= 1)
 *   n_entries x { int32 len, len bytes of name, int32 ncall, int32 nval (>= 1),
 *                 nval float32 (the mean squared activation times ncall) }
 *   optional trailer: int32 chunk count, int32 len, len bytes of dataset name
 *
 * all little-endian. llama-quantize divides each value by ncall when
 * ncall > 0 (in float, as here). Every length is checked against the bytes
 * left before anything is allocated; errors carry the field's offset.
 */
#include "formats/fmt_internal.h"
#include "formats/imatrix_internal.h"

#include <math.h>
#include <string.h>

#define MAX_NAME 4096   /* GGUF tensor names are under 64 bytes */

typedef struct cursor {
    const uint8_t *p;
    size_t size, pos;
} cursor;

static int read_i32(cursor *c, int32_t *v)
{
    if (c->size - c->pos < 4)
        return 0;
    *v = (int32_t)slim_le32(c->p + c->pos);
    c->pos += 4;
    return 1;
}

static slim_error read_entry(slim_imatrix *m, cursor *c, slim_parse_error *where)
{
    int32_t len, ncall, nval;
    uint64_t at = c->pos;
    if (!read_i32(c, &len))
        return slim_fail(where, SLIM_ERR_TRUNCATED, at, "entry name length past the end");
    if (len < 1)
        return slim_fail(where, SLIM_ERR_CORRUPT, at, "empty or negative name length");
    if (len > MAX_NAME)
        return slim_fail(where, SLIM_ERR_TOO_LARGE, at, "name too long");
    if (c->size - c->pos < (size_t)len)
        return slim_fail(where, SLIM_ERR_TRUNCATED, c->pos, "entry name past the end");
    const char *name = (const char *)c->p + c->pos;
    if (memchr(name, '\0', (size_t)len))
        return slim_fail(where, SLIM_ERR_CORRUPT, c->pos, "NUL in an entry name");
    c->pos += (size_t)len;
    at = c->pos;
    if (!read_i32(c, &ncall))
        return slim_fail(where, SLIM_ERR_TRUNCATED, at, "call count past the end");
    at = c->pos;
    if (!read_i32(c, &nval))
        return slim_fail(where, SLIM_ERR_TRUNCATED, at, "value count past the end");
    if (nval < 1)
        return slim_fail(where, SLIM_ERR_CORRUPT, at, "value count below 1");
    if ((c->size - c->pos) / 4 < (size_t)nval)
        return slim_fail(where, SLIM_ERR_TRUNCATED, c->pos, "values past the end");
    float *v;
    slim_error e = imx_add(m, name, (size_t)len, nval, 1, &v);
    if (e)
        return slim_fail(where, e, at, "out of memory");
    for (int32_t i = 0; i < nval; i++) {
        float x;
        memcpy(&x, c->p + c->pos, 4);
        if (ncall > 0)
            x /= (float)ncall;
        if (!isfinite(x))
            return slim_fail(where, SLIM_ERR_NONFINITE, c->pos, "non-finite imatrix value");
        v[i] = x;
        c->pos += 4;
    }
    return SLIM_OK;
}

/* The optional trailer: chunk count and dataset name. */
static slim_error read_trailer(slim_imatrix *m, cursor *c, slim_parse_error *where)
{
    int32_t chunks, len;
    uint64_t at = c->pos;
    if (!read_i32(c, &chunks))
        return slim_fail(where, SLIM_ERR_TRUNCATED, at, "chunk count past the end");
    m->chunk_count = chunks > 0 ? chunks : 0;
    if (c->pos == c->size)
        return SLIM_OK;
    at = c->pos;
    if (!read_i32(c, &len))
        return slim_fail(where, SLIM_ERR_TRUNCATED, at, "dataset name length past the end");
    if (len < 0 || (size_t)len > c->size - c->pos)
        return slim_fail(where, SLIM_ERR_TRUNCATED, at, "dataset name past the end");
    const char *name = (const char *)c->p + c->pos;
    if (len > 0) {
        if (memchr(name, '\0', (size_t)len))
            return slim_fail(where, SLIM_ERR_CORRUPT, c->pos, "NUL in the dataset name");
        if (imx_add_dataset(m, name, (size_t)len) != SLIM_OK)
            return slim_fail(where, SLIM_ERR_NOMEM, at, "out of memory");
    }
    c->pos += (size_t)len;
    if (c->pos != c->size)
        return slim_fail(where, SLIM_ERR_CORRUPT, c->pos, "bytes after the dataset name");
    return SLIM_OK;
}

slim_error imx_parse_dat(slim_imatrix *m, const uint8_t *data, size_t size,
                         slim_parse_error *where)
{
    cursor c = { data, size, 0 };
    int32_t n;
    if (!read_i32(&c, &n))
        return slim_fail(where, SLIM_ERR_TRUNCATED, 0, "entry count past the end");
    if (n < 1)
        return slim_fail(where, SLIM_ERR_CORRUPT, 0, "no entries");
    /* each entry takes at least 17 bytes: bounds the loop by the file */
    if ((uint64_t)n > (size - 4) / 17)
        return slim_fail(where, SLIM_ERR_TOO_LARGE, 0, "more entries than the file can hold");
    for (int32_t i = 0; i < n; i++) {
        slim_error e = read_entry(m, &c, where);
        if (e)
            return e;
    }
    return c.pos < c.size ? read_trailer(m, &c, where) : SLIM_OK;
}
