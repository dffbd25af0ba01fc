/*
 * tok_use.h - what the tokenizer fuzz targets do with a tokenizer that
 * loaded: sample texts encoded in every special-token mode (count must
 * agree), decoded and given the post-processing template, every id below
 * the vocabulary size (up to 4096) decoded alone, and the info read.
 * Aborts on a count that differs; the sanitizers catch the rest.
 */
#ifndef SLIM_FUZZ_TOK_USE_H
#define SLIM_FUZZ_TOK_USE_H

#include "slim.h"

#include <stdlib.h>
#include <string.h>

static void fuzz_use_tokenizer(slim_tokenizer *tok)
{
    static const char *const samples[] = {
        "", "a", "ab", "abc abc abc", "Hello world", "  leading and trailing  ",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "<s> a<|x|>b </s>", "12345 x1y2", "hello, world! (ok)\n\n\tx", "Once upon a time",
        "\xc3\xa9t\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\xa6\x99 \xe2\x96\x81",
    };
    uint32_t ids[1024], with[1100];
    char back[8192];
    slim_tok_where w;
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        size_t len = strlen(samples[i]);
        for (int mode = 0; mode < 3; mode++) {
            size_t n = 0, nb = 0, m = 0, cnt = 0;
            slim_error err = slim_tokenizer_encode(tok, samples[i], len, (slim_special_mode)mode,
                                                   ids, 1024, &n, &w);
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
}

#endif
