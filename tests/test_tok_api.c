/*
 * Unit tests of the tokenizer API: built-ins, known tiktoken ids, special
 * token modes, buffer sizes, errors and their positions, the rank-file
 * parser, one-piece megabytes, and concurrent encoding (the BPE algorithms
 * against a naive merge: test_tok_bpe.c).
 */
#include <criterion/criterion.h>

#include <pthread.h>

#include "slim.h"
#include "tests/tok_test.h"
#include "tok/tokenizer.h"

static slim_tokenizer *load(const char *name)
{
    slim_tokenizer *tok = NULL;
    cr_assert_eq(slim_tokenizer_builtin(name, &tok), SLIM_OK, "built-in %s", name);
    return tok;
}

/* Encodes and checks against `want` (n ids). */
static void expect_ids(slim_tokenizer *tok, const char *text, slim_special_mode mode,
                       const uint32_t *want, size_t n)
{
    uint32_t ids[256];
    size_t got = 0;
    cr_assert_eq(slim_tokenizer_encode(tok, text, strlen(text), mode, ids, 256, &got, NULL),
                 SLIM_OK, "encoding '%s'", text);
    cr_expect_eq(got, n, "'%s': %zu ids, want %zu", text, got, n);
    for (size_t i = 0; i < n && i < got; i++)
        cr_expect_eq(ids[i], want[i], "'%s' id %zu: %u, want %u", text, i, ids[i], want[i]);
}

#define IDS(...) (const uint32_t[]){__VA_ARGS__}, sizeof((const uint32_t[]){__VA_ARGS__}) / 4

Test(tok_api, builtins)
{
    static const struct { const char *name; size_t vocab; } want[] = {
        {"o200k_base", 200019}, {"cl100k_base", 100277}, {"p50k_base", 50281},
        {"p50k_edit", 50284}, {"r50k_base", 50257}, {"gpt2", 50257}, {"CL100K_BASE", 100277},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        slim_tokenizer *tok = load(want[i].name);
        cr_expect_eq(slim_tokenizer_vocab_size(tok), want[i].vocab, "%s", want[i].name);
        slim_tokenizer_free(tok);
    }
    const char *const *names = slim_tokenizer_builtin_names();
    size_t k = 0;
    while (names[k])
        k++;
    cr_expect_eq(k, 6);
    slim_tokenizer *tok = NULL;
    cr_expect_eq(slim_tokenizer_builtin("o300k", &tok), SLIM_ERR_NOT_FOUND);
    cr_expect_null(tok);
    slim_tokenizer_free(NULL);
}

/* Ids from tiktoken's own tests (tests/test_encoding.py). */
Test(tok_api, known_ids)
{
    slim_tokenizer *gpt2 = load("gpt2"), *cl = load("cl100k_base");
    expect_ids(gpt2, "hello world", SLIM_SPECIAL_AS_TEXT, IDS(31373, 995));
    expect_ids(cl, "hello world", SLIM_SPECIAL_AS_TEXT, IDS(15339, 1917));
    expect_ids(cl, " \xc2\x85" "0", SLIM_SPECIAL_AS_TEXT, IDS(220, 126, 227, 15));
    expect_ids(gpt2, "0", SLIM_SPECIAL_AS_TEXT, IDS(15));
    expect_ids(gpt2, "00", SLIM_SPECIAL_AS_TEXT, IDS(405));
    expect_ids(gpt2, "000", SLIM_SPECIAL_AS_TEXT, IDS(830));
    expect_ids(gpt2, "0000", SLIM_SPECIAL_AS_TEXT, IDS(2388));
    expect_ids(gpt2, "00000", SLIM_SPECIAL_AS_TEXT, IDS(20483));
    expect_ids(gpt2, "000000", SLIM_SPECIAL_AS_TEXT, IDS(10535));
    expect_ids(gpt2, "0000000", SLIM_SPECIAL_AS_TEXT, IDS(24598));
    expect_ids(gpt2, "00000000", SLIM_SPECIAL_AS_TEXT, IDS(8269));
    expect_ids(gpt2, "000000000", SLIM_SPECIAL_AS_TEXT, IDS(10535, 830));
    expect_ids(gpt2, "0000000000000000", SLIM_SPECIAL_AS_TEXT, IDS(25645));
    expect_ids(gpt2, "hello <|endoftext|>", SLIM_SPECIAL_ALLOW, IDS(31373, 220, 50256));
    expect_ids(cl, "<|endoftext|>", SLIM_SPECIAL_ALLOW, IDS(100257));
    slim_tokenizer_free(gpt2);
    slim_tokenizer_free(cl);
}

Test(tok_api, special_modes)
{
    slim_tokenizer *tok = load("o200k_base");
    const char *text = "hi <|endoftext|> <|endofprompt|>";
    uint32_t ids[64];
    size_t n = 0;
    slim_tok_where w;
    cr_assert_eq(slim_tokenizer_encode(tok, text, strlen(text), SLIM_SPECIAL_AS_TEXT, ids, 64,
                                       &n, NULL), SLIM_OK);
    for (size_t i = 0; i < n; i++)
        cr_expect(ids[i] != 199999 && ids[i] != 200018, "a special id in text mode");
    cr_assert_eq(slim_tokenizer_encode(tok, text, strlen(text), SLIM_SPECIAL_ALLOW, ids, 64, &n,
                                       NULL), SLIM_OK);
    int seen = 0;
    for (size_t i = 0; i < n; i++)
        seen += ids[i] == 199999 || ids[i] == 200018;
    cr_expect_eq(seen, 2);
    cr_expect_eq(slim_tokenizer_encode(tok, text, strlen(text), SLIM_SPECIAL_DISALLOW, ids, 64,
                                       &n, &w), SLIM_ERR_SPECIAL_TOKEN);
    cr_expect_eq(w.offset, 3);
    cr_expect_eq(w.token, 199999);
    /* Only text that spells a special is refused. */
    cr_expect_eq(slim_tokenizer_encode(tok, "<|endoftext", 11, SLIM_SPECIAL_DISALLOW, ids, 64,
                                       &n, &w), SLIM_OK);
    cr_expect_eq(slim_tokenizer_encode(tok, "x", 1, (slim_special_mode)7, ids, 64, &n, &w),
                 SLIM_ERR_INVALID_ARG);
    slim_tokenizer_free(tok);
}

Test(tok_api, buffers_and_errors)
{
    slim_tokenizer *tok = load("cl100k_base");
    const char *text = "The quick brown fox jumps over the lazy dog.";
    uint32_t ids[64], few[3];
    size_t n = 0, m = 0, nb = 0;
    cr_assert_eq(slim_tokenizer_encode(tok, text, strlen(text), 0, ids, 64, &n, NULL), SLIM_OK);
    cr_expect_eq(slim_tokenizer_encode(tok, text, strlen(text), 0, few, 3, &m, NULL),
                 SLIM_ERR_BUFFER_TOO_SMALL);
    cr_expect_eq(m, n);
    cr_expect_arr_eq(few, ids, sizeof few);
    cr_expect_eq(slim_tokenizer_encode(tok, text, strlen(text), 0, NULL, 0, &m, NULL),
                 SLIM_ERR_BUFFER_TOO_SMALL);
    cr_expect_eq(slim_tokenizer_count(tok, text, strlen(text), 0, &m, NULL), SLIM_OK);
    cr_expect_eq(m, n);
    cr_expect_eq(slim_tokenizer_encode(tok, "", 0, 0, NULL, 0, &m, NULL), SLIM_OK);
    cr_expect_eq(m, 0);

    char out[8];
    cr_expect_eq(slim_tokenizer_decode(tok, ids, n, out, sizeof out, &nb, NULL),
                 SLIM_ERR_BUFFER_TOO_SMALL);
    cr_expect_eq(nb, strlen(text));
    cr_expect(memcmp(out, text, sizeof out) == 0);

    slim_tok_where w;
    cr_expect_eq(slim_tokenizer_encode(tok, "ab\xff" "c", 4, 0, ids, 64, &n, &w), SLIM_ERR_BAD_UTF8);
    cr_expect_eq(w.offset, 2);
    cr_expect_eq(slim_tokenizer_encode(tok, "\xed\xa0\x80", 3, 0, ids, 64, &n, &w),
                 SLIM_ERR_BAD_UTF8); /* a surrogate */
    cr_expect_eq(slim_tokenizer_encode(tok, "\xc0\xaf", 2, 0, ids, 64, &n, &w),
                 SLIM_ERR_BAD_UTF8); /* overlong */
    uint32_t bad[] = {15339, 4000000, 1917};
    cr_expect_eq(slim_tokenizer_decode(tok, bad, 3, out, sizeof out, &nb, &w), SLIM_ERR_NOT_FOUND);
    cr_expect_eq(w.index, 1);
    cr_expect_eq(w.token, 4000000);
    size_t len = 0;
    cr_expect_str_eq(slim_tokenizer_token(tok, 100257, &len), "<|endoftext|>");
    cr_expect_null(slim_tokenizer_token(tok, 100261, &len)); /* a gap between specials */
    slim_tokenizer_free(tok);
}

/* A tiny vocabulary: every byte, then merges. */
static const char tiny[] =
    "YQ== 0\nYg== 1\nYw== 2\nIA== 3\nYWI= 4\nYWJj 5\nIGE= 6\n";

Test(tok_api, rank_file)
{
    slim_tokenizer *tok = NULL;
    slim_tok_where w;
    slim_special_token sp[] = {{"<s>", 7}};
    cr_assert_eq(slim_tokenizer_from_tiktoken(tiny, strlen(tiny), "\\s?\\w+|\\s", sp, 1, &tok,
                                              &w), SLIM_OK);
    expect_ids(tok, "abc ab", SLIM_SPECIAL_AS_TEXT, IDS(5, 3, 4)); /* "ab" (4) before " a" (6) */
    expect_ids(tok, "abc<s>", SLIM_SPECIAL_ALLOW, IDS(5, 7));
    uint32_t ids[8];
    size_t n;
    cr_expect_eq(slim_tokenizer_encode(tok, "abd", 3, 0, ids, 8, &n, &w), SLIM_ERR_NOT_FOUND);
    cr_expect_eq(w.offset, 2);
    slim_tokenizer_info info;
    slim_tokenizer_get_info(tok, &info);
    cr_expect_str_eq(info.pretok, "pcre2");
    cr_expect_eq(info.n_ranks, 7);
    cr_expect_eq(info.vocab_size, 8);
    slim_tokenizer_free(tok);

    static const struct { const char *text; slim_error err; size_t line, offset; } bad[] = {
        {"YQ== 0\nYQ 1\n", SLIM_ERR_CORRUPT, 2, 7},          /* bad base64 length */
        {"YQ== 0\nYR== 1\n", SLIM_ERR_CORRUPT, 2, 7},        /* non-canonical padding */
        {"YQ== 0\nYg==1\n", SLIM_ERR_CORRUPT, 2, 7},         /* no space */
        {"YQ== 0\nYg== -1\n", SLIM_ERR_CORRUPT, 2, 7},       /* sign */
        {"YQ== 0\nYg== 1x\n", SLIM_ERR_CORRUPT, 2, 7},
        {"YQ== 0\nYg== 0\n", SLIM_ERR_DUPLICATE, 2, 7},      /* rank twice */
        {"YQ== 0\nYg== 99999999\n", SLIM_ERR_TOO_LARGE, 2, 7},
        {"YQ== 0\nYg== 5000\n", SLIM_ERR_TOO_LARGE, 0, 0},   /* mostly gaps */
        {"", SLIM_ERR_CORRUPT, 0, 0},
        {"\n\n", SLIM_ERR_CORRUPT, 0, 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        slim_error err = slim_tokenizer_from_tiktoken(bad[i].text, strlen(bad[i].text), "\\w+",
                                                      NULL, 0, &tok, &w);
        cr_expect_eq(err, bad[i].err, "case %zu: %s", i, slim_strerror(err));
        cr_expect_eq(w.line, bad[i].line, "case %zu line", i);
        cr_expect_eq(w.offset, bad[i].offset, "case %zu offset", i);
    }
    /* The same bytes under two ranks. */
    cr_expect_eq(slim_tokenizer_from_tiktoken("YQ== 0\nYQ== 1\n", 14, "\\w+", NULL, 0, &tok, &w),
                 SLIM_ERR_DUPLICATE);
    /* A bad pattern reports its offset. */
    cr_expect_eq(slim_tokenizer_from_tiktoken(tiny, strlen(tiny), "ab(c", NULL, 0, &tok, &w),
                 SLIM_ERR_CORRUPT);
    cr_expect_eq(w.line, 0);
    cr_expect_eq(w.offset, 4);
    /* A special that is also a rank, or given twice. */
    slim_special_token clash[] = {{"<s>", 3}};
    cr_expect_eq(slim_tokenizer_from_tiktoken(tiny, strlen(tiny), "\\w+", clash, 1, &tok, &w),
                 SLIM_ERR_DUPLICATE);
    cr_expect_eq(slim_tokenizer_load_tiktoken("/nonexistent/x.tiktoken", "\\w+", NULL, 0, &tok,
                                              &w), SLIM_ERR_IO);
}

/* The shared o200k rank file, loaded with the official pattern and specials,
 * encodes like the built-in. */
Test(tok_api, rank_file_matches_builtin)
{
    const char *dir = tok_data_dir();
    if (!dir)
        cr_skip_test("shared data not found: set SLIM_SHARED_DATA or provide ../shared/data");
    slim_tokenizer *b = load("o200k_base"), *f = NULL;
    slim_tokenizer_info info;
    slim_tokenizer_get_info(b, &info);
    char path[4096];
    snprintf(path, sizeof path, "%s/vocab/tiktoken/o200k_base.tiktoken", dir);
    slim_special_token sp[] = {{"<|endoftext|>", 199999}, {"<|endofprompt|>", 200018}};
    cr_assert_eq(slim_tokenizer_load_tiktoken(path, info.pattern, sp, 2, &f, NULL), SLIM_OK);
    const char *text = "Hello, world! 12345 \xe4\xb8\xad\xe6\x96\x87 <|endoftext|>  \n\n x";
    uint32_t a[128], c[128];
    size_t na, nc;
    cr_assert_eq(slim_tokenizer_encode(b, text, strlen(text), 1, a, 128, &na, NULL), SLIM_OK);
    cr_assert_eq(slim_tokenizer_encode(f, text, strlen(text), 1, c, 128, &nc, NULL), SLIM_OK);
    cr_expect_eq(na, nc);
    cr_expect_arr_eq(a, c, na * sizeof a[0]);
    slim_tokenizer_free(b);
    slim_tokenizer_free(f);
}

/* A megabyte of one letter is one piece (the bucket queue's case). */
Test(tok_api, long_pieces)
{
    slim_tokenizer *tok = load("o200k_base");
    size_t n = 1 << 20;
    char *text = malloc(n), *back = malloc(n);
    uint32_t *ids = malloc(n * sizeof *ids);
    for (int kind = 0; kind < 3; kind++) {
        uint64_t x = 99;
        for (size_t i = 0; i < n; i++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            text[i] = kind == 0 ? 'x' : kind == 1 ? (char)('a' + (x >> 33) % 26) : '^';
        }
        size_t m = 0, nb = 0;
        cr_assert_eq(slim_tokenizer_encode(tok, text, n, 0, ids, n, &m, NULL), SLIM_OK);
        cr_assert_eq(slim_tokenizer_decode(tok, ids, m, back, n, &nb, NULL), SLIM_OK);
        cr_expect(nb == n && memcmp(back, text, n) == 0, "round trip of kind %d", kind);
    }
    free(text);
    free(back);
    free(ids);
    slim_tokenizer_free(tok);
}

/* Several threads encoding with one tokenizer get the single-thread ids. */
typedef struct job {
    slim_tokenizer *tok;
    const char *text;
    size_t len;
    uint32_t *ids;
    size_t n;
    slim_error err;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    for (int r = 0; r < 20 && j->err == SLIM_OK; r++)
        j->err = slim_tokenizer_encode(j->tok, j->text, j->len, SLIM_SPECIAL_ALLOW, j->ids,
                                       1 << 16, &j->n, NULL);
    return NULL;
}

Test(tok_api, threads)
{
    slim_tokenizer *tok = load("cl100k_base");
    slim_tokenizer_set_fast_split(tok, 0); /* the PCRE2 path has per-call state */
    static const char unit[] = "Hello world, <|endoftext|> it's 2024!\n\xce\xb1\xce\xb2 ";
    static char text[20000];
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = unit[i % (sizeof unit - 1)];
    size_t len = slim_utf8_valid_prefix(text, sizeof text);
    job jobs[4];
    pthread_t th[4];
    for (int t = 0; t < 4; t++) {
        jobs[t] = (job){tok, text, len, malloc((1 << 16) * sizeof(uint32_t)), 0, SLIM_OK};
        pthread_create(&th[t], NULL, run_job, &jobs[t]);
    }
    for (int t = 0; t < 4; t++)
        pthread_join(th[t], NULL);
    for (int t = 0; t < 4; t++) {
        cr_expect_eq(jobs[t].err, SLIM_OK);
        cr_expect_eq(jobs[t].n, jobs[0].n);
        cr_expect_arr_eq(jobs[t].ids, jobs[0].ids, jobs[0].n * sizeof(uint32_t));
    }
    for (int t = 0; t < 4; t++)
        free(jobs[t].ids);
    slim_tokenizer_free(tok);
}
