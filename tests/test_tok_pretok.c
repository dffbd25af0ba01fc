/*
 * The hand-written splitters (gpt2, cl100k, o200k, the npm cl100k form that
 * Llama 3 uses, Qwen2) against PCRE2 with the
 * same pattern: every corpus document and random strings built from the
 * characters the patterns treat specially (letters of every case class,
 * marks, digits of every kind, white space including U+0085 and U+180E,
 * CR/LF, apostrophes and contraction letters, U+017F) and random code points
 * of all planes. Code points PCRE2 (Unicode 14) sees as unassigned are left
 * out: their category may differ in newer Unicode tables.
 */
#include <criterion/criterion.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <utf8proc.h>

#include "slim.h"
#include "tests/tok_test.h"
#include "tok/pretok.h"
#include "tok/pretok_ascii.h"

static const char *const vocab_of_kind[] = {
    [SLIM_PRETOK_GPT2] = "r50k_base",
    [SLIM_PRETOK_CL100K] = "cl100k_base",
    [SLIM_PRETOK_O200K] = "o200k_base",
    [SLIM_PRETOK_CL100K_NPM] = "cl100k_npm",
    [SLIM_PRETOK_QWEN2] = "qwen2",
};

/* The npm tiktoken package's cl100k pattern (../shared/data vocabulary
 * metadata, pat_str_npm_json), which is also the Split regex of Llama 3's
 * tokenizer.json (../shared/data/vocab/hf/llama3.1). */
static const char cl100k_npm[] =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
    "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/* The Split regex of Qwen2/Qwen3's tokenizer.json (../shared/data/vocab/hf/qwen3). */
static const char qwen2[] =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
    "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/* GPT-2's regex as Hugging Face's ByteLevel pre-tokenizer writes it. */
static const char gpt2_hf[] =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

/* The splitter of `kind` with its pattern compiled for PCRE2. */
typedef struct fixture {
    slim_pretok pt;
    slim_pretok_state st;
} fixture;

static void setup(slim_pretok_kind kind, fixture *f)
{
    slim_tokenizer *tok = NULL;
    const char *pattern = kind == SLIM_PRETOK_CL100K_NPM ? cl100k_npm
                          : kind == SLIM_PRETOK_QWEN2    ? qwen2
                                                         : NULL;
    if (!pattern) {
        cr_assert_eq(slim_tokenizer_builtin(vocab_of_kind[kind], &tok), SLIM_OK);
        slim_tokenizer_info info;
        slim_tokenizer_get_info(tok, &info);
        pattern = info.pattern;
    }
    cr_assert_eq(slim_pretok_init(&f->pt, pattern, 1, NULL), SLIM_OK);
    cr_assert_eq(f->pt.kind, kind);
    cr_assert_eq(slim_pretok_state_init(&f->pt, &f->st), SLIM_OK);
    slim_tokenizer_free(tok);
}

static void teardown(fixture *f)
{
    slim_pretok_state_free(&f->st);
    slim_pretok_free(&f->pt);
}

static void check_text(fixture *f, slim_pretok_kind kind, const uint8_t *s, size_t n,
                       const char *what)
{
    size_t at = slim_pretok_compare(&f->pt, &f->st, kind, s, n);
    if (at != SIZE_MAX) {
        size_t show = n - at < 24 ? n - at : 24;
        char hex[24 * 3 + 1] = "";
        for (size_t i = 0; i < show; i++)
            sprintf(hex + 3 * i, "%02x ", s[at + i]);
        cr_expect(0, "%s splitter differs from PCRE2 on %s at byte %zu: %s",
                  vocab_of_kind[kind], what, at, hex);
    }
}

static void corpora(slim_pretok_kind kind)
{
    const char *dir = tok_data_dir();
    if (!dir)
        cr_skip_test("shared data not found: set SLIM_SHARED_DATA or provide ../shared/data");
    fixture f;
    setup(kind, &f);
    size_t docs = 0;
    for (size_t c = 0; c < TOK_N_CORPORA; c++) {
        char path[4096];
        tok_lines corpus;
        snprintf(path, sizeof path, "%s/corpora/%s.jsonl", dir, tok_corpora[c]);
        cr_assert(tok_lines_load(path, &corpus), "cannot read %s", path);
        for (size_t d = 0; d < corpus.n; d++) {
            size_t len;
            const char *text = tok_doc(&corpus, d, &len);
            char what[128];
            snprintf(what, sizeof what, "%s doc %zu", tok_corpora[c], d);
            check_text(&f, kind, (const uint8_t *)text, len, what);
            docs++;
        }
        tok_lines_free(&corpus);
    }
    cr_log_info("%s splitter: %zu corpus documents compared", vocab_of_kind[kind], docs);
    teardown(&f);
}

/* Characters the patterns treat specially. */
static const int32_t special_cps[] = {
    'a', 'b', 'Z', 'S', 's', 't', 'T', 'r', 'E', 'e', 'v', 'm', 'M', 'l', 'L', 'd', 'D',
    '\'', '\'', '\'', '0', '7', ' ', ' ', ' ', '\t', '\n', '\r', '\v', '\f', '/', '.', '?',
    '_', '-', '!', 0x1C, 0x7F,
    0x85, 0xA0, 0x1680, 0x180E, 0x2000, 0x200A, 0x200B, 0x2028, 0x2029, 0x202F, 0x205F,
    0x3000, 0xFEFF,
    0xC0, 0xE9, 0x3A3, 0x3C3, 0x1C5 /* Lt */, 0x2B0 /* Lm */, 0x4E2D, 0x3042 /* Lo */,
    0x301, 0x903, 0x20DD /* Mn Mc Me */, 0x663, 0xBD, 0x216B /* Nd No Nl */,
    0x17F /* long s */, 0x212A /* Kelvin */, 0x1F600, 0x1F468, 0x200D, 0xFE0F,
};

static int assigned_in_pcre2(pcre2_code *cn, pcre2_match_data *md, int32_t cp)
{
    uint8_t b[4];
    utf8proc_ssize_t n = utf8proc_encode_char(cp, b);
    return pcre2_match(cn, b, (size_t)n, 0, 0, md, NULL) < 0;
}

static void random_strings(slim_pretok_kind kind)
{
    fixture f;
    setup(kind, &f);
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *cn = pcre2_compile((PCRE2_SPTR) "^\\p{Cn}", PCRE2_ZERO_TERMINATED,
                                   PCRE2_UTF | PCRE2_UCP, &ec, &eo, NULL);
    pcre2_match_data *md = pcre2_match_data_create(4, NULL);
    uint64_t x = 0x9E3779B97F4A7C15ull * (uint64_t)(kind + 1);
    uint8_t buf[64 * 4];
    size_t n_special = sizeof special_cps / sizeof special_cps[0];
    for (int iter = 0; iter < 40000; iter++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t chars = x % 40, n = 0;
        for (size_t k = 0; k < chars; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            int32_t cp;
            if (x % 8) {
                cp = special_cps[(x >> 8) % n_special];
            } else {
                cp = (int32_t)((x >> 8) % 0x110000);
                if ((cp >= 0xD800 && cp < 0xE000) || !assigned_in_pcre2(cn, md, cp))
                    cp = 'x';
            }
            n += (size_t)utf8proc_encode_char(cp, buf + n);
        }
        char what[64];
        snprintf(what, sizeof what, "random string %d", iter);
        check_text(&f, kind, buf, n, what);
    }
    pcre2_match_data_free(md);
    pcre2_code_free(cn);
    teardown(&f);
}

/* Long runs exercise the backtracking the splitters model. */
static void long_runs(slim_pretok_kind kind)
{
    fixture f;
    setup(kind, &f);
    static const char *const units[] = {"a", "A", " ", "\n", " \n", "1", "^", "'s", "\xc3\x80",
                                        "\xcc\x81", "\xe4\xb8\xad", "Ab", "aB", " a", "\r\n",
                                        "/", "\xe2\x80\xa8", "\xca\xb0"};
    char buf[4096];
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++)
        for (size_t v = 0; v < sizeof units / sizeof units[0]; v++) {
            size_t n = 0;
            for (int r = 0; r < 100; r++) {
                size_t lu = strlen(units[u]);
                memcpy(buf + n, units[u], lu);
                n += lu;
            }
            memcpy(buf + n, units[v], strlen(units[v]));
            n += strlen(units[v]);
            check_text(&f, kind, (const uint8_t *)buf, n, "a long run");
        }
    teardown(&f);
}

Test(tok_pretok, gpt2_corpora) { corpora(SLIM_PRETOK_GPT2); }
Test(tok_pretok, cl100k_corpora) { corpora(SLIM_PRETOK_CL100K); }
Test(tok_pretok, o200k_corpora) { corpora(SLIM_PRETOK_O200K); }
Test(tok_pretok, gpt2_random) { random_strings(SLIM_PRETOK_GPT2); }
Test(tok_pretok, cl100k_random) { random_strings(SLIM_PRETOK_CL100K); }
Test(tok_pretok, o200k_random) { random_strings(SLIM_PRETOK_O200K); }
Test(tok_pretok, gpt2_runs) { long_runs(SLIM_PRETOK_GPT2); }
Test(tok_pretok, cl100k_runs) { long_runs(SLIM_PRETOK_CL100K); }
Test(tok_pretok, o200k_runs) { long_runs(SLIM_PRETOK_O200K); }
Test(tok_pretok, cl100k_npm_corpora) { corpora(SLIM_PRETOK_CL100K_NPM); }
Test(tok_pretok, cl100k_npm_random) { random_strings(SLIM_PRETOK_CL100K_NPM); }
Test(tok_pretok, cl100k_npm_runs) { long_runs(SLIM_PRETOK_CL100K_NPM); }
Test(tok_pretok, qwen2_corpora) { corpora(SLIM_PRETOK_QWEN2); }
Test(tok_pretok, qwen2_random) { random_strings(SLIM_PRETOK_QWEN2); }
Test(tok_pretok, qwen2_runs) { long_runs(SLIM_PRETOK_QWEN2); }

/* The tokenizer.json regexes that get a hand-written splitter. */
Test(tok_pretok, hf_patterns_known)
{
    cr_expect_eq(slim_pretok_known(cl100k_npm), SLIM_PRETOK_CL100K_NPM);
    cr_expect_eq(slim_pretok_known(qwen2), SLIM_PRETOK_QWEN2);
    cr_expect_eq(slim_pretok_known(gpt2_hf), SLIM_PRETOK_GPT2);
    cr_expect_eq(slim_pretok_known("\\p{N}"), SLIM_PRETOK_REGEX);
}

/* The vector skip of ASCII runs (SSE2 / NEON where built) against the
 * scalar reference: every class mask the splitters use, random buffers of
 * letters, digits, spaces, punctuation and high bytes, every start. */
Test(tok_pretok, ascii_run_matches_reference)
{
    static const uint8_t masks[] = {C_L, C_LOW, C_UP, C_N, C_S, C_LU, C_LL, C_L | C_N};
    static const char alphabet[] = "aZm09 \t\n\r\v\f_-'@[`{/\x80\xc3\xff";
    uint8_t buf[80];
    uint64_t x = 0x2545F4914F6CDD1Dull;
    for (int iter = 0; iter < 4000; iter++) {
        size_t n = 0;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t len = x % sizeof buf;
        for (; n < len; n++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            /* Long stretches of one kind, so runs cross the 16-byte steps. */
            buf[n] = (x >> 20) % 4 ? (uint8_t)alphabet[(x >> 8) % 3]
                                   : (uint8_t)alphabet[(x >> 8) % (sizeof alphabet - 1)];
        }
        for (size_t m = 0; m < sizeof masks; m++)
            for (size_t i = 0; i <= n; i++)
                cr_assert_eq(ascii_run(buf, n, i, masks[m]), ascii_run_ref(buf, n, i, masks[m]),
                             "mask %u, start %zu of %zu", masks[m], i, n);
    }
    /* Every byte value on its own, in a 16-byte window. */
    for (int b = 0; b < 256; b++) {
        memset(buf, 'a', 32);
        buf[5] = (uint8_t)b;
        for (size_t m = 0; m < sizeof masks; m++)
            cr_assert_eq(ascii_run(buf, 32, 0, masks[m]), ascii_run_ref(buf, 32, 0, masks[m]),
                         "byte 0x%02x mask %u", b, masks[m]);
    }
}
