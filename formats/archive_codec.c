/*
 * The chunk codec of .slim archives: byte grouping, then zstd per stream,
 * each stream stored raw when zstd does not make it smaller (the mantissa
 * planes of weights are close to random). Chunks carry an xxh3-64 checksum
 * that the reader checks before it decompresses anything.
 */
#include "formats/archive_internal.h"
#include "simd/kernels.h"
#include "core/parallel.h"

#include <pthread.h>
#include <stdatomic.h>

#include <math.h>
/* Inlined: the packaged libxxhash is a generic build, 3-4x slower here. */
#define XXH_INLINE_ALL
#include <xxhash.h>

/* The checksum covers the first 24 header bytes (as seed) and the payload. */
static uint64_t chunk_hash(const uint8_t *hdr, const uint8_t *payload, uint64_t n)
{
    return XXH3_64bits_withSeed(payload, (size_t)n, XXH3_64bits(hdr, 24));
}

size_t arc_chunk_bound(size_t n, unsigned streams)
{
    return ARC_CHUNK_HEADER + ARC_STREAM_ENTRY * streams +
           streams * ZSTD_compressBound(n / streams + 1);
}

/*
 * Mantissa planes are nearly uniform bytes (7.97 bits of entropy in trained
 * BF16 weights): zstd cannot gain more than a fraction of a percent there
 * but spends most of the packing time trying. An order-0 entropy estimate
 * on a sample (every 8th byte) decides to store such planes without
 * calling zstd. The threshold keeps F32's third byte, which does compress.
 */
static int looks_random(const uint8_t *p, size_t n)
{
    if (n < 4096)
        return 0;
    uint32_t hist[256] = { 0 };
    size_t k = 0;
    for (size_t i = 0; i < n; i += 8, k++)
        hist[p[i]]++;
    double bits = 0;
    for (int b = 0; b < 256; b++)
        if (hist[b]) {
            double q = (double)hist[b] / (double)k;
            bits -= q * log2(q);
        }
    return bits > 7.9;
}

static slim_bytegroup_fn group_kernel(unsigned width, int inverse)
{
    slim_bytegroup_op op = width == 2 ? SLIM_BG_GROUP2 : SLIM_BG_GROUP4;
    return slim_bytegroup_kernel((slim_bytegroup_op)(op + inverse), slim_cpu_path());
}

/*
 * Byte planes of weights are close to order-0 sources: an exponent plane
 * holds a few dozen values with about 2.8 bits of entropy and no long
 * repeats. Short LZ matches there cost more bits than the literals they
 * replace, so below the optimal-parsing levels (16+, which price every
 * match) planes are compressed with zstd's fast strategy, its longest
 * minimum match and a tiny match table: few matches are tried, nearly
 * everything becomes Huffman-coded literals, and that is also the fastest
 * setting. Measured (docs/PERFORMANCE.md): stories260K BF16 goes from 0.681
 * of its size at plain level 3 to 0.646, and packing runs 2-3x faster.
 * Other data gets the level unchanged.
 */
static slim_error set_params(ZSTD_CCtx *cctx, int level, unsigned width)
{
    size_t r = ZSTD_CCtx_reset(cctx, ZSTD_reset_session_and_parameters);
    /* Planes below level 16 start from level 3's parameters whatever the
     * level: with the fast strategy, a non-zero targetLength (which levels
     * 4+ carry) makes zstd store literals uncompressed. */
    if (!ZSTD_isError(r))
        r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel,
                                   width > 1 && level < 16 ? 3 : level);
    if (width > 1 && level < 16) {
        if (!ZSTD_isError(r))
            r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_strategy, ZSTD_fast);
        if (!ZSTD_isError(r))
            r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_minMatch, 7);
        if (!ZSTD_isError(r))
            r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_hashLog, 8);

    }
    return ZSTD_isError(r) ? SLIM_ERR_COMPRESSION : SLIM_OK;
}

slim_error arc_encode_chunk(ZSTD_CCtx *cctx, int level, unsigned width, const uint8_t *src,
                            size_t n, uint8_t *scratch, uint8_t *out, size_t *out_len)
{
    unsigned streams = width;
    const uint8_t *planes = src;
    slim_error e = set_params(cctx, level, width);
    if (e)
        return e;
    if (width > 1) {
        group_kernel(width, 0)(src, scratch, (int64_t)(n / width));
        planes = scratch;
    }
    size_t plane = n / streams;
    uint8_t *table = out + ARC_CHUNK_HEADER;
    uint8_t *p = table + ARC_STREAM_ENTRY * streams;
    for (unsigned s = 0; s < streams; s++) {
        const uint8_t *in = planes + s * plane;
        size_t cap = ZSTD_compressBound(plane);
        size_t z = plane && (width == 1 || !looks_random(in, plane))
                       ? ZSTD_compress2(cctx, p, cap, in, plane)
                       : plane; /* stored raw below */
        if (ZSTD_isError(z))
            return SLIM_ERR_COMPRESSION;
        unsigned mode = ARC_STREAM_ZSTD;
        if (z >= plane) { /* not smaller: store it as it is */
            memcpy(p, in, plane);
            z = plane;
            mode = ARC_STREAM_RAW;
        }
        memset(table + s * ARC_STREAM_ENTRY, 0, ARC_STREAM_ENTRY);
        table[s * ARC_STREAM_ENTRY] = (uint8_t)mode;
        slim_put_le64(table + s * ARC_STREAM_ENTRY + 8, z);
        p += z;
    }
    uint64_t stored = (uint64_t)(p - table);
    memset(out, 0, ARC_CHUNK_HEADER);
    slim_put_le32(out, ARC_CHUNK_MAGIC);
    out[4] = ARC_KIND_DATA;
    out[5] = (uint8_t)width;
    slim_put_le64(out + 8, n);
    slim_put_le64(out + 16, stored);
    slim_put_le64(out + 24, chunk_hash(out, table, stored));
    *out_len = ARC_CHUNK_HEADER + (size_t)stored;
    return SLIM_OK;
}

slim_error arc_decode_chunk(ZSTD_DCtx *dctx, const uint8_t *chunk, uint64_t off, uint64_t avail,
                            uint64_t raw, uint8_t *scratch, uint8_t *dst,
                            slim_parse_error *where)
{
    if (avail < ARC_CHUNK_HEADER)
        return slim_fail(where, SLIM_ERR_TRUNCATED, off, "chunk header past its space");
    if (slim_le32(chunk) != ARC_CHUNK_MAGIC)
        return slim_fail(where, SLIM_ERR_BAD_MAGIC, off, "bad chunk magic");
    if (chunk[4] != ARC_KIND_DATA)
        return slim_fail(where, SLIM_ERR_UNSUPPORTED, off + 4,
                         "file data in a chunk of unknown kind");
    unsigned width = chunk[5];
    if (width != 1 && width != 2 && width != 4)
        return slim_fail(where, SLIM_ERR_CORRUPT, off + 5, "bad element width");
    if (slim_le64(chunk + 8) != raw)
        return slim_fail(where, SLIM_ERR_CORRUPT, off + 8, "chunk size differs from the index");
    if (raw % width)
        return slim_fail(where, SLIM_ERR_CORRUPT, off + 8, "size not a multiple of the width");
    uint64_t stored = slim_le64(chunk + 16);
    if (stored > avail - ARC_CHUNK_HEADER)
        return slim_fail(where, SLIM_ERR_TRUNCATED, off + 16, "chunk data past its space");
    const uint8_t *table = chunk + ARC_CHUNK_HEADER;
    if (chunk_hash(chunk, table, stored) != slim_le64(chunk + 24))
        return slim_fail(where, SLIM_ERR_CHECKSUM, off + 24, "chunk checksum mismatch");
    unsigned streams = width;
    if (stored < (uint64_t)ARC_STREAM_ENTRY * streams)
        return slim_fail(where, SLIM_ERR_CORRUPT, off + 16, "chunk too short for its streams");
    uint64_t plane = raw / streams, left = stored - ARC_STREAM_ENTRY * streams;
    const uint8_t *p = table + ARC_STREAM_ENTRY * streams;
    uint8_t *planes = width > 1 ? scratch : dst;
    for (unsigned s = 0; s < streams; s++) {
        const uint8_t *e = table + s * ARC_STREAM_ENTRY;
        uint64_t eoff = off + ARC_CHUNK_HEADER + s * ARC_STREAM_ENTRY;
        uint64_t len = slim_le64(e + 8);
        if (len > left)
            return slim_fail(where, SLIM_ERR_BAD_OFFSET, eoff + 8, "stream past the chunk");
        if (e[0] == ARC_STREAM_RAW) {
            if (len != plane)
                return slim_fail(where, SLIM_ERR_CORRUPT, eoff + 8, "raw stream of wrong size");
            memcpy(planes + s * plane, p, (size_t)len);
        } else if (e[0] == ARC_STREAM_ZSTD) {
            size_t r = ZSTD_decompressDCtx(dctx, planes + s * plane, (size_t)plane, p, (size_t)len);
            if (ZSTD_isError(r) || r != plane)
                return slim_fail(where, SLIM_ERR_COMPRESSION, (uint64_t)(p - chunk) + off,
                                 "zstd stream does not decode to its size");
        } else {
            return slim_fail(where, SLIM_ERR_UNSUPPORTED, eoff, "unknown stream mode");
        }
        p += len;
        left -= len;
    }
    if (left)
        return slim_fail(where, SLIM_ERR_CORRUPT, off + 16, "bytes after the last stream");
    if (width > 1)
        group_kernel(width, 1)(scratch, dst, (int64_t)(raw / width));
    return SLIM_OK;
}

int arc_name_ok(const char *s, size_t len)
{
    if (len == 0 || len > ARC_MAX_NAME || s[0] == '/')
        return 0;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && (s[i] == '\0' || s[i] == '\\'))
            return 0;
        if (i == len || s[i] == '/') {
            size_t l = i - start;
            if (l == 0 || (l == 1 && s[start] == '.') ||
                (l == 2 && s[start] == '.' && s[start + 1] == '.'))
                return 0;
            start = i + 1;
        }
    }
    return 1;
}

typedef struct pool {
    arc_job_fn fn;
    void *ctx;
    uint64_t n;
    atomic_ullong next;
    pthread_mutex_t lock;
    uint64_t failed;
    slim_error err;
} pool;

static slim_error pool_worker(void *arg, int64_t b, int64_t e)
{
    pool *p = arg;
    for (int64_t slot = b; slot < e; slot++)
        for (;;) {
            uint64_t j = atomic_fetch_add(&p->next, 1);
            if (j >= p->n)
                break;
            slim_error r = p->fn(p->ctx, (int)slot, j);
            if (r) {
                pthread_mutex_lock(&p->lock);
                if (j < p->failed) {
                    p->failed = j;
                    p->err = r;
                }
                pthread_mutex_unlock(&p->lock);
            }
        }
    return SLIM_OK;
}

slim_error arc_run(int threads, uint64_t n, arc_job_fn fn, void *ctx, uint64_t *failed)
{
    pool p = { .fn = fn, .ctx = ctx, .n = n, .failed = UINT64_MAX, .err = SLIM_OK };
    atomic_init(&p.next, 0);
    pthread_mutex_init(&p.lock, NULL);
    if (threads < 1)
        threads = 1;
    if ((uint64_t)threads > n)
        threads = n ? (int)n : 1;
    slim_error e = slim_parallel_for(threads, threads, 1, pool_worker, &p);
    pthread_mutex_destroy(&p.lock);
    if (failed)
        *failed = p.failed;
    return e ? e : p.err;
}
