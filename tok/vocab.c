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

/* slim_tok_alloc_big, where `round_up` also advises a last, partly used huge
 * page when at least `round_up` of its bytes are used (the rest is resident
 * waste, traded for start-up time: see alloc_tables). */
static void *alloc_big(size_t size, size_t round_up)
{
#ifdef __linux__
    const size_t huge = (size_t)2 << 20;
    if (size >= huge && size <= SIZE_MAX - huge) {
        /* aligned_alloc wants a multiple of the alignment; only whole huge
         * pages are advised, so a partly used last one is not all resident */
        size_t whole = (size + huge - 1) / huge * huge;
        void *p = aligned_alloc(huge, whole);
        if (p)
            madvise(p, size % huge >= round_up ? whole : size / huge * huge, MADV_HUGEPAGE);
        return p;
    }
#endif
    (void)round_up;
    return malloc(size ? size : 1);
}

void *slim_tok_alloc_big(size_t size)
{
    return alloc_big(size, SIZE_MAX);
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
    uint8_t *p = populated(alloc_big(size, (size_t)1 << 20), size);
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
    free(v->offset);
    if (v->owner)
        free(v->owner);
    else
        free(v->bytes);
    free(v->slots); /* and the pair_rank and filter in its block */
    memset(v, 0, sizeof *v);
}

slim_error slim_vocab_build(slim_vocab *v, uint32_t n_ranks, uint32_t *offset,
                            uint8_t *bytes, uint32_t *dup_rank)
{
    memset(v, 0, sizeof *v);
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

    /* One-shot decompression into one buffer: the token bytes stay in it
     * (the vocabulary keeps the buffer), nothing is copied twice. */
    uint8_t *buf = populated(malloc((size_t)raw), (size_t)raw);
    uint32_t *offset = NULL;
    uint8_t *bytes = NULL;
    slim_error err = SLIM_OK;
    if (!buf)
        return SLIM_ERR_NOMEM;
    size_t got = ZSTD_decompress(buf, (size_t)raw, zdata, zsize);
    if (ZSTD_isError(got) || got != raw) {
        err = SLIM_ERR_COMPRESSION;
        goto done;
    }
    if (memcmp(buf, "SLIMVOC2", 8) != 0) {
        err = SLIM_ERR_BAD_MAGIC;
        goto done;
    }
    uint32_t n = (uint32_t)buf[8] | (uint32_t)buf[9] << 8 |
                 (uint32_t)buf[10] << 16 | (uint32_t)buf[11] << 24;
    if (n == 0 || n > SLIM_VOCAB_MAX_RANKS || raw - 12 < n) {
        err = SLIM_ERR_CORRUPT;
        goto done;
    }
    const uint8_t *lens = buf + 12;
    bytes = buf + 12 + n;
    size_t offset_size = ((size_t)n + 1) * sizeof *offset;
    offset = populated(malloc(offset_size), offset_size);
    if (!offset) {
        err = SLIM_ERR_NOMEM;
        goto done;
    }
    uint32_t o = 0;
    for (uint32_t r = 0; r < n; r++) {
        offset[r] = o;
        o += lens[r];
    }
    offset[n] = o;
    if (o != raw - 12 - n) {
        err = SLIM_ERR_CORRUPT;
        goto done;
    }
    err = slim_vocab_build(v, n, offset, bytes, NULL);
    offset = NULL;
    if (err == SLIM_OK) {
        v->owner = buf;
        buf = NULL;
    }
done:
    free(offset);
    free(buf);
    return err;
}
