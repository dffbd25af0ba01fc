/*
 * The tokenizer object and encoding/decoding (see slim.h, Tokenizers).
 *
 * Encoding = validate UTF-8, cut the text at special tokens (allow mode), split
 * each segment into pieces, and for each piece emit its rank if the whole
 * piece is a token, else the ranks BPE merging gives (tiktoken's order).
 */
#define _GNU_SOURCE /* memmem */
#include "tok/tokenizer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/tiktoken.h"
#include "tok/bpe.h"
#include "tok/hf_api.h"
#include "tok/utf8.h"

char *slim_tok_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static void clear_where(slim_tok_where *w)
{
    if (w) {
        memset(w, 0, sizeof *w);
        w->token = -1;
    }
}

void slim_tokenizer_free(slim_tokenizer *tok)
{
    if (!tok)
        return;
    for (size_t i = 0; i < tok->n_specials; i++)
        free(tok->specials[i].text);
    free(tok->specials);
    slim_hf_free(tok->hf);
    slim_vocab_free(&tok->vocab);
    slim_pretok_free(&tok->pretok);
    free(tok->pattern);
    free(tok->name);
    free(tok);
}

slim_error slim_tokenizer_make(const char *name, slim_vocab *vocab, const char *pattern,
                               const slim_special_token *specials, size_t n_specials,
                               slim_tokenizer **out, slim_tok_where *where)
{
    slim_tokenizer *t = calloc(1, sizeof *t);
    if (!t) {
        slim_vocab_free(vocab);
        return SLIM_ERR_NOMEM;
    }
    t->vocab = *vocab;
    memset(vocab, 0, sizeof *vocab);
    slim_error err = SLIM_OK;
    t->name = slim_tok_strdup(name);
    t->pattern = slim_tok_strdup(pattern);
    t->specials = n_specials ? calloc(n_specials, sizeof *t->specials) : NULL;
    if (!t->name || !t->pattern || (n_specials && !t->specials)) {
        err = SLIM_ERR_NOMEM;
        goto fail;
    }
    size_t err_off = 0;
    err = slim_pretok_init(&t->pretok, pattern, 1, &err_off);
    if (err != SLIM_OK) {
        if (where)
            where->offset = err_off;
        goto fail;
    }
    t->fast_kind = t->pretok.kind;
    t->vocab_size = t->vocab.n_ranks;
    for (size_t i = 0; i < n_specials; i++) {
        const slim_special_token *s = &specials[i];
        if (!s->text || !s->text[0]) {
            err = SLIM_ERR_INVALID_ARG;
            goto fail;
        }
        uint32_t id = s->id;
        int is_rank = id < t->vocab.n_ranks &&
                      t->vocab.offset[id + 1] != t->vocab.offset[id];
        int dup = is_rank;
        for (size_t k = 0; k < i; k++)
            dup |= specials[k].id == id || strcmp(specials[k].text, s->text) == 0;
        if (dup) {
            if (where)
                where->token = id;
            err = SLIM_ERR_DUPLICATE;
            goto fail;
        }
        t->specials[i].text = slim_tok_strdup(s->text);
        if (!t->specials[i].text) {
            err = SLIM_ERR_NOMEM;
            goto fail;
        }
        t->specials[i].len = strlen(s->text);
        t->specials[i].id = id;
        t->n_specials = i + 1;
        if ((size_t)id + 1 > t->vocab_size)
            t->vocab_size = (size_t)id + 1;
    }
    *out = t;
    return SLIM_OK;
fail:
    slim_tokenizer_free(t);
    return err;
}

slim_error slim_tokenizer_from_tiktoken(const void *data, size_t size, const char *pattern,
                                        const slim_special_token *specials, size_t n_specials,
                                        slim_tokenizer **out, slim_tok_where *where)
{
    clear_where(where);
    if (!out || !pattern || (!data && size) || (n_specials && !specials))
        return SLIM_ERR_INVALID_ARG;
    *out = NULL;
    uint32_t n_ranks = 0, *offset = NULL, dup = 0;
    uint8_t *bytes = NULL;
    size_t line = 0, off = 0;
    slim_error err = slim_tiktoken_parse(data, size, &n_ranks, &offset, &bytes, &line, &off);
    if (err != SLIM_OK) {
        if (where) {
            where->line = line;
            where->offset = off;
        }
        return err;
    }
    slim_vocab v;
    err = slim_vocab_build(&v, n_ranks, offset, bytes, &dup);
    if (err != SLIM_OK) {
        if (where && err == SLIM_ERR_DUPLICATE)
            where->token = dup;
        return err;
    }
    return slim_tokenizer_make("tiktoken", &v, pattern, specials, n_specials, out, where);
}

slim_error slim_tokenizer_load_tiktoken(const char *path, const char *pattern,
                                        const slim_special_token *specials, size_t n_specials,
                                        slim_tokenizer **out, slim_tok_where *where)
{
    clear_where(where);
    if (!path || !out)
        return SLIM_ERR_INVALID_ARG;
    *out = NULL;
    uint8_t *buf;
    size_t len;
    slim_error err = slim_tok_read_file(path, SIZE_MAX / 2, &buf, &len);
    if (err == SLIM_OK) {
        err = slim_tokenizer_from_tiktoken(buf, len, pattern, specials, n_specials, out, where);
        if (err == SLIM_OK)
            slim_tok_set_name(*out, path);
    }
    free(buf);
    return err;
}

slim_error slim_tok_read_file(const char *path, size_t max, uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return SLIM_ERR_IO;
    size_t cap = 1 << 20, len = 0;
    uint8_t *buf = malloc(cap);
    slim_error err = buf ? SLIM_OK : SLIM_ERR_NOMEM;
    while (err == SLIM_OK) {
        if (len == cap) {
            if (cap > max / 2) {
                err = SLIM_ERR_TOO_LARGE;
                break;
            }
            uint8_t *nb = realloc(buf, cap * 2);
            if (!nb) {
                err = SLIM_ERR_NOMEM;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f))
                err = SLIM_ERR_IO;
            break;
        }
    }
    fclose(f);
    if (err != SLIM_OK) {
        free(buf);
        return err;
    }
    *out = buf;
    *out_len = len;
    return SLIM_OK;
}

void slim_tok_set_name(slim_tokenizer *tok, const char *name)
{
    char *nm = slim_tok_strdup(name);
    if (nm) {
        free(tok->name);
        tok->name = nm;
    }
}

/* ---- encoding ---- */

typedef struct enc {
    const slim_tokenizer *tok;
    uint32_t *ids;
    size_t cap, n;
    const uint8_t *base;        /* the whole text, for error offsets */
    slim_bpe_scratch scratch;
    slim_pretok_state st;
    int st_ready;
    size_t bad_offset;          /* a byte the vocabulary lacks */
} enc;

static inline void emit(enc *e, uint32_t id)
{
    if (e->n < e->cap)
        e->ids[e->n] = id;
    e->n++;
}

/* Encodes one piece whose rank as a whole (SLIM_NO_RANK if it is not a
 * token) is r. */
static slim_error encode_piece(enc *e, const uint8_t *p, size_t n, uint32_t r)
{
    const slim_vocab *v = &e->tok->vocab;
    if (r != SLIM_NO_RANK) {
        emit(e, r);
        return SLIM_OK;
    }
    if (n == 1) {
        e->bad_offset = (size_t)(p - e->base);
        return SLIM_ERR_NOT_FOUND;
    }
    uint32_t small[SLIM_BPE_LINEAR_MAX], *out = small;
    if (n > SLIM_BPE_LINEAR_MAX) {
        slim_error err = slim_bpe_reserve(&e->scratch, n);
        if (err != SLIM_OK)
            return err;
        out = e->scratch.out;
    }
    size_t m = slim_bpe_merge(v, p, n, out, &e->scratch);
    size_t at = 0;
    for (size_t k = 0; k < m; k++) {
        if (out[k] == SLIM_NO_RANK) {
            /* Only an unmerged single byte can lack a rank; find it. */
            for (size_t b = 0; b < n; b++)
                if (v->byte_rank[p[b]] == SLIM_NO_RANK) {
                    at = b;
                    break;
                }
            e->bad_offset = (size_t)(p + at - e->base);
            return SLIM_ERR_NOT_FOUND;
        }
        emit(e, out[k]);
    }
    return SLIM_OK;
}

/* The rank of a whole piece, SLIM_NO_RANK if it is not a token. */
static uint32_t piece_rank(const slim_vocab *v, const uint8_t *p, size_t n)
{
    return n <= v->max_len ? slim_vocab_rank(v, p, n) : SLIM_NO_RANK;
}

static slim_error encode_segment(enc *e, const uint8_t *s, size_t n)
{
    slim_split_fn split = slim_pretok_splitter(e->tok->pretok.kind);
    const slim_vocab *v = &e->tok->vocab;
    slim_error err = SLIM_OK;
    if (split) {
        for (size_t pos = 0; pos < n && err == SLIM_OK;) {
            size_t end = split(s, n, pos);
            err = encode_piece(e, s + pos, end - pos, piece_rank(v, s + pos, end - pos));
            pos = end;
        }
        return err;
    }
    if (!e->st_ready) {
        err = slim_pretok_state_init(&e->tok->pretok, &e->st);
        if (err != SLIM_OK)
            return err;
        e->st_ready = 1;
    }
    size_t pos = 0, b, end;
    int rc;
    while ((rc = slim_pretok_regex_next(&e->tok->pretok, &e->st, s, n, pos, &b, &end)) == 1) {
        err = encode_piece(e, s + b, end - b, piece_rank(v, s + b, end - b));
        if (err != SLIM_OK)
            return err;
        pos = end;
    }
    return rc < 0 ? SLIM_ERR_NOMEM : SLIM_OK;
}

/* The leftmost special token at or after pos (longest on a tie), or NULL.
 * next[] caches each special's next occurrence between calls. */
static const slim_special *find_special(const slim_tokenizer *t, const uint8_t *s, size_t n,
                                        size_t pos, size_t *next, size_t *at)
{
    const slim_special *best = NULL;
    size_t best_at = SIZE_MAX;
    for (size_t k = 0; k < t->n_specials; k++) {
        const slim_special *sp = &t->specials[k];
        if (next[k] != SIZE_MAX - 1 && (next[k] == SIZE_MAX || next[k] < pos)) {
            const uint8_t *f = pos <= n ? memmem(s + pos, n - pos, sp->text, sp->len) : NULL;
            next[k] = f ? (size_t)(f - s) : SIZE_MAX - 1; /* SIZE_MAX - 1: no more */
        }
        if (next[k] == SIZE_MAX - 1)
            continue;
        if (next[k] < best_at || (next[k] == best_at && sp->len > best->len)) {
            best = sp;
            best_at = next[k];
        }
    }
    *at = best_at;
    return best;
}

static slim_error encode_all(const slim_tokenizer *tok, const char *text, size_t len,
                             slim_special_mode mode, uint32_t *ids, size_t cap,
                             size_t *n_ids, slim_tok_where *where)
{
    clear_where(where);
    if (!tok || (!text && len) || (!ids && cap) || !n_ids ||
        (mode != SLIM_SPECIAL_AS_TEXT && mode != SLIM_SPECIAL_ALLOW &&
         mode != SLIM_SPECIAL_DISALLOW))
        return SLIM_ERR_INVALID_ARG;
    const uint8_t *s = (const uint8_t *)text;
    *n_ids = 0;
    if (!len)
        return SLIM_OK;
    size_t bad = slim_utf8_check(s, len);
    if (bad != len) {
        if (where)
            where->offset = bad;
        return SLIM_ERR_BAD_UTF8;
    }
    if (tok->hf)
        return slim_hf_encode(tok->hf, text, len, mode, ids, cap, n_ids, where);
    enc e = {.tok = tok, .ids = ids, .cap = cap, .base = s};
    e.scratch.cache = slim_bpe_cache_for(&tok->vocab);
    slim_error err = SLIM_OK;
    size_t next_small[16], *next = next_small;
    if (mode != SLIM_SPECIAL_AS_TEXT && tok->n_specials > 16) {
        next = malloc(tok->n_specials * sizeof *next);
        if (!next)
            return SLIM_ERR_NOMEM;
    }
    for (size_t k = 0; mode != SLIM_SPECIAL_AS_TEXT && k < tok->n_specials; k++)
        next[k] = SIZE_MAX;

    size_t pos = 0;
    if (mode == SLIM_SPECIAL_AS_TEXT) {
        err = encode_segment(&e, s, len);
    } else {
        while (err == SLIM_OK) {
            size_t at;
            const slim_special *sp = find_special(tok, s, len, pos, next, &at);
            if (sp && mode == SLIM_SPECIAL_DISALLOW) {
                if (where) {
                    where->offset = at;
                    where->token = sp->id;
                }
                err = SLIM_ERR_SPECIAL_TOKEN;
                break;
            }
            size_t end = sp ? at : len;
            if (end > pos)
                err = encode_segment(&e, s + pos, end - pos);
            if (!sp || err != SLIM_OK)
                break;
            emit(&e, sp->id);
            pos = at + sp->len;
        }
    }
    if (err == SLIM_ERR_NOT_FOUND && where)
        where->offset = e.bad_offset;
    if (next != next_small)
        free(next);
    slim_bpe_scratch_free(&e.scratch);
    if (e.st_ready)
        slim_pretok_state_free(&e.st);
    if (err != SLIM_OK)
        return err;
    *n_ids = e.n;
    return e.n > cap ? SLIM_ERR_BUFFER_TOO_SMALL : SLIM_OK;
}

slim_error slim_tokenizer_encode(const slim_tokenizer *tok, const char *text, size_t len,
                                 slim_special_mode mode, uint32_t *ids, size_t cap,
                                 size_t *n_ids, slim_tok_where *where)
{
    return encode_all(tok, text, len, mode, ids, cap, n_ids, where);
}

slim_error slim_tokenizer_count(const slim_tokenizer *tok, const char *text, size_t len,
                                slim_special_mode mode, size_t *n_ids, slim_tok_where *where)
{
    slim_error err = encode_all(tok, text, len, mode, NULL, 0, n_ids, where);
    return err == SLIM_ERR_BUFFER_TOO_SMALL ? SLIM_OK : err;
}

/* ---- decoding and inspection ---- */

const char *slim_tokenizer_token(const slim_tokenizer *tok, uint32_t id, size_t *len)
{
    if (!tok)
        return NULL;
    if (tok->hf)
        return slim_hf_token(tok->hf, id, len);
    const slim_vocab *v = &tok->vocab;
    if (id < v->n_ranks && v->offset[id + 1] != v->offset[id]) {
        if (len)
            *len = v->offset[id + 1] - v->offset[id];
        return (const char *)v->bytes + v->offset[id];
    }
    for (size_t k = 0; k < tok->n_specials; k++)
        if (tok->specials[k].id == id) {
            if (len)
                *len = tok->specials[k].len;
            return tok->specials[k].text;
        }
    return NULL;
}

slim_error slim_tokenizer_decode(const slim_tokenizer *tok, const uint32_t *ids, size_t n,
                                 char *out, size_t cap, size_t *n_bytes, slim_tok_where *where)
{
    clear_where(where);
    if (!tok || (!ids && n) || (!out && cap) || !n_bytes)
        return SLIM_ERR_INVALID_ARG;
    if (tok->hf)
        return slim_hf_decode(tok->hf, ids, n, out, cap, n_bytes, where);
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l;
        const char *p = slim_tokenizer_token(tok, ids[i], &l);
        if (!p) {
            if (where) {
                where->index = i;
                where->token = ids[i];
            }
            return SLIM_ERR_NOT_FOUND;
        }
        if (total < cap)
            memcpy(out + total, p, cap - total < l ? cap - total : l);
        total += l;
    }
    *n_bytes = total;
    return total > cap ? SLIM_ERR_BUFFER_TOO_SMALL : SLIM_OK;
}

size_t slim_tokenizer_vocab_size(const slim_tokenizer *tok)
{
    return tok ? tok->vocab_size : 0;
}

static const char *pretok_name(slim_pretok_kind k)
{
    switch (k) {
    case SLIM_PRETOK_GPT2: return "gpt2";
    case SLIM_PRETOK_CL100K: return "cl100k";
    case SLIM_PRETOK_CL100K_NPM: return "cl100k-npm";
    case SLIM_PRETOK_O200K: return "o200k";
    default: return "pcre2";
    }
}

void slim_tokenizer_get_info(const slim_tokenizer *tok, slim_tokenizer_info *info)
{
    if (!info)
        return;
    memset(info, 0, sizeof *info);
    if (!tok)
        return;
    info->name = tok->name;
    info->kind = tok->hf ? (tok->hf->kind ? tok->hf->kind : "huggingface") : "tiktoken";
    info->pattern = tok->pattern;
    info->pretok = pretok_name(tok->pretok.kind);
    info->n_ranks = tok->vocab.n_tokens;
    info->n_specials = tok->n_specials;
    info->vocab_size = tok->vocab_size;
    if (tok->hf) {
        info->pretok = "huggingface";
        info->normalizer = tok->hf->chain_norm ? tok->hf->chain_norm : "none";
        info->pre_tokenizer = tok->hf->chain_pre ? tok->hf->chain_pre : "none";
    }
}

slim_error slim_tokenizer_special(const slim_tokenizer *tok, size_t i, const char **text,
                                  uint32_t *id)
{
    if (!tok || i >= tok->n_specials)
        return SLIM_ERR_INVALID_ARG;
    if (text)
        *text = tok->specials[i].text;
    if (id)
        *id = tok->specials[i].id;
    return SLIM_OK;
}

void slim_tokenizer_set_fast_split(slim_tokenizer *tok, int use_fast)
{
    if (tok)
        tok->pretok.kind = use_fast ? tok->fast_kind : SLIM_PRETOK_REGEX;
}
