/*
 * Conversion plans: which tensors the output holds, in which order, from
 * which source bytes and in which type. Nothing is read from the tensors
 * here, so a plan (a dry run) costs only the headers.
 */
#include "formats/convert_internal.h"
#include "formats/fmt_internal.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return n >= k && !strcmp(s + n - k, suf);
}

static slim_error push(slim_convert *c, conv_tensor **out)
{
    if (c->n == c->cap) {
        uint64_t cap = c->cap ? c->cap * 2 : 64;
        conv_tensor *t = realloc(c->t, (size_t)cap * sizeof *t);
        if (!t)
            return SLIM_ERR_NOMEM;
        c->t = t;
        c->cap = cap;
    }
    *out = &c->t[c->n++];
    memset(*out, 0, sizeof **out);
    return SLIM_OK;
}

static uint64_t rows_of(const slim_convert_tensor *t)
{
    uint64_t r = 1;
    for (int i = 1; i < t->n_dims; i++)
        r *= (uint64_t)t->ne[i];
    return r;
}

/* ------------------------------------------------------ Hugging Face */

static int st_order(const void *a, const void *b)
{
    const slim_st_tensor *x = *(const slim_st_tensor *const *)a;
    const slim_st_tensor *y = *(const slim_st_tensor *const *)b;
    if (x->file != y->file)
        return x->file < y->file ? -1 : 1;
    return strcmp(x->name, y->name);
}

static slim_error add_hf_tensor(slim_convert *c, const slim_st_tensor *s, char *msg, size_t cap)
{
    char name[SLIM_GGUF_MAX_NAME];
    int layer;
    int m = conv_map_name(&c->hp, s->name, name, sizeof name, &layer);
    if (m == 0)
        return SLIM_OK;
    if (m < 0)
        return conv_fail(msg, cap, SLIM_ERR_UNSUPPORTED, "cannot map tensor '%s' of %s",
                         s->name, c->hp.hf_arch);
    slim_type st;
    switch (s->dtype) {
    case SLIM_DTYPE_F32: st = SLIM_TYPE_F32; break;
    case SLIM_DTYPE_F16: st = SLIM_TYPE_F16; break;
    case SLIM_DTYPE_BF16: st = SLIM_TYPE_BF16; break;
    default:
        return conv_fail(msg, cap, SLIM_ERR_UNSUPPORTED,
                         "tensor %s: dtype %s is not supported (F32, F16 or BF16)", s->name,
                         slim_dtype_name(s->dtype));
    }
    if (s->n_dims < 1 || s->n_dims > 4)
        return conv_fail(msg, cap, SLIM_ERR_SHAPE, "tensor %s: %d dimensions", s->name,
                         s->n_dims);
    conv_tensor *t;
    slim_error e = push(c, &t);
    if (e)
        return e;
    snprintf(t->name, sizeof t->name, "%s", name);
    t->pub.source = s->name;
    t->pub.src_type = st;
    t->pub.n_dims = s->n_dims;
    for (int i = 0; i < 4; i++)
        t->pub.ne[i] = i < s->n_dims ? s->shape[s->n_dims - 1 - i] : 1;
    t->pub.src_bytes = s->size;
    t->data = s->data;
    t->layer = layer;
    if ((e = conv_check_shape(&c->hp, t, msg, cap)))
        return e;
    if (c->hp.permute_qk && (strstr(name, ".attn_q.") || strstr(name, ".attn_k."))) {
        t->perm_heads = c->hp.n_head;
        if (strstr(name, ".attn_k.") && c->hp.n_head_kv > 0 && c->hp.n_head_kv != c->hp.n_head)
            t->perm_heads = c->hp.n_head_kv;
        int64_t rows = t->pub.n_dims == 1 ? t->pub.ne[0] : t->pub.ne[1];
        if (rows % (2 * t->perm_heads))
            return conv_fail(msg, cap, SLIM_ERR_SHAPE,
                             "tensor %s: %lld rows do not split into %lld heads of even size",
                             s->name, (long long)rows, (long long)t->perm_heads);
    }
    return SLIM_OK;
}

static slim_error require(const slim_convert *c, const char *name, char *msg, size_t cap)
{
    for (uint64_t i = 0; i < c->n; i++)
        if (!strcmp(c->t[i].name, name))
            return SLIM_OK;
    return conv_fail(msg, cap, SLIM_ERR_NOT_FOUND, "the checkpoint has no tensor for %s", name);
}

static slim_error check_complete(const slim_convert *c, char *msg, size_t cap)
{
    static const char *const per_layer[] = {
        "attn_norm", "attn_q", "attn_k", "attn_v", "attn_output",
        "ffn_norm", "ffn_gate", "ffn_up", "ffn_down",
    };
    slim_error e;
    if ((e = require(c, "token_embd.weight", msg, cap)) ||
        (e = require(c, "output_norm.weight", msg, cap)))
        return e;
    char name[SLIM_GGUF_MAX_NAME];
    for (int64_t l = 0; l < c->hp.n_layer; l++)
        for (size_t k = 0; k < sizeof per_layer / sizeof per_layer[0]; k++) {
            snprintf(name, sizeof name, "blk.%lld.%s.weight", (long long)l, per_layer[k]);
            if ((e = require(c, name, msg, cap)))
                return e;
        }
    return SLIM_OK;
}

/* The last part of a folder path ("." resolved). */
static void folder_name(const char *dir, char *out, size_t cap)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    size_t b = n;
    while (b > 0 && dir[b - 1] != '/')
        b--;
    snprintf(out, cap, "%.*s", (int)(n - b), dir + b);
    char *rp = !strcmp(out, ".") || !*out ? realpath(dir, NULL) : NULL;
    if (rp) {
        snprintf(out, cap, "%s", strrchr(rp, '/') ? strrchr(rp, '/') + 1 : rp);
        free(rp);
    }
}

/* general.name: config.json's _name_or_path when it is a model id ("org/name",
 * at most one '/'; a sentence is taken whole), else the folder's name, both
 * title-cased as the converter does. */
static void model_name(slim_convert *c)
{
    const char *id = c->hp.name_or_path;
    const char *slash = id ? strchr(id, '/') : NULL;
    if (slash && strchr(slash + 1, '/'))
        id = NULL;
    else if (slash && !strchr(id, ' '))
        id = slash + 1;
    char base[256];
    if (!id || !*id) {
        folder_name(c->dir, base, sizeof base);
        id = base;
    }
    conv_title(id, c->model_name, sizeof c->model_name);
}

/* general.organization, basename, finetune, version and size_label: from
 * _name_or_path (a model id) first, then the folder's name, each filling what
 * is still missing; the size label falls back to the parameter count. */
static void name_parts(slim_convert *c)
{
    const char *ids[2] = { c->hp.name_or_path, NULL };
    char base[256];
    folder_name(c->dir, base, sizeof base);
    ids[1] = base;
    if (ids[0] && strchr(ids[0], '/') && strchr(strchr(ids[0], '/') + 1, '/'))
        ids[0] = NULL;
    conv_names *nm = &c->names;
    for (int k = 0; k < 2; k++) {
        conv_names p;
        conv_name_parts(ids[k], c->info.n_params, &p);
#define FILL(f) if (!nm->f[0]) memcpy(nm->f, p.f, sizeof nm->f);
        FILL(organization) FILL(basename) FILL(finetune) FILL(version) FILL(size_label)
#undef FILL
    }
    if (nm->size_label[0])
        snprintf(c->size_label, sizeof c->size_label, "%s", nm->size_label);
    else
        conv_size_label(c->info.n_params, c->size_label, sizeof c->size_label);
}

/* The converter writes rope_freqs first (generate_extra_tensors). */
static slim_error add_rope_freqs(slim_convert *c)
{
    int64_t n = conv_head_dim(&c->hp) / 2;
    conv_tensor *t;
    c->rope_freqs = calloc((size_t)(n > 0 ? n : 1), sizeof *c->rope_freqs);
    if (!c->rope_freqs || n <= 0)
        return c->rope_freqs ? SLIM_ERR_SHAPE : SLIM_ERR_NOMEM;
    conv_llama3_rope_freqs(&c->hp, c->rope_freqs, n);
    slim_error e = push(c, &t);
    if (e)
        return e;
    snprintf(t->name, sizeof t->name, "rope_freqs.weight");
    t->pub.source = "(rope_scaling: llama3)";
    t->pub.src_type = SLIM_TYPE_F32;
    t->pub.n_dims = 1;
    t->pub.ne[0] = n;
    t->pub.ne[1] = t->pub.ne[2] = t->pub.ne[3] = 1;
    t->pub.src_bytes = (uint64_t)n * sizeof(float);
    t->data = c->rope_freqs;
    t->generated = 1;
    t->layer = -1;
    return SLIM_OK;
}

static slim_error plan_hf(slim_convert *c, char *msg, size_t cap)
{
    slim_error e = conv_read_config(c, msg, cap);
    if (e)
        return e;
    slim_parse_error where = { 0 };
    e = slim_st_open(c->dir, &c->st, &where);
    if (e == SLIM_ERR_IO || e == SLIM_ERR_NOT_FOUND)
        return conv_fail(msg, cap, SLIM_ERR_NOT_FOUND,
                         "%s: no readable model.safetensors or model.safetensors.index.json "
                         "(%s%s%s)", c->dir, where.reason ? where.reason : slim_strerror(e),
                         where.file >= 0 ? "" : " in the index", "");
    if (e)
        return conv_fail(msg, cap, e, "%s: safetensors %s at byte %llu of file %d", c->dir,
                         where.reason ? where.reason : slim_strerror(e),
                         (unsigned long long)where.offset, where.file);
    if (c->hp.llama3 && (e = add_rope_freqs(c)))
        return e;
    uint64_t n = slim_st_tensor_count(c->st);
    const slim_st_tensor **order = calloc((size_t)n + 1, sizeof *order);
    if (!order)
        return SLIM_ERR_NOMEM;
    for (uint64_t i = 0; i < n; i++)
        order[i] = slim_st_tensor_at(c->st, i);
    /* convert_hf_to_gguf.py: shards in name order, tensors by name */
    qsort(order, (size_t)n, sizeof *order, st_order);
    for (uint64_t i = 0; i < n && !e; i++)
        e = add_hf_tensor(c, order[i], msg, cap);
    free(order);
    if (!e)
        e = check_complete(c, msg, cap);
    if (e)
        return e;
    c->info.arch = c->hp.arch;
    c->info.source_arch = c->hp.hf_arch;
    model_name(c);
    return SLIM_OK;
}

/* ---------------------------------------------------------------- GGUF */

static slim_error plan_gguf(slim_convert *c, const char *path, char *msg, size_t cap)
{
    slim_parse_error where = { 0 };
    slim_error e = slim_gguf_split_open(path, &c->gg, &where);
    if (e == SLIM_ERR_IO)
        return conv_fail(msg, cap, SLIM_ERR_NOT_FOUND, "%s: cannot open", path);
    if (e)
        return conv_fail(msg, cap, e, "%s: %s at byte %llu", path,
                         where.reason ? where.reason : slim_strerror(e),
                         (unsigned long long)where.offset);
    const slim_gguf *g0 = slim_gguf_split_file(c->gg, 0);
    slim_string arch;
    if (slim_gguf_get_str(g0, "general.architecture", &arch) || arch.len >= sizeof c->model_name)
        return conv_fail(msg, cap, SLIM_ERR_NOT_FOUND, "%s: no general.architecture", path);
    snprintf(c->model_name, sizeof c->model_name, "%.*s", (int)arch.len, arch.data);
    c->info.arch = c->model_name;
    c->info.source_arch = "gguf";
    uint64_t n = slim_gguf_split_tensor_count(c->gg);
    for (uint64_t i = 0; i < n; i++) {
        const slim_gguf_tensor *g = slim_gguf_split_tensor_at(c->gg, i, NULL);
        const slim_type_info *ti = slim_type_get(g->type);
        if (!ti || !ti->has_kernels)
            return conv_fail(msg, cap, SLIM_ERR_UNSUPPORTED, "tensor %s: type %s cannot be read",
                             g->name, ti ? ti->name : "?");
        conv_tensor *t;
        if ((e = push(c, &t)))
            return e;
        memcpy(t->name, g->name, sizeof t->name);
        t->pub.src_type = g->type;
        t->pub.n_dims = g->n_dims;
        memcpy(t->pub.ne, g->ne, sizeof t->pub.ne);
        t->pub.src_bytes = g->size;
        t->data = g->data;
        t->layer = -1;
    }
    return SLIM_OK;
}

/* ------------------------------------------------------------- types */

/* The converter's choice (CONVERT): norms, biases and vectors F32, the rest
 * the outtype, Q8_0 falling back to F16 for rows that are not whole blocks. */
static void convert_types(slim_convert *c, slim_type base)
{
    for (uint64_t i = 0; i < c->n; i++) {
        conv_tensor *t = &c->t[i];
        int plain = t->pub.n_dims <= 1 || ends_with(t->name, "_norm.weight") ||
                    !ends_with(t->name, ".weight");
        t->pub.type = plain ? SLIM_TYPE_F32 : base;
        if (t->pub.type == SLIM_TYPE_Q8_0 && t->pub.ne[0] % 32) {
            t->pub.type = SLIM_TYPE_F16;
            t->pub.fallback = 1;
        }
    }
}

/* The importance weights of a tensor that is quantized (its type changes),
 * as llama-quantize takes them: one per column, else an error (but for
 * token_embd, which is quantized without). */
static slim_error attach_imatrix(slim_convert *c, conv_tensor *t, slim_type before, unsigned flags,
                                 char *msg, size_t cap)
{
    const slim_type_info *ti = slim_type_get(t->pub.type);
    if (t->pub.type == before || !ti || !ti->is_quantized)
        return SLIM_OK;
    const slim_imatrix_entry *en = c->im ? slim_imatrix_find(c->im, t->name) : NULL;
    if (en && en->n_values == t->pub.ne[0] * (t->pub.n_dims > 2 ? t->pub.ne[2] : 1))
        t->imatrix = en->values;
    else if (en && strcmp(t->name, "token_embd.weight"))
        return conv_fail(msg, cap, SLIM_ERR_SHAPE,
                         "%s: %lld importance weights for %s, which has %lld columns", c->im_path,
                         (long long)en->n_values, t->name, (long long)t->pub.ne[0]);
    if (!t->imatrix && (flags & SLIM_MIX_NEEDS_IMATRIX))
        return conv_fail(msg, cap, SLIM_ERR_NOT_FOUND,
                         "tensor %s: type %s needs an importance matrix (--imatrix)", t->name,
                         ti->name);
    return SLIM_OK;
}

static int64_t gguf_hparam(const slim_gguf *g, const char *arch, const char *key)
{
    char k[128];
    snprintf(k, sizeof k, "%s.%s", arch, key);
    uint64_t v;
    return slim_gguf_get_uint(g, k, &v) || v > INT32_MAX ? 0 : (int64_t)v;
}

/* llama-quantize's choice (QUANTIZE), by its rules in slim_mix_plan. */
static slim_error quantize_types(slim_convert *c, const slim_convert_options *opt, slim_ftype ft,
                                 char *msg, size_t cap)
{
    slim_mix_model m = { .arch = c->info.arch };
    if (c->st) {
        m.n_layer = (int)c->hp.n_layer;
        m.n_head = (int)c->hp.n_head;
        m.n_head_kv = c->hp.n_head_kv > 0 ? (int)c->hp.n_head_kv : 0;
    } else {
        const slim_gguf *g = slim_gguf_split_file(c->gg, 0);
        m.n_layer = (int)gguf_hparam(g, m.arch, "block_count");
        m.n_head = (int)gguf_hparam(g, m.arch, "attention.head_count");
        m.n_head_kv = (int)gguf_hparam(g, m.arch, "attention.head_count_kv");
        m.n_expert = (int)gguf_hparam(g, m.arch, "expert_count");
        if (m.n_layer <= 0)
            m.n_layer = 1;
    }
    slim_mix_override *ov = calloc(opt->n_tensor_types + 1, sizeof *ov);
    slim_mix_tensor *mt = calloc((size_t)c->n + 1, sizeof *mt);
    slim_error e = ov && mt ? SLIM_OK : SLIM_ERR_NOMEM;
    for (size_t i = 0; !e && i < opt->n_tensor_types; i++) {
        const char *s = opt->tensor_types[i];
        const char *eq = s ? strrchr(s, '=') : NULL;
        slim_ftype oft;
        if (!eq || eq == s)
            e = conv_fail(msg, cap, SLIM_ERR_INVALID_ARG,
                          "tensor type '%s': expected PATTERN=TYPE", s ? s : "(null)");
        else if (slim_type_from_name(eq + 1, &ov[i].type) &&
                 (slim_ftype_from_name(eq + 1, &oft) ||
                  (ov[i].type = slim_ftype_default_type(oft)) == SLIM_TYPE_COUNT))
            e = conv_fail(msg, cap, SLIM_ERR_INVALID_ARG, "tensor type '%s': unknown type '%s'",
                          s, eq + 1);
        else if (!(ov[i].pattern = strndup(s, (size_t)(eq - s))))
            e = SLIM_ERR_NOMEM;
    }
    for (uint64_t i = 0; !e && i < c->n; i++) {
        const slim_convert_tensor *p = &c->t[i].pub;
        mt[i].name = c->t[i].name;
        mt[i].n_dims = p->n_dims;
        memcpy(mt[i].ne, p->ne, sizeof mt[i].ne);
        /* a Hugging Face tensor is quantized from its exact values, as from
         * convert_hf_to_gguf.py's F32 output */
        mt[i].src_type = c->st ? SLIM_TYPE_F32 : p->src_type;
    }
    slim_mix_options mo = { .ftype = ft, .pure = opt->pure, .overrides = ov,
                            .n_overrides = opt->n_tensor_types, .has_imatrix = c->im != NULL };
    int64_t bad = 0;
    if (!e && (e = slim_mix_plan(&m, &mo, mt, (size_t)c->n, &bad)))
        e = conv_fail(msg, cap, e, bad < 0 ? "tensor type '%s': bad pattern" : "tensor %s: %s",
                      bad < 0 ? opt->tensor_types[-1 - bad]
                              : bad < (int64_t)c->n ? c->t[bad].name : "?",
                      slim_strerror(e));
    for (uint64_t i = 0; !e && i < c->n; i++) {
        c->t[i].pub.type = mt[i].type;
        c->t[i].pub.fallback = mt[i].flags & SLIM_MIX_F16_BEYOND ? 2
                               : mt[i].flags & SLIM_MIX_FALLBACK ? 1 : 0;
        e = attach_imatrix(c, &c->t[i], mt[i].src_type, mt[i].flags, msg, cap);
    }
    for (size_t i = 0; ov && i < opt->n_tensor_types; i++)
        free((void *)ov[i].pattern);
    free(ov);
    free(mt);
    return e;
}

/* Sizes of the chosen types; a type slim cannot write is refused here. */
static slim_error size_tensors(slim_convert *c, char *msg, size_t cap)
{
    for (uint64_t i = 0; i < c->n; i++) {
        slim_convert_tensor *p = &c->t[i].pub;
        size_t row;
        slim_error e = slim_row_size(p->type, p->ne[0], &row);
        if (!e && !slim_type_get(p->type)->has_kernels)
            e = SLIM_ERR_UNSUPPORTED;
        if (e)
            return conv_fail(msg, cap, e, "tensor %s: cannot write type %s", c->t[i].name,
                             slim_type_get(p->type) ? slim_type_get(p->type)->name : "?");
        p->out_bytes = rows_of(p) * row;
        c->info.n_fallback += p->fallback != 0;
    }
    return SLIM_OK;
}

static int quantize_order(const void *a, const void *b)
{
    return slim_mix_compare_names(((const conv_tensor *)a)->name, ((const conv_tensor *)b)->name);
}

/* A GGUF input is told by its magic, whatever its name. */
static int is_gguf_file(const char *p)
{
    char magic[4] = { 0 };
    FILE *f = fopen(p, "rb");
    if (!f)
        return 0;
    size_t n = fread(magic, 1, sizeof magic, f);
    fclose(f);
    return n == 4 && !memcmp(magic, "GGUF", 4);
}

static int is_dir(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

slim_error slim_convert_plan(const char *input, const slim_convert_options *opt,
                             slim_convert **out, char *msg, size_t msg_cap)
{
    if (msg && msg_cap)
        msg[0] = 0;
    if (!out)
        return SLIM_ERR_INVALID_ARG;
    *out = NULL;
    if (!input || !opt || !opt->type || (opt->n_tensor_types && !opt->tensor_types))
        return conv_fail(msg, msg_cap, SLIM_ERR_INVALID_ARG, "no input or no type given");
    slim_ftype ftype;
    if (slim_ftype_from_name(opt->type, &ftype))
        return conv_fail(msg, msg_cap, SLIM_ERR_INVALID_ARG,
                         "unknown file type '%s' (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, "
                         "Q2_K, Q3_K_S/M/L, Q4_K_S/M, Q5_K_S/M, Q6_K, IQ4_NL, IQ4_XS, TQ1_0, "
                         "TQ2_0, MXFP4)", opt->type);
    slim_type base = slim_ftype_default_type(ftype);
    /* what convert_hf_to_gguf.py writes by itself */
    int converter_type = ftype == SLIM_FTYPE_ALL_F32 || ftype == SLIM_FTYPE_F16 ||
                         ftype == SLIM_FTYPE_BF16 || ftype == SLIM_FTYPE_Q8_0;
    slim_convert *c = calloc(1, sizeof *c);
    if (!c)
        return SLIM_ERR_NOMEM;
    c->threads = opt->threads;
    c->no_tokenizer = opt->no_tokenizer;
    c->optimize = opt->optimize;
    c->cancel = opt->cancel;
    slim_error e = SLIM_OK;
    if (opt->imatrix) {
        slim_parse_error where = { 0 };
        c->im_path = strdup(opt->imatrix);
        e = c->im_path ? slim_imatrix_open(opt->imatrix, &c->im, &where) : SLIM_ERR_NOMEM;
        if (e) {
            conv_fail(msg, msg_cap, e == SLIM_ERR_IO ? SLIM_ERR_NOT_FOUND : e,
                      "%s: %s at byte %llu", opt->imatrix,
                      e == SLIM_ERR_IO ? "cannot read" : where.reason ? where.reason
                                                                     : slim_strerror(e),
                      (unsigned long long)where.offset);
            e = e == SLIM_ERR_IO ? SLIM_ERR_NOT_FOUND : e;
            slim_convert_free(c);
            return e;
        }
    }
    c->info.file_type = (uint32_t)ftype;
    if (!is_dir(input) && is_gguf_file(input)) {
        c->style = CONV_STYLE_QUANTIZE;
        e = plan_gguf(c, input, msg, msg_cap);
    } else {
        c->dir = strdup(input);
        if (c->dir && !is_dir(input)) {
            /* a file inside the folder: the folder is what counts */
            char *slash = strrchr(c->dir, '/');
            if (slash)
                *slash = 0;
            else
                strcpy(c->dir, ".");
        }
        c->style = !opt->pure && !opt->n_tensor_types && !opt->imatrix && converter_type
                       ? CONV_STYLE_CONVERT
                       : CONV_STYLE_QUANTIZE;
        e = c->dir ? plan_hf(c, msg, msg_cap) : SLIM_ERR_NOMEM;
    }
    if (!e && c->style == CONV_STYLE_CONVERT)
        convert_types(c, base);
    else if (!e)
        e = quantize_types(c, opt, ftype, msg, msg_cap);
    if (!e)
        e = size_tensors(c, msg, msg_cap);
    if (!e && c->style == CONV_STYLE_QUANTIZE)
        qsort(c->t, (size_t)c->n, sizeof *c->t, quantize_order);
    for (uint64_t i = 0; !e && i < c->n; i++) {
        c->t[i].pub.name = c->t[i].name;
        if (!c->t[i].pub.source)
            c->t[i].pub.source = c->t[i].name;
        uint64_t elems = rows_of(&c->t[i].pub) * (uint64_t)c->t[i].pub.ne[0];
        c->info.n_params += elems;
        c->info.src_bytes += c->t[i].pub.src_bytes;
        c->info.out_bytes += c->t[i].pub.out_bytes;
    }
    if (!e && c->st)
        name_parts(c);
    if (e) {
        if (msg && msg_cap && !msg[0])
            conv_fail(msg, msg_cap, e, "%s: %s", input, slim_strerror(e));
        slim_convert_free(c);
        return e;
    }
    *out = c;
    return SLIM_OK;
}

const slim_convert_info *slim_convert_get_info(const slim_convert *c)
{
    return c ? &c->info : NULL;
}

uint64_t slim_convert_tensor_count(const slim_convert *c)
{
    return c ? c->n : 0;
}

const slim_convert_tensor *slim_convert_tensor_at(const slim_convert *c, uint64_t i)
{
    return c && i < c->n ? &c->t[i].pub : NULL;
}

void slim_convert_free(slim_convert *c)
{
    if (!c)
        return;
    slim_st_close(c->st);
    slim_gguf_split_close(c->gg);
    slim_imatrix_close(c->im);
    free(c->im_path);
    free(c->rope_freqs);
    jl_free(&c->config);
    free(c->config_text);
    free(c->dir);
    free(c->t);
    free(c);
}
