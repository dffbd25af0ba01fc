/*
 * Exactness of the built-in tiktoken vocabularies against the shared
 * reference ids (../shared/data/tokref, made by the tiktoken npm package with
 * allowed_special="all"), with both the hand-written and the PCRE2 splitter,
 * and decode(encode(x)) == x on every document.
 */
#include <criterion/criterion.h>

#include "slim.h"
#include "tests/tok_test.h"

static void check_vocab(const char *name)
{
    const char *dir = tok_data_dir();
    if (!dir)
        cr_skip_test("shared data not found: set SLIM_SHARED_DATA or provide ../shared/data");
    slim_tokenizer *tok = NULL;
    cr_assert_eq(slim_tokenizer_builtin(name, &tok), SLIM_OK);
    size_t cap = 1 << 20;
    uint32_t *ids = malloc(cap * sizeof *ids);
    char *back = malloc(4 << 20);
    cr_assert(ids && back);

    for (size_t c = 0; c < TOK_N_CORPORA; c++) {
        char path[4096];
        tok_lines corpus, ref;
        snprintf(path, sizeof path, "%s/corpora/%s.jsonl", dir, tok_corpora[c]);
        cr_assert(tok_lines_load(path, &corpus), "cannot read %s", path);
        snprintf(path, sizeof path, "%s/tokref/%s/%s.ids.jsonl.zst", dir, name, tok_corpora[c]);
        cr_assert(tok_lines_load(path, &ref), "cannot read %s", path);
        cr_assert_eq(corpus.n, ref.n, "%s: %zu documents, %zu reference lines",
                     tok_corpora[c], corpus.n, ref.n);

        for (int fast = 1; fast >= 0; fast--) {
            slim_tokenizer_set_fast_split(tok, fast);
            size_t exact = 0;
            for (size_t d = 0; d < corpus.n; d++) {
                size_t len, n = 0;
                const char *text = tok_doc(&corpus, d, &len);
                cr_assert(text, "%s: document %zu has no text", tok_corpora[c], d);
                slim_error err = slim_tokenizer_encode(tok, text, len, SLIM_SPECIAL_ALLOW,
                                                       ids, cap, &n, NULL);
                cr_assert_eq(err, SLIM_OK, "%s doc %zu: %s", tok_corpora[c], d,
                             slim_strerror(err));
                json_t *r = ref.v[d];
                int same = json_array_size(r) == n;
                for (size_t i = 0; same && i < n; i++)
                    same = (json_int_t)ids[i] == json_integer_value(json_array_get(r, i));
                cr_expect(same, "%s %s doc %zu (%s splitter) differs from the reference",
                          name, tok_corpora[c], d, fast ? "hand-written" : "PCRE2");
                exact += same;

                size_t nb = 0;
                err = slim_tokenizer_decode(tok, ids, n, back, 4 << 20, &nb, NULL);
                cr_expect(err == SLIM_OK && nb == len && memcmp(back, text, len) == 0,
                          "%s %s doc %zu: decode(encode(x)) != x", name, tok_corpora[c], d);
                size_t counted = 0;
                cr_expect_eq(slim_tokenizer_count(tok, text, len, SLIM_SPECIAL_ALLOW,
                                                  &counted, NULL), SLIM_OK);
                cr_expect_eq(counted, n);
            }
            cr_log_info("%s %-12s %s: %zu/%zu documents exact", name, tok_corpora[c],
                        fast ? "fast " : "pcre2", exact, corpus.n);
        }
        tok_lines_free(&corpus);
        tok_lines_free(&ref);
    }
    free(ids);
    free(back);
    slim_tokenizer_free(tok);
}

Test(tok_ref, o200k_base) { check_vocab("o200k_base"); }
Test(tok_ref, cl100k_base) { check_vocab("cl100k_base"); }
Test(tok_ref, p50k_base) { check_vocab("p50k_base"); }
Test(tok_ref, r50k_base) { check_vocab("r50k_base"); }
