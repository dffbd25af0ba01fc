/* The generic PCRE2 pre-tokenizer (see pretok.h). */
#include "tok/pretok.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

void slim_pretok_free(slim_pretok *pt)
{
    if (!pt)
        return;
    if (pt->re || pt->known)
        pthread_mutex_destroy(&pt->lock);
    pcre2_code_free(pt->re);
    pt->re = NULL;
}

/* Unicode White_Space, which is what \s means in Rust's regex (tiktoken).
 * PCRE2's \s also matches U+180E (a space before Unicode 6.3). */
#define WHITE_SPACE "\\t-\\r \\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}" \
                    "\\x{202F}\\x{205F}\\x{3000}"

/* Rewrites \s and \S (outside character classes) and \s (inside them) to
 * the White_Space set, so PCRE2 splits exactly as the reference does. Other
 * text is copied unchanged. Returns a malloc'd string or NULL. */
static char *rewrite_spaces(const char *p)
{
    size_t n = strlen(p), extra = 0;
    for (size_t i = 0; i + 1 < n; i++)
        if (p[i] == '\\') {
            extra += sizeof WHITE_SPACE + 4;
            i++;
        }
    char *out = malloc(n + extra + 1), *o = out;
    if (!out)
        return NULL;
    int in_class = 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == '\\' && i + 1 < n) {
            char d = p[i + 1];
            i++;
            if (d == 's' && in_class) {
                o += sprintf(o, "%s", WHITE_SPACE);
            } else if (d == 's') {
                o += sprintf(o, "[%s]", WHITE_SPACE);
            } else if (d == 'S' && !in_class) {
                o += sprintf(o, "[^%s]", WHITE_SPACE);
            } else {
                *o++ = c;
                *o++ = d;
            }
            continue;
        }
        if (c == '[' && !in_class) {
            in_class = 1;
            *o++ = c;
            /* A ']' right after '[' or '[^' is a literal. */
            if (i + 1 < n && p[i + 1] == '^')
                *o++ = p[++i];
            if (i + 1 < n && p[i + 1] == ']')
                *o++ = p[++i];
            continue;
        }
        if (c == ']' && in_class)
            in_class = 0;
        *o++ = c;
    }
    *o = 0;
    return out;
}

/* Compiles the pattern: NULL with *erroff set if it is invalid, NULL with
 * *nomem set if memory ran out. */
static pcre2_code *compile(const char *pattern, PCRE2_SIZE *erroff, int *nomem)
{
    int errcode;
    char *rewritten = rewrite_spaces(pattern);
    *nomem = !rewritten;
    if (!rewritten)
        return NULL;
    /* DOLLAR_ENDONLY: `$` is the end of the text only, as in Rust's regex
     * (tiktoken) where it does not match before a final newline. */
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)rewritten, PCRE2_ZERO_TERMINATED,
                                   PCRE2_UTF | PCRE2_UCP | PCRE2_DOLLAR_ENDONLY,
                                   &errcode, erroff, NULL);
    free(rewritten);
    /* Failing that (a construct the rewrite does not understand, or an
     * invalid pattern), compile the caller's text: errors point into it. */
    if (!re)
        re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                           PCRE2_UTF | PCRE2_UCP | PCRE2_DOLLAR_ENDONLY, &errcode, erroff, NULL);
    return re;
}

slim_error slim_pretok_init(slim_pretok *pt, const char *pattern, int use_fast,
                            size_t *err_offset)
{
    memset(pt, 0, sizeof *pt);
    if (!pattern)
        return SLIM_ERR_INVALID_ARG;
    const char *known = NULL;
    slim_pretok_kind kind = use_fast ? slim_pretok_known_constant(pattern, &known)
                                     : SLIM_PRETOK_REGEX;
    pcre2_code *re = NULL;
    if (kind == SLIM_PRETOK_REGEX) {
        PCRE2_SIZE erroff = 0;
        int nomem;
        re = compile(pattern, &erroff, &nomem);
        if (nomem)
            return SLIM_ERR_NOMEM;
        if (!re) {
            if (err_offset)
                *err_offset = erroff;
            return SLIM_ERR_CORRUPT;
        }
    }
    pthread_mutex_init(&pt->lock, NULL);
    pt->re = re;
    pt->known = re ? NULL : known;
    pt->kind = kind;
    return SLIM_OK;
}

slim_error slim_pretok_state_init(const slim_pretok *pt, slim_pretok_state *st)
{
    memset(st, 0, sizeof *st);
    /* JIT compiling costs about as much as building a vocabulary's hash, and
     * tokenizers with a hand-written splitter never need it: do it at the
     * first PCRE2 use. JIT is an optimisation: without it (unsupported CPU, no
     * executable memory) the interpreter gives the same matches. */
    slim_pretok *mut = (slim_pretok *)pt;
    if (!__atomic_load_n(&pt->jitted, __ATOMIC_ACQUIRE)) {
        pthread_mutex_lock(&mut->lock);
        if (!pt->jitted) {
            PCRE2_SIZE erroff;
            int nomem;
            if (!pt->re)
                mut->re = compile(pt->known, &erroff, &nomem);
            if (pt->re) {
                (void)pcre2_jit_compile(pt->re, PCRE2_JIT_COMPLETE);
                __atomic_store_n(&mut->jitted, 1, __ATOMIC_RELEASE);
            }
        }
        int ready = pt->re != NULL;
        pthread_mutex_unlock(&mut->lock);
        if (!ready)
            return SLIM_ERR_NOMEM; /* a known pattern compiles, short of memory */
    }
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

size_t slim_pretok_compare(const slim_pretok *pt, slim_pretok_state *st,
                           slim_pretok_kind kind, const uint8_t *s, size_t n)
{
    slim_split_fn split = slim_pretok_splitter(kind);
    size_t pos = 0, b = 0, e = 0;
    for (;;) {
        int rc = slim_pretok_regex_next(pt, st, s, n, pos, &b, &e);
        if (rc < 0)
            return pos;
        if (rc == 0)
            return pos == n ? SIZE_MAX : pos;
        /* The hand-written splitters tile the text: PCRE2 must too. */
        if (b != pos || split(s, n, pos) != e)
            return pos;
        pos = e;
    }
}
