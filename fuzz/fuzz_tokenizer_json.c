/*
 * libFuzzer target: the tokenizer.json parser (plain or zstd) on arbitrary
 * bytes. A file that loads is then used as fuzz/tok_use.h says (the sample
 * texts in every special-token mode, decode, templates, every id alone).
 * Nothing may crash, leak or read out of bounds; a failed load must say why.
 */
#include "fuzz/tok_use.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    slim_tokenizer *tok = NULL;
    char msg[256];
    slim_tok_where w;
    if (slim_tokenizer_from_hf(data, size, &tok, msg, sizeof msg, &w) != SLIM_OK) {
        if (!msg[0])
            abort(); /* every failure names its reason */
        return 0;
    }
    fuzz_use_tokenizer(tok);
    slim_tokenizer_free(tok);
    return 0;
}
