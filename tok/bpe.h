/*
 * bpe.h - byte-pair merging of one pre-tokenized piece, tiktoken semantics:
 * repeatedly merge the adjacent pair whose concatenated bytes have the lowest
 * rank (leftmost on ties) until no adjacent pair is a token.
 *
 * Short pieces use a linear scan over a small array (cache friendly, what
 * nearly all real pieces need); medium ones a heap with lazy invalidation;
 * long ones a bucket queue over the ranks (tok/bpe_bucket.c), linear in
 * practice, which falls back to the heap for a piece where its shortcut
 * would not be exact. A megabyte of one letter is thus not O(n^2).
 * The caller provides the scratch, grown only when a longer piece arrives,
 * so encoding allocates nothing per token.
 */
#ifndef SLIM_TOK_BPE_H
#define SLIM_TOK_BPE_H

#include "tok/bpe_cache.h"
#include "tok/vocab.h"

/* Pieces up to this many bytes use the linear scan (measured: 16 to 32 is
 * best; above that the quadratic scan costs more than the heap). */
#define SLIM_BPE_LINEAR_MAX 32
/* Pieces of at least this many bytes try the bucket queue first. */
#define SLIM_BPE_BUCKET_MIN 256

typedef struct slim_bpe_scratch {
    slim_bpe_cache *cache; /* the thread's rank cache, or NULL (not owned) */
    size_t cap;        /* longest piece the arrays fit */
    uint32_t *nxt;     /* cap + 1 */
    uint32_t *prv;     /* cap */
    uint32_t *pair;    /* cap: rank of the pair starting here */
    uint32_t *tok;     /* cap: rank of the token starting here */
    uint64_t *heap;    /* 3 * cap; the bucket queue keeps its nodes there */
    uint32_t *out;     /* cap: room for the ranks of a long piece, for the caller */
    /* bucket queue (tok/bpe_bucket.c); the rank-sized tables are allocated
     * at the first long piece (NULL: use the heap) */
    uint32_t n_ranks;  /* ranks the tables cover */
    uint32_t *bucket;  /* 2 per rank: where its bucket starts and ends */
    uint64_t *bits;    /* per rank: its bucket is not empty */
    uint64_t *summary; /* per word of bits: that word is not zero */
    uint64_t *pool;    /* the buckets' chunks, grown as needed */
    uint32_t pool_units; /* of 8 words */
    uint64_t *keys, *keys_tmp; /* cap each, for sorting an unsorted bucket */
} slim_bpe_scratch;

void slim_bpe_scratch_free(slim_bpe_scratch *s);

/* Makes the scratch fit pieces of n bytes. SLIM_ERR_NOMEM on failure. */
slim_error slim_bpe_reserve(slim_bpe_scratch *s, size_t n);

/*
 * Merges p[0..n) (n >= 1) and writes the ranks of the resulting tokens to
 * out (room for n ranks). Returns how many were written. A token whose rank
 * is SLIM_NO_RANK means a single byte the vocabulary lacks. Pieces longer
 * than SLIM_BPE_LINEAR_MAX need slim_bpe_reserve(s, n) first; shorter ones
 * use only s->cache.
 */
size_t slim_bpe_merge(const slim_vocab *v, const uint8_t *p, size_t n,
                      uint32_t *out, slim_bpe_scratch *s);

/* The two long-piece algorithms, for tests (same contract as slim_bpe_merge
 * for n >= 2 after slim_bpe_reserve). The bucket queue returns 0 when it
 * gave up on the piece (then nothing useful is in out) or could not get its
 * rank-sized tables. */
size_t slim_bpe_merge_heap(const slim_vocab *v, const uint8_t *p, size_t n,
                           uint32_t *out, slim_bpe_scratch *s);
size_t slim_bpe_merge_bucket(const slim_vocab *v, const uint8_t *p, size_t n,
                             uint32_t *out, slim_bpe_scratch *s);

#endif
