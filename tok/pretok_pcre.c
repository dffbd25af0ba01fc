/* The generic PCRE2 pre-tokenizer (see pretok.h). */
#include "tok/pretok.h"

#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

void slim_pretok_free(slim_pretok *pt)
{
    if (!pt)
        return;
    pcre2_code_free(pt->re);
    pt->re = NULL;
}

slim_error slim_pretok_init(slim_pretok *pt, const char *pattern, int use_fast,
                            size_t *err_offset)
{
    memset(pt, 0, sizeof *pt);
    if (!pattern)
        return SLIM_ERR_INVALID_ARG;
    int errcode;
    PCRE2_SIZE erroff = 0;
    /* DOLLAR_ENDONLY: `$` is the end of the text only, as in Rust's regex
     * (tiktoken) where it does not match before a final newline. */
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                                   PCRE2_UTF | PCRE2_UCP | PCRE2_DOLLAR_ENDONLY,
                                   &errcode, &erroff, NULL);
    if (!re) {
        if (err_offset)
            *err_offset = erroff;
        return SLIM_ERR_CORRUPT;
    }
    /* JIT is an optimisation: without it (unsupported CPU, no executable
     * memory) the interpreter gives the same matches. */
    (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    pt->re = re;
    pt->kind = use_fast ? slim_pretok_known(pattern) : SLIM_PRETOK_REGEX;
    return SLIM_OK;
}

slim_error slim_pretok_state_init(const slim_pretok *pt, slim_pretok_state *st)
{
    memset(st, 0, sizeof *st);
    st->md = pcre2_match_data_create_from_pattern(pt->re, NULL);
    st->mctx = pcre2_match_context_create(NULL);
    if (!st->md || !st->mctx) {
        slim_pretok_state_free(st);
        return SLIM_ERR_NOMEM;
    }
    return SLIM_OK;
}

void slim_pretok_state_free(slim_pretok_state *st)
{
    if (!st)
        return;
    pcre2_match_data_free(st->md);
    pcre2_match_context_free(st->mctx);
    pcre2_jit_stack_free(st->jit);
    memset(st, 0, sizeof *st);
}

int slim_pretok_regex_next(const slim_pretok *pt, slim_pretok_state *st,
                           const uint8_t *s, size_t n, size_t pos, size_t *b, size_t *e)
{
    while (pos <= n) {
        int rc = pcre2_match(pt->re, s, n, pos, PCRE2_NO_UTF_CHECK, st->md, st->mctx);
        if (rc == PCRE2_ERROR_JIT_STACKLIMIT && !st->jit) {
            /* Grow once to a large stack; patterns with lookaheads over long
             * runs can need more than the 32 KiB default. */
            st->jit = pcre2_jit_stack_create(64 * 1024, 64 * 1024 * 1024, NULL);
            if (!st->jit)
                return -1;
            pcre2_jit_stack_assign(st->mctx, NULL, st->jit);
            continue;
        }
        if (rc == PCRE2_ERROR_NOMATCH)
            return 0;
        if (rc < 0)
            return -1;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(st->md);
        if (ov[1] > ov[0]) {
            *b = ov[0];
            *e = ov[1];
            return 1;
        }
        /* An empty match: step over one character, as find_iter does. */
        pos = ov[0] + 1;
        while (pos < n && (s[pos] & 0xC0) == 0x80)
            pos++;
    }
    return 0;
}
