/*
 * Model conversion tests: a tiny Llama folder built here (un-permuted Q/K
 * rows, tensor types and order, each bad input's error and message, no
 * output left behind), and the shared models against the files llama.cpp
 * made from them (../shared/data/models).
 */
#include "slim.h"
#include "tests/util.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- a tiny Llama folder: hidden 32, 4 heads of 8, 2 KV heads, ff 64 ---- */

enum { HID = 32, NH = 4, NKV = 2, HD = 8, FF = 64, VOC = 16 };

typedef struct tiny_tensor {
    const char *name;
    int64_t rows, cols;   /* cols 0: a vector of `rows` values */
} tiny_tensor;

static const tiny_tensor tiny[] = {
    { "lm_head.weight", VOC, HID },
    { "model.embed_tokens.weight", VOC, HID },
    { "model.layers.0.input_layernorm.weight", HID, 0 },
    { "model.layers.0.mlp.down_proj.weight", HID, FF },
    { "model.layers.0.mlp.gate_proj.weight", FF, HID },
    { "model.layers.0.mlp.up_proj.weight", FF, HID },
    { "model.layers.0.post_attention_layernorm.weight", HID, 0 },
    { "model.layers.0.self_attn.k_proj.weight", NKV * HD, HID },
    { "model.layers.0.self_attn.o_proj.weight", HID, NH * HD },
    { "model.layers.0.self_attn.q_proj.weight", NH * HD, HID },
    { "model.layers.0.self_attn.v_proj.weight", NKV * HD, HID },
    { "model.norm.weight", HID, 0 },
};
#define N_TINY (sizeof tiny / sizeof tiny[0])

static char dir[128];

/* Tensors a test adds to the tiny folder (Qwen's biases and norms). */
static const tiny_tensor *extra;
static size_t n_extra;
/* JSON members a test adds to config.json (starting with a comma). */
static const char *extra_config = "";

/* Value of element (r, c) of tensor i: exact in float32 and unique. */
static float tiny_value(size_t i, int64_t r, int64_t c)
{
    return (float)((int64_t)i * 10000 + r * 100 + c) * 0.25f;
}

/* Writes the folder; `arch` and `vocab` go into config.json, `skip` names
 * a tensor left out, `nan_in` one that gets a NaN at (1, 2). */
static void make_tiny(const char *arch, int vocab, const char *skip, const char *nan_in)
{
    snprintf(dir, sizeof dir, "/tmp/slim-test-convert-%d", (int)getpid());
    char path[512];
    snprintf(path, sizeof path, "rm -rf %s && mkdir -p %s", dir, dir);
    cr_assert(system(path) == 0);
    snprintf(path, sizeof path, "%s/config.json", dir);
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fprintf(f, "{\"architectures\": [\"%s\"], \"hidden_size\": %d, \"intermediate_size\": %d,"
               " \"num_attention_heads\": %d, \"num_key_value_heads\": %d,"
               " \"num_hidden_layers\": 1, \"vocab_size\": %d, \"rms_norm_eps\": 1e-06,"
               " \"rope_theta\": 500000.0, \"max_position_embeddings\": 128,"
               " \"tie_word_embeddings\": false%s}\n", arch, HID, FF, NH, NKV, vocab,
            extra_config);
    fclose(f);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    slim_st_writer *w;
    cr_assert_eq(slim_st_writer_open(path, &w), SLIM_OK);
    for (size_t i = 0; i < N_TINY + n_extra; i++) {
        const tiny_tensor *t = i < N_TINY ? &tiny[i] : &extra[i - N_TINY];
        if (skip && !strcmp(skip, t->name))
            continue;
        int64_t shape[2] = { t->rows, t->cols };
        cr_assert_eq(slim_st_writer_add_tensor(w, t->name, SLIM_DTYPE_F32, t->cols ? 2 : 1,
                                               shape), SLIM_OK);
    }
    for (size_t i = 0; i < N_TINY + n_extra; i++) {
        const tiny_tensor *t = i < N_TINY ? &tiny[i] : &extra[i - N_TINY];
        if (skip && !strcmp(skip, t->name))
            continue;
        int64_t cols = t->cols ? t->cols : 1;
        for (int64_t r = 0; r < t->rows; r++)
            for (int64_t c = 0; c < cols; c++) {
                float v = tiny_value(i, r, c);
                if (nan_in && !strcmp(nan_in, t->name) && r == 1 && c == 2)
                    v = NAN;
                cr_assert_eq(slim_st_writer_write(w, &v, 4), SLIM_OK);
            }
    }
    cr_assert_eq(slim_st_writer_finish(w), SLIM_OK);
}

static void remove_tiny(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert(system(cmd) == 0);
}

static slim_error plan(const char *type, int pure, slim_convert **c, char *msg)
{
    /* the tiny folder has no tokenizer */
    slim_convert_options o = { .type = type, .pure = pure, .threads = 2, .no_tokenizer = 1 };
    return slim_convert_plan(dir, &o, c, msg, 512);
}

static const slim_gguf_tensor *find(const slim_gguf *g, const char *name)
{
    const slim_gguf_tensor *t = slim_gguf_find_tensor(g, name);
    cr_assert(t, "no tensor %s", name);
    return t;
}

Test(convert, llama_f32_unpermutes_q_and_k)
{
    make_tiny("LlamaForCausalLM", VOC, NULL, NULL);
    slim_convert *c;
    char msg[512], out[300];
    cr_assert_eq(plan("F32", 0, &c, msg), SLIM_OK, "%s", msg);
    cr_assert_eq(slim_convert_tensor_count(c), N_TINY);
    /* the converter's order: the checkpoint's names sorted */
    cr_assert_str_eq(slim_convert_tensor_at(c, 0)->name, "output.weight");
    cr_assert_str_eq(slim_convert_tensor_at(c, 2)->name, "blk.0.attn_norm.weight");
    snprintf(out, sizeof out, "%s/out.gguf", dir);
    cr_assert_eq(slim_convert_write(c, out, NULL, NULL, msg, sizeof msg), SLIM_OK, "%s", msg);
    slim_convert_free(c);

    slim_gguf *g;
    cr_assert_eq(slim_gguf_open(out, &g, NULL), SLIM_OK);
    uint64_t u;
    cr_assert_eq(slim_gguf_get_uint(g, "llama.attention.head_count_kv", &u), SLIM_OK);
    cr_assert_eq(u, NKV);
    cr_assert_eq(slim_gguf_get_uint(g, "llama.rope.dimension_count", &u), SLIM_OK);
    cr_assert_eq(u, HD);
    /* q: per head, rows [0..4) and [4..8) interleave: out 2i <- i, 2i+1 <- 4+i */
    const struct { const char *name; size_t src; int heads; } qk[] = {
        { "blk.0.attn_q.weight", 9, NH }, { "blk.0.attn_k.weight", 7, NKV },
    };
    for (int k = 0; k < 2; k++) {
        const slim_gguf_tensor *t = find(g, qk[k].name);
        const float *d = t->data;
        for (int64_t r = 0; r < t->ne[1]; r++) {
            int64_t h = r / HD, j = r % HD;
            int64_t src = h * HD + (j % 2) * (HD / 2) + j / 2;
            for (int64_t col = 0; col < HID; col++)
                cr_assert_eq(d[r * HID + col], tiny_value(qk[k].src, src, col),
                             "%s row %lld col %lld", qk[k].name, (long long)r, (long long)col);
        }
    }
    /* v is copied as is */
    const float *v = find(g, "blk.0.attn_v.weight")->data;
    cr_assert_eq(v[3 * HID + 5], tiny_value(10, 3, 5));
    slim_gguf_close(g);
    remove_tiny();
}

Test(convert, q8_0_and_pure_types)
{
    make_tiny("MistralForCausalLM", VOC, NULL, NULL);
    slim_convert *c;
    char msg[512];
    cr_assert_eq(plan("Q8_0", 0, &c, msg), SLIM_OK, "%s", msg);
    for (uint64_t i = 0; i < slim_convert_tensor_count(c); i++) {
        const slim_convert_tensor *t = slim_convert_tensor_at(c, i);
        slim_type want = t->n_dims == 1 ? SLIM_TYPE_F32 : SLIM_TYPE_Q8_0;
        cr_assert_eq(t->type, want, "%s", t->name);
    }
    cr_assert_eq(slim_convert_get_info(c)->file_type, 7);
    slim_convert_free(c);
    /* pure q4_K: 32-column rows are not whole 256-blocks, and llama.cpp
     * has no fallback with --pure: F16, reported */
    cr_assert_eq(plan("q4_K", 1, &c, msg), SLIM_OK, "%s", msg);
    const slim_convert_tensor *t = slim_convert_tensor_at(c, 0);
    cr_assert_str_eq(t->name, "output.weight"); /* llama-quantize's order */
    cr_assert_eq(t->type, SLIM_TYPE_F16);
    cr_assert(t->fallback);
    cr_assert_eq(slim_convert_get_info(c)->file_type, 15);
    slim_convert_free(c);
    /* the Q4_K_M mix: llama.cpp's fallback for 32 columns is Q5_0, and
     * output.weight gets Q6_K -> Q8_0 */
    cr_assert_eq(plan("Q4_K_M", 0, &c, msg), SLIM_OK, "%s", msg);
    cr_assert_eq(slim_convert_tensor_at(c, 0)->type, SLIM_TYPE_Q8_0);
    cr_assert_str_eq(slim_convert_tensor_at(c, 3)->name, "blk.0.attn_k.weight");
    cr_assert_eq(slim_convert_tensor_at(c, 3)->type, SLIM_TYPE_Q5_0);
    slim_convert_free(c);
    cr_assert_eq(plan("F64", 0, &c, msg), SLIM_ERR_INVALID_ARG);
    remove_tiny();
}

Test(convert, qwen_names_and_keys)
{
    static const tiny_tensor qwen[] = {
        { "model.layers.0.self_attn.k_norm.weight", HD, 0 },
        { "model.layers.0.self_attn.q_norm.weight", HD, 0 },
        { "model.layers.0.self_attn.q_proj.bias", NH * HD, 0 },
    };
    extra = qwen;
    n_extra = 3;
    make_tiny("Qwen3ForCausalLM", VOC, NULL, NULL);
    n_extra = 0;
    slim_convert *c;
    char msg[512], out[300];
    cr_assert_eq(plan("F16", 0, &c, msg), SLIM_OK, "%s", msg);
    cr_assert_str_eq(slim_convert_get_info(c)->arch, "qwen3");
    snprintf(out, sizeof out, "%s/out.gguf", dir);
    cr_assert_eq(slim_convert_write(c, out, NULL, NULL, msg, sizeof msg), SLIM_OK, "%s", msg);
    slim_convert_free(c);
    slim_gguf *g;
    cr_assert_eq(slim_gguf_open(out, &g, NULL), SLIM_OK);
    /* norms and biases F32, not permuted (only Llama is) */
    cr_assert_eq(find(g, "blk.0.attn_q_norm.weight")->type, SLIM_TYPE_F32);
    const slim_gguf_tensor *b = find(g, "blk.0.attn_q.bias");
    cr_assert_eq(b->type, SLIM_TYPE_F32);
    cr_assert_eq(((const float *)b->data)[1], tiny_value(N_TINY + 2, 1, 0));
    cr_assert_eq(find(g, "blk.0.attn_q.weight")->type, SLIM_TYPE_F16);
    double f;
    uint64_t u;
    cr_assert_eq(slim_gguf_get_float(g, "qwen3.rope.freq_base", &f), SLIM_OK);
    cr_assert_eq(f, 500000.0);
    cr_assert_eq(slim_gguf_get_uint(g, "qwen3.block_count", &u), SLIM_OK);
    cr_assert_eq(u, 1);
    /* the converter writes no vocab_size for Qwen */
    cr_assert_null(slim_gguf_find_kv(g, "qwen3.vocab_size"));
    slim_gguf_close(g);
    remove_tiny();
}

Test(convert, llama3_rope_freqs)
{
    extra_config = ", \"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0,"
                   " \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0,"
                   " \"original_max_position_embeddings\": 8192}";
    make_tiny("LlamaForCausalLM", VOC, NULL, NULL);
    extra_config = "";
    slim_convert *c;
    char msg[512];
    cr_assert_eq(plan("F32", 0, &c, msg), SLIM_OK, "%s", msg);
    /* generated first, as generate_extra_tensors() runs first */
    const slim_convert_tensor *t = slim_convert_tensor_at(c, 0);
    cr_assert_str_eq(t->name, "rope_freqs.weight");
    cr_assert_eq(t->ne[0], HD / 2);
    char out[300];
    snprintf(out, sizeof out, "%s/out.gguf", dir);
    cr_assert_eq(slim_convert_write(c, out, NULL, NULL, msg, sizeof msg), SLIM_OK, "%s", msg);
    slim_convert_free(c);
    slim_gguf *g;
    cr_assert_eq(slim_gguf_open(out, &g, NULL), SLIM_OK);
    const float *f = find(g, "rope_freqs.weight")->data;
    for (int i = 0; i < HD / 2; i++) {
        /* the converter's formula in double: wavelengths below 2048 keep 1,
         * above 8192 get the factor, in between a smooth mix */
        double freq = 1.0 / pow(500000.0, 2.0 * i / HD), wl = 2 * M_PI / freq, want;
        if (wl < 2048)
            want = 1;
        else if (wl > 8192)
            want = 8;
        else {
            double sm = (8192 / wl - 1) / 3;
            want = 1 / ((1 - sm) / 8 + sm);
        }
        cr_assert_float_eq(f[i], want, 1e-5 * want, "rope_freqs[%d] = %g, want %g", i, f[i],
                           want);
    }
    slim_gguf_close(g);
    remove_tiny();
}

static void assert_kv_str(const slim_gguf *g, const char *key, const char *want)
{
    slim_string v;
    cr_assert_eq(slim_gguf_get_str(g, key, &v), SLIM_OK, "no %s", key);
    cr_assert(v.len == strlen(want) && !memcmp(v.data, want, v.len), "%s = '%.*s', want '%s'",
              key, (int)v.len, v.data, want);
}

Test(convert, general_names_as_the_converter)
{
    /* known answers of gguf-py's get_model_id_components: _name_or_path
     * gives the name, organization, basename and (a size far from the
     * parameter count) finetune; the folder's name fills version and size */
    extra_config = ", \"_name_or_path\": \"meta-llama/Llama-3.2-1B\"";
    make_tiny("LlamaForCausalLM", VOC, NULL, NULL);
    extra_config = "";
    char parent[160], moved[200], cmd[800], out[300], msg[512];
    snprintf(parent, sizeof parent, "%s-names", dir);
    snprintf(moved, sizeof moved, "%s/Mixtral-8x7B-v0.1", parent);
    snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir %s && mv %s %s", parent, parent, dir, moved);
    cr_assert(system(cmd) == 0);
    slim_convert_options o = { .type = "F32", .no_tokenizer = 1 };
    slim_convert *c;
    cr_assert_eq(slim_convert_plan(moved, &o, &c, msg, sizeof msg), SLIM_OK, "%s", msg);
    snprintf(out, sizeof out, "%s/out.gguf", parent);
    cr_assert_eq(slim_convert_write(c, out, NULL, NULL, msg, sizeof msg), SLIM_OK, "%s", msg);
    slim_convert_free(c);
    slim_gguf *g;
    cr_assert_eq(slim_gguf_open(out, &g, NULL), SLIM_OK);
    static const char *const want[][2] = {
        { "general.name", "Llama 3.2 1B" }, { "general.version", "v0.1" },
        { "general.organization", "Meta Llama" }, { "general.finetune", "1b" },
        { "general.basename", "Llama-3.2" }, { "general.size_label", "8x7B" },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        assert_kv_str(g, want[i][0], want[i][1]);
        /* in the converter's order, after architecture and type */
        cr_assert_eq(slim_gguf_find_kv(g, want[i][0]), slim_gguf_kv_at(g, 2 + i));
    }
    slim_gguf_close(g);
    snprintf(cmd, sizeof cmd, "rm -rf %s", parent);
    cr_assert(system(cmd) == 0);
}

Test(convert, bad_inputs_are_named)
{
    slim_convert *c;
    char msg[512];
    make_tiny("GPTNeoXForCausalLM", VOC, NULL, NULL);
    cr_assert_eq(plan("F16", 0, &c, msg), SLIM_ERR_UNSUPPORTED);
    cr_assert(strstr(msg, "GPTNeoXForCausalLM") && strstr(msg, "Qwen2ForCausalLM"), "%s", msg);

    make_tiny("LlamaForCausalLM", VOC + 1, NULL, NULL);
    cr_assert_eq(plan("F16", 0, &c, msg), SLIM_ERR_SHAPE);
    cr_assert(strstr(msg, "lm_head.weight") && strstr(msg, "[17, 32]"), "%s", msg);

    make_tiny("LlamaForCausalLM", VOC, "model.layers.0.mlp.up_proj.weight", NULL);
    cr_assert_eq(plan("F16", 0, &c, msg), SLIM_ERR_NOT_FOUND);
    cr_assert(strstr(msg, "blk.0.ffn_up.weight"), "%s", msg);

    char path[300];
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    unlink(path);
    cr_assert_eq(plan("F16", 0, &c, msg), SLIM_ERR_NOT_FOUND);
    cr_assert(strstr(msg, "model.safetensors"), "%s", msg);

    make_tiny("LlamaForCausalLM", VOC, NULL, "model.layers.0.self_attn.q_proj.weight");
    cr_assert_eq(plan("BF16", 0, &c, msg), SLIM_OK, "%s", msg);
    snprintf(path, sizeof path, "%s/out.gguf", dir);
    cr_assert_eq(slim_convert_write(c, path, NULL, NULL, msg, sizeof msg), SLIM_ERR_NONFINITE);
    cr_assert(strstr(msg, "q_proj") && strstr(msg, "row 1, column 2"), "%s", msg);
    slim_convert_free(c);
    cr_assert_neq(access(path, F_OK), 0, "output left behind");
    char cmd[400];
    snprintf(cmd, sizeof cmd, "test $(ls -A %s | wc -l) -eq 2", dir);
    cr_assert(system(cmd) == 0, "a temporary file was left behind");

    /* a cancel flag (set by a signal handler) stops the write cleanly */
    make_tiny("LlamaForCausalLM", VOC, NULL, NULL);
    static volatile int stop = 1;
    slim_convert_options o = { .type = "F16", .no_tokenizer = 1, .cancel = &stop };
    cr_assert_eq(slim_convert_plan(dir, &o, &c, msg, sizeof msg), SLIM_OK, "%s", msg);
    cr_assert_eq(slim_convert_write(c, path, NULL, NULL, msg, sizeof msg), SLIM_ERR_IO);
    cr_assert_eq(errno, EINTR);
    slim_convert_free(c);
    cr_assert(system(cmd) == 0, "a temporary file was left behind after a cancel");
    remove_tiny();
}

/* ---- the shared models against llama.cpp's files ---- */

static void assert_same_tensors(const char *ours, const char *ref)
{
    slim_gguf *a, *b;
    cr_assert_eq(slim_gguf_open(ours, &a, NULL), SLIM_OK);
    cr_assert_eq(slim_gguf_open(ref, &b, NULL), SLIM_OK, "%s", ref);
    cr_assert_eq(slim_gguf_tensor_count(a), slim_gguf_tensor_count(b));
    for (uint64_t i = 0; i < slim_gguf_tensor_count(b); i++) {
        const slim_gguf_tensor *y = slim_gguf_tensor_at(b, i);
        const slim_gguf_tensor *x = slim_gguf_tensor_at(a, i);
        cr_assert_str_eq(x->name, y->name, "tensor %llu", (unsigned long long)i);
        cr_assert_eq(x->type, y->type, "%s", y->name);
        cr_assert_eq(memcmp(x->ne, y->ne, sizeof x->ne), 0, "%s", y->name);
        cr_assert_eq(x->size, y->size, "%s", y->name);
        cr_assert_eq(memcmp(x->data, y->data, y->size), 0, "%s bytes differ", y->name);
    }
    /* every scalar entry, in order, with the same value bytes (arrays are
     * checked by the whole-file comparison) */
    cr_assert_eq(slim_gguf_kv_count(a), slim_gguf_kv_count(b));
    for (uint64_t i = 0; i < slim_gguf_kv_count(b); i++) {
        const slim_gguf_kv *y = slim_gguf_kv_at(b, i);
        const slim_gguf_kv *x = slim_gguf_kv_at(a, i);
        cr_assert(x->key.len == y->key.len && !memcmp(x->key.data, y->key.data, y->key.len),
                  "entry %llu: %.*s", (unsigned long long)i, (int)y->key.len, y->key.data);
        cr_assert_eq(x->type, y->type);
        slim_string s, t;
        if (y->type == SLIM_GGUF_STRING) {
            cr_assert_eq(slim_gguf_kv_str(a, x, 0, &s), SLIM_OK);
            cr_assert_eq(slim_gguf_kv_str(b, y, 0, &t), SLIM_OK);
            cr_assert(s.len == t.len && !memcmp(s.data, t.data, s.len), "%.*s: '%.*s'",
                      (int)y->key.len, y->key.data, (int)s.len, s.data);
        } else if (y->type != SLIM_GGUF_ARRAY) {
            size_t n = y->type == SLIM_GGUF_U64 || y->type == SLIM_GGUF_F64 ? 8 : 4;
            if (y->type == SLIM_GGUF_BOOL || y->type == SLIM_GGUF_U8)
                n = 1;
            cr_assert_eq(memcmp(slim_gguf_kv_data(a, x), slim_gguf_kv_data(b, y), n), 0,
                         "%.*s", (int)y->key.len, y->key.data);
        }
    }
    slim_gguf_close(a);
    slim_gguf_close(b);
}

/* The tensors first (for a message naming what differs), then every byte:
 * metadata, tokenizer and layout included. */
static void assert_same_file(const char *ours, const char *ref)
{
    assert_same_tensors(ours, ref);
    size_t na, nb;
    void *a = test_read_file(ours, &na), *b = test_read_file(ref, &nb);
    cr_assert(a && b);
    cr_assert(na == nb && !memcmp(a, b, na), "%s differs from %s", ours, ref);
    free(a);
    free(b);
}

/* Converts `in` to `out` and compares the file with llama.cpp's `ref`. */
static void convert_matches(const char *in, const slim_convert_options *o, const char *out,
                            const char *ref)
{
    slim_convert *c;
    char msg[512];
    cr_assert_eq(slim_convert_plan(in, o, &c, msg, sizeof msg), SLIM_OK, "%s", msg);
    cr_assert_eq(slim_convert_write(c, out, NULL, NULL, msg, sizeof msg), SLIM_OK, "%s", msg);
    slim_convert_free(c);
    assert_same_file(out, ref);
}

static const char *models_dir(char *buf, size_t cap)
{
    const char *root = test_data_dir();
    if (!root)
        cr_skip("shared data not found (set SLIM_SHARED_DATA or provide ../shared/data)");
    snprintf(buf, cap, "%s/models", root);
    return buf;
}

Test(convert, stories260K_matches_llamacpp)
{
    /* convert_hf_to_gguf.py's files, byte for byte (tokenizer included) */
    char m[256], in[512], ref[512], out[300];
    models_dir(m, sizeof m);
    static const struct { const char *folder, *type, *ref; } cases[] = {
        { "stories260K-hf", "F32", "stories260K-hf-convert_hf_to_gguf-f32.gguf" },
        { "stories260K-hf-sharded", "F32", "stories260K-hf-sharded-convert_hf_to_gguf-f32.gguf" },
        { "stories260K-hf-bf16", "BF16", "stories260K-hf-bf16-convert_hf_to_gguf-bf16.gguf" },
        { "stories260K-hf", "Q8_0", "stories260K-hf-convert_hf_to_gguf-q8_0.gguf" },
    };
    snprintf(out, sizeof out, "/tmp/slim-test-convert-%d.gguf", (int)getpid());
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(in, sizeof in, "%s/%s", m, cases[i].folder);
        snprintf(ref, sizeof ref, "%s/stories260K-gguf-llamacpp/%s", m, cases[i].ref);
        slim_convert_options o = { .type = cases[i].type };
        convert_matches(in, &o, out, ref);
    }
    unlink(out);
}

Test(convert, gguf_requantize_equals_llama_quantize)
{
    /* llama-quantize of the F32 file (Q8_0 and Q4_0 with --tensor-type
     * ffn_down=f16, the Q4_K_M mix): whole files, metadata included, are
     * byte-identical */
    char m[256], in[512], ref[512], out[300];
    models_dir(m, sizeof m);
    snprintf(in, sizeof in, "%s/stories260K-gguf-llamacpp/stories260K-hf-convert_hf_to_gguf-f32.gguf", m);
    snprintf(out, sizeof out, "/tmp/slim-test-requant-%d.gguf", (int)getpid());
    static const struct { const char *type, *ref; int ffn_down_f16; } cases[] = {
        { "Q8_0", "stories260K-hf-convert_hf_to_gguf-f32-Q8_0-ffn_down-F16.gguf", 1 },
        { "Q4_0", "stories260K-hf-convert_hf_to_gguf-f32-Q4_0-ffn_down-F16.gguf", 1 },
        { "Q4_K_M", "stories260K-hf-convert_hf_to_gguf-f32-Q4_K_M.gguf", 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(ref, sizeof ref, "%s/stories260K-gguf-llamacpp/%s", m, cases[i].ref);
        const char *tt[] = { "ffn_down=f16" };
        slim_convert_options o = { .type = cases[i].type, .tensor_types = tt,
                                   .n_tensor_types = (size_t)cases[i].ffn_down_f16 };
        convert_matches(in, &o, out, ref);
    }
    unlink(out);
}

Test(convert, synth_llama_mixes_match_llamacpp)
{
    /* convert_hf_to_gguf.py + llama-quantize (with and without an importance
     * matrix) against one slim command; the folder is reached under the
     * name llama.cpp saw (general.name) and the imatrix by the same relative
     * path (quantize.imatrix.file) */
    char m[256], cmd[1200], ref[600], out[300], tmp[128];
    models_dir(m, sizeof m);
    char *abs = realpath(m, NULL);
    cr_assert(abs);
    snprintf(tmp, sizeof tmp, "/tmp/slim-test-synth-%d", (int)getpid());
    snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir %s && ln -s %s/synth-llama-a/hf %s/synth-llama-a"
             " && ln -s %s/synth-llama-a/imatrix %s/imatrix", tmp, tmp, abs, tmp, abs, tmp);
    cr_assert(system(cmd) == 0);
    cr_assert(chdir(tmp) == 0);
    static const struct { const char *type, *imatrix, *ref; } cases[] = {
        { "Q4_0", NULL, "synth-llama-a-Q4_0.gguf" },
        { "Q2_K", NULL, "synth-llama-a-Q2_K.gguf" },
        { "Q3_K_M", NULL, "synth-llama-a-Q3_K_M.gguf" },
        { "Q4_K_M", NULL, "synth-llama-a-Q4_K_M.gguf" },
        { "Q4_K_M", "imatrix/synth-llama-a.imatrix.gguf", "synth-llama-a-Q4_K_M-imatrix.gguf" },
        { "IQ4_XS", "imatrix/synth-llama-a.imatrix.gguf", "synth-llama-a-IQ4_XS-imatrix.gguf" },
    };
    snprintf(out, sizeof out, "%s/out.gguf", tmp);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        slim_convert_options o = { .type = cases[i].type, .imatrix = cases[i].imatrix };
        snprintf(ref, sizeof ref, "%s/synth-llama-a/gguf/%s", abs, cases[i].ref);
        convert_matches("synth-llama-a", &o, out, ref);
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
    cr_assert(system(cmd) == 0);
    free(abs);
}
