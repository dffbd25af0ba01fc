/*
 * libFuzzer target: each hand-written pre-tokenizer against PCRE2 with the
 * same pattern. The first byte picks the splitter; the rest, made valid UTF-8
 * (invalid bytes become '?'), is the text. Texts with code points PCRE2's
 * Unicode tables leave unassigned are skipped: newer tables (utf8proc) may
 * give them a category, and the difference is the Unicode version, not the
 * splitter. Aborts on the first difference.
 */
#include "slim.h"
#include "tok/pretok.h"

#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char cl100k_npm[] =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
    "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/* Qwen2's tokenizer.json Split regex. */
static const char qwen2[] =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
    "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

#define N_SPLITTERS 5
/* The built-in whose pattern each splitter is tested with (NULL: own_pattern). */
static const char *const builtin_of[N_SPLITTERS] = {"r50k_base", "cl100k_base", "o200k_base",
                                                    NULL, NULL};
static const char *const own_pattern[N_SPLITTERS] = {NULL, NULL, NULL, cl100k_npm, qwen2};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static slim_pretok pts[N_SPLITTERS];
    static slim_pretok_state sts[N_SPLITTERS];
    static pcre2_code *unassigned;
    static pcre2_match_data *md;
    static int ready;
    if (!ready) {
        for (int k = 0; k < N_SPLITTERS; k++) {
            const char *pattern = own_pattern[k];
            slim_tokenizer *tok = NULL;
            slim_tokenizer_info info;
            if (builtin_of[k]) {
                if (slim_tokenizer_builtin(builtin_of[k], &tok) != SLIM_OK)
                    abort();
                slim_tokenizer_get_info(tok, &info);
                pattern = info.pattern;
            }
            if (slim_pretok_init(&pts[k], pattern, 1, NULL) != SLIM_OK ||
                pts[k].kind == SLIM_PRETOK_REGEX ||
                slim_pretok_state_init(&pts[k], &sts[k]) != SLIM_OK)
                abort();
            slim_tokenizer_free(tok);
        }
        int ec;
        PCRE2_SIZE eo;
        unassigned = pcre2_compile((PCRE2_SPTR) "\\p{Cn}", PCRE2_ZERO_TERMINATED,
                                   PCRE2_UTF | PCRE2_UCP, &ec, &eo, NULL);
        md = pcre2_match_data_create(4, NULL);
        ready = 1;
    }
    if (size < 1)
        return 0;
    int k = data[0] % N_SPLITTERS;
    size_t n = size - 1;
    uint8_t *s = malloc(n ? n : 1);
    if (!s)
        return 0;
    memcpy(s, data + 1, n);
    for (size_t i = 0; i < n;) {
        size_t ok = slim_utf8_valid_prefix(s + i, n - i);
        i += ok;
        if (i < n)
            s[i++] = '?';
    }
    if (pcre2_match(unassigned, s, n, 0, 0, md, NULL) < 0 &&
        slim_pretok_compare(&pts[k], &sts[k], pts[k].kind, s, n) != SIZE_MAX)
        abort();
    free(s);
    return 0;
}
