/*
 * A Hugging Face folder's tokenizer as GGUF metadata, the way llama.cpp's
 * convert_hf_to_gguf.py writes it for a Llama model (facts from its
 * LlamaModel.set_vocab and gguf-py's vocab.py):
 *  1. tokenizer.model present: the SentencePiece path ("llama"): every
 *     piece with its score and type, padded to config.json's vocab_size with
 *     [PADi] (score -10000, UNUSED); added_tokens.json is not read; tokens of
 *     tokenizer_config.json's added_tokens_decoder override (CONTROL if
 *     special or looking special, else USER_DEFINED, score -1000);
 *  2. else a SentencePiece-style tokenizer.json (BPE with byte fallback and
 *     a Sequence decoder): "llama" with score -1000 everywhere, BYTE for
 *     <0xXX>, CONTROL for the special added tokens;
 *  3. else the byte-level "gpt2" path: tokenizer.json's vocabulary and added
 *     tokens in id order ([PADi] UNUSED for ids it lacks up to vocab_size),
 *     the merges, and tokenizer.ggml.pre told from the Split regex.
 * Then SpecialVocab (gguf_vocab_special.c). A tokenizer_config.json
 * add_prefix_space comes first as tokenizer.ggml.add_space_prefix.
 * Qwen2/Qwen3 models (config.json model_type qwen2*, qwen3*) take
 * Qwen2Model.set_vocab instead: no step 2 and no add_space_prefix.
 */
#include "formats/fmt_internal.h"
#include "formats/gguf_vocab.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

slim_error gv_fail(gv_folder *f, slim_error err, const char *fmt, ...)
{
    if (f->msg && f->msg_cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(f->msg, f->msg_cap, fmt, ap);
        va_end(ap);
    }
    return err;
}

/* dir/name into buf; SLIM_ERR_INVALID_ARG if it does not fit. */
static slim_error join(gv_folder *f, char *buf, size_t cap, const char *dir, const char *name)
{
    if ((size_t)snprintf(buf, cap, "%s/%s", dir, name) >= cap)
        return gv_fail(f, SLIM_ERR_INVALID_ARG, "%s: the folder path is too long", name);
    return SLIM_OK;
}

/* Maps dir/name; *present 0 (and SLIM_OK) when the file does not exist. */
static slim_error map_opt(gv_folder *f, const char *dir, const char *name, slim_map *m,
                          int *present)
{
    char path[4096];
    *present = 0;
    slim_error err = join(f, path, sizeof path, dir, name);
    if (err != SLIM_OK)
        return err;
    err = slim_map_open(path, m);
    if (err == SLIM_ERR_IO && errno == ENOENT) {
        m->data = NULL;
        m->size = 0;
        return SLIM_OK;
    }
    *present = err == SLIM_OK;
    if (err != SLIM_OK)
        return gv_fail(f, err, "%s: cannot read: %s", name, slim_strerror(err));
    return SLIM_OK;
}

static slim_error load_json(gv_folder *f, const char *dir, const char *name, gv_json *j)
{
    slim_map m;
    int present;
    j->root = NULL;
    memset(&j->doc, 0, sizeof j->doc);
    slim_error err = map_opt(f, dir, name, &m, &present);
    if (err != SLIM_OK || !present)
        return err;
    jl_error je;
    if (jl_parse(&j->doc, (const char *)m.data, m.size, &je)) {
        slim_map_close(&m);
        return gv_fail(f, SLIM_ERR_BAD_JSON, "%s: malformed JSON at byte %zu (line %zu): %s",
                       name, je.offset, je.line, je.text);
    }
    slim_map_close(&m);
    j->root = jl_root(&j->doc);
    if (!jl_is(j->root, JL_OBJECT)) {
        j->root = NULL;
        return gv_fail(f, SLIM_ERR_BAD_JSON, "%s: expected a JSON object", name);
    }
    return SLIM_OK;
}

static void folder_free(gv_folder *f)
{
    jl_free(&f->tok.doc);
    jl_free(&f->cfg.doc);
    jl_free(&f->config.doc);
    jl_free(&f->chat_json.doc);
    free(f->chat_jinja);
}

/* The vocabulary being built. */
typedef struct vocab {
    slim_string *tok;
    float *score;       /* "llama" only */
    int32_t *type;
    uint64_t n;
    char *pads;         /* the [PADi] strings */
    char **owned;       /* n: rewritten token texts (or NULL) */
    slim_string *merges;
    uint64_t n_merges;
    char *merge_buf;    /* merges rewritten from [a, b] pairs */
    const char *model, *pre;
} vocab;

static void vocab_free(vocab *v)
{
    free(v->tok);
    free(v->score);
    free(v->type);
    free(v->pads);
    for (uint64_t i = 0; v->owned && i < v->n; i++)
        free(v->owned[i]);
    free(v->owned);
    free(v->merges);
    free(v->merge_buf);
}

/* config.json's vocab_size, or def. */
static uint64_t config_vocab_size(const gv_folder *f, uint64_t def)
{
    const jl_val *v = jl_get(&f->config.doc, f->config.root, "vocab_size");
    return jl_is(v, JL_INT) && v->u.i > 0 ? (uint64_t)v->u.i : def;
}

/* Room for n tokens whose unset ones are "[PADi]" of type `pad_type`. */
static slim_error vocab_alloc(gv_folder *f, vocab *v, uint64_t n, int with_scores,
                              float pad_score, int32_t pad_type)
{
    if (n == 0 || n > (1u << 24))
        return gv_fail(f, SLIM_ERR_TOO_LARGE, "vocabulary of %llu tokens (1 .. 2^24)",
                       (unsigned long long)n);
    v->n = n;
    v->tok = calloc(n, sizeof *v->tok);
    v->type = malloc(n * sizeof *v->type);
    v->score = with_scores ? malloc(n * sizeof *v->score) : NULL;
    v->pads = malloc(n * 16);
    v->owned = calloc(n, sizeof *v->owned);
    if (!v->tok || !v->type || (with_scores && !v->score) || !v->pads || !v->owned)
        return gv_fail(f, SLIM_ERR_NOMEM, "out of memory");
    for (uint64_t i = 0; i < n; i++) {
        char *p = v->pads + i * 16;
        int len = snprintf(p, 16, "[PAD%llu]", (unsigned long long)i);
        v->tok[i] = (slim_string){p, (size_t)len};
        v->type[i] = pad_type;
        if (with_scores)
            v->score[i] = pad_score;
    }
    return SLIM_OK;
}

/* convert_hf_to_gguf.py's does_token_look_special. */
static int looks_special(const char *s, size_t n)
{
    static const char *const exact[] = {"<pad>", "<mask>", "<2mass>", "[@BOS@]"};
    for (size_t i = 0; i < sizeof exact / sizeof *exact; i++)
        if (strlen(exact[i]) == n && !memcmp(exact[i], s, n))
            return 1;
    if (n >= 4 && !memcmp(s, "<|", 2) && !memcmp(s + n - 2, "|>", 2))
        return 1;
    /* "<｜" ... "｜>" (U+FF5C, deepseek) */
    if (n >= 8 && !memcmp(s, "<\xef\xbd\x9c", 4) && !memcmp(s + n - 4, "\xef\xbd\x9c>", 4))
        return 1;
    return n >= 8 && !memcmp(s, "<unused", 7) && s[n - 1] == '>';
}

/* A USER_DEFINED token's text: convert "pre-normalizes" it, U+2581 -> ' '. */
static slim_error user_defined(gv_folder *f, vocab *v, uint64_t i, const char *s, size_t n)
{
    v->type[i] = GGUF_TOK_USER_DEFINED;
    v->tok[i] = (slim_string){s, n};
    free(v->owned[i]); /* an id listed twice */
    v->owned[i] = NULL;
    size_t marks = 0;
    for (size_t k = 0; k + 3 <= n; k++)
        marks += !memcmp(s + k, "\xe2\x96\x81", 3);
    if (!marks)
        return SLIM_OK;
    char *o = v->owned[i] = malloc(n + 1);
    if (!o)
        return gv_fail(f, SLIM_ERR_NOMEM, "out of memory");
    size_t len = 0;
    for (size_t k = 0; k < n;) {
        if (k + 3 <= n && !memcmp(s + k, "\xe2\x96\x81", 3)) {
            o[len++] = ' ';
            k += 3;
        } else {
            o[len++] = s[k++];
        }
    }
    v->tok[i] = (slim_string){o, len};
    return SLIM_OK;
}

/* ---- 1. tokenizer.model ---- */

static slim_error vocab_sentencepiece(gv_folder *f, const slim_map *model, vocab *v)
{
    gv_piece *pieces = NULL;
    size_t np = 0, bad = 0;
    slim_error err = gv_spm_model_parse(model->data, model->size, &pieces, &np, &bad);
    if (err != SLIM_OK)
        return gv_fail(f, err, "tokenizer.model: not a SentencePiece model (%s at byte %zu)",
                       slim_strerror(err), bad);
    uint64_t n = config_vocab_size(f, np);
    err = vocab_alloc(f, v, n, 1, -10000.0f, GGUF_TOK_UNUSED);
    for (uint64_t i = 0; err == SLIM_OK && i < np && i < n; i++) {
        v->tok[i] = (slim_string){pieces[i].text, pieces[i].len};
        v->score[i] = pieces[i].score;
        /* convert maps UNKNOWN, CONTROL, UNUSED and BYTE; USER_DEFINED
         * pieces stay NORMAL. */
        int t = pieces[i].type;
        v->type[i] = t == GGUF_TOK_USER_DEFINED ? GGUF_TOK_NORMAL : t;
    }
    free(pieces);
    if (err != SLIM_OK)
        return err;
    const jl_doc *d = &f->cfg.doc;
    const jl_val *dec = jl_get(d, f->cfg.root, "added_tokens_decoder");
    for (size_t k = 0; k < jl_size(dec); k++) {
        const jl_val *e = &d->v[dec->kids + k];
        char *end;
        errno = 0;
        unsigned long long id = strtoull(e->key, &end, 10);
        const jl_val *content = jl_get(d, e, "content");
        if (end == e->key || *end || errno || !jl_is(content, JL_STRING))
            return gv_fail(f, SLIM_ERR_BAD_JSON, "tokenizer_config.json: added_tokens_decoder "
                           "[\"%.20s\"]: expected a numeric key and a content string", e->key);
        if (id >= n)
            continue; /* convert warns and ignores it */
        const jl_val *sp = jl_get(d, e, "special");
        v->score[id] = -1000.0f;
        if (jl_is(sp, JL_TRUE) || looks_special(content->u.s, content->n)) {
            v->type[id] = GGUF_TOK_CONTROL;
            v->tok[id] = (slim_string){content->u.s, content->n};
        } else if ((err = user_defined(f, v, id, content->u.s, content->n))) {
            return err;
        }
    }
    v->model = "llama";
    v->pre = "default";
    return SLIM_OK;
}

/* ---- 2. and 3. tokenizer.json ---- */

static int is_byte_token(const char *s, size_t n)
{
    if (n != 6 || memcmp(s, "<0x", 3) || s[5] != '>')
        return 0;
    for (int i = 3; i < 5; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return 0;
    }
    return 1;
}

/* The model vocabulary and the added tokens by id. */
typedef struct tj_tokens {
    const jl_val **by_id;   /* the vocab entry (key = text) or NULL */
    const jl_val **added;   /* the added_tokens entry or NULL */
    uint64_t n_ids;         /* one past the largest id */
    uint64_t n_model;       /* ids of the model vocabulary */
} tj_tokens;

static slim_error tj_collect(gv_folder *f, tj_tokens *t)
{
    const jl_doc *d = &f->tok.doc;
    const jl_val *mv = jl_get(d, jl_get(d, f->tok.root, "model"), "vocab");
    const jl_val *added = jl_get(d, f->tok.root, "added_tokens");
    if (!jl_is(mv, JL_OBJECT))
        return gv_fail(f, SLIM_ERR_UNSUPPORTED, "tokenizer.json: model.vocab is not an object "
                       "(a BPE model is needed)");
    uint64_t max = 0;
    for (size_t k = 0; k < mv->n; k++) {
        const jl_val *e = &d->v[mv->kids + k];
        if (!jl_is(e, JL_INT) || e->u.i < 0 || e->u.i >= (1 << 24))
            return gv_fail(f, SLIM_ERR_BAD_JSON, "tokenizer.json: model.vocab[\"%.40s\"]: "
                           "expected an id in 0..2^24", e->key);
        if ((uint64_t)e->u.i + 1 > max)
            max = (uint64_t)e->u.i + 1;
    }
    t->n_model = max;
    for (size_t k = 0; k < jl_size(added); k++) {
        const jl_val *id = jl_get(d, jl_at(d, added, k), "id");
        const jl_val *content = jl_get(d, jl_at(d, added, k), "content");
        if (!jl_is(id, JL_INT) || id->u.i < 0 || id->u.i >= (1 << 24) ||
            !jl_is(content, JL_STRING))
            return gv_fail(f, SLIM_ERR_BAD_JSON, "tokenizer.json: added_tokens[%zu]: expected "
                           "an id in 0..2^24 and a content string", k);
        if ((uint64_t)id->u.i + 1 > max)
            max = (uint64_t)id->u.i + 1;
    }
    t->n_ids = max;
    t->by_id = calloc(max ? max : 1, sizeof *t->by_id);
    t->added = calloc(max ? max : 1, sizeof *t->added);
    if (!t->by_id || !t->added)
        return gv_fail(f, SLIM_ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < mv->n; k++) {
        const jl_val *e = &d->v[mv->kids + k];
        t->by_id[e->u.i] = e;
    }
    for (size_t k = 0; k < jl_size(added); k++) {
        const jl_val *a = jl_at(d, added, k);
        t->added[jl_get(d, a, "id")->u.i] = a;
    }
    return SLIM_OK;
}

static void tj_free(tj_tokens *t)
{
    free(t->by_id);
    free(t->added);
}

/* The text of id i: the added token's content, else the vocabulary key. */
static int tj_text(const gv_folder *f, const tj_tokens *t, uint64_t i, slim_string *s)
{
    if (t->added[i]) {
        const jl_val *c = jl_get(&f->tok.doc, t->added[i], "content");
        *s = (slim_string){c->u.s, c->n};
        return 1;
    }
    if (t->by_id[i]) {
        *s = (slim_string){t->by_id[i]->key, t->by_id[i]->key_len};
        return 1;
    }
    return 0;
}

static int tj_special(const gv_folder *f, const tj_tokens *t, uint64_t i)
{
    return t->added[i] && jl_is(jl_get(&f->tok.doc, t->added[i], "special"), JL_TRUE);
}

/* LlamaHfVocab: the model's ids, then the added ones past them. */
static slim_error vocab_llama_hf(gv_folder *f, const tj_tokens *t, vocab *v)
{
    slim_error err = vocab_alloc(f, v, t->n_ids, 1, -1000.0f, GGUF_TOK_NORMAL);
    for (uint64_t i = 0; err == SLIM_OK && i < t->n_ids; i++) {
        slim_string s;
        if (!tj_text(f, t, i, &s))
            return gv_fail(f, SLIM_ERR_UNSUPPORTED, "tokenizer.json: id %llu is missing (ids "
                           "must be dense)", (unsigned long long)i);
        v->tok[i] = s;
        v->score[i] = -1000.0f;
        if (i >= t->n_model && !tj_special(f, t, i))
            v->type[i] = GGUF_TOK_USER_DEFINED;
        else if (is_byte_token(s.data, s.len))
            v->type[i] = GGUF_TOK_BYTE;
        else
            v->type[i] = tj_special(f, t, i) ? GGUF_TOK_CONTROL : GGUF_TOK_NORMAL;
    }
    v->model = "llama";
    v->pre = "default";
    return err;
}

/* tokenizer.ggml.pre of a byte-level tokenizer.json. */
static slim_error bpe_pre(gv_folder *f, const char **pre)
{
    const jl_doc *d = &f->tok.doc;
    const jl_val *p = jl_get(d, f->tok.root, "pre_tokenizer");
    const jl_val *type = jl_get(d, p, "type");
    if (jl_is(type, JL_STRING) && !strcmp(type->u.s, "ByteLevel") &&
        !jl_is(jl_get(d, p, "use_regex"), JL_FALSE)) {
        *pre = "gpt-2";
        return SLIM_OK;
    }
    const jl_val *list = jl_get(d, p, "pretokenizers");
    if (jl_is(type, JL_STRING) && !strcmp(type->u.s, "Sequence") && jl_size(list) == 2) {
        const jl_val *split = jl_at(d, list, 0), *bl = jl_at(d, list, 1);
        const jl_val *re = jl_get(d, jl_get(d, split, "pattern"), "Regex");
        const jl_val *st = jl_get(d, split, "type"), *bt = jl_get(d, bl, "type");
        if (jl_is(st, JL_STRING) && !strcmp(st->u.s, "Split") && jl_is(re, JL_STRING) &&
            jl_is(bt, JL_STRING) && !strcmp(bt->u.s, "ByteLevel") &&
            (*pre = gguf_vocab_pre_of_regex(re->u.s, re->n)))
            return SLIM_OK;
    }
    return gv_fail(f, SLIM_ERR_UNSUPPORTED, "tokenizer.json: a pre-tokenizer slim cannot name "
                   "(convert_hf_to_gguf.py tells it by a hash of its output; known: one "
                   "Split of the llama-bpe, qwen2, qwen35, gpt-4o, tekken or gpt-2 regex "
                   "before ByteLevel, or ByteLevel alone)");
}

/* The merges as "a b" strings ([a, b] pairs joined, spaces as U+0120). */
static slim_error bpe_merges(gv_folder *f, vocab *v)
{
    const jl_doc *d = &f->tok.doc;
    const jl_val *m = jl_get(d, jl_get(d, f->tok.root, "model"), "merges");
    size_t n = jl_size(m);
    if (!n)
        return SLIM_OK;
    v->merges = malloc(n * sizeof *v->merges);
    if (!v->merges)
        return gv_fail(f, SLIM_ERR_NOMEM, "out of memory");
    size_t total = 0;
    for (size_t k = 0; k < n; k++) {
        const jl_val *e = jl_at(d, m, k);
        if (jl_is(e, JL_STRING))
            continue;
        if (!jl_is(e, JL_ARRAY) || e->n != 2 || !jl_is(jl_at(d, e, 0), JL_STRING) ||
            !jl_is(jl_at(d, e, 1), JL_STRING))
            return gv_fail(f, SLIM_ERR_BAD_JSON, "tokenizer.json: model.merges[%zu]: expected "
                           "\"a b\" or [a, b]", k);
        total += 2 * (jl_at(d, e, 0)->n + jl_at(d, e, 1)->n) + 1;
    }
    if (total && !(v->merge_buf = malloc(total)))
        return gv_fail(f, SLIM_ERR_NOMEM, "out of memory");
    char *o = v->merge_buf;
    for (size_t k = 0; k < n; k++) {
        const jl_val *e = jl_at(d, m, k);
        if (jl_is(e, JL_STRING)) {
            v->merges[k] = (slim_string){e->u.s, e->n};
            continue;
        }
        char *start = o;
        for (int part = 0; part < 2; part++) {
            const jl_val *s = jl_at(d, e, (size_t)part);
            if (part)
                *o++ = ' ';
            for (size_t i = 0; i < s->n; i++) {
                if (s->u.s[i] == ' ') { /* chr(ord(' ') + 256) = U+0120 */
                    *o++ = (char)0xC4;
                    *o++ = (char)0xA0;
                } else {
                    *o++ = s->u.s[i];
                }
            }
        }
        v->merges[k] = (slim_string){start, (size_t)(o - start)};
    }
    v->n_merges = n;
    return SLIM_OK;
}

/* get_vocab_base: ids in order, [PADi] where tokenizer.json has none. */
static slim_error vocab_gpt2(gv_folder *f, const tj_tokens *t, vocab *v)
{
    uint64_t n = config_vocab_size(f, t->n_ids);
    if (t->n_ids > n)
        return gv_fail(f, SLIM_ERR_CORRUPT, "tokenizer.json: id %llu is not below config.json's "
                       "vocab_size %llu", (unsigned long long)t->n_ids - 1,
                       (unsigned long long)n);
    slim_error err = vocab_alloc(f, v, n, 0, 0, GGUF_TOK_UNUSED);
    for (uint64_t i = 0; err == SLIM_OK && i < t->n_ids; i++) {
        slim_string s;
        if (!tj_text(f, t, i, &s))
            continue;
        v->tok[i] = s;
        if (!t->added[i]) {
            v->type[i] = GGUF_TOK_NORMAL;
        } else if (tj_special(f, t, i) || looks_special(s.data, s.len)) {
            v->type[i] = GGUF_TOK_CONTROL;
        } else if ((err = user_defined(f, v, i, s.data, s.len))) {
            return err;
        }
    }
    if (err == SLIM_OK)
        err = bpe_pre(f, &v->pre);
    if (err == SLIM_OK)
        err = bpe_merges(f, v);
    v->model = "gpt2";
    return err;
}

/* LlamaHfVocab's test: BPE with byte fallback and a Sequence decoder, and
 * not Llama 3's (ignore_merges without byte fallback). */
static int is_spm_json(const gv_folder *f)
{
    const jl_doc *d = &f->tok.doc;
    const jl_val *m = jl_get(d, f->tok.root, "model");
    const jl_val *type = jl_get(d, m, "type"), *dec = jl_get(d, jl_get(d, f->tok.root, "decoder"),
                                                                "type");
    int bpe = jl_is(type, JL_STRING) && !strcmp(type->u.s, "BPE");
    int fallback = jl_is(jl_get(d, m, "byte_fallback"), JL_TRUE);
    return bpe && fallback && jl_is(dec, JL_STRING) && !strcmp(dec->u.s, "Sequence");
}

/* ---- writing ---- */

static slim_error add(gv_folder *f, slim_error err, const char *key, uint64_t *n_kv)
{
    if (err != SLIM_OK)
        return gv_fail(f, err, "%s: cannot add: %s", key, slim_strerror(err));
    ++*n_kv;
    return SLIM_OK;
}

static slim_error write_vocab(gv_folder *f, const vocab *v, slim_gguf_writer *w, uint64_t *n_kv)
{
    slim_string model = {v->model, strlen(v->model)}, pre = {v->pre, strlen(v->pre)};
    slim_error err;
    if ((err = add(f, slim_gguf_writer_add_kv(w, "tokenizer.ggml.model", SLIM_GGUF_STRING,
                                              &model), "tokenizer.ggml.model", n_kv)) ||
        (err = add(f, slim_gguf_writer_add_kv(w, "tokenizer.ggml.pre", SLIM_GGUF_STRING, &pre),
                   "tokenizer.ggml.pre", n_kv)) ||
        (err = add(f, slim_gguf_writer_add_array(w, "tokenizer.ggml.tokens", SLIM_GGUF_STRING,
                                                 v->tok, v->n), "tokenizer.ggml.tokens", n_kv)))
        return err;
    if (v->score &&
        (err = add(f, slim_gguf_writer_add_array(w, "tokenizer.ggml.scores", SLIM_GGUF_F32,
                                                 v->score, v->n), "tokenizer.ggml.scores", n_kv)))
        return err;
    if ((err = add(f, slim_gguf_writer_add_array(w, "tokenizer.ggml.token_type", SLIM_GGUF_I32,
                                                 v->type, v->n), "tokenizer.ggml.token_type",
                   n_kv)))
        return err;
    if (v->n_merges)
        err = add(f, slim_gguf_writer_add_array(w, "tokenizer.ggml.merges", SLIM_GGUF_STRING,
                                                v->merges, v->n_merges), "tokenizer.ggml.merges",
                  n_kv);
    return err;
}

static slim_error convert(gv_folder *f, const char *dir, slim_gguf_writer *w,
                          slim_gguf_vocab_info *info)
{
    slim_error err;
    if ((err = load_json(f, dir, "tokenizer.json", &f->tok)) ||
        (err = load_json(f, dir, "tokenizer_config.json", &f->cfg)) ||
        (err = load_json(f, dir, "config.json", &f->config)) ||
        (err = load_json(f, dir, "chat_template.json", &f->chat_json)))
        return err;
    slim_map jinja, model;
    int present;
    if ((err = map_opt(f, dir, "chat_template.jinja", &jinja, &present)))
        return err;
    if (present) {
        f->chat_jinja = malloc(jinja.size + 1);
        if (f->chat_jinja) {
            if (jinja.size)
                memcpy(f->chat_jinja, jinja.data, jinja.size);
            f->chat_jinja[jinja.size] = 0;
            f->chat_jinja_len = jinja.size;
        }
        slim_map_close(&jinja);
        if (!f->chat_jinja)
            return gv_fail(f, SLIM_ERR_NOMEM, "out of memory");
    }
    if ((err = map_opt(f, dir, "tokenizer.model", &model, &present)))
        return err;
    vocab v = {0};
    tj_tokens t = {0};
    int gpt2 = 0;
    const jl_val *mt = jl_get(&f->config.doc, f->config.root, "model_type");
    int qwen = jl_is(mt, JL_STRING) && (!strncmp(mt->u.s, "qwen2", 5) ||
                                        !strncmp(mt->u.s, "qwen3", 5));
    if (present) {
        err = vocab_sentencepiece(f, &model, &v);
    } else if (!f->tok.root) {
        err = gv_fail(f, SLIM_ERR_NOT_FOUND, "neither tokenizer.model nor tokenizer.json in '%s'",
                      dir);
    } else if ((err = tj_collect(f, &t)) == SLIM_OK) {
        gpt2 = qwen || !is_spm_json(f);
        err = gpt2 ? vocab_gpt2(f, &t, &v) : vocab_llama_hf(f, &t, &v);
    }
    gv_special sv;
    if (err == SLIM_OK)
        err = gv_special_vocab(f, gpt2 ? UINT64_MAX : v.n, &sv);
    uint64_t n_kv = 0;
    const jl_val *prefix = jl_get(&f->cfg.doc, f->cfg.root, "add_prefix_space");
    if (err == SLIM_OK && !qwen && jl_is_bool(prefix)) {
        uint8_t b = jl_is(prefix, JL_TRUE);
        err = add(f, slim_gguf_writer_add_kv(w, "tokenizer.ggml.add_space_prefix", SLIM_GGUF_BOOL,
                                             &b), "tokenizer.ggml.add_space_prefix", &n_kv);
    }
    if (err == SLIM_OK)
        err = write_vocab(f, &v, w, &n_kv);
    if (err == SLIM_OK)
        err = gv_special_write(f, &sv, w, &n_kv);
    if (err == SLIM_OK && info) {
        snprintf(info->model, sizeof info->model, "%s", v.model);
        snprintf(info->pre, sizeof info->pre, "%s", v.pre);
        info->n_tokens = v.n;
        info->n_merges = v.n_merges;
        info->n_kv = n_kv;
    }
    tj_free(&t);
    vocab_free(&v);
    slim_map_close(&model);
    return err;
}

slim_error slim_gguf_writer_add_hf_tokenizer(slim_gguf_writer *w, const char *dir,
                                             slim_gguf_vocab_info *info, char *msg,
                                             size_t msg_cap)
{
    if (msg && msg_cap)
        msg[0] = 0;
    if (info)
        memset(info, 0, sizeof *info);
    if (!w || !dir)
        return SLIM_ERR_INVALID_ARG;
    gv_folder f = {.msg = msg, .msg_cap = msg_cap};
    slim_error err = convert(&f, dir, w, info);
    folder_free(&f);
    return err;
}
