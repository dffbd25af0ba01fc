/*
 * bench-archive: size and per-core speed of .slim archives against plain
 * zstd at the same level (docs/PERFORMANCE.md, ".slim archives").
 *
 *   bench-archive PATH [LEVEL [REPS]]   PATH: a file or a folder
 *   bench-archive --make-synth DIR      writes DIR/bf16/model.safetensors
 *                                       (64 MiB) and DIR/f32/... (128 MiB)
 *
 * slim: slim_pack on one thread (reads the files, hashes, groups,
 * compresses, writes the archive) and slim_archive_read of every file on
 * one thread (checks chunk checksums, decompresses, ungroups).
 * zstd: ZSTD_compressCCtx / ZSTD_decompressDCtx on the same bytes, in
 * memory, in the same 1 MiB chunks. Speeds are MB/s of uncompressed data
 * per CPU second (process CPU time, best of REPS), so they stay meaningful
 * on a busy machine. Then wall-clock MB/s of slim_pack and of reading every
 * file (slim_archive_read) on 1 thread and on all threads, for the scaling.
 */
#include "slim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#define CHUNK (1u << 20)

static double cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int make_synth(const char *dir, int bf16)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, bf16 ? "bf16" : "f32");
    mkdir(dir, 0777);
    mkdir(path, 0777);
    snprintf(path, sizeof path, "%s/%s/model.safetensors", dir, bf16 ? "bf16" : "f32");
    const int64_t rows = 2048, cols = 2048, block = 64;
    slim_st_writer *w;
    if (slim_st_writer_open(path, &w))
        return 1;
    for (int t = 0; t < 8; t++) {
        char name[64];
        snprintf(name, sizeof name, "layers.%d.weight", t);
        int64_t shape[2] = { rows, cols };
        if (slim_st_writer_add_tensor(w, name, bf16 ? SLIM_DTYPE_BF16 : SLIM_DTYPE_F32, 2, shape))
            return 1;
    }
    float *x = malloc((size_t)(block * cols) * sizeof *x);
    uint16_t *h = malloc((size_t)(block * cols) * sizeof *h);
    for (int t = 0; t < 8 && x && h; t++)
        for (int64_t r = 0; r < rows; r += block) {
            slim_synth_weights(x, r, block, cols, 1234u + (unsigned)t);
            if (bf16) {
                for (int64_t i = 0; i < block * cols; i++) { /* round to nearest even */
                    uint32_t u;
                    memcpy(&u, &x[i], 4);
                    u += 0x7fffu + ((u >> 16) & 1u);
                    h[i] = (uint16_t)(u >> 16);
                }
                if (slim_st_writer_write(w, h, (size_t)(block * cols) * 2))
                    return 1;
            } else if (slim_st_writer_write(w, x, (size_t)(block * cols) * 4)) {
                return 1;
            }
        }
    free(x);
    free(h);
    return slim_st_writer_finish(w) ? 1 : 0;
}

static double wall_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Best wall-clock seconds of packing `in` and of reading every file of the
 * result into buf, on `threads` threads. */
static int wall_times(const char *in, const char *arc, int level, int threads, int reps,
                      uint8_t *buf, double *pack, double *read)
{
    const char *ins[1] = { in };
    slim_pack_options o = { .level = level, .threads = threads };
    *pack = *read = 1e30;
    for (int r = 0; r < reps; r++) {
        double t0 = wall_seconds();
        if (slim_pack(arc, ins, 1, &o, NULL))
            return 1;
        double t = wall_seconds() - t0;
        *pack = t < *pack ? t : *pack;
    }
    slim_archive *a;
    if (slim_archive_open(arc, &a, NULL))
        return 1;
    for (int r = 0; r < reps; r++) {
        double t0 = wall_seconds();
        uint64_t off = 0;
        for (uint64_t i = 0; i < slim_archive_file_count(a); i++) {
            uint64_t n = slim_archive_file_at(a, i)->size;
            if (slim_archive_read(a, i, 0, n, buf + off, threads, NULL))
                return 1;
            off += n;
        }
        double t = wall_seconds() - t0;
        *read = t < *read ? t : *read;
    }
    slim_archive_close(a);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--make-synth"))
        return make_synth(argv[2], 1) || make_synth(argv[2], 0);
    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: bench-archive PATH [LEVEL [REPS]] | --make-synth DIR\n");
        return 2;
    }
    const char *in = argv[1];
    int level = argc > 2 ? atoi(argv[2]) : 3, reps = argc > 3 ? atoi(argv[3]) : 3;
    char arc[] = "/tmp/bench-archive-XXXXXX";
    int fd = mkstemp(arc);
    if (fd < 0)
        return 1;
    close(fd);
    const char *ins[1] = { in };
    slim_pack_options o = { .level = level, .threads = 1 };
    double tp = 1e30, tr = 1e30, tz = 1e30, tzd = 1e30;
    for (int r = 0; r < reps; r++) {
        double t0 = cpu_seconds();
        if (slim_pack(arc, ins, 1, &o, NULL))
            return 1;
        double t = cpu_seconds() - t0;
        tp = t < tp ? t : tp;
    }
    slim_archive *a;
    if (slim_archive_open(arc, &a, NULL))
        return 1;
    uint64_t total = 0, stored = 0;
    for (uint64_t i = 0; i < slim_archive_file_count(a); i++) {
        total += slim_archive_file_at(a, i)->size;
        stored += slim_archive_file_at(a, i)->stored;
    }
    uint8_t *buf = malloc(total ? total : 1), *out = malloc(total ? total : 1);
    size_t nchunks = total / CHUNK + 1, bound = ZSTD_compressBound(CHUNK);
    uint8_t *z = malloc(nchunks * bound);
    size_t *lens = malloc(nchunks * sizeof *lens), zsize = 0;
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    ZSTD_DCtx *dc = ZSTD_createDCtx();
    if (!buf || !out || !z || !lens || !cc || !dc)
        return 1;
    memset(out, 0, total); /* page faults out of the timed loops */
    for (int r = 0; r < reps + 1; r++) { /* the first pass faults buf in */
        double t0 = cpu_seconds();
        uint64_t off = 0;
        for (uint64_t i = 0; i < slim_archive_file_count(a); i++) {
            uint64_t n = slim_archive_file_at(a, i)->size;
            if (slim_archive_read(a, i, 0, n, buf + off, 1, NULL))
                return 1;
            off += n;
        }
        double t = cpu_seconds() - t0;
        tr = r && t < tr ? t : tr;
    }
    for (int r = 0; r < reps; r++) {
        double t0 = cpu_seconds();
        size_t k = 0;
        zsize = 0;
        for (uint64_t p = 0; p < total; p += CHUNK, k++) {
            size_t n = total - p < CHUNK ? (size_t)(total - p) : CHUNK;
            lens[k] = ZSTD_compressCCtx(cc, z + zsize, bound, buf + p, n, level);
            if (ZSTD_isError(lens[k]))
                return 1;
            zsize += lens[k];
        }
        double t = cpu_seconds() - t0;
        tz = t < tz ? t : tz;
        t0 = cpu_seconds();
        size_t q = 0;
        k = 0;
        for (uint64_t p = 0; p < total; p += CHUNK, k++) {
            size_t n = total - p < CHUNK ? (size_t)(total - p) : CHUNK;
            if (ZSTD_decompressDCtx(dc, out + p, n, z + q, lens[k]) != n)
                return 1;
            q += lens[k];
        }
        t = cpu_seconds() - t0;
        tzd = t < tzd ? t : tzd;
    }
    double mb = (double)total / 1e6;
    printf("%s level %d, %llu bytes\n  slim: %.4f of the size, compress %.0f MB/s, decompress %.0f MB/s\n"
           "  zstd: %.4f of the size, compress %.0f MB/s, decompress %.0f MB/s\n",
           in, level, (unsigned long long)total, (double)stored / (double)total, mb / tp, mb / tr,
           (double)zsize / (double)total, mb / tz, mb / tzd);
    int nt = slim_cpu_count();
    double p1, r1, pn, rn;
    if (wall_times(in, arc, level, 1, reps, buf, &p1, &r1) ||
        wall_times(in, arc, level, nt, reps, buf, &pn, &rn))
        return 1;
    printf("  slim wall clock: pack 1 thread %.0f MB/s, %d threads %.0f MB/s (%.2fx); "
           "read 1 thread %.0f MB/s, %d threads %.0f MB/s (%.2fx)\n",
           mb / p1, nt, mb / pn, p1 / pn, mb / r1, nt, mb / rn, r1 / rn);
    slim_archive_close(a);
    unlink(arc);
    free(buf), free(out), free(z), free(lens);
    ZSTD_freeCCtx(cc);
    ZSTD_freeDCtx(dc);
    return 0;
}
