/* llama.cpp's SentencePiece merging (see spm.h). */
#include "tok/heap.h"
#include "tok/spm.h"

#include <stdlib.h>

typedef struct spm_sym {
    uint32_t off, len;  /* bytes of the piece; len 0 once merged away */
    int32_t prev, next;
} spm_sym;

typedef struct spm_bigram {
    float score;
    int32_t left, right;
    uint32_t size;      /* bytes of the pair when it was queued */
} spm_bigram;

/* Heap order: the higher score first, then the leftmost pair. */
static inline int before(spm_bigram a, spm_bigram b)
{
    if (a.score != b.score)
        return a.score > b.score;
    return a.left < b.left;
}

SLIM_DEFINE_HEAP(bigram, spm_bigram, before)

/* Queues (left, right) if their text together is a token. */
static void try_pair(const hf_bpe *m, const float *scores, const char *s, const spm_sym *v,
                     int32_t left, int32_t right, spm_bigram *h, size_t *hn)
{
    if (left < 0 || right < 0)
        return;
    uint32_t size = v[left].len + v[right].len;
    uint32_t id = hf_bpe_lookup(m, s + v[left].off, size);
    if (id == UINT32_MAX)
        return;
    bigram_push(h, hn, (spm_bigram){scores[id], left, right, size});
}

/* Bytes of a UTF-8 sequence from its first byte, as llama.cpp counts. */
static uint32_t utf8_len(uint8_t c)
{
    static const uint8_t lens[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
    return lens[c >> 4];
}

slim_error slim_spm_encode(const hf_bpe *m, const float *scores, const char *s, size_t n,
                           hf_ids *out)
{
    if (!n)
        return SLIM_OK;
    if (n >= INT32_MAX / 4)
        return SLIM_ERR_TOO_LARGE;
    spm_sym *v = malloc(n * sizeof *v);
    /* n - 1 pairs to start, at most two more per merge. */
    spm_bigram *h = malloc(3 * n * sizeof *h);
    if (!v || !h) {
        free(v);
        free(h);
        return SLIM_ERR_NOMEM;
    }
    int32_t nv = 0;
    for (size_t off = 0; off < n; nv++) {
        uint32_t len = utf8_len((uint8_t)s[off]);
        if (len > n - off)
            len = (uint32_t)(n - off);
        v[nv] = (spm_sym){(uint32_t)off, len, nv - 1, off + len == n ? -1 : nv + 1};
        off += len;
    }
    size_t hn = 0;
    for (int32_t i = 1; i < nv; i++)
        try_pair(m, scores, s, v, i - 1, i, h, &hn);
    while (hn) {
        spm_bigram b = bigram_pop(h, &hn);
        spm_sym *l = &v[b.left], *r = &v[b.right];
        if (!l->len || !r->len || l->len + r->len != b.size)
            continue; /* stale: one side was merged since */
        l->len += r->len;
        r->len = 0;
        l->next = r->next;
        if (r->next >= 0)
            v[r->next].prev = b.left;
        try_pair(m, scores, s, v, l->prev, b.left, h, &hn);
        try_pair(m, scores, s, v, b.left, l->next, h, &hn);
    }
    slim_error err = SLIM_OK;
    for (int32_t i = 0; i != -1 && err == SLIM_OK; i = v[i].next) {
        uint32_t id = hf_bpe_lookup(m, s + v[i].off, v[i].len);
        if (id != UINT32_MAX) {
            if (!hf_ids_push(out, id))
                err = SLIM_ERR_NOMEM;
            continue;
        }
        /* Only an unmerged character can miss: every merge made a token. */
        for (uint32_t k = 0; k < v[i].len && err == SLIM_OK; k++) {
            uint32_t b = m->byte_ids[(uint8_t)s[v[i].off + k]];
            if (b == UINT32_MAX)
                b = m->unk ? m->unk_id : UINT32_MAX;
            if (b == UINT32_MAX)
                err = SLIM_ERR_NOT_FOUND;
            else if (!hf_ids_push(out, b))
                err = SLIM_ERR_NOMEM;
        }
    }
    free(v);
    free(h);
    return err;
}
