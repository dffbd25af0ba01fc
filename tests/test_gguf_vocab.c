/*
 * GGUF tokenizer vocabularies (tokenizer.ggml.*): the GGUF files llama.cpp
 * made from the shared stories260K folders give the ids of the folders'
 * tokenizer.json on every corpus, the full Llama 2 vocabulary gives the
 * Hugging Face reference ids, decoding gives the text back, and hostile
 * vocabularies are errors naming the key and the element, never crashes.
 */
#include <criterion/criterion.h>
#include <sys/stat.h>
#include <unistd.h>

#include "slim.h"
#include "tests/tok_test.h"

/* ---- a GGUF image holding metadata only ---- */

typedef struct gb {
    uint8_t *p;
    size_t n, cap;
    uint64_t n_kv;
} gb;

static void put(gb *b, const void *s, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        cr_assert(b->p);
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

static void put_u32(gb *b, uint32_t v) { put(b, &v, 4); } /* tests run little-endian */
static void put_u64(gb *b, uint64_t v) { put(b, &v, 8); }

static void put_str(gb *b, const char *s)
{
    put_u64(b, strlen(s));
    put(b, s, strlen(s));
}

static void key(gb *b, const char *k, uint32_t type)
{
    put_str(b, k);
    put_u32(b, type);
    b->n_kv++;
}

static void kv_str(gb *b, const char *k, const char *v)
{
    key(b, k, SLIM_GGUF_STRING);
    put_str(b, v);
}

static void kv_u32(gb *b, const char *k, uint32_t v)
{
    key(b, k, SLIM_GGUF_U32);
    put_u32(b, v);
}

static void kv_bool(gb *b, const char *k, int v)
{
    key(b, k, SLIM_GGUF_BOOL);
    uint8_t x = (uint8_t)v;
    put(b, &x, 1);
}

static void kv_strs(gb *b, const char *k, const char *const *v, size_t n)
{
    key(b, k, SLIM_GGUF_ARRAY);
    put_u32(b, SLIM_GGUF_STRING);
    put_u64(b, n);
    for (size_t i = 0; i < n; i++)
        put_str(b, v[i]);
}

static void kv_nums(gb *b, const char *k, slim_gguf_type t, const void *v, size_t n)
{
    key(b, k, SLIM_GGUF_ARRAY);
    put_u32(b, t);
    put_u64(b, n);
    put(b, v, 4 * n);
}

/* The whole file: header, then the entries collected in kvs. */
static uint8_t *image(const gb *kvs, size_t *size)
{
    gb f = {0};
    put(&f, "GGUF", 4);
    put_u32(&f, 3);
    put_u64(&f, 0);
    put_u64(&f, kvs->n_kv);
    put(&f, kvs->p, kvs->n);
    while (f.n % 32)
        put(&f, "", 1);
    *size = f.n;
    return f.p;
}

/* Loads the vocabulary of kvs; returns the error, msg filled. */
static slim_error load(const gb *kvs, slim_tokenizer **tok, char *msg, size_t cap,
                       slim_tok_where *w)
{
    size_t size;
    uint8_t *d = image(kvs, &size);
    slim_gguf *g = NULL;
    slim_error err = slim_gguf_parse(d, size, &g, NULL);
    cr_assert_eq(err, SLIM_OK, "test image does not parse: %s", slim_strerror(err));
    err = slim_tokenizer_from_gguf(g, tok, msg, cap, w);
    slim_gguf_close(g);
    free(d);
    return err;
}

/* A tiny byte-level vocabulary: the GPT-2 characters of "a", "b", " " and
 * two merges. */
static const char *const bpe_tokens[] = {"a", "b", "\xc4\xa0", "ab", "\xc4\xa0" "ab", "<|eot|>"};
static const int32_t bpe_types[] = {1, 1, 1, 1, 1, 3};
static const char *const bpe_merges[] = {"a b", "\xc4\xa0 ab"};

static void tiny_bpe(gb *b, const char *pre)
{
    kv_str(b, "tokenizer.ggml.model", "gpt2");
    if (pre)
        kv_str(b, "tokenizer.ggml.pre", pre);
    kv_strs(b, "tokenizer.ggml.tokens", bpe_tokens, 6);
    kv_nums(b, "tokenizer.ggml.token_type", SLIM_GGUF_I32, bpe_types, 6);
}

static void encode_expect(slim_tokenizer *tok, const char *text, slim_special_mode mode,
                          const uint32_t *want, size_t n_want)
{
    uint32_t ids[64];
    size_t n = 0;
    cr_assert_eq(slim_tokenizer_encode(tok, text, strlen(text), mode, ids, 64, &n, NULL),
                 SLIM_OK);
    cr_assert_eq(n, n_want, "'%s': %zu ids, want %zu", text, n, n_want);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(ids[i], want[i], "'%s': id %zu is %u, want %u", text, i, ids[i], want[i]);
}

Test(gguf_vocab, tiny_gpt2_vocabulary)
{
    gb b = {0};
    tiny_bpe(&b, "gpt-2");
    kv_strs(&b, "tokenizer.ggml.merges", bpe_merges, 2);
    kv_u32(&b, "tokenizer.ggml.eos_token_id", 5);
    kv_bool(&b, "tokenizer.ggml.add_eos_token", 1);
    slim_tokenizer *tok = NULL;
    char msg[256];
    cr_assert_eq(load(&b, &tok, msg, sizeof msg, NULL), SLIM_OK, "%s", msg);
    encode_expect(tok, "ab ab", SLIM_SPECIAL_AS_TEXT, (uint32_t[]){3, 4}, 2);
    encode_expect(tok, "ba<|eot|>", SLIM_SPECIAL_ALLOW, (uint32_t[]){1, 0, 5}, 3);
    uint32_t ids[2] = {3, 4}, with[4];
    size_t m = 0;
    cr_assert_eq(slim_tokenizer_add_special(tok, ids, 2, with, 4, &m), SLIM_OK);
    cr_assert(m == 3 && with[2] == 5);
    char back[16];
    size_t nb = 0;
    cr_assert_eq(slim_tokenizer_decode(tok, ids, 2, back, sizeof back, &nb, NULL), SLIM_OK);
    cr_assert(nb == 5 && !memcmp(back, "ab ab", 5));
    slim_tokenizer_info info;
    slim_tokenizer_get_info(tok, &info);
    cr_assert_str_eq(info.kind, "gguf");
    slim_tokenizer_free(tok);
    free(b.p);
}

/* One hostile vocabulary: the error and words its message must hold. */
static void expect_fail(gb *b, slim_error want, const char *words1, const char *words2)
{
    slim_tokenizer *tok = (slim_tokenizer *)1;
    char msg[256];
    slim_tok_where w;
    slim_error err = load(b, &tok, msg, sizeof msg, &w);
    cr_assert_eq(err, want, "got %s (%s), want %s", slim_strerror(err), msg,
                 slim_strerror(want));
    cr_assert_null(tok);
    cr_assert(strstr(msg, words1), "message '%s' lacks '%s'", msg, words1);
    cr_assert(!words2 || strstr(msg, words2), "message '%s' lacks '%s'", msg, words2);
    free(b->p);
    memset(b, 0, sizeof *b);
}

Test(gguf_vocab, hostile_vocabularies_are_errors_naming_the_key)
{
    gb b = {0};
    kv_u32(&b, "general.alignment", 32);
    expect_fail(&b, SLIM_ERR_NOT_FOUND, "tokenizer.ggml.model", "missing");

    kv_str(&b, "tokenizer.ggml.model", "bert");
    expect_fail(&b, SLIM_ERR_UNSUPPORTED, "tokenizer.ggml.model", "'bert'");

    tiny_bpe(&b, "no-such-pre");
    expect_fail(&b, SLIM_ERR_UNSUPPORTED, "tokenizer.ggml.pre", "'no-such-pre'");

    tiny_bpe(&b, "gpt-2");
    expect_fail(&b, SLIM_ERR_NOT_FOUND, "tokenizer.ggml.merges", "missing");

    tiny_bpe(&b, "gpt-2");
    kv_strs(&b, "tokenizer.ggml.merges", (const char *const[]){"a b", "a zz"}, 2);
    expect_fail(&b, SLIM_ERR_NOT_FOUND, "tokenizer.ggml.merges[1]", "'zz'");

    tiny_bpe(&b, "gpt-2");
    kv_strs(&b, "tokenizer.ggml.merges", (const char *const[]){"ab"}, 1);
    expect_fail(&b, SLIM_ERR_CORRUPT, "tokenizer.ggml.merges[0]", "\"a b\"");

    tiny_bpe(&b, "gpt-2");
    kv_strs(&b, "tokenizer.ggml.merges", bpe_merges, 2);
    kv_u32(&b, "tokenizer.ggml.bos_token_id", 6);
    expect_fail(&b, SLIM_ERR_CORRUPT, "tokenizer.ggml.bos_token_id", "id 6");

    kv_str(&b, "tokenizer.ggml.model", "llama");
    kv_nums(&b, "tokenizer.ggml.tokens", SLIM_GGUF_U32, (uint32_t[]){1, 2}, 2);
    expect_fail(&b, SLIM_ERR_BAD_TYPE, "tokenizer.ggml.tokens", "string");

    kv_str(&b, "tokenizer.ggml.model", "llama");
    kv_strs(&b, "tokenizer.ggml.tokens", bpe_tokens, 6);
    kv_nums(&b, "tokenizer.ggml.scores", SLIM_GGUF_F32, (float[]){0, 0, 0}, 3);
    expect_fail(&b, SLIM_ERR_CORRUPT, "tokenizer.ggml.scores", "3 scores for 6");

    kv_str(&b, "tokenizer.ggml.model", "llama");
    kv_strs(&b, "tokenizer.ggml.tokens", bpe_tokens, 6);
    kv_nums(&b, "tokenizer.ggml.token_type", SLIM_GGUF_I32, (int32_t[]){1, 1, 1, 9, 1, 1}, 6);
    expect_fail(&b, SLIM_ERR_CORRUPT, "tokenizer.ggml.token_type[3]", "9");

    kv_str(&b, "tokenizer.ggml.model", "llama");
    kv_strs(&b, "tokenizer.ggml.tokens", (const char *const[]){"x", "y", "x"}, 3);
    expect_fail(&b, SLIM_ERR_DUPLICATE, "tokenizer.ggml.tokens", "same text");

    kv_str(&b, "tokenizer.ggml.model", "llama");
    kv_strs(&b, "tokenizer.ggml.tokens", NULL, 0);
    expect_fail(&b, SLIM_ERR_CORRUPT, "tokenizer.ggml.tokens", "no tokens");

    kv_str(&b, "tokenizer.ggml.model", "llama");
    kv_strs(&b, "tokenizer.ggml.tokens", bpe_tokens, 6);
    kv_u32(&b, "tokenizer.ggml.add_bos_token", 1);
    expect_fail(&b, SLIM_ERR_BAD_TYPE, "tokenizer.ggml.add_bos_token", "bool");
}

/* Every single-byte change of a valid vocabulary either fails to parse, or
 * loads, or is an error: never a crash or a sanitizer report. */
Test(gguf_vocab, every_byte_flip_is_safe)
{
    gb b = {0};
    tiny_bpe(&b, "llama-bpe");
    kv_strs(&b, "tokenizer.ggml.merges", bpe_merges, 2);
    kv_u32(&b, "tokenizer.ggml.bos_token_id", 5);
    size_t size;
    uint8_t *d = image(&b, &size);
    for (size_t i = 0; i < size; i++)
        for (int bit = 0; bit < 8; bit += 3) {
            d[i] ^= (uint8_t)(1u << bit);
            slim_gguf *g = NULL;
            if (slim_gguf_parse(d, size, &g, NULL) == SLIM_OK) {
                slim_tokenizer *tok = NULL;
                char msg[128];
                if (slim_tokenizer_from_gguf(g, &tok, msg, sizeof msg, NULL) == SLIM_OK) {
                    uint32_t ids[64];
                    size_t n = 0;
                    slim_tokenizer_encode(tok, "ab ab b", 7, SLIM_SPECIAL_ALLOW, ids, 64, &n,
                                          NULL);
                }
                slim_tokenizer_free(tok);
                slim_gguf_close(g);
            }
            d[i] ^= (uint8_t)(1u << bit);
        }
    free(d);
    free(b.p);
}

/* ---- the shared models ---- */

static slim_tokenizer *load_file(const char *path, int gguf)
{
    char msg[512];
    slim_tokenizer *tok = NULL;
    slim_error err = gguf ? slim_tokenizer_load_gguf(path, &tok, msg, sizeof msg, NULL)
                          : slim_tokenizer_load_hf(path, &tok, msg, sizeof msg, NULL);
    cr_assert_eq(err, SLIM_OK, "%s: %s: %s", path, slim_strerror(err), msg);
    return tok;
}

/* Calls fn for every document of every shared corpus, with its reference
 * ids from tokref/ref_name (NULL: none). */
typedef void (*doc_fn)(void *ctx, const char *corpus, size_t d, const char *text, size_t len,
                       json_t *ref);

static void each_doc(const char *dir, const char *ref_name, doc_fn fn, void *ctx)
{
    for (size_t c = 0; c < TOK_N_CORPORA; c++) {
        char path[4096];
        tok_lines corpus, ref = {0};
        snprintf(path, sizeof path, "%s/corpora/%s.jsonl", dir, tok_corpora[c]);
        cr_assert(tok_lines_load(path, &corpus), "cannot read %s", path);
        if (ref_name) {
            snprintf(path, sizeof path, "%s/tokref/%s/%s.ids.jsonl.zst", dir, ref_name,
                     tok_corpora[c]);
            cr_assert(tok_lines_load(path, &ref), "cannot read %s", path);
            cr_assert_eq(corpus.n, ref.n);
        }
        for (size_t d = 0; d < corpus.n; d++) {
            size_t len;
            const char *text = tok_doc(&corpus, d, &len);
            cr_assert(text);
            fn(ctx, tok_corpora[c], d, text, len, ref_name ? ref.v[d] : NULL);
        }
        tok_lines_free(&corpus);
        tok_lines_free(&ref);
    }
}

#define ID_CAP ((size_t)1 << 20)
#define TEXT_CAP ((size_t)8 << 20)

typedef struct cmp_ctx {
    slim_tokenizer *a, *b;
    const char *what;
    uint32_t *ia, *ib;
    char *da, *db;
    size_t total;
} cmp_ctx;

static void compare_doc(void *vc, const char *corpus, size_t d, const char *text, size_t len,
                        json_t *ref)
{
    cmp_ctx *c = vc;
    size_t na = 0, nb = 0, la = 0, lb = 0;
    (void)ref;
    cr_assert_eq(slim_tokenizer_encode(c->a, text, len, SLIM_SPECIAL_AS_TEXT, c->ia, ID_CAP, &na,
                                       NULL), SLIM_OK);
    cr_assert_eq(slim_tokenizer_encode(c->b, text, len, SLIM_SPECIAL_AS_TEXT, c->ib, ID_CAP, &nb,
                                       NULL), SLIM_OK);
    cr_assert(na == nb && !memcmp(c->ia, c->ib, na * sizeof *c->ia), "%s: %s doc %zu differs",
              c->what, corpus, d);
    cr_assert_eq(slim_tokenizer_decode(c->a, c->ia, na, c->da, TEXT_CAP, &la, NULL), SLIM_OK);
    cr_assert_eq(slim_tokenizer_decode(c->b, c->ib, nb, c->db, TEXT_CAP, &lb, NULL), SLIM_OK);
    cr_assert(la == lb && !memcmp(c->da, c->db, la), "%s: %s doc %zu decodes differently",
              c->what, corpus, d);
    c->total++;
}

/* Encodes every corpus document with both tokenizers: same ids, same
 * decoded text, and add_special agrees. Returns the documents compared. */
static size_t compare_on_corpora(const char *dir, slim_tokenizer *a, slim_tokenizer *b,
                                 const char *what)
{
    cmp_ctx c = {a, b, what, malloc(ID_CAP * 4), malloc(ID_CAP * 4), malloc(TEXT_CAP),
                 malloc(TEXT_CAP), 0};
    cr_assert(c.ia && c.ib && c.da && c.db);
    each_doc(dir, NULL, compare_doc, &c);
    size_t ma = 0, mb = 0;
    cr_assert_eq(slim_tokenizer_add_special(a, c.ia, 3, c.ia + 8, 8, &ma), SLIM_OK);
    cr_assert_eq(slim_tokenizer_add_special(b, c.ia, 3, c.ib + 8, 8, &mb), SLIM_OK);
    cr_assert(ma == mb && !memcmp(c.ia + 8, c.ib + 8, ma * sizeof *c.ia), "%s: add_special",
              what);
    free(c.ia);
    free(c.ib);
    free(c.da);
    free(c.db);
    return c.total;
}

Test(gguf_vocab, stories260K_gguf_files_match_tokenizer_json)
{
    const char *dir = tok_data_dir();
    if (!dir)
        cr_skip_test("shared data not found: set SLIM_SHARED_DATA or provide ../shared/data");
    static const char *const files[] = {
        "stories260K-gguf-llamacpp/stories260K-hf-convert_hf_to_gguf-f32.gguf",
        "stories260K-gguf-llamacpp/stories260K-hf-bf16-convert_hf_to_gguf-bf16.gguf",
        "synth-llama-a/gguf/synth-llama-a-Q2_K.gguf",
    };
    char path[4096];
    snprintf(path, sizeof path, "%s/models/stories260K-hf/tokenizer.json", dir);
    slim_tokenizer *hf = load_file(path, 0);
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(path, sizeof path, "%s/models/%s", dir, files[i]);
        slim_tokenizer *g = load_file(path, 1);
        size_t n = compare_on_corpora(dir, g, hf, files[i]);
        cr_log_info("%s: %zu documents agree with tokenizer.json", files[i], n);
        slim_tokenizer_free(g);
    }
    slim_tokenizer_free(hf);
}

#define SKIP_SPM_SPECIALS 1 /* leave out documents spelling <s>, </s> or <unk> */
#define EXPECT_ALL 2        /* report every document that differs */

typedef struct exact_ctx {
    slim_tokenizer *tok;
    const char *ref_name;
    int flags;
    uint32_t *ids;
    size_t exact, total;
} exact_ctx;

static void exact_doc(void *vc, const char *corpus, size_t d, const char *text, size_t len,
                      json_t *ref)
{
    exact_ctx *c = vc;
    if ((c->flags & SKIP_SPM_SPECIALS) &&
        (strstr(text, "<s>") || strstr(text, "</s>") || strstr(text, "<unk>")))
        return;
    size_t n = 0;
    cr_assert_eq(slim_tokenizer_encode(c->tok, text, len, SLIM_SPECIAL_ALLOW, c->ids, ID_CAP, &n,
                                       NULL), SLIM_OK);
    int same = json_array_size(ref) == n;
    for (size_t i = 0; same && i < n; i++)
        same = (json_int_t)c->ids[i] == json_integer_value(json_array_get(ref, i));
    cr_expect(same || !(c->flags & EXPECT_ALL), "%s %s doc %zu differs from the reference",
              c->ref_name, corpus, d);
    c->exact += same;
    c->total++;
}

/* Encodes the corpora (SLIM_SPECIAL_ALLOW, as the references) and counts
 * the documents equal to the Hugging Face reference ids of ref_name. */
static size_t exact_docs(const char *dir, slim_tokenizer *tok, const char *ref_name, int flags,
                         size_t *total)
{
    exact_ctx c = {tok, ref_name, flags, malloc(ID_CAP * sizeof(uint32_t)), 0, 0};
    cr_assert(c.ids);
    each_doc(dir, ref_name, exact_doc, &c);
    free(c.ids);
    *total = c.total;
    return c.exact;
}

/* The full Llama 2 vocabulary: the Hugging Face reference ids (which
 * recognize the added tokens: SLIM_SPECIAL_ALLOW). A document that spells
 * <s>, </s> or <unk> is left out: there llama.cpp (every text fragment after
 * a special token gets its own prefix space) and Hugging Face's legacy Llama
 * tokenizer (the spaces around the token vanish) differ by design. */
Test(gguf_vocab, llama2_gguf_gives_the_reference_ids)
{
    const char *dir = tok_data_dir();
    if (!dir)
        cr_skip_test("shared data not found: set SLIM_SHARED_DATA or provide ../shared/data");
    char path[4096];
    snprintf(path, sizeof path, "%s/models/llama-2-tiny-random.gguf", dir);
    slim_tokenizer *tok = load_file(path, 1);
    size_t total, exact = exact_docs(dir, tok, "llama2", SKIP_SPM_SPECIALS | EXPECT_ALL, &total);
    cr_log_info("llama-2-tiny-random.gguf: %zu/%zu documents exact", exact, total);
    cr_assert_eq(exact, total);
    slim_tokenizer_free(tok);
}

Test(gguf_vocab, decode_round_trip_and_bos)
{
    const char *dir = tok_data_dir();
    if (!dir)
        cr_skip_test("shared data not found: set SLIM_SHARED_DATA or provide ../shared/data");
    char path[4096];
    snprintf(path, sizeof path,
             "%s/models/stories260K-gguf-llamacpp/stories260K-hf-convert_hf_to_gguf-f32.gguf",
             dir);
    slim_tokenizer *tok = load_file(path, 1);
    static const char *const texts[] = {
        "Once upon a time, there was a little girl named Lily.",
        "  two leading spaces, caf\xc3\xa9 and \xf0\x9f\xa6\x99 llama\n\ttab",
        "x", "",
    };
    for (size_t t = 0; t < sizeof texts / sizeof *texts; t++) {
        uint32_t ids[256], with[260];
        size_t n = 0, m = 0, nb = 0;
        char back[512];
        cr_assert_eq(slim_tokenizer_encode(tok, texts[t], strlen(texts[t]),
                                           SLIM_SPECIAL_AS_TEXT, ids, 256, &n, NULL), SLIM_OK);
        cr_assert_eq(slim_tokenizer_decode(tok, ids, n, back, sizeof back, &nb, NULL), SLIM_OK);
        cr_assert(nb == strlen(texts[t]) && !memcmp(back, texts[t], nb), "'%s' came back '%.*s'",
                  texts[t], (int)nb, back);
        cr_assert_eq(slim_tokenizer_add_special(tok, ids, n, with, 260, &m), SLIM_OK);
        cr_assert(m == n + 1 && with[0] == 1, "add_bos_token puts <s> (1) first");
    }
    /* "Once" is one token; <s> text is special. */
    encode_expect(tok, "<s>", SLIM_SPECIAL_ALLOW, (uint32_t[]){1}, 1);
    slim_tokenizer_free(tok);
}

Test(gguf_vocab, load_errors_name_the_file_problem)
{
    char path[256], msg[256];
    snprintf(path, sizeof path, "/tmp/slim-test-%ld-vocab.gguf", (long)getpid());
    FILE *f = fopen(path, "wb");
    cr_assert(f);
    fwrite("GGUF\x03\0\0\0", 1, 8, f);
    fclose(f);
    slim_tokenizer *tok = NULL;
    cr_assert_neq(slim_tokenizer_load_gguf(path, &tok, msg, sizeof msg, NULL), SLIM_OK);
    cr_assert_null(tok);
    cr_assert(strstr(msg, "not a valid GGUF file"), "%s", msg);
    unlink(path);
    cr_assert_eq(slim_tokenizer_load_gguf(path, &tok, msg, sizeof msg, NULL), SLIM_ERR_IO);
    cr_assert(slim_tokenizer_is_gguf("GGUF\x03", 5));
    cr_assert(!slim_tokenizer_is_gguf("{\"a\"", 4));
}

/* ---- writing: a Hugging Face folder's tokenizer as llama.cpp writes it ---- */

/* Writes the tokenizer KVs of folder `dir` alone into a GGUF file and opens
 * it. */
static slim_gguf *convert_folder(const char *dir, slim_gguf_vocab_info *info)
{
    char path[256], msg[512];
    snprintf(path, sizeof path, "/tmp/slim-test-%ld-vocab-out.gguf", (long)getpid());
    slim_gguf_writer *w = NULL;
    cr_assert_eq(slim_gguf_writer_open(path, &w), SLIM_OK);
    slim_error err = slim_gguf_writer_add_hf_tokenizer(w, dir, info, msg, sizeof msg);
    cr_assert_eq(err, SLIM_OK, "%s: %s: %s", dir, slim_strerror(err), msg);
    cr_assert_eq(slim_gguf_writer_finish(w), SLIM_OK);
    slim_gguf *g = NULL;
    cr_assert_eq(slim_gguf_open(path, &g, NULL), SLIM_OK);
    unlink(path);
    return g;
}

static int is_tok_key(const slim_gguf_kv *kv)
{
    return kv->key.len > 10 && !memcmp(kv->key.data, "tokenizer.", 10);
}

/* Every tokenizer.* entry of ref is in g, in the same order, with the same
 * type and value. */
static void expect_same_tokenizer_kvs(const slim_gguf *g, const slim_gguf *ref, const char *what)
{
    uint64_t ig = 0, n_ref = 0;
    for (uint64_t ir = 0; ir < slim_gguf_kv_count(ref); ir++) {
        const slim_gguf_kv *r = slim_gguf_kv_at(ref, ir);
        if (!is_tok_key(r))
            continue;
        n_ref++;
        const slim_gguf_kv *o = NULL;
        while (ig < slim_gguf_kv_count(g) && !is_tok_key(o = slim_gguf_kv_at(g, ig)))
            ig++;
        cr_assert(ig < slim_gguf_kv_count(g), "%s: %.*s missing", what, (int)r->key.len,
                  r->key.data);
        ig++;
        cr_assert(o->key.len == r->key.len && !memcmp(o->key.data, r->key.data, r->key.len),
                  "%s: %.*s where llama.cpp has %.*s", what, (int)o->key.len, o->key.data,
                  (int)r->key.len, r->key.data);
        cr_assert(o->type == r->type && o->elem_type == r->elem_type && o->count == r->count,
                  "%s: %.*s: type or count differ (%s/%llu vs %s/%llu)", what, (int)r->key.len,
                  r->key.data, slim_gguf_type_name(o->elem_type), (unsigned long long)o->count,
                  slim_gguf_type_name(r->elem_type), (unsigned long long)r->count);
        for (uint64_t i = 0; i < r->count; i++) {
            if (r->elem_type == SLIM_GGUF_STRING) {
                slim_string a, b;
                slim_gguf_kv_str(g, o, i, &a);
                slim_gguf_kv_str(ref, r, i, &b);
                cr_assert(a.len == b.len && !memcmp(a.data, b.data, a.len),
                          "%s: %.*s[%llu] differs", what, (int)r->key.len, r->key.data,
                          (unsigned long long)i);
            }
        }
        if (r->elem_type != SLIM_GGUF_STRING) {
            size_t bytes = 0;
            switch (r->elem_type) {
            case SLIM_GGUF_BOOL: case SLIM_GGUF_U8: case SLIM_GGUF_I8: bytes = 1; break;
            case SLIM_GGUF_U16: case SLIM_GGUF_I16: bytes = 2; break;
            case SLIM_GGUF_U64: case SLIM_GGUF_I64: case SLIM_GGUF_F64: bytes = 8; break;
            default: bytes = 4; break;
            }
            cr_assert(!memcmp(slim_gguf_kv_data(g, o), slim_gguf_kv_data(ref, r),
                              bytes * r->count),
                      "%s: %.*s: values differ", what, (int)r->key.len, r->key.data);
        }
    }
    while (ig < slim_gguf_kv_count(g)) {
        const slim_gguf_kv *o = slim_gguf_kv_at(g, ig++);
        cr_assert(!is_tok_key(o), "%s: %.*s is extra", what, (int)o->key.len, o->key.data);
    }
    cr_log_info("%s: %llu tokenizer entries equal llama.cpp's", what, (unsigned long long)n_ref);
}

Test(gguf_vocab_write, stories260K_and_synth_folders_equal_llama_cpp)
{
    const char *dir = tok_data_dir();
    if (!dir)
        cr_skip_test("shared data not found: set SLIM_SHARED_DATA or provide ../shared/data");
    static const char *const pairs[][2] = {
        {"stories260K-hf", "stories260K-gguf-llamacpp/stories260K-hf-convert_hf_to_gguf-f32.gguf"},
        {"stories260K-hf-bf16",
         "stories260K-gguf-llamacpp/stories260K-hf-bf16-convert_hf_to_gguf-bf16.gguf"},
        {"stories260K-hf-sharded",
         "stories260K-gguf-llamacpp/stories260K-hf-sharded-convert_hf_to_gguf-f32.gguf"},
        {"synth-llama-a/hf", "synth-llama-a/gguf/synth-llama-a-Q2_K.gguf"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
        char folder[4096], ref_path[4096];
        snprintf(folder, sizeof folder, "%s/models/%s", dir, pairs[i][0]);
        snprintf(ref_path, sizeof ref_path, "%s/models/%s", dir, pairs[i][1]);
        slim_gguf_vocab_info info;
        slim_gguf *g = convert_folder(folder, &info);
        slim_gguf *ref = NULL;
        cr_assert_eq(slim_gguf_open(ref_path, &ref, NULL), SLIM_OK, "%s", ref_path);
        expect_same_tokenizer_kvs(g, ref, pairs[i][0]);
        cr_assert_str_eq(info.model, "llama");
        cr_assert_str_eq(info.pre, "default");
        cr_assert_eq(info.n_tokens, 512);
        cr_assert_eq(info.n_kv, slim_gguf_kv_count(g));
        slim_gguf_close(ref);
        slim_gguf_close(g);
    }
}

static void put_file(const char *dir, const char *name, const void *text, size_t n);

/* A folder in /tmp with the shared vocab folder's tokenizer.json
 * (decompressed: convert_hf_to_gguf.py reads the plain file) and
 * tokenizer_config.json. */
static void make_folder(const char *dir, const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "/tmp/slim-test-%ld-%s", (long)getpid(), name);
    mkdir(out, 0700);
    static const char *const files[][2] = {{"tokenizer.json.zst", "tokenizer.json"},
                                           {"tokenizer_config.json", "tokenizer_config.json"}};
    for (int i = 0; i < 2; i++) {
        char src[4096], dst[4096];
        size_t size;
        snprintf(src, sizeof src, "%s/vocab/hf/%s/%s", dir, name, files[i][0]);
        snprintf(dst, sizeof dst, "%s/%s", out, files[i][1]);
        char *data = tok_read(src, &size);
        cr_assert(data, "cannot read %s", src);
        FILE *f = fopen(dst, "wb");
        cr_assert(f && fwrite(data, 1, size, f) == size);
        fclose(f);
        free(data);
    }
}

static void remove_folder(const char *path)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/tokenizer.json", path);
    unlink(p);
    snprintf(p, sizeof p, "%s/tokenizer_config.json", path);
    unlink(p);
    snprintf(p, sizeof p, "%s/config.json", path);
    unlink(p);
    rmdir(path);
}

static const slim_gguf_kv *kv_at(const slim_gguf *g, uint64_t i, const char *key)
{
    const slim_gguf_kv *kv = slim_gguf_kv_at(g, i);
    cr_assert(kv && kv->key.len == strlen(key) && !memcmp(kv->key.data, key, kv->key.len),
              "entry %llu is %.*s, want %s", (unsigned long long)i, kv ? (int)kv->key.len : 0,
              kv ? kv->key.data : "", key);
    return kv;
}

static uint64_t kv_u(const slim_gguf *g, const slim_gguf_kv *kv)
{
    uint64_t v = 0;
    cr_assert_eq(slim_gguf_kv_uint(g, kv, 0, &v), SLIM_OK);
    return v;
}

/* Llama 3.1's folder as convert_hf_to_gguf.py writes it (facts from its
 * get_vocab_base and gguf-py's SpecialVocab): gpt2, llama-bpe, 128256 tokens
 * (the 256 added ones CONTROL), every merge, <|begin_of_text|> / <|eot_id|>,
 * add_bos from the template; read back it gives the reference ids. */
Test(gguf_vocab_write, llama3_1_folder_is_llama_bpe)
{
    const char *dir = tok_data_dir();
    if (!dir)
        cr_skip_test("shared data not found: set SLIM_SHARED_DATA or provide ../shared/data");
    char folder[256];
    make_folder(dir, "llama3.1", folder, sizeof folder);
    slim_gguf_vocab_info info;
    slim_gguf *g = convert_folder(folder, &info);
    remove_folder(folder);
    cr_assert_str_eq(info.model, "gpt2");
    cr_assert_str_eq(info.pre, "llama-bpe");
    cr_assert_eq(info.n_tokens, 128256);
    cr_assert_eq(info.n_merges, 280147);
    cr_assert_eq(slim_gguf_kv_count(g), 10);
    kv_at(g, 0, "tokenizer.ggml.model");
    kv_at(g, 1, "tokenizer.ggml.pre");
    const slim_gguf_kv *toks = kv_at(g, 2, "tokenizer.ggml.tokens");
    const slim_gguf_kv *types = kv_at(g, 3, "tokenizer.ggml.token_type");
    cr_assert(toks->count == 128256 && types->count == 128256);
    int64_t t;
    slim_gguf_kv_int(g, types, 127999, &t);
    cr_assert_eq(t, 1);
    slim_gguf_kv_int(g, types, 128000, &t);
    cr_assert_eq(t, 3);
    slim_string s;
    slim_gguf_kv_str(g, toks, 128009, &s);
    cr_assert(s.len == 10 && !memcmp(s.data, "<|eot_id|>", 10));
    cr_assert_eq(kv_at(g, 4, "tokenizer.ggml.merges")->count, 280147);
    cr_assert_eq(kv_u(g, kv_at(g, 5, "tokenizer.ggml.bos_token_id")), 128000);
    cr_assert_eq(kv_u(g, kv_at(g, 6, "tokenizer.ggml.eos_token_id")), 128009);
    cr_assert_eq(kv_u(g, kv_at(g, 7, "tokenizer.ggml.add_bos_token")), 1);
    cr_assert_eq(kv_u(g, kv_at(g, 8, "tokenizer.ggml.add_sep_token")), 0);
    kv_at(g, 9, "tokenizer.chat_template");
    slim_tokenizer *tok = NULL;
    char msg[256];
    cr_assert_eq(slim_tokenizer_from_gguf(g, &tok, msg, sizeof msg, NULL), SLIM_OK, "%s", msg);
    slim_gguf_close(g);
    size_t total, exact = exact_docs(dir, tok, "llama3.1", EXPECT_ALL, &total);
    cr_log_info("llama3.1 as GGUF: %zu/%zu documents equal the reference", exact, total);
    cr_assert_eq(exact, total);
    slim_tokenizer_free(tok);
}

/* Qwen3's folder: add_prefix_space false first, gpt2, qwen2, the 26 added
 * tokens (special ones CONTROL, <think> and the like USER_DEFINED), eos
 * <|im_end|> and pad <|endoftext|>, add_bos false. Read back, it gives the
 * reference ids except where Hugging Face's NFC normalizer (which llama.cpp
 * lacks) changes the text. */
Test(gguf_vocab_write, qwen3_folder_is_qwen2)
{
    const char *dir = tok_data_dir();
    if (!dir)
        cr_skip_test("shared data not found: set SLIM_SHARED_DATA or provide ../shared/data");
    char folder[256];
    make_folder(dir, "qwen3", folder, sizeof folder);
    slim_gguf_vocab_info info;
    slim_gguf *g = convert_folder(folder, &info);
    remove_folder(folder);
    cr_assert_str_eq(info.pre, "qwen2");
    cr_assert_eq(info.n_tokens, 151669);
    cr_assert_eq(slim_gguf_kv_count(g), 10);
    cr_assert_eq(kv_u(g, kv_at(g, 0, "tokenizer.ggml.add_space_prefix")), 0);
    kv_at(g, 1, "tokenizer.ggml.model");
    kv_at(g, 2, "tokenizer.ggml.pre");
    kv_at(g, 3, "tokenizer.ggml.tokens");
    const slim_gguf_kv *types = kv_at(g, 4, "tokenizer.ggml.token_type");
    int64_t t;
    slim_gguf_kv_int(g, types, 151643, &t); /* <|endoftext|> */
    cr_assert_eq(t, 3);
    slim_gguf_kv_int(g, types, 151667, &t); /* <think> */
    cr_assert_eq(t, 4);
    kv_at(g, 5, "tokenizer.ggml.merges");
    cr_assert_eq(kv_u(g, kv_at(g, 6, "tokenizer.ggml.eos_token_id")), 151645);
    cr_assert_eq(kv_u(g, kv_at(g, 7, "tokenizer.ggml.padding_token_id")), 151643);
    cr_assert_eq(kv_u(g, kv_at(g, 8, "tokenizer.ggml.add_bos_token")), 0);
    kv_at(g, 9, "tokenizer.chat_template");
    slim_tokenizer *tok = NULL;
    char msg[256];
    cr_assert_eq(slim_tokenizer_from_gguf(g, &tok, msg, sizeof msg, NULL), SLIM_OK, "%s", msg);
    slim_gguf_close(g);
    size_t total, exact = exact_docs(dir, tok, "qwen3", 0, &total);
    cr_log_info("qwen3 as GGUF: %zu/%zu documents equal the reference", exact, total);
    cr_assert_geq(exact, total - total / 50);
    slim_tokenizer_free(tok);

    /* As a Qwen3 model (Qwen2Model.set_vocab): no add_space_prefix, and the
     * vocabulary padded to config.json's vocab_size with [PADi]. */
    make_folder(dir, "qwen3", folder, sizeof folder);
    put_file(folder, "config.json", "{\"model_type\": \"qwen3\", \"vocab_size\": 151936}", 45);
    g = convert_folder(folder, &info);
    remove_folder(folder);
    cr_assert_eq(info.n_tokens, 151936);
    cr_assert_eq(slim_gguf_kv_count(g), 9);
    kv_at(g, 0, "tokenizer.ggml.model");
    slim_string s;
    slim_gguf_kv_str(g, kv_at(g, 2, "tokenizer.ggml.tokens"), 151935, &s);
    cr_assert(s.len == 11 && !memcmp(s.data, "[PAD151935]", 11));
    slim_gguf_close(g);
}

/* Writes `text` to dir/name. */
static void put_file(const char *dir, const char *name, const void *text, size_t n)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    cr_assert(f && fwrite(text, 1, n, f) == n);
    fclose(f);
}

/* The writer's error for the folder, its message checked. */
static void expect_write_fail(const char *dir, slim_error want, const char *words)
{
    char path[512], msg[512];
    snprintf(path, sizeof path, "%s/out.gguf", dir);
    slim_gguf_writer *w = NULL;
    cr_assert_eq(slim_gguf_writer_open(path, &w), SLIM_OK);
    slim_error err = slim_gguf_writer_add_hf_tokenizer(w, dir, NULL, msg, sizeof msg);
    slim_gguf_writer_abort(w);
    cr_assert_eq(err, want, "got %s (%s), want %s", slim_strerror(err), msg,
                 slim_strerror(want));
    cr_assert(strstr(msg, words), "message '%s' lacks '%s'", msg, words);
}

static void clear_folder(const char *dir)
{
    static const char *const names[] = {"tokenizer.json", "tokenizer.model", "config.json",
                                        "tokenizer_config.json"};
    char p[512];
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
}

Test(gguf_vocab_write, bad_folders_are_errors_saying_what)
{
    char dir[256];
    snprintf(dir, sizeof dir, "/tmp/slim-test-%ld-badvocab", (long)getpid());
    mkdir(dir, 0700);
    expect_write_fail(dir, SLIM_ERR_NOT_FOUND, "neither tokenizer.model nor tokenizer.json");

    put_file(dir, "tokenizer.model", "\x0a\x05\x0a\x09", 4);
    expect_write_fail(dir, SLIM_ERR_TRUNCATED, "tokenizer.model: not a SentencePiece model");
    clear_folder(dir);

    put_file(dir, "tokenizer.json", "{\"model\": [", 11);
    expect_write_fail(dir, SLIM_ERR_BAD_JSON, "tokenizer.json: malformed JSON at byte");
    clear_folder(dir);

    static const char odd_pre[] =
        "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []},"
        " \"pre_tokenizer\": {\"type\": \"Whitespace\"}, \"decoder\": null}";
    put_file(dir, "tokenizer.json", odd_pre, sizeof odd_pre - 1);
    expect_write_fail(dir, SLIM_ERR_UNSUPPORTED, "pre-tokenizer slim cannot name");

    static const char gpt2[] =
        "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2},"
        " \"merges\": [[\"a\", \"b\"]]}, \"pre_tokenizer\": {\"type\": \"ByteLevel\"},"
        " \"added_tokens\": [{\"id\": 3, \"content\": \"<|x|>\", \"special\": true},"
        " {\"id\": 4, \"content\": \"x\\u2581y\", \"special\": false}]}";
    put_file(dir, "tokenizer.json", gpt2, sizeof gpt2 - 1);
    put_file(dir, "config.json", "{\"bos_token_id\": -1}", 20);
    expect_write_fail(dir, SLIM_ERR_CORRUPT, "invalid value for special token type bos");
    put_file(dir, "config.json", "{\"vocab_size\": 3}", 17);
    expect_write_fail(dir, SLIM_ERR_CORRUPT, "not below config.json's vocab_size 3");

    /* The same folder with a good config: gpt-2, [a, b] joined, padded. */
    put_file(dir, "config.json", "{\"vocab_size\": 6, \"eos_token_id\": 3}", 36);
    slim_gguf_vocab_info info;
    slim_gguf *g = convert_folder(dir, &info);
    cr_assert_str_eq(info.pre, "gpt-2");
    cr_assert_eq(info.n_tokens, 6);
    slim_string s;
    slim_gguf_kv_str(g, slim_gguf_find_kv(g, "tokenizer.ggml.tokens"), 5, &s);
    cr_assert(s.len == 6 && !memcmp(s.data, "[PAD5]", 6));
    slim_gguf_kv_str(g, slim_gguf_find_kv(g, "tokenizer.ggml.merges"), 0, &s);
    cr_assert(s.len == 3 && !memcmp(s.data, "a b", 3));
    int64_t t;
    slim_gguf_kv_int(g, slim_gguf_find_kv(g, "tokenizer.ggml.token_type"), 3, &t);
    cr_assert_eq(t, 3);
    /* A user-defined token's U+2581 becomes a space, as convert does. */
    slim_gguf_kv_int(g, slim_gguf_find_kv(g, "tokenizer.ggml.token_type"), 4, &t);
    slim_gguf_kv_str(g, slim_gguf_find_kv(g, "tokenizer.ggml.tokens"), 4, &s);
    cr_assert(t == 4 && s.len == 3 && !memcmp(s.data, "x y", 3));
    uint64_t eos;
    cr_assert_eq(slim_gguf_get_uint(g, "tokenizer.ggml.eos_token_id", &eos), SLIM_OK);
    cr_assert_eq(eos, 3);
    slim_gguf_close(g);
    clear_folder(dir);
    rmdir(dir);
}

/* Every prefix of a real tokenizer.model (every 97th) either converts or is
 * an error: never a crash or a sanitizer report. */
Test(gguf_vocab_write, truncated_tokenizer_model_is_safe)
{
    const char *data_dir = tok_data_dir();
    if (!data_dir)
        cr_skip_test("shared data not found: set SLIM_SHARED_DATA or provide ../shared/data");
    char src[4096], dir[256], path[512], msg[256];
    snprintf(src, sizeof src, "%s/models/stories260K-hf/tokenizer.model", data_dir);
    size_t size;
    char *model = tok_read(src, &size);
    cr_assert(model);
    snprintf(dir, sizeof dir, "/tmp/slim-test-%ld-truncvocab", (long)getpid());
    mkdir(dir, 0700);
    snprintf(path, sizeof path, "%s/out.gguf", dir);
    size_t failed = 0, tried = 0;
    for (size_t n = 0; n < size; n += 97, tried++) {
        put_file(dir, "tokenizer.model", model, n);
        slim_gguf_writer *w = NULL;
        cr_assert_eq(slim_gguf_writer_open(path, &w), SLIM_OK);
        failed += slim_gguf_writer_add_hf_tokenizer(w, dir, NULL, msg, sizeof msg) != SLIM_OK;
        slim_gguf_writer_abort(w);
    }
    cr_assert_gt(failed, 0);
    cr_log_info("%zu of %zu truncated tokenizer.model files refused", failed, tried);
    free(model);
    clear_folder(dir);
    rmdir(dir);
}
