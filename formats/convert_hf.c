/*
 * The Hugging Face side of conversion: config.json's hyperparameters, the
 * tensor names and shapes they imply, and the GGUF metadata that
 * convert_hf_to_gguf.py writes from them (same keys, types and order).
 */
#include "formats/convert_internal.h"
#include "formats/fmt_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

slim_error conv_fail(char *msg, size_t cap, slim_error err, const char *fmt, ...)
{
    if (msg && cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, cap, fmt, ap);
        va_end(ap);
    }
    return err;
}

/* The architectures convert_hf_to_gguf.py maps to each GGUF architecture
 * that slim converts. */
static const struct {
    const char *hf, *arch;
    int permute_qk;
} archs[] = {
    { "LlamaForCausalLM", "llama", 1 },
    { "MistralForCausalLM", "llama", 1 },
    { "Qwen2ForCausalLM", "qwen2", 0 },
    { "Qwen3ForCausalLM", "qwen3", 0 },
};

/* The first of `keys` present in config.json (as find_hparam does). */
static const jl_val *find(const jl_doc *d, const char *const *keys)
{
    for (; *keys; keys++) {
        const jl_val *v = jl_get(d, jl_root(d), *keys);
        if (v)
            return v;
    }
    return NULL;
}

static slim_error get_int(const jl_doc *d, const char *const *keys, int required, int64_t *out,
                          char *msg, size_t cap)
{
    const jl_val *v = find(d, keys);
    *out = -1;
    if (!v || jl_is(v, JL_NULL)) {
        if (required)
            return conv_fail(msg, cap, SLIM_ERR_BAD_JSON, "config.json: '%s' is missing", keys[0]);
        return SLIM_OK;
    }
    /* below 2^31, so the products of two counts never overflow */
    if (!jl_is(v, JL_INT) || v->u.i < 0 || v->u.i > INT32_MAX)
        return conv_fail(msg, cap, SLIM_ERR_BAD_JSON,
                         "config.json: '%s' is not an integer in 0..2^31-1", v->key);
    *out = v->u.i;
    return SLIM_OK;
}

static double get_real(const jl_doc *d, const jl_val *obj, const char *key)
{
    const jl_val *v = jl_get(d, obj ? obj : jl_root(d), key);
    return jl_is_number(v) ? jl_number(v) : NAN;
}

static const char *get_str(const jl_doc *d, const jl_val *obj, const char *key)
{
    const jl_val *v = jl_get(d, obj ? obj : jl_root(d), key);
    return jl_is(v, JL_STRING) ? v->u.s : NULL;
}

#define KEYS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static slim_error read_ints(slim_convert *c, char *msg, size_t cap)
{
    conv_hparams *hp = &c->hp;
    const jl_doc *d = &c->config;
    slim_error e;
    if ((e = get_int(d, KEYS("n_layers", "num_hidden_layers", "n_layer", "num_layers"), 1,
                     &hp->n_layer, msg, cap)) ||
        (e = get_int(d, KEYS("max_position_embeddings", "n_ctx", "n_positions", "max_length",
                             "max_sequence_length", "model_max_length"), 0, &hp->n_ctx, msg, cap)) ||
        (e = get_int(d, KEYS("hidden_size", "n_embd", "dim"), 1, &hp->n_embd, msg, cap)) ||
        (e = get_int(d, KEYS("prefix_dense_intermediate_size", "intermediate_size", "n_inner",
                             "hidden_dim"), 1, &hp->n_ff, msg, cap)) ||
        (e = get_int(d, KEYS("num_attention_heads", "n_head", "n_heads"), 1, &hp->n_head, msg,
                     cap)) ||
        (e = get_int(d, KEYS("num_key_value_heads", "n_kv_heads"), 0, &hp->n_head_kv, msg, cap)) ||
        (e = get_int(d, KEYS("head_dim"), 0, &hp->head_dim, msg, cap)) ||
        (e = get_int(d, KEYS("vocab_size"), 1, &hp->n_vocab, msg, cap)))
        return e;
    if (hp->n_head == 0 || hp->n_layer == 0 || hp->n_embd == 0 || hp->n_head_kv == 0)
        return conv_fail(msg, cap, SLIM_ERR_BAD_JSON,
                         "config.json: a layer, head or embedding count is 0");
    return SLIM_OK;
}

slim_error conv_read_config(slim_convert *c, char *msg, size_t cap)
{
    size_t len = strlen(c->dir) + 16;
    char *path = malloc(len);
    if (!path)
        return SLIM_ERR_NOMEM;
    snprintf(path, len, "%s/config.json", c->dir);
    slim_map m;
    slim_error e = slim_map_open(path, &m);
    if (e) {
        e = conv_fail(msg, cap, SLIM_ERR_NOT_FOUND, "%s: cannot read (a Hugging Face model "
                      "folder needs config.json)", path);
        free(path);
        return e;
    }
    c->config_text = malloc(m.size + 1);
    if (c->config_text)
        memcpy(c->config_text, m.data ? (const void *)m.data : "", m.size);
    size_t n = m.size;
    slim_map_close(&m);
    if (!c->config_text) {
        free(path);
        return SLIM_ERR_NOMEM;
    }
    jl_error je;
    if (jl_parse(&c->config, c->config_text, n, &je) != 0 || !jl_is(jl_root(&c->config), JL_OBJECT)) {
        e = conv_fail(msg, cap, SLIM_ERR_BAD_JSON, "%s: %s at byte %zu", path,
                      jl_is(jl_root(&c->config), JL_OBJECT) || je.text[0] ? je.text
                                                                          : "not a JSON object",
                      je.offset);
        free(path);
        return e;
    }
    free(path);

    conv_hparams *hp = &c->hp;
    const jl_doc *d = &c->config;
    const jl_val *a = jl_at(d, jl_get(d, jl_root(d), "architectures"), 0);
    hp->hf_arch = jl_is(a, JL_STRING) ? a->u.s : NULL;
    for (size_t i = 0; hp->hf_arch && i < sizeof archs / sizeof archs[0]; i++)
        if (!strcmp(hp->hf_arch, archs[i].hf)) {
            hp->arch = archs[i].arch;
            hp->permute_qk = archs[i].permute_qk;
        }
    if (!hp->arch) {
        char list[256] = "";
        for (size_t i = 0; i < sizeof archs / sizeof archs[0]; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                     archs[i].hf);
        return conv_fail(msg, cap, SLIM_ERR_UNSUPPORTED,
                         "config.json: architecture '%s' is not supported (supported: %s)",
                         hp->hf_arch ? hp->hf_arch : "(none)", list);
    }
    if ((e = read_ints(c, msg, cap)))
        return e;

    /* rope_parameters (new) or rope_scaling (old), with rope_theta beside */
    const jl_val *rope = jl_get(d, jl_root(d), "rope_parameters");
    if (!jl_is(rope, JL_OBJECT))
        rope = jl_get(d, jl_root(d), "rope_scaling");
    if (!jl_is(rope, JL_OBJECT))
        rope = NULL;
    hp->rope_theta = get_real(d, NULL, "rope_theta");
    if (rope && isnan(hp->rope_theta))
        hp->rope_theta = get_real(d, rope, "rope_theta");
    hp->rope_type = rope ? get_str(d, rope, "rope_type") : NULL;
    if (rope && !hp->rope_type)
        hp->rope_type = get_str(d, rope, "type");
    hp->rope_factor = rope ? get_real(d, rope, "factor") : NAN;
    hp->rope_orig_ctx = -1;
    if (rope && jl_is(jl_get(d, rope, "original_max_position_embeddings"), JL_INT))
        hp->rope_orig_ctx = jl_get(d, rope, "original_max_position_embeddings")->u.i;
    if (hp->rope_type && !strcmp(hp->rope_type, "llama3")) {
        /* the converter reads these with its defaults */
        hp->llama3 = 1;
        hp->low_freq_factor = rope ? get_real(d, rope, "low_freq_factor") : NAN;
        hp->high_freq_factor = rope ? get_real(d, rope, "high_freq_factor") : NAN;
        hp->orig_ctx_top = get_real(d, NULL, "original_max_position_embeddings");
    }
    hp->rms_eps = get_real(d, NULL, "rms_norm_eps");
    if (isnan(hp->rms_eps))
        hp->rms_eps = get_real(d, NULL, "norm_eps");
    const jl_val *tie = jl_get(d, jl_root(d), "tie_word_embeddings");
    hp->tied = jl_is(tie, JL_TRUE);
    hp->name_or_path = get_str(d, NULL, "_name_or_path");
    return SLIM_OK;
}

/* Llama 3.1's rope scaling as the converter's generate_extra_tensors()
 * computes it (in float32 as torch does; powf may differ from torch's pow in
 * the last bit). */
void conv_llama3_rope_freqs(const conv_hparams *hp, float *out, int64_t n)
{
    double base = isnan(hp->rope_theta) ? 10000.0 : hp->rope_theta;
    double factor = isnan(hp->rope_factor) ? 8.0 : hp->rope_factor;
    double low = isnan(hp->low_freq_factor) ? 1.0 : hp->low_freq_factor;
    double high = isnan(hp->high_freq_factor) ? 4.0 : hp->high_freq_factor;
    double old = isnan(hp->orig_ctx_top) ? 8192.0 : hp->orig_ctx_top;
    double low_wl = old / low, high_wl = old / high;
    int64_t dim = conv_head_dim(hp);
    for (int64_t i = 0; i < n; i++) {
        float freq = 1.0f / powf((float)base, (float)(2 * i) / (float)dim);
        float wavelen = (float)(2 * M_PI) / freq;
        if (wavelen < high_wl) {
            out[i] = 1.0f;
        } else if (wavelen > low_wl) {
            out[i] = (float)factor;
        } else {
            float smooth = ((float)old / wavelen - (float)low) / (float)(high - low);
            out[i] = 1.0f / ((1.0f - smooth) / (float)factor + smooth);
        }
    }
}

/* ------------------------------------------------------------ names */

/* A Hugging Face name (without .weight/.bias) and its GGUF name. */
typedef struct name_pair {
    const char *hf, *gguf;
} name_pair;

/* The per-layer names of LLaMA-like checkpoints. */
static const name_pair layer_names[] = {
    { "input_layernorm", "attn_norm" },
    { "self_attn.q_proj", "attn_q" },
    { "self_attn.k_proj", "attn_k" },
    { "self_attn.v_proj", "attn_v" },
    { "self_attn.o_proj", "attn_output" },
    { "self_attn.q_norm", "attn_q_norm" },
    { "self_attn.k_norm", "attn_k_norm" },
    { "post_attention_layernorm", "ffn_norm" },
    { "mlp.gate_proj", "ffn_gate" },
    { "mlp.up_proj", "ffn_up" },
    { "mlp.down_proj", "ffn_down" },
};

static const char *suffix_of(const char *s)
{
    if (!strcmp(s, ".weight") || !strcmp(s, ".bias"))
        return s;
    return NULL;
}

int conv_map_name(const conv_hparams *hp, const char *hf, char *out, size_t cap, int *layer)
{
    *layer = -1;
    static const name_pair globals[] = {
        { "model.embed_tokens", "token_embd" },
        { "model.norm", "output_norm" },
        { "lm_head", "output" },
    };
    static const char drop[] = "rotary_emb.inv_freq";
    size_t n = strlen(hf);
    if (n >= sizeof drop - 1 && !strcmp(hf + n - (sizeof drop - 1), drop))
        return 0;
    for (size_t i = 0; i < sizeof globals / sizeof globals[0]; i++) {
        size_t k = strlen(globals[i].hf);
        const char *suf;
        if (!strncmp(hf, globals[i].hf, k) && (suf = suffix_of(hf + k))) {
            snprintf(out, cap, "%s%s", globals[i].gguf, suf);
            return 1;
        }
    }
    const char *p = "model.layers.";
    if (strncmp(hf, p, strlen(p)))
        return -1;
    char *end;
    const char *num = hf + strlen(p);
    if (!isdigit((unsigned char)*num))
        return -1;
    long bid = strtol(num, &end, 10);
    if (*end != '.' || bid < 0 || bid >= hp->n_layer)
        return -1;
    end++;
    for (size_t i = 0; i < sizeof layer_names / sizeof layer_names[0]; i++) {
        size_t k = strlen(layer_names[i].hf);
        const char *suf;
        if (!strncmp(end, layer_names[i].hf, k) && (suf = suffix_of(end + k))) {
            snprintf(out, cap, "blk.%ld.%s%s", bid, layer_names[i].gguf, suf);
            *layer = (int)bid;
            return 1;
        }
    }
    return -1;
}

int64_t conv_head_dim(const conv_hparams *hp)
{
    return hp->head_dim > 0 ? hp->head_dim : hp->n_embd / hp->n_head;
}

/* The shape (ne order) config.json implies for a GGUF tensor name, from its
 * part after "blk.N." or the whole name. 0 if the name has no rule. */
static int expected_shape(const conv_hparams *hp, const char *name, int64_t ne[2], int *n_dims)
{
    int64_t hd = conv_head_dim(hp);
    int64_t q = hp->n_head * hd, kv = (hp->n_head_kv > 0 ? hp->n_head_kv : hp->n_head) * hd;
    const char *base = name;
    if (!strncmp(name, "blk.", 4)) {
        base = strchr(name + 4, '.');
        base = base ? base + 1 : name;
    }
    int bias = strstr(base, ".bias") != NULL;
    static const struct {
        const char *name;
        int rows, cols;   /* 0 embd, 1 q, 2 kv, 3 ff, 4 vocab, 5 head_dim, -1 none */
    } rules[] = {
        { "token_embd", 4, 0 }, { "output", 4, 0 }, { "output_norm", 0, -1 },
        { "attn_norm", 0, -1 }, { "ffn_norm", 0, -1 }, { "attn_q", 1, 0 }, { "attn_k", 2, 0 },
        { "attn_v", 2, 0 }, { "attn_output", 0, 1 }, { "attn_q_norm", 5, -1 },
        { "attn_k_norm", 5, -1 }, { "ffn_gate", 3, 0 }, { "ffn_up", 3, 0 }, { "ffn_down", 0, 3 },
    };
    int64_t dims[6] = { hp->n_embd, q, kv, hp->n_ff, hp->n_vocab, hd };
    size_t blen = strcspn(base, ".");
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        if (strlen(rules[i].name) != blen || strncmp(base, rules[i].name, blen))
            continue;
        if (rules[i].cols < 0 || bias) {
            ne[0] = dims[rules[i].rows];
            *n_dims = 1;
        } else {
            ne[0] = dims[rules[i].cols];
            ne[1] = dims[rules[i].rows];
            *n_dims = 2;
        }
        return 1;
    }
    return 0;
}

slim_error conv_check_shape(const conv_hparams *hp, const conv_tensor *t, char *msg, size_t cap)
{
    int64_t ne[2] = { 0, 0 };
    int nd = 0;
    if (!expected_shape(hp, t->name, ne, &nd))
        return SLIM_OK;
    int ok = t->pub.n_dims == nd && t->pub.ne[0] == ne[0] && (nd == 1 || t->pub.ne[1] == ne[1]);
    if (ok)
        return SLIM_OK;
    char want[64], got[64];
    if (nd == 1)
        snprintf(want, sizeof want, "[%lld]", (long long)ne[0]);
    else
        snprintf(want, sizeof want, "[%lld, %lld]", (long long)ne[1], (long long)ne[0]);
    int n = snprintf(got, sizeof got, "[");
    for (int i = t->pub.n_dims - 1; i >= 0 && n < (int)sizeof got; i--)
        n += snprintf(got + n, sizeof got - (size_t)n, "%lld%s", (long long)t->pub.ne[i],
                      i ? ", " : "");
    if (n < (int)sizeof got)
        snprintf(got + n, sizeof got - (size_t)n, "]");
    return conv_fail(msg, cap, SLIM_ERR_SHAPE,
                     "tensor %s (%s) has shape %s but config.json implies %s", t->pub.source,
                     t->name, got, want);
}

/* ------------------------------------------------------ general.* keys */

static slim_error kv_u32(slim_gguf_writer *w, const char *arch, const char *key, int64_t v)
{
    char k[96];
    snprintf(k, sizeof k, "%s%s", arch, key);
    uint32_t u = (uint32_t)v;
    return slim_gguf_writer_add_kv(w, k, SLIM_GGUF_U32, &u);
}

static slim_error kv_f32(slim_gguf_writer *w, const char *arch, const char *key, double v)
{
    char k[96];
    snprintf(k, sizeof k, "%s%s", arch, key);
    float f = (float)v;
    return slim_gguf_writer_add_kv(w, k, SLIM_GGUF_F32, &f);
}

static slim_error kv_str(slim_gguf_writer *w, const char *key, const char *v)
{
    slim_string s = { v, strlen(v) };
    return slim_gguf_writer_add_kv(w, key, SLIM_GGUF_STRING, &s);
}

slim_error conv_write_hf_kvs(const slim_convert *c, slim_gguf_writer *w)
{
    const conv_hparams *hp = &c->hp;
    const char *a = hp->arch;
    slim_error e;
    uint32_t ft = c->info.file_type, qv = 2;
    int convert = c->style == CONV_STYLE_CONVERT;
    if ((e = kv_str(w, "general.architecture", a)) || (e = kv_str(w, "general.type", "model")) ||
        (e = kv_str(w, "general.name", c->model_name)) ||
        (c->names.version[0] && (e = kv_str(w, "general.version", c->names.version))) ||
        (c->names.organization[0] &&
         (e = kv_str(w, "general.organization", c->names.organization))) ||
        (c->names.finetune[0] && (e = kv_str(w, "general.finetune", c->names.finetune))) ||
        (c->names.basename[0] && (e = kv_str(w, "general.basename", c->names.basename))) ||
        (c->size_label[0] && (e = kv_str(w, "general.size_label", c->size_label))) ||
        (e = kv_u32(w, a, ".block_count", hp->n_layer)) ||
        (hp->n_ctx >= 0 && (e = kv_u32(w, a, ".context_length", hp->n_ctx))) ||
        (e = kv_u32(w, a, ".embedding_length", hp->n_embd)) ||
        (e = kv_u32(w, a, ".feed_forward_length", hp->n_ff)) ||
        (e = kv_u32(w, a, ".attention.head_count", hp->n_head)) ||
        (hp->n_head_kv >= 0 && (e = kv_u32(w, a, ".attention.head_count_kv", hp->n_head_kv))))
        return e;
    if (hp->rope_type && !isnan(hp->rope_factor) &&
        (!strcmp(hp->rope_type, "linear") || !strcmp(hp->rope_type, "yarn"))) {
        char k[96];
        snprintf(k, sizeof k, "%s.rope.scaling.type", a);
        if ((e = kv_str(w, k, hp->rope_type)) ||
            (e = kv_f32(w, a, ".rope.scaling.factor", hp->rope_factor)))
            return e;
        if (!strcmp(hp->rope_type, "yarn") && hp->rope_orig_ctx >= 0 &&
            (e = kv_u32(w, a, ".rope.scaling.original_context_length", hp->rope_orig_ctx)))
            return e;
    }
    if ((!isnan(hp->rope_theta) && (e = kv_f32(w, a, ".rope.freq_base", hp->rope_theta))) ||
        (!isnan(hp->rms_eps) &&
         (e = kv_f32(w, a, ".attention.layer_norm_rms_epsilon", hp->rms_eps))))
        return e;
    if (hp->head_dim >= 0 && ((e = kv_u32(w, a, ".attention.key_length", hp->head_dim)) ||
                              (e = kv_u32(w, a, ".attention.value_length", hp->head_dim))))
        return e;
    if (convert && (e = slim_gguf_writer_add_kv(w, "general.file_type", SLIM_GGUF_U32, &ft)))
        return e;
    if (!strcmp(a, "llama") && ((e = kv_u32(w, a, ".vocab_size", hp->n_vocab)) ||
                                (e = kv_u32(w, a, ".rope.dimension_count", conv_head_dim(hp)))))
        return e;
    if (convert && (e = slim_gguf_writer_add_kv(w, "general.quantization_version",
                                                SLIM_GGUF_U32, &qv)))
        return e;
    return SLIM_OK;
}
