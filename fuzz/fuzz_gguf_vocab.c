/*
 * libFuzzer target: a GGUF file's tokenizer.ggml.* vocabulary on arbitrary
 * bytes. A file that parses as GGUF and loads as a tokenizer is then used:
 * sample texts encoded in every special-token mode, decoded, counted and
 * given the add_bos/add_eos template, and every id decoded alone. Nothing
 * may crash, leak or read out of bounds; a failed load must say why.
 */
#include "slim.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const samples[] = {
    "", "a", "ab ab", "Once upon a time", "  two  spaces  ", "<s> a</s>b <|x|>",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "12345 x1y2\n\n\t",
    "\xc3\xa9t\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\xa6\x99 \xe2\x96\x81",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    slim_gguf *g = NULL;
    if (slim_gguf_parse(data, size, &g, NULL) != SLIM_OK)
        return 0;
    slim_tokenizer *tok = NULL;
    char msg[256];
    slim_tok_where w;
    slim_error err = slim_tokenizer_from_gguf(g, &tok, msg, sizeof msg, &w);
    slim_gguf_close(g); /* the tokenizer copies what it needs */
    if (err != SLIM_OK) {
        if (!msg[0])
            abort(); /* every failure names its reason */
        return 0;
    }
    uint32_t ids[1024], with[1100];
    char back[8192];
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        size_t len = strlen(samples[i]);
        for (int mode = 0; mode < 3; mode++) {
            size_t n = 0, nb = 0, m = 0, cnt = 0;
            err = slim_tokenizer_encode(tok, samples[i], len, (slim_special_mode)mode, ids, 1024,
                                        &n, &w);
            if (err != SLIM_OK)
                continue;
            if (slim_tokenizer_count(tok, samples[i], len, (slim_special_mode)mode, &cnt, &w) !=
                    SLIM_OK || cnt != n)
                abort();
            (void)slim_tokenizer_decode(tok, ids, n, back, sizeof back, &nb, &w);
            (void)slim_tokenizer_add_special(tok, ids, n, with, 1100, &m);
        }
    }
    size_t vs = slim_tokenizer_vocab_size(tok);
    for (size_t id = 0; id < vs && id < 4096; id++) {
        uint32_t one = (uint32_t)id;
        size_t nb = 0;
        (void)slim_tokenizer_decode(tok, &one, 1, back, sizeof back, &nb, &w);
    }
    slim_tokenizer_info info;
    slim_tokenizer_get_info(tok, &info);
    slim_tokenizer_free(tok);
    return 0;
}
