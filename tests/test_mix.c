/*
 * Quantization mixes (slim_mix_plan): every tensor type llama-quantize chose
 * for the shared models, for every file type, must come out of the plan.
 * The references are the type tables in ../shared/data/models
 * (TYPES-all-models.txt, tensor-types.txt) and the synth-llama-a .tsv files
 * (which also give the real shapes). Then the rules' corners by hand: the
 * regex overrides, --pure, the fallbacks and the tensor order.
 */
#include "slim.h"
#include "tests/util.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* The shared models' shapes                                          */

typedef struct model_shape {
    const char *prefix;      /* the GGUF file names start with it */
    int n_layer, n_head, n_head_kv;
    int64_t embd, ff, kv, vocab;
} model_shape;

/* synth-llama-b's sizes are not published: only its types are. Any sizes
 * that are multiples of 256 give the same types (every K-quant fits). */
static const model_shape shapes[] = {
    { "synth-llama-a", 2, 4, 2, 256, 768, 128, 512 },
    { "synth-llama-b", 4, 4, 2, 256, 768, 128, 512 },
    { "stories260K", 5, 8, 4, 64, 172, 32, 512 },
};

static void shape_of(const model_shape *m, const char *name, slim_mix_tensor *t)
{
    t->n_dims = 2;
    t->ne[2] = t->ne[3] = 1;
    if (strstr(name, "_norm.weight")) {
        t->n_dims = 1;
        t->ne[0] = m->embd;
        t->ne[1] = 1;
    } else if (strstr(name, "token_embd") || strcmp(name, "output.weight") == 0) {
        t->ne[0] = m->embd;
        t->ne[1] = m->vocab;
    } else if (strstr(name, "attn_k.") || strstr(name, "attn_v.")) {
        t->ne[0] = m->embd;
        t->ne[1] = m->kv;
    } else if (strstr(name, "ffn_down")) {
        t->ne[0] = m->ff;
        t->ne[1] = m->embd;
    } else if (strstr(name, "ffn_")) {
        t->ne[0] = m->embd;
        t->ne[1] = m->ff;
    } else {
        t->ne[0] = m->embd;
        t->ne[1] = m->embd;
    }
}

/* One reference file: its tensors and the types llama.cpp gave them. */
typedef struct ref_file {
    char            file[256];
    int             ftype;
    const model_shape *model;
    size_t          n;
    char            names[64][SLIM_GGUF_MAX_NAME];
    slim_type       want[64];
    slim_mix_tensor t[64];
} ref_file;

static slim_type type_named(const char *s)
{
    slim_type t;
    cr_assert_eq(slim_type_from_name(s, &t), SLIM_OK, "type name %s", s);
    return t;
}

static void add_tensor(ref_file *r, const char *name, const char *type)
{
    cr_assert_lt(r->n, 64);
    snprintf(r->names[r->n], SLIM_GGUF_MAX_NAME, "%s", name);
    r->want[r->n] = type_named(type);
    r->n++;
}

/* Plans the file's tensors as llama-quantize was run for it and compares. */
static void check_plan(ref_file *r)
{
    const model_shape *m = r->model;
    int bf16 = strstr(r->file, "BF16") != NULL || strstr(r->file, "bf16") != NULL;
    for (size_t i = 0; i < r->n; i++) {
        slim_mix_tensor *t = &r->t[i];
        t->name = r->names[i];
        if (t->ne[0] == 0)   /* no shape read from a .tsv: the model's */
            shape_of(m, t->name, t);
        t->src_type = t->n_dims == 1 ? SLIM_TYPE_F32 : bf16 ? SLIM_TYPE_BF16 : SLIM_TYPE_F32;
    }
    slim_mix_model model = { "llama", m->n_layer, m->n_head, m->n_head_kv, 0 };
    slim_mix_override ffn_down_f16 = { "ffn_down", SLIM_TYPE_F16 };
    slim_mix_options opt = { .ftype = (slim_ftype)r->ftype };
    opt.has_imatrix = strstr(r->file, "imatrix") != NULL;
    if (strstr(r->file, "ffn_down-F16")) {
        opt.overrides = &ffn_down_f16;
        opt.n_overrides = 1;
    }
    int64_t bad = 0;
    cr_assert_eq(slim_mix_plan(&model, &opt, r->t, r->n, &bad), SLIM_OK, "%s", r->file);
    for (size_t i = 0; i < r->n; i++)
        cr_expect_eq(r->t[i].type, r->want[i], "%s: %s is %s, llama.cpp chose %s", r->file,
                     r->names[i], slim_type_get(r->t[i].type)->name,
                     slim_type_get(r->want[i])->name);
}

static const model_shape *model_of(const char *file)
{
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        if (strncmp(file, shapes[i].prefix, strlen(shapes[i].prefix)) == 0)
            return &shapes[i];
    return NULL;
}

/* Reads a type table ("## FILE ... general.file_type=N", then
 * "blk.N.x.weight  0:T 1:T" or "name  T" lines) and checks every file in it.
 * Returns the number of files checked. */
static int check_type_table(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    static ref_file r;
    int files = 0, open = 0;
    char line[1024];
    while (1) {
        char *got = fgets(line, sizeof line, f);
        if ((!got || strncmp(line, "## ", 3) == 0) && open) {
            check_plan(&r);
            files++;
            open = 0;
        }
        if (!got)
            break;
        if (strncmp(line, "## ", 3) == 0) {
            memset(&r, 0, sizeof r);
            const char *ft = strstr(line, "general.file_type=");
            cr_assert(ft && sscanf(line + 3, "%255s", r.file) == 1);
            r.ftype = atoi(ft + strlen("general.file_type="));
            r.model = model_of(r.file);
            cr_assert(r.model, "unknown model %s", r.file);
            open = 1;
            continue;
        }
        char name[128], rest[900];
        if (!open || sscanf(line, " %127s %899[^\n]", name, rest) != 2 ||
            strstr(line, "histogram"))
            continue;
        if (strncmp(name, "blk.N.", 6) == 0) {
            char *p = rest, *tok;
            while ((tok = strtok(p, " ")) != NULL) {
                p = NULL;
                char full[192];
                int layer = atoi(tok);
                snprintf(full, sizeof full, "blk.%d.%s", layer, name + 6);
                add_tensor(&r, full, strchr(tok, ':') + 1);
            }
        } else {
            add_tensor(&r, name, rest);
        }
    }
    fclose(f);
    return files;
}

static const char *data_path(char *buf, size_t size, const char *rel)
{
    const char *dir = test_data_dir();
    if (!dir)
        return NULL;
    snprintf(buf, size, "%s/%s", dir, rel);
    return buf;
}

/* Checks every file of a type table under the shared data; returns the count. */
static int check_shared_table(const char *rel)
{
    char path[4096];
    if (!data_path(path, sizeof path, rel))
        cr_skip_test("shared data absent (../shared/data)");
    return check_type_table(path);
}

Test(mix, synth_models_all_file_types)
{
    int n = check_shared_table("models/synth-llama-a/TYPES-all-models.txt");
    cr_assert_geq(n, 40, "checked %d files", n);
}

Test(mix, stories260K_fallbacks)
{
    int n = check_shared_table("models/stories260K-gguf-llamacpp/tensor-types.txt");
    cr_assert_eq(n, 7, "checked %d files", n);
}

/* The .tsv files carry the real shapes: the types follow from them too. */
Test(mix, synth_a_tsv_shapes)
{
    static const struct { const char *suffix; int ftype; } files[] = {
        { "Q2_K", 10 }, { "Q3_K_S", 11 }, { "Q3_K_M", 12 }, { "Q3_K_L", 13 },
        { "Q4_K_S", 14 }, { "Q4_K_M", 15 }, { "Q4_K_M-imatrix", 15 }, { "Q5_K_S", 16 },
        { "Q5_K_M", 17 }, { "Q6_K", 18 }, { "Q8_0", 7 }, { "Q4_0", 2 }, { "Q4_1", 3 },
        { "Q5_0", 8 }, { "Q5_1", 9 }, { "IQ4_NL", 25 }, { "IQ4_XS", 30 },
        { "IQ4_XS-imatrix", 30 }, { "BF16", 32 }, { "F32", 0 },
    };
    if (!test_data_dir())
        cr_skip_test("shared data absent (../shared/data)");
    static ref_file r;
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
        char rel[300], path[4096];
        snprintf(rel, sizeof rel, "models/synth-llama-a/gguf/synth-llama-a-%s.tsv",
                 files[k].suffix);
        FILE *f = fopen(data_path(path, sizeof path, rel), "r");
        cr_assert(f, "%s", path);
        memset(&r, 0, sizeof r);
        snprintf(r.file, sizeof r.file, "synth-llama-a-%s", files[k].suffix);
        r.ftype = files[k].ftype;
        r.model = &shapes[0];
        char line[1024];
        while (fgets(line, sizeof line, f)) {
            /* idx name type type_id ne(ne0xne1) ... */
            char *col[5], *save = NULL, *p = line;
            int nc = 0;
            for (; nc < 5 && (col[nc] = strtok_r(p, "\t\n", &save)) != NULL; nc++)
                p = NULL;
            if (nc < 5 || strcmp(col[0], "idx") == 0)
                continue;
            add_tensor(&r, col[1], col[2]);
            slim_mix_tensor *t = &r.t[r.n - 1];
            char *x = strchr(col[4], 'x');
            t->n_dims = x ? 2 : 1;
            t->ne[0] = atoll(col[4]);
            t->ne[1] = x ? atoll(x + 1) : 1;
            t->ne[2] = t->ne[3] = 1;
        }
        fclose(f);
        cr_assert_eq(r.n, 21, "%s", rel);
        /* check_plan keeps the shapes read here (ne[0] != 0) */
        for (size_t i = 0; i < r.n; i++)
            r.t[i].name = r.names[i];
        check_plan(&r);
    }
}

/* ------------------------------------------------------------------ */
/* Rules by hand                                                       */

static slim_type plan_one(const slim_mix_options *opt, const char *name, int64_t cols,
                          unsigned *flags)
{
    slim_mix_tensor t[2] = {
        { .name = name, .n_dims = 2, .ne = { cols, 512, 1, 1 }, .src_type = SLIM_TYPE_F32 },
        { .name = "output.weight", .n_dims = 2, .ne = { 256, 512, 1, 1 },
          .src_type = SLIM_TYPE_F32 },
    };
    slim_mix_model m = { "llama", 32, 32, 8, 0 };
    cr_assert_eq(slim_mix_plan(&m, opt, t, 2, NULL), SLIM_OK);
    if (flags)
        *flags = t[0].flags;
    return t[0].type;
}

Test(mix, ftype_names)
{
    slim_ftype ft;
    cr_assert_eq(slim_ftype_from_name("q4_k_m", &ft), SLIM_OK);
    cr_assert_eq(ft, SLIM_FTYPE_Q4_K_M);
    cr_assert_eq(slim_ftype_from_name("Q4_K", &ft), SLIM_OK);
    cr_assert_eq(ft, SLIM_FTYPE_Q4_K_M);
    cr_assert_eq(slim_ftype_from_name("MXFP4", &ft), SLIM_OK);
    cr_assert_eq(ft, 38);
    cr_assert_eq(slim_ftype_from_name("IQ2_XXS", &ft), SLIM_ERR_NOT_FOUND);
    cr_assert_str_eq(slim_ftype_name(SLIM_FTYPE_IQ4_XS), "IQ4_XS");
    cr_assert_null(slim_ftype_name((slim_ftype)4));
    cr_assert_eq(slim_ftype_default_type(SLIM_FTYPE_Q3_K_L), SLIM_TYPE_Q3_K);
    cr_assert_eq(slim_ftype_default_type(SLIM_FTYPE_BF16), SLIM_TYPE_BF16);
}

Test(mix, overrides_regex)
{
    slim_mix_override ov[] = {
        { "blk\\.[0-2]\\.FFN_(up|down)", SLIM_TYPE_Q8_0 },   /* lowercased, as llama-quantize */
        { "^blk\\.\\d{2}\\.attn_[kq]\\.", SLIM_TYPE_Q5_K },
        { "attn_v", SLIM_TYPE_IQ4_NL },
    };
    slim_mix_options opt = { .ftype = SLIM_FTYPE_Q4_K_S, .overrides = ov, .n_overrides = 3 };
    unsigned fl;
    cr_expect_eq(plan_one(&opt, "blk.1.ffn_down.weight", 256, &fl), SLIM_TYPE_Q8_0);
    cr_expect(fl & SLIM_MIX_OVERRIDDEN);
    cr_expect_eq(plan_one(&opt, "blk.3.ffn_up.weight", 256, NULL), SLIM_TYPE_Q4_K);
    cr_expect_eq(plan_one(&opt, "blk.12.attn_k.weight", 256, NULL), SLIM_TYPE_Q5_K);
    cr_expect_eq(plan_one(&opt, "blk.2.attn_q.weight", 256, NULL), SLIM_TYPE_Q4_K);
    cr_expect_eq(plan_one(&opt, "blk.7.attn_v.weight", 256, NULL), SLIM_TYPE_IQ4_NL);
    /* an overridden type still falls back on an unfit row */
    cr_expect_eq(plan_one(&opt, "blk.1.ffn_down.weight", 100, &fl), SLIM_TYPE_F16);
    cr_expect(fl & SLIM_MIX_F16_BEYOND);

    slim_mix_override broken = { "ffn_(down", SLIM_TYPE_Q8_0 };
    opt.overrides = &broken;
    opt.n_overrides = 1;
    slim_mix_tensor t = { .name = "x.weight", .n_dims = 2, .ne = { 32, 32, 1, 1 } };
    slim_mix_model m = { "llama", 1, 1, 1, 0 };
    int64_t bad = 0;
    cr_assert_eq(slim_mix_plan(&m, &opt, &t, 1, &bad), SLIM_ERR_CORRUPT);
    cr_assert_eq(bad, -1);
}

Test(mix, regex_subset)
{
    static const struct { const char *pat, *name; int match; } cases[] = {
        { "ffn", "blk.0.ffn_up.weight", 1 },
        { "^ffn", "blk.0.ffn_up.weight", 0 },
        { "weight$", "blk.0.ffn_up.weight", 1 },
        { "blk\\.(1|12)\\.", "blk.12.attn_v.weight", 1 },
        { "blk\\.(1|12)\\.", "blk.2.attn_v.weight", 0 },
        { "blk\\.[13579]\\.", "blk.3.weight", 1 },
        { "blk\\.[^13579]\\.", "blk.3.weight", 0 },
        { "blk\\.\\d+\\.attn", "blk.123.attn_k.weight", 1 },
        { "a{2,3}b", "xaab.weight", 1 },
        { "a{2,3}b", "xab.weight", 0 },
        { "^a{0,2}b", "aaab.weight", 0 },
        { "^(ab)*c\\.weight$", "ababc.weight", 1 },
        { "^(ab)+c", "c.weight", 0 },
        { "x{", "x{.weight", 1 },
        { "[a-c]{3}\\.w", "cab.weight", 1 },
        { "(?:q|k|v)\\.weight", "attn_k.weight", 1 },
        { "attn_(?:q|o)\\.", "attn_k.weight", 0 },
        { "(a*)*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaweight", 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        slim_mix_override ov = { cases[i].pat, SLIM_TYPE_Q8_0 };
        slim_mix_options opt = { .ftype = SLIM_FTYPE_Q4_0, .overrides = &ov, .n_overrides = 1 };
        slim_mix_tensor t = { .name = cases[i].name, .n_dims = 2, .ne = { 32, 32, 1, 1 } };
        slim_mix_model m = { "llama", 1, 1, 1, 0 };
        slim_error e = slim_mix_plan(&m, &opt, &t, 1, NULL);
        cr_assert_eq(e, SLIM_OK, "pattern %s", cases[i].pat);
        int got = (t.flags & SLIM_MIX_OVERRIDDEN) != 0;
        /* the pathological pattern may give up; it must not hang */
        if (i + 1 < sizeof cases / sizeof cases[0])
            cr_expect_eq(got, cases[i].match, "%s on %s", cases[i].pat, cases[i].name);
    }
}

Test(mix, pure_and_fallbacks)
{
    slim_mix_options opt = { .ftype = SLIM_FTYPE_Q4_K_M };
    unsigned fl;
    /* K-quant fallbacks: Q4_K -> Q5_0, Q6_K -> Q8_0, then F16 */
    cr_expect_eq(plan_one(&opt, "blk.0.attn_q.weight", 96, &fl), SLIM_TYPE_Q5_0);
    cr_expect_eq(fl & (SLIM_MIX_FALLBACK | SLIM_MIX_F16_BEYOND), SLIM_MIX_FALLBACK);
    cr_expect_eq(plan_one(&opt, "blk.0.attn_q.weight", 100, &fl), SLIM_TYPE_F16);
    cr_expect_eq(fl & SLIM_MIX_F16_BEYOND, 0u);   /* llama.cpp does this itself */
    opt.ftype = SLIM_FTYPE_Q5_K_S;
    cr_expect_eq(plan_one(&opt, "blk.0.attn_q.weight", 96, NULL), SLIM_TYPE_Q5_1);
    opt.ftype = SLIM_FTYPE_Q2_K;
    cr_expect_eq(plan_one(&opt, "blk.0.attn_q.weight", 96, NULL), SLIM_TYPE_Q4_0);
    opt.ftype = SLIM_FTYPE_IQ4_XS;
    cr_expect_eq(plan_one(&opt, "blk.0.attn_q.weight", 96, NULL), SLIM_TYPE_IQ4_NL);
    /* no fallback for Q8_0 in llama.cpp: slim uses F16 and says so */
    opt.ftype = SLIM_FTYPE_Q8_0;
    cr_expect_eq(plan_one(&opt, "blk.0.ffn_down.weight", 172, &fl), SLIM_TYPE_F16);
    cr_expect(fl & SLIM_MIX_F16_BEYOND);
    /* --pure: one type everywhere, output and token_embd included */
    opt.ftype = SLIM_FTYPE_Q4_K_M;
    opt.pure = 1;
    cr_expect_eq(plan_one(&opt, "blk.0.attn_v.weight", 256, NULL), SLIM_TYPE_Q4_K);
    cr_expect_eq(plan_one(&opt, "output.weight", 256, NULL), SLIM_TYPE_Q4_K);
    cr_expect_eq(plan_one(&opt, "blk.0.attn_v.weight", 96, &fl), SLIM_TYPE_F16);
    cr_expect(fl & SLIM_MIX_F16_BEYOND);
    /* output and token_embd options; --leave-output-tensor */
    opt.pure = 0;
    opt.set_token_embd_type = 1;
    opt.token_embd_type = SLIM_TYPE_Q8_0;
    opt.set_output_type = 1;
    opt.output_type = SLIM_TYPE_F16;
    cr_expect_eq(plan_one(&opt, "token_embd.weight", 256, NULL), SLIM_TYPE_Q8_0);
    cr_expect_eq(plan_one(&opt, "output.weight", 256, NULL), SLIM_TYPE_F16);
    opt.set_output_type = 0;
    opt.leave_output = 1;
    cr_expect_eq(plan_one(&opt, "output.weight", 256, &fl), SLIM_TYPE_F32);
    cr_expect_eq(fl, 0u);
    /* norms and 1-D tensors are never quantized */
    opt.leave_output = 0;
    cr_expect_eq(plan_one(&opt, "blk.0.attn_norm.weight", 256, NULL), SLIM_TYPE_F32);
    cr_expect_eq(plan_one(&opt, "blk.0.attn_q.bias", 256, NULL), SLIM_TYPE_F32);
}

Test(mix, gqa_70b_and_experts)
{
    /* Q2_K attn_v: Q4_K when 4+ query heads share a KV head */
    slim_mix_options opt = { .ftype = SLIM_FTYPE_Q2_K };
    cr_expect_eq(plan_one(&opt, "blk.0.attn_v.weight", 256, NULL), SLIM_TYPE_Q4_K);
    /* 70B: attn_v of Q4_K_S gets Q5_K in every layer */
    slim_mix_tensor t[80];
    char names[80][32];
    for (int i = 0; i < 80; i++) {
        snprintf(names[i], sizeof names[i], "blk.%d.attn_v.weight", i);
        t[i] = (slim_mix_tensor){ .name = names[i], .n_dims = 2, .ne = { 8192, 1024, 1, 1 } };
    }
    slim_mix_model m = { "llama", 80, 64, 8, 0 };
    opt.ftype = SLIM_FTYPE_Q3_K_S;
    cr_assert_eq(slim_mix_plan(&m, &opt, t, 80, NULL), SLIM_OK);
    for (int i = 0; i < 80; i++)
        cr_expect_eq(t[i].type, SLIM_TYPE_Q5_K, "layer %d", i);
    /* 8 experts: attn_v and attn_k Q8_0, MoE layers read from names */
    m.n_layer = 2;
    m.n_expert = 8;
    slim_mix_tensor e[3] = {
        { .name = "blk.1.ffn_down_exps.weight", .n_dims = 3, .ne = { 256, 256, 8, 1 } },
        { .name = "blk.0.attn_k.weight", .n_dims = 2, .ne = { 256, 256, 1, 1 } },
        { .name = "blk.7.ffn_down_exps.weight", .n_dims = 3, .ne = { 256, 256, 8, 1 } },
    };
    opt.ftype = SLIM_FTYPE_Q4_K_M;
    int64_t bad = 0;
    cr_assert_eq(slim_mix_plan(&m, &opt, e, 3, &bad), SLIM_ERR_SHAPE);
    cr_assert_eq(bad, 2);
    cr_assert_eq(slim_mix_plan(&m, &opt, e, 2, NULL), SLIM_OK);
    cr_expect_eq(e[0].type, SLIM_TYPE_Q6_K);   /* layer 1 of 2: use_more_bits */
    cr_expect_eq(e[1].type, SLIM_TYPE_Q8_0);
    opt.ftype = SLIM_FTYPE_MXFP4_MOE;
    cr_assert_eq(slim_mix_plan(&m, &opt, e, 2, NULL), SLIM_OK);
    cr_expect_eq(e[0].type, SLIM_TYPE_MXFP4);
    cr_expect_eq(e[1].type, SLIM_TYPE_Q8_0);
}

Test(mix, name_order)
{
    cr_expect_lt(slim_mix_compare_names("output.weight", "blk.0.attn_k.weight"), 0);
    cr_expect_lt(slim_mix_compare_names("output.weight", "token_embd.weight"), 0);
    cr_expect_lt(slim_mix_compare_names("blk.2.ffn_up.weight", "blk.10.attn_k.weight"), 0);
    cr_expect_lt(slim_mix_compare_names("blk.2.attn_v.weight", "blk.2.ffn_up.weight"), 0);
    cr_expect_eq(slim_mix_compare_names("blk.2.x", "blk.2.x"), 0);
}
