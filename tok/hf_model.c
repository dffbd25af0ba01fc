/*
 * The Hugging Face BPE model (see hf.h): string -> id hash, (id, id) -> (rank,
 * new id) pair hash, and the merge loop with HF's exact semantics: a min-heap
 * of (rank, position) entries, where a popped entry is applied whenever the
 * pair now at its position maps to the entry's new id (HF's only staleness
 * check), so even its rare quirks are reproduced.
 */
#include "tok/heap.h"
#include "tok/hf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hf_buf_put(hf_buf *b, const void *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p)
            return 0;
        b->p = p;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
    return 1;
}

void hf_buf_free(hf_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

int hf_ids_push(hf_ids *a, uint32_t id)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? 2 * a->cap : 256;
        uint32_t *v = realloc(a->v, cap * sizeof *v);
        if (!v)
            return 0;
        a->v = v;
        a->cap = cap;
    }
    a->v[a->n++] = id;
    return 1;
}

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = (h ^ w) * 0x9E3779B97F4A7C15ull;
        h ^= h >> 29;
    }
    for (; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 0x100000001b3ull;
    h ^= h >> 32;
    h *= 0xD6E8FEB86659FD93ull;
    return h ^ (h >> 32);
}

static uint64_t hash_pair(uint64_t k)
{
    k *= 0x9E3779B97F4A7C15ull;
    k ^= k >> 31;
    k *= 0xD6E8FEB86659FD93ull;
    return k ^ (k >> 32);
}

uint32_t hf_bpe_lookup(const hf_bpe *m, const char *s, size_t n)
{
    if (!m->slots)
        return UINT32_MAX;
    for (uint32_t i = (uint32_t)hash_bytes(s, n) & m->mask;; i = (i + 1) & m->mask) {
        uint32_t v = m->slots[i];
        if (!v)
            return UINT32_MAX;
        uint32_t id = v - 1;
        if (m->off[id + 1] - m->off[id] == n && memcmp(m->tok + m->off[id], s, n) == 0)
            return id;
    }
}

slim_error hf_bpe_build_vocab(hf_bpe *m, const char **toks, const size_t *lens,
                              const uint32_t *ids, size_t n)
{
    uint32_t max = 0;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (ids[i] >= (1u << 26))
            return SLIM_ERR_TOO_LARGE;
        if (ids[i] + 1 > max)
            max = ids[i] + 1;
        total += lens[i];
    }
    /* Ids are dense in real files; a few sparse ones are fine, but a tiny
     * hostile file must not make us allocate gigabytes. */
    if (total >= UINT32_MAX || max > n + HF_MAX_ID_GAP)
        return SLIM_ERR_TOO_LARGE;
    m->n_ids = max;
    m->off = calloc((size_t)max + 1, sizeof *m->off);
    m->present = calloc(max ? max : 1, 1);
    m->tok = malloc(total ? total : 1);
    size_t slots = 16;
    while (slots < 2 * n)
        slots *= 2;
    m->slots = calloc(slots, sizeof *m->slots);
    m->mask = (uint32_t)(slots - 1);
    uint32_t *len_of = calloc(max ? max : 1, sizeof *len_of);
    const char **str_of = calloc(max ? max : 1, sizeof *str_of);
    if (!m->off || !m->present || !m->tok || !m->slots || !len_of || !str_of) {
        free(len_of);
        free(str_of);
        return SLIM_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        if (m->present[ids[i]]) {
            free(len_of);
            free(str_of);
            return SLIM_ERR_DUPLICATE;
        }
        m->present[ids[i]] = 1;
        len_of[ids[i]] = (uint32_t)lens[i];
        str_of[ids[i]] = toks[i];
    }
    uint32_t o = 0;
    for (uint32_t id = 0; id < max; id++) {
        m->off[id] = o;
        if (m->present[id]) {
            memcpy(m->tok + o, str_of[id], len_of[id]);
            o += len_of[id];
        }
    }
    m->off[max] = o;
    free(len_of);
    free(str_of);
    for (uint32_t id = 0; id < max; id++) {
        if (!m->present[id])
            continue;
        const char *s = m->tok + m->off[id];
        size_t l = m->off[id + 1] - m->off[id];
        if (hf_bpe_lookup(m, s, l) != UINT32_MAX)
            return SLIM_ERR_DUPLICATE; /* JSON objects with a repeated key */
        uint32_t i = (uint32_t)hash_bytes(s, l) & m->mask;
        while (m->slots[i])
            i = (i + 1) & m->mask;
        m->slots[i] = id + 1;
    }
    for (int b = 0; b < 256; b++) {
        char name[8];
        snprintf(name, sizeof name, "<0x%02X>", b);
        m->byte_ids[b] = hf_bpe_lookup(m, name, 6);
    }
    for (uint32_t cp = 0; cp < HF_CP_IDS; cp++) {
        char u[4];
        m->cp_ids[cp] = hf_bpe_lookup(m, u, hf_utf8_put(u, cp)) + 1; /* absent: 0 */
    }
    return SLIM_OK;
}

slim_error hf_bpe_reserve_merges(hf_bpe *m, size_t n)
{
    size_t slots = 16;
    while (slots < 2 * n)
        slots *= 2;
    m->pairs = calloc(slots, sizeof *m->pairs);
    m->pmask = slots - 1;
    return m->pairs ? SLIM_OK : SLIM_ERR_NOMEM;
}

static inline int pair_get(const hf_bpe *m, uint32_t a, uint32_t b, uint32_t *rank,
                           uint32_t *nid)
{
    if (!m->pairs)
        return 0;
    uint64_t k = ((uint64_t)a << 32 | b) + 1;
    for (uint64_t i = hash_pair(k) & m->pmask;; i = (i + 1) & m->pmask) {
        const hf_pair *p = &m->pairs[i];
        if (!p->key)
            return 0;
        if (p->key == k) {
            *rank = (uint32_t)(p->val >> 32);
            *nid = (uint32_t)p->val;
            return 1;
        }
    }
}

slim_error hf_bpe_add_merge(hf_bpe *m, const char *a, size_t na, const char *b, size_t nb,
                            uint32_t rank, char **scratch, size_t *scratch_cap)
{
    uint32_t ia = hf_bpe_lookup(m, a, na), ib = hf_bpe_lookup(m, b, nb);
    if (ia == UINT32_MAX || ib == UINT32_MAX || nb < m->prefix_len)
        return SLIM_ERR_NOT_FOUND;
    /* The merged token drops b's continuing-subword prefix, as HF does. */
    size_t need = na + nb - m->prefix_len;
    if (need > *scratch_cap) {
        char *p = realloc(*scratch, need);
        if (!p)
            return SLIM_ERR_NOMEM;
        *scratch = p;
        *scratch_cap = need;
    }
    memcpy(*scratch, a, na);
    memcpy(*scratch + na, b + m->prefix_len, nb - m->prefix_len);
    uint32_t nid = hf_bpe_lookup(m, *scratch, need);
    if (nid == UINT32_MAX)
        return SLIM_ERR_NOT_FOUND;
    /* A repeated pair: the later one wins (HF collects into a map). */
    uint64_t k = ((uint64_t)ia << 32 | ib) + 1;
    uint64_t i = hash_pair(k) & m->pmask;
    while (m->pairs[i].key && m->pairs[i].key != k)
        i = (i + 1) & m->pmask;
    m->pairs[i] = (hf_pair){k, (uint64_t)rank << 32 | nid};
    return SLIM_OK;
}

/* ---- encoding one piece ---- */

typedef struct sym {
    uint32_t id;
    int32_t prev, next;
    uint32_t len;
} sym;

typedef struct ent {
    uint32_t rank, pos, nid;
} ent;

static inline int ent_less(ent a, ent b)
{
    return a.rank != b.rank ? a.rank < b.rank : a.pos < b.pos;
}

SLIM_DEFINE_HEAP(heap, ent, ent_less)

/* Symbols start in a caller's stack array (*v == stack) and move to the
 * heap only for long pieces. */
static int add_sym(sym **v, size_t *n, size_t *cap, uint32_t id, uint32_t len, sym *stack)
{
    if (*n == *cap) {
        size_t c = 2 * *cap;
        sym *p = *v == stack ? malloc(c * sizeof *p) : realloc(*v, c * sizeof *p);
        if (!p)
            return 0;
        if (*v == stack)
            memcpy(p, stack, *n * sizeof *p);
        *v = p;
        *cap = c;
    }
    (*v)[*n] = (sym){id, (int32_t)*n - 1, (int32_t)*n + 1, len};
    (*n)++;
    return 1;
}

slim_error hf_bpe_encode(const hf_bpe *m, const char *s, size_t n, hf_ids *out)
{
    if (!n)
        return SLIM_OK;
    if (m->ignore_merges) {
        uint32_t id = hf_bpe_lookup(m, s, n);
        if (id != UINT32_MAX)
            return hf_ids_push(out, id) ? SLIM_OK : SLIM_ERR_NOMEM;
    }
    sym stack[64], *v = stack;
    size_t nv = 0, cap = 64;
    slim_error err = SLIM_ERR_NOMEM;
    char small[64], *key = small;
    size_t key_cap = sizeof small;
    int have_unk = 0;
    uint32_t unk_len = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t e = hf_utf8_next((const uint8_t *)s, n, i, &cp);
        if (cp < HF_CP_IDS && m->cp_ids[cp] && !(i > 0 && m->prefix) && !(e == n && m->suffix)) {
            /* The common case: the character alone is a token. */
            if (have_unk && !add_sym(&v, &nv, &cap, m->unk_id, unk_len, stack))
                goto done;
            have_unk = 0;
            if (!add_sym(&v, &nv, &cap, m->cp_ids[cp] - 1, (uint32_t)(e - i), stack))
                goto done;
            i = e;
            continue;
        }
        size_t need = m->prefix_len + (e - i) + m->suffix_len;
        if (need > key_cap) {
            char *k = malloc(need);
            if (!k)
                goto done;
            if (key != small)
                free(key);
            key = k;
            key_cap = need;
        }
        size_t kl = 0;
        if (i > 0 && m->prefix) {
            memcpy(key, m->prefix, m->prefix_len);
            kl = m->prefix_len;
        }
        memcpy(key + kl, s + i, e - i);
        kl += e - i;
        if (e == n && m->suffix) {
            memcpy(key + kl, m->suffix, m->suffix_len);
            kl += m->suffix_len;
        }
        uint32_t id = hf_bpe_lookup(m, key, kl);
        uint32_t blen = (uint32_t)(e - i);
        if (id != UINT32_MAX) {
            if (have_unk && !add_sym(&v, &nv, &cap, m->unk_id, unk_len, stack))
                goto done;
            have_unk = 0;
            if (!add_sym(&v, &nv, &cap, id, blen, stack))
                goto done;
        } else {
            int fell_back = 0;
            if (m->byte_fallback) {
                /* Every byte of the key (prefix and suffix included) needs
                 * its <0xXX> token; HF does not flush a pending unk here. */
                int all = 1;
                for (size_t k = 0; k < kl; k++)
                    all &= m->byte_ids[(uint8_t)key[k]] != UINT32_MAX;
                if (all) {
                    for (size_t k = 0; k < kl; k++)
                        if (!add_sym(&v, &nv, &cap, m->byte_ids[(uint8_t)key[k]], 1, stack))
                            goto done;
                    fell_back = 1;
                }
            }
            if (!fell_back && m->unk) {
                if (have_unk && m->fuse_unk) {
                    unk_len += blen;
                } else {
                    if (have_unk && !add_sym(&v, &nv, &cap, m->unk_id, unk_len, stack))
                        goto done;
                    have_unk = 1;
                    unk_len = blen;
                }
            }
        }
        i = e;
    }
    if (have_unk && !add_sym(&v, &nv, &cap, m->unk_id, unk_len, stack))
        goto done;
    if (nv) {
        v[nv - 1].next = -1;
        ent hstack[130], *heap = hstack;
        size_t hn = 0, hcap = nv * 2 + 2;
        if (hcap > 130 && !(heap = malloc(hcap * sizeof *heap)))
            goto done;
        for (size_t i = 0; i + 1 < nv; i++) {
            uint32_t r, nid;
            if (pair_get(m, v[i].id, v[i + 1].id, &r, &nid))
                heap_push(heap, &hn, (ent){r, (uint32_t)i, nid});
        }
        while (hn) {
            ent t = heap_pop(heap, &hn);
            sym *cur = &v[t.pos];
            if (cur->len == 0 || cur->next < 0)
                continue;
            sym right = v[cur->next];
            uint32_t r, nid;
            if (!pair_get(m, cur->id, right.id, &r, &nid) || nid != t.nid)
                continue;
            v[cur->next].len = 0;
            cur->id = t.nid;
            cur->len += right.len;
            cur->next = right.next;
            if (right.next >= 0)
                v[right.next].prev = (int32_t)t.pos;
            /* Each merge pushes at most two entries. */
            if (hn + 2 > hcap) {
                ent *h2 = heap == hstack ? malloc(hcap * 2 * sizeof *h2)
                                         : realloc(heap, hcap * 2 * sizeof *h2);
                if (!h2) {
                    if (heap != hstack)
                        free(heap);
                    goto done;
                }
                if (heap == hstack)
                    memcpy(h2, hstack, hn * sizeof *h2);
                heap = h2;
                hcap *= 2;
            }
            if (cur->prev >= 0 && pair_get(m, v[cur->prev].id, cur->id, &r, &nid))
                heap_push(heap, &hn, (ent){r, (uint32_t)cur->prev, nid});
            if (cur->next >= 0 && pair_get(m, cur->id, v[cur->next].id, &r, &nid))
                heap_push(heap, &hn, (ent){r, t.pos, nid});
        }
        if (heap != hstack)
            free(heap);
        for (size_t i = 0; i < nv; i++)
            if (v[i].len && !hf_ids_push(out, v[i].id))
                goto done;
    }
    err = SLIM_OK;
done:
    if (key != small)
        free(key);
    if (v != stack)
        free(v);
    return err;
}
