/*
 * Hugging Face normalizers and pre-tokenizers (see hf.h), on UTF-8 strings.
 *
 * A pre-tokenizer step turns a list of pieces into a new list, exactly as
 * HF's PreTokenizedString::split does: each piece is cut into matches and
 * non-matches, the behaviour decides what is kept and merged, and empty
 * pieces are dropped.
 */
#define _GNU_SOURCE /* memmem */
#include "tok/hf.h"

#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

size_t hf_utf8_next(const uint8_t *s, size_t n, size_t i, uint32_t *cp)
{
    uint8_t c = s[i];
    size_t l = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (i + l > n)
        l = n - i;
    uint32_t v = l == 1 ? c : l == 2 ? c & 0x1F : l == 3 ? c & 0x0F : c & 0x07;
    for (size_t k = 1; k < l; k++)
        v = v << 6 | (s[i + k] & 0x3F);
    *cp = v;
    return i + l;
}

size_t hf_utf8_put(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Rust's char::is_whitespace: the White_Space property. */
int hf_is_whitespace(uint32_t c)
{
    return (c >= 9 && c <= 13) || c == ' ' || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

static int is_numeric(uint32_t c)
{
    utf8proc_category_t k = utf8proc_category((utf8proc_int32_t)c);
    return k >= UTF8PROC_CATEGORY_ND && k <= UTF8PROC_CATEGORY_NO;
}

/* HF's is_punc: ASCII punctuation or a Unicode P* category. */
static int is_punct(uint32_t c)
{
    if (c < 0x80)
        return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
               (c >= 0x7B && c <= 0x7E);
    utf8proc_category_t k = utf8proc_category((utf8proc_int32_t)c);
    return k >= UTF8PROC_CATEGORY_PC && k <= UTF8PROC_CATEGORY_PO;
}

/* Rust regex's \w: letters, marks, decimal digits, connector punctuation
 * (plus letter numbers and the joiners, which Alphabetic/Join_Control add). */
int hf_is_word(uint32_t c)
{
    if (c == 0x200C || c == 0x200D)
        return 1;
    utf8proc_category_t k = utf8proc_category((utf8proc_int32_t)c);
    return (k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_LO) ||
           (k >= UTF8PROC_CATEGORY_MN && k <= UTF8PROC_CATEGORY_ME) ||
           k == UTF8PROC_CATEGORY_ND || k == UTF8PROC_CATEGORY_NL || k == UTF8PROC_CATEGORY_PC;
}

/* GPT-2's bytes_to_unicode: printable Latin-1 bytes map to themselves, the
 * other 68 to U+0100.. in byte order. */
static int byte_printable(uint32_t b)
{
    return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
}

uint32_t hf_byte_char(uint8_t b)
{
    static uint16_t map[256];
    static int ready;
    if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {
        uint16_t t[256];
        uint32_t k = 0;
        for (uint32_t x = 0; x < 256; x++)
            t[x] = (uint16_t)(byte_printable(x) ? x : 0x100 + k++);
        memcpy(map, t, sizeof t);
        __atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
    }
    return map[b];
}

int hf_char_byte(uint32_t cp)
{
    static int16_t inv[0x144];
    static int ready;
    if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {
        int16_t t[0x144];
        for (int i = 0; i < 0x144; i++)
            t[i] = -1;
        for (int b = 0; b < 256; b++)
            t[hf_byte_char((uint8_t)b)] = (int16_t)b;
        memcpy(inv, t, sizeof t);
        __atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
    }
    return cp < 0x144 ? inv[cp] : -1;
}

int hf_utf8_lossy(const uint8_t *s, size_t n, hf_buf *out)
{
    static const char fffd[3] = {(char)0xEF, (char)0xBF, (char)0xBD};
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        size_t l = 0;
        uint8_t lo = 0x80, hi = 0xBF;
        if (c < 0x80)
            l = 1;
        else if (c >= 0xC2 && c <= 0xDF)
            l = 2;
        else if (c >= 0xE0 && c <= 0xEF) {
            l = 3;
            if (c == 0xE0)
                lo = 0xA0;
            if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            l = 4;
            if (c == 0xF0)
                lo = 0x90;
            if (c == 0xF4)
                hi = 0x8F;
        }
        if (!l) {
            if (!hf_buf_put(out, fffd, 3))
                return 0;
            i++;
            continue;
        }
        size_t k = 1;
        for (; k < l && i + k < n; k++) {
            uint8_t d = s[i + k];
            if (k == 1 ? (d < lo || d > hi) : (d < 0x80 || d > 0xBF))
                break;
        }
        if (k == l) {
            if (!hf_buf_put(out, s + i, l))
                return 0;
        } else if (!hf_buf_put(out, fffd, 3)) {
            return 0;
        }
        i += k;
    }
    return 1;
}

/* ---- patterns ---- */

slim_error hf_pattern_init(hf_pattern *p, const char *s, size_t n, int is_regex,
                           size_t *err_off)
{
    memset(p, 0, sizeof *p);
    p->str = malloc(n + 1);
    if (!p->str)
        return SLIM_ERR_NOMEM;
    memcpy(p->str, s, n);
    p->str[n] = 0;
    p->len = n;
    p->is_regex = is_regex;
    if (is_regex) {
        if (strlen(p->str) != n)
            return SLIM_ERR_CORRUPT;
        slim_error err = slim_pretok_init(&p->re, p->str, 1, err_off);
        if (err != SLIM_OK) {
            memset(&p->re, 0, sizeof p->re);
            return err;
        }
    } else if (!n) {
        return SLIM_ERR_CORRUPT; /* an empty literal matches nowhere useful */
    }
    return SLIM_OK;
}

void hf_pattern_free(hf_pattern *p)
{
    if (p->is_regex && p->re.re)
        slim_pretok_free(&p->re);
    free(p->str);
    memset(p, 0, sizeof *p);
}

/* Matches of a pattern in s[0..n), as HF's find_matches: (start, end, is
 * match) spans tiling the text. */
typedef struct span {
    size_t b, e;
    int m;
} span;

typedef struct spans {
    span *v;
    size_t n, cap;
} spans;

static int spans_push(spans *a, size_t b, size_t e, int m)
{
    if (a->n == a->cap) {
        size_t c = a->cap ? 2 * a->cap : 32;
        span *v = realloc(a->v, c * sizeof *v);
        if (!v)
            return 0;
        a->v = v;
        a->cap = c;
    }
    a->v[a->n++] = (span){b, e, m};
    return 1;
}

static slim_error find_pattern(const hf_pattern *p, const char *s, size_t n, spans *out)
{
    out->n = 0;
    if (!n)
        return spans_push(out, 0, 0, 0) ? SLIM_OK : SLIM_ERR_NOMEM;
    size_t prev = 0;
    if (!p->is_regex) {
        const char *q = s;
        while ((size_t)(s + n - q) >= p->len) {
            const char *f = memmem(q, (size_t)(s + n - q), p->str, p->len);
            if (!f)
                break;
            size_t b = (size_t)(f - s);
            if (b > prev && !spans_push(out, prev, b, 0))
                return SLIM_ERR_NOMEM;
            if (!spans_push(out, b, b + p->len, 1))
                return SLIM_ERR_NOMEM;
            prev = b + p->len;
            q = s + prev;
        }
    } else {
        slim_split_fn split = slim_pretok_splitter(p->re.kind);
        if (split) {
            for (size_t i = 0; i < n;) {
                size_t e = split((const uint8_t *)s, n, i);
                if (!spans_push(out, i, e, 1))
                    return SLIM_ERR_NOMEM;
                i = e;
            }
            prev = n;
        } else {
            slim_pretok_state st;
            slim_error err = slim_pretok_state_init(&p->re, &st);
            if (err != SLIM_OK)
                return err;
            size_t b, e;
            int rc;
            while ((rc = slim_pretok_regex_next(&p->re, &st, (const uint8_t *)s, n, prev, &b,
                                                &e)) == 1) {
                if ((b > prev && !spans_push(out, prev, b, 0)) || !spans_push(out, b, e, 1)) {
                    slim_pretok_state_free(&st);
                    return SLIM_ERR_NOMEM;
                }
                prev = e;
            }
            slim_pretok_state_free(&st);
            if (rc < 0)
                return SLIM_ERR_NOMEM;
        }
    }
    if (prev < n && !spans_push(out, prev, n, 0))
        return SLIM_ERR_NOMEM;
    return SLIM_OK;
}

/* Each character for which pred holds is a match of its own. */
static slim_error find_chars(int (*pred)(uint32_t), const char *s, size_t n, spans *out)
{
    out->n = 0;
    if (!n)
        return spans_push(out, 0, 0, 0) ? SLIM_OK : SLIM_ERR_NOMEM;
    size_t last = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t e = hf_utf8_next((const uint8_t *)s, n, i, &cp);
        if (pred(cp)) {
            if (last < i && !spans_push(out, last, i, 0))
                return SLIM_ERR_NOMEM;
            if (!spans_push(out, i, e, 1))
                return SLIM_ERR_NOMEM;
            last = e;
        }
        i = e;
    }
    if (last < n && !spans_push(out, last, n, 0))
        return SLIM_ERR_NOMEM;
    return SLIM_OK;
}

/* Applies a split behaviour in place; afterwards m means "remove". */
static void apply_behavior(spans *a, hf_behavior bh, int invert)
{
    if (invert)
        for (size_t i = 0; i < a->n; i++)
            a->v[i].m = !a->v[i].m;
    size_t k = 0;
    int prev = 0;
    switch (bh) {
    case HF_REMOVED:
        return;
    case HF_ISOLATED:
        for (size_t i = 0; i < a->n; i++)
            a->v[i].m = 0;
        return;
    case HF_MERGED_PREV:
        for (size_t i = 0; i < a->n; i++) {
            span x = a->v[i];
            if (x.m && !prev && k)
                a->v[k - 1].e = x.e;
            else
                a->v[k++] = x;
            prev = x.m;
        }
        break;
    case HF_MERGED_NEXT: {
        /* Right to left, writing from the end. */
        size_t w = a->n;
        for (size_t i = a->n; i-- > 0;) {
            span x = a->v[i];
            if (x.m && !prev && w < a->n)
                a->v[w].b = x.b;
            else
                a->v[--w] = x;
            prev = x.m;
        }
        memmove(a->v, a->v + w, (a->n - w) * sizeof *a->v);
        k = a->n - w;
        break;
    }
    case HF_CONTIGUOUS:
        for (size_t i = 0; i < a->n; i++) {
            span x = a->v[i];
            if (x.m == prev && k)
                a->v[k - 1].e = x.e;
            else
                a->v[k++] = x;
            prev = x.m;
        }
        break;
    }
    a->n = k;
    for (size_t i = 0; i < a->n; i++)
        a->v[i].m = 0;
}

/* ---- normalizers ---- */

static slim_error norm_one(const hf_norm *z, const char *s, size_t n, hf_buf *out)
{
    out->n = 0;
    switch (z->kind) {
    case HF_NORM_NFC:
        return n ? hf_unorm(s, n, 1, 0, out) : SLIM_OK;
    case HF_NORM_NFD:
        return n ? hf_unorm(s, n, 0, 0, out) : SLIM_OK;
    case HF_NORM_NFKC:
        return n ? hf_unorm(s, n, 1, 1, out) : SLIM_OK;
    case HF_NORM_NFKD:
        return n ? hf_unorm(s, n, 0, 1, out) : SLIM_OK;
    case HF_NORM_LOWERCASE:
        for (size_t i = 0; i < n;) {
            uint32_t cp;
            size_t e = hf_utf8_next((const uint8_t *)s, n, i, &cp);
            char o[8];
            size_t l;
            if (cp == 0x130) { /* Rust's full mapping: i + combining dot */
                l = hf_utf8_put(o, 'i');
                l += hf_utf8_put(o + l, 0x307);
            } else {
                l = hf_utf8_put(o, (uint32_t)utf8proc_tolower((utf8proc_int32_t)cp));
            }
            if (!hf_buf_put(out, o, l))
                return SLIM_ERR_NOMEM;
            i = e;
        }
        return hf_buf_put(out, "", 0) ? SLIM_OK : SLIM_ERR_NOMEM;
    case HF_NORM_PREPEND:
        if (n && !hf_buf_put(out, z->str, z->len))
            return SLIM_ERR_NOMEM;
        return hf_buf_put(out, s, n) ? SLIM_OK : SLIM_ERR_NOMEM;
    case HF_NORM_REPLACE: {
        spans sp = {0};
        slim_error err = find_pattern(&z->pat, s, n, &sp);
        for (size_t i = 0; err == SLIM_OK && i < sp.n; i++) {
            int ok = sp.v[i].m ? hf_buf_put(out, z->str, z->len)
                               : hf_buf_put(out, s + sp.v[i].b, sp.v[i].e - sp.v[i].b);
            if (!ok)
                err = SLIM_ERR_NOMEM;
        }
        free(sp.v);
        if (err == SLIM_OK && !hf_buf_put(out, "", 0))
            err = SLIM_ERR_NOMEM;
        return err;
    }
    case HF_NORM_STRIP: {
        size_t b = 0, e = n;
        if (z->left)
            while (b < e) {
                uint32_t cp;
                size_t nx = hf_utf8_next((const uint8_t *)s, n, b, &cp);
                if (!hf_is_whitespace(cp))
                    break;
                b = nx;
            }
        if (z->right)
            while (e > b) {
                size_t st = e - 1;
                while (st > b && ((uint8_t)s[st] & 0xC0) == 0x80)
                    st--;
                uint32_t cp;
                hf_utf8_next((const uint8_t *)s, n, st, &cp);
                if (!hf_is_whitespace(cp))
                    break;
                e = st;
            }
        return hf_buf_put(out, s + b, e - b) ? SLIM_OK : SLIM_ERR_NOMEM;
    }
    }
    return SLIM_ERR_UNSUPPORTED;
}

slim_error hf_normalize(const slim_hf *hf, const char *s, size_t n, hf_buf *out)
{
    out->n = 0;
    if (!hf_buf_put(out, s, n))
        return SLIM_ERR_NOMEM;
    hf_buf tmp = {0};
    for (size_t k = 0; k < hf->n_norms; k++) {
        slim_error err = norm_one(&hf->norms[k], out->p, out->n, &tmp);
        if (err != SLIM_OK) {
            hf_buf_free(&tmp);
            return err;
        }
        hf_buf t = *out;
        *out = tmp;
        tmp = t;
    }
    hf_buf_free(&tmp);
    return SLIM_OK;
}

/* ---- pre-tokenizers ---- */

void hf_pieces_free(hf_pieces *p)
{
    free(p->v);
    hf_buf_free(&p->text);
    memset(p, 0, sizeof *p);
}

static int piece_add(hf_pieces *p, const char *s, size_t n, int first)
{
    if (!n)
        return 1; /* HF drops empty splits */
    if (p->n == p->cap) {
        size_t c = p->cap ? 2 * p->cap : 64;
        hf_piece *v = realloc(p->v, c * sizeof *v);
        if (!v)
            return 0;
        p->v = v;
        p->cap = c;
    }
    size_t off = p->text.n;
    if (!hf_buf_put(&p->text, s, n))
        return 0;
    p->v[p->n++] = (hf_piece){off, n, first};
    return 1;
}

/* Adds the kept spans of one piece to out. */
static int add_spans(hf_pieces *out, const char *s, const spans *sp, int first)
{
    for (size_t i = 0; i < sp->n; i++)
        if (!sp->v[i].m &&
            !piece_add(out, s + sp->v[i].b, sp->v[i].e - sp->v[i].b, first && sp->v[i].b == 0))
            return 0;
    return 1;
}

static int ws_pred(uint32_t c) { return hf_is_whitespace(c); }
static int word_pred(uint32_t c) { return hf_is_word(c); }

static slim_error pre_one(const hf_pre *p, const char *s, size_t n, int first, hf_pieces *out,
                          spans *sp, hf_buf *tmp)
{
    slim_error err = SLIM_OK;
    switch (p->kind) {
    case HF_PRE_BYTELEVEL: {
        tmp->n = 0;
        if (p->add_prefix_space && (n == 0 || s[0] != ' ') && !hf_buf_put(tmp, " ", 1))
            return SLIM_ERR_NOMEM;
        if (!hf_buf_put(tmp, s, n))
            return SLIM_ERR_NOMEM;
        /* Split on the raw bytes, then map each piece's bytes. */
        sp->n = 0;
        if (p->use_regex) {
            for (size_t i = 0; i < tmp->n;) {
                size_t e = slim_split_gpt2((const uint8_t *)tmp->p, tmp->n, i);
                if (!spans_push(sp, i, e, 0))
                    return SLIM_ERR_NOMEM;
                i = e;
            }
        } else if (!spans_push(sp, 0, tmp->n, 0)) {
            return SLIM_ERR_NOMEM;
        }
        char small[256]; /* most pieces: no allocation */
        for (size_t k = 0; k < sp->n; k++) {
            size_t b = sp->v[k].b, e = sp->v[k].e, m = 0;
            char *mapped = 2 * (e - b) <= sizeof small ? small : malloc(2 * (e - b));
            if (!mapped)
                return SLIM_ERR_NOMEM;
            for (size_t i = b; i < e; i++)
                m += hf_utf8_put(mapped + m, hf_byte_char((uint8_t)tmp->p[i]));
            int ok = piece_add(out, mapped, m, first && b == 0);
            if (mapped != small)
                free(mapped);
            if (!ok)
                return SLIM_ERR_NOMEM;
        }
        return SLIM_OK;
    }
    case HF_PRE_SPLIT:
        err = find_pattern(&p->pat, s, n, sp);
        if (err == SLIM_OK)
            apply_behavior(sp, p->behavior, p->invert);
        break;
    case HF_PRE_METASPACE: {
        tmp->n = 0;
        char rep[4];
        size_t rl = hf_utf8_put(rep, p->replacement);
        for (size_t i = 0; i < n; i++) {
            int ok = s[i] == ' ' ? hf_buf_put(tmp, rep, rl) : hf_buf_put(tmp, s + i, 1);
            if (!ok)
                return SLIM_ERR_NOMEM;
        }
        int starts = tmp->n >= rl && memcmp(tmp->p, rep, rl) == 0;
        int prepend = !starts && (p->prepend == HF_PREPEND_ALWAYS ||
                                  (p->prepend == HF_PREPEND_FIRST && first));
        if (prepend) {
            hf_buf t2 = {0};
            if (!hf_buf_put(&t2, rep, rl) || !hf_buf_put(&t2, tmp->p, tmp->n)) {
                hf_buf_free(&t2);
                return SLIM_ERR_NOMEM;
            }
            hf_buf_free(tmp);
            *tmp = t2;
        }
        if (!hf_buf_put(tmp, "", 0))
            return SLIM_ERR_NOMEM;
        sp->n = 0;
        if (p->split) {
            hf_pattern lit = {.str = rep, .len = rl};
            err = find_pattern(&lit, tmp->p, tmp->n, sp);
            if (err == SLIM_OK)
                apply_behavior(sp, HF_MERGED_NEXT, 0);
        } else if (!spans_push(sp, 0, tmp->n, 0)) {
            err = SLIM_ERR_NOMEM;
        }
        if (err == SLIM_OK && !add_spans(out, tmp->p, sp, first))
            err = SLIM_ERR_NOMEM;
        return err;
    }
    case HF_PRE_DIGITS:
        err = find_chars(is_numeric, s, n, sp);
        if (err == SLIM_OK)
            apply_behavior(sp, p->individual_digits ? HF_ISOLATED : HF_CONTIGUOUS, 0);
        break;
    case HF_PRE_PUNCT:
        err = find_chars(is_punct, s, n, sp);
        if (err == SLIM_OK)
            apply_behavior(sp, p->behavior, 0);
        break;
    case HF_PRE_WSSPLIT:
        err = find_chars(ws_pred, s, n, sp);
        if (err == SLIM_OK)
            apply_behavior(sp, HF_REMOVED, 0);
        break;
    case HF_PRE_WHITESPACE: {
        /* \w+|[^\w\s]+ kept, everything else removed. */
        sp->n = 0;
        for (size_t i = 0; i < n;) {
            uint32_t cp;
            size_t e = hf_utf8_next((const uint8_t *)s, n, i, &cp);
            int cls = hf_is_whitespace(cp) ? 0 : word_pred(cp) ? 1 : 2;
            size_t j = e;
            while (j < n) {
                uint32_t c2;
                size_t e2 = hf_utf8_next((const uint8_t *)s, n, j, &c2);
                int cls2 = hf_is_whitespace(c2) ? 0 : word_pred(c2) ? 1 : 2;
                if (cls2 != cls)
                    break;
                j = e2;
            }
            if (!spans_push(sp, i, j, cls == 0))
                return SLIM_ERR_NOMEM;
            i = j;
        }
        break;
    }
    }
    if (err == SLIM_OK && !add_spans(out, s, sp, first))
        err = SLIM_ERR_NOMEM;
    return err;
}

slim_error hf_pretokenize(const slim_hf *hf, const char *s, size_t n, int first,
                          hf_pieces *out)
{
    out->n = 0;
    out->text.n = 0;
    if (!piece_add(out, s, n, first))
        return SLIM_ERR_NOMEM;
    hf_pieces next = {0};
    spans sp = {0};
    hf_buf tmp = {0};
    slim_error err = SLIM_OK;
    for (size_t k = 0; k < hf->n_pres && err == SLIM_OK; k++) {
        next.n = 0;
        next.text.n = 0;
        for (size_t i = 0; i < out->n && err == SLIM_OK; i++)
            err = pre_one(&hf->pres[k], out->text.p + out->v[i].off, out->v[i].len,
                          out->v[i].first, &next, &sp, &tmp);
        hf_pieces t = *out;
        *out = next;
        next = t;
    }
    hf_pieces_free(&next);
    free(sp.v);
    hf_buf_free(&tmp);
    return err;
}
