/* Byte-pair merging (see bpe.h). */
#include "tok/bpe.h"

#include <stdlib.h>
#include <string.h>

/* The arrays sized by the longest piece (not the rank-sized tables). */
static void free_piece_arrays(slim_bpe_scratch *s)
{
    free(s->nxt);
    free(s->prv);
    free(s->pair);
    free(s->tok);
    free(s->heap);
    free(s->out);
    free(s->keys);
    free(s->keys_tmp);
    s->nxt = s->prv = s->pair = s->tok = s->out = NULL;
    s->heap = s->keys = s->keys_tmp = NULL;
    s->cap = 0;
}

void slim_bpe_scratch_free(slim_bpe_scratch *s)
{
    if (!s)
        return;
    free_piece_arrays(s);
    free(s->bucket);
    free(s->bits);
    free(s->summary);
    free(s->pool);
    memset(s, 0, sizeof *s); /* the cache is the thread's, not freed here */
}

slim_error slim_bpe_reserve(slim_bpe_scratch *s, size_t n)
{
    if (n <= s->cap)
        return SLIM_OK;
    if (n >= UINT32_MAX / 4)
        return SLIM_ERR_TOO_LARGE;
    size_t cap = s->cap ? s->cap : 256;
    while (cap < n)
        cap *= 2;
    free_piece_arrays(s);
    /* Touched at random over a long piece: huge pages where possible. Only
     * the arrays a piece's algorithm uses get touched. */
    s->nxt = slim_tok_alloc_big((cap + 1) * sizeof *s->nxt);
    s->prv = slim_tok_alloc_big(cap * sizeof *s->prv);
    s->pair = slim_tok_alloc_big(cap * sizeof *s->pair);
    s->tok = slim_tok_alloc_big(cap * sizeof *s->tok);
    s->heap = slim_tok_alloc_big(3 * cap * sizeof *s->heap);
    s->out = slim_tok_alloc_big(cap * sizeof *s->out);
    /* Sorting buckets uses a little of these: small pages, so touching the
     * start of one does not zero 2 MiB. */
    s->keys = malloc(cap * sizeof *s->keys);
    s->keys_tmp = malloc(cap * sizeof *s->keys_tmp);
    if (!s->nxt || !s->prv || !s->pair || !s->tok || !s->heap || !s->out || !s->keys ||
        !s->keys_tmp) {
        free_piece_arrays(s);
        return SLIM_ERR_NOMEM;
    }
    s->cap = cap;
    return SLIM_OK;
}

/* ---- linear scan: tiktoken's small-piece algorithm ---- */

static size_t merge_linear(const slim_vocab *v, slim_bpe_cache *c, const uint8_t *p, size_t n,
                           uint32_t *out)
{
    /* One array of parts, so dropping a part is one memmove: start = first
     * byte of the token, pair = rank of this token and the next together,
     * tok = rank of the token. parts[m].start = n closes the last token. */
    struct part {
        uint32_t start, pair, tok;
    } parts[SLIM_BPE_LINEAR_MAX + 1];
    size_t m = n;
    for (size_t i = 0; i < n; i++) {
        parts[i].start = (uint32_t)i;
        parts[i].tok = v->byte_rank[p[i]];
        parts[i].pair = i + 1 < n ? slim_vocab_rank(v, p + i, 2) : SLIM_NO_RANK;
    }
    parts[n].start = (uint32_t)n;

    for (;;) {
        uint32_t best = SLIM_NO_RANK;
        size_t bi = 0;
        for (size_t i = 0; i + 1 < m; i++)
            if (parts[i].pair < best) {
                best = parts[i].pair;
                bi = i;
            }
        if (best == SLIM_NO_RANK)
            break;
        parts[bi].tok = best;
        memmove(parts + bi + 1, parts + bi + 2, (m - bi - 1) * sizeof *parts);
        m--;
        if (bi > 0 && bi + 1 < m) /* both neighbours: look them up together */
            slim_bpe_cached_rank_two(v, c, p + parts[bi].start,
                                     parts[bi + 2].start - parts[bi].start, &parts[bi].pair,
                                     p + parts[bi - 1].start,
                                     parts[bi + 1].start - parts[bi - 1].start,
                                     &parts[bi - 1].pair);
        else if (bi + 1 < m)
            parts[bi].pair = slim_bpe_cached_rank(v, c, p + parts[bi].start,
                                                  parts[bi + 2].start - parts[bi].start);
        else
            parts[bi].pair = SLIM_NO_RANK;
        if (bi > 0 && bi + 1 >= m)
            parts[bi - 1].pair = slim_bpe_cached_rank(v, c, p + parts[bi - 1].start,
                                                      parts[bi + 1].start - parts[bi - 1].start);
    }
    for (size_t i = 0; i < m; i++)
        out[i] = parts[i].tok;
    return m;
}

/* ---- heap with lazy invalidation: long pieces ---- */

/* Heap entries are (rank << 32 | position): the smallest is the lowest rank,
 * leftmost on ties, exactly the pair the linear scan would pick. The heap is
 * 4-ary: half the levels of a binary heap, and the four children share a
 * cache line, which matters once a megabyte-long piece makes it large. */
#define ARITY 4

static void sift_down(uint64_t *h, size_t n, size_t i, uint64_t x)
{
    for (;;) {
        size_t c = ARITY * i + 1;
        if (c >= n)
            break;
        size_t end = c + ARITY < n ? c + ARITY : n, m = c;
        for (size_t k = c + 1; k < end; k++)
            if (h[k] < h[m])
                m = k;
        if (x <= h[m])
            break;
        h[i] = h[m];
        i = m;
    }
    h[i] = x;
}

static void heap_push(uint64_t *h, size_t *len, uint64_t x)
{
    size_t i = (*len)++;
    while (i > 0) {
        size_t parent = (i - 1) / ARITY;
        if (h[parent] <= x)
            break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = x;
}

static uint64_t heap_pop(uint64_t *h, size_t *len)
{
    uint64_t top = h[0];
    uint64_t x = h[--*len];
    if (*len)
        sift_down(h, *len, 0, x);
    return top;
}

/* Turns h[0..n) into a heap bottom-up, in O(n). */
static void heapify(uint64_t *h, size_t n)
{
    if (n < 2)
        return;
    for (size_t i = (n - 2) / ARITY + 1; i-- > 0;)
        sift_down(h, n, i, h[i]);
}

size_t slim_bpe_merge_heap(const slim_vocab *v, const uint8_t *p, size_t n, uint32_t *out,
                           slim_bpe_scratch *s)
{
    uint32_t *nxt = s->nxt, *prv = s->prv, *pair = s->pair, *tok = s->tok;
    uint64_t *heap = s->heap;
    size_t hl = 0;
    uint32_t un = (uint32_t)n;

    for (uint32_t i = 0; i < un; i++) {
        nxt[i] = i + 1;
        prv[i] = i - 1; /* wraps for 0; never read there */
        tok[i] = v->byte_rank[p[i]];
        pair[i] = i + 1 < un ? slim_vocab_rank(v, p + i, 2) : SLIM_NO_RANK;
        if (pair[i] != SLIM_NO_RANK)
            heap[hl++] = (uint64_t)pair[i] << 32 | i;
    }
    nxt[un] = un;
    heapify(heap, hl);

    while (hl) {
        uint64_t e = heap_pop(heap, &hl);
        uint32_t r = (uint32_t)(e >> 32), i = (uint32_t)e;
        if (pair[i] != r)
            continue; /* stale: this pair changed or its start was merged away */
        uint32_t j = nxt[i], k = nxt[j];
        tok[i] = r;
        nxt[i] = k;
        if (k < un)
            prv[k] = i;
        pair[j] = SLIM_NO_RANK;
        uint32_t h = i > 0 ? prv[i] : 0;
        if (i > 0 && k < un)
            slim_bpe_cached_rank_two(v, s->cache, p + i, nxt[k] - i, &pair[i], p + h, k - h,
                                     &pair[h]);
        else if (k < un)
            pair[i] = slim_bpe_cached_rank(v, s->cache, p + i, nxt[k] - i);
        else
            pair[i] = SLIM_NO_RANK;
        if (i > 0 && k >= un)
            pair[h] = slim_bpe_cached_rank(v, s->cache, p + h, k - h);
        if (pair[i] != SLIM_NO_RANK)
            heap_push(heap, &hl, (uint64_t)pair[i] << 32 | i);
        if (i > 0 && pair[h] != SLIM_NO_RANK)
            heap_push(heap, &hl, (uint64_t)pair[h] << 32 | h);
    }
    size_t m = 0;
    for (uint32_t i = 0; i < un; i = nxt[i])
        out[m++] = tok[i];
    return m;
}

size_t slim_bpe_merge(const slim_vocab *v, const uint8_t *p, size_t n,
                      uint32_t *out, slim_bpe_scratch *s)
{
    if (n == 1) {
        out[0] = v->byte_rank[p[0]];
        return 1;
    }
    if (n <= SLIM_BPE_LINEAR_MAX)
        return merge_linear(v, s->cache, p, n, out);
    if (n >= SLIM_BPE_BUCKET_MIN) {
        size_t m = slim_bpe_merge_bucket(v, p, n, out, s);
        if (m)
            return m;
    }
    return slim_bpe_merge_heap(v, p, n, out, s);
}
