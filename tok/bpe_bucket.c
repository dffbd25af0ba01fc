/*
 * Byte-pair merging of long pieces with a bucket queue over the ranks.
 *
 * tiktoken merges the adjacent pair of lowest rank, leftmost on ties. Call a
 * merge "monotone" when the (at most two) pairs it creates have ranks above
 * the rank r it merged. While every merge is monotone:
 *   - the ranks merged never decrease: after merging r, the pairs left were
 *     all >= r and the new ones are > r;
 *   - among the pairs of rank r, merges go left to right: the merged pair was
 *     the leftmost of its rank, and no new pair of rank r appears.
 * So tiktoken's sequence is: for each rank r ascending, merge the pairs of
 * rank r still present, in ascending position order. That is what this file
 * does, with one bucket per rank (a list of cache-line chunks of pairs) and a
 * bitmap to find the next non-empty bucket: linear in the merges, where a
 * heap of millions of entries costs a cache miss per level. Trained
 * vocabularies make every merge monotone (a token's rank exceeds its
 * parts'); the rank of every created pair is checked, and the caller runs
 * the heap on a piece where one is not.
 *
 * An entry is (pos, end): the pair of tokens starting at pos and ending at
 * end. It stays valid while a token starts at pos and its pair still ends at
 * end (a token's end only grows, so a changed pair never comes back);
 * invalid entries are skipped when their bucket comes up. So a bucket holds
 * at most one entry per position. While one rank is processed, entries are
 * appended in ascending position; a bucket filled from several ranks is
 * sorted (radix) before use.
 *
 * A bucket is done in two passes over windows of merges. The first merges
 * the valid pairs left to right and records each merge. Merges of one rank
 * do not depend on the ranks of the pairs they create, so the second pass
 * looks those up afterwards, in batches whose hash slots are prefetched
 * together: on random text nearly every look-up is a cache miss, and this
 * overlaps them. The second pass rebuilds exactly the pairs the one-by-one
 * order creates (a merge's right neighbour is the left part of the next
 * merge when that one starts where this one ends), so the monotone check is
 * the same.
 */
#include "tok/bpe.h"

#include <stdlib.h>
#include <string.h>

#define UNSORTED 0x80000000u
#define INITIAL 0x40000000u /* a bucket of byte pairs, see set_initial() */

/*
 * Buckets are lists of chunks in a pool of 64-byte units. A chunk's first
 * word is its header (next chunk's unit, 0 = none; count << 32; capacity
 * << 48), the others its entries, pos << 8 | length. A bucket's first chunk
 * is one unit (7 entries: most buckets hold a few pairs), the later ones 8
 * units (63 entries: the big buckets of a long piece are walked with a cache
 * miss per chunk, so fewer, larger chunks). Chunks are recycled as soon as
 * their bucket is read.
 */
enum { SMALL_UNITS = 1, BIG_UNITS = 8 };

typedef struct queue {
    uint64_t *pool;
    uint32_t used, units;     /* units handed out; pool size */
    uint32_t free_small, free_big;
    uint32_t *bk;             /* 2 per rank: first | UNSORTED, last (or
                               * INITIAL | start, end in the positions) */
    uint64_t *bits, *summary;
    uint32_t n_words;         /* of bits */
} queue;

static inline uint64_t *chunk_at(const queue *q, uint32_t c)
{
    return q->pool + 8 * (size_t)c;
}

static inline uint32_t chunk_next(uint64_t h) { return (uint32_t)h; }
static inline uint32_t chunk_count(uint64_t h) { return (uint32_t)(h >> 32) & 0xFFFF; }

/* Puts chunk c (header h) on its free list. */
static inline void free_chunk(queue *q, uint32_t c, uint64_t h)
{
    uint32_t *list = h >> 48 > 7 ? &q->free_big : &q->free_small;
    *chunk_at(q, c) = (h & ~0xFFFFFFFFull) | *list;
    *list = c;
}

/* A chunk of `units` units (empty, no next), from its free list or the pool
 * (grown by half when full). 0 if memory ran out. */
static uint32_t new_chunk(queue *q, slim_bpe_scratch *s, uint32_t units)
{
    uint32_t *list = units == BIG_UNITS ? &q->free_big : &q->free_small;
    uint32_t c = *list;
    if (c) {
        *list = chunk_next(*chunk_at(q, c));
    } else {
        if (q->units - q->used < units) {
            if (q->units >= INITIAL / 2) /* chunk numbers stay below the flags */
                return 0;
            uint32_t n = q->units + q->units / 2;
            uint64_t *pool = slim_tok_alloc_big((size_t)n * 64);
            if (!pool)
                return 0;
            memcpy(pool, q->pool, (size_t)q->used * 64);
            free(q->pool);
            q->pool = s->pool = pool;
            q->units = s->pool_units = n;
        }
        c = q->used;
        q->used += units;
    }
    *chunk_at(q, c) = (uint64_t)(8 * units - 1) << 48;
    return c;
}

/* Appends the pair (pos, pos + len) to rank's bucket. 0 if out of memory. */
static inline int push(queue *q, slim_bpe_scratch *s, uint32_t rank, uint32_t pos,
                       uint32_t len)
{
    uint32_t *b = &q->bk[2 * (size_t)rank], last = b[1];
    uint64_t x = (uint64_t)pos << 8 | len;
    if (last) {
        uint64_t *c = chunk_at(q, last), h = c[0];
        uint32_t n = chunk_count(h);
        if ((c[n] >> 8) > pos)
            b[0] |= UNSORTED;
        if (n < h >> 48) {
            c[n + 1] = x;
            c[0] = h + (1ull << 32);
            return 1;
        }
    }
    uint32_t k = new_chunk(q, s, last ? BIG_UNITS : SMALL_UNITS);
    if (!k)
        return 0;
    uint64_t *c = chunk_at(q, k);
    c[0] |= 1ull << 32;
    c[1] = x;
    if (last) {
        uint64_t *l = chunk_at(q, last);
        l[0] = (l[0] & ~0xFFFFFFFFull) | k;
    } else {
        b[0] = k;
        q->bits[rank >> 6] |= 1ull << (rank & 63);
        q->summary[rank >> 12] |= 1ull << ((rank >> 6) & 63);
    }
    b[1] = k;
    return 1;
}

/* The lowest non-empty rank >= from, or UINT32_MAX. */
static uint32_t next_rank(const queue *q, uint32_t from)
{
    uint32_t w = from >> 6;
    if (w >= q->n_words)
        return UINT32_MAX;
    uint64_t x = q->bits[w] & (~0ull << (from & 63));
    if (x)
        return w << 6 | (uint32_t)__builtin_ctzll(x);
    /* The next non-zero word, through the summary. */
    w++;
    uint32_t si = w >> 6, n_sum = (q->n_words + 63) >> 6;
    if (si >= n_sum)
        return UINT32_MAX;
    uint64_t y = q->summary[si] & (~0ull << (w & 63));
    while (!y) {
        if (++si >= n_sum)
            return UINT32_MAX;
        y = q->summary[si];
    }
    w = si << 6 | (uint32_t)__builtin_ctzll(y);
    return w << 6 | (uint32_t)__builtin_ctzll(q->bits[w]);
}

/* Marks rank r's bucket empty (its chunks are recycled as read). */
static void drop_bucket(queue *q, uint32_t r)
{
    q->bk[2 * (size_t)r] = q->bk[2 * (size_t)r + 1] = 0;
    q->bits[r >> 6] &= ~(1ull << (r & 63));
    if (!q->bits[r >> 6])
        q->summary[r >> 12] &= ~(1ull << ((r >> 6) & 63));
}

/* Copies up to room entries of the chunk list starting at *c into e, frees
 * the chunks read and advances *c. Returns how many. */
static size_t read_chunks(queue *q, uint32_t *c, uint64_t *e, size_t room)
{
    size_t m = 0;
    while (*c) {
        uint64_t *ch = chunk_at(q, *c), h = ch[0];
        uint32_t n = chunk_count(h);
        if (m + n > room)
            break;
        uint32_t next = chunk_next(h);
        if (next)
            __builtin_prefetch(chunk_at(q, next));
        memcpy(e + m, ch + 1, n * sizeof *e);
        m += n;
        free_chunk(q, *c, h);
        *c = next;
    }
    return m;
}

/* Takes out all entries of the bucket starting at chunk c into keys,
 * sorted. Returns how many. */
static size_t sorted_keys(queue *q, uint32_t c, uint64_t *keys, uint64_t *tmp)
{
    size_t m = read_chunks(q, &c, keys, SIZE_MAX);
    uint64_t top = 0;
    for (size_t i = 0; i < m; i++)
        top |= keys[i];
    if (m <= 32) {
        for (size_t i = 1; i < m; i++) {
            uint64_t x = keys[i];
            size_t j = i;
            for (; j > 0 && keys[j - 1] > x; j--)
                keys[j] = keys[j - 1];
            keys[j] = x;
        }
        return m;
    }
    /* LSD radix sort on the position (bits 8 and up), 11 bits a pass;
     * positions are distinct, so the lengths never decide. */
    uint64_t *a = keys, *b = tmp;
    for (unsigned shift = 8; shift < 64 && (top >> shift); shift += 11) {
        uint32_t count[2048] = {0};
        for (size_t i = 0; i < m; i++)
            count[(a[i] >> shift) & 2047]++;
        uint32_t sum = 0;
        for (int d = 0; d < 2048; d++) {
            uint32_t n = count[d];
            count[d] = sum;
            sum += n;
        }
        for (size_t i = 0; i < m; i++)
            b[count[(a[i] >> shift) & 2047]++] = a[i];
        uint64_t *t = a;
        a = b;
        b = t;
    }
    if (a != keys)
        memcpy(keys, a, m * sizeof *keys);
    return m;
}

/* The rank-sized tables, allocated at the first long piece; zero = empty. */
static int have_tables(slim_bpe_scratch *s, const slim_vocab *v)
{
    if (s->bucket && s->n_ranks >= v->n_ranks)
        return 1;
    free(s->bucket);
    free(s->bits);
    free(s->summary);
    size_t words = ((size_t)v->n_ranks + 63) / 64 + 1;
    s->bucket = calloc(2 * (size_t)v->n_ranks + 2, sizeof *s->bucket);
    s->bits = calloc(words, sizeof *s->bits);
    s->summary = calloc(words / 64 + 1, sizeof *s->summary);
    s->n_ranks = v->n_ranks;
    if (!s->bucket || !s->bits || !s->summary) {
        free(s->bucket);
        free(s->bits);
        free(s->summary);
        s->bucket = NULL;
        s->bits = s->summary = NULL;
        s->n_ranks = 0;
        return 0;
    }
    return 1;
}

/* A merge of the current rank: left token at pos, right at mid, to end. */
typedef struct merge {
    uint32_t pos, mid, end;
} merge;

enum { WINDOW = 32 };

/* Per position where a token starts: its rank, its length and the previous
 * token's length (len 0: no token starts here). Every token is in the
 * vocabulary, so lengths fit a byte; 8 bytes a position keeps the memory a
 * megabyte-long piece touches small (fresh pages are slow on a VM). */
typedef struct node {
    uint32_t tok;
    uint8_t len, prev_len;
} node;

typedef struct state {
    const slim_vocab *v;
    const uint8_t *p;
    uint32_t n;
    node *nd;
    uint32_t *positions; /* of the byte pairs, by rank (the caller's out) */
    queue q;
    slim_bpe_scratch *s;
} state;

/*
 * Second pass over merges w[0..k) of rank r (next: the merge after them, or
 * NULL): looks up the pairs they created, checks they rank above r and
 * queues the ones still current. 0 to give up on the piece.
 */
static int created_pairs(state *st, uint32_t r, const merge *w, size_t k, const merge *next)
{
    const slim_vocab *v = st->v;
    struct {
        uint32_t pos, len, keep;
        slim_vocab_key key;
    } lk[2 * WINDOW];
    size_t nl = 0;
    for (size_t j = 0; j < k; j++) {
        uint32_t pos = w[j].pos, end = w[j].end;
        uint32_t h = pos - st->nd[pos].prev_len;
        if (pos > 0 && end - h <= v->max_len) {
            lk[nl].pos = h;
            lk[nl].len = end - h;
            lk[nl++].keep = 1;
        }
        if (end < st->n) {
            /* The right neighbour when this merge was made: the left part of
             * the next merge if that one starts here (then its own left pair
             * replaces this one). */
            const merge *nx = j + 1 < k ? &w[j + 1] : next;
            int replaced = nx && nx->pos == end;
            uint32_t e2 = replaced ? nx->mid : end + st->nd[end].len;
            if (e2 - pos <= v->max_len) {
                lk[nl].pos = pos;
                lk[nl].len = e2 - pos;
                lk[nl++].keep = !replaced;
            }
        }
    }
    for (size_t j = 0; j < nl; j++) {
        lk[j].key = slim_vocab_key_of(st->p + lk[j].pos, lk[j].len);
        slim_vocab_prefetch(v, lk[j].key);
    }
    /* Probe, then fetch the buckets and their last chunks ahead of the
     * pushes: on random text each is another cache miss. */
    size_t np = 0;
    for (size_t j = 0; j < nl; j++) {
        uint32_t rank = slim_vocab_probe(v, st->p + lk[j].pos, lk[j].len, lk[j].key);
        if (rank == SLIM_NO_RANK)
            continue;
        if (rank <= r) /* not monotone */
            return 0;
        if (lk[j].keep) {
            __builtin_prefetch(&st->q.bk[2 * (size_t)rank]);
            lk[np].pos = lk[j].pos;
            lk[np].len = lk[j].len;
            lk[np++].keep = rank;
        }
    }
    for (size_t j = 0; j < np; j++)
        __builtin_prefetch(chunk_at(&st->q, st->q.bk[2 * (size_t)lk[j].keep + 1]));
    for (size_t j = 0; j < np; j++)
        if (!push(&st->q, st->s, lk[j].keep, lk[j].pos, lk[j].len))
            return 0;
    return 1;
}

/* Merges the pairs of rank r whose entries are e[0..m) (ascending); 0 to
 * give up. w/k: the window of merges not yet given to created_pairs. */
static int merge_entries(state *st, uint32_t r, const uint64_t *e, size_t m, merge *w,
                         size_t *k)
{
    node *nd = st->nd;
    /* The nodes (and the text, which the second pass reads) of entries a
     * little ahead are fetched early: on random text each is a miss. */
    enum { AHEAD = 16 };
    for (size_t i = 0; i < m && i < AHEAD; i++)
        __builtin_prefetch(&nd[e[i] >> 8]);
    for (size_t i = 0; i < m; i++) {
        if (i + AHEAD < m) {
            __builtin_prefetch(&nd[e[i + AHEAD] >> 8]);
            __builtin_prefetch(st->p + (e[i + AHEAD] >> 8));
        }
        uint32_t pos = (uint32_t)(e[i] >> 8), end = pos + (uint32_t)(e[i] & 255);
        uint32_t mid = pos + nd[pos].len;
        if (mid == pos || mid >= st->n || mid + nd[mid].len != end)
            continue; /* pos is dead, ends the piece, or its pair changed */
        nd[pos].len = (uint8_t)(end - pos);
        nd[mid].len = 0;
        if (end < st->n)
            nd[end].prev_len = (uint8_t)(end - pos);
        nd[pos].tok = r;
        w[(*k)++] = (merge){pos, mid, end};
        if (*k == WINDOW + 1) {
            if (!created_pairs(st, r, w, WINDOW, &w[WINDOW]))
                return 0;
            w[0] = w[WINDOW];
            *k = 1;
        }
    }
    return 1;
}

/*
 * Sets up the nodes (one token per byte) and the buckets of the initial
 * pairs, byte pairs. No created pair is two bytes long, so these buckets get
 * nothing else: instead of chunks they are runs of one array of positions
 * (a counting sort by rank: half the memory of entries, and no pushes).
 */
static void set_initial(state *st)
{
    uint32_t *positions = st->positions;
    const slim_vocab *v = st->v;
    const uint8_t *p = st->p;
    queue *q = &st->q;
    uint32_t n = st->n;
    for (uint32_t i = 0; i < n; i++) {
        st->nd[i] = (node){v->byte_rank[p[i]], 1, 1};
        uint32_t r = i + 1 < n ? v->pair_rank[p[i] | (uint32_t)p[i + 1] << 8] : SLIM_NO_RANK;
        if (r != SLIM_NO_RANK && q->bk[2 * (size_t)r + 1]++ == 0) {
            q->bits[r >> 6] |= 1ull << (r & 63);
            q->summary[r >> 12] |= 1ull << ((r >> 6) & 63);
        }
    }
    uint32_t start = 0;
    for (uint32_t r = next_rank(q, 0); r != UINT32_MAX; r = next_rank(q, r + 1)) {
        uint32_t count = q->bk[2 * (size_t)r + 1];
        q->bk[2 * (size_t)r] = INITIAL | start;
        q->bk[2 * (size_t)r + 1] = start; /* the fill cursor, then the end */
        start += count;
    }
    for (uint32_t i = 0; i + 1 < n; i++) {
        uint32_t r = v->pair_rank[p[i] | (uint32_t)p[i + 1] << 8];
        if (r != SLIM_NO_RANK)
            positions[q->bk[2 * (size_t)r + 1]++] = i;
    }
}

/* Does rank r's bucket. 0 to give up on the piece. */
static int do_bucket(state *st, uint32_t r)
{
    queue *q = &st->q;
    uint32_t first = q->bk[2 * (size_t)r];
    merge w[WINDOW + 1];
    size_t k = 0;
    int ok = 1;
    if (first & INITIAL) {
        const uint32_t *at = st->positions + (first & ~INITIAL);
        const uint32_t *end = st->positions + q->bk[2 * (size_t)r + 1];
        uint64_t e[128];
        while (at < end && ok) {
            size_t n = 0;
            for (; at < end && n < 128; at++)
                e[n++] = (uint64_t)*at << 8 | 2;
            ok = merge_entries(st, r, e, n, w, &k);
        }
    } else if (first & UNSORTED) {
        size_t m = sorted_keys(q, first & ~UNSORTED, st->s->keys, st->s->keys_tmp);
        ok = merge_entries(st, r, st->s->keys, m, w, &k);
    } else {
        /* Entries are copied out a chunk or two at a time (pushes may move
         * the pool), so merge_entries can fetch their nodes ahead. */
        uint64_t e[128];
        for (uint32_t c = first; c && ok;) {
            size_t n = read_chunks(q, &c, e, 128);
            ok = merge_entries(st, r, e, n, w, &k);
        }
    }
    ok = ok && (!k || created_pairs(st, r, w, k, NULL));
    drop_bucket(q, r);
    return ok;
}

size_t slim_bpe_merge_bucket(const slim_vocab *v, const uint8_t *p, size_t n,
                             uint32_t *out, slim_bpe_scratch *s)
{
    if (n < 2 || n > s->cap || v->max_len > 255 || !have_tables(s, v))
        return 0;
    if (!s->pool) {
        s->pool = slim_tok_alloc_big(((size_t)n / 8 + 1024) * 64);
        if (!s->pool)
            return 0;
        s->pool_units = (uint32_t)(n / 8 + 1024);
    }
    /* out has room for n ranks and is written only at the end: until then
     * it holds the positions of the byte pairs (memory a megabyte-long
     * piece would otherwise touch fresh). */
    state st = {v, p, (uint32_t)n, (node *)(void *)s->heap, out,
                {s->pool, 1, s->pool_units, 0, 0, s->bucket, s->bits, s->summary,
                 (v->n_ranks + 63) >> 6},
                s};
    set_initial(&st);
    int ok = 1;
    for (uint32_t r = next_rank(&st.q, 0); ok && r != UINT32_MAX; r = next_rank(&st.q, r + 1))
        ok = do_bucket(&st, r);
    if (!ok) { /* empty the buckets for the next piece */
        for (uint32_t r = next_rank(&st.q, 0); r != UINT32_MAX; r = next_rank(&st.q, r + 1))
            drop_bucket(&st.q, r);
        return 0;
    }
    size_t m = 0;
    for (uint32_t i = 0; i < st.n; i += st.nd[i].len)
        out[m++] = st.nd[i].tok;
    return m;
}
