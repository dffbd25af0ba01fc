/*
 * pretok.h - pre-tokenization: splitting text into the pieces BPE merges.
 *
 * Two implementations of the same contract:
 *  - a generic PCRE2 (JIT) matcher for any pattern, with tiktoken's
 *    find_iter semantics (text between matches is dropped, empty matches are
 *    skipped);
 *  - hand-written splitters for the known patterns (GPT-2/r50k/p50k,
 *    cl100k_base, o200k_base, Llama 3, Qwen2), which must give exactly the
 *    pieces PCRE2 gives.
 *    Their pieces always tile the text, so they only say where the piece that
 *    starts at i ends.
 * Input must be valid UTF-8 (the tokenizer validates it first).
 */
#ifndef SLIM_TOK_PRETOK_H
#define SLIM_TOK_PRETOK_H

#include <stddef.h>
#include <stdint.h>
#include <pthread.h>

#include "slim.h"

typedef enum slim_pretok_kind {
    SLIM_PRETOK_REGEX = 0, /* generic PCRE2 */
    SLIM_PRETOK_GPT2,      /* r50k_base, p50k_base, p50k_edit, GPT-2 */
    SLIM_PRETOK_CL100K,
    SLIM_PRETOK_O200K,
    /* cl100k as the npm tiktoken package writes it: without `\s++$`, so a
     * white-space run that ends the text is cut after its last CR/LF. */
    SLIM_PRETOK_CL100K_NPM,
    /* Qwen2 / Qwen3 (tokenizer.json): the npm cl100k form with single digits
     * (\p{N} instead of \p{N}{1,3}). Llama 3's is the npm cl100k form. */
    SLIM_PRETOK_QWEN2,
} slim_pretok_kind;

typedef struct slim_pretok {
    slim_pretok_kind kind; /* the splitter used for encoding */
    /* pcre2_code *: compiled at init, which validates the pattern, except
     * for a pattern a hand-written splitter implements (a valid constant,
     * `known`): encoding never needs PCRE2 then, so it is compiled at the
     * first PCRE2 use, under lock (compiling cost 0.3 ms and 360 KiB of
     * resident memory, 7% of cl100k_base's, at each load). */
    void *re;
    const char *known;     /* that constant (static storage), NULL if none */
    int jitted;            /* compiled and JIT compiled (at first PCRE2 use, under lock) */
    pthread_mutex_t lock;
} slim_pretok;

/* Per-call (per-thread) matching state for the PCRE2 path. */
typedef struct slim_pretok_state {
    void *md;   /* pcre2_match_data * */
    void *mctx; /* pcre2_match_context * */
    void *jit;  /* pcre2_jit_stack *, created when the default stack is too small */
} slim_pretok_state;

/* Which hand-written splitter implements `pattern`, or SLIM_PRETOK_REGEX. */
slim_pretok_kind slim_pretok_known(const char *pattern);
/* The same, and *constant = the static copy of `pattern` (NULL if none). */
slim_pretok_kind slim_pretok_known_constant(const char *pattern, const char **constant);

/*
 * Compiles `pattern` (UTF, Unicode properties, JIT when available) and picks
 * the hand-written splitter when one implements it and use_fast is non-zero
 * (then PCRE2 compiles at the first slim_pretok_state_init instead).
 * SLIM_ERR_CORRUPT with *err_offset = offset in the pattern if it is invalid.
 */
slim_error slim_pretok_init(slim_pretok *pt, const char *pattern, int use_fast,
                            size_t *err_offset);
void slim_pretok_free(slim_pretok *pt);

slim_error slim_pretok_state_init(const slim_pretok *pt, slim_pretok_state *st);
void slim_pretok_state_free(slim_pretok_state *st);

/*
 * PCRE2 path: the next match at or after `pos` in s[0..n) (n is the whole
 * subject: `$` and lookaheads see its end). Returns 1 and sets [*b, *e),
 * 0 when there is none, or -1 if the matcher failed (resource limit).
 */
int slim_pretok_regex_next(const slim_pretok *pt, slim_pretok_state *st,
                           const uint8_t *s, size_t n, size_t pos, size_t *b, size_t *e);

/* Hand-written splitters: the end of the piece that starts at i < n. */
size_t slim_split_gpt2(const uint8_t *s, size_t n, size_t i);
size_t slim_split_cl100k(const uint8_t *s, size_t n, size_t i);
size_t slim_split_cl100k_npm(const uint8_t *s, size_t n, size_t i);
size_t slim_split_o200k(const uint8_t *s, size_t n, size_t i);
size_t slim_split_qwen2(const uint8_t *s, size_t n, size_t i);

/* The splitter function of a hand-written kind (NULL for SLIM_PRETOK_REGEX). */
typedef size_t (*slim_split_fn)(const uint8_t *s, size_t n, size_t i);
slim_split_fn slim_pretok_splitter(slim_pretok_kind kind);

/*
 * Differential check of a hand-written splitter (kind) against PCRE2 with
 * pt's pattern on s[0..n) (valid UTF-8): SIZE_MAX if every piece is the
 * same, else the offset where the pieces first differ. For tests and fuzzing.
 */
size_t slim_pretok_compare(const slim_pretok *pt, slim_pretok_state *st,
                           slim_pretok_kind kind, const uint8_t *s, size_t n);

#endif
