/* The rank hash of a byte-level BPE vocabulary (see vocab.h). */
#include "tok/vocab.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>
#include <zstd.h>
#ifdef __linux__
#include <sys/mman.h>
#endif

uint64_t slim_vocab_hash_long(const uint8_t *p, size_t n)
{
    return XXH3_64bits(p, n);
}

/* slim_tok_alloc_big for a block whose first `used` bytes will be touched
 * (the rest is reserved address space): those in whole huge pages are
 * advised, and a last, partly used huge page too when at least `round_up`
 * of its bytes are used (the rest is resident waste, traded for start-up
 * time: see alloc_tables). */
static void *alloc_big(size_t size, size_t used, size_t round_up)
{
#ifdef __linux__
    const size_t huge = (size_t)2 << 20;
    size_t advised = used / huge * huge + (used % huge >= round_up ? huge : 0);
    if (advised && size <= SIZE_MAX - huge) {
        /* aligned_alloc wants a multiple of the alignment; only whole huge
         * pages are advised, so a partly used last one is not all resident */
        void *p = aligned_alloc(huge, (size + huge - 1) / huge * huge);
        if (p)
            madvise(p, advised, MADV_HUGEPAGE);
        return p;
    }
#endif
    (void)used;
    (void)round_up;
    return malloc(size ? size : 1);
}

void *slim_tok_alloc_big(size_t size)
{
    return alloc_big(size, size, SIZE_MAX);
}

/* Maps the pages of a block about to be written in one call: on a VM each
 * page fault is an exit to the hypervisor, and start-up writes megabytes.
 * Best effort (older kernels lack MADV_POPULATE_WRITE). */
static void *populated(void *p, size_t size)
{
#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
    const uintptr_t page = 4096;
    uintptr_t a = ((uintptr_t)p + page - 1) & ~(page - 1);
    uintptr_t b = ((uintptr_t)p + size) & ~(page - 1);
    if (p && b > a)
        madvise((void *)a, b - a, MADV_POPULATE_WRITE);
#else
    (void)size;
#endif
    return p;
}

/* The slots, the two-byte table and the filter in one block, in huge pages:
 * the block is megabytes and touched at random, and on a VM each fresh 4 KiB
 * page costs microseconds at its first touch (populated or not: about 3 ms
 * per MiB, against a few tenths for huge pages). A last huge page at least
 * half used is taken whole: o200k_base's 5.3 MB use 6 (start-up -4 ms, RSS
 * +0.7 MB); cl100k_base's 2.8 MB keep their 0.8 MB tail in small pages. */
static int alloc_tables(slim_vocab *v, uint32_t n_slots, uint32_t filter_words)
{
    size_t slots = ((size_t)n_slots * sizeof *v->slots + 63) & ~(size_t)63;
    size_t pairs = 65536 * sizeof *v->pair_rank;
    size_t size = slots + pairs + filter_words * sizeof *v->filter;
    uint8_t *p = populated(alloc_big(size, size, (size_t)1 << 20), size);
    if (!p)
        return 0;
    v->slots = (slim_vocab_slot *)(void *)p;
    v->pair_rank = (uint32_t *)(void *)(p + slots);
    v->filter = (uint64_t *)(void *)(p + slots + pairs);
    memset(v->slots, 0, (size_t)n_slots * sizeof *v->slots);
    memset(v->pair_rank, 0xFF, pairs); /* SLIM_NO_RANK */
    memset(v->filter, 0, filter_words * sizeof *v->filter);
    return 1;
}

void slim_vocab_free(slim_vocab *v)
{
    if (!v)
        return;
    if (v->owner) {
        free(v->owner);
    } else {
        free(v->offset);
        free(v->bytes);
    }
    free(v->slots); /* and the pair_rank and filter in its block */
    memset(v, 0, sizeof *v);
}

/* slim_vocab_build, where `owner` (if set) is the one allocation offset and
 * bytes point into, which the vocabulary takes instead. */
static slim_error build(slim_vocab *v, uint32_t n_ranks, uint32_t *offset, uint8_t *bytes,
                        void *owner, uint32_t *dup_rank)
{
    memset(v, 0, sizeof *v);
    v->owner = owner;
    v->n_ranks = n_ranks;
    v->offset = offset;
    v->bytes = bytes;
    for (int b = 0; b < 256; b++)
        v->byte_rank[b] = SLIM_NO_RANK;

    uint32_t n_tokens = 0;
    if (n_ranks > SLIM_VOCAB_MAX_RANKS) {
        slim_vocab_free(v);
        return SLIM_ERR_TOO_LARGE;
    }
    for (uint32_t r = 0; r < n_ranks; r++) {
        if (offset[r + 1] - offset[r] > SLIM_VOCAB_MAX_TOKEN) { /* a slot holds 8 bits */
            slim_vocab_free(v);
            return SLIM_ERR_TOO_LARGE;
        }
        n_tokens += offset[r + 1] != offset[r];
    }
    /* Load factor 1/2: probes stay short for the misses that dominate BPE
     * (most candidate pairs are not tokens). */
    uint32_t slots = 2 * n_tokens + 16;
    /* About 10 filter bits per token: 3% false positives. */
    uint32_t words = 64;
    while (words < n_tokens / 8)
        words <<= 1;
    if (!alloc_tables(v, slots, words)) {
        slim_vocab_free(v);
        return SLIM_ERR_NOMEM;
    }
    v->filter_mask = words - 1;
    v->n_slots = slots;
    v->n_tokens = n_tokens;
    static atomic_uint_fast64_t next_id = 1;
    v->id = atomic_fetch_add(&next_id, 1);

    /* Inserts go in batches whose slots are prefetched first: the table is
     * megabytes, and a cache miss per token was most of the start-up time. */
    enum { BATCH = 32 };
    slim_vocab_key ks[BATCH];
    for (uint32_t r0 = 0; r0 < n_ranks; r0 += BATCH) {
        uint32_t nb = n_ranks - r0 < BATCH ? n_ranks - r0 : BATCH;
        for (uint32_t k = 0; k < nb; k++) {
            uint32_t r = r0 + k;
            size_t n = offset[r + 1] - offset[r];
            if (n) {
                ks[k] = slim_vocab_key_of(bytes + offset[r], n);
                __builtin_prefetch(&v->slots[slim_vocab_slot_of(v, ks[k].hash)], 1);
            }
        }
        for (uint32_t k = 0; k < nb; k++) {
            uint32_t r = r0 + k;
            const uint8_t *p = bytes + offset[r];
            size_t n = offset[r + 1] - offset[r];
            if (!n)
                continue;
            if (slim_vocab_probe(v, p, n, ks[k]) != SLIM_NO_RANK) {
                if (dup_rank)
                    *dup_rank = r;
                slim_vocab_free(v);
                return SLIM_ERR_DUPLICATE;
            }
            uint32_t i = slim_vocab_slot_of(v, ks[k].hash);
            while (v->slots[i].meta)
                if (++i == v->n_slots)
                    i = 0;
            v->slots[i].lo = (uint32_t)ks[k].head;
            v->slots[i].hi = (uint32_t)(ks[k].head >> 32);
            v->slots[i].meta = r | (uint32_t)n << 24;
            v->filter[(ks[k].hash >> 32) & v->filter_mask] |= slim_vocab_filter_bits(ks[k].hash);
            if (n > v->max_len)
                v->max_len = (uint32_t)n;
            if (n == 1)
                v->byte_rank[p[0]] = r;
            if (n == 2)
                v->pair_rank[p[0] | (uint32_t)p[1] << 8] = r;
        }
    }
    return SLIM_OK;
}

slim_error slim_vocab_build(slim_vocab *v, uint32_t n_ranks, uint32_t *offset,
                            uint8_t *bytes, uint32_t *dup_rank)
{
    return build(v, n_ranks, offset, bytes, NULL, dup_rank);
}

slim_error slim_vocab_from_slimvoc_zst(slim_vocab *v, const void *zdata, size_t zsize)
{
    memset(v, 0, sizeof *v);
    unsigned long long raw = ZSTD_getFrameContentSize(zdata, zsize);
    if (raw == ZSTD_CONTENTSIZE_UNKNOWN || raw == ZSTD_CONTENTSIZE_ERROR)
        return SLIM_ERR_COMPRESSION;
    if (raw < 12)
        return SLIM_ERR_TRUNCATED;
    if (raw > (256ull << 20))
        return SLIM_ERR_TOO_LARGE;

    /* One-shot decompression into one block that the vocabulary keeps: the
     * token bytes stay in place, nothing is copied twice, and the rank
     * offsets follow them (room for the most ranks the size allows is
     * reserved; only the pages used are touched). In huge pages from 1 MiB,
     * as for the tables: o200k_base's 1.6 MB, with its 0.8 MB of offsets,
     * fill one. */
    size_t max_n = raw - 12 < SLIM_VOCAB_MAX_RANKS ? (size_t)raw - 12 : SLIM_VOCAB_MAX_RANKS;
    size_t offset_at = ((size_t)raw + 63) & ~(size_t)63;
    uint8_t *buf = alloc_big(offset_at + (max_n + 1) * sizeof(uint32_t), (size_t)raw,
                             (size_t)1 << 20);
    if (!buf)
        return SLIM_ERR_NOMEM;
    populated(buf, (size_t)raw);
    slim_error err = SLIM_OK;
    size_t got = ZSTD_decompress(buf, (size_t)raw, zdata, zsize);
    if (ZSTD_isError(got) || got != raw) {
        err = SLIM_ERR_COMPRESSION;
        goto fail;
    }
    if (memcmp(buf, "SLIMVOC2", 8) != 0) {
        err = SLIM_ERR_BAD_MAGIC;
        goto fail;
    }
    uint32_t n = (uint32_t)buf[8] | (uint32_t)buf[9] << 8 |
                 (uint32_t)buf[10] << 16 | (uint32_t)buf[11] << 24;
    if (n == 0 || n > SLIM_VOCAB_MAX_RANKS || raw - 12 < n) {
        err = SLIM_ERR_CORRUPT;
        goto fail;
    }
    const uint8_t *lens = buf + 12;
    uint8_t *bytes = buf + 12 + n;
    uint32_t *offset = populated((uint32_t *)(void *)(buf + offset_at),
                                 ((size_t)n + 1) * sizeof *offset);
    uint32_t o = 0;
    for (uint32_t r = 0; r < n; r++) {
        offset[r] = o;
        o += lens[r];
    }
    offset[n] = o;
    if (o != raw - 12 - n) {
        err = SLIM_ERR_CORRUPT;
        goto fail;
    }
    return build(v, n, offset, bytes, buf, NULL); /* takes buf, even on failure */
fail:
    free(buf);
    return err;
}
