/*
 * Exactness of Hugging Face tokenizer.json support against the shared
 * reference ids (../shared/data/tokref, made by the `tokenizers` npm package
 * with encode(text, add_special_tokens=False): added tokens recognized, so
 * SLIM_SPECIAL_ALLOW here), on every corpus; decode(encode(x)) == x for the
 * byte-level vocabularies without a normalizer; count == encode.
 */
#include <criterion/criterion.h>

#include "slim.h"
#include "tests/tok_test.h"

static slim_tokenizer *load_hf(const char *dir, const char *name)
{
    char path[4096], msg[512];
    snprintf(path, sizeof path, "%s/vocab/hf/%s/tokenizer.json", dir, name);
    FILE *f = fopen(path, "rb");
    if (f)
        fclose(f);
    else
        strcat(path, ".zst");
    slim_tokenizer *tok = NULL;
    slim_error err = slim_tokenizer_load_hf(path, &tok, msg, sizeof msg, NULL);
    cr_assert_eq(err, SLIM_OK, "%s: %s: %s", path, slim_strerror(err), msg);
    return tok;
}

static void check_hf(const char *name, int roundtrip)
{
    const char *dir = tok_data_dir();
    if (!dir)
        cr_skip_test("shared data not found: set SLIM_SHARED_DATA or provide ../shared/data");
    slim_tokenizer *tok = load_hf(dir, name);
    size_t cap = 1 << 20;
    uint32_t *ids = malloc(cap * sizeof *ids);
    char *back = malloc(8 << 20);
    cr_assert(ids && back);
    for (size_t c = 0; c < TOK_N_CORPORA; c++) {
        char path[4096];
        tok_lines corpus, ref;
        snprintf(path, sizeof path, "%s/corpora/%s.jsonl", dir, tok_corpora[c]);
        cr_assert(tok_lines_load(path, &corpus), "cannot read %s", path);
        snprintf(path, sizeof path, "%s/tokref/%s/%s.ids.jsonl.zst", dir, name, tok_corpora[c]);
        cr_assert(tok_lines_load(path, &ref), "cannot read %s", path);
        cr_assert_eq(corpus.n, ref.n);
        size_t exact = 0;
        for (size_t d = 0; d < corpus.n; d++) {
            size_t len, n = 0;
            const char *text = tok_doc(&corpus, d, &len);
            cr_assert(text);
            slim_error err = slim_tokenizer_encode(tok, text, len, SLIM_SPECIAL_ALLOW, ids, cap,
                                                   &n, NULL);
            cr_assert_eq(err, SLIM_OK, "%s %s doc %zu: %s", name, tok_corpora[c], d,
                         slim_strerror(err));
            json_t *r = ref.v[d];
            int same = json_array_size(r) == n;
            for (size_t i = 0; same && i < n; i++)
                same = (json_int_t)ids[i] == json_integer_value(json_array_get(r, i));
            exact += same;
            cr_expect(same, "%s %s doc %zu differs from the reference", name, tok_corpora[c], d);
            size_t counted = 0;
            cr_expect_eq(slim_tokenizer_count(tok, text, len, SLIM_SPECIAL_ALLOW, &counted,
                                              NULL), SLIM_OK);
            cr_expect_eq(counted, n);
            if (roundtrip) {
                size_t nb = 0;
                err = slim_tokenizer_decode(tok, ids, n, back, 8 << 20, &nb, NULL);
                cr_expect(err == SLIM_OK && nb == len && memcmp(back, text, len) == 0,
                          "%s %s doc %zu: decode(encode(x)) != x", name, tok_corpora[c], d);
            }
        }
        cr_log_info("%s %-12s %zu/%zu documents exact", name, tok_corpora[c], exact, corpus.n);
        tok_lines_free(&corpus);
        tok_lines_free(&ref);
    }
    free(ids);
    free(back);
    slim_tokenizer_free(tok);
}

Test(tok_hf_ref, gpt2) { check_hf("gpt2", 1); }
Test(tok_hf_ref, llama3_1) { check_hf("llama3.1", 1); }
Test(tok_hf_ref, qwen3) { check_hf("qwen3", 0); }
Test(tok_hf_ref, llama2) { check_hf("llama2", 0); }
Test(tok_hf_ref, mistral7b_v0_1) { check_hf("mistral7b-v0.1", 0); }
Test(tok_hf_ref, gemma3) { check_hf("gemma3", 1); }

/* HF decode semantics on the SentencePiece-style files: the leading "▁"
 * that Prepend adds is stripped, byte-fallback runs rejoin into UTF-8. */
Test(tok_hf_ref, llama2_decode)
{
    const char *dir = tok_data_dir();
    if (!dir)
        cr_skip_test("shared data not found: set SLIM_SHARED_DATA or provide ../shared/data");
    slim_tokenizer *tok = load_hf(dir, "llama2");
    const char *text = "Hello world \xF0\x9F\xA6\x99 caf\xC3\xA9";
    uint32_t ids[64];
    size_t n = 0, nb = 0;
    cr_assert_eq(slim_tokenizer_encode(tok, text, strlen(text), SLIM_SPECIAL_AS_TEXT, ids, 64,
                                       &n, NULL), SLIM_OK);
    char back[256];
    cr_assert_eq(slim_tokenizer_decode(tok, ids, n, back, sizeof back, &nb, NULL), SLIM_OK);
    cr_assert(nb == strlen(text) && !memcmp(back, text, nb), "got '%.*s'", (int)nb, back);
    /* <s> around the sequence with the template. */
    uint32_t with[66];
    size_t m = 0;
    cr_assert_eq(slim_tokenizer_add_special(tok, ids, n, with, 66, &m), SLIM_OK);
    cr_assert_eq(m, n + 1);
    cr_assert_eq(with[0], 1);
    slim_tokenizer_free(tok);
}

/* One loaded tokenizer.json shared by threads: every thread gets the ids a
 * single thread gets (encoding keeps all state per call). */
#include <pthread.h>

typedef struct hf_job {
    slim_tokenizer *tok;
    const char *text;
    size_t len, n;
    uint32_t *ids;
    int ok;
} hf_job;

static void *hf_worker(void *arg)
{
    hf_job *j = arg;
    uint32_t *ids = malloc((j->n + 1) * sizeof *ids);
    j->ok = ids != NULL;
    for (int rep = 0; j->ok && rep < 4; rep++) {
        size_t n = 0;
        j->ok = slim_tokenizer_encode(j->tok, j->text, j->len, SLIM_SPECIAL_ALLOW, ids, j->n + 1,
                                      &n, NULL) == SLIM_OK &&
                n == j->n && !memcmp(ids, j->ids, n * sizeof *ids);
    }
    free(ids);
    return NULL;
}

Test(tok_hf_ref, threads_share_one_tokenizer)
{
    const char *dir = tok_data_dir();
    if (!dir)
        cr_skip_test("shared data not found: set SLIM_SHARED_DATA or provide ../shared/data");
    slim_tokenizer *tok = load_hf(dir, "qwen3");
    char path[4096];
    tok_lines corpus;
    snprintf(path, sizeof path, "%s/corpora/multilingual.jsonl", dir);
    cr_assert(tok_lines_load(path, &corpus));
    for (size_t d = 0; d < corpus.n; d += 8) {
        hf_job jobs[4];
        pthread_t th[4];
        size_t len, n = 0;
        const char *text = tok_doc(&corpus, d, &len);
        uint32_t *ids = malloc((4 * len + 16) * sizeof *ids);
        cr_assert_eq(slim_tokenizer_encode(tok, text, len, SLIM_SPECIAL_ALLOW, ids, 4 * len + 16,
                                           &n, NULL), SLIM_OK);
        for (int k = 0; k < 4; k++) {
            jobs[k] = (hf_job){tok, text, len, n, ids, 0};
            cr_assert_eq(pthread_create(&th[k], NULL, hf_worker, &jobs[k]), 0);
        }
        for (int k = 0; k < 4; k++) {
            pthread_join(th[k], NULL);
            cr_expect(jobs[k].ok, "thread %d, document %zu", k, d);
        }
        free(ids);
    }
    tok_lines_free(&corpus);
    slim_tokenizer_free(tok);
}
