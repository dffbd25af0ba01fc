/*
 * Unicode normalization with the Unicode 9.0 semantics of Hugging Face
 * `tokenizers` (tok/hf_unorm.c): known answers, the generated table of
 * assigned code points, and every code point utf8proc knows but 9.0 does not.
 */
#include <criterion/criterion.h>

#include <utf8proc.h>

#include "tok/hf.h"

/* NFC (compose) etc. of a UTF-8 string, compared with the expected bytes. */
static void expect_nf(const char *in, int compose, int compat, const char *want)
{
    hf_buf out = {0};
    cr_assert_eq(hf_unorm(in, strlen(in), compose, compat, &out), SLIM_OK);
    cr_expect(out.n == strlen(want) && memcmp(out.p, want, out.n) == 0,
              "normalization %d%d of \"%s\" gave \"%.*s\", want \"%s\"", compose, compat, in,
              (int)out.n, out.p ? out.p : "", want);
    hf_buf_free(&out);
}

Test(tok_hf_unorm, known_answers)
{
    expect_nf("e\xcc\x81", 1, 0, "\xc3\xa9");                    /* e + acute -> é */
    expect_nf("\xc3\xa9", 0, 0, "e\xcc\x81");                    /* NFD */
    expect_nf("\xef\xac\x81" "x", 1, 1, "fix");                  /* NFKC of U+FB01 */
    expect_nf("\xef\xac\x81", 1, 0, "\xef\xac\x81");             /* NFC keeps it */
    expect_nf("\xe2\x91\xa0", 0, 1, "1");                        /* NFKD of U+2460 */
    expect_nf("\xea\xb0\x80", 0, 0, "\xe1\x84\x80\xe1\x85\xa1"); /* Hangul GA */
    expect_nf("\xe1\x84\x80\xe1\x85\xa1", 1, 0, "\xea\xb0\x80");
    expect_nf("plain ASCII text\n", 1, 1, "plain ASCII text\n");
    /* Canonical ordering: dot below (220) before acute (230); then compose. */
    expect_nf("a\xcc\x81\xcc\xa3", 0, 0, "a\xcc\xa3\xcc\x81");
    expect_nf("a\xcc\x81\xcc\xa3", 1, 0, "\xe1\xba\xa1\xcc\x81");
}

/* U+1DF7 (Unicode 10, class 228 today) is an unassigned starter in 9.0: it
 * stops reordering and composition. Unicode 15 would give
 * NFD "a U+0316 U+1DF7 U+0301" and NFC "á U+0316 U+1DF7". */
Test(tok_hf_unorm, later_mark_is_a_starter)
{
    const char *in = "a\xcc\x81\xe1\xb7\xb7\xcc\x96";
    expect_nf(in, 0, 0, in);
    expect_nf(in, 1, 0, "\xc3\xa1\xe1\xb7\xb7\xcc\x96");
    /* DIVES AKURU VOWEL SIGN O (Unicode 13) does not decompose, and its
     * parts do not compose. */
    expect_nf("\xf0\x91\xa4\xb8", 0, 0, "\xf0\x91\xa4\xb8");
    expect_nf("\xf0\x91\xa4\xb5\xf0\x91\xa4\xb0", 1, 0, "\xf0\x91\xa4\xb5\xf0\x91\xa4\xb0");
}

Test(tok_hf_unorm, assigned_table)
{
    static const struct {
        uint32_t cp;
        int in9;
    } facts[] = {
        {0, 1},       {0x377, 1},    {0x378, 0},     {0x1DF5, 1},   {0x1DF6, 0},
        {0x1DF7, 0},  {0x4E00, 1},   {0x9FD5, 1},    {0x9FD6, 0},   {0x1F923, 1},
        {0x1F970, 0}, {0x11938, 0},  {0x20000, 1},   {0xE01EF, 1},  {0x10FFFD, 1},
    };
    for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++)
        cr_expect_eq(hf_u9_is_assigned(facts[i].cp), facts[i].in9, "U+%04X", facts[i].cp);
    cr_assert_eq(hf_u9_assigned_n % 2, 0);
    for (size_t i = 1; i < hf_u9_assigned_n; i++)
        cr_assert_lt(hf_u9_assigned[i - 1], hf_u9_assigned[i]);
}

/* Every code point that utf8proc assigns and 9.0 does not passes through
 * every form unchanged and splits "A ... U+030A" (which would compose to Å
 * around a mark of lower class). */
Test(tok_hf_unorm, later_code_points_pass_through)
{
    hf_buf out = {0};
    size_t tested = 0;
    for (int32_t cp = 0x378; cp < 0x110000; cp++) {
        if ((cp >= 0xD800 && cp < 0xE000) || hf_u9_is_assigned((uint32_t)cp) ||
            utf8proc_category(cp) == UTF8PROC_CATEGORY_CN)
            continue;
        char in[8] = "A";
        size_t n = 1 + hf_utf8_put(in + 1, (uint32_t)cp);
        memcpy(in + n, "\xcc\x8a", 2);
        n += 2;
        for (int form = 0; form < 4; form++) {
            cr_assert_eq(hf_unorm(in, n, form & 1, form >> 1, &out), SLIM_OK);
            cr_assert(out.n == n && memcmp(out.p, in, n) == 0, "U+%04X form %d changed", cp,
                      form);
        }
        tested++;
    }
    cr_expect_gt(tested, 10000, "only %zu later code points", tested);
    hf_buf_free(&out);
}

/* Made only of code points 9.0 has, a text normalizes exactly as utf8proc
 * does (normalization stability): random mixes of ASCII, marks of several
 * classes, precomposed and compatibility characters, Hangul and jamo check
 * the cutting at ASCII in hf_unorm. */
Test(tok_hf_unorm, same_as_utf8proc_on_old_text)
{
    static const int32_t cps[] = {
        'a', 'e', 'A', 'u', 'n', 'o', ' ', '\n', '1', '<', '=', 0xE9, 0xC5, 0xFC, 0xA0, 0xB2,
        0x300, 0x301, 0x308, 0x316, 0x323, 0x327, 0x338, 0x344, 0x345, 0x5B0, 0x93C, 0x94D,
        0x1E0A, 0x1E63, 0x212B, 0x2126, 0xFB01, 0x2460, 0x3000, 0xFF21, 0x1100, 0x1161,
        0x11A8, 0xAC00, 0xAC01, 0x0915, 0x0928, 0x09C7, 0x09BE, 0x0B47, 0x0B3E, 0x1B05,
        0x1B35, 0x3099, 0x304B, 0x1D15E, 0x2F800, 0xFDFA, 0x1F923,
    };
    hf_buf out = {0};
    uint64_t x = 0x243F6A8885A308D3ull;
    char in[64 * 4];
    for (int iter = 0; iter < 20000; iter++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t chars = x % 24, n = 0;
        for (size_t k = 0; k < chars; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            n += hf_utf8_put(in + n, (uint32_t)cps[(x >> 9) % (sizeof cps / sizeof cps[0])]);
        }
        for (int form = 0; form < 4; form++) {
            int compose = form & 1, compat = form >> 1;
            utf8proc_uint8_t *want = NULL;
            utf8proc_ssize_t wn = utf8proc_map(
                (const utf8proc_uint8_t *)in, (utf8proc_ssize_t)n, &want,
                (compose ? UTF8PROC_COMPOSE : UTF8PROC_DECOMPOSE) | UTF8PROC_STABLE |
                    (compat ? UTF8PROC_COMPAT : 0));
            cr_assert_geq(wn, 0);
            cr_assert_eq(hf_unorm(in, n, compose, compat, &out), SLIM_OK);
            cr_assert(out.n == (size_t)wn && memcmp(out.p, want, out.n) == 0,
                      "string %d form %d differs from utf8proc", iter, form);
            free(want);
        }
    }
    hf_buf_free(&out);
}
