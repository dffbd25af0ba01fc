/*
 * tokenizer.json (Hugging Face tokenizers) parser: plain or zstd-compressed
 * (told by the zstd magic), read with jansson into a slim_hf (tok/hf.h).
 *
 * The file is untrusted: every field is type-checked, sizes are bounded, and
 * a failure gives one line naming what is wrong and where: the JSON path
 * (e.g. "model.merges[12]") for a bad value, the byte offset and line for
 * malformed JSON. A component we do not implement is an error naming it,
 * never silently different output.
 */
#include "formats/json_lite.h"
#include "tok/hf_api.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

/* A decompressed file may not exceed this (a real one is under 40 MB). */
#define HF_MAX_JSON ((size_t)1 << 30)

typedef struct ctx {
    slim_hf *hf;
    const jl_doc *doc;
    char *msg;
    size_t msg_cap;
} ctx;

static slim_error fail(ctx *c, slim_error err, const char *fmt, ...)
{
    if (c->msg && c->msg_cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->msg, c->msg_cap, fmt, ap);
        va_end(ap);
    }
    return err;
}

static char *dupn(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

/* Optional boolean field: def if absent or null. -1 if of another type. */
static int get_bool(ctx *c, const jl_val *o, const char *k, int def)
{
    const jl_val *v = jl_get(c->doc, o, k);
    if (!v || jl_is(v, JL_NULL))
        return def;
    return jl_is_bool(v) ? jl_is(v, JL_TRUE) : -1;
}

static const char *get_str(ctx *c, const jl_val *o, const char *k, size_t *len)
{
    const jl_val *v = jl_get(c->doc, o, k);
    if (!jl_is(v, JL_STRING))
        return NULL;
    if (len)
        *len = (v)->n;
    return (v)->u.s;
}

static slim_error bool_field(ctx *c, const jl_val *o, const char *k, int def, int *out,
                             const char *path)
{
    int b = get_bool(c, o, k, def);
    if (b < 0)
        return fail(c, SLIM_ERR_CORRUPT, "%s.%s: expected true or false", path, k);
    *out = b;
    return SLIM_OK;
}

/* The single code point of a one-character string. */
static slim_error one_char(ctx *c, const jl_val *o, const char *k, uint32_t *cp, const char *path)
{
    size_t n;
    const char *s = get_str(c, o, k, &n);
    if (!s || !n)
        return fail(c, SLIM_ERR_CORRUPT, "%s.%s: expected a one-character string", path, k);
    size_t e = hf_utf8_next((const uint8_t *)s, n, 0, cp);
    if (e != n)
        return fail(c, SLIM_ERR_UNSUPPORTED, "%s.%s: only one character is supported", path,
                    k);
    return SLIM_OK;
}

static slim_error pattern(ctx *c, const jl_val *o, hf_pattern *p, const char *path)
{
    const jl_val *pat = jl_get(c->doc, o, "pattern");
    const jl_val *s = jl_get(c->doc, pat, "String"), *r = jl_get(c->doc, pat, "Regex");
    if (!jl_is(pat, JL_OBJECT) || (!jl_is(s, JL_STRING) && !jl_is(r, JL_STRING)))
        return fail(c, SLIM_ERR_CORRUPT,
                    "%s.pattern: expected {\"String\": ...} or {\"Regex\": ...}", path);
    int literal = jl_is(s, JL_STRING);
    const jl_val *v = literal ? s : r;
    size_t off = 0;
    slim_error err = hf_pattern_init(p, v->u.s, v->n, !literal, &off);
    if (err == SLIM_ERR_CORRUPT)
        return fail(c, err, "%s.pattern: invalid %s at offset %zu", path,
                    literal ? "string (empty)" : "regex", off);
    if (err != SLIM_OK)
        return fail(c, err, "%s.pattern: %s", path, slim_strerror(err));
    return SLIM_OK;
}

static slim_error prepend_scheme(ctx *c, const jl_val *o, hf_prepend *out, const char *path)
{
    const char *ps = get_str(c, o, "prepend_scheme", NULL);
    if (ps) {
        if (!strcmp(ps, "first"))
            *out = HF_PREPEND_FIRST;
        else if (!strcmp(ps, "always"))
            *out = HF_PREPEND_ALWAYS;
        else if (!strcmp(ps, "never"))
            *out = HF_PREPEND_NEVER;
        else
            return fail(c, SLIM_ERR_UNSUPPORTED, "%s.prepend_scheme: unknown scheme '%s'",
                        path, ps);
        return SLIM_OK;
    }
    int add;
    slim_error err = bool_field(c, o, "add_prefix_space", 1, &add, path);
    *out = add ? HF_PREPEND_ALWAYS : HF_PREPEND_NEVER;
    return err;
}

/* Appends a component name to a chain description ("A > B"). */
static slim_error chain_add(ctx *c, char **chain, const char *name, const char *detail)
{
    size_t old = *chain ? strlen(*chain) : 0;
    size_t add = strlen(name) + (detail ? strlen(detail) + 2 : 0) + 4;
    char *p = realloc(*chain, old + add);
    if (!p)
        return fail(c, SLIM_ERR_NOMEM, "out of memory");
    sprintf(p + old, "%s%s%s%s%s", old ? " > " : "", name, detail ? "(" : "",
            detail ? detail : "", detail ? ")" : "");
    *chain = p;
    return SLIM_OK;
}

/* Grows an array of components by one (zeroed); NULL on NOMEM. */
static void *grow(void **arr, size_t *n, size_t size)
{
    if (*n >= 1024)
        return NULL; /* a hostile file with a huge chain */
    void *p = realloc(*arr, (*n + 1) * size);
    if (!p)
        return NULL;
    *arr = p;
    memset((char *)p + *n * size, 0, size);
    return (char *)p + (*n)++ * size;
}

/* ---- what every component parser shares ---- */

typedef slim_error (*component_fn)(ctx *c, const jl_val *o, const char *path, int depth);

/*
 * The common head of the normalizer, pre-tokenizer, decoder and
 * post-processor parsers: a missing or null component is none; anything else
 * must be an object with a "type"; a "Sequence" walks the array under
 * `list_key`, calling `self` on each element. *done is set when nothing is
 * left for the caller (null, Sequence, or an error).
 */
static slim_error component_head(ctx *c, const jl_val *o, const char *path, int depth,
                                 const char *list_key, component_fn self, const char **type,
                                 int *done)
{
    *done = 1;
    if (!o || jl_is(o, JL_NULL))
        return SLIM_OK;
    *type = get_str(c, o, "type", NULL);
    if (!jl_is(o, JL_OBJECT) || !*type)
        return fail(c, SLIM_ERR_CORRUPT, "%s: expected an object with a \"type\"", path);
    if (strcmp(*type, "Sequence")) {
        *done = 0;
        return SLIM_OK;
    }
    const jl_val *a = jl_get(c->doc, o, list_key);
    if (!jl_is(a, JL_ARRAY) || depth > 8)
        return fail(c, SLIM_ERR_CORRUPT, "%s.%s: expected an array", path, list_key);
    for (size_t i = 0; i < jl_size(a); i++) {
        char sub[256];
        snprintf(sub, sizeof sub, "%s.%s[%zu]", path, list_key, i);
        slim_error err = self(c, jl_at(c->doc, a, i), sub, depth + 1);
        if (err != SLIM_OK)
            return err;
    }
    return SLIM_OK;
}

/* ---- normalizers ---- */

static slim_error normalizer(ctx *c, const jl_val *o, const char *path, int depth)
{
    const char *type = NULL;
    int done;
    slim_error head = component_head(c, o, path, depth, "normalizers", normalizer, &type, &done);
    if (head != SLIM_OK || done)
        return head;
    slim_hf *hf = c->hf;
    static const struct {
        const char *name;
        hf_norm_kind kind;
    } kinds[] = {{"NFC", HF_NORM_NFC},         {"NFD", HF_NORM_NFD},
                 {"NFKC", HF_NORM_NFKC},       {"NFKD", HF_NORM_NFKD},
                 {"Lowercase", HF_NORM_LOWERCASE}, {"Prepend", HF_NORM_PREPEND},
                 {"Replace", HF_NORM_REPLACE}, {"Strip", HF_NORM_STRIP}};
    size_t k = 0;
    while (k < sizeof kinds / sizeof kinds[0] && strcmp(kinds[k].name, type))
        k++;
    if (k == sizeof kinds / sizeof kinds[0])
        return fail(c, SLIM_ERR_UNSUPPORTED, "%s: normalizer '%s' is not supported", path,
                    type);
    hf_norm *z = grow((void **)&hf->norms, &hf->n_norms, sizeof *z);
    if (!z)
        return fail(c, SLIM_ERR_NOMEM, "%s: out of memory", path);
    z->kind = kinds[k].kind;
    slim_error err = SLIM_OK;
    if (z->kind == HF_NORM_PREPEND || z->kind == HF_NORM_REPLACE) {
        const char *key = z->kind == HF_NORM_PREPEND ? "prepend" : "content";
        size_t n;
        const char *s = get_str(c, o, key, &n);
        if (!s)
            return fail(c, SLIM_ERR_CORRUPT, "%s.%s: expected a string", path, key);
        z->str = dupn(s, n);
        z->len = n;
        if (!z->str)
            return fail(c, SLIM_ERR_NOMEM, "out of memory");
        if (z->kind == HF_NORM_REPLACE)
            err = pattern(c, o, &z->pat, path);
    } else if (z->kind == HF_NORM_STRIP) {
        err = bool_field(c, o, "strip_left", 1, &z->left, path);
        if (err == SLIM_OK)
            err = bool_field(c, o, "strip_right", 1, &z->right, path);
    }
    if (err == SLIM_OK)
        err = chain_add(c, &hf->chain_norm, type, NULL);
    return err;
}

/* ---- pre-tokenizers ---- */

static slim_error behavior(ctx *c, const jl_val *o, hf_behavior def, hf_behavior *out,
                           const char *path)
{
    const jl_val *v = jl_get(c->doc, o, "behavior");
    if (!v || jl_is(v, JL_NULL)) {
        *out = def;
        return SLIM_OK;
    }
    static const char *const names[] = {"Removed", "Isolated", "MergedWithPrevious",
                                        "MergedWithNext", "Contiguous"};
    for (int k = 0; k < 5; k++)
        if (jl_is(v, JL_STRING) && !strcmp((v)->u.s, names[k])) {
            *out = (hf_behavior)k;
            return SLIM_OK;
        }
    return fail(c, SLIM_ERR_UNSUPPORTED, "%s.behavior: unknown split behavior", path);
}

static slim_error pre_tokenizer(ctx *c, const jl_val *o, const char *path, int depth)
{
    const char *type = NULL;
    int done;
    slim_error head = component_head(c, o, path, depth, "pretokenizers", pre_tokenizer, &type, &done);
    if (head != SLIM_OK || done)
        return head;
    slim_hf *hf = c->hf;
    static const struct {
        const char *name;
        hf_pre_kind kind;
    } kinds[] = {{"ByteLevel", HF_PRE_BYTELEVEL},   {"Split", HF_PRE_SPLIT},
                 {"Metaspace", HF_PRE_METASPACE},   {"Digits", HF_PRE_DIGITS},
                 {"Punctuation", HF_PRE_PUNCT},     {"Whitespace", HF_PRE_WHITESPACE},
                 {"WhitespaceSplit", HF_PRE_WSSPLIT}};
    size_t k = 0;
    while (k < sizeof kinds / sizeof kinds[0] && strcmp(kinds[k].name, type))
        k++;
    if (k == sizeof kinds / sizeof kinds[0])
        return fail(c, SLIM_ERR_UNSUPPORTED, "%s: pre-tokenizer '%s' is not supported", path,
                    type);
    hf_pre *p = grow((void **)&hf->pres, &hf->n_pres, sizeof *p);
    if (!p)
        return fail(c, SLIM_ERR_NOMEM, "%s: out of memory", path);
    p->kind = kinds[k].kind;
    slim_error err = SLIM_OK;
    const char *detail = NULL;
    char buf[64];
    switch (p->kind) {
    case HF_PRE_BYTELEVEL:
        err = bool_field(c, o, "add_prefix_space", 1, &p->add_prefix_space, path);
        if (err == SLIM_OK)
            err = bool_field(c, o, "use_regex", 1, &p->use_regex, path);
        snprintf(buf, sizeof buf, "add_prefix_space=%d, use_regex=%d", p->add_prefix_space,
                 p->use_regex);
        detail = buf;
        break;
    case HF_PRE_SPLIT:
        err = pattern(c, o, &p->pat, path);
        if (err == SLIM_OK)
            err = behavior(c, o, HF_ISOLATED, &p->behavior, path);
        if (err == SLIM_OK)
            err = bool_field(c, o, "invert", 0, &p->invert, path);
        if (err == SLIM_OK) {
            static const char *const bn[] = {"Removed", "Isolated", "MergedWithPrevious",
                                             "MergedWithNext", "Contiguous"};
            const char *how = p->pat.is_regex
                                  ? (p->pat.re.kind != SLIM_PRETOK_REGEX ? "regex, hand-written"
                                                                         : "regex, pcre2")
                                  : "string";
            snprintf(buf, sizeof buf, "%s, %s%s", how, bn[p->behavior],
                     p->invert ? ", invert" : "");
            detail = buf;
        }
        break;
    case HF_PRE_METASPACE:
        err = one_char(c, o, "replacement", &p->replacement, path);
        if (err == SLIM_OK)
            err = prepend_scheme(c, o, &p->prepend, path);
        if (err == SLIM_OK)
            err = bool_field(c, o, "split", 1, &p->split, path);
        break;
    case HF_PRE_DIGITS:
        err = bool_field(c, o, "individual_digits", 0, &p->individual_digits, path);
        break;
    case HF_PRE_PUNCT:
        err = behavior(c, o, HF_ISOLATED, &p->behavior, path);
        break;
    default:
        break;
    }
    if (err == SLIM_OK)
        err = chain_add(c, &hf->chain_pre, type, detail);
    return err;
}

/* ---- decoders ---- */

static slim_error decoder(ctx *c, const jl_val *o, const char *path, int depth)
{
    const char *type = NULL;
    int done;
    slim_error head = component_head(c, o, path, depth, "decoders", decoder, &type, &done);
    if (head != SLIM_OK || done)
        return head;
    slim_hf *hf = c->hf;
    static const struct {
        const char *name;
        hf_dec_kind kind;
    } kinds[] = {{"ByteLevel", HF_DEC_BYTELEVEL}, {"Metaspace", HF_DEC_METASPACE},
                 {"ByteFallback", HF_DEC_BYTEFALLBACK}, {"Fuse", HF_DEC_FUSE},
                 {"Strip", HF_DEC_STRIP},         {"Replace", HF_DEC_REPLACE}};
    size_t k = 0;
    while (k < sizeof kinds / sizeof kinds[0] && strcmp(kinds[k].name, type))
        k++;
    if (k == sizeof kinds / sizeof kinds[0])
        return fail(c, SLIM_ERR_UNSUPPORTED, "%s: decoder '%s' is not supported", path, type);
    hf_dec *d = grow((void **)&hf->decs, &hf->n_decs, sizeof *d);
    if (!d)
        return fail(c, SLIM_ERR_NOMEM, "%s: out of memory", path);
    d->kind = kinds[k].kind;
    slim_error err = SLIM_OK;
    if (d->kind == HF_DEC_METASPACE) {
        err = one_char(c, o, "replacement", &d->ch, path);
        if (err == SLIM_OK)
            err = prepend_scheme(c, o, &d->prepend, path);
    } else if (d->kind == HF_DEC_STRIP) {
        const jl_val *st = jl_get(c->doc, o, "start"), *sp = jl_get(c->doc, o, "stop");
        err = one_char(c, o, "content", &d->ch, path);
        if (err != SLIM_OK)
            return err;
        if (!jl_is(st, JL_INT) || !jl_is(sp, JL_INT) || st->u.i < 0 || sp->u.i < 0 ||
            st->u.i > 1 << 20 || sp->u.i > 1 << 20)
            return fail(c, SLIM_ERR_CORRUPT, "%s: start and stop must be small integers", path);
        d->start = (int)st->u.i;
        d->stop = (int)sp->u.i;
    } else if (d->kind == HF_DEC_REPLACE) {
        size_t n;
        const char *s = get_str(c, o, "content", &n);
        if (!s)
            return fail(c, SLIM_ERR_CORRUPT, "%s.content: expected a string", path);
        d->str = dupn(s, n);
        d->len = n;
        if (!d->str)
            return fail(c, SLIM_ERR_NOMEM, "out of memory");
        err = pattern(c, o, &d->pat, path);
    }
    return err;
}

/* ---- post-processors (the single-sequence template only) ---- */

static slim_error tmpl_push(ctx *c, int is_seq, const uint32_t *ids, size_t n)
{
    slim_hf *hf = c->hf;
    hf_tmpl_item *t = grow((void **)&hf->tmpl, &hf->n_tmpl, sizeof *t);
    if (!t)
        return fail(c, SLIM_ERR_NOMEM, "post_processor: out of memory");
    t->is_seq = is_seq;
    if (n) {
        t->ids = malloc(n * sizeof *t->ids);
        if (!t->ids)
            return fail(c, SLIM_ERR_NOMEM, "out of memory");
        memcpy(t->ids, ids, n * sizeof *ids);
        t->n_ids = n;
    }
    return SLIM_OK;
}

/* [token, id] of RobertaProcessing / BertProcessing. */
static slim_error tok_pair(ctx *c, const jl_val *o, const char *k, uint32_t *id, const char *path)
{
    const jl_val *a = jl_get(c->doc, o, k);
    const jl_val *v = jl_at(c->doc, a, 1);
    if (!jl_is(a, JL_ARRAY) || jl_size(a) != 2 || !jl_is(v, JL_INT) ||
        (v)->u.i < 0 || (v)->u.i > UINT32_MAX)
        return fail(c, SLIM_ERR_CORRUPT, "%s.%s: expected [token, id]", path, k);
    *id = (uint32_t)(v)->u.i;
    return SLIM_OK;
}

static slim_error post_processor(ctx *c, const jl_val *o, const char *path, int depth)
{
    const char *type = NULL;
    int done;
    slim_error head = component_head(c, o, path, depth, "processors", post_processor, &type, &done);
    if (head != SLIM_OK || done)
        return head;
    if (!strcmp(type, "ByteLevel"))
        return SLIM_OK; /* offsets only; ids unchanged */
    if (c->hf->tmpl)
        return fail(c, SLIM_ERR_UNSUPPORTED, "%s: two templates in one post-processor", path);
    if (!strcmp(type, "RobertaProcessing") || !strcmp(type, "BertProcessing")) {
        uint32_t cls, sep;
        slim_error err = tok_pair(c, o, "cls", &cls, path);
        if (err == SLIM_OK)
            err = tok_pair(c, o, "sep", &sep, path);
        if (err == SLIM_OK)
            err = tmpl_push(c, 0, &cls, 1);
        if (err == SLIM_OK)
            err = tmpl_push(c, 1, NULL, 0);
        if (err == SLIM_OK)
            err = tmpl_push(c, 0, &sep, 1);
        return err;
    }
    if (strcmp(type, "TemplateProcessing"))
        return fail(c, SLIM_ERR_UNSUPPORTED, "%s: post-processor '%s' is not supported", path,
                    type);
    const jl_val *single = jl_get(c->doc, o, "single"), *specials = jl_get(c->doc, o, "special_tokens");
    if (!jl_is(single, JL_ARRAY))
        return fail(c, SLIM_ERR_CORRUPT, "%s.single: expected an array", path);
    for (size_t i = 0; i < jl_size(single); i++) {
        const jl_val *it = jl_at(c->doc, single, i);
        const jl_val *sp = jl_get(c->doc, it, "SpecialToken"), *sq = jl_get(c->doc, it, "Sequence");
        slim_error err;
        if (jl_is(sq, JL_OBJECT)) {
            err = tmpl_push(c, 1, NULL, 0);
        } else if (jl_is(sp, JL_OBJECT) && jl_is(jl_get(c->doc, sp, "id"), JL_STRING)) {
            const jl_val *st = jl_get(c->doc, specials, (jl_get(c->doc, sp, "id"))->u.s);
            const jl_val *ids = jl_get(c->doc, st, "ids");
            size_t n = jl_size(ids);
            if (!jl_is(ids, JL_ARRAY) || n > 1024)
                return fail(c, SLIM_ERR_CORRUPT, "%s.single[%zu]: special token '%s' not in "
                            "special_tokens", path, i,
                            (jl_get(c->doc, sp, "id"))->u.s);
            uint32_t buf[1024];
            for (size_t k = 0; k < n; k++) {
                const jl_val *v = jl_at(c->doc, ids, k);
                if (!jl_is(v, JL_INT) || (v)->u.i < 0 ||
                    (v)->u.i > UINT32_MAX)
                    return fail(c, SLIM_ERR_CORRUPT, "%s.special_tokens: bad id", path);
                buf[k] = (uint32_t)(v)->u.i;
            }
            err = tmpl_push(c, 0, buf, n);
        } else {
            return fail(c, SLIM_ERR_CORRUPT, "%s.single[%zu]: expected SpecialToken or "
                        "Sequence", path, i);
        }
        if (err != SLIM_OK)
            return err;
    }
    return SLIM_OK;
}

/* ---- model ---- */

static slim_error opt_str(ctx *c, const jl_val *m, const char *k, char **out, size_t *len)
{
    const jl_val *v = jl_get(c->doc, m, k);
    if (!v || jl_is(v, JL_NULL))
        return SLIM_OK;
    if (!jl_is(v, JL_STRING))
        return fail(c, SLIM_ERR_CORRUPT, "model.%s: expected a string or null", k);
    *len = (v)->n;
    *out = dupn((v)->u.s, *len);
    return *out ? SLIM_OK : fail(c, SLIM_ERR_NOMEM, "out of memory");
}

static slim_error model(ctx *c, const jl_val *m)
{
    hf_bpe *b = &c->hf->bpe;
    if (!jl_is(m, JL_OBJECT))
        return fail(c, SLIM_ERR_CORRUPT, "model: expected an object");
    const char *type = get_str(c, m, "type", NULL);
    if (type && strcmp(type, "BPE"))
        return fail(c, SLIM_ERR_UNSUPPORTED, "model: model type '%s' is not supported (BPE "
                    "only)", type);
    const jl_val *drop = jl_get(c->doc, m, "dropout");
    if (drop && !jl_is(drop, JL_NULL) && !(jl_is_number(drop) && jl_number(drop) == 0))
        return fail(c, SLIM_ERR_UNSUPPORTED, "model.dropout: BPE dropout is not supported "
                    "(random output)");
    slim_error err;
    if ((err = bool_field(c, m, "byte_fallback", 0, &b->byte_fallback, "model")) ||
        (err = bool_field(c, m, "fuse_unk", 0, &b->fuse_unk, "model")) ||
        (err = bool_field(c, m, "ignore_merges", 0, &b->ignore_merges, "model")))
        return err;
    size_t unk_len = 0;
    if ((err = opt_str(c, m, "unk_token", &b->unk, &unk_len)) ||
        (err = opt_str(c, m, "continuing_subword_prefix", &b->prefix, &b->prefix_len)) ||
        (err = opt_str(c, m, "end_of_word_suffix", &b->suffix, &b->suffix_len)))
        return err;

    const jl_val *vocab = jl_get(c->doc, m, "vocab");
    if (!jl_is(vocab, JL_OBJECT))
        return fail(c, SLIM_ERR_CORRUPT, "model.vocab: expected an object");
    size_t n = jl_size(vocab);
    const char **toks = malloc((n ? n : 1) * sizeof *toks);
    size_t *lens = malloc((n ? n : 1) * sizeof *lens);
    uint32_t *ids = malloc((n ? n : 1) * sizeof *ids);
    if (!toks || !lens || !ids) {
        free(toks);
        free(lens);
        free(ids);
        return fail(c, SLIM_ERR_NOMEM, "model.vocab: out of memory");
    }
    size_t i = 0;
    err = SLIM_OK;
    for (size_t k = 0; k < n; k++) {
        const jl_val *val = &c->doc->v[vocab->kids + k];
        const char *key = val->key;
        size_t klen = val->key_len;
        if (!jl_is(val, JL_INT) || (val)->u.i < 0 ||
            (val)->u.i >= (1 << 26)) {
            err = fail(c, SLIM_ERR_CORRUPT, "model.vocab[\"%.40s\"]: expected an id in "
                       "0..2^26", key);
            break;
        }
        toks[i] = key;
        lens[i] = klen;
        ids[i++] = (uint32_t)(val)->u.i;
    }
    if (err == SLIM_OK) {
        err = hf_bpe_build_vocab(b, toks, lens, ids, i);
        if (err == SLIM_ERR_DUPLICATE)
            err = fail(c, err, "model.vocab: two tokens have the same id");
        else if (err == SLIM_ERR_TOO_LARGE)
            err = fail(c, err, "model.vocab: ids far beyond the number of tokens (sparse ids)");
        else if (err != SLIM_OK)
            err = fail(c, err, "model.vocab: %s", slim_strerror(err));
    }
    free(toks);
    free(lens);
    free(ids);
    if (err != SLIM_OK)
        return err;
    if (b->unk) {
        b->unk_id = hf_bpe_lookup(b, b->unk, unk_len);
        if (b->unk_id == UINT32_MAX)
            return fail(c, SLIM_ERR_CORRUPT, "model.unk_token: '%s' is not in the vocabulary",
                        b->unk);
    }

    const jl_val *merges = jl_get(c->doc, m, "merges");
    if (merges && !jl_is(merges, JL_NULL) && !jl_is(merges, JL_ARRAY))
        return fail(c, SLIM_ERR_CORRUPT, "model.merges: expected an array");
    size_t nm = jl_size(merges);
    err = hf_bpe_reserve_merges(b, nm);
    char *scratch = NULL;
    size_t scap = 0;
    for (size_t k = 0; err == SLIM_OK && k < nm; k++) {
        const jl_val *e = jl_at(c->doc, merges, k);
        const char *a, *bb;
        size_t na, nb;
        if (jl_is(e, JL_STRING)) {
            const char *s = (e)->u.s;
            size_t sl = (e)->n;
            const char *sp = memchr(s, ' ', sl);
            if (!sp) {
                err = fail(c, SLIM_ERR_CORRUPT, "model.merges[%zu]: expected \"a b\"", k);
                break;
            }
            a = s;
            na = (size_t)(sp - s);
            bb = sp + 1;
            nb = sl - na - 1;
        } else if (jl_is(e, JL_ARRAY) && jl_size(e) == 2 &&
                   jl_is(jl_at(c->doc, e, 0), JL_STRING) && jl_is(jl_at(c->doc, e, 1), JL_STRING)) {
            a = (jl_at(c->doc, e, 0))->u.s;
            na = (jl_at(c->doc, e, 0))->n;
            bb = (jl_at(c->doc, e, 1))->u.s;
            nb = (jl_at(c->doc, e, 1))->n;
        } else {
            err = fail(c, SLIM_ERR_CORRUPT, "model.merges[%zu]: expected \"a b\" or [a, b]", k);
            break;
        }
        err = hf_bpe_add_merge(b, a, na, bb, nb, (uint32_t)k, &scratch, &scap);
        if (err == SLIM_ERR_NOT_FOUND)
            err = fail(c, SLIM_ERR_CORRUPT, "model.merges[%zu]: a token of '%.*s' + '%.*s' or "
                       "their merge is not in the vocabulary", k, (int)(na > 40 ? 40 : na), a,
                       (int)(nb > 40 ? 40 : nb), bb);
        else if (err != SLIM_OK)
            err = fail(c, err, "model.merges: %s", slim_strerror(err));
    }
    free(scratch);
    return err;
}

/* ---- added tokens ---- */

static slim_error added_tokens(ctx *c, const jl_val *a)
{
    slim_hf *hf = c->hf;
    if (!a || jl_is(a, JL_NULL))
        return SLIM_OK;
    if (!jl_is(a, JL_ARRAY))
        return fail(c, SLIM_ERR_CORRUPT, "added_tokens: expected an array");
    size_t n = jl_size(a);
    hf->added = calloc(n ? n : 1, sizeof *hf->added);
    if (!hf->added)
        return fail(c, SLIM_ERR_NOMEM, "added_tokens: out of memory");
    for (size_t i = 0; i < n; i++) {
        const jl_val *t = jl_at(c->doc, a, i);
        const jl_val *id = jl_get(c->doc, t, "id");
        size_t len;
        const char *content = get_str(c, t, "content", &len);
        char path[64];
        snprintf(path, sizeof path, "added_tokens[%zu]", i);
        if (!jl_is(t, JL_OBJECT) || !content || !len || !jl_is(id, JL_INT) ||
            (id)->u.i < 0 || (id)->u.i >= (1 << 26))
            return fail(c, SLIM_ERR_CORRUPT, "%s: expected {id, content, ...} with a non-empty "
                        "content and an id in 0..2^26", path);
        hf_added *x = &hf->added[hf->n_added++];
        x->id = (uint32_t)(id)->u.i;
        x->content = dupn(content, len);
        x->len = len;
        if (!x->content)
            return fail(c, SLIM_ERR_NOMEM, "out of memory");
        slim_error err;
        if ((err = bool_field(c, t, "special", 0, &x->special, path)) ||
            (err = bool_field(c, t, "lstrip", 0, &x->lstrip, path)) ||
            (err = bool_field(c, t, "rstrip", 0, &x->rstrip, path)) ||
            (err = bool_field(c, t, "single_word", 0, &x->single_word, path)) ||
            (err = bool_field(c, t, "normalized", !x->special, &x->normalized, path)))
            return err;
    }
    return SLIM_OK;
}

/* Tries: normalized tokens match their normalized text (HF normalizes the
 * content with the tokenizer's normalizer). */
static slim_error build_added(ctx *c)
{
    slim_hf *hf = c->hf;
    uint32_t size = hf->bpe.n_ids;
    for (size_t k = 0; k < hf->n_added; k++)
        if (hf->added[k].id + 1 > size)
            size = hf->added[k].id + 1;
    if (size > hf->bpe.n_ids + hf->n_added + HF_MAX_ID_GAP)
        return fail(c, SLIM_ERR_TOO_LARGE, "added_tokens: ids far beyond the vocabulary size");
    hf->vocab_size = size;
    hf->added_of_id = malloc((size ? size : 1) * sizeof *hf->added_of_id);
    if (!hf->added_of_id)
        return fail(c, SLIM_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < size; i++)
        hf->added_of_id[i] = -1;
    hf_buf norm = {0};
    for (size_t k = 0; k < hf->n_added; k++) {
        hf_added *x = &hf->added[k];
        if (hf->added_of_id[x->id] < 0)
            hf->added_of_id[x->id] = (int32_t)k;
        const char *m = x->content;
        size_t ml = x->len;
        if (x->normalized) {
            slim_error err = hf_normalize(hf, x->content, x->len, &norm);
            if (err != SLIM_OK) {
                hf_buf_free(&norm);
                return fail(c, err, "added_tokens[%zu]: cannot normalize", k);
            }
            m = norm.p;
            ml = norm.n;
        }
        x->match = dupn(m, ml);
        x->match_len = ml;
        if (!x->match) {
            hf_buf_free(&norm);
            return fail(c, SLIM_ERR_NOMEM, "out of memory");
        }
        if (ml && hf_trie_add(x->normalized ? &hf->trie_norm : &hf->trie_raw, m, ml,
                              (int32_t)k) != SLIM_OK) {
            hf_buf_free(&norm);
            return fail(c, SLIM_ERR_NOMEM, "out of memory");
        }
    }
    hf_buf_free(&norm);
    return SLIM_OK;
}

/* ---- entry ---- */

static slim_error parse_json(ctx *c, const char *text, size_t size, slim_tok_where *where)
{
    jl_error je;
    jl_doc doc;
    if (jl_parse(&doc, text, size, &je)) {
        if (where) {
            where->offset = je.offset;
            where->line = je.line;
        }
        return fail(c, SLIM_ERR_CORRUPT, "malformed JSON at byte %zu (line %zu, column %zu): %s",
                    je.offset, je.line, je.column, je.text);
    }
    c->doc = &doc;
    const jl_val *root = jl_root(&doc);
    slim_error err = SLIM_OK;
    if (!jl_is(root, JL_OBJECT))
        err = fail(c, SLIM_ERR_CORRUPT, "top level: expected an object");
    if (err == SLIM_OK && !jl_get(c->doc, root, "model"))
        err = fail(c, SLIM_ERR_CORRUPT, "model: missing (not a tokenizer.json?)");
    if (err == SLIM_OK)
        err = model(c, jl_get(c->doc, root, "model"));
    if (err == SLIM_OK)
        err = normalizer(c, jl_get(c->doc, root, "normalizer"), "normalizer", 0);
    if (err == SLIM_OK)
        err = pre_tokenizer(c, jl_get(c->doc, root, "pre_tokenizer"), "pre_tokenizer", 0);
    if (err == SLIM_OK)
        err = post_processor(c, jl_get(c->doc, root, "post_processor"), "post_processor", 0);
    if (err == SLIM_OK)
        err = decoder(c, jl_get(c->doc, root, "decoder"), "decoder", 0);
    if (err == SLIM_OK)
        err = added_tokens(c, jl_get(c->doc, root, "added_tokens"));
    if (err == SLIM_OK)
        err = build_added(c);
    jl_free(&doc);
    c->doc = NULL;
    return err;
}

slim_error slim_hf_parse(const void *data, size_t size, slim_hf **out, char *msg,
                         size_t msg_cap, slim_tok_where *where)
{
    ctx c = {.msg = msg, .msg_cap = msg_cap};
    if (msg && msg_cap)
        msg[0] = 0;
    *out = NULL;
    const uint8_t *d = data;
    char *plain = NULL;
    if (size >= 4 && d[0] == 0x28 && d[1] == 0xB5 && d[2] == 0x2F && d[3] == 0xFD) {
        unsigned long long raw = ZSTD_getFrameContentSize(data, size);
        if (raw == ZSTD_CONTENTSIZE_ERROR)
            return fail(&c, SLIM_ERR_COMPRESSION, "zstd: corrupt frame header at byte 0");
        /* Unknown size: stream into a growing buffer. */
        size_t cap = raw == ZSTD_CONTENTSIZE_UNKNOWN ? size * 4 + 1024 : (size_t)raw;
        if (raw != ZSTD_CONTENTSIZE_UNKNOWN && raw > HF_MAX_JSON)
            return fail(&c, SLIM_ERR_TOO_LARGE, "zstd: content of %llu bytes is too large", raw);
        ZSTD_DStream *zs = ZSTD_createDStream();
        plain = malloc(cap + 1);
        if (!zs || !plain) {
            ZSTD_freeDStream(zs);
            free(plain);
            return fail(&c, SLIM_ERR_NOMEM, "out of memory");
        }
        ZSTD_initDStream(zs);
        ZSTD_inBuffer in = {data, size, 0};
        ZSTD_outBuffer ob = {plain, cap, 0};
        slim_error err = SLIM_OK;
        for (;;) {
            size_t r = ZSTD_decompressStream(zs, &ob, &in);
            if (ZSTD_isError(r)) {
                err = fail(&c, SLIM_ERR_COMPRESSION, "zstd: %s near compressed byte %zu",
                           ZSTD_getErrorName(r), in.pos);
                break;
            }
            if (r == 0 && in.pos == in.size)
                break;
            if (ob.pos == ob.size) {
                if (cap >= HF_MAX_JSON) {
                    err = fail(&c, SLIM_ERR_TOO_LARGE, "zstd: content too large");
                    break;
                }
                char *p = realloc(plain, cap * 2 + 1);
                if (!p) {
                    err = fail(&c, SLIM_ERR_NOMEM, "out of memory");
                    break;
                }
                plain = p;
                cap *= 2;
                ob.dst = plain;
                ob.size = cap;
            } else if (in.pos == in.size) {
                err = fail(&c, SLIM_ERR_COMPRESSION, "zstd: truncated at byte %zu", size);
                break;
            }
        }
        ZSTD_freeDStream(zs);
        if (err != SLIM_OK) {
            free(plain);
            return err;
        }
        data = plain;
        size = ob.pos;
    }
    /* Build the byte-map tables now, not in concurrent encodes. */
    (void)hf_byte_char(0);
    (void)hf_char_byte(0);
    c.hf = calloc(1, sizeof *c.hf);
    slim_error err = c.hf ? parse_json(&c, data, size, where)
                          : fail(&c, SLIM_ERR_NOMEM, "out of memory");
    free(plain);
    if (err != SLIM_OK) {
        slim_hf_free(c.hf);
        return err;
    }
    *out = c.hf;
    return SLIM_OK;
}
