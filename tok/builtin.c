/*
 * The built-in tiktoken vocabularies: their split patterns, special tokens and
 * embedded rank data (tok/vocab_data.S). Patterns and specials are OpenAI's
 * (tiktoken_ext/openai_public.py), as listed in the shared vocabulary
 * metadata.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/mman.h>
#endif

#include "tok/tokenizer.h"

extern const unsigned char slim_vocab_r50k_base[], slim_vocab_r50k_base_end[];
extern const unsigned char slim_vocab_p50k_base[], slim_vocab_p50k_base_end[];
extern const unsigned char slim_vocab_cl100k_base[], slim_vocab_cl100k_base_end[];
extern const unsigned char slim_vocab_o200k_base[], slim_vocab_o200k_base_end[];

/* tiktoken's official patterns (possessive quantifiers), and the forms the npm
 * package uses. They split identically except cl100k's, where the npm form
 * lacks `\s++$`: white space that ends the text (or a segment before a
 * special token) and holds a CR/LF followed by other white space is one piece
 * in tiktoken and two in the npm package. The built-ins follow tiktoken. */
#define PAT_GPT2 \
    "'(?:[sdmt]|ll|ve|re)| ?\\p{L}++| ?\\p{N}++| ?[^\\s\\p{L}\\p{N}]++|\\s++$|\\s+(?!\\S)|\\s"
#define PAT_GPT2_NPM \
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"
#define PAT_CL100K \
    "'(?i:[sdmt]|ll|ve|re)|[^\\r\\n\\p{L}\\p{N}]?+\\p{L}++|\\p{N}{1,3}+| ?[^\\s\\p{L}\\p{N}]++[\\r\\n]*+" \
    "|\\s++$|\\s*[\\r\\n]|\\s+(?!\\S)|\\s"
#define PAT_CL100K_NPM \
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*" \
    "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
#define PAT_O200K \
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+" \
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)?" \
    "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*" \
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)?" \
    "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"

/* Qwen2's (and Qwen3's) tokenizer.json Split regex; Llama 3's is
 * PAT_CL100K_NPM, and GPT-2's ByteLevel regex PAT_GPT2_NPM. */
#define PAT_QWEN2 \
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*" \
    "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"

slim_pretok_kind slim_pretok_known(const char *pattern)
{
    const char *constant;
    return slim_pretok_known_constant(pattern, &constant);
}

slim_pretok_kind slim_pretok_known_constant(const char *pattern, const char **constant)
{
    static const struct {
        const char *pattern;
        slim_pretok_kind kind;
    } known[] = {
        {PAT_GPT2, SLIM_PRETOK_GPT2},     {PAT_GPT2_NPM, SLIM_PRETOK_GPT2},
        {PAT_CL100K, SLIM_PRETOK_CL100K}, {PAT_CL100K_NPM, SLIM_PRETOK_CL100K_NPM},
        {PAT_O200K, SLIM_PRETOK_O200K},   {PAT_QWEN2, SLIM_PRETOK_QWEN2},
    };
    *constant = NULL;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(pattern, known[i].pattern) == 0) {
            *constant = known[i].pattern;
            return known[i].kind;
        }
    return SLIM_PRETOK_REGEX;
}

#define EOT "<|endoftext|>"

static const slim_special_token specials_r50k[] = {{EOT, 50256}};
static const slim_special_token specials_p50k_edit[] = {
    {EOT, 50256}, {"<|fim_prefix|>", 50281}, {"<|fim_middle|>", 50282},
    {"<|fim_suffix|>", 50283},
};
static const slim_special_token specials_cl100k[] = {
    {EOT, 100257}, {"<|fim_prefix|>", 100258}, {"<|fim_middle|>", 100259},
    {"<|fim_suffix|>", 100260}, {"<|endofprompt|>", 100276},
};
static const slim_special_token specials_o200k[] = {{EOT, 199999}, {"<|endofprompt|>", 200018}};

typedef struct builtin {
    const char *name;
    const unsigned char *data, *end;
    const char *pattern;
    const slim_special_token *specials;
    size_t n_specials;
} builtin;

#define N(a) (sizeof a / sizeof a[0])
static const builtin builtins[] = {
    {"o200k_base", slim_vocab_o200k_base, slim_vocab_o200k_base_end, PAT_O200K,
     specials_o200k, N(specials_o200k)},
    {"cl100k_base", slim_vocab_cl100k_base, slim_vocab_cl100k_base_end, PAT_CL100K,
     specials_cl100k, N(specials_cl100k)},
    {"p50k_base", slim_vocab_p50k_base, slim_vocab_p50k_base_end, PAT_GPT2,
     specials_r50k, N(specials_r50k)},
    {"p50k_edit", slim_vocab_p50k_base, slim_vocab_p50k_base_end, PAT_GPT2,
     specials_p50k_edit, N(specials_p50k_edit)},
    {"r50k_base", slim_vocab_r50k_base, slim_vocab_r50k_base_end, PAT_GPT2,
     specials_r50k, N(specials_r50k)},
    {"gpt2", slim_vocab_r50k_base, slim_vocab_r50k_base_end, PAT_GPT2,
     specials_r50k, N(specials_r50k)},
};

const char *const *slim_tokenizer_builtin_names(void)
{
    static const char *const names[] = {"o200k_base", "cl100k_base", "p50k_base",
                                        "p50k_edit", "r50k_base", "gpt2", NULL};
    return names;
}

/* Drops the pages of the embedded data, read once per load: they are clean
 * pages of the executable's file, so the kernel reads them again if they are
 * ever needed, and until then they count in the resident memory (840 KiB for
 * o200k_base, and the kernel's read-around maps neighbouring vocabularies'
 * pages too). The whole section goes (the vocabularies are contiguous in
 * tok/vocab_data.S), but only its whole pages: neighbours stay untouched. */
static void release_embedded(void)
{
#ifdef __linux__
    uintptr_t lo = UINTPTR_MAX, hi = 0;
    for (size_t i = 0; i < N(builtins); i++) {
        if ((uintptr_t)builtins[i].data < lo)
            lo = (uintptr_t)builtins[i].data;
        if ((uintptr_t)builtins[i].end > hi)
            hi = (uintptr_t)builtins[i].end;
    }
    const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t a = (lo + page - 1) & ~(page - 1), b = hi & ~(page - 1);
    if (b > a)
        madvise((void *)a, b - a, MADV_DONTNEED);
#endif
}

slim_error slim_tokenizer_builtin(const char *name, slim_tokenizer **out)
{
    if (!name || !out)
        return SLIM_ERR_INVALID_ARG;
    *out = NULL;
    const builtin *b = NULL;
    for (size_t i = 0; i < N(builtins); i++)
        if (strcasecmp(name, builtins[i].name) == 0)
            b = &builtins[i];
    if (!b)
        return SLIM_ERR_NOT_FOUND;

    slim_vocab v;
    slim_error err = slim_vocab_from_slimvoc_zst(&v, b->data, (size_t)(b->end - b->data));
    release_embedded();
    if (err != SLIM_OK)
        return err;
    return slim_tokenizer_make(b->name, &v, b->pattern, b->specials, b->n_specials, out, NULL);
}
