/*
 * Encoding and decoding with a Hugging Face tokenizer (see hf.h): added
 * tokens, the pipeline, post-processing templates and decoders.
 */
#include "tok/hf_api.h"
#include "tok/spm.h"

#include <stdlib.h>
#include <string.h>

/* ---- added tokens ---- */

slim_error hf_trie_add(hf_trie *t, const char *s, size_t n, int32_t added)
{
    if (!t->nodes) {
        t->cap = 64;
        t->nodes = calloc(t->cap, sizeof *t->nodes);
        if (!t->nodes)
            return SLIM_ERR_NOMEM;
        t->nodes[0].added = -1;
        t->n = 1;
    }
    uint32_t cur = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)s[i];
        uint32_t k = t->nodes[cur].child;
        while (k && t->nodes[k].byte != c)
            k = t->nodes[k].sibling;
        if (!k) {
            if (t->n == t->cap) {
                hf_trie_node *v = realloc(t->nodes, 2 * t->cap * sizeof *v);
                if (!v)
                    return SLIM_ERR_NOMEM;
                t->nodes = v;
                t->cap *= 2;
            }
            k = t->n++;
            t->nodes[k] = (hf_trie_node){0, t->nodes[cur].child, -1, c};
            t->nodes[cur].child = k;
            if (cur == 0)
                t->first[c] = k;
        }
        cur = k;
    }
    /* The first token with this text keeps it (ids of repeats are equal in
     * practice; HF keeps one too). */
    if (t->nodes[cur].added < 0)
        t->nodes[cur].added = added;
    return SLIM_OK;
}

/* The longest added token starting at s[i], or -1; *len set. */
static int32_t trie_longest(const hf_trie *t, const char *s, size_t n, size_t i, size_t *len)
{
    int32_t best = -1;
    uint32_t cur = t->first[(uint8_t)s[i]];
    if (!cur)
        return -1;
    if (t->nodes[cur].added >= 0) {
        best = t->nodes[cur].added;
        *len = 1;
    }
    for (size_t j = i + 1; j < n; j++) {
        uint32_t k = t->nodes[cur].child;
        uint8_t c = (uint8_t)s[j];
        while (k && t->nodes[k].byte != c)
            k = t->nodes[k].sibling;
        if (!k)
            break;
        cur = k;
        if (t->nodes[k].added >= 0) {
            best = t->nodes[k].added;
            *len = j + 1 - i;
        }
    }
    return best;
}

/* single_word: HF tests the neighbours with the regexes \w$ and ^\w. */
static int is_word_char(uint32_t c) { return hf_is_word(c); }

static uint32_t last_char(const char *s, size_t n)
{
    size_t i = n - 1;
    while (i > 0 && ((uint8_t)s[i] & 0xC0) == 0x80)
        i--;
    uint32_t cp;
    hf_utf8_next((const uint8_t *)s, n, i, &cp);
    return cp;
}

/* A cut of a text by the added tokens: [b, e) holds added token `added`
 * (-1: ordinary text). */
typedef struct cut {
    size_t b, e;
    int32_t added;
} cut;

typedef struct cuts {
    cut *v;
    size_t n, cap;
} cuts;

static int cuts_push(cuts *c, size_t b, size_t e, int32_t added)
{
    if (c->n == c->cap) {
        size_t k = c->cap ? 2 * c->cap : 16;
        cut *v = realloc(c->v, k * sizeof *v);
        if (!v)
            return 0;
        c->v = v;
        c->cap = k;
    }
    c->v[c->n++] = (cut){b, e, added};
    return 1;
}

/*
 * HF's AddedVocabulary::find_matches: non-overlapping leftmost-longest
 * matches; a special token in AS_TEXT mode or a single_word token not on
 * word boundaries is passed over (its text stays ordinary); lstrip/rstrip
 * widen the match over white space. *special_at is set (DISALLOW) to the
 * offset of the first special token.
 */
static slim_error find_added(const slim_hf *hf, const hf_trie *t, const char *s, size_t n,
                             slim_special_mode mode, cuts *out, size_t *special_at,
                             int32_t *special_idx)
{
    out->n = 0;
    if (!t->nodes) {
        if (n && !cuts_push(out, 0, n, -1))
            return SLIM_ERR_NOMEM;
        return SLIM_OK;
    }
    size_t start_off = 0;
    for (size_t i = 0; i < n;) {
        size_t len = 0;
        int32_t a = trie_longest(t, s, n, i, &len);
        if (a < 0) {
            i++;
            continue;
        }
        const hf_added *tk = &hf->added[a];
        size_t b = i, e = i + len;
        i = e;
        if (tk->special && mode == SLIM_SPECIAL_DISALLOW) {
            *special_at = b;
            *special_idx = a;
            return SLIM_ERR_SPECIAL_TOKEN;
        }
        if (tk->special && mode == SLIM_SPECIAL_AS_TEXT)
            continue;
        if (tk->single_word) {
            int sp_before = b == 0 || !is_word_char(last_char(s, b));
            uint32_t nc = 0;
            if (e < n)
                hf_utf8_next((const uint8_t *)s, n, e, &nc);
            int sp_after = e == n || !is_word_char(nc);
            if (!sp_before || !sp_after)
                continue;
        }
        if (tk->lstrip) {
            size_t nb = b;
            while (nb > 0) {
                size_t st = nb - 1;
                while (st > 0 && ((uint8_t)s[st] & 0xC0) == 0x80)
                    st--;
                uint32_t cp;
                hf_utf8_next((const uint8_t *)s, n, st, &cp);
                if (!hf_is_whitespace(cp))
                    break;
                nb = st;
            }
            b = nb > start_off ? nb : start_off;
        }
        if (tk->rstrip) {
            while (e < n) {
                uint32_t cp;
                size_t nx = hf_utf8_next((const uint8_t *)s, n, e, &cp);
                if (!hf_is_whitespace(cp))
                    break;
                e = nx;
            }
            /* HF's search resumes at the match end, not past the strip. */
        }
        if (start_off < b && !cuts_push(out, start_off, b, -1))
            return SLIM_ERR_NOMEM;
        if (!cuts_push(out, b, e, a))
            return SLIM_ERR_NOMEM;
        start_off = e;
    }
    if (start_off < n && !cuts_push(out, start_off, n, -1))
        return SLIM_ERR_NOMEM;
    return SLIM_OK;
}

/* ---- encoding ---- */

typedef struct hf_enc {
    const slim_hf *hf;
    slim_special_mode mode;
    hf_ids ids;
    hf_buf norm;
    hf_pieces pieces;
    cuts inner;
    size_t special_at;
    int32_t special_idx;
} hf_enc;

static slim_error encode_part(hf_enc *e, const char *s, size_t n, int first)
{
    slim_error err = hf_pretokenize(e->hf, s, n, first, &e->pieces);
    for (size_t i = 0; err == SLIM_OK && i < e->pieces.n; i++) {
        const char *p = e->pieces.text.p + e->pieces.v[i].off;
        size_t len = e->pieces.v[i].len;
        err = e->hf->spm_scores ? slim_spm_encode(&e->hf->bpe, e->hf->spm_scores, p, len, &e->ids)
                                : hf_bpe_encode(&e->hf->bpe, p, len, &e->ids);
    }
    return err;
}

static slim_error encode_segment(hf_enc *e, const char *s, size_t n, size_t at)
{
    slim_error err = hf_normalize(e->hf, s, n, &e->norm);
    if (err != SLIM_OK)
        return err;
    /* The normalized pass: copy the text out, encode_part reuses buffers. */
    size_t nn = e->norm.n;
    char *t = malloc(nn + 1);
    if (!t)
        return SLIM_ERR_NOMEM;
    memcpy(t, e->norm.p, nn);
    err = find_added(e->hf, &e->hf->trie_norm, t, nn, e->mode, &e->inner, &e->special_at,
                     &e->special_idx);
    if (err == SLIM_ERR_SPECIAL_TOKEN)
        e->special_at = at; /* offsets inside normalized text are not the input's */
    cuts c = e->inner;
    memset(&e->inner, 0, sizeof e->inner);
    for (size_t k = 0; err == SLIM_OK && k < c.n; k++) {
        if (c.v[k].added >= 0)
            err = hf_ids_push(&e->ids, e->hf->added[c.v[k].added].id) ? SLIM_OK
                                                                     : SLIM_ERR_NOMEM;
        else
            err = encode_part(e, t + c.v[k].b, c.v[k].e - c.v[k].b, at == 0 && c.v[k].b == 0);
    }
    free(c.v);
    free(t);
    return err;
}

slim_error slim_hf_encode(const slim_hf *hf, const char *text, size_t len,
                          slim_special_mode mode, uint32_t *ids, size_t cap, size_t *n_ids,
                          slim_tok_where *where)
{
    hf_enc e = {.hf = hf, .mode = mode};
    cuts top = {0};
    slim_error err = find_added(hf, &hf->trie_raw, text, len, mode, &top, &e.special_at,
                                &e.special_idx);
    for (size_t k = 0; err == SLIM_OK && k < top.n; k++) {
        if (top.v[k].added >= 0)
            err = hf_ids_push(&e.ids, hf->added[top.v[k].added].id) ? SLIM_OK : SLIM_ERR_NOMEM;
        else
            err = encode_segment(&e, text + top.v[k].b, top.v[k].e - top.v[k].b, top.v[k].b);
    }
    if (err == SLIM_ERR_SPECIAL_TOKEN && where) {
        where->offset = e.special_at;
        where->token = hf->added[e.special_idx].id;
    }
    if (err == SLIM_OK) {
        *n_ids = e.ids.n;
        if (cap && e.ids.n)
            memcpy(ids, e.ids.v, (e.ids.n < cap ? e.ids.n : cap) * sizeof *ids);
        if (e.ids.n > cap)
            err = SLIM_ERR_BUFFER_TOO_SMALL;
    }
    free(top.v);
    free(e.ids.v);
    free(e.inner.v);
    hf_buf_free(&e.norm);
    hf_pieces_free(&e.pieces);
    return err;
}

slim_error slim_hf_add_special(const slim_hf *hf, const uint32_t *ids, size_t n,
                               uint32_t *out, size_t cap, size_t *n_out)
{
    size_t total = 0;
    if (!hf->tmpl) {
        total = n;
        if (cap && n)
            memcpy(out, ids, (n < cap ? n : cap) * sizeof *ids);
    } else {
        for (size_t k = 0; k < hf->n_tmpl; k++) {
            const uint32_t *src = hf->tmpl[k].is_seq ? ids : hf->tmpl[k].ids;
            size_t m = hf->tmpl[k].is_seq ? n : hf->tmpl[k].n_ids;
            for (size_t i = 0; i < m; i++, total++)
                if (total < cap)
                    out[total] = src[i];
        }
    }
    *n_out = total;
    return total > cap ? SLIM_ERR_BUFFER_TOO_SMALL : SLIM_OK;
}

/* ---- decoding ---- */

/* The string of an id: an added token's content, else the model's token. */
static const char *id_text(const slim_hf *hf, uint32_t id, size_t *len)
{
    if (id < hf->vocab_size && hf->added_of_id[id] >= 0) {
        const hf_added *a = &hf->added[hf->added_of_id[id]];
        *len = a->len;
        return a->content;
    }
    const hf_bpe *m = &hf->bpe;
    if (id < m->n_ids && m->present[id]) {
        *len = m->off[id + 1] - m->off[id];
        return m->tok + m->off[id];
    }
    return NULL;
}

const char *slim_hf_token(const slim_hf *hf, uint32_t id, size_t *len)
{
    return id_text(hf, id, len);
}

/* A list of strings (the decoders' tokens), in one arena. */
typedef struct strs {
    size_t *off, *len;
    size_t n, cap;
    hf_buf text;
} strs;

static int strs_add(strs *a, const char *s, size_t n)
{
    if (a->n == a->cap) {
        size_t c = a->cap ? 2 * a->cap : 64;
        size_t *o = realloc(a->off, c * sizeof *o);
        if (!o)
            return 0;
        a->off = o;
        size_t *l = realloc(a->len, c * sizeof *l);
        if (!l)
            return 0;
        a->len = l;
        a->cap = c;
    }
    a->off[a->n] = a->text.n;
    a->len[a->n] = n;
    if (!hf_buf_put(&a->text, s, n))
        return 0;
    a->n++;
    return 1;
}

static void strs_free(strs *a)
{
    free(a->off);
    free(a->len);
    hf_buf_free(&a->text);
    memset(a, 0, sizeof *a);
}

#define S(a, i) ((a)->text.p + (a)->off[i])

static slim_error dec_one(const hf_dec *d, strs *in, strs *out)
{
    hf_buf tmp = {0};
    slim_error err = SLIM_OK;
    switch (d->kind) {
    case HF_DEC_BYTELEVEL: {
        for (size_t i = 0; i < in->n; i++) {
            const uint8_t *s = (const uint8_t *)S(in, i);
            size_t n = in->len[i], mark = tmp.n;
            int ok = 1;
            for (size_t j = 0; j < n && ok;) {
                uint32_t cp;
                j = hf_utf8_next(s, n, j, &cp);
                int b = hf_char_byte(cp);
                if (b < 0) {
                    ok = 0;
                    break;
                }
                uint8_t c = (uint8_t)b;
                if (!hf_buf_put(&tmp, &c, 1))
                    goto nomem;
            }
            if (!ok) { /* a token with an unmapped char keeps its bytes */
                tmp.n = mark;
                if (!hf_buf_put(&tmp, s, n))
                    goto nomem;
            }
        }
        hf_buf lossy = {0};
        if (!hf_utf8_lossy((const uint8_t *)tmp.p, tmp.n, &lossy) ||
            !strs_add(out, lossy.p ? lossy.p : "", lossy.n)) {
            hf_buf_free(&lossy);
            goto nomem;
        }
        hf_buf_free(&lossy);
        break;
    }
    case HF_DEC_METASPACE:
        for (size_t i = 0; i < in->n; i++) {
            const uint8_t *s = (const uint8_t *)S(in, i);
            size_t n = in->len[i];
            tmp.n = 0;
            for (size_t j = 0; j < n;) {
                uint32_t cp;
                size_t e = hf_utf8_next(s, n, j, &cp);
                int ok = 1;
                if (cp == d->ch) {
                    if (!(i == 0 && d->prepend != HF_PREPEND_NEVER))
                        ok = hf_buf_put(&tmp, " ", 1);
                } else {
                    ok = hf_buf_put(&tmp, s + j, e - j);
                }
                if (!ok)
                    goto nomem;
                j = e;
            }
            if (!strs_add(out, tmp.p ? tmp.p : "", tmp.n))
                goto nomem;
        }
        break;
    case HF_DEC_BYTEFALLBACK: {
        size_t i = 0;
        while (i < in->n) {
            const char *s = S(in, i);
            if (in->len[i] == 6 && memcmp(s, "<0x", 3) == 0 && s[5] == '>') {
                char hex[3] = {s[3], s[4], 0};
                char *endp;
                long v = strtol(hex, &endp, 16);
                int isbyte = *endp == 0 && hex[0] != '-' && hex[0] != '+' && hex[0] != ' ';
                if (isbyte) {
                    tmp.n = 0;
                    size_t j = i;
                    for (; j < in->n; j++) {
                        const char *q = S(in, j);
                        if (!(in->len[j] == 6 && memcmp(q, "<0x", 3) == 0 && q[5] == '>'))
                            break;
                        char h2[3] = {q[3], q[4], 0};
                        long w = strtol(h2, &endp, 16);
                        if (*endp || h2[0] == '-' || h2[0] == '+' || h2[0] == ' ')
                            break;
                        uint8_t c = (uint8_t)w;
                        if (!hf_buf_put(&tmp, &c, 1))
                            goto nomem;
                    }
                    (void)v;
                    size_t nb = j - i;
                    hf_buf chk = {0};
                    if (!hf_utf8_lossy((const uint8_t *)tmp.p, tmp.n, &chk))
                        goto nomem;
                    int valid = chk.n == tmp.n && memcmp(chk.p, tmp.p, tmp.n) == 0;
                    hf_buf_free(&chk);
                    if (valid) {
                        if (!strs_add(out, tmp.p, tmp.n))
                            goto nomem;
                    } else {
                        for (size_t k = 0; k < nb; k++)
                            if (!strs_add(out, "\xEF\xBF\xBD", 3))
                                goto nomem;
                    }
                    i = j;
                    continue;
                }
            }
            if (!strs_add(out, s, in->len[i]))
                goto nomem;
            i++;
        }
        break;
    }
    case HF_DEC_FUSE:
        if (!strs_add(out, in->text.p ? in->text.p : "", in->text.n))
            goto nomem;
        break;
    case HF_DEC_STRIP:
        for (size_t i = 0; i < in->n; i++) {
            const uint8_t *s = (const uint8_t *)S(in, i);
            size_t n = in->len[i], b = 0, e = n;
            for (int k = 0; k < d->start && b < n; k++) {
                uint32_t cp;
                size_t nx = hf_utf8_next(s, n, b, &cp);
                if (cp != d->ch)
                    break;
                b = nx;
            }
            for (int k = 0; k < d->stop && e > b; k++) {
                size_t st = e - 1;
                while (st > b && (s[st] & 0xC0) == 0x80)
                    st--;
                uint32_t cp;
                hf_utf8_next(s, n, st, &cp);
                if (cp != d->ch)
                    break;
                e = st;
            }
            if (!strs_add(out, (const char *)s + b, e - b))
                goto nomem;
        }
        break;
    case HF_DEC_REPLACE: {
        hf_norm z = {.kind = HF_NORM_REPLACE, .str = d->str, .len = d->len, .pat = d->pat};
        slim_hf one = {.norms = &z, .n_norms = 1};
        for (size_t i = 0; i < in->n && err == SLIM_OK; i++) {
            err = hf_normalize(&one, S(in, i), in->len[i], &tmp);
            if (err == SLIM_OK && !strs_add(out, tmp.p ? tmp.p : "", tmp.n))
                err = SLIM_ERR_NOMEM;
        }
        break;
    }
    }
    hf_buf_free(&tmp);
    return err;
nomem:
    hf_buf_free(&tmp);
    return SLIM_ERR_NOMEM;
}

slim_error slim_hf_decode(const slim_hf *hf, const uint32_t *ids, size_t n, char *out,
                          size_t cap, size_t *n_bytes, slim_tok_where *where)
{
    strs a = {0}, b = {0};
    slim_error err = SLIM_OK;
    for (size_t i = 0; i < n && err == SLIM_OK; i++) {
        size_t l;
        const char *s = id_text(hf, ids[i], &l);
        if (!s) {
            if (where) {
                where->index = i;
                where->token = ids[i];
            }
            err = SLIM_ERR_NOT_FOUND;
        } else if (!strs_add(&a, s, l)) {
            err = SLIM_ERR_NOMEM;
        }
    }
    for (size_t k = 0; k < hf->n_decs && err == SLIM_OK; k++) {
        err = dec_one(&hf->decs[k], &a, &b);
        strs t = a;
        a = b;
        b = t;
        strs_free(&b);
    }
    if (err == SLIM_OK) {
        size_t total = a.text.n;
        *n_bytes = total;
        if (cap && total)
            memcpy(out, a.text.p, total < cap ? total : cap);
        if (total > cap)
            err = SLIM_ERR_BUFFER_TOO_SMALL;
    }
    strs_free(&a);
    strs_free(&b);
    return err;
}

/* ---- release ---- */

void slim_hf_free(slim_hf *hf)
{
    if (!hf)
        return;
    for (size_t k = 0; k < hf->n_norms; k++) {
        free(hf->norms[k].str);
        hf_pattern_free(&hf->norms[k].pat);
    }
    free(hf->norms);
    for (size_t k = 0; k < hf->n_pres; k++)
        hf_pattern_free(&hf->pres[k].pat);
    free(hf->pres);
    for (size_t k = 0; k < hf->n_decs; k++) {
        free(hf->decs[k].str);
        hf_pattern_free(&hf->decs[k].pat);
    }
    free(hf->decs);
    for (size_t k = 0; k < hf->n_added; k++) {
        free(hf->added[k].content);
        free(hf->added[k].match);
    }
    free(hf->added);
    free(hf->added_of_id);
    free(hf->trie_raw.nodes);
    free(hf->trie_norm.nodes);
    for (size_t k = 0; k < hf->n_tmpl; k++)
        free(hf->tmpl[k].ids);
    free(hf->tmpl);
    hf_bpe *m = &hf->bpe;
    free(m->off);
    free(m->present);
    free(m->tok);
    free(m->slots);
    free(m->pairs);
    free(m->unk);
    free(m->prefix);
    free(m->suffix);
    free(hf->chain_norm);
    free(hf->chain_pre);
    free(hf->spm_scores);
    free(hf);
}
