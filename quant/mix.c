/*
 * Quantization mixes: llama.cpp's file types and llama-quantize's choice of
 * each tensor's type (the rules of src/llama-quant.cpp, re-implemented).
 *
 * A file type is a default type plus rules. The rules depend on the tensor's
 * category (from its name), on the model (architecture, heads, experts,
 * layer count) and on counters that llama-quantize advances as it visits
 * tensors in its loader's order: the n-th attn_v tensor and the n-th
 * ffn_down tensor get more bits in some layers. slim_mix_plan therefore
 * takes the whole tensor list, visits it in that order and fills the types.
 *
 * Only the branches that the file types slim offers can reach are kept (the
 * IQ1/IQ2/IQ3 mixes are not offered). Where llama.cpp gives up (a row that
 * no block of the type or its fallback fits), slim writes F16 and flags it.
 */
#include "slim.h"
#include "quant/regex_lite.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------------ */
/* File types                                                          */

typedef struct ftype_row {
    slim_ftype  ftype;
    const char *name;
    slim_type   type;   /* llama_ftype_get_default_type */
} ftype_row;

static const ftype_row ftypes[] = {
    { SLIM_FTYPE_ALL_F32,   "F32",       SLIM_TYPE_F32 },
    { SLIM_FTYPE_F16,       "F16",       SLIM_TYPE_F16 },
    { SLIM_FTYPE_BF16,      "BF16",      SLIM_TYPE_BF16 },
    { SLIM_FTYPE_Q8_0,      "Q8_0",      SLIM_TYPE_Q8_0 },
    { SLIM_FTYPE_Q4_0,      "Q4_0",      SLIM_TYPE_Q4_0 },
    { SLIM_FTYPE_Q4_1,      "Q4_1",      SLIM_TYPE_Q4_1 },
    { SLIM_FTYPE_Q5_0,      "Q5_0",      SLIM_TYPE_Q5_0 },
    { SLIM_FTYPE_Q5_1,      "Q5_1",      SLIM_TYPE_Q5_1 },
    { SLIM_FTYPE_Q2_K,      "Q2_K",      SLIM_TYPE_Q2_K },
    { SLIM_FTYPE_Q3_K_S,    "Q3_K_S",    SLIM_TYPE_Q3_K },
    { SLIM_FTYPE_Q3_K_M,    "Q3_K_M",    SLIM_TYPE_Q3_K },
    { SLIM_FTYPE_Q3_K_L,    "Q3_K_L",    SLIM_TYPE_Q3_K },
    { SLIM_FTYPE_Q4_K_S,    "Q4_K_S",    SLIM_TYPE_Q4_K },
    { SLIM_FTYPE_Q4_K_M,    "Q4_K_M",    SLIM_TYPE_Q4_K },
    { SLIM_FTYPE_Q5_K_S,    "Q5_K_S",    SLIM_TYPE_Q5_K },
    { SLIM_FTYPE_Q5_K_M,    "Q5_K_M",    SLIM_TYPE_Q5_K },
    { SLIM_FTYPE_Q6_K,      "Q6_K",      SLIM_TYPE_Q6_K },
    { SLIM_FTYPE_IQ4_NL,    "IQ4_NL",    SLIM_TYPE_IQ4_NL },
    { SLIM_FTYPE_IQ4_XS,    "IQ4_XS",    SLIM_TYPE_IQ4_XS },
    { SLIM_FTYPE_TQ1_0,     "TQ1_0",     SLIM_TYPE_TQ1_0 },
    { SLIM_FTYPE_TQ2_0,     "TQ2_0",     SLIM_TYPE_TQ2_0 },
    { SLIM_FTYPE_MXFP4_MOE, "MXFP4_MOE", SLIM_TYPE_MXFP4 },
};
#define N_FTYPES (sizeof ftypes / sizeof ftypes[0])

static const ftype_row *ftype_row_of(slim_ftype ft)
{
    for (size_t i = 0; i < N_FTYPES; i++)
        if (ftypes[i].ftype == ft)
            return &ftypes[i];
    return NULL;
}

slim_error slim_ftype_from_name(const char *name, slim_ftype *out)
{
    static const struct { const char *alias; slim_ftype ft; } aliases[] = {
        { "Q3_K", SLIM_FTYPE_Q3_K_M }, { "Q4_K", SLIM_FTYPE_Q4_K_M },
        { "Q5_K", SLIM_FTYPE_Q5_K_M }, { "MXFP4", SLIM_FTYPE_MXFP4_MOE },
    };
    if (!name || !out)
        return SLIM_ERR_INVALID_ARG;
    for (size_t i = 0; i < N_FTYPES; i++)
        if (strcasecmp(name, ftypes[i].name) == 0) {
            *out = ftypes[i].ftype;
            return SLIM_OK;
        }
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcasecmp(name, aliases[i].alias) == 0) {
            *out = aliases[i].ft;
            return SLIM_OK;
        }
    return SLIM_ERR_NOT_FOUND;
}

const char *slim_ftype_name(slim_ftype ft)
{
    const ftype_row *r = ftype_row_of(ft);
    return r ? r->name : NULL;
}

slim_type slim_ftype_default_type(slim_ftype ft)
{
    const ftype_row *r = ftype_row_of(ft);
    return r ? r->type : SLIM_TYPE_COUNT;
}

/* ------------------------------------------------------------------ */
/* Tensor names                                                        */

typedef enum category {
    CAT_TOKEN_EMBD, CAT_ATTN_Q, CAT_ATTN_V, CAT_ATTN_K, CAT_ATTN_QKV, CAT_ATTN_KV_B,
    CAT_ATTN_OUTPUT, CAT_FFN_UP, CAT_FFN_GATE, CAT_FFN_DOWN, CAT_OUTPUT, CAT_OTHER
} category;

static int has(const char *name, const char *part) { return strstr(name, part) != NULL; }

static int is_token_embd(const char *name)
{
    return strcmp(name, "token_embd.weight") == 0 ||
           strcmp(name, "per_layer_token_embd.weight") == 0;
}

/* tensor_get_category: the first matching test wins, as in llama.cpp. */
static category category_of(const char *name)
{
    if (strcmp(name, "output.weight") == 0) return CAT_OUTPUT;
    if (is_token_embd(name)) return CAT_TOKEN_EMBD;
    if (has(name, "attn_qkv.weight")) return CAT_ATTN_QKV;
    if (has(name, "attn_kv_b.weight")) return CAT_ATTN_KV_B;
    if (has(name, "attn_v.weight")) return CAT_ATTN_V;
    if (has(name, "attn_k.weight")) return CAT_ATTN_K;
    if (has(name, "attn_q.weight")) return CAT_ATTN_Q;
    if (has(name, "attn_output.weight")) return CAT_ATTN_OUTPUT;
    if (has(name, "ffn_up")) return CAT_FFN_UP;
    if (has(name, "ffn_gate")) return CAT_FFN_GATE;
    if (has(name, "ffn_down")) return CAT_FFN_DOWN;
    return CAT_OTHER;
}

/* attn_v-like tensors (more sensitive to quantization) share one counter. */
static int is_attn_v_like(category c)
{
    return c == CAT_ATTN_V || c == CAT_ATTN_QKV || c == CAT_ATTN_KV_B;
}

/* ggml_n_dims: 1 + the index of the outermost dimension larger than 1. */
static int effective_dims(const slim_mix_tensor *t)
{
    for (int i = SLIM_GGUF_MAX_DIMS - 1; i >= 1; i--)
        if (i < t->n_dims && t->ne[i] > 1)
            return i + 1;
    return 1;
}

/* tensor_allows_quantization: which tensors llama-quantize may change. */
static int allows_quantization(const slim_mix_tensor *t, const slim_mix_options *opt)
{
    static const char *const never[] = {
        "_norm.weight", "ffn_gate_inp.weight", "altup", "laurel", "per_layer_model_proj",
        "ssm_conv1d", "shortconv.conv.weight",
        "time_mix_first.weight", "time_mix_w0.weight", "time_mix_w1.weight",
        "time_mix_w2.weight", "time_mix_v0.weight", "time_mix_v1.weight",
        "time_mix_v2.weight", "time_mix_a0.weight", "time_mix_a1.weight",
        "time_mix_a2.weight", "time_mix_g1.weight", "time_mix_g2.weight",
        "time_mix_decay_w1.weight", "time_mix_decay_w2.weight",
        "time_mix_lerp_fused.weight", "attn_rel_b.weight",
        ".position_embd", "sam.pos_embd", "sam.neck.", "sam.net_", ".rel_pos",
        ".patch_embd", ".patch_merger",
    };
    const char *name = t->name;
    if (effective_dims(t) < 2)
        return 0;
    size_t n = strlen(name);
    if (n < 6 || strcmp(name + n - 6, "weight") != 0)
        return 0;
    if (opt->leave_output && strcmp(name, "output.weight") == 0)
        return 0;
    if (strcmp(name, "position_embd.weight") == 0 || strcmp(name, "token_types.weight") == 0)
        return 0;
    for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
        if (has(name, never[i]))
            return 0;
    return 1;
}

/* The layer number of "blk.N.", or -1. */
static int layer_of(const char *name)
{
    if (strncmp(name, "blk.", 4) != 0 || !isdigit((unsigned char)name[4]))
        return -1;
    long v = 0;
    const char *p = name + 4;
    while (isdigit((unsigned char)*p)) {
        v = v * 10 + (*p++ - '0');
        if (v > 1000000000L)
            return -1;
    }
    return *p == '.' ? (int)v : -1;
}

int slim_mix_compare_names(const char *a, const char *b)
{
    int la = layer_of(a), lb = layer_of(b);
    if (la != lb)
        return la < lb ? -1 : 1;
    return strcmp(a, b);
}

/* ------------------------------------------------------------------ */
/* The rules                                                           */

typedef struct mix_state {
    const slim_mix_model   *model;
    const slim_mix_options *opt;
    slim_type default_type;
    int  n_gqa;
    int  n_expert;          /* max(1, model->n_expert) as llama.cpp's layer_info */
    int  is_falcon;
    int  is_70b;
    int  tied_embeddings;   /* no output.weight: token_embd follows output's rule */
    int  n_attention_wv, i_attention_wv;
    int  i_ffn_down, i_ffn_gate, i_ffn_up;
    int  bad_layer;         /* a MoE tensor whose layer could not be read */
    rx_prog **patterns;
} mix_state;

static int use_more_bits(int i_layer, int n_layers)
{
    return i_layer < n_layers / 8 || i_layer >= 7 * n_layers / 8 ||
           (i_layer - n_layers / 8) % 3 == 2;
}

/* layer_info: the counter, or for MoE models the layer read from the name
 * (experts are not stored in layer order). */
static int layer_index(mix_state *s, int counter, const char *name)
{
    if (s->n_expert <= 1)
        return counter;
    int l = layer_of(name);
    if (l < 0 || l >= s->model->n_layer) {
        s->bad_layer = 1;
        return 0;
    }
    return l;
}

/* llama.cpp's LLM_TYPE_70B, the only model size the rules look at. */
static int is_70b_model(const slim_mix_model *m, const char *arch, int n_head_kv)
{
    if (strcmp(arch, "llama") == 0)
        return m->n_expert != 8 && m->n_layer == 80 && m->n_head != n_head_kv;
    if (strcmp(arch, "qwen2") == 0 || strcmp(arch, "deci") == 0 || strcmp(arch, "olmo") == 0)
        return m->n_layer == 80;
    if (strcmp(arch, "jais2") == 0)
        return m->n_layer == 68;
    return 0;
}

static slim_type rule_output(mix_state *s, const slim_mix_tensor *t, slim_type new_type)
{
    slim_ftype ft = s->opt->ftype;
    int64_t blk = slim_type_get(new_type) ? slim_type_get(new_type)->block_size : 1;
    if (ft == SLIM_FTYPE_MXFP4_MOE)
        return SLIM_TYPE_Q8_0;
    if (s->is_falcon || t->ne[0] % blk != 0)
        return SLIM_TYPE_Q8_0;
    if (new_type != SLIM_TYPE_Q8_0)
        return SLIM_TYPE_Q6_K;
    return new_type;
}

static slim_type rule_attn_v(mix_state *s, slim_type new_type)
{
    slim_ftype ft = s->opt->ftype;
    if (ft == SLIM_FTYPE_Q2_K)
        new_type = s->n_gqa >= 4 ? SLIM_TYPE_Q4_K : SLIM_TYPE_Q3_K;
    else if (ft == SLIM_FTYPE_Q3_K_M)
        new_type = s->i_attention_wv < 2 ? SLIM_TYPE_Q5_K : SLIM_TYPE_Q4_K;
    else if (ft == SLIM_FTYPE_Q3_K_L)
        new_type = SLIM_TYPE_Q5_K;
    else if ((ft == SLIM_FTYPE_IQ4_NL || ft == SLIM_FTYPE_IQ4_XS) && s->n_gqa >= 4)
        new_type = SLIM_TYPE_Q5_K;
    else if ((ft == SLIM_FTYPE_Q4_K_M || ft == SLIM_FTYPE_Q5_K_M) &&
             use_more_bits(s->i_attention_wv, s->n_attention_wv))
        new_type = SLIM_TYPE_Q6_K;
    else if (ft == SLIM_FTYPE_Q4_K_S && s->i_attention_wv < 4)
        new_type = SLIM_TYPE_Q5_K;
    /* 70B models share attn_v across 8 heads: it is 8x smaller than attn_q,
     * so more bits cost little. */
    if (s->is_70b && (new_type == SLIM_TYPE_Q3_K || new_type == SLIM_TYPE_Q4_K))
        new_type = SLIM_TYPE_Q5_K;
    if (s->model->n_expert == 8)
        new_type = SLIM_TYPE_Q8_0;
    s->i_attention_wv++;
    return new_type;
}

static slim_type rule_ffn_down(mix_state *s, const char *name, slim_type new_type)
{
    slim_ftype ft = s->opt->ftype;
    int i = layer_index(s, s->i_ffn_down, name), n = s->model->n_layer;
    int imatrix = s->opt->has_imatrix;
    if (ft == SLIM_FTYPE_Q2_K)
        new_type = SLIM_TYPE_Q3_K;
    else if (ft == SLIM_FTYPE_Q3_K_M)
        new_type = i < n / 16 ? SLIM_TYPE_Q5_K
                 : !s->is_falcon || use_more_bits(i, n) ? SLIM_TYPE_Q4_K
                 : SLIM_TYPE_Q3_K;
    else if (ft == SLIM_FTYPE_Q3_K_L)
        new_type = s->is_falcon ? SLIM_TYPE_Q4_K : SLIM_TYPE_Q5_K;
    else if (ft == SLIM_FTYPE_Q4_K_M) {
        if (s->is_falcon)
            new_type = i < n / 16 ? SLIM_TYPE_Q6_K
                     : use_more_bits(i, n) ? SLIM_TYPE_Q5_K : SLIM_TYPE_Q4_K;
        else if (use_more_bits(i, n))
            new_type = SLIM_TYPE_Q6_K;
    } else if (i < n / 8 && (ft == SLIM_FTYPE_IQ4_NL || ft == SLIM_FTYPE_IQ4_XS) && !imatrix)
        new_type = SLIM_TYPE_Q5_K;
    else if (ft == SLIM_FTYPE_Q5_K_M && use_more_bits(i, n))
        new_type = SLIM_TYPE_Q6_K;
    else if (ft == SLIM_FTYPE_Q4_K_S && !s->is_falcon && i < n / 8)
        new_type = SLIM_TYPE_Q5_K;
    else if ((ft == SLIM_FTYPE_Q4_0 || ft == SLIM_FTYPE_Q5_0) && imatrix && i < n / 8)
        /* the first ffn_down layers can go wrong even with an imatrix */
        new_type = ft == SLIM_FTYPE_Q4_0 ? SLIM_TYPE_Q4_1 : SLIM_TYPE_Q5_1;
    s->i_ffn_down++;
    return new_type;
}

static slim_type rule_attn_output(mix_state *s, slim_type new_type)
{
    slim_ftype ft = s->opt->ftype;
    if (s->is_falcon)
        return ft == SLIM_FTYPE_Q3_K_L ? SLIM_TYPE_Q4_K : new_type;
    if (s->model->n_expert == 8) {
        if (ft == SLIM_FTYPE_Q2_K || ft == SLIM_FTYPE_Q3_K_S || ft == SLIM_FTYPE_Q3_K_M ||
            ft == SLIM_FTYPE_IQ4_NL || ft == SLIM_FTYPE_Q4_K_S || ft == SLIM_FTYPE_Q4_K_M ||
            ft == SLIM_FTYPE_IQ4_XS)
            new_type = SLIM_TYPE_Q5_K;
        return new_type;
    }
    if (ft == SLIM_FTYPE_Q2_K) return SLIM_TYPE_Q3_K;
    if (ft == SLIM_FTYPE_Q3_K_M) return SLIM_TYPE_Q4_K;
    if (ft == SLIM_FTYPE_Q3_K_L) return SLIM_TYPE_Q5_K;
    return new_type;
}

/* llama_tensor_get_type_impl for the file types slim offers. */
static slim_type rules(mix_state *s, const slim_mix_tensor *t, category cat, slim_type new_type)
{
    slim_ftype ft = s->opt->ftype;
    if (cat == CAT_OUTPUT || (s->tied_embeddings && cat == CAT_TOKEN_EMBD))
        return rule_output(s, t, new_type);
    if (ft == SLIM_FTYPE_MXFP4_MOE)   /* MoE tensors MXFP4, the others Q8_0 */
        return t->n_dims > 2 && t->ne[2] > 1 ? SLIM_TYPE_MXFP4 : SLIM_TYPE_Q8_0;
    if (cat == CAT_TOKEN_EMBD)
        return ft == SLIM_FTYPE_TQ1_0 || ft == SLIM_FTYPE_TQ2_0 ? SLIM_TYPE_Q4_K : new_type;
    if (is_attn_v_like(cat))
        return rule_attn_v(s, new_type);
    if (cat == CAT_ATTN_K)
        return s->model->n_expert == 8 ? SLIM_TYPE_Q8_0 : new_type;
    if (cat == CAT_FFN_DOWN)
        return rule_ffn_down(s, t->name, new_type);
    if (cat == CAT_ATTN_OUTPUT)
        return rule_attn_output(s, new_type);
    /* ffn_gate / ffn_up only change for IQ3_XS, which slim does not offer,
     * but their layer is still checked as llama.cpp does. */
    if (cat == CAT_FFN_GATE)
        layer_index(s, s->i_ffn_gate++, t->name);
    else if (cat == CAT_FFN_UP)
        layer_index(s, s->i_ffn_up++, t->name);
    return new_type;
}

static int64_t block_of(slim_type type)
{
    const slim_type_info *ti = slim_type_get(type);
    return ti ? ti->block_size : 1;
}

/* tensor_type_fallback: a type whose blocks fit the row. */
static slim_type fallback(const slim_mix_tensor *t, slim_type type, unsigned *flags)
{
    int64_t cols = t->ne[0];
    if (cols % block_of(type) == 0)
        return type;
    *flags |= SLIM_MIX_FALLBACK;
    slim_type r;
    switch (type) {
    case SLIM_TYPE_IQ1_S: case SLIM_TYPE_IQ1_M: case SLIM_TYPE_IQ2_XXS:
    case SLIM_TYPE_IQ2_XS: case SLIM_TYPE_IQ2_S: case SLIM_TYPE_IQ3_XXS:
    case SLIM_TYPE_IQ3_S: case SLIM_TYPE_IQ4_XS:
        r = SLIM_TYPE_IQ4_NL; break;
    case SLIM_TYPE_Q2_K: case SLIM_TYPE_Q3_K: case SLIM_TYPE_TQ1_0: case SLIM_TYPE_TQ2_0:
        r = SLIM_TYPE_Q4_0; break;
    case SLIM_TYPE_Q4_K: r = SLIM_TYPE_Q5_0; break;
    case SLIM_TYPE_Q5_K: r = SLIM_TYPE_Q5_1; break;
    case SLIM_TYPE_Q6_K: r = SLIM_TYPE_Q8_0; break;
    default:
        /* llama.cpp has no fallback for this type and stops. */
        *flags |= SLIM_MIX_F16_BEYOND;
        return SLIM_TYPE_F16;
    }
    if (cols % block_of(r) != 0)
        r = SLIM_TYPE_F16;   /* llama.cpp's own last resort */
    return r;
}

/* tensor_requires_imatrix for the types slim offers. */
static int needs_imatrix(const char *name, slim_type type)
{
    if (is_token_embd(name) || strcmp(name, "output.weight") == 0)
        return 0;
    switch (type) {
    case SLIM_TYPE_IQ3_XXS: case SLIM_TYPE_IQ2_XXS: case SLIM_TYPE_IQ2_XS:
    case SLIM_TYPE_IQ2_S: case SLIM_TYPE_IQ1_M: case SLIM_TYPE_IQ1_S:
        return 1;
    default:
        return 0;
    }
}

/* llama_tensor_get_type: the type of one quantizable tensor. */
static slim_type choose(mix_state *s, const slim_mix_tensor *t, unsigned *flags)
{
    const slim_mix_options *opt = s->opt;
    category cat = category_of(t->name);
    if (opt->set_token_embd_type && cat == CAT_TOKEN_EMBD) {
        *flags |= SLIM_MIX_OVERRIDDEN;
        return opt->token_embd_type;
    }
    if (opt->set_output_type && cat == CAT_OUTPUT) {
        *flags |= SLIM_MIX_OVERRIDDEN;
        return opt->output_type;
    }
    slim_type new_type = s->default_type;
    const slim_type_info *dti = slim_type_get(new_type);
    if (opt->pure || !dti || !dti->is_quantized) {
        /* --pure has no fallback in llama.cpp (it would fail on an unfit row) */
        if (t->ne[0] % block_of(new_type) != 0) {
            *flags |= SLIM_MIX_F16_BEYOND;
            return SLIM_TYPE_F16;
        }
        return new_type;
    }
    int manual = 0;
    for (size_t i = 0; i < opt->n_overrides; i++) {
        int m = rx_search(s->patterns[i], t->name);
        if (m != 0) {   /* a pattern that ran out of budget counts as a match:
                           the user meant to override something */
            new_type = opt->overrides[i].type;
            *flags |= SLIM_MIX_OVERRIDDEN;
            manual = 1;
            break;
        }
    }
    if (!manual)
        new_type = rules(s, t, cat, new_type);
    return fallback(t, new_type, flags);
}

/* ------------------------------------------------------------------ */
/* The plan                                                            */

typedef struct order_item {
    const char *name;
    size_t      index;
} order_item;

static int order_cmp(const void *a, const void *b)
{
    const order_item *x = a, *y = b;
    int c = slim_mix_compare_names(x->name, y->name);
    if (c != 0)
        return c;
    return x->index < y->index ? -1 : x->index > y->index;
}

static slim_error compile_overrides(mix_state *s, int64_t *bad)
{
    const slim_mix_options *opt = s->opt;
    if (opt->n_overrides == 0)
        return SLIM_OK;
    if (!opt->overrides)
        return SLIM_ERR_INVALID_ARG;
    s->patterns = calloc(opt->n_overrides, sizeof *s->patterns);
    if (!s->patterns)
        return SLIM_ERR_NOMEM;
    for (size_t i = 0; i < opt->n_overrides; i++) {
        const char *p = opt->overrides[i].pattern;
        if (!p || !slim_type_get(opt->overrides[i].type)) {
            if (bad)
                *bad = -1 - (int64_t)i;
            return SLIM_ERR_INVALID_ARG;
        }
        /* llama-quantize lowercases the pattern it is given */
        size_t n = strlen(p);
        char *low = malloc(n + 1);
        if (!low)
            return SLIM_ERR_NOMEM;
        for (size_t k = 0; k <= n; k++)
            low[k] = (char)tolower((unsigned char)p[k]);
        slim_error e = rx_compile(low, &s->patterns[i]);
        free(low);
        if (e != SLIM_OK) {
            if (bad && e == SLIM_ERR_CORRUPT)
                *bad = -1 - (int64_t)i;
            return e;
        }
    }
    return SLIM_OK;
}

static void free_overrides(mix_state *s)
{
    if (!s->patterns)
        return;
    for (size_t i = 0; i < s->opt->n_overrides; i++)
        rx_free(s->patterns[i]);
    free(s->patterns);
}

static slim_error check_args(const slim_mix_model *model, const slim_mix_options *opt,
                             const slim_mix_tensor *tensors, size_t n)
{
    if (!model || !opt || (!tensors && n > 0) || model->n_layer <= 0 || model->n_head < 0 ||
        model->n_head_kv < 0 || !ftype_row_of(opt->ftype))
        return SLIM_ERR_INVALID_ARG;
    if ((opt->set_output_type && !slim_type_get(opt->output_type)) ||
        (opt->set_token_embd_type && !slim_type_get(opt->token_embd_type)))
        return SLIM_ERR_INVALID_ARG;
    for (size_t i = 0; i < n; i++)
        if (!tensors[i].name || tensors[i].n_dims < 0 || tensors[i].n_dims > SLIM_GGUF_MAX_DIMS ||
            tensors[i].ne[0] <= 0)
            return SLIM_ERR_INVALID_ARG;
    return SLIM_OK;
}

slim_error slim_mix_plan(const slim_mix_model *model, const slim_mix_options *opt,
                         slim_mix_tensor *tensors, size_t n, int64_t *bad)
{
    slim_error e = check_args(model, opt, tensors, n);
    if (e != SLIM_OK)
        return e;
    const char *arch = model->arch ? model->arch : "llama";
    int n_head_kv = model->n_head_kv ? model->n_head_kv : model->n_head;
    mix_state s = {
        .model = model, .opt = opt,
        .default_type = slim_ftype_default_type(opt->ftype),
        .n_gqa = n_head_kv ? model->n_head / n_head_kv : 0,
        .n_expert = model->n_expert > 1 ? model->n_expert : 1,
        .is_falcon = strcmp(arch, "falcon") == 0,
        .tied_embeddings = 1,
    };
    s.is_70b = is_70b_model(model, arch, n_head_kv);

    order_item *order = malloc((n ? n : 1) * sizeof *order);
    if (!order)
        return SLIM_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        order[i] = (order_item){ tensors[i].name, i };
        category c = category_of(tensors[i].name);
        if (is_attn_v_like(c))
            s.n_attention_wv++;
        if (c == CAT_OUTPUT)
            s.tied_embeddings = 0;
    }
    qsort(order, n, sizeof *order, order_cmp);

    e = compile_overrides(&s, bad);
    for (size_t k = 0; k < n && e == SLIM_OK; k++) {
        slim_mix_tensor *t = &tensors[order[k].index];
        t->flags = 0;
        if (!allows_quantization(t, opt)) {
            t->type = t->src_type;
            continue;
        }
        t->flags |= SLIM_MIX_QUANTIZABLE;
        t->type = choose(&s, t, &t->flags);
        if (s.bad_layer) {
            if (bad)
                *bad = (int64_t)order[k].index;
            e = SLIM_ERR_SHAPE;
        }
        if (needs_imatrix(t->name, t->type))
            t->flags |= SLIM_MIX_NEEDS_IMATRIX;
    }
    free_overrides(&s);
    free(order);
    return e;
}
