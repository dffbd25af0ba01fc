/*
 * Decoding from a .slim archive: byte ranges of one file into memory, whole
 * files to disk, the whole archive to a folder, and full verification. All
 * of them decode runs of chunks in parallel, in windows of bounded size, so
 * memory stays small whatever the file size.
 */
#include "formats/archive_internal.h"
#include "core/parallel.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
/* Inlined: the packaged libxxhash is a generic build, 3-4x slower here. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#define WINDOW_BYTES (64u << 20)

/* A decoder: one slot per worker, kept across the windows of a call. */
typedef struct decoder {
    const slim_archive *a;
    int threads;
    arc_slot *slots;
    /* the current run: chunks [first, first + n) of one file, each decoded
     * to base + (its file offset - base_off) */
    uint64_t first;
    uint8_t *base;
    uint64_t base_off;
    slim_parse_error *errs;  /* one per chunk of the run */
    uint64_t errcap;
} decoder;

static slim_error decoder_init(decoder *d, const slim_archive *a, int threads)
{
    memset(d, 0, sizeof *d);
    d->a = a;
    d->threads = threads > 0 ? threads : slim_cpu_count();
    d->slots = calloc((size_t)d->threads, sizeof *d->slots);
    return d->slots ? SLIM_OK : SLIM_ERR_NOMEM;
}

static void decoder_free(decoder *d)
{
    for (int t = 0; d->slots && t < d->threads; t++) {
        ZSTD_freeDCtx(d->slots[t].dctx);
        free(d->slots[t].scratch);
    }
    free(d->slots);
    free(d->errs);
}

static slim_error decode_job(void *ctx, int slot, uint64_t i)
{
    decoder *d = ctx;
    arc_slot *s = &d->slots[slot];
    const uint64_t k = d->first + i;
    const arc_chunk *c = &d->a->chunks[k];
    if (!s->dctx && !(s->dctx = ZSTD_createDCtx()))
        return SLIM_ERR_NOMEM;
    if (s->cap < c->raw) {
        free(s->scratch);
        s->cap = 0;
        if (!(s->scratch = malloc((size_t)c->raw)))
            return SLIM_ERR_NOMEM;
        s->cap = c->raw;
    }
    return arc_decode_chunk(s->dctx, d->a->map.data + c->offset, c->offset,
                            arc_chunk_span(d->a, k), c->raw, s->scratch,
                            d->base + (c->file_off - d->base_off), &d->errs[i]);
}

static slim_error decode_chunks(decoder *d, uint64_t first, uint64_t n, uint8_t *base,
                                uint64_t base_off, int threads, slim_parse_error *where)
{
    if (n == 0)
        return SLIM_OK;
    if (n > d->errcap) {
        free(d->errs);
        d->errcap = 0;
        if (!(d->errs = malloc((size_t)n * sizeof *d->errs)))
            return SLIM_ERR_NOMEM;
        d->errcap = n;
    }
    memset(d->errs, 0, (size_t)n * sizeof *d->errs);
    d->first = first;
    d->base = base;
    d->base_off = base_off;
    uint64_t failed;
    slim_error e = arc_run(threads < d->threads ? threads : d->threads, n, decode_job, d, &failed);
    if (e && failed < n && d->errs[failed].reason)
        slim_fail(where, e, d->errs[failed].offset, d->errs[failed].reason);
    return e;
}

/* The chunk of file f holding byte `off` (off < size). */
static uint64_t chunk_of(const slim_archive *a, uint64_t f, uint64_t off)
{
    uint64_t lo = a->first_chunk[f], hi = lo + a->files[f].n_chunks;
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (a->chunks[mid].file_off <= off)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

slim_error slim_archive_read(const slim_archive *a, uint64_t file, uint64_t offset,
                             uint64_t size, void *dst, int threads, slim_parse_error *where)
{
    slim_where_reset(where);
    uint64_t end;
    if (!a || file >= a->nfiles || (!dst && size) || !slim_add_u64(offset, size, &end) ||
        end > a->files[file].size)
        return slim_where_done(where, SLIM_ERR_INVALID_ARG);
    if (size == 0)
        return SLIM_OK;
    if (where)
        where->file = (int)(file > INT32_MAX ? INT32_MAX : file);
    uint8_t *out = dst;
    decoder dec;
    if (decoder_init(&dec, a, threads))
        return slim_where_done(where, SLIM_ERR_NOMEM);
    uint64_t c0 = chunk_of(a, file, offset), c1 = chunk_of(a, file, end - 1) + 1;
    /* Whole chunks go straight to dst; the partial ones at either end go
     * through a buffer. */
    uint64_t full0 = c0, full1 = c1;
    slim_error e = SLIM_OK;
    uint8_t *tmp = NULL;
    for (int side = 0; side < 2 && !e; side++) {
        uint64_t c = side ? c1 - 1 : c0;
        const arc_chunk *ch = &a->chunks[c];
        int partial = ch->file_off < offset || ch->file_off + ch->raw > end;
        if (!partial || (side && c == c0 && full0 != c0))
            continue;
        free(tmp);
        if (!(tmp = malloc((size_t)ch->raw))) {
            e = SLIM_ERR_NOMEM;
            break;
        }
        e = decode_chunks(&dec, c, 1, tmp, ch->file_off, 1, where);
        uint64_t b = offset > ch->file_off ? offset : ch->file_off;
        uint64_t t = end < ch->file_off + ch->raw ? end : ch->file_off + ch->raw;
        if (!e)
            memcpy(out + (b - offset), tmp + (b - ch->file_off), (size_t)(t - b));
        if (side)
            full1 = c;
        else
            full0 = c + 1;
    }
    free(tmp);
    if (!e && full1 > full0)
        e = decode_chunks(&dec, full0, full1 - full0, out, offset, dec.threads, where);
    decoder_free(&dec);
    return slim_where_done(where, e);
}

/* Decodes all of file f window by window, hashing it and handing each
 * window to `sink` (may be NULL); checks the content checksum at the end. */
typedef slim_error (*sink_fn)(void *ctx, const uint8_t *p, size_t n);

typedef struct progress {
    slim_progress_fn fn;
    void *ctx;
    uint64_t done, total;
} progress;

static slim_error stream_file(decoder *dec, uint64_t f, sink_fn sink, void *sink_ctx,
                              progress *pg, slim_parse_error *where)
{
    const slim_archive *a = dec->a;
    const int threads = dec->threads;
    const slim_archive_file *file = &a->files[f];
    XXH3_state_t *h = XXH3_createState();
    size_t cap = file->size < WINDOW_BYTES ? (size_t)file->size : WINDOW_BYTES;
    /* WINDOW_BYTES >= ARC_MAX_CHUNK: every window takes at least one chunk. */
    uint8_t *buf = malloc(cap ? cap : 1);
    slim_error e = h && buf ? SLIM_OK : SLIM_ERR_NOMEM;
    if (!e)
        XXH3_64bits_reset(h);
    uint64_t c = a->first_chunk[f], last = c + file->n_chunks;
    while (!e && c < last) {
        uint64_t n = 0, bytes = 0;
        while (c + n < last && n < (uint64_t)threads * 4 &&
               bytes + a->chunks[c + n].raw <= cap) {
            bytes += a->chunks[c + n].raw;
            n++;
        }
        e = decode_chunks(dec, c, n, buf, a->chunks[c].file_off, threads, where);
        if (!e) {
            XXH3_64bits_update(h, buf, (size_t)bytes);
            if (sink)
                e = sink(sink_ctx, buf, (size_t)bytes);
        }
        c += n;
        if (pg && pg->fn) {
            pg->done += bytes;
            pg->fn(pg->ctx, pg->done, pg->total);
        }
    }
    if (!e && XXH3_64bits_digest(h) != file->xxh3)
        e = slim_fail(where, SLIM_ERR_CHECKSUM, 0, "file content checksum mismatch");
    XXH3_freeState(h);
    free(buf);
    return e;
}

static slim_error write_sink(void *ctx, const uint8_t *p, size_t n)
{
    return slim_outfile_write(ctx, p, n);
}

static slim_error extract_one(decoder *dec, uint64_t file, const char *out_path,
                              progress *pg, slim_parse_error *where)
{
    slim_outfile o = { 0 };
    slim_error e = slim_outfile_open(&o, out_path);
    if (e)
        return slim_fail(where, e, 0, "cannot create the output file");
    if (where)
        where->file = (int)(file > INT32_MAX ? INT32_MAX : file);
    e = stream_file(dec, file, write_sink, &o, pg, where);
    if (!e)
        e = slim_outfile_commit(&o);
    else
        slim_outfile_abort(&o);
    return e;
}

slim_error slim_archive_extract(const slim_archive *a, uint64_t file, const char *out_path,
                                int threads, slim_progress_fn fn, void *ctx,
                                slim_parse_error *where)
{
    slim_where_reset(where);
    if (!a || file >= a->nfiles || !out_path)
        return slim_where_done(where, SLIM_ERR_INVALID_ARG);
    progress pg = { fn, ctx, 0, a->files[file].size };
    decoder dec;
    slim_error e = decoder_init(&dec, a, threads);
    if (!e)
        e = extract_one(&dec, file, out_path, &pg, where);
    decoder_free(&dec);
    return slim_where_done(where, e);
}

/* mkdir -p of the folders of `path` (a dir/name string we built). */
static slim_error make_parents(char *path, size_t root_len)
{
    for (char *s = path + root_len + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        int r = mkdir(path, 0777);
        *s = '/';
        if (r != 0 && errno != EEXIST)
            return SLIM_ERR_IO;
    }
    return SLIM_OK;
}

slim_error slim_archive_unpack(const slim_archive *a, const char *dir, int threads,
                               slim_progress_fn fn, void *ctx, slim_parse_error *where)
{
    slim_where_reset(where);
    if (!a || !dir || !*dir)
        return slim_where_done(where, SLIM_ERR_INVALID_ARG);
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return slim_where_done(where, slim_fail(where, SLIM_ERR_IO, 0, "cannot create the folder"));
    progress pg = { fn, ctx, 0, 0 };
    for (uint64_t i = 0; i < a->nfiles; i++)
        pg.total += a->files[i].size;
    size_t dl = strlen(dir);
    decoder dec;
    slim_error e = decoder_init(&dec, a, threads);
    for (uint64_t i = 0; i < a->nfiles && !e; i++) {
        size_t nl = strlen(a->files[i].name);
        char *path = malloc(dl + nl + 2);
        if (!path) {
            e = SLIM_ERR_NOMEM;
            break;
        }
        memcpy(path, dir, dl);
        path[dl] = '/';
        memcpy(path + dl + 1, a->files[i].name, nl + 1);
        e = make_parents(path, dl);
        if (e)
            slim_fail(where, e, 0, "cannot create a sub-folder");
        else
            e = extract_one(&dec, i, path, &pg, where);
        free(path);
    }
    decoder_free(&dec);
    return slim_where_done(where, e);
}

slim_error slim_archive_verify(const slim_archive *a, int threads, slim_progress_fn fn,
                               void *ctx, slim_parse_error *where)
{
    slim_where_reset(where);
    if (!a)
        return slim_where_done(where, SLIM_ERR_INVALID_ARG);
    progress pg = { fn, ctx, 0, 0 };
    for (uint64_t i = 0; i < a->nfiles; i++)
        pg.total += a->files[i].size;
    decoder dec;
    slim_error e = decoder_init(&dec, a, threads);
    for (uint64_t i = 0; i < a->nfiles && !e; i++) {
        if (where)
            where->file = (int)(i > INT32_MAX ? INT32_MAX : i);
        e = stream_file(&dec, i, NULL, NULL, &pg, where);
    }
    decoder_free(&dec);
    /* Last: a damaged chunk is better reported by its own checksum, with
     * its offset, than by the whole-archive one. This catches damage in
     * bytes no chunk or index covers. */
    uint64_t foot = a->index_offset + a->index_size;
    if (!e && XXH3_64bits(a->map.data, (size_t)foot) != a->archive_hash) {
        if (where)
            where->file = 0;
        e = slim_fail(where, SLIM_ERR_CHECKSUM, foot + 32, "archive checksum mismatch");
    }
    return slim_where_done(where, e);
}
