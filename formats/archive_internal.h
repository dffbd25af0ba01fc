/*
 * The .slim archive (internal): on-disk constants, the chunk codec shared by
 * the writer and the reader, and the parsed index. docs/FORMAT-slim.md is
 * the specification; keep the two in step.
 */
#ifndef SLIM_FORMATS_ARCHIVE_INTERNAL_H
#define SLIM_FORMATS_ARCHIVE_INTERNAL_H

#include "formats/fmt_internal.h"

#include <zstd.h>

#define ARC_MAGIC "SLIMARC\x1a"         /* file header, 8 bytes */
#define ARC_END_MAGIC "SLIMEND\x1a"     /* footer, 8 bytes */
#define ARC_CHUNK_MAGIC 0x4b434c53u      /* "SLCK" little-endian */
#define ARC_INDEX_MAGIC 0x58494c53u      /* "SLIX" */
#define ARC_VERSION 1u
#define ARC_HEADER_SIZE 16u
#define ARC_FOOTER_SIZE 48u
#define ARC_CHUNK_HEADER 32u
#define ARC_STREAM_ENTRY 16u

#define ARC_KIND_DATA 1u               /* the only chunk kind of version 1 */
#define ARC_STREAM_RAW 0u
#define ARC_STREAM_ZSTD 1u

/* Index sections. Unknown kinds are skipped by readers. */
#define ARC_SEC_FILES 1u
#define ARC_SEC_CHUNKS 2u
#define ARC_SEC_TENSORS 3u

#define ARC_DEFAULT_CHUNK (1u << 20)
#define ARC_MIN_CHUNK (4u << 10)
#define ARC_MAX_CHUNK (64u << 20)       /* readers reject bigger chunks */
/* zstd's densest frame: an RLE block, 3 bytes of header and 1 of data,
 * stands for at most 128 KiB. No stream, hence no chunk, decodes to more
 * than this many times its stored bytes; an index that says otherwise is a
 * decompression bomb or damage, refused at open. */
#define ARC_MAX_RATIO 32768u
#define ARC_MAX_NAME 4096u
#define ARC_MAX_DIMS 16u
#define ARC_MAX_DTYPE 32u

/* Worst-case encoded size of a chunk of n raw bytes in `streams` streams. */
size_t arc_chunk_bound(size_t n, unsigned streams);

/*
 * Encodes n raw bytes as one chunk into out (arc_chunk_bound bytes).
 * width: 1 (bytes as they are), 2 or 4 (elements byte-grouped, n a multiple
 * of width). scratch: n bytes. *out_len receives the chunk's total size.
 */
slim_error arc_encode_chunk(ZSTD_CCtx *cctx, int level, unsigned width, const uint8_t *src,
                            size_t n, uint8_t *scratch, uint8_t *out, size_t *out_len);

/*
 * Decodes the chunk at archive offset `off` into dst, which receives
 * exactly `raw` bytes. avail: the bytes the chunk occupies (arc_chunk_span),
 * which its header and stored bytes must fit in. Validates the
 * header, the checksum and every stream length before touching the data.
 * scratch: raw bytes. Errors name the archive offset of the bad field.
 */
slim_error arc_decode_chunk(ZSTD_DCtx *dctx, const uint8_t *chunk, uint64_t off, uint64_t avail,
                            uint64_t raw, uint8_t *scratch, uint8_t *dst,
                            slim_parse_error *where);

/* A name is a relative path: '/'-separated, non-empty parts that are not
 * "." or "..", no NUL or backslash, at most ARC_MAX_NAME bytes. */
int arc_name_ok(const char *s, size_t len);

/*
 * Runs fn on jobs [0, n) with up to `threads` workers pulling jobs in
 * order; `slot` (0 .. threads-1) names the worker, so each can reuse its
 * own contexts and buffers (fresh allocations per chunk cost page faults
 * that dominated the run time). Returns the error of the lowest failing job
 * and its index in *failed (UINT64_MAX if none), whatever the thread count.
 */
typedef slim_error (*arc_job_fn)(void *ctx, int slot, uint64_t job);
slim_error arc_run(int threads, uint64_t n, arc_job_fn fn, void *ctx, uint64_t *failed);

/* Per-worker decoding state: a zstd context and a scratch buffer. */
typedef struct arc_slot {
    ZSTD_DCtx *dctx;
    uint8_t *scratch;
    uint64_t cap;
} arc_slot;

/* ---- the parsed index ---- */

typedef struct arc_chunk {
    uint64_t offset;    /* archive offset of the chunk header */
    uint64_t raw;       /* decoded bytes */
    uint64_t file_off;  /* where they go in their file */
} arc_chunk;

struct slim_archive {
    slim_map map;            /* the archive (or the caller's buffer) */
    int owns_map;
    uint32_t version;
    uint64_t index_offset, index_size, archive_hash;
    slim_archive_file *files;
    uint64_t nfiles;
    arc_chunk *chunks;
    uint64_t nchunks;
    slim_archive_tensor *tensors;
    uint64_t ntensors;
    uint64_t *dims;          /* all tensors' shapes */
    char *strings;           /* all names, NUL-terminated */
    uint64_t *first_chunk;   /* per file */
};

/* Bytes chunk k occupies in the archive: up to the next chunk, or to the
 * index for the last one (offsets increase: checked at open). */
static inline uint64_t arc_chunk_span(const struct slim_archive *a, uint64_t k)
{
    return (k + 1 < a->nchunks ? a->chunks[k + 1].offset : a->index_offset) - a->chunks[k].offset;
}

#endif
