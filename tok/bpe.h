/*
 * bpe.h - byte-pair merging of one pre-tokenized piece, tiktoken semantics:
 * repeatedly merge the adjacent pair whose concatenated bytes have the lowest
 * rank (leftmost on ties) until no adjacent pair is a token.
 *
 * Short pieces use a linear scan over a small array (cache friendly, what
 * nearly all real pieces need); long ones use a binary heap with lazy
 * invalidation, so a megabyte of one letter is O(n log n), not O(n^2).
 * The caller provides the scratch, grown only when a longer piece arrives,
 * so encoding allocates nothing per token.
 */
#ifndef SLIM_TOK_BPE_H
#define SLIM_TOK_BPE_H

#include "tok/vocab.h"

/* Pieces up to this many bytes use the linear scan (measured: 16 to 32 is
 * best; above that the quadratic scan costs more than the heap). */
#define SLIM_BPE_LINEAR_MAX 32

typedef struct slim_bpe_scratch {
    size_t cap;        /* longest piece the arrays fit */
    uint32_t *nxt;     /* cap + 1 */
    uint32_t *prv;     /* cap */
    uint32_t *pair;    /* cap: rank of the pair starting here */
    uint32_t *tok;     /* cap: rank of the token starting here */
    uint64_t *heap;    /* 3 * cap */
    uint32_t *out;     /* cap: room for the ranks of a long piece, for the caller */
} slim_bpe_scratch;

void slim_bpe_scratch_free(slim_bpe_scratch *s);

/* Makes the scratch fit pieces of n bytes. SLIM_ERR_NOMEM on failure. */
slim_error slim_bpe_reserve(slim_bpe_scratch *s, size_t n);

/*
 * Merges p[0..n) (n >= 1) and writes the ranks of the resulting tokens to
 * out (room for n ranks). Returns how many were written. A token whose rank
 * is SLIM_NO_RANK means a single byte the vocabulary lacks. Pieces longer
 * than SLIM_BPE_LINEAR_MAX need slim_bpe_reserve(s, n) first; shorter ones
 * never touch s.
 */
size_t slim_bpe_merge(const slim_vocab *v, const uint8_t *p, size_t n,
                      uint32_t *out, slim_bpe_scratch *s);

#endif
