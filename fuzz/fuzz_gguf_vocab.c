/*
 * libFuzzer target: a GGUF file's tokenizer.ggml.* vocabulary on arbitrary
 * bytes. A file that parses as GGUF and loads as a tokenizer is then used:
 * sample texts encoded in every special-token mode, decoded, counted and
 * given the add_bos/add_eos template, and every id decoded alone. Nothing
 * may crash, leak or read out of bounds; a failed load must say why.
 */
#include "fuzz/tok_use.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
    fuzz_use_tokenizer(tok);
    slim_tokenizer_free(tok);
    return 0;
}
