/*
 * libFuzzer target: the .tiktoken rank-file parser on arbitrary bytes. A file
 * that loads is then used: sample texts are encoded and, when every byte
 * they need is in the vocabulary, must decode back to themselves; every id
 * below the vocabulary size must decode or be reported unknown.
 */
#include "slim.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* GPT-2's pattern: it selects a hand-written splitter, so the fuzzer spends
 * its time in the parser and the merge, not in PCRE2 compilation. */
static const char pattern[] =
    "'(?:[sdmt]|ll|ve|re)| ?\\p{L}++| ?\\p{N}++| ?[^\\s\\p{L}\\p{N}]++|\\s++$|\\s+(?!\\S)|\\s";

static const char *const samples[] = {
    "", "a", "ab", "abc abc abc", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "<|x|> a<|x|>",
    "hello world\n\n  x", "\xc3\xa9t\xc3\xa9 \xe4\xb8\xad",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    slim_special_token specials[] = {{"<|x|>", 1u << 24}};
    slim_tokenizer *tok = NULL;
    slim_tok_where w;
    if (slim_tokenizer_from_tiktoken(data, size, pattern, specials, 1, &tok, &w) != SLIM_OK)
        return 0;
    uint32_t ids[512];
    char back[512];
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        size_t len = strlen(samples[i]), n = 0, nb = 0;
        for (int mode = 0; mode < 3; mode++) {
            slim_error err = slim_tokenizer_encode(tok, samples[i], len, (slim_special_mode)mode,
                                                   ids, 512, &n, &w);
            if (err == SLIM_ERR_NOT_FOUND || err == SLIM_ERR_SPECIAL_TOKEN)
                continue;
            if (err != SLIM_OK || n > len + 2)
                abort();
            if (slim_tokenizer_decode(tok, ids, n, back, sizeof back, &nb, &w) != SLIM_OK ||
                nb != len || memcmp(back, samples[i], len) != 0)
                abort();
        }
    }
    size_t vs = slim_tokenizer_vocab_size(tok);
    for (size_t id = 0; id < vs && id < 4096; id++) {
        size_t len = 0;
        const char *t = slim_tokenizer_token(tok, (uint32_t)id, &len);
        if (t && len == 0)
            abort();
    }
    slim_tokenizer_free(tok);
    return 0;
}
