/*
 * Output for the writers: a byte buffer for headers, and a file written
 * under a temporary name in the destination's folder and renamed over the
 * destination only when complete, so a failed or interrupted write never
 * leaves a partial model behind.
 */
#include "formats/fmt_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

void slim_buf_append(slim_buf *b, const void *p, size_t n)
{
    if (b->failed || n == 0)
        return;
    if (n > b->cap - b->len) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->len < n) {
            if (cap > SIZE_MAX / 2) {
                b->failed = 1;
                return;
            }
            cap *= 2;
        }
        uint8_t *d = realloc(b->data, cap);
        if (!d) {
            b->failed = 1;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void slim_buf_u32(slim_buf *b, uint32_t v)
{
    uint8_t t[4];
    slim_put_le32(t, v);
    slim_buf_append(b, t, 4);
}

void slim_buf_u64(slim_buf *b, uint64_t v)
{
    uint8_t t[8];
    slim_put_le64(t, v);
    slim_buf_append(b, t, 8);
}

void slim_buf_free(slim_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

slim_error slim_outfile_open(slim_outfile *o, const char *path)
{
    memset(o, 0, sizeof *o);
    if (!path || !*path)
        return SLIM_ERR_INVALID_ARG;
    size_t n = strlen(path);
    o->path = malloc(n + 1);
    o->tmp = malloc(n + 48);
    if (!o->path || !o->tmp) {
        slim_outfile_abort(o);
        return SLIM_ERR_NOMEM;
    }
    memcpy(o->path, path, n + 1);
    /* A name unique to this process and call, created exclusively with the
     * usual 0666 & ~umask mode (mkstemp would make it 0600). */
    static atomic_uint counter;
    int fd = -1;
    for (int tries = 0; fd < 0 && tries < 100; tries++) {
        snprintf(o->tmp, n + 48, "%s.tmp.%ld.%u", path, (long)getpid(),
                 atomic_fetch_add(&counter, 1u));
        fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        int e = errno;
        free(o->tmp);
        o->tmp = NULL;
        slim_outfile_abort(o);
        errno = e;
        return SLIM_ERR_IO;
    }
    o->f = fdopen(fd, "wb");
    if (!o->f) {
        close(fd);
        slim_outfile_abort(o);
        return SLIM_ERR_IO;
    }
    return SLIM_OK;
}

slim_error slim_outfile_write(slim_outfile *o, const void *p, size_t n)
{
    if (n && fwrite(p, 1, n, o->f) != n)
        return SLIM_ERR_IO;
    o->written += n;
    return SLIM_OK;
}

slim_error slim_outfile_pad(slim_outfile *o, uint64_t align)
{
    static const uint8_t zeros[64];
    uint64_t rem = (align - o->written % align) % align;
    while (rem) {
        size_t k = rem < sizeof zeros ? (size_t)rem : sizeof zeros;
        slim_error e = slim_outfile_write(o, zeros, k);
        if (e)
            return e;
        rem -= k;
    }
    return SLIM_OK;
}

slim_error slim_outfile_close(slim_outfile *o)
{
    if (!o->f)
        return SLIM_OK;
    int bad = fflush(o->f) != 0 || fsync(fileno(o->f)) != 0;
    bad |= fclose(o->f) != 0;
    o->f = NULL;
    return bad ? SLIM_ERR_IO : SLIM_OK;
}

slim_error slim_outfile_commit(slim_outfile *o)
{
    slim_error bad = slim_outfile_close(o);
    if (bad || rename(o->tmp, o->path) != 0) {
        int e = errno;
        slim_outfile_abort(o);
        errno = e;
        return SLIM_ERR_IO;
    }
    free(o->tmp);
    o->tmp = NULL;
    slim_outfile_abort(o); /* frees the names */
    return SLIM_OK;
}

void slim_outfile_abort(slim_outfile *o)
{
    if (o->f)
        fclose(o->f);
    if (o->tmp)
        unlink(o->tmp);
    free(o->tmp);
    free(o->path);
    memset(o, 0, sizeof *o);
}
