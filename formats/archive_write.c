/*
 * .slim archive writer: collects the input files, splits each into
 * segments (tensor data of safetensors and GGUF files, tagged with their
 * element width, and everything else), cuts segments into chunks, encodes
 * the chunks in parallel in waves and writes them in order, then the index
 * and the footer. Chunks depend only on their bytes, the level and the
 * chunk size, so the archive is identical for any thread count.
 */
#include "formats/archive_internal.h"
#include "core/parallel.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
/* Inlined: the packaged libxxhash is a generic build, 3-4x slower here. */
#define XXH_INLINE_ALL
#include <xxhash.h>

typedef struct in_file {
    char *path;       /* on disk */
    char *name;       /* in the archive */
    int input;        /* which input named it */
    slim_map map;
    uint64_t hash;
    uint64_t first_chunk, nchunks, stored;
} in_file;

typedef struct seg {
    uint64_t off, size;
    unsigned width;
} seg;

typedef struct job {
    uint32_t file;
    unsigned width;
    uint64_t off, size;
    uint8_t *out;     /* encoded chunk, while in flight */
    size_t out_len;
} job;

typedef struct packer {
    in_file *files;
    size_t nfiles, capfiles;
    job *jobs;
    uint64_t njobs, capjobs;
    slim_buf tensors;  /* the tensor section's records */
    uint64_t ntensors;
    int level;
    uint32_t chunk;
} packer;

/* ---- gathering the input files ---- */

static slim_error add_file(packer *pk, const char *path, const char *name, int input)
{
    if (pk->nfiles == pk->capfiles) {
        size_t cap = pk->capfiles ? 2 * pk->capfiles : 16;
        in_file *f = realloc(pk->files, cap * sizeof *f);
        if (!f)
            return SLIM_ERR_NOMEM;
        pk->files = f;
        pk->capfiles = cap;
    }
    in_file *f = &pk->files[pk->nfiles];
    memset(f, 0, sizeof *f);
    f->path = strdup(path);
    f->name = strdup(name);
    f->input = input;
    if (!f->path || !f->name) {
        free(f->path);
        free(f->name);
        return SLIM_ERR_NOMEM;
    }
    pk->nfiles++;
    return SLIM_OK;
}

static char *join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la + lb + 2);
    if (!s)
        return NULL;
    memcpy(s, a, la);
    s[la] = '/';
    memcpy(s + la + 1, b, lb + 1);
    return s;
}

/* Regular files under dir (following no symlinked folders), named by
 * their path relative to the input folder. */
static slim_error walk(packer *pk, const char *dir, const char *rel, int input, int depth)
{
    if (depth > 64)
        return SLIM_ERR_TOO_LARGE;
    DIR *d = opendir(dir);
    if (!d)
        return SLIM_ERR_IO;
    slim_error e = SLIM_OK;
    struct dirent *de;
    while (!e && (de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char *path = join(dir, de->d_name);
        char *name = *rel ? join(rel, de->d_name) : strdup(de->d_name);
        struct stat st;
        if (!path || !name)
            e = SLIM_ERR_NOMEM;
        else if (lstat(path, &st) != 0)
            e = SLIM_ERR_IO;
        else if (S_ISDIR(st.st_mode))
            e = walk(pk, path, name, input, depth + 1);
        else if (S_ISREG(st.st_mode) || (S_ISLNK(st.st_mode) && stat(path, &st) == 0 &&
                                         S_ISREG(st.st_mode)))
            e = add_file(pk, path, name, input);
        free(path);
        free(name);
    }
    closedir(d);
    return e;
}

/* By name, then by input, so a duplicate is reported at the later input. */
static int by_name(const void *a, const void *b)
{
    const in_file *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->input > y->input) - (x->input < y->input);
}

static slim_error gather(packer *pk, const char *const *inputs, int n, slim_parse_error *where)
{
    for (int i = 0; i < n; i++) {
        struct stat st;
        if (!inputs[i] || stat(inputs[i], &st) != 0) {
            if (where)
                where->file = i;
            return slim_fail(where, SLIM_ERR_IO, 0, "input not found");
        }
        slim_error e;
        if (S_ISDIR(st.st_mode)) {
            e = walk(pk, inputs[i], "", i, 0);
        } else {
            const char *base = strrchr(inputs[i], '/');
            e = add_file(pk, inputs[i], base ? base + 1 : inputs[i], i);
        }
        if (e) {
            if (where)
                where->file = i;
            return slim_fail(where, e, 0, "cannot read the input");
        }
    }
    qsort(pk->files, pk->nfiles, sizeof *pk->files, by_name);
    for (size_t i = 0; i < pk->nfiles; i++) {
        const in_file *f = &pk->files[i];
        if (where)
            where->file = f->input;
        if (!arc_name_ok(f->name, strlen(f->name)))
            return slim_fail(where, SLIM_ERR_INVALID_ARG, 0, "file name not storable");
        if (i && !strcmp(f->name, pk->files[i - 1].name))
            return slim_fail(where, SLIM_ERR_DUPLICATE, 0, "two inputs give the same name");
    }
    if (where)
        where->file = 0;
    return SLIM_OK;
}

/* ---- segments: tensor data by element width ---- */

static unsigned st_width(slim_dtype d)
{
    return d == SLIM_DTYPE_F16 || d == SLIM_DTYPE_BF16 ? 2 : d == SLIM_DTYPE_F32 ? 4 : 1;
}

static unsigned gguf_width(slim_type t)
{
    return t == SLIM_TYPE_F16 || t == SLIM_TYPE_BF16 ? 2 : t == SLIM_TYPE_F32 ? 4 : 1;
}

static void tensor_record(packer *pk, uint32_t file, const char *name, const char *dtype,
                          int n_dims, const uint64_t *shape, uint64_t off, uint64_t size)
{
    slim_buf *b = &pk->tensors;
    slim_buf_u32(b, file);
    uint8_t small[4] = { (uint8_t)strlen(dtype), (uint8_t)n_dims, 0, 0 };
    slim_buf_append(b, small, 4);
    slim_buf_u64(b, off);
    slim_buf_u64(b, size);
    for (int i = 0; i < n_dims; i++)
        slim_buf_u64(b, shape[i]);
    slim_buf_append(b, dtype, small[0]);
    slim_buf_u32(b, (uint32_t)strlen(name));
    slim_buf_append(b, name, strlen(name));
    pk->ntensors++;
}

static int seg_cmp(const void *a, const void *b)
{
    uint64_t x = ((const seg *)a)->off, y = ((const seg *)b)->off;
    return x < y ? -1 : x > y;
}

/* The tensor segments of a safetensors or GGUF file (none for other files),
 * recording each tensor in the index. Returns the count in *n. */
static slim_error model_segments(packer *pk, uint32_t fi, seg **out, uint64_t *n)
{
    const slim_map *m = &pk->files[fi].map;
    *out = NULL;
    *n = 0;
    if (m->size < 8)
        return SLIM_OK;
    slim_safetensors *st = NULL;
    slim_gguf *g = NULL;
    if (!memcmp(m->data, "GGUF", 4)) {
        if (slim_gguf_parse(m->data, m->size, &g, NULL) != SLIM_OK)
            return SLIM_OK;
    } else if (m->size > 8 && m->data[8] == '{') {
        if (slim_st_parse(m->data, m->size, &st, NULL) != SLIM_OK)
            return SLIM_OK;
    } else {
        return SLIM_OK;
    }
    uint64_t count = st ? slim_st_tensor_count(st) : slim_gguf_tensor_count(g);
    seg *s = count ? calloc(count, sizeof *s) : NULL;
    if (count && !s) {
        slim_st_close(st);
        slim_gguf_close(g);
        return SLIM_ERR_NOMEM;
    }
    for (uint64_t i = 0; i < count; i++) {
        uint64_t shape[SLIM_GGUF_MAX_DIMS];
        if (st) {
            const slim_st_tensor *t = slim_st_tensor_at(st, i);
            s[i] = (seg){ t->file_offset, t->size, st_width(t->dtype) };
            int nd = t->n_dims < (int)ARC_MAX_DIMS ? t->n_dims : (int)ARC_MAX_DIMS;
            uint64_t sh[ARC_MAX_DIMS];
            for (int d = 0; d < nd; d++)
                sh[d] = (uint64_t)t->shape[d];
            tensor_record(pk, fi, t->name, slim_dtype_name(t->dtype), nd, sh, t->file_offset,
                          t->size);
        } else {
            const slim_gguf_tensor *t = slim_gguf_tensor_at(g, i);
            uint64_t off = (uint64_t)((const uint8_t *)t->data - m->data);
            s[i] = (seg){ off, t->size, gguf_width(t->type) };
            for (int d = 0; d < t->n_dims; d++)
                shape[d] = (uint64_t)t->ne[d];
            const slim_type_info *ti = slim_type_get(t->type);
            tensor_record(pk, fi, t->name, ti ? ti->name : "?", t->n_dims, shape, off, t->size);
        }
        if (s[i].size % s[i].width)
            s[i].width = 1;
    }
    slim_st_close(st);
    slim_gguf_close(g);
    qsort(s, count, sizeof *s, seg_cmp);
    *out = s;
    *n = count;
    return SLIM_OK;
}

static slim_error add_job(packer *pk, uint32_t file, unsigned width, uint64_t off, uint64_t size)
{
    if (pk->njobs == pk->capjobs) {
        uint64_t cap = pk->capjobs ? 2 * pk->capjobs : 64;
        job *j = realloc(pk->jobs, cap * sizeof *j);
        if (!j)
            return SLIM_ERR_NOMEM;
        pk->jobs = j;
        pk->capjobs = cap;
    }
    pk->jobs[pk->njobs++] = (job){ file, width, off, size, NULL, 0 };
    return SLIM_OK;
}

/* Chunks of [off, off+size) with one width; chunk sizes are multiples of 4. */
static slim_error add_range(packer *pk, uint32_t fi, unsigned width, uint64_t off, uint64_t size)
{
    while (size) {
        uint64_t n = size < pk->chunk ? size : pk->chunk;
        slim_error e = add_job(pk, fi, width, off, n);
        if (e)
            return e;
        off += n;
        size -= n;
    }
    return SLIM_OK;
}

static slim_error plan_file(packer *pk, uint32_t fi)
{
    in_file *f = &pk->files[fi];
    seg *s;
    uint64_t n;
    slim_error e = model_segments(pk, fi, &s, &n);
    if (e)
        return e;
    f->first_chunk = pk->njobs;
    uint64_t pos = 0;
    for (uint64_t i = 0; i < n && !e; i++) {
        if (s[i].off > pos)
            e = add_range(pk, fi, 1, pos, s[i].off - pos);
        if (!e && s[i].off >= pos) {
            e = add_range(pk, fi, s[i].width, s[i].off, s[i].size);
            pos = s[i].off + s[i].size;
        }
    }
    if (!e && pos < f->map.size)
        e = add_range(pk, fi, 1, pos, f->map.size - pos);
    f->nchunks = pk->njobs - f->first_chunk;
    free(s);
    return e;
}

/* ---- encoding in waves ---- */

typedef struct enc_slot {
    ZSTD_CCtx *cctx;
    uint8_t *scratch;
} enc_slot;

/*
 * Maps the page tables of a job's input in one call: taking the page
 * faults one by one cost about a quarter of the packing time (more under
 * virtualization). Each worker does it for its own job, so the kernel work
 * runs in parallel too. Only a hint: errors are ignored, and kernels without
 * MADV_POPULATE_READ fault the pages in as they are read.
 */
static void prefault(const packer *pk, const job *j)
{
#ifdef MADV_POPULATE_READ
    const long page = sysconf(_SC_PAGESIZE); /* called from the workers */
    uintptr_t b = (uintptr_t)(pk->files[j->file].map.data + j->off);
    uintptr_t e = b + (uintptr_t)j->size;
    b &= ~(uintptr_t)(page - 1);
    if (e > b)
        (void)madvise((void *)b, e - b, MADV_POPULATE_READ);
#else
    (void)pk;
    (void)j;
#endif
}

typedef struct writer {
    slim_outfile out;
    XXH3_state_t *hash;     /* of the whole archive */
    XXH3_state_t *content;  /* of the current file */
    uint64_t *chunk_off;
} writer;

/*
 * Waves of chunks are encoded while the previous wave is written: one job
 * of each wave's run writes the previous wave (hashes and write calls are
 * sequential by nature), the others encode into the other bank of output
 * buffers. With one thread this is the plain order; with more, the writing
 * no longer leaves the other threads idle.
 */
typedef struct wave {
    packer *pk;
    writer *w;
    uint64_t first, n;        /* the jobs this run encodes */
    uint64_t flush_first, flush_n; /* the jobs it writes (flush_n 0: none) */
    uint64_t per_wave;
    enc_slot *slots;
    uint8_t **out;      /* two banks of per_wave reusable output buffers */
} wave;

static slim_error put(writer *w, const void *p, size_t n)
{
    XXH3_64bits_update(w->hash, p, n);
    return slim_outfile_write(&w->out, p, n);
}

/* Writes encoded jobs [first, first + n) in order. Each file's content hash
 * runs over its chunks here, while their bytes are still in cache (a
 * separate pass over the mapped inputs cost a quarter of the packing time). */
static slim_error flush_jobs(packer *pk, writer *w, uint64_t first, uint64_t n)
{
    slim_error e = SLIM_OK;
    for (uint64_t i = first; !e && i < first + n; i++) {
        job *j = &pk->jobs[i];
        w->chunk_off[i] = w->out.written;
        in_file *f = &pk->files[j->file];
        if (i == f->first_chunk)
            XXH3_64bits_reset(w->content);
        XXH3_64bits_update(w->content, f->map.data + j->off, (size_t)j->size);
        if (i + 1 == f->first_chunk + f->nchunks)
            f->hash = XXH3_64bits_digest(w->content);
        f->stored += j->out_len;
        e = put(w, j->out, j->out_len);
    }
    return e;
}

static slim_error wave_job(void *ctx, int slot, uint64_t i)
{
    wave *w = ctx;
    packer *pk = w->pk;
    if (w->flush_n) {
        if (i == 0)
            return flush_jobs(pk, w->w, w->flush_first, w->flush_n);
        i--;
    }
    uint64_t k = w->first + i;
    job *j = &pk->jobs[k];
    prefault(pk, j);
    j->out = w->out[(k / w->per_wave) % 2 * w->per_wave + i];
    return arc_encode_chunk(w->slots[slot].cctx, pk->level, j->width,
                            pk->files[j->file].map.data + j->off, (size_t)j->size,
                            w->slots[slot].scratch, j->out, &j->out_len);
}


static void section(slim_buf *idx, uint32_t kind, const slim_buf *body)
{
    slim_buf_u32(idx, kind);
    slim_buf_u32(idx, 0);
    slim_buf_u64(idx, body->len);
    slim_buf_append(idx, body->data, body->len);
    if (body->failed)
        idx->failed = 1;
}

static slim_error write_index(packer *pk, writer *w)
{
    const uint64_t *chunk_off = w->chunk_off;
    slim_buf files = { 0 }, chunks = { 0 }, idx = { 0 };
    slim_buf_u64(&files, pk->nfiles);
    for (size_t i = 0; i < pk->nfiles; i++) {
        const in_file *f = &pk->files[i];
        slim_buf_u64(&files, f->map.size);
        slim_buf_u64(&files, f->first_chunk);
        slim_buf_u64(&files, f->nchunks);
        slim_buf_u64(&files, f->hash);
        slim_buf_u32(&files, (uint32_t)strlen(f->name));
        slim_buf_append(&files, f->name, strlen(f->name));
    }
    slim_buf_u64(&chunks, pk->njobs);
    for (uint64_t i = 0; i < pk->njobs; i++) {
        slim_buf_u64(&chunks, chunk_off[i]);
        slim_buf_u64(&chunks, pk->jobs[i].size);
    }
    slim_buf tens = { 0 };
    slim_buf_u64(&tens, pk->ntensors);
    slim_buf_append(&tens, pk->tensors.data, pk->tensors.len);
    if (pk->tensors.failed)
        tens.failed = 1;
    slim_buf_u32(&idx, ARC_INDEX_MAGIC);
    slim_buf_u32(&idx, 0);
    section(&idx, ARC_SEC_FILES, &files);
    section(&idx, ARC_SEC_CHUNKS, &chunks);
    section(&idx, ARC_SEC_TENSORS, &tens);
    slim_error e = idx.failed ? SLIM_ERR_NOMEM : SLIM_OK;
    uint64_t index_off = w->out.written;
    if (!e)
        e = put(w, idx.data, idx.len);
    if (!e) {
        uint8_t foot[ARC_FOOTER_SIZE] = { 0 };
        memcpy(foot, ARC_END_MAGIC, 8);
        slim_put_le64(foot + 8, index_off);
        slim_put_le64(foot + 16, idx.len);
        slim_put_le64(foot + 24, XXH3_64bits(idx.data, idx.len));
        slim_put_le64(foot + 32, XXH3_64bits_digest(w->hash));
        e = slim_outfile_write(&w->out, foot, sizeof foot);
    }
    slim_buf_free(&files);
    slim_buf_free(&chunks);
    slim_buf_free(&tens);
    slim_buf_free(&idx);
    return e;
}

static slim_error pack_all(packer *pk, const char *out_path, int threads,
                           const slim_pack_options *opt, slim_parse_error *where)
{
    uint64_t total = 0;
    for (size_t i = 0; i < pk->nfiles; i++) {
        if (slim_map_open(pk->files[i].path, &pk->files[i].map) != SLIM_OK) {
            if (where)
                where->file = pk->files[i].input;
            return slim_fail(where, SLIM_ERR_IO, 0, "cannot map an input file");
        }
        pk->files[i].hash = XXH3_64bits(NULL, 0); /* files with chunks: set below */
        total += pk->files[i].map.size;
        slim_error e = plan_file(pk, (uint32_t)i);
        if (e)
            return slim_fail(where, e, 0, "cannot plan the chunks");
    }
    writer w = { { 0 }, XXH3_createState(), XXH3_createState(),
                 malloc((pk->njobs ? pk->njobs : 1) * sizeof *w.chunk_off) };
    slim_error e = w.chunk_off && w.hash && w.content ? SLIM_OK : SLIM_ERR_NOMEM;
    if (!e)
        XXH3_64bits_reset(w.hash);
    if (!e && (e = slim_outfile_open(&w.out, out_path)) != SLIM_OK)
        slim_fail(where, e, 0, "cannot create the output");
    if (!e) {
        uint8_t hdr[ARC_HEADER_SIZE] = { 0 };
        memcpy(hdr, ARC_MAGIC, 8);
        slim_put_le32(hdr + 8, ARC_VERSION);
        e = put(&w, hdr, sizeof hdr);
    }
    /* Waves of a few chunks per thread keep memory bounded; contexts and
     * buffers are made once and reused by every wave. */
    uint64_t per_wave = (uint64_t)threads * 2, done = 0;
    wave wv = { .pk = pk, .w = &w, .per_wave = per_wave,
                .slots = calloc((size_t)threads, sizeof(enc_slot)),
                .out = calloc((size_t)per_wave * 2, sizeof(uint8_t *)) };
    if (!e && (!wv.slots || !wv.out))
        e = SLIM_ERR_NOMEM;
    for (int t = 0; !e && t < threads; t++) {
        wv.slots[t].cctx = ZSTD_createCCtx();
        wv.slots[t].scratch = malloc(pk->chunk);
        if (!wv.slots[t].cctx || !wv.slots[t].scratch)
            e = SLIM_ERR_NOMEM;
    }
    size_t bound = arc_chunk_bound(pk->chunk, 1);
    for (unsigned width = 2; width <= 4; width *= 2)
        if (arc_chunk_bound(pk->chunk, width) > bound)
            bound = arc_chunk_bound(pk->chunk, width);
    for (uint64_t i = 0; !e && i < per_wave * 2; i++)
        if (!(wv.out[i] = malloc(bound)))
            e = SLIM_ERR_NOMEM;
    /* Run k encodes wave k and writes wave k - 1; one more run writes the
     * last wave. */
    for (uint64_t first = 0; !e && (first < pk->njobs || wv.flush_n); first += per_wave) {
        uint64_t n = first < pk->njobs ? pk->njobs - first : 0;
        wv.first = first;
        wv.n = n < per_wave ? n : per_wave;
        e = arc_run(threads, wv.n + (wv.flush_n ? 1 : 0), wave_job, &wv, NULL);
        for (uint64_t i = wv.flush_first; i < wv.flush_first + wv.flush_n; i++)
            done += pk->jobs[i].size;
        if (!e && wv.flush_n && opt && opt->progress)
            opt->progress(opt->progress_ctx, done, total);
        wv.flush_first = first;
        wv.flush_n = wv.n;
    }
    for (int t = 0; wv.slots && t < threads; t++) {
        ZSTD_freeCCtx(wv.slots[t].cctx);
        free(wv.slots[t].scratch);
    }
    for (uint64_t i = 0; wv.out && i < per_wave * 2; i++)
        free(wv.out[i]);
    free(wv.slots);
    free(wv.out);
    if (!e)
        e = write_index(pk, &w);
    if (!e)
        e = slim_outfile_commit(&w.out);
    else
        slim_outfile_abort(&w.out);
    XXH3_freeState(w.hash);
    XXH3_freeState(w.content);
    free(w.chunk_off);
    return e ? slim_fail(where, e, 0, where && where->reason ? where->reason
                                                              : "writing the archive failed")
             : SLIM_OK;
}

slim_error slim_pack(const char *out_path, const char *const *inputs, int n_inputs,
                     const slim_pack_options *opt, slim_parse_error *where)
{
    slim_where_reset(where);
    slim_pack_options o = opt ? *opt : (slim_pack_options){ 0 };
    if (!out_path || !inputs || n_inputs <= 0)
        return slim_where_done(where, SLIM_ERR_INVALID_ARG);
    if (o.level == 0)
        o.level = 3;
    if (o.chunk_size == 0)
        o.chunk_size = ARC_DEFAULT_CHUNK;
    if (o.level < 1 || o.level > ZSTD_maxCLevel() || o.chunk_size % 4 ||
        o.chunk_size < ARC_MIN_CHUNK || o.chunk_size > ARC_MAX_CHUNK)
        return slim_where_done(where, slim_fail(where, SLIM_ERR_INVALID_ARG, 0, "bad option"));
    int threads = o.threads > 0 ? o.threads : slim_cpu_count();
    packer pk = { .level = o.level, .chunk = o.chunk_size };
    slim_error e = gather(&pk, inputs, n_inputs, where);
    if (!e)
        e = pack_all(&pk, out_path, threads, &o, where);
    for (size_t i = 0; i < pk.nfiles; i++) {
        slim_map_close(&pk.files[i].map);
        free(pk.files[i].path);
        free(pk.files[i].name);
    }
    free(pk.files);
    free(pk.jobs);
    slim_buf_free(&pk.tensors);
    return slim_where_done(where, e);
}
