/*
 * Unicode normalization (NFC, NFD, NFKC, NFKD) as Hugging Face `tokenizers`
 * does it: with Unicode 9.0 tables (its `unicode-normalization-alignments`
 * crate 0.1.12 was generated from the 9.0.0 UCD).
 *
 * utf8proc has newer tables. Two facts make them give the 9.0 result:
 *  - Normalization stability (UAX #15): a string made only of code points
 *    assigned in 9.0 normalizes the same in every later version (their
 *    decompositions and combining classes never change, and compositions
 *    added later are excluded for old characters).
 *  - In the 9.0 tables a later code point is unassigned: combining class 0,
 *    no decomposition, composes with nothing. Such a starter is a wall: no
 *    mark is reordered across it, nothing before it can compose with what
 *    follows, and it composes with neither side.
 * So the text is cut at each code point that 9.0 does not have; the pieces
 * between are normalized by utf8proc and those code points are copied as
 * they are. ASCII is copied too (see hf_unorm). (e.g. "a U+0301 U+1DF7 U+0316": U+1DF7 is a mark of class 230
 * since Unicode 10, so utf8proc alone would move U+0316 before it.)
 */
#include "tok/hf.h"

#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

int hf_u9_is_assigned(uint32_t cp)
{
    /* The number of boundaries <= cp is odd inside an assigned range. */
    size_t lo = 0, hi = hf_u9_assigned_n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (hf_u9_assigned[mid] <= cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (int)(lo & 1);
}

/* Scratch for utf8proc: code points, then (in place) the UTF-8 result. */
typedef struct nf_scratch {
    utf8proc_int32_t *v;
    size_t cap;
} nf_scratch;

/* Appends the utf8proc normalization of s[0..n) (valid UTF-8) to out. */
static slim_error nf_piece(const char *s, size_t n, utf8proc_option_t opt, nf_scratch *sc,
                           hf_buf *out)
{
    for (;;) {
        utf8proc_ssize_t k = utf8proc_decompose((const utf8proc_uint8_t *)s,
                                                (utf8proc_ssize_t)n, sc->v,
                                                (utf8proc_ssize_t)sc->cap, opt);
        if (k < 0)
            return k == UTF8PROC_ERROR_NOMEM ? SLIM_ERR_NOMEM : SLIM_ERR_BAD_UTF8;
        if ((size_t)k <= sc->cap) {
            /* Composes (for NFC/NFKC) and encodes UTF-8 over the same memory. */
            k = utf8proc_reencode(sc->v, k, opt);
            if (k < 0)
                return SLIM_ERR_BAD_UTF8;
            return hf_buf_put(out, sc->v, (size_t)k) ? SLIM_OK : SLIM_ERR_NOMEM;
        }
        /* A decomposition is at most 18 code points per input code point
         * (U+FDFA), so k is bounded by 18 n: no overflow in the size. */
        size_t cap = (size_t)k;
        utf8proc_int32_t *v = realloc(sc->v, cap * sizeof *v);
        if (!v)
            return SLIM_ERR_NOMEM;
        sc->v = v;
        sc->cap = cap;
    }
}

/* Whether the code point at s[i] (non-ASCII) is in 9.0; *e: its end. */
static int in_u9(const char *s, size_t n, size_t i, size_t *e)
{
    uint32_t cp;
    *e = hf_utf8_next((const uint8_t *)s, n, i, &cp);
    return cp < 0x378 || hf_u9_is_assigned(cp); /* below U+0378 all are */
}

slim_error hf_unorm(const char *s, size_t n, int compose, int compat, hf_buf *out)
{
    utf8proc_option_t opt = (compose ? UTF8PROC_COMPOSE : UTF8PROC_DECOMPOSE) | UTF8PROC_STABLE |
                            (compat ? UTF8PROC_COMPAT : 0);
    nf_scratch sc = {0};
    slim_error err = SLIM_OK;
    out->n = 0;
    /* ASCII is left unchanged by every form and is a starter that nothing
     * after it crosses (no composition has an ASCII second character), so
     * only runs of other characters go through utf8proc, each with the ASCII
     * character before it (which a mark may compose with). */
    size_t done = 0, i = 0, e;
    while (err == SLIM_OK && i < n) {
        if ((uint8_t)s[i] < 0x80) {
            i++;
            continue;
        }
        size_t a = i > done ? i - 1 : i, b = i;
        while (b < n && (uint8_t)s[b] >= 0x80 && in_u9(s, n, b, &e))
            b = e;
        if (b == i)
            a = i; /* s[i] is a wall: the ASCII before it stays as it is */
        if (!hf_buf_put(out, s + done, a - done))
            err = SLIM_ERR_NOMEM;
        else if (b > a)
            err = nf_piece(s + a, b - a, opt, &sc, out);
        done = i = b;
        if (err == SLIM_OK && b < n && (uint8_t)s[b] >= 0x80) {
            /* A code point 9.0 lacks: copied, and a wall for what follows. */
            (void)in_u9(s, n, b, &e);
            if (!hf_buf_put(out, s + b, e - b))
                err = SLIM_ERR_NOMEM;
            done = i = e;
        }
    }
    if (err == SLIM_OK && !hf_buf_put(out, s + done, n - done))
        err = SLIM_ERR_NOMEM;
    free(sc.v);
    return err;
}
