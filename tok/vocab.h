/*
 * vocab.h - a byte-level BPE vocabulary: token bytes <-> rank.
 *
 * tiktoken ranks the concatenated bytes of a merge, not the pair, so the hot
 * lookup is "rank of this byte string", asked about two to three times per
 * input byte, mostly for strings of a few bytes that are not tokens. The hash
 * is open-addressing with 12-byte slots at load 1/2: a key of up to 8 bytes
 * (three quarters of the tokens) is stored whole in its slot with its length
 * and rank, so it is found or refuted by the slots alone; a longer key keeps
 * its first 4 bytes and 32 bits of its hash there and compares the rest with
 * the blob of token bytes, which is also the id -> bytes table for decoding.
 * The table is a third of the size of 16-byte slots at load 3/8, which
 * counts: most look-ups are cache misses. Read-only once built: any number
 * of threads may look up at once.
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
#define SLIM_VOCAB_MAX_RANKS (1u << 24) /* ranks fit 24 bits of a slot */

/* A slot: key (see above; 0 when empty), meta = rank | length << 24 (0 =
 * empty; a token has at least one byte). */
typedef struct slim_vocab_slot {
    uint32_t lo, hi, meta;
} slim_vocab_slot;

/* A key to look up: its head (the slot's lo | hi << 32) and hash. */
typedef struct slim_vocab_key {
    uint64_t head, hash;
} slim_vocab_key;

typedef struct slim_vocab {
    uint64_t id;        /* unique in the process (caches tell vocabularies apart) */
    uint32_t n_ranks;   /* rank slots 0..n_ranks-1, gaps included */
    uint32_t n_tokens;  /* ranks that hold a token */
    uint32_t *offset;   /* n_ranks + 1 offsets into bytes; a gap is empty */
    uint8_t *bytes;     /* all token bytes, in rank order */
    void *owner;        /* if set, the allocation bytes points into */
    slim_vocab_slot *slots;
    uint32_t n_slots;
    uint32_t filter_mask;  /* words in filter - 1 */
    uint64_t *filter;      /* Bloom filter of the keys (slim_vocab_maybe) */
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

/* The key of p[0..n) (n >= 1). */
static inline slim_vocab_key slim_vocab_key_of(const uint8_t *p, size_t n)
{
    slim_vocab_key k;
    k.head = slim_vocab_head(p, n);
    if (n > 8) {
        k.hash = slim_vocab_hash_long(p, n);
        k.head = (k.head & 0xFFFFFFFFu) | (k.hash & 0xFFFFFFFF00000000ull);
        return k;
    }
    uint64_t h = (k.head ^ ((uint64_t)n << 59)) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 32;
    h *= 0xD6E8FEB86659FD93ull;
    k.hash = h ^ (h >> 32);
    return k;
}

/* The first slot of a hash (any slot count: multiply-shift, not a mask). */
static inline uint32_t slim_vocab_slot_of(const slim_vocab *v, uint64_t hash)
{
    return (uint32_t)(((hash & 0xFFFFFFFFu) * v->n_slots) >> 32);
}

/* The filter's three bits for a hash, in one 64-bit word (a blocked Bloom
 * filter: one memory access); hash bits above the slot's. */
static inline uint64_t slim_vocab_filter_bits(uint64_t hash)
{
    return 1ull << (hash >> 46 & 63) | 1ull << (hash >> 52 & 63) | 1ull << (hash >> 58);
}

/* 0 if the key is certainly not a token (most misses end here, in a table
 * a few hundred KiB small instead of megabytes of slots). */
static inline int slim_vocab_maybe(const slim_vocab *v, slim_vocab_key k)
{
    uint64_t bits = slim_vocab_filter_bits(k.hash);
    return (v->filter[(k.hash >> 32) & v->filter_mask] & bits) == bits;
}

static inline void slim_vocab_prefetch(const slim_vocab *v, slim_vocab_key k)
{
    if (slim_vocab_maybe(v, k))
        __builtin_prefetch(&v->slots[slim_vocab_slot_of(v, k.hash)]);
}

/* The rank of p[0..n) whose key is k, or SLIM_NO_RANK. */
static inline uint32_t slim_vocab_probe(const slim_vocab *v, const uint8_t *p, size_t n,
                                        slim_vocab_key k)
{
    if (!slim_vocab_maybe(v, k))
        return SLIM_NO_RANK;
    uint32_t lo = (uint32_t)k.head, hi = (uint32_t)(k.head >> 32);
    for (uint32_t i = slim_vocab_slot_of(v, k.hash);;) {
        const slim_vocab_slot *s = &v->slots[i];
        if (!s->meta)
            return SLIM_NO_RANK;
        if (s->lo == lo && s->hi == hi && s->meta >> 24 == n) {
            uint32_t r = s->meta & 0xFFFFFF;
            if (n <= 8 || memcmp(v->bytes + v->offset[r] + 4, p + 4, n - 4) == 0)
                return r;
        }
        if (++i == v->n_slots)
            i = 0;
    }
}

/* Rank of the bytes p[0..n) (n >= 1) found through the hash. */
static inline uint32_t slim_vocab_rank_hashed(const slim_vocab *v, const uint8_t *p, size_t n)
{
    return slim_vocab_probe(v, p, n, slim_vocab_key_of(p, n));
}

/* Ranks of two keys at once: both slots are fetched before either is
 * probed, so their cache misses overlap (a merge always needs two). */
static inline void slim_vocab_rank_two(const slim_vocab *v, const uint8_t *p1, size_t n1,
                                       uint32_t *r1, const uint8_t *p2, size_t n2,
                                       uint32_t *r2)
{
    slim_vocab_key a = slim_vocab_key_of(p1, n1), b = slim_vocab_key_of(p2, n2);
    slim_vocab_prefetch(v, a);
    slim_vocab_prefetch(v, b);
    *r1 = slim_vocab_probe(v, p1, n1, a);
    *r2 = slim_vocab_probe(v, p2, n2, b);
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
