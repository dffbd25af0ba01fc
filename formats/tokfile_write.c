/*
 * Token file writer: documents in, numbered shards out. Each file is
 * written under a temporary name, closed (and hashed) when its shard is
 * full, and renamed only by tokfile_commit, so a run that fails or is
 * interrupted leaves nothing behind. A Megatron shard keeps its sequence
 * lengths in memory (4 bytes per document) until its .idx is written.
 */
#include "formats/tokfile.h"
#include "formats/fmt_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

typedef struct out_file {
    slim_outfile f;
    slim_batch_output info;
    XXH3_state_t *hash;    /* hashed as written (flat data), else read back */
} out_file;

struct tokfile_writer {
    slim_tokfile_format format;
    slim_tokfile_dtype dtype;
    char *path;
    uint64_t shard_tokens;
    out_file *files;       /* every file started, in order */
    size_t n_files, cap_files;
    size_t cur;            /* the data file being written (index in files) */
    int open;              /* a shard is open */
    uint32_t shard;        /* number of the open shard */
    int32_t *lens;         /* Megatron: sequence lengths of the open shard */
    size_t n_lens, cap_lens;
};

const char *tokfile_npy_descr(slim_tokfile_dtype dtype)
{
    return dtype == SLIM_TOKFILE_U16 ? "<u2" : dtype == SLIM_TOKFILE_I32 ? "<i4" : "<u4";
}

void tokfile_npy_header(uint8_t *out, const char *descr, uint64_t n)
{
    memset(out, ' ', TOKFILE_NPY_HEADER);
    memcpy(out, "\x93NUMPY\x01\x00", 8);
    out[8] = (uint8_t)((TOKFILE_NPY_HEADER - 10) & 0xFF);
    out[9] = (uint8_t)((TOKFILE_NPY_HEADER - 10) >> 8);
    char dict[TOKFILE_NPY_HEADER];
    int k = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (%" PRIu64
                     ",), }", descr, n);
    memcpy(out + 10, dict, (size_t)k);
    out[TOKFILE_NPY_HEADER - 1] = '\n';
}

slim_error tokfile_hash(const char *path, uint64_t *hash, uint64_t *size)
{
    /* Read in blocks rather than mapped: a mapping of a large output would
     * count against the run's memory bound. */
    FILE *f = fopen(path, "rb");
    XXH3_state_t *h = XXH3_createState();
    uint8_t *buf = malloc(1 << 20);
    slim_error e = f && h && buf ? SLIM_OK : f ? SLIM_ERR_NOMEM : SLIM_ERR_IO;
    uint64_t total = 0;
    if (!e)
        XXH3_64bits_reset(h);
    while (!e) {
        size_t n = fread(buf, 1, 1 << 20, f);
        XXH3_64bits_update(h, buf, n);
        total += n;
        if (n < (1 << 20)) {
            if (ferror(f))
                e = SLIM_ERR_IO;
            break;
        }
    }
    if (!e) {
        *hash = XXH3_64bits_digest(h);
        *size = total;
    }
    if (f)
        fclose(f);
    XXH3_freeState(h);
    free(buf);
    return e;
}

/* Name of shard `shard` with suffix `ext` ("" for bin/npy/jsonl, ".bin" or
 * ".idx" for Megatron): NAME-00003.EXT when sharded. */
static char *shard_name(const tokfile_writer *w, const char *ext)
{
    const char *p = w->path;
    size_t n = strlen(p);
    size_t stem = n;
    if (w->shard_tokens && !*ext) {
        /* Number before the extension of the file name, if it has one. */
        const char *slash = strrchr(p, '/');
        const char *dot = strrchr(slash ? slash + 1 : p, '.');
        if (dot && dot != (slash ? slash + 1 : p))
            stem = (size_t)(dot - p);
    }
    size_t cap = n + strlen(ext) + 32;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    if (w->shard_tokens)
        snprintf(s, cap, "%.*s-%05" PRIu32 "%s%s", (int)stem, p, w->shard, p + stem, ext);
    else
        snprintf(s, cap, "%s%s", p, ext);
    return s;
}

static slim_error start_file(tokfile_writer *w, const char *ext)
{
    if (!slim_grow((void **)&w->files, &w->cap_files, w->n_files + 1, sizeof *w->files))
        return SLIM_ERR_NOMEM;
    out_file *o = &w->files[w->n_files];
    memset(o, 0, sizeof *o);
    char *name = shard_name(w, ext);
    if (!name)
        return SLIM_ERR_NOMEM;
    slim_error e = slim_outfile_open(&o->f, name);
    o->info.path = name;
    if (e) {
        free(name);
        return e;
    }
    w->n_files++;
    /* Large writes: the writer thread's time is the pipeline's bound. */
    setvbuf(o->f.f, NULL, _IOFBF, 1 << 20);
    return SLIM_OK;
}

static slim_error open_shard(tokfile_writer *w)
{
    slim_error e = start_file(w, w->format == SLIM_TOKFILE_MEGATRON ? ".bin" : "");
    if (e)
        return e;
    w->cur = w->n_files - 1;
    w->open = 1;
    w->n_lens = 0;
    /* Data written in order is hashed on the way (no second read); an npy
     * header is rewritten at the end, so npy files are read back. */
    if (w->format != SLIM_TOKFILE_NPY) {
        out_file *o = &w->files[w->cur];
        if (!(o->hash = XXH3_createState()))
            return SLIM_ERR_NOMEM;
        XXH3_64bits_reset(o->hash);
    }
    if (w->format == SLIM_TOKFILE_NPY) {
        uint8_t head[TOKFILE_NPY_HEADER];
        tokfile_npy_header(head, tokfile_npy_descr(w->dtype), 0); /* rewritten at close */
        return slim_outfile_write(&w->files[w->cur].f, head, sizeof head);
    }
    return SLIM_OK;
}

/* Closes a finished file: flushes it, then records its size and checksum. */
static slim_error seal(out_file *o)
{
    slim_error e = slim_outfile_close(&o->f);
    if (e || !o->hash)
        return e ? e : tokfile_hash(o->f.tmp, &o->info.xxh3, &o->info.bytes);
    o->info.xxh3 = XXH3_64bits_digest(o->hash);
    o->info.bytes = o->f.written;
    XXH3_freeState(o->hash);
    o->hash = NULL;
    return SLIM_OK;
}

static slim_error write_le(slim_outfile *f, uint64_t v, int bytes)
{
    uint8_t b[8];
    for (int i = 0; i < bytes; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    return slim_outfile_write(f, b, (size_t)bytes);
}

/* The .idx of the shard just closed: one sequence per document. */
static slim_error write_megatron_index(tokfile_writer *w)
{
    /* Read before start_file, which may move the file table. */
    uint64_t docs = w->files[w->cur].info.documents, toks = w->files[w->cur].info.tokens;
    slim_error e = start_file(w, ".idx");
    if (e)
        return e;
    out_file *ix = &w->files[w->n_files - 1];
    ix->info.documents = docs;
    ix->info.tokens = toks;
    slim_outfile *f = &ix->f;
    uint64_t n = w->n_lens, item = w->dtype == SLIM_TOKFILE_U16 ? 2 : 4;
    e = slim_outfile_write(f, TOKFILE_MEGATRON_MAGIC, 9);
    if (!e) e = write_le(f, 1, 8);
    if (!e) e = write_le(f, item == 2 ? TOKFILE_MEGATRON_U16 : TOKFILE_MEGATRON_I32, 1);
    if (!e) e = write_le(f, n, 8);
    if (!e) e = write_le(f, n + 1, 8);
    for (uint64_t i = 0; i < n && !e; i++)
        e = write_le(f, (uint32_t)w->lens[i], 4);
    uint64_t ptr = 0;
    for (uint64_t i = 0; i < n && !e; i++) {
        e = write_le(f, ptr, 8);
        ptr += (uint64_t)w->lens[i] * item;
    }
    for (uint64_t i = 0; i <= n && !e; i++)
        e = write_le(f, i, 8);
    return e ? e : seal(ix);
}

static slim_error close_shard(tokfile_writer *w)
{
    if (!w->open)
        return SLIM_OK;
    w->open = 0;
    out_file *o = &w->files[w->cur];
    if (w->format == SLIM_TOKFILE_NPY) {
        uint8_t head[TOKFILE_NPY_HEADER];
        tokfile_npy_header(head, tokfile_npy_descr(w->dtype), o->info.tokens);
        if (fflush(o->f.f) != 0 || fseek(o->f.f, 0, SEEK_SET) != 0 ||
            fwrite(head, 1, sizeof head, o->f.f) != sizeof head)
            return SLIM_ERR_IO;
    }
    slim_error e = seal(o);
    if (e)
        return e;
    if (w->format == SLIM_TOKFILE_MEGATRON)
        return write_megatron_index(w);
    return SLIM_OK;
}

slim_error tokfile_open(slim_tokfile_format format, slim_tokfile_dtype dtype, const char *path,
                        uint64_t shard_tokens, tokfile_writer **out)
{
    *out = NULL;
    if (!path || !*path || format > SLIM_TOKFILE_JSONL || dtype == SLIM_TOKFILE_AUTO ||
        dtype > SLIM_TOKFILE_I32 ||
        (format == SLIM_TOKFILE_MEGATRON && dtype == SLIM_TOKFILE_U32))
        return SLIM_ERR_INVALID_ARG;
    tokfile_writer *w = calloc(1, sizeof *w);
    if (!w || !(w->path = strdup(path))) {
        free(w);
        return SLIM_ERR_NOMEM;
    }
    w->format = format;
    w->dtype = dtype;
    w->shard_tokens = shard_tokens;
    slim_error e = open_shard(w);
    if (e) {
        tokfile_abort(w);
        return e;
    }
    *out = w;
    return SLIM_OK;
}

slim_error tokfile_add(tokfile_writer *w, const void *payload, size_t bytes, uint64_t tokens)
{
    out_file *o = &w->files[w->cur];
    if (w->shard_tokens && o->info.tokens > 0 && tokens > w->shard_tokens - o->info.tokens) {
        slim_error e = close_shard(w);
        w->shard++;
        if (!e)
            e = open_shard(w);
        if (e)
            return e;
        o = &w->files[w->cur];
    }
    if (w->format == SLIM_TOKFILE_MEGATRON) {
        if (tokens > INT32_MAX)
            return SLIM_ERR_OVERFLOW;
        if (!slim_grow((void **)&w->lens, &w->cap_lens, w->n_lens + 1, sizeof *w->lens))
            return SLIM_ERR_NOMEM;
        w->lens[w->n_lens++] = (int32_t)tokens;
    }
    o->info.documents++;
    o->info.tokens += tokens;
    if (o->hash)
        XXH3_64bits_update(o->hash, payload, bytes);
    return slim_outfile_write(&o->f, payload, bytes);
}

static void free_writer(tokfile_writer *w)
{
    for (size_t i = 0; i < w->n_files; i++) {
        slim_outfile_abort(&w->files[i].f);
        free(w->files[i].info.path);
        XXH3_freeState(w->files[i].hash);
    }
    free(w->files);
    free(w->lens);
    free(w->path);
    free(w);
}

void tokfile_abort(tokfile_writer *w)
{
    if (w)
        free_writer(w);
}

slim_error tokfile_commit(tokfile_writer *w, slim_batch_stats *stats)
{
    slim_error e = close_shard(w);
    for (size_t i = 0; i < w->n_files && !e; i++)
        e = slim_outfile_commit(&w->files[i].f);
    if (e) {
        free_writer(w);
        return e;
    }
    slim_batch_output *outs = calloc(w->n_files ? w->n_files : 1, sizeof *outs);
    if (!outs) {
        free_writer(w);
        return SLIM_ERR_NOMEM;
    }
    for (size_t i = 0; i < w->n_files; i++) {
        outs[i] = w->files[i].info;
        w->files[i].info.path = NULL; /* moved */
    }
    if (stats) {
        stats->outputs = outs;
        stats->n_outputs = w->n_files;
    } else {
        for (size_t i = 0; i < w->n_files; i++)
            free(outs[i].path);
        free(outs);
    }
    free_writer(w);
    return SLIM_OK;
}
