/*
 * vocab.h - a byte-level BPE vocabulary: token bytes <-> rank.
 *
 * tiktoken ranks the concatenated bytes of a merge, not the pair, so the hot
 * lookup is "rank of this byte string", asked about two to three times per
 * input byte, mostly for strings of a few bytes that are not tokens. The hash
 * is open-addressing with 16-byte slots that hold the first 8 bytes of the
 * key, its length and the rank: a key of up to 8 bytes (most of them) is
 * found or refuted by the slots alone, without touching the token bytes.
 * Longer keys compare the rest with the blob of token bytes, which is also
 * the id -> bytes table for decoding. Read-only once built: any number of
 * threads may look up at once.
 */
#ifndef SLIM_TOK_VOCAB_H
#define SLIM_TOK_VOCAB_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "slim.h"

#define SLIM_NO_RANK UINT32_MAX
/* Longest token a vocabulary may hold (tiktoken's longest is 128 bytes). */
#define SLIM_VOCAB_MAX_TOKEN 255
/* Most rank slots a vocabulary may have (limits what a hostile file costs). */
#define SLIM_VOCAB_MAX_RANKS (1u << 24)

typedef struct slim_vocab_slot {
    uint64_t head;      /* the first min(len, 8) bytes, little-endian, zero-padded */
    uint32_t rank1;     /* rank + 1; 0 = empty slot */
    uint32_t meta;      /* (hash tag << 8) | len */
} slim_vocab_slot;

typedef struct slim_vocab {
    uint32_t n_ranks;   /* rank slots 0..n_ranks-1, gaps included */
    uint32_t n_tokens;  /* ranks that hold a token */
    uint32_t *offset;   /* n_ranks + 1 offsets into bytes; a gap is empty */
    uint8_t *bytes;     /* all token bytes, in rank order */
    void *owner;        /* if set, the allocation bytes points into */
    slim_vocab_slot *slots;
    uint32_t mask;      /* slot count - 1 */
    uint32_t max_len;   /* longest token, bytes */
    uint32_t byte_rank[256]; /* rank of each single byte, SLIM_NO_RANK if none */
    /* Rank of each two-byte string (index b0 | b1 << 8): BPE starts every
     * piece by looking up all its byte pairs; this 256 KiB table answers them
     * from cache instead of the multi-megabyte hash. */
    uint32_t *pair_rank;
} slim_vocab;

/*
 * Builds the hash over a vocabulary whose offset/bytes tables are filled
 * (takes ownership of both). SLIM_ERR_DUPLICATE if two ranks hold the same
 * bytes (*dup_rank receives the later one).
 */
slim_error slim_vocab_build(slim_vocab *v, uint32_t n_ranks, uint32_t *offset,
                            uint8_t *bytes, uint32_t *dup_rank);

/* Decompresses and parses the zstd-compressed SLIMVOC2 form (see
 * data/vocab/README.md) and builds the hash. */
slim_error slim_vocab_from_slimvoc_zst(slim_vocab *v, const void *zdata, size_t zsize);

void slim_vocab_free(slim_vocab *v);

/* malloc for a large block touched at random: on Linux, sizes from 2 MiB are
 * aligned to and advised for transparent huge pages (a few page faults
 * instead of one per 4 KiB, which costs milliseconds per megabyte on a VM).
 * Free with free(). */
void *slim_tok_alloc_big(size_t size);

/* Hash of a long key (over 8 bytes). */
uint64_t slim_vocab_hash_long(const uint8_t *p, size_t n);

/* The first min(n, 8) bytes of p as a little-endian number, zero-padded,
 * read without touching bytes past p[n-1]. */
static inline uint64_t slim_vocab_head(const uint8_t *p, size_t n)
{
    if (n >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        return v;
    }
    if (n >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, p, 4);
        memcpy(&hi, p + n - 4, 4);
        return (uint64_t)lo | (uint64_t)hi << (8 * (n - 4));
    }
    return (uint64_t)p[0] | (uint64_t)p[n / 2] << (8 * (n / 2)) |
           (uint64_t)p[n - 1] << (8 * (n - 1));
}

/* Hash of a key given its head; long keys hash all their bytes. */
static inline uint64_t slim_vocab_hash(const uint8_t *p, size_t n, uint64_t head)
{
    if (n > 8)
        return slim_vocab_hash_long(p, n);
    uint64_t h = (head ^ ((uint64_t)n << 59)) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 32;
    h *= 0xD6E8FEB86659FD93ull;
    return h ^ (h >> 32);
}

/* The probe of a key whose head and hash are known. */
static inline uint32_t slim_vocab_probe(const slim_vocab *v, const uint8_t *p, size_t n,
                                        uint64_t head, uint64_t h)
{
    uint32_t meta = (uint32_t)(h >> 40) << 8 | (uint32_t)n;
    for (uint32_t i = (uint32_t)h & v->mask;; i = (i + 1) & v->mask) {
        const slim_vocab_slot *s = &v->slots[i];
        if (!s->rank1)
            return SLIM_NO_RANK;
        if (s->head == head && s->meta == meta) {
            if (n <= 8)
                return s->rank1 - 1;
            if (memcmp(v->bytes + v->offset[s->rank1 - 1] + 8, p + 8, n - 8) == 0)
                return s->rank1 - 1;
        }
    }
}

/* Rank of the bytes p[0..n) (n >= 1) found through the hash. */
static inline uint32_t slim_vocab_rank_hashed(const slim_vocab *v, const uint8_t *p, size_t n)
{
    uint64_t head = slim_vocab_head(p, n);
    return slim_vocab_probe(v, p, n, head, slim_vocab_hash(p, n, head));
}

/* Ranks of two keys at once: both slots are fetched before either is
 * probed, so their cache misses overlap (a merge always needs two). */
static inline void slim_vocab_rank_two(const slim_vocab *v, const uint8_t *p1, size_t n1,
                                       uint32_t *r1, const uint8_t *p2, size_t n2,
                                       uint32_t *r2)
{
    uint64_t a = slim_vocab_head(p1, n1), b = slim_vocab_head(p2, n2);
    uint64_t ha = slim_vocab_hash(p1, n1, a), hb = slim_vocab_hash(p2, n2, b);
    __builtin_prefetch(&v->slots[(uint32_t)ha & v->mask]);
    __builtin_prefetch(&v->slots[(uint32_t)hb & v->mask]);
    *r1 = slim_vocab_probe(v, p1, n1, a, ha);
    *r2 = slim_vocab_probe(v, p2, n2, b, hb);
}

/* Rank of the bytes p[0..n) (n >= 1), or SLIM_NO_RANK. */
static inline uint32_t slim_vocab_rank(const slim_vocab *v, const uint8_t *p, size_t n)
{
    if (n == 2)
        return v->pair_rank[p[0] | (uint32_t)p[1] << 8];
    if (n == 1)
        return v->byte_rank[p[0]];
    return slim_vocab_rank_hashed(v, p, n);
}

#endif
