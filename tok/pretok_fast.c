/*
 * Hand-written splitters for the tiktoken patterns (see pretok.h).
 *
 * Each function is the pattern's alternation evaluated by hand at one
 * position, in the pattern's order, with the backtracking a regex engine
 * would do made explicit. ASCII is classified by a table, runs of it 16
 * bytes at a time (pretok_ascii.h); other code points by their Unicode
 * general category (utf8proc). \s is Unicode White_Space.
 *
 * The patterns (tiktoken's; the npm forms are equivalent):
 *  gpt2:   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 *  cl100k: '(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+
 *          | ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s
 *          (the npm package's form lacks `\s++$`: see slim_split_cl100k_npm;
 *          it is also Llama 3's; Qwen2's is that form with \p{N} for \p{N}{1,3})
 *  o200k:  [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+C?
 *          |[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*C?
 *          |\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
 *          with C = (?i:'s|'t|'re|'ve|'m|'ll|'d)
 */
#include "tok/pretok.h"
#include "tok/pretok_ascii.h"

#include <string.h>

#include <utf8proc.h>

static uint8_t class_of_cp(int32_t c)
{
    switch (c) {
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F:
    case 0x205F: case 0x3000:
        return C_S;
    default:
        break;
    }
    if (c >= 0x2000 && c <= 0x200A)
        return C_S;
    switch (utf8proc_category(c)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LT: return C_LU;
    case UTF8PROC_CATEGORY_LL: return C_LL;
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO: return C_LO;
    case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME: return C_M;
    case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO: return C_N;
    default: return 0;
    }
}

/* The class of the character at s[i] and its length in *len. */
static inline uint8_t cls(const uint8_t *s, size_t n, size_t i, size_t *len)
{
    uint8_t b = s[i];
    if (b < 0x80) {
        *len = 1;
        return ascii_class[b];
    }
    int32_t cp;
    utf8proc_ssize_t k = utf8proc_iterate(s + i, (utf8proc_ssize_t)(n - i), &cp);
    if (k <= 0) { /* not reached for valid input; keep progress anyway */
        *len = 1;
        return 0;
    }
    *len = (size_t)k;
    return class_of_cp(cp);
}

static inline uint8_t cls_at(const uint8_t *s, size_t n, size_t i)
{
    size_t l;
    return i < n ? cls(s, n, i, &l) : 0;
}

/* End of the run of characters whose class intersects `mask`, from i.
 * ASCII stretches are skipped a vector at a time (pretok_ascii.h). */
static inline size_t run(const uint8_t *s, size_t n, size_t i, uint8_t mask)
{
    while (i < n) {
        if (s[i] < 0x80) {
            i = ascii_run(s, n, i, mask);
            if (i >= n || s[i] < 0x80)
                break;
        }
        size_t l;
        if (!(cls(s, n, i, &l) & mask))
            break;
        i += l;
    }
    return i;
}

/* Length of a contraction 's 't 're 've 'm 'll 'd at i (0 if none);
 * `fold` makes it case-insensitive (ASCII case and U+017F for s). */
static size_t contraction(const uint8_t *s, size_t n, size_t i, int fold)
{
    if (i + 1 >= n || s[i] != '\'')
        return 0;
    uint8_t a = s[i + 1], lo = fold ? (uint8_t)(a | 0x20) : a;
    if (!fold && (a < 'a' || a > 'z'))
        return 0;
    if (lo == 's' || lo == 't' || lo == 'm' || lo == 'd')
        return 2;
    if (fold && a == 0xC5 && i + 2 < n && s[i + 2] == 0xBF) /* U+017F long s */
        return 3;
    if (i + 2 < n) {
        uint8_t b = s[i + 2], lb = fold ? (uint8_t)(b | 0x20) : b;
        if ((lo == 'r' && lb == 'e') || (lo == 'v' && lb == 'e') || (lo == 'l' && lb == 'l'))
            return 3;
    }
    return 0;
}

/* \s*[\r\n]+ | \s+(?!\S) | \s+ at i, whose character is white space.
 * `nl_rule` is 0 for the GPT-2 pattern, which has no newline alternative;
 * `end_rule` puts `\s++$` first (a run that ends the text is one piece). */
static size_t space_piece(const uint8_t *s, size_t n, size_t i, int nl_rule, int end_rule)
{
    size_t j = run(s, n, i, C_S);
    if (end_rule && j == n)
        return n;
    if (nl_rule)                /* \s*[\r\n]+ ends after the last CR or LF */
        for (size_t k = j; k > i; k--)
            if (s[k - 1] == '\n' || s[k - 1] == '\r')
                return k;
    size_t prev = j - 1;        /* where the run's last character starts */
    while (prev > i && (s[prev] & 0xC0) == 0x80)
        prev--;
    if (j == n || prev == i)
        return j;               /* \s+(?!\S) to the end, or a lone \s+ */
    return prev;                /* \s+(?!\S): leave the last space to the next piece */
}

size_t slim_split_gpt2(const uint8_t *s, size_t n, size_t i)
{
    size_t k = contraction(s, n, i, 0);
    if (k)
        return i + k;
    size_t l;
    uint8_t c = cls(s, n, i, &l);
    size_t a = i;
    uint8_t d = c;
    if (s[i] == ' ' && i + 1 < n) {
        d = cls(s, n, i + 1, &l);
        if (!(d & C_S)) {
            a = i + 1;
        } else {
            d = c;
        }
    }
    if (d & C_L)
        return run(s, n, a, C_L);
    if (d & C_N)
        return run(s, n, a, C_N);
    if (!(d & C_S)) {
        /* [^\s\p{L}\p{N}]+ */
        size_t j = a;
        while (j < n) {
            uint8_t e = cls(s, n, j, &l);
            if (e & (C_S | C_L | C_N))
                break;
            j += l;
        }
        return j;
    }
    return space_piece(s, n, i, 0, 1);
}

/* \p{N}{1,max}: the end of the digits from j, the first one's end. */
static inline size_t digits(const uint8_t *s, size_t n, size_t j, int max)
{
    for (int m = 1; m < max && j < n; m++) {
        size_t l;
        if (!(cls(s, n, j, &l) & C_N))
            break;
        j += l;
    }
    return j;
}

/* ` ?[^\s\p{L}\p{N}]+` then a run of `tail` characters (CR, LF and maybe
 * '/'), from a, the first punctuation character. */
static size_t punct_piece(const uint8_t *s, size_t n, size_t a, int slash)
{
    size_t j = a, l;
    while (j < n) {
        if (cls(s, n, j, &l) & (C_S | C_L | C_N))
            break;
        j += l;
    }
    while (j < n && (s[j] == '\r' || s[j] == '\n' || (slash && s[j] == '/')))
        j++;
    return j;
}

/* cl100k's pattern; end_rule: with `\s++$`; max_digits: 3, or 1 for Qwen2. */
static inline size_t split_cl100k(const uint8_t *s, size_t n, size_t i, int end_rule,
                                  int max_digits)
{
    size_t k = contraction(s, n, i, 1);
    if (k)
        return i + k;
    size_t l;
    uint8_t c = cls(s, n, i, &l);
    /* [^\r\n\p{L}\p{N}]?\p{L}+ */
    if (c & C_L)
        return run(s, n, i + l, C_L);
    if (!(c & (C_NL | C_N)) && (cls_at(s, n, i + l) & C_L))
        return run(s, n, i + l, C_L);
    /* \p{N}{1,3} */
    if (c & C_N)
        return digits(s, n, i + l, max_digits);
    /*  ?[^\s\p{L}\p{N}]+[\r\n]* */
    if (!(c & C_S))
        return punct_piece(s, n, i, 0);
    if (s[i] == ' ' && i + 1 < n && !(cls_at(s, n, i + 1) & (C_S | C_L | C_N)))
        return punct_piece(s, n, i + 1, 0);
    return space_piece(s, n, i, 1, end_rule);
}

size_t slim_split_cl100k(const uint8_t *s, size_t n, size_t i)
{
    return split_cl100k(s, n, i, 1, 3);
}

size_t slim_split_cl100k_npm(const uint8_t *s, size_t n, size_t i)
{
    return split_cl100k(s, n, i, 0, 3);
}

size_t slim_split_qwen2(const uint8_t *s, size_t n, size_t i)
{
    return split_cl100k(s, n, i, 0, 1);
}

/* o200k's two letter alternatives at i; 0 if neither matches. */
static size_t o200k_letters(const uint8_t *s, size_t n, size_t i, uint8_t c, size_t l)
{
    /* The optional prefix is tried taken first, then not taken (it can be a
     * mark, which the letter classes also accept). */
    int can_prefix = !(c & (C_NL | C_L | C_N));
    for (int pass = can_prefix ? 0 : 1; pass < 2; pass++) {
        size_t a = pass == 0 ? i + l : i;
        /* Alternative 1: UP* LOW+ C?. UP* takes the longest run [a, b);
         * backtracking then wants the last position k <= b where a LOW
         * character starts; LOW+ runs on from k. */
        size_t j = a, last_low = SIZE_MAX, b;
        uint8_t e = 0;
        while (j < n) {
            size_t l2;
            if (s[j] < 0x80) {
                j = ascii_run(s, n, j, C_LU); /* ASCII capitals: UP, not LOW */
                if (j >= n)
                    break;
            }
            e = cls(s, n, j, &l2);
            if (!(e & C_UP))
                break;
            if (e & C_LOW)
                last_low = j;
            j += l2;
        }
        b = j;
        size_t end = SIZE_MAX;
        if (b < n && (e & C_LOW))
            end = run(s, n, b, C_LOW);
        else if (last_low != SIZE_MAX)
            /* Everything after last_low in [a, b) is Lu/Lt: LOW+ is one char. */
            end = last_low + (size_t)utf8proc_utf8class[s[last_low]];
        if (end != SIZE_MAX)
            return end + contraction(s, n, end, 1);
    }
    for (int pass = can_prefix ? 0 : 1; pass < 2; pass++) {
        size_t a = pass == 0 ? i + l : i;
        /* Alternative 2: UP+ LOW* C?. */
        if (!(cls_at(s, n, a) & C_UP) || a >= n)
            continue;
        size_t b = run(s, n, a, C_UP);
        size_t end = run(s, n, b, C_LOW);
        return end + contraction(s, n, end, 1);
    }
    return 0;
}

size_t slim_split_o200k(const uint8_t *s, size_t n, size_t i)
{
    size_t l;
    uint8_t c = cls(s, n, i, &l);
    if (!(c & (C_N | C_NL))) {
        size_t e = o200k_letters(s, n, i, c, l);
        if (e)
            return e;
    }
    /* \p{N}{1,3} */
    if (c & C_N)
        return digits(s, n, i + l, 3);
    /*  ?[^\s\p{L}\p{N}]+[\r\n/]* */
    if (!(c & (C_S | C_L)))
        return punct_piece(s, n, i, 1);
    if (s[i] == ' ' && i + 1 < n && !(cls_at(s, n, i + 1) & (C_S | C_L | C_N)))
        return punct_piece(s, n, i + 1, 1);
    return space_piece(s, n, i, 1, 0);
}

slim_split_fn slim_pretok_splitter(slim_pretok_kind kind)
{
    switch (kind) {
    case SLIM_PRETOK_GPT2: return slim_split_gpt2;
    case SLIM_PRETOK_CL100K: return slim_split_cl100k;
    case SLIM_PRETOK_CL100K_NPM: return slim_split_cl100k_npm;
    case SLIM_PRETOK_O200K: return slim_split_o200k;
    case SLIM_PRETOK_QWEN2: return slim_split_qwen2;
    default: return NULL;
    }
}
