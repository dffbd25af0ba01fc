/*
 * The BPE merge algorithms (tok/bpe.c, tok/bpe_bucket.c) against tiktoken's
 * merge written the obvious way, and against each other: random strings
 * from small alphabets, repeated letters, white space, random bytes and
 * UTF-8, at lengths around the algorithms' thresholds and far beyond, with
 * and without the per-thread rank cache; and a vocabulary on which the
 * bucket queue must give up and leave the piece to the heap.
 */
#include <criterion/criterion.h>

#include "slim.h"
#include "tok/bpe.h"
#include "tok/tokenizer.h"

static slim_tokenizer *load(const char *name)
{
    slim_tokenizer *tok = NULL;
    cr_assert_eq(slim_tokenizer_builtin(name, &tok), SLIM_OK, "built-in %s", name);
    return tok;
}

/* Lowest-ranked pair, leftmost on ties, merged until none is a token.
 * O(n^2): for checking only. */
static size_t naive_merge(const slim_vocab *v, const uint8_t *p, size_t n, uint32_t *out)
{
    size_t *start = malloc((n + 1) * sizeof *start), m = n;
    cr_assert(start);
    for (size_t i = 0; i <= n; i++)
        start[i] = i;
    for (;;) {
        uint32_t best = SLIM_NO_RANK;
        size_t bi = 0;
        for (size_t i = 0; i + 1 < m; i++) {
            uint32_t r = slim_vocab_rank(v, p + start[i], start[i + 2] - start[i]);
            if (r < best) {
                best = r;
                bi = i;
            }
        }
        if (best == SLIM_NO_RANK)
            break;
        memmove(start + bi + 1, start + bi + 2, (m - bi - 1) * sizeof *start);
        m--;
    }
    for (size_t i = 0; i < m; i++)
        out[i] = slim_vocab_rank(v, p + start[i], start[i + 1] - start[i]);
    free(start);
    return m;
}

static uint64_t rng = 12345;

static uint32_t next_rand(void)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng >> 33);
}

/* Fills p[0..n) by kind: 0..6 small alphabets, 7 random bytes, 8 random
 * CJK characters (3-byte UTF-8; may end mid-character, BPE does not mind),
 * 9 one letter repeated with rare interruptions. */
static void fill(uint8_t *p, size_t n, int kind)
{
    static const char *const alphabets[] = {"ab", "abc ", "xyz", "0123456789", "^",
                                            "aA'_-", "etaoin shrdlu"};
    for (size_t i = 0; i < n; i++) {
        uint32_t x = next_rand();
        if (kind < 7) {
            const char *al = alphabets[kind];
            p[i] = (uint8_t)al[x % strlen(al)];
        } else if (kind == 7) {
            p[i] = (uint8_t)x;
        } else if (kind == 8) {
            uint32_t cp = 0x4E00 + x % 0x300; /* common Han */
            uint8_t c[3] = {(uint8_t)(0xE0 | cp >> 12), (uint8_t)(0x80 | (cp >> 6 & 63)),
                            (uint8_t)(0x80 | (cp & 63))};
            for (size_t k = 0; k < 3 && i < n; k++)
                p[i++] = c[k];
            i--;
        } else {
            p[i] = x % 97 ? 'x' : (uint8_t)('a' + x % 26);
        }
    }
}

/* slim_bpe_merge (and the bucket queue alone, where it applies) give the
 * naive merge's ranks on pieces of every kind around the thresholds. */
static void against_naive(const char *name)
{
    slim_tokenizer *tok = load(name);
    const slim_vocab *v = &tok->vocab;
    slim_bpe_scratch s = {0};
    uint8_t text[900];
    uint32_t a[900], b[900], c[900];
    size_t bucket_done = 0;
    for (int iter = 0; iter < 300; iter++) {
        /* every other piece with the thread's rank cache (warm by then) */
        s.cache = iter % 2 ? slim_bpe_cache_for(v) : NULL;
        int kind = iter % 10;
        size_t n = iter < 100 ? 1 + (size_t)(iter * 37 % 400)
                              : SLIM_BPE_BUCKET_MIN - 40 + (size_t)(iter * 53 % 600);
        fill(text, n, kind);
        cr_assert_eq(slim_bpe_reserve(&s, n), SLIM_OK);
        size_t na = slim_bpe_merge(v, text, n, a, &s);
        size_t nb = naive_merge(v, text, n, b);
        cr_assert_eq(na, nb, "%s iteration %d (kind %d, n=%zu): %zu vs %zu tokens", name,
                     iter, kind, n, na, nb);
        cr_assert_arr_eq(a, b, na * sizeof a[0], "%s iteration %d (kind %d, n=%zu)", name,
                         iter, kind, n);
        if (n >= 2) {
            size_t nh = slim_bpe_merge_heap(v, text, n, c, &s);
            cr_assert(nh == nb && memcmp(c, b, nb * sizeof c[0]) == 0,
                      "%s heap, iteration %d (kind %d, n=%zu)", name, iter, kind, n);
            size_t nq = slim_bpe_merge_bucket(v, text, n, c, &s);
            cr_assert(nq == 0 || (nq == nb && memcmp(c, b, nb * sizeof c[0]) == 0),
                      "%s bucket queue, iteration %d (kind %d, n=%zu)", name, iter, kind, n);
            bucket_done += nq != 0;
        }
    }
    /* The trained vocabularies never make the bucket queue give up. */
    cr_expect_eq(bucket_done, 299, "%s: bucket queue gave up on %zu pieces", name,
                 299 - bucket_done);
    slim_bpe_scratch_free(&s);
    slim_tokenizer_free(tok);
}

Test(tok_bpe, o200k_against_naive) { against_naive("o200k_base"); }
Test(tok_bpe, cl100k_against_naive) { against_naive("cl100k_base"); }
Test(tok_bpe, r50k_against_naive) { against_naive("r50k_base"); }

/* Long pieces: the bucket queue equals the heap (the naive merge would take
 * minutes), with one scratch reused across lengths and kinds. */
Test(tok_bpe, bucket_equals_heap_on_long_pieces)
{
    static const char *const names[] = {"o200k_base", "cl100k_base"};
    for (int t = 0; t < 2; t++) {
        slim_tokenizer *tok = load(names[t]);
        const slim_vocab *v = &tok->vocab;
        slim_bpe_scratch s = {0};
        size_t cap = 200000;
        uint8_t *text = malloc(cap);
        uint32_t *a = malloc(cap * sizeof *a), *b = malloc(cap * sizeof *b);
        cr_assert(text && a && b);
        for (int iter = 0; iter < 30; iter++) {
            int kind = iter % 10;
            size_t n = iter < 10 ? cap : 1000 + (size_t)next_rand() % 20000;
            fill(text, n, kind);
            cr_assert_eq(slim_bpe_reserve(&s, n), SLIM_OK);
            size_t na = slim_bpe_merge_bucket(v, text, n, a, &s);
            size_t nb = slim_bpe_merge_heap(v, text, n, b, &s);
            cr_assert_neq(na, 0, "%s: bucket queue gave up (kind %d, n=%zu)", names[t], kind,
                          n);
            cr_assert(na == nb && memcmp(a, b, na * sizeof *a) == 0,
                      "%s kind %d n=%zu: bucket queue %zu tokens, heap %zu", names[t], kind, n,
                      na, nb);
        }
        free(text);
        free(a);
        free(b);
        slim_bpe_scratch_free(&s);
        slim_tokenizer_free(tok);
    }
}

/* A vocabulary where merging "ab" (rank 3) creates "abb" of rank 2: not
 * monotone, so the bucket queue gives up and slim_bpe_merge takes the heap,
 * which follows tiktoken. */
Test(tok_bpe, non_monotone_vocabulary_falls_back)
{
    static const char file[] = "YQ== 0\nYg== 1\nYWJi 2\nYWI= 3\n"; /* a b abb ab */
    slim_tokenizer *tok = NULL;
    cr_assert_eq(slim_tokenizer_from_tiktoken(file, strlen(file), "\\S+", NULL, 0, &tok, NULL),
                 SLIM_OK);
    const slim_vocab *v = &tok->vocab;
    size_t n = 3 * 200;
    uint8_t text[600];
    uint32_t a[600], b[600];
    for (size_t i = 0; i < n; i++)
        text[i] = i % 3 ? 'b' : 'a';
    text[n - 1] = 'a'; /* the last "abb" becomes "aba" */
    slim_bpe_scratch s = {0};
    cr_assert_eq(slim_bpe_reserve(&s, n), SLIM_OK);
    cr_expect_eq(slim_bpe_merge_bucket(v, text, n, a, &s), 0);
    size_t na = slim_bpe_merge(v, text, n, a, &s), nb = naive_merge(v, text, n, b);
    cr_assert_eq(na, nb);
    cr_assert_arr_eq(a, b, na * sizeof *a);
    cr_expect_eq(a[0], 2); /* "abb" */
    /* The buckets were emptied: a monotone piece after it still works. */
    memset(text, 'b', n);
    na = slim_bpe_merge(v, text, n, a, &s);
    cr_expect_eq(na, n);
    slim_bpe_scratch_free(&s);
    slim_tokenizer_free(tok);
}
