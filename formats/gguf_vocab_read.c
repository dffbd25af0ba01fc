/*
 * GGUF tokenizer vocabularies (tokenizer.ggml.*) as slim tokenizers.
 *
 * A vocabulary is turned into the Hugging Face pipeline of tok/hf.h, which
 * then encodes as llama.cpp does:
 *  - "gpt2": Split by each of llama.cpp's regexes for tokenizer.ggml.pre
 *    (Isolated: matches and the text between them are pieces), ByteLevel,
 *    BPE by the rank of the merge "a b";
 *  - "llama": Prepend U+2581 (add_space_prefix) and Replace ' ' by U+2581,
 *    then the whole text merged by token score (tok/spm.c).
 * CONTROL and UNKNOWN tokens are the special added tokens, USER_DEFINED ones
 * are always matched, both on the raw text (llama.cpp partitions the raw
 * text), and tokenizer.ggml.add_bos_token / add_eos_token make the
 * post-processing template.
 *
 * The file is untrusted: every key's type, every array's length and every
 * id are checked, and a failure names the key and the element.
 */
#include "formats/gguf_vocab.h"
#include "tok/hf_api.h"
#include "tok/tokenizer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Most tokens a vocabulary may have (the largest real ones have ~260k). */
#define GGUF_VOCAB_MAX_TOKENS (1u << 24)

#define KEY_MODEL "tokenizer.ggml.model"
#define KEY_PRE "tokenizer.ggml.pre"
#define KEY_TOKENS "tokenizer.ggml.tokens"
#define KEY_SCORES "tokenizer.ggml.scores"
#define KEY_TYPES "tokenizer.ggml.token_type"
#define KEY_MERGES "tokenizer.ggml.merges"

static const char SPACE_MARK[] = "\xe2\x96\x81"; /* U+2581 */

typedef struct rd {
    const slim_gguf *g;
    slim_hf *hf;
    uint32_t n;             /* tokens */
    char *msg;
    size_t msg_cap;
    slim_tok_where *where;
} rd;

/* Fills msg ("KEY[index]: ...") and where (the entry's offset, the index). */
static slim_error fail(rd *r, slim_error err, const slim_gguf_kv *kv, uint64_t index,
                       const char *fmt, ...)
{
    if (r->msg && r->msg_cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->msg, r->msg_cap, fmt, ap);
        va_end(ap);
    }
    if (r->where) {
        r->where->offset = kv ? (size_t)kv->offset : 0;
        r->where->index = (size_t)index;
    }
    return err;
}

static char *dupn(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        if (n)
            memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

/* An array entry whose elements are `elem`; *out NULL if absent and not
 * required. */
static slim_error array_kv(rd *r, const char *key, slim_gguf_type elem, int required,
                           const slim_gguf_kv **out)
{
    const slim_gguf_kv *kv = slim_gguf_find_kv(r->g, key);
    *out = kv;
    if (!kv)
        return required ? fail(r, SLIM_ERR_NOT_FOUND, NULL, 0, "%s: missing", key) : SLIM_OK;
    if (kv->type != SLIM_GGUF_ARRAY || kv->elem_type != elem)
        return fail(r, SLIM_ERR_BAD_TYPE, kv, 0, "%s: expected an array of %s, found %s%s",
                    key, slim_gguf_type_name(elem),
                    kv->type == SLIM_GGUF_ARRAY ? "an array of " : "",
                    slim_gguf_type_name(kv->elem_type));
    return SLIM_OK;
}

/* An optional scalar: a bool (want_bool) or an unsigned integer. *kv_out
 * is NULL when the key is absent. */
static slim_error opt_scalar(rd *r, const char *key, int want_bool, uint64_t *v,
                             const slim_gguf_kv **kv_out)
{
    const slim_gguf_kv *kv = *kv_out = slim_gguf_find_kv(r->g, key);
    if (!kv)
        return SLIM_OK;
    if (kv->type == SLIM_GGUF_ARRAY || (kv->type == SLIM_GGUF_BOOL) != want_bool ||
        slim_gguf_kv_uint(r->g, kv, 0, v) != SLIM_OK)
        return fail(r, SLIM_ERR_BAD_TYPE, kv, 0, "%s: expected %s", key,
                    want_bool ? "a bool" : "an unsigned integer id");
    return SLIM_OK;
}

/* An optional token id: *out = def when absent (-1: none). */
static slim_error opt_id(rd *r, const char *key, int64_t def, int64_t *out)
{
    const slim_gguf_kv *kv;
    uint64_t v = 0;
    *out = def < (int64_t)r->n ? def : -1;
    slim_error err = opt_scalar(r, key, 0, &v, &kv);
    if (err != SLIM_OK || !kv)
        return err;
    if (v >= r->n)
        return fail(r, SLIM_ERR_CORRUPT, kv, 0, "%s: id %llu is not below the %u tokens", key,
                    (unsigned long long)v, r->n);
    *out = (int64_t)v;
    return SLIM_OK;
}

static slim_error opt_bool(rd *r, const char *key, int def, int *out)
{
    const slim_gguf_kv *kv;
    uint64_t v = 0;
    slim_error err = opt_scalar(r, key, 1, &v, &kv);
    *out = kv ? v != 0 : def;
    return err;
}

/* The token strings into the BPE model's string table (empty ones are left
 * out: llama.cpp renames them, they can never match). */
static slim_error build_vocab(rd *r, const slim_gguf_kv *kv)
{
    size_t n = r->n;
    const char **toks = malloc(n * sizeof *toks);
    size_t *lens = malloc(n * sizeof *lens);
    uint32_t *ids = malloc(n * sizeof *ids);
    slim_error err = toks && lens && ids ? SLIM_OK : SLIM_ERR_NOMEM;
    size_t m = 0;
    uint64_t total = 0;
    for (uint32_t i = 0; err == SLIM_OK && i < n; i++) {
        slim_string s;
        slim_gguf_kv_str(r->g, kv, i, &s);
        total += s.len;
        if (total >= UINT32_MAX) {
            err = fail(r, SLIM_ERR_TOO_LARGE, kv, i, "%s[%u]: the tokens exceed 4 GiB",
                       KEY_TOKENS, i);
            break;
        }
        if (!s.len)
            continue;
        toks[m] = s.data;
        lens[m] = s.len;
        ids[m++] = i;
    }
    if (err == SLIM_OK) {
        err = hf_bpe_build_vocab(&r->hf->bpe, toks, lens, ids, m);
        if (err == SLIM_ERR_DUPLICATE)
            err = fail(r, err, kv, 0, "%s: two tokens have the same text", KEY_TOKENS);
        else if (err != SLIM_OK)
            err = fail(r, err, kv, 0, "%s: %s", KEY_TOKENS, slim_strerror(err));
    } else if (err == SLIM_ERR_NOMEM) {
        err = fail(r, err, kv, 0, "%s: out of memory", KEY_TOKENS);
    }
    free(toks);
    free(lens);
    free(ids);
    return err;
}

static slim_error add_pattern(rd *r, hf_pattern *p, const char *s, int is_regex)
{
    size_t off = 0;
    slim_error err = hf_pattern_init(p, s, strlen(s), is_regex, &off);
    return err == SLIM_OK ? SLIM_OK
                          : fail(r, err, NULL, 0, "cannot compile the split pattern '%s'", s);
}

static slim_error chain(rd *r, char **dst, const char *text)
{
    *dst = dupn(text, strlen(text));
    return *dst ? SLIM_OK : fail(r, SLIM_ERR_NOMEM, NULL, 0, "out of memory");
}

/* "gpt2": regex splits, ByteLevel, BPE merges. */
static slim_error setup_bpe(rd *r, const gguf_vocab_pre *pre, const char *pre_name)
{
    slim_hf *hf = r->hf;
    size_t nre = 0;
    while (nre < GGUF_VOCAB_MAX_REGEX && pre->regex[nre])
        nre++;
    hf->pres = calloc(nre + 1, sizeof *hf->pres);
    hf->decs = calloc(1, sizeof *hf->decs);
    if (!hf->pres || !hf->decs)
        return fail(r, SLIM_ERR_NOMEM, NULL, 0, "out of memory");
    for (size_t k = 0; k < nre; k++) {
        hf_pre *p = &hf->pres[hf->n_pres++];
        p->kind = HF_PRE_SPLIT;
        p->behavior = HF_ISOLATED;
        slim_error err = add_pattern(r, &p->pat, pre->regex[k], 1);
        if (err != SLIM_OK)
            return err;
    }
    hf->pres[hf->n_pres++] = (hf_pre){.kind = HF_PRE_BYTELEVEL};
    hf->decs[hf->n_decs++] = (hf_dec){.kind = HF_DEC_BYTELEVEL};
    hf->bpe.ignore_merges = pre->ignore_merges;
    char desc[160];
    snprintf(desc, sizeof desc, "gguf pre '%s': %zu Split(regex, Isolated) > ByteLevel", pre_name,
             nre);
    slim_error err = chain(r, &hf->chain_pre, desc);
    if (err != SLIM_OK)
        return err;

    const slim_gguf_kv *kv;
    if ((err = array_kv(r, KEY_MERGES, SLIM_GGUF_STRING, 1, &kv)) != SLIM_OK)
        return err;
    if ((err = hf_bpe_reserve_merges(&hf->bpe, kv->count)) != SLIM_OK)
        return fail(r, err, kv, 0, "%s: out of memory", KEY_MERGES);
    char *scratch = NULL;
    size_t scap = 0;
    for (uint64_t k = 0; err == SLIM_OK && k < kv->count; k++) {
        slim_string s;
        slim_gguf_kv_str(r->g, kv, k, &s);
        /* llama.cpp splits at the first space after the first byte. */
        const char *sp = s.len > 1 ? memchr(s.data + 1, ' ', s.len - 1) : NULL;
        if (!sp) {
            err = fail(r, SLIM_ERR_CORRUPT, kv, k, "%s[%llu]: expected \"a b\"", KEY_MERGES,
                       (unsigned long long)k);
            break;
        }
        size_t na = (size_t)(sp - s.data), nb = s.len - na - 1;
        if (k >= UINT32_MAX) {
            err = fail(r, SLIM_ERR_TOO_LARGE, kv, k, "%s: too many merges", KEY_MERGES);
            break;
        }
        err = hf_bpe_add_merge(&hf->bpe, s.data, na, sp + 1, nb, (uint32_t)k, &scratch, &scap);
        if (err == SLIM_ERR_NOT_FOUND)
            err = fail(r, err, kv, k, "%s[%llu]: '%.*s' + '%.*s': a part or their merge is "
                       "not a token", KEY_MERGES, (unsigned long long)k,
                       (int)(na > 40 ? 40 : na), s.data, (int)(nb > 40 ? 40 : nb), sp + 1);
        else if (err != SLIM_OK)
            err = fail(r, err, kv, k, "%s: %s", KEY_MERGES, slim_strerror(err));
    }
    free(scratch);
    return err;
}

/* "llama": SentencePiece normalization, score merging, its decoders. */
static slim_error setup_spm(rd *r, const slim_gguf_kv *scores, int64_t unk)
{
    slim_hf *hf = r->hf;
    int prefix;
    slim_error err = opt_bool(r, "tokenizer.ggml.add_space_prefix", 1, &prefix);
    if (err != SLIM_OK)
        return err;
    hf->spm_scores = calloc(hf->bpe.n_ids ? hf->bpe.n_ids : 1, sizeof *hf->spm_scores);
    hf->norms = calloc(2, sizeof *hf->norms);
    hf->decs = calloc(4, sizeof *hf->decs);
    if (!hf->spm_scores || !hf->norms || !hf->decs)
        return fail(r, SLIM_ERR_NOMEM, NULL, 0, "out of memory");
    for (uint32_t i = 0; scores && i < hf->bpe.n_ids; i++) {
        double v;
        slim_gguf_kv_float(r->g, scores, i, &v);
        hf->spm_scores[i] = (float)v;
    }
    if (unk >= 0 && (uint64_t)unk < hf->bpe.n_ids && hf->bpe.present[unk]) {
        size_t len = hf->bpe.off[unk + 1] - hf->bpe.off[unk];
        if (!(hf->bpe.unk = dupn(hf->bpe.tok + hf->bpe.off[unk], len)))
            return fail(r, SLIM_ERR_NOMEM, NULL, 0, "out of memory");
        hf->bpe.unk_id = (uint32_t)unk;
    }
    if (prefix) {
        hf_norm *z = &hf->norms[hf->n_norms++];
        z->kind = HF_NORM_PREPEND;
        if (!(z->str = dupn(SPACE_MARK, 3)))
            return fail(r, SLIM_ERR_NOMEM, NULL, 0, "out of memory");
        z->len = 3;
    }
    hf_norm *z = &hf->norms[hf->n_norms++];
    z->kind = HF_NORM_REPLACE;
    if (!(z->str = dupn(SPACE_MARK, 3)))
        return fail(r, SLIM_ERR_NOMEM, NULL, 0, "out of memory");
    z->len = 3;
    if ((err = add_pattern(r, &z->pat, " ", 0)) != SLIM_OK)
        return err;

    hf_dec *d = &hf->decs[hf->n_decs++];
    d->kind = HF_DEC_REPLACE;
    if (!(d->str = dupn(" ", 1)))
        return fail(r, SLIM_ERR_NOMEM, NULL, 0, "out of memory");
    d->len = 1;
    if ((err = add_pattern(r, &d->pat, SPACE_MARK, 0)) != SLIM_OK)
        return err;
    hf->decs[hf->n_decs++] = (hf_dec){.kind = HF_DEC_BYTEFALLBACK};
    hf->decs[hf->n_decs++] = (hf_dec){.kind = HF_DEC_FUSE};
    if (prefix)
        hf->decs[hf->n_decs++] = (hf_dec){.kind = HF_DEC_STRIP, .ch = ' ', .start = 1};
    if ((err = chain(r, &hf->chain_norm, prefix ? "Prepend(U+2581) > Replace(' ', U+2581)"
                                                : "Replace(' ', U+2581)")) != SLIM_OK)
        return err;
    return chain(r, &hf->chain_pre, "gguf llama: SentencePiece merges by token score");
}

/* CONTROL / UNKNOWN tokens are special, USER_DEFINED ones always matched;
 * all on the raw text. */
static slim_error build_added(rd *r, const slim_gguf_kv *types, const slim_gguf_kv *tokens)
{
    slim_hf *hf = r->hf;
    hf->vocab_size = r->n;
    hf->added_of_id = malloc(r->n * sizeof *hf->added_of_id);
    if (!hf->added_of_id)
        return fail(r, SLIM_ERR_NOMEM, NULL, 0, "out of memory");
    for (uint32_t i = 0; i < r->n; i++)
        hf->added_of_id[i] = -1;
    if (!types)
        return SLIM_OK;
    size_t n_added = 0;
    for (uint32_t i = 0; i < r->n; i++) {
        int64_t t;
        slim_gguf_kv_int(r->g, types, i, &t);
        if (t < GGUF_TOK_UNDEFINED || t > GGUF_TOK_BYTE)
            return fail(r, SLIM_ERR_CORRUPT, types, i, "%s[%u]: type %lld is not 0..6",
                        KEY_TYPES, i, (long long)t);
        n_added += t == GGUF_TOK_UNKNOWN || t == GGUF_TOK_CONTROL || t == GGUF_TOK_USER_DEFINED;
    }
    hf->added = calloc(n_added ? n_added : 1, sizeof *hf->added);
    if (!hf->added)
        return fail(r, SLIM_ERR_NOMEM, NULL, 0, "out of memory");
    for (uint32_t i = 0; i < r->n; i++) {
        int64_t t;
        slim_string s;
        slim_gguf_kv_int(r->g, types, i, &t);
        slim_gguf_kv_str(r->g, tokens, i, &s);
        if (!(t == GGUF_TOK_UNKNOWN || t == GGUF_TOK_CONTROL || t == GGUF_TOK_USER_DEFINED) ||
            !s.len)
            continue;
        hf_added *x = &hf->added[hf->n_added];
        x->content = dupn(s.data, s.len);
        x->match = dupn(s.data, s.len);
        if (!x->content || !x->match) {
            free(x->content);
            free(x->match);
            return fail(r, SLIM_ERR_NOMEM, NULL, 0, "out of memory");
        }
        x->len = x->match_len = s.len;
        x->id = i;
        x->special = t != GGUF_TOK_USER_DEFINED;
        hf->added_of_id[i] = (int32_t)hf->n_added++;
        if (hf_trie_add(&hf->trie_raw, s.data, s.len, (int32_t)(hf->n_added - 1)) != SLIM_OK)
            return fail(r, SLIM_ERR_NOMEM, NULL, 0, "out of memory");
    }
    return SLIM_OK;
}

/* [BOS] A [EOS] as add_bos_token / add_eos_token say (defaults: llama.cpp's). */
static slim_error build_template(rd *r, int def_bos, int64_t bos, int64_t eos)
{
    int add_bos, add_eos;
    slim_error err = opt_bool(r, "tokenizer.ggml.add_bos_token", def_bos, &add_bos);
    if (err == SLIM_OK)
        err = opt_bool(r, "tokenizer.ggml.add_eos_token", 0, &add_eos);
    if (err != SLIM_OK)
        return err;
    add_bos &= bos >= 0;
    add_eos &= eos >= 0;
    if (!add_bos && !add_eos)
        return SLIM_OK;
    slim_hf *hf = r->hf;
    hf->tmpl = calloc(3, sizeof *hf->tmpl);
    if (!hf->tmpl)
        return fail(r, SLIM_ERR_NOMEM, NULL, 0, "out of memory");
    int64_t ends[2] = {add_bos ? bos : -1, add_eos ? eos : -1};
    for (int k = 0; k < 2; k++) {
        if (k == 1)
            hf->tmpl[hf->n_tmpl++].is_seq = 1;
        if (ends[k] < 0)
            continue;
        hf_tmpl_item *t = &hf->tmpl[hf->n_tmpl++];
        if (!(t->ids = malloc(sizeof *t->ids)))
            return fail(r, SLIM_ERR_NOMEM, NULL, 0, "out of memory");
        t->ids[0] = (uint32_t)ends[k];
        t->n_ids = 1;
    }
    return SLIM_OK;
}

static slim_error from_gguf(rd *r)
{
    slim_string model, pre_name = {"", 0};
    const slim_gguf_kv *kv = slim_gguf_find_kv(r->g, KEY_MODEL);
    if (!kv)
        return fail(r, SLIM_ERR_NOT_FOUND, NULL, 0, "%s: missing (the file has no tokenizer)",
                    KEY_MODEL);
    if (kv->type != SLIM_GGUF_STRING || slim_gguf_kv_str(r->g, kv, 0, &model) != SLIM_OK)
        return fail(r, SLIM_ERR_BAD_TYPE, kv, 0, "%s: expected a string", KEY_MODEL);
    int is_spm = model.len == 5 && memcmp(model.data, "llama", 5) == 0;
    int is_bpe = model.len == 4 && memcmp(model.data, "gpt2", 4) == 0;
    if (!is_spm && !is_bpe)
        return fail(r, SLIM_ERR_UNSUPPORTED, kv, 0, "%s: model '%.*s' is not supported (llama, "
                    "gpt2)", KEY_MODEL, (int)(model.len > 40 ? 40 : model.len), model.data);
    const gguf_vocab_pre *pre = NULL;
    if (is_bpe) {
        const slim_gguf_kv *pk = slim_gguf_find_kv(r->g, KEY_PRE);
        if (pk && (pk->type != SLIM_GGUF_STRING ||
                   slim_gguf_kv_str(r->g, pk, 0, &pre_name) != SLIM_OK))
            return fail(r, SLIM_ERR_BAD_TYPE, pk, 0, "%s: expected a string", KEY_PRE);
        if (!(pre = gguf_vocab_pre_find(pre_name.data, pre_name.len)))
            return fail(r, SLIM_ERR_UNSUPPORTED, pk, 0, "%s: pre-tokenizer '%.*s' is not "
                        "supported (see docs/TOKENIZERS.md)", KEY_PRE,
                        (int)(pre_name.len > 40 ? 40 : pre_name.len), pre_name.data);
    }
    const slim_gguf_kv *tokens, *scores, *types;
    slim_error err;
    if ((err = array_kv(r, KEY_TOKENS, SLIM_GGUF_STRING, 1, &tokens)) ||
        (err = array_kv(r, KEY_SCORES, SLIM_GGUF_F32, 0, &scores)) ||
        (err = array_kv(r, KEY_TYPES, SLIM_GGUF_I32, 0, &types)))
        return err;
    if (tokens->count == 0)
        return fail(r, SLIM_ERR_CORRUPT, tokens, 0, "%s: no tokens", KEY_TOKENS);
    if (tokens->count > GGUF_VOCAB_MAX_TOKENS)
        return fail(r, SLIM_ERR_TOO_LARGE, tokens, 0, "%s: %llu tokens (at most %u)", KEY_TOKENS,
                    (unsigned long long)tokens->count, GGUF_VOCAB_MAX_TOKENS);
    r->n = (uint32_t)tokens->count;
    if (scores && scores->count < r->n)
        return fail(r, SLIM_ERR_CORRUPT, scores, scores->count, "%s: %llu scores for %u tokens",
                    KEY_SCORES, (unsigned long long)scores->count, r->n);
    if (types && types->count < r->n)
        return fail(r, SLIM_ERR_CORRUPT, types, types->count, "%s: %llu types for %u tokens",
                    KEY_TYPES, (unsigned long long)types->count, r->n);
    int64_t bos, eos, unk;
    if ((err = opt_id(r, "tokenizer.ggml.bos_token_id", is_spm ? 1 : -1, &bos)) ||
        (err = opt_id(r, "tokenizer.ggml.eos_token_id", is_spm ? 2 : -1, &eos)) ||
        (err = opt_id(r, "tokenizer.ggml.unknown_token_id", is_spm ? 0 : -1, &unk)))
        return err;
    if ((err = build_vocab(r, tokens)))
        return err;
    char name[64];
    snprintf(name, sizeof name, "%.40s", pre_name.data);
    err = is_spm ? setup_spm(r, scores, unk) : setup_bpe(r, pre, pre_name.len ? name : "default");
    if (err == SLIM_OK)
        err = build_added(r, types, tokens);
    if (err == SLIM_OK)
        err = build_template(r, is_spm ? 1 : pre->add_bos, bos, eos);
    return err;
}

/* The entry points' common start: outputs reset, arguments checked. */
static slim_error begin(const void *src, slim_tokenizer **out, char *msg, size_t msg_cap,
                        slim_tok_where *where)
{
    if (where) {
        memset(where, 0, sizeof *where);
        where->token = -1;
    }
    if (msg && msg_cap)
        msg[0] = 0;
    if (out)
        *out = NULL;
    return src && out ? SLIM_OK : SLIM_ERR_INVALID_ARG;
}

slim_error slim_tokenizer_from_gguf(const slim_gguf *g, slim_tokenizer **out, char *msg,
                                    size_t msg_cap, slim_tok_where *where)
{
    slim_error err = begin(g, out, msg, msg_cap, where);
    if (err != SLIM_OK)
        return err;
    rd r = {.g = g, .msg = msg, .msg_cap = msg_cap, .where = where};
    if (!(r.hf = calloc(1, sizeof *r.hf)))
        return SLIM_ERR_NOMEM;
    r.hf->kind = "gguf";
    err = from_gguf(&r);
    if (err != SLIM_OK) {
        slim_hf_free(r.hf);
        return err;
    }
    return slim_tokenizer_wrap_hf(r.hf, "gguf", out);
}

int slim_tokenizer_is_gguf(const void *head, size_t n)
{
    return head && n >= 4 && memcmp(head, "GGUF", 4) == 0;
}

slim_error slim_tokenizer_load_gguf(const char *path, slim_tokenizer **out, char *msg,
                                    size_t msg_cap, slim_tok_where *where)
{
    slim_error err = begin(path, out, msg, msg_cap, where);
    if (err != SLIM_OK)
        return err;
    slim_gguf *g = NULL;
    slim_parse_error pe;
    err = slim_gguf_open(path, &g, &pe);
    if (err != SLIM_OK) {
        if (msg && msg_cap)
            snprintf(msg, msg_cap, "not a valid GGUF file: %s at byte %llu",
                     pe.reason ? pe.reason : slim_strerror(err), (unsigned long long)pe.offset);
        if (where)
            where->offset = (size_t)pe.offset;
        return err;
    }
    err = slim_tokenizer_from_gguf(g, out, msg, msg_cap, where);
    slim_gguf_close(g);
    if (err == SLIM_OK)
        slim_tok_set_name(*out, path);
    return err;
}
