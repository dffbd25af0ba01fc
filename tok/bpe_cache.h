/*
 * bpe_cache.h - a small per-thread cache of rank look-ups for short strings.
 *
 * Encoding asks the rank of a whole piece once, and BPE asks the ranks of
 * candidate merges two at a time; the answers come from a hash of megabytes
 * where nearly every probe is a cache miss. Text repeats itself (the same
 * words, the same characters of a script), so a direct-mapped cache of the
 * last 4096 answers for strings of up to 8 bytes, 64 KiB that stay in the
 * CPU's caches, answers about half of those questions (measured on the
 * Chinese corpus; more for English pieces). A string is stored whole (its
 * bytes and length), so a hit is exact. The cache belongs to the thread that
 * encodes (no locking; a shared tokenizer stays thread-safe) and remembers
 * which vocabulary it serves: switching tokenizers empties it.
 */
#ifndef SLIM_TOK_BPE_CACHE_H
#define SLIM_TOK_BPE_CACHE_H

#include "tok/vocab.h"

#define SLIM_BPE_CACHE_SIZE 4096 /* a power of two */

typedef struct slim_bpe_cache_entry {
    uint64_t head;  /* the string's bytes (slim_vocab_head) */
    uint32_t len;   /* 0 = empty */
    uint32_t rank;  /* SLIM_NO_RANK if the string is not a token */
} slim_bpe_cache_entry;

typedef struct slim_bpe_cache {
    uint64_t vocab_id;
    slim_bpe_cache_entry e[SLIM_BPE_CACHE_SIZE];
} slim_bpe_cache;

/* This thread's cache, made ready for v (emptied if it served another
 * vocabulary); NULL if it cannot be allocated (then encode without). It is
 * freed when the thread exits. */
slim_bpe_cache *slim_bpe_cache_for(const slim_vocab *v);

/* The entry a key of up to 8 bytes uses (other bits of the hash than the
 * slot's). */
static inline slim_bpe_cache_entry *slim_bpe_cache_entry_of(slim_bpe_cache *c,
                                                           slim_vocab_key k)
{
    return &c->e[(k.hash >> 40) & (SLIM_BPE_CACHE_SIZE - 1)];
}

/* The rank of p[0..n) (n >= 1), through the cache c (may be NULL). */
static inline uint32_t slim_bpe_cached_rank(const slim_vocab *v, slim_bpe_cache *c,
                                            const uint8_t *p, size_t n)
{
    if (n <= 2)
        return slim_vocab_rank(v, p, n);
    slim_vocab_key k = slim_vocab_key_of(p, n);
    if (!c || n > 8)
        return slim_vocab_probe(v, p, n, k);
    slim_bpe_cache_entry *e = slim_bpe_cache_entry_of(c, k);
    if (e->head == k.head && e->len == n)
        return e->rank;
    uint32_t r = slim_vocab_probe(v, p, n, k);
    *e = (slim_bpe_cache_entry){k.head, (uint32_t)n, r};
    return r;
}

/* Ranks of two strings (n1, n2 >= 3): cache hits first; the misses' slots
 * are fetched together before either is probed. */
static inline void slim_bpe_cached_rank_two(const slim_vocab *v, slim_bpe_cache *c,
                                            const uint8_t *p1, size_t n1, uint32_t *r1,
                                            const uint8_t *p2, size_t n2, uint32_t *r2)
{
    if (!c) {
        slim_vocab_rank_two(v, p1, n1, r1, p2, n2, r2);
        return;
    }
    slim_vocab_key a = slim_vocab_key_of(p1, n1), b = slim_vocab_key_of(p2, n2);
    slim_bpe_cache_entry *ea = n1 <= 8 ? slim_bpe_cache_entry_of(c, a) : NULL;
    slim_bpe_cache_entry *eb = n2 <= 8 ? slim_bpe_cache_entry_of(c, b) : NULL;
    int hit_a = ea && ea->head == a.head && ea->len == n1;
    int hit_b = eb && eb->head == b.head && eb->len == n2;
    /* Hits are read before any miss is written: a and b may share an entry. */
    if (hit_a)
        *r1 = ea->rank;
    else
        slim_vocab_prefetch(v, a);
    if (hit_b)
        *r2 = eb->rank;
    else
        slim_vocab_prefetch(v, b);
    if (!hit_a) {
        *r1 = slim_vocab_probe(v, p1, n1, a);
        if (ea)
            *ea = (slim_bpe_cache_entry){a.head, (uint32_t)n1, *r1};
    }
    if (!hit_b) {
        *r2 = slim_vocab_probe(v, p2, n2, b);
        if (eb)
            *eb = (slim_bpe_cache_entry){b.head, (uint32_t)n2, *r2};
    }
}

#endif
