/*
 * gguf-py's SpecialVocab, as convert_hf_to_gguf.py runs it on a Hugging Face
 * folder (facts from llama.cpp's gguf-py/gguf/vocab.py): special token ids
 * from tokenizer_config.json (looked up among tokenizer.json's added tokens)
 * and config.json, the add_bos/eos/sep flags from the post-processor and
 * tokenizer_config.json, and the chat template. Python's truthiness and
 * dict order are kept: a key set twice keeps its first place.
 */
#include "formats/gguf_vocab.h"

#include <stdio.h>
#include <string.h>

/* A Python value read from JSON, as far as this logic looks at it. */
typedef struct pv {
    enum { PV_NONE, PV_STR, PV_OTHER } kind;
    const char *s;
    size_t n;
    int truthy;
} pv;

static pv pv_of(const jl_val *v)
{
    if (!v || jl_is(v, JL_NULL))
        return (pv){PV_NONE, NULL, 0, 0};
    if (jl_is(v, JL_STRING))
        return (pv){PV_STR, v->u.s, v->n, v->n > 0};
    int t = jl_is(v, JL_TRUE) || (jl_is_number(v) && jl_number(v) != 0) ||
            ((jl_is(v, JL_OBJECT) || jl_is(v, JL_ARRAY)) && v->n > 0);
    return (pv){PV_OTHER, NULL, 0, t};
}

static int pv_eq(pv a, pv b)
{
    if (a.kind != b.kind)
        return 0;
    return a.kind == PV_NONE || (a.kind == PV_STR && a.n == b.n && !memcmp(a.s, b.s, a.n));
}

static pv str_of(const jl_doc *d, const jl_val *o, const char *k)
{
    return pv_of(jl_get(d, o, k));
}

/* processor.get('single')[i].get('SpecialToken', {}).get('id') */
static pv tmpl_special(const jl_doc *d, const jl_val *item)
{
    return str_of(d, jl_get(d, item, "SpecialToken"), "id");
}

static pv tmpl_sequence(const jl_doc *d, const jl_val *item)
{
    return str_of(d, jl_get(d, item, "Sequence"), "id");
}

typedef struct sv_state {
    gv_folder *f;
    gv_special *out;
    const char *types[GV_MAX_SPECIAL];
    int n_types;
    /* tokenizer_config entries the logic overwrote ("bos_token" ...). */
    const char *over_key[8];
    pv over_val[8];
    int n_over;
    uint64_t n_vocab;
} sv_state;

static void set_add(sv_state *s, const char *typ, int v)
{
    gv_special *o = s->out;
    for (int i = 0; i < o->n_add; i++)
        if (!strcmp(o->add_type[i], typ)) {
            o->add[i] = v;
            return;
        }
    if (o->n_add < GV_MAX_SPECIAL) {
        o->add_type[o->n_add] = typ;
        o->add[o->n_add++] = v;
    }
}

static void set_over(sv_state *s, const char *key, pv v)
{
    for (int i = 0; i < s->n_over; i++)
        if (!strcmp(s->over_key[i], key)) {
            s->over_val[i] = v;
            return;
        }
    if (s->n_over < 8) {
        s->over_key[s->n_over] = key;
        s->over_val[s->n_over++] = v;
    }
}

/* tokenizer_config.get(key), with the logic's overwrites. */
static pv cfg_get(sv_state *s, const char *key)
{
    for (int i = 0; i < s->n_over; i++)
        if (!strcmp(s->over_key[i], key))
            return s->over_val[i];
    return str_of(&s->f->cfg.doc, s->f->cfg.root, key);
}

static void add_type(sv_state *s, const char *typ)
{
    for (int i = 0; i < s->n_types; i++)
        if (!strcmp(s->types[i], typ))
            return;
    if (s->n_types < GV_MAX_SPECIAL)
        s->types[s->n_types++] = typ;
}

static int has_type(const sv_state *s, const char *typ)
{
    for (int i = 0; i < s->n_types; i++)
        if (!strcmp(s->types[i], typ))
            return 1;
    return 0;
}

/* _set_special_token: ints only, negative is an error, the first wins. */
static slim_error set_id(sv_state *s, const char *typ, const jl_val *v)
{
    if (!v || !(jl_is(v, JL_INT) || jl_is_bool(v)))
        return SLIM_OK;
    int64_t id = jl_is(v, JL_INT) ? v->u.i : jl_is(v, JL_TRUE);
    if (id < 0)
        return gv_fail(s->f, SLIM_ERR_CORRUPT, "invalid value for special token type %s: %lld",
                       typ, (long long)id);
    if ((uint64_t)id >= s->n_vocab || id > UINT32_MAX)
        return SLIM_OK;
    gv_special *o = s->out;
    for (int i = 0; i < o->n_ids; i++)
        if (!strcmp(o->id_type[i], typ))
            return SLIM_OK;
    if (o->n_ids < GV_MAX_SPECIAL) {
        o->id_type[o->n_ids] = typ;
        o->id[o->n_ids++] = (uint32_t)id;
    }
    return SLIM_OK;
}

/* The crude TemplateProcessing parse of gguf-py. */
static void template_processing(sv_state *s, const jl_val *proc, pv *bos, pv *cls, pv *eos,
                                pv *sep, int have_cfg)
{
    const jl_doc *d = &s->f->tok.doc;
    const jl_val *single = jl_get(d, proc, "single"), *pair = jl_get(d, proc, "pair");
    size_t ns = jl_size(single), np = jl_size(pair);
    pv first = {PV_NONE, NULL, 0, 0}, last = first;
    if (ns > 1) {
        first = tmpl_special(d, jl_at(d, single, 0));
        if (first.truthy) {
            if (!have_cfg)
                *bos = first;
            set_add(s, "bos", pv_eq(first, *bos) || pv_eq(first, *cls));
        }
        last = tmpl_special(d, jl_at(d, single, ns - 1));
        if (last.truthy) {
            if (!have_cfg) {
                *eos = last;
            } else if (!pv_eq(last, *eos)) {
                if (!has_type(s, "eot")) {
                    add_type(s, "eot");
                    set_over(s, "eot_token", *eos);
                } else if (!has_type(s, "eom")) {
                    add_type(s, "eom");
                    set_over(s, "eom_token", *eos);
                }
                set_over(s, "eos_token", last);
                *eos = last;
            }
            set_add(s, "eos", pv_eq(last, *eos));
        }
    }
    if (!np)
        return;
    size_t start = first.truthy && pv_eq(tmpl_special(d, jl_at(d, pair, 0)), first) ? 1 : 0;
    size_t stop = last.truthy && pv_eq(tmpl_special(d, jl_at(d, pair, np - 1)), last) ? np - 1
                                                                                       : np;
    if (stop <= start)
        return;
    pv a = tmpl_sequence(d, jl_at(d, pair, start)), b = tmpl_sequence(d, jl_at(d, pair, stop - 1));
    if (!(a.kind == PV_STR && a.n == 1 && a.s[0] == 'A' && b.kind == PV_STR && b.n == 1 &&
          b.s[0] == 'B') || stop - start < 3)
        return;
    /* The middle: pair[start + 1 .. stop - 1). */
    size_t mid = start + 1, n_mid = stop - 1 - mid;
    int add_sep = 0;
    pv e = tmpl_special(d, jl_at(d, pair, mid));
    if (e.truthy && (pv_eq(e, *sep) || pv_eq(e, *eos)) && !last.truthy)
        add_sep = 1;
    if (n_mid == 2) {
        e = tmpl_special(d, jl_at(d, pair, mid + 1));
        if (e.truthy && (pv_eq(e, *sep) || pv_eq(e, *eos)))
            add_sep = 1;
    }
    set_add(s, "sep", add_sep);
    if (add_sep && !sep->truthy && have_cfg)
        set_over(s, "sep_token", *eos);
}

static void post_processor(sv_state *s, int have_cfg)
{
    const jl_doc *d = &s->f->tok.doc;
    pv bos = cfg_get(s, "bos_token"), cls = cfg_get(s, "cls_token");
    pv eos = cfg_get(s, "eos_token"), sep = cfg_get(s, "sep_token");
    if (!bos.truthy && cls.truthy && have_cfg) {
        set_over(s, "bos_token", cls);
        bos = cls;
    }
    if (!eos.truthy && sep.truthy && have_cfg) {
        set_over(s, "eos_token", sep);
        eos = sep;
    }
    const jl_val *pp = jl_get(d, s->f->tok.root, "post_processor");
    if (!jl_is(pp, JL_OBJECT) || !pp->n)
        return;
    const jl_val *list = jl_get(d, pp, "processors");
    size_t n = list ? jl_size(list) : 1;
    for (size_t i = 0; i < n; i++) {
        const jl_val *proc = list ? jl_at(d, list, i) : pp;
        pv type = str_of(d, proc, "type");
        if (type.kind != PV_STR)
            continue;
        if (type.n == 17 && !memcmp(type.s, "RobertaProcessing", 17)) {
            set_add(s, "bos", 1);
            set_add(s, "eos", 1);
            set_add(s, "sep", 1);
            if (!cls.truthy && have_cfg) {
                const jl_val *c = jl_at(d, jl_get(d, proc, "cls"), 0);
                cls = c ? pv_of(c) : bos;
                set_over(s, "cls_token", cls);
            }
            if (!sep.truthy && have_cfg) {
                const jl_val *c = jl_at(d, jl_get(d, proc, "sep"), 0);
                sep = c ? pv_of(c) : eos;
                set_over(s, "sep_token", sep);
            }
        } else if (type.n == 18 && !memcmp(type.s, "TemplateProcessing", 18)) {
            template_processing(s, proc, &bos, &cls, &eos, &sep, have_cfg);
        }
    }
}

slim_error gv_special_vocab(gv_folder *f, uint64_t n_vocab, gv_special *out)
{
    memset(out, 0, sizeof *out);
    sv_state s = {.f = f, .out = out, .n_vocab = n_vocab};
    static const char *const base[] = {"bos", "eos", "unk", "sep", "pad", "cls", "mask"};
    for (size_t i = 0; i < sizeof base / sizeof *base; i++)
        add_type(&s, base[i]);
    const jl_doc *cd = &f->cfg.doc;
    int have_cfg = f->cfg.root && jl_size(f->cfg.root) > 0;
    if (f->tok.root)
        post_processor(&s, have_cfg);
    slim_error err = SLIM_OK;
    if (have_cfg) {
        const jl_val *added = f->tok.root ? jl_get(&f->tok.doc, f->tok.root, "added_tokens")
                                          : NULL;
        for (int t = 0; t < s.n_types && err == SLIM_OK; t++) {
            char key[32];
            snprintf(key, sizeof key, "add_%s_token", s.types[t]);
            const jl_val *a = jl_get(cd, f->cfg.root, key);
            if (jl_is_bool(a))
                set_add(&s, s.types[t], jl_is(a, JL_TRUE));
            snprintf(key, sizeof key, "%s_token", s.types[t]);
            pv entry = cfg_get(&s, key);
            if (entry.kind == PV_OTHER) {
                /* A dict: its "content" (only the original file's dicts). */
                const jl_val *e = jl_get(cd, f->cfg.root, key);
                entry = str_of(cd, e, "content");
            }
            if (entry.kind != PV_STR)
                continue;
            for (size_t k = 0; k < jl_size(added); k++) {
                const jl_val *at = jl_at(&f->tok.doc, added, k);
                if (pv_eq(str_of(&f->tok.doc, at, "content"), entry)) {
                    err = set_id(&s, s.types[t], jl_get(&f->tok.doc, at, "id"));
                    break;
                }
            }
        }
    }
    if (f->config.root) {
        const jl_doc *d = &f->config.doc;
        const jl_val *text = jl_get(d, f->config.root, "text_config");
        for (int t = 0; t < s.n_types && err == SLIM_OK; t++) {
            char key[32];
            snprintf(key, sizeof key, "%s_token_id", s.types[t]);
            const jl_val *v = jl_get(d, f->config.root, key);
            if (!v || jl_is(v, JL_NULL))
                v = jl_get(d, text, key);
            err = set_id(&s, s.types[t], v);
        }
    }
    return err;
}

/* ---- writing ---- */

static const char *id_key(const char *typ)
{
    static const char *const map[][2] = {
        {"bos", "tokenizer.ggml.bos_token_id"},     {"eos", "tokenizer.ggml.eos_token_id"},
        {"unk", "tokenizer.ggml.unknown_token_id"}, {"sep", "tokenizer.ggml.seperator_token_id"},
        {"pad", "tokenizer.ggml.padding_token_id"}, {"mask", "tokenizer.ggml.mask_token_id"},
        {"eot", "tokenizer.ggml.eot_token_id"},     {"eom", "tokenizer.ggml.eom_token_id"},
    };
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (!strcmp(map[i][0], typ))
            return map[i][1];
    return NULL; /* gguf-py has no handler (cls): skipped */
}

static slim_error put_str(gv_folder *f, slim_gguf_writer *w, const char *key, const char *s,
                          size_t n, uint64_t *n_kv)
{
    slim_string v = {s, n};
    slim_error err = slim_gguf_writer_add_kv(w, key, SLIM_GGUF_STRING, &v);
    if (err != SLIM_OK)
        return gv_fail(f, err, "%s: cannot add: %s", key, slim_strerror(err));
    ++*n_kv;
    return SLIM_OK;
}

/* gguf-py's add_chat_template: a string, or a list of {name, template}. */
static slim_error chat_template(gv_folder *f, slim_gguf_writer *w, uint64_t *n_kv)
{
    const jl_doc *d = &f->cfg.doc;
    const jl_val *t = jl_get(d, f->cfg.root, "chat_template");
    if (!t) {
        if (f->chat_jinja)
            return put_str(f, w, "tokenizer.chat_template", f->chat_jinja, f->chat_jinja_len,
                           n_kv);
        d = &f->chat_json.doc;
        t = jl_get(d, f->chat_json.root, "chat_template");
    }
    if (jl_is(t, JL_STRING))
        return put_str(f, w, "tokenizer.chat_template", t->u.s, t->n, n_kv);
    if (!jl_is(t, JL_ARRAY))
        return SLIM_OK;
    slim_string names[64];
    char name_buf[64][64];
    size_t n_names = 0;
    const jl_val *def = NULL;
    slim_error err = SLIM_OK;
    for (size_t i = 0; i < jl_size(t) && err == SLIM_OK; i++) {
        const jl_val *c = jl_at(d, t, i);
        pv name = str_of(d, c, "name");
        const jl_val *tmpl = jl_get(d, c, "template");
        if (name.kind != PV_STR || !name.n || !jl_is(tmpl, JL_STRING))
            continue;
        if (name.n == 7 && !memcmp(name.s, "default", 7)) {
            def = tmpl;
            continue;
        }
        if (n_names == 64 || name.n >= 40)
            return gv_fail(f, SLIM_ERR_UNSUPPORTED, "chat_template: more than 64 named "
                           "templates or a name of 40 bytes or more");
        char *nb = name_buf[n_names];
        for (size_t k = 0; k < name.n; k++) {
            char ch = name.s[k];
            int alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                        (ch >= '0' && ch <= '9');
            nb[k] = alnum ? ch : '_';
        }
        nb[name.n] = 0;
        names[n_names] = (slim_string){nb, name.n};
        char key[96];
        snprintf(key, sizeof key, "tokenizer.chat_template.%s", nb);
        err = put_str(f, w, key, tmpl->u.s, tmpl->n, n_kv);
        n_names++;
    }
    if (err == SLIM_OK && n_names) {
        err = slim_gguf_writer_add_array(w, "tokenizer.chat_templates", SLIM_GGUF_STRING, names,
                                         n_names);
        if (err != SLIM_OK)
            return gv_fail(f, err, "tokenizer.chat_templates: %s", slim_strerror(err));
        ++*n_kv;
    }
    if (err == SLIM_OK && def)
        err = put_str(f, w, "tokenizer.chat_template", def->u.s, def->n, n_kv);
    return err;
}

slim_error gv_special_write(gv_folder *f, const gv_special *sv, slim_gguf_writer *w,
                            uint64_t *n_kv)
{
    for (int i = 0; i < sv->n_ids; i++) {
        const char *key = id_key(sv->id_type[i]);
        if (!key)
            continue;
        slim_error err = slim_gguf_writer_add_kv(w, key, SLIM_GGUF_U32, &sv->id[i]);
        if (err != SLIM_OK)
            return gv_fail(f, err, "%s: cannot add: %s", key, slim_strerror(err));
        ++*n_kv;
    }
    for (int i = 0; i < sv->n_add; i++) {
        const char *typ = sv->add_type[i];
        if (strcmp(typ, "bos") && strcmp(typ, "eos") && strcmp(typ, "sep"))
            continue; /* no handler in gguf-py */
        char key[48];
        snprintf(key, sizeof key, "tokenizer.ggml.add_%s_token", typ);
        uint8_t v = (uint8_t)(sv->add[i] != 0);
        slim_error err = slim_gguf_writer_add_kv(w, key, SLIM_GGUF_BOOL, &v);
        if (err != SLIM_OK)
            return gv_fail(f, err, "%s: cannot add: %s", key, slim_strerror(err));
        ++*n_kv;
    }
    return f->cfg.root && jl_size(f->cfg.root) ? chat_template(f, w, n_kv) : SLIM_OK;
}
