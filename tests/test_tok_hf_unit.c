/*
 * Unit tests of the tokenizer.json components on tiny hand-written files:
 * the merge semantics (pair ranks), byte fallback and unk, every Split
 * behaviour, the other pre-tokenizers and normalizers, added tokens and the
 * special-token modes, post-processors, decoders, zstd input and the error
 * messages of broken files.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include <zstd.h>

#include "slim.h"

static slim_tokenizer *make(const char *json)
{
    slim_tokenizer *t = NULL;
    char msg[256];
    slim_error err = slim_tokenizer_from_hf(json, strlen(json), &t, msg, sizeof msg, NULL);
    cr_assert_eq(err, SLIM_OK, "%s: %s", slim_strerror(err), msg);
    return t;
}

/* Encodes text and compares with the expected ids (n of them). */
static void expect_ids(slim_tokenizer *t, const char *text, slim_special_mode mode,
                       const uint32_t *want, size_t n)
{
    uint32_t ids[256];
    size_t got = 0;
    slim_error err = slim_tokenizer_encode(t, text, strlen(text), mode, ids, 256, &got, NULL);
    cr_assert_eq(err, SLIM_OK, "'%s': %s", text, slim_strerror(err));
    int same = got == n;
    for (size_t i = 0; same && i < n; i++)
        same = ids[i] == want[i];
    char buf[512];
    size_t o = 0;
    for (size_t i = 0; i < got && o < sizeof buf - 16; i++)
        o += (size_t)snprintf(buf + o, sizeof buf - o, " %u", ids[i]);
    buf[o] = 0;
    cr_assert(same, "'%s': got%s", text, buf);
}

#define IDS(...) (const uint32_t[]){__VA_ARGS__}, sizeof((const uint32_t[]){__VA_ARGS__}) / 4

static void expect_decode(slim_tokenizer *t, const uint32_t *ids, size_t n, const char *want)
{
    char out[256];
    size_t nb = 0;
    cr_assert_eq(slim_tokenizer_decode(t, ids, n, out, sizeof out, &nb, NULL), SLIM_OK);
    cr_assert(nb == strlen(want) && !memcmp(out, want, nb), "decoded '%.*s', want '%s'",
              (int)nb, out, want);
}

static void expect_error(const char *json, slim_error want, const char *needle)
{
    slim_tokenizer *t = NULL;
    char msg[256];
    slim_error err = slim_tokenizer_from_hf(json, strlen(json), &t, msg, sizeof msg, NULL);
    cr_assert_eq(err, want, "got %s: %s", slim_strerror(err), msg);
    cr_assert(strstr(msg, needle), "message '%s' lacks '%s'", msg, needle);
    cr_assert_null(t);
}

/* a, b, -, and the merges a+- (rank 0), -+a (rank 1), a+b (rank 2). */
#define VOCAB3 "\"vocab\":{\"a\":0,\"b\":1,\"-\":2,\"a-\":3,\"-a\":4,\"ab\":5,\"x\":6}," \
               "\"merges\":[\"a -\",\"- a\",\"a b\"]"

static slim_tokenizer *split_tok(const char *behavior, int invert)
{
    char json[1024];
    snprintf(json, sizeof json,
             "{\"pre_tokenizer\":{\"type\":\"Split\",\"pattern\":{\"String\":\"-\"},"
             "\"behavior\":\"%s\",\"invert\":%s},\"model\":{\"type\":\"BPE\"," VOCAB3 "}}",
             behavior, invert ? "true" : "false");
    return make(json);
}

Test(tok_hf, split_behaviors)
{
    slim_tokenizer *t = split_tok("Removed", 0);
    expect_ids(t, "a-a", 0, IDS(0, 0));
    slim_tokenizer_free(t);
    t = split_tok("Isolated", 0);
    expect_ids(t, "a-a", 0, IDS(0, 2, 0));
    slim_tokenizer_free(t);
    t = split_tok("MergedWithPrevious", 0);
    expect_ids(t, "a-a", 0, IDS(3, 0));
    slim_tokenizer_free(t);
    t = split_tok("MergedWithNext", 0);
    expect_ids(t, "a-a", 0, IDS(0, 4));
    slim_tokenizer_free(t);
    t = split_tok("Contiguous", 0);
    expect_ids(t, "a--a", 0, IDS(0, 2, 2, 0));
    slim_tokenizer_free(t);
    t = split_tok("Removed", 1);
    expect_ids(t, "a-a", 0, IDS(2));
    slim_tokenizer_free(t);
}

Test(tok_hf, merges_rank_pairs_and_forms)
{
    /* No pre-tokenizer: "a-a" merges a+- first (rank 0), then nothing. */
    slim_tokenizer *t = make("{\"model\":{\"type\":\"BPE\"," VOCAB3 "}}");
    expect_ids(t, "a-a", 0, IDS(3, 0));
    expect_ids(t, "ab", 0, IDS(5));
    slim_tokenizer_free(t);
    /* The same merges as pairs, reordered: now -+a wins. */
    t = make("{\"model\":{\"vocab\":{\"a\":0,\"b\":1,\"-\":2,\"a-\":3,\"-a\":4},"
             "\"merges\":[[\"-\",\"a\"],[\"a\",\"-\"]]}}");
    expect_ids(t, "a-a", 0, IDS(0, 4));
    slim_tokenizer_free(t);
}

Test(tok_hf, byte_fallback_and_unk)
{
    slim_tokenizer *t = make(
        "{\"model\":{\"type\":\"BPE\",\"unk_token\":\"<unk>\",\"fuse_unk\":true,"
        "\"byte_fallback\":true,\"vocab\":{\"<unk>\":0,\"a\":1,\"<0xC3>\":2,\"<0xA9>\":3},"
        "\"merges\":[]},\"decoder\":{\"type\":\"Sequence\",\"decoders\":[{\"type\":"
        "\"ByteFallback\"},{\"type\":\"Fuse\"}]}}");
    expect_ids(t, "a\xC3\xA9" "a", 0, IDS(1, 2, 3, 1));
    /* z and y have no byte tokens: one fused unk. */
    expect_ids(t, "azya", 0, IDS(1, 0, 1));
    expect_decode(t, IDS(1, 2, 3), "a\xC3\xA9");
    expect_decode(t, IDS(2, 1), "\xEF\xBF\xBD" "a");
    slim_tokenizer_free(t);
    t = make("{\"model\":{\"unk_token\":\"<unk>\",\"fuse_unk\":false,"
             "\"vocab\":{\"<unk>\":0,\"a\":1},\"merges\":[]}}");
    expect_ids(t, "azya", 0, IDS(1, 0, 0, 1));
    slim_tokenizer_free(t);
}

Test(tok_hf, prefix_suffix_ignore_merges)
{
    slim_tokenizer *t = make(
        "{\"model\":{\"continuing_subword_prefix\":\"##\",\"end_of_word_suffix\":\"</w>\","
        "\"vocab\":{\"a\":0,\"##b\":1,\"##c</w>\":2,\"ab\":3,\"abc</w>\":4,\"##b</w>\":5,"
        "\"abc\":6},\"merges\":[\"a ##b\",\"ab ##c</w>\"]}}");
    expect_ids(t, "abc", 0, IDS(4));
    expect_ids(t, "ab", 0, IDS(0, 5));
    slim_tokenizer_free(t);
    t = make("{\"model\":{\"ignore_merges\":true,\"vocab\":{\"a\":0,\"b\":1,\"c\":2,"
             "\"abc\":3},\"merges\":[]}}");
    expect_ids(t, "abc", 0, IDS(3));
    slim_tokenizer_free(t);
}

#define VOCAB_AZ "\"vocab\":{\"a\":0,\"b\":1,\"c\":2,\"1\":3,\"2\":4,\",\":5,\"!\":6,\"\\u2581\":7," \
                 "\"A\":8,\"\\u00e9\":9,\"e\":10,\"\\u0301\":11,\" \":12},\"merges\":[]"

Test(tok_hf, pre_tokenizers)
{
    /* Digits, individual: 1 2 separate (no merges anyway), Punctuation,
     * Whitespace split away, Metaspace prepending ▁ once (first). */
    slim_tokenizer *t = make(
        "{\"pre_tokenizer\":{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":"
        "\"WhitespaceSplit\"},{\"type\":\"Metaspace\",\"replacement\":\"\\u2581\","
        "\"prepend_scheme\":\"first\",\"split\":true}]},\"model\":{" VOCAB_AZ "}}");
    expect_ids(t, "ab  c", 0, IDS(7, 0, 1, 2));
    slim_tokenizer_free(t);
    t = make("{\"pre_tokenizer\":{\"type\":\"Metaspace\",\"replacement\":\"\\u2581\","
             "\"prepend_scheme\":\"always\",\"split\":true},\"model\":{" VOCAB_AZ "}}");
    expect_ids(t, "a b", 0, IDS(7, 0, 7, 1));
    slim_tokenizer_free(t);
    t = make("{\"pre_tokenizer\":{\"type\":\"Whitespace\"},\"model\":{" VOCAB_AZ "}}");
    expect_ids(t, " a,! b ", 0, IDS(0, 5, 6, 1));
    slim_tokenizer_free(t);
}

Test(tok_hf, normalizers)
{
    slim_tokenizer *t = make(
        "{\"normalizer\":{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"NFD\"},"
        "{\"type\":\"Lowercase\"},{\"type\":\"Strip\",\"strip_left\":true,\"strip_right\":"
        "true}]},\"model\":{" VOCAB_AZ "}}");
    expect_ids(t, "  A\xC3\xA9 ", 0, IDS(0, 10, 11));
    slim_tokenizer_free(t);
    t = make("{\"normalizer\":{\"type\":\"NFC\"},\"model\":{" VOCAB_AZ "}}");
    expect_ids(t, "e\xCC\x81", 0, IDS(9));
    slim_tokenizer_free(t);
    t = make("{\"normalizer\":{\"type\":\"Replace\",\"pattern\":{\"Regex\":\"[0-9]+\"},"
             "\"content\":\"c\"},\"model\":{" VOCAB_AZ "}}");
    expect_ids(t, "a12b", 0, IDS(0, 2, 1));
    slim_tokenizer_free(t);
}

Test(tok_hf, added_tokens_and_modes)
{
    slim_tokenizer *t = make(
        "{\"added_tokens\":[{\"id\":20,\"content\":\"<s>\",\"special\":true,\"normalized\":"
        "false},{\"id\":21,\"content\":\"ab\",\"special\":false,\"normalized\":false},"
        "{\"id\":22,\"content\":\"<s>x\",\"special\":false,\"normalized\":false,"
        "\"rstrip\":true,\"lstrip\":true}],\"model\":{\"vocab\":{\"<\":0,\"s\":1,\">\":2,"
        "\"a\":3,\"b\":4,\"x\":5,\" \":6},\"merges\":[]}}");
    /* Non-special added tokens always match; special ones per mode. */
    expect_ids(t, "<s>ab", SLIM_SPECIAL_ALLOW, IDS(20, 21));
    expect_ids(t, "<s>ab", SLIM_SPECIAL_AS_TEXT, IDS(0, 1, 2, 21));
    uint32_t ids[16];
    size_t n;
    slim_tok_where w;
    cr_assert_eq(slim_tokenizer_encode(t, "a <s>", 5, SLIM_SPECIAL_DISALLOW, ids, 16, &n, &w),
                 SLIM_ERR_SPECIAL_TOKEN);
    cr_assert_eq(w.offset, 2);
    cr_assert_eq(w.token, 20);
    /* Longest match wins; lstrip and rstrip eat the spaces around it. */
    expect_ids(t, "a <s>x b", SLIM_SPECIAL_ALLOW, IDS(3, 22, 4));
    slim_tokenizer_free(t);
    t = make("{\"added_tokens\":[{\"id\":9,\"content\":\"ab\",\"special\":false,"
             "\"single_word\":true,\"normalized\":false}],\"model\":{\"vocab\":{\"a\":0,"
             "\"b\":1,\" \":2},\"merges\":[]}}");
    expect_ids(t, "ab aab", 0, IDS(9, 2, 0, 0, 1));
    slim_tokenizer_free(t);
}

Test(tok_hf, post_processors_and_decoders)
{
    slim_tokenizer *t = make(
        "{\"post_processor\":{\"type\":\"BertProcessing\",\"sep\":[\"[SEP]\",2],\"cls\":"
        "[\"[CLS]\",1]},\"decoder\":{\"type\":\"Metaspace\",\"replacement\":\"\\u2581\","
        "\"prepend_scheme\":\"always\"},\"model\":{\"vocab\":{\"\\u2581a\":0,\"[CLS]\":1,"
        "\"[SEP]\":2,\"\\u2581b\":3},\"merges\":[]}}");
    uint32_t in[2] = {0, 3}, out[8];
    size_t n = 0;
    cr_assert_eq(slim_tokenizer_add_special(t, in, 2, out, 8, &n), SLIM_OK);
    cr_assert(n == 4 && out[0] == 1 && out[1] == 0 && out[2] == 3 && out[3] == 2);
    cr_assert_eq(slim_tokenizer_add_special(t, in, 2, out, 3, &n), SLIM_ERR_BUFFER_TOO_SMALL);
    expect_decode(t, IDS(0, 3), "a b");
    slim_tokenizer_free(t);
    t = make("{\"decoder\":{\"type\":\"Sequence\",\"decoders\":[{\"type\":\"Replace\","
             "\"pattern\":{\"String\":\"_\"},\"content\":\" \"},{\"type\":\"Fuse\"},{\"type\":"
             "\"Strip\",\"content\":\" \",\"start\":1,\"stop\":1}]},\"model\":{\"vocab\":"
             "{\"_a\":0,\"_b_\":1},\"merges\":[]}}");
    expect_decode(t, IDS(0, 1), "a b");
    slim_tokenizer_free(t);
    /* ByteLevel: bytes back through the GPT-2 map, invalid UTF-8 -> U+FFFD. */
    t = make("{\"decoder\":{\"type\":\"ByteLevel\"},\"model\":{\"vocab\":{\"\\u0120a\":0,"
             "\"\\u00c3\":1,\"\\u00a9\":2},\"merges\":[]}}");
    expect_decode(t, IDS(0, 1, 2), " a\xC3\xA9");
    expect_decode(t, IDS(1, 0), "\xEF\xBF\xBD a");
    slim_tokenizer_free(t);
}

Test(tok_hf, zstd_input)
{
    const char *json = "{\"model\":{\"vocab\":{\"a\":0,\"b\":1,\"ab\":2},\"merges\":[\"a b\"]}}";
    char z[256];
    size_t zn = ZSTD_compress(z, sizeof z, json, strlen(json), 3);
    cr_assert(!ZSTD_isError(zn));
    slim_tokenizer *t = NULL;
    char msg[256];
    cr_assert_eq(slim_tokenizer_from_hf(z, zn, &t, msg, sizeof msg, NULL), SLIM_OK, "%s", msg);
    expect_ids(t, "abab", 0, IDS(2, 2));
    slim_tokenizer_free(t);
    cr_assert_eq(slim_tokenizer_from_hf(z, zn - 3, &t, msg, sizeof msg, NULL),
                 SLIM_ERR_COMPRESSION);
    cr_assert(slim_tokenizer_is_hf(z, zn));
    cr_assert(slim_tokenizer_is_hf(" \n{", 3));
    cr_assert(!slim_tokenizer_is_hf("IQ== 0\n", 7));
}

Test(tok_hf, broken_files_name_what_and_where)
{
    slim_tokenizer *t = NULL;
    char msg[256];
    slim_tok_where w;
    const char *bad = "{\"model\": {\"vocab\": {\"a\": 0,}}}";
    cr_assert_eq(slim_tokenizer_from_hf(bad, strlen(bad), &t, msg, sizeof msg, &w),
                 SLIM_ERR_CORRUPT);
    cr_assert(strstr(msg, "malformed JSON at byte"), "%s", msg);
    cr_assert_eq(w.line, 1);
    expect_error("{\"model\":{\"vocab\":{\"a\":0},\"merges\":[\"a b\"]}}", SLIM_ERR_CORRUPT,
                 "model.merges[0]");
    expect_error("{\"model\":{\"type\":\"WordPiece\",\"vocab\":{}}}", SLIM_ERR_UNSUPPORTED,
                 "WordPiece");
    expect_error("{\"normalizer\":{\"type\":\"Sequence\",\"normalizers\":[{\"type\":"
                 "\"BertNormalizer\"}]},\"model\":{\"vocab\":{},\"merges\":[]}}",
                 SLIM_ERR_UNSUPPORTED, "normalizer.normalizers[0]: normalizer 'BertNormalizer'");
    expect_error("{\"pre_tokenizer\":{\"type\":\"UnicodeScripts\"},\"model\":{\"vocab\":{}}}",
                 SLIM_ERR_UNSUPPORTED, "UnicodeScripts");
    expect_error("{\"decoder\":{\"type\":\"WordPiece\"},\"model\":{\"vocab\":{}}}",
                 SLIM_ERR_UNSUPPORTED, "decoder 'WordPiece'");
    expect_error("{\"model\":{\"dropout\":0.1,\"vocab\":{}}}", SLIM_ERR_UNSUPPORTED, "dropout");
    expect_error("{\"pre_tokenizer\":{\"type\":\"Split\",\"pattern\":{\"Regex\":\"(\"},"
                 "\"behavior\":\"Isolated\"},\"model\":{\"vocab\":{}}}",
                 SLIM_ERR_CORRUPT, "pre_tokenizer.pattern: invalid regex");
    expect_error("[1,2]", SLIM_ERR_CORRUPT, "top level");
    expect_error("{\"model\":{\"vocab\":{\"a\":5000000},\"merges\":[]}}", SLIM_ERR_TOO_LARGE,
                 "sparse");
    expect_error("{\"model\":{\"vocab\":{\"a\":0}}} x", SLIM_ERR_CORRUPT, "after the JSON");
    expect_error("{\"model\":{\"vocab\":{\"\\ud800\":0}}}", SLIM_ERR_CORRUPT, "surrogate");
    expect_error("{\"added_tokens\":[{\"id\":-1,\"content\":\"x\"}],\"model\":{\"vocab\":{}}}",
                 SLIM_ERR_CORRUPT, "added_tokens[0]");
}
