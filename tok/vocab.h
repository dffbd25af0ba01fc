/*
 * vocab.h - a byte-level BPE vocabulary: token bytes <-> rank.
 *
 * tiktoken ranks the concatenated bytes of a merge, not the pair, so the hot
 * lookup is "rank of this byte string": an open-addressing hash whose slots
 * hold a 32-bit hash tag and the rank, with the bytes kept once in a blob
 * indexed by rank (which is also the id -> bytes table for decoding).
 * Read-only once built, so any number of threads may look up at once.
 */
#ifndef SLIM_TOK_VOCAB_H
#define SLIM_TOK_VOCAB_H

#include <stddef.h>
#include <stdint.h>

#include "slim.h"

#define SLIM_NO_RANK UINT32_MAX
/* Longest token a vocabulary may hold (tiktoken's longest is 128 bytes). */
#define SLIM_VOCAB_MAX_TOKEN 255
/* Most rank slots a vocabulary may have (limits what a hostile file costs). */
#define SLIM_VOCAB_MAX_RANKS (1u << 24)

typedef struct slim_vocab {
    uint32_t n_ranks;   /* rank slots 0..n_ranks-1, gaps included */
    uint32_t n_tokens;  /* ranks that hold a token */
    uint32_t *offset;   /* n_ranks + 1 offsets into bytes; a gap is empty */
    uint8_t *bytes;     /* all token bytes, in rank order */
    void *owner;        /* if set, the allocation bytes points into */
    uint64_t *slots;    /* hash: (tag << 32) | (rank + 1); 0 = empty */
    uint32_t mask;      /* slot count - 1 */
    uint32_t byte_rank[256]; /* rank of each single byte, SLIM_NO_RANK if none */
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

/* Hash of a byte string (the one the table uses). */
uint64_t slim_vocab_hash(const uint8_t *p, size_t n);

/* Rank of the bytes p[0..n), or SLIM_NO_RANK. */
static inline uint32_t slim_vocab_rank_h(const slim_vocab *v, const uint8_t *p,
                                         size_t n, uint64_t h)
{
    uint32_t tag = (uint32_t)(h >> 32);
    for (uint32_t i = (uint32_t)h & v->mask;; i = (i + 1) & v->mask) {
        uint64_t s = v->slots[i];
        if (!s)
            return SLIM_NO_RANK;
        if ((uint32_t)(s >> 32) == tag) {
            uint32_t r = (uint32_t)s - 1;
            uint32_t o = v->offset[r];
            if (v->offset[r + 1] - o == n && __builtin_memcmp(v->bytes + o, p, n) == 0)
                return r;
        }
    }
}

static inline uint32_t slim_vocab_rank(const slim_vocab *v, const uint8_t *p, size_t n)
{
    return slim_vocab_rank_h(v, p, n, slim_vocab_hash(p, n));
}

#endif
