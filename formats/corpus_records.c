/*
 * The documents of a corpus chunk: whole chunk, lines, paragraphs, or a
 * string field of each jsonl line. The jsonl scanner checks the whole line's
 * syntax (RFC 8259, without UTF-8 checks: invalid UTF-8 in the text is the
 * caller's --invalid business) but builds nothing: only the field's value
 * is located, and decoded only when it holds escapes. Strings are scanned
 * eight bytes at a time for the three bytes that matter (quote, backslash,
 * control characters), so the scan costs little next to tokenization.
 */
#include "formats/corpus.h"
#include "formats/fmt_internal.h"
#include "tok/hf.h"

#include <stdlib.h>
#include <string.h>

/* ---- records ---- */

static int blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
            return 0;
    return 1;
}

/* The line at k->pos (without its newline and a '\r' before it); advances. */
static int next_line(const corpus_chunk *c, corpus_cursor *k, const char **p, size_t *n,
                     uint64_t *line)
{
    if (k->pos >= c->len)
        return 0;
    const char *s = c->data + k->pos;
    size_t rest = c->len - k->pos;
    const char *nl = memchr(s, '\n', rest);
    size_t len = nl ? (size_t)(nl - s) : rest;
    k->pos += nl ? len + 1 : len;
    *line = k->line++;
    if (len && s[len - 1] == '\r')
        len--;
    *p = s;
    *n = len;
    return 1;
}

int corpus_next_record(slim_corpus_split split, const corpus_chunk *c, corpus_cursor *k,
                       corpus_record *rec)
{
    const char *p;
    size_t n;
    uint64_t line;
    if (split == SLIM_SPLIT_FILE) {
        if (k->done)
            return 0;
        k->done = 1;
        rec->text = c->data;
        rec->len = c->len;
        rec->line = 0;
        return 1;
    }
    if (split != SLIM_SPLIT_PARAGRAPHS) {
        while (next_line(c, k, &p, &n, &line)) {
            if (split == SLIM_SPLIT_LINES ? n == 0 : blank(p, n))
                continue;
            rec->text = p;
            rec->len = n;
            rec->line = line;
            return 1;
        }
        return 0;
    }
    /* Paragraphs: from the first non-blank line to the last one before a
     * blank line (or the end), inner newlines included. */
    while (next_line(c, k, &p, &n, &line)) {
        if (blank(p, n))
            continue;
        rec->text = p;
        rec->line = line;
        const char *end = p + n;
        size_t save_pos = k->pos;
        uint64_t save_line = k->line;
        while (next_line(c, k, &p, &n, &line) && !blank(p, n)) {
            end = p + n;
            save_pos = k->pos;
            save_line = k->line;
        }
        k->pos = save_pos;
        k->line = save_line;
        rec->len = (size_t)(end - rec->text);
        return 1;
    }
    return 0;
}

/* ---- jsonl ---- */

#define MAX_DEPTH 128

typedef struct scan {
    const char *s;
    size_t n, i;
} scan;

static void skip_ws(scan *j)
{
    while (j->i < j->n) {
        char ch = j->s[j->i];
        if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n')
            return;
        j->i++;
    }
}

/* Bit 7 of each byte of w set where the byte is '"', '\\' or below 0x20;
 * exact for the lowest such byte (higher ones may be false positives). */
static inline uint64_t special_bytes(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
    return (((q - ones) & ~q) | ((b - ones) & ~b) | ((w - ones * 0x20) & ~w)) & high;
}

static int hex4(const char *p, uint32_t *v)
{
    uint32_t x = 0;
    for (int k = 0; k < 4; k++) {
        char ch = p[k];
        x <<= 4;
        if (ch >= '0' && ch <= '9')
            x |= (uint32_t)(ch - '0');
        else if (ch >= 'a' && ch <= 'f')
            x |= (uint32_t)(ch - 'a' + 10);
        else if (ch >= 'A' && ch <= 'F')
            x |= (uint32_t)(ch - 'A' + 10);
        else
            return 0;
    }
    *v = x;
    return 1;
}

/* A string at j->i (the opening quote): its raw content and whether it has
 * escapes; j->i ends after the closing quote. 0 on a syntax error. */
static int scan_string(scan *j, const char **raw, size_t *raw_len, int *escaped)
{
    size_t i = ++j->i;
    *escaped = 0;
    for (;;) {
        while (i + 8 <= j->n) {
            uint64_t w;
            memcpy(&w, j->s + i, 8);
            uint64_t m = special_bytes(w);
            if (m) {
                i += (size_t)__builtin_ctzll(m) / 8;
                break;
            }
            i += 8;
        }
        if (i >= j->n) {
            j->i = j->n;
            return 0;
        }
        unsigned char ch = (unsigned char)j->s[i];
        if (ch == '"') {
            *raw = j->s + j->i;
            *raw_len = i - j->i;
            j->i = i + 1;
            return 1;
        }
        if (ch < 0x20) {
            j->i = i;
            return 0;
        }
        if (ch == '\\') {
            *escaped = 1;
            if (i + 1 >= j->n) {
                j->i = i;
                return 0;
            }
            char e = j->s[i + 1];
            uint32_t v;
            if (e == 'u') {
                if (i + 6 > j->n || !hex4(j->s + i + 2, &v)) {
                    j->i = i;
                    return 0;
                }
                i += 6;
            } else if (strchr("\"\\/bfnrt", e) && e) {
                i += 2;
            } else {
                j->i = i;
                return 0;
            }
        } else {
            i++;   /* a false positive of the word scan */
        }
    }
}

/* Decodes a string already checked by scan_string into o (room for len
 * bytes: decoding never grows a string); returns the decoded length. */
static size_t unescape(const char *s, size_t len, char *o)
{
    size_t w = 0;
    for (size_t i = 0; i < len;) {
        const char *bs = memchr(s + i, '\\', len - i);
        size_t run = bs ? (size_t)(bs - (s + i)) : len - i;
        memcpy(o + w, s + i, run);
        w += run;
        i += run;
        if (i >= len)
            break;
        char e = s[i + 1];
        i += 2;
        switch (e) {
        case 'b': o[w++] = '\b'; break;
        case 'f': o[w++] = '\f'; break;
        case 'n': o[w++] = '\n'; break;
        case 'r': o[w++] = '\r'; break;
        case 't': o[w++] = '\t'; break;
        case 'u': {
            uint32_t cp, lo;
            hex4(s + i, &cp);
            i += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && i + 6 <= len && s[i] == '\\' &&
                s[i + 1] == 'u' && hex4(s + i + 2, &lo) && lo >= 0xDC00 && lo < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                i += 6;
            }
            /* A lone surrogate keeps its 3-byte form: invalid UTF-8 that
             * the --invalid policy then handles. */
            w += hf_utf8_put(o + w, cp);
            break;
        }
        default: o[w++] = e; break;   /* " \ / */
        }
    }
    return w;
}

static int scan_number(scan *j)
{
    size_t i = j->i;
    const char *s = j->s;
    if (i < j->n && s[i] == '-')
        i++;
    if (i >= j->n)
        return 0;
    if (s[i] == '0') {
        i++;
    } else if (s[i] >= '1' && s[i] <= '9') {
        while (i < j->n && s[i] >= '0' && s[i] <= '9')
            i++;
    } else {
        return 0;
    }
    if (i < j->n && s[i] == '.') {
        size_t d = ++i;
        while (i < j->n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return 0;
    }
    if (i < j->n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < j->n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t d = i;
        while (i < j->n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return 0;
    }
    j->i = i;
    return 1;
}

static int skip_value(scan *j, int depth);

/* Members of an object or elements of an array at j->i (after the opening
 * bracket). For the top-level object (want != NULL) the value of the last
 * member named `want` is recorded. */
typedef struct field_hit {
    const char *want;
    size_t want_len;
    char *key_buf;      /* for keys with escapes */
    const char *raw;    /* the value's raw string, or NULL */
    size_t raw_len;
    int escaped, found, is_string;
} field_hit;

static int skip_container(scan *j, char close, int depth, field_hit *hit)
{
    skip_ws(j);
    if (j->i < j->n && j->s[j->i] == close) {
        j->i++;
        return 1;
    }
    for (;;) {
        skip_ws(j);
        int match = 0;
        if (close == '}') {
            const char *k;
            size_t kl;
            int esc;
            if (j->i >= j->n || j->s[j->i] != '"' || !scan_string(j, &k, &kl, &esc))
                return 0;
            if (hit) {
                if (esc) {
                    size_t dl = unescape(k, kl, hit->key_buf);
                    match = dl == hit->want_len && memcmp(hit->key_buf, hit->want, dl) == 0;
                } else {
                    match = kl == hit->want_len && memcmp(k, hit->want, kl) == 0;
                }
            }
            skip_ws(j);
            if (j->i >= j->n || j->s[j->i] != ':')
                return 0;
            j->i++;
            skip_ws(j);
        }
        if (match) {
            hit->found = 1;
            hit->is_string = j->i < j->n && j->s[j->i] == '"';
            if (hit->is_string) {
                if (!scan_string(j, &hit->raw, &hit->raw_len, &hit->escaped))
                    return 0;
            } else if (!skip_value(j, depth + 1)) {
                return 0;
            }
        } else if (!skip_value(j, depth + 1)) {
            return 0;
        }
        skip_ws(j);
        if (j->i >= j->n)
            return 0;
        char ch = j->s[j->i++];
        if (ch == close)
            return 1;
        if (ch != ',') {
            j->i--;
            return 0;
        }
    }
}

static int skip_literal(scan *j, const char *lit, size_t n)
{
    if (j->n - j->i < n || memcmp(j->s + j->i, lit, n) != 0)
        return 0;
    j->i += n;
    return 1;
}

static int skip_value(scan *j, int depth)
{
    if (depth > MAX_DEPTH || j->i >= j->n)
        return 0;
    const char *raw;
    size_t rl;
    int esc;
    switch (j->s[j->i]) {
    case '"': return scan_string(j, &raw, &rl, &esc);
    case '{': j->i++; return skip_container(j, '}', depth, NULL);
    case '[': j->i++; return skip_container(j, ']', depth, NULL);
    case 't': return skip_literal(j, "true", 4);
    case 'f': return skip_literal(j, "false", 5);
    case 'n': return skip_literal(j, "null", 4);
    default: return scan_number(j);
    }
}

slim_error corpus_json_field(const char *line, size_t len, const char *field,
                             char **scratch, size_t *scratch_cap, const char **value,
                             size_t *value_len, size_t *bad_offset)
{
    scan j = { line, len, 0 };
    field_hit hit = { .want = field, .want_len = strlen(field) };
    /* Keys with escapes are decoded into the scratch buffer, which the
     * value only needs once the line is scanned. */
    if (!slim_grow((void **)scratch, scratch_cap, len + 1, 1))
        return SLIM_ERR_NOMEM;
    hit.key_buf = *scratch;
    skip_ws(&j);
    int ok = j.i < j.n && j.s[j.i] == '{';
    if (ok) {
        j.i++;
        ok = skip_container(&j, '}', 0, &hit);
    }
    if (ok) {
        skip_ws(&j);
        ok = j.i == j.n;
    }
    if (!ok) {
        *bad_offset = j.i;
        return SLIM_ERR_BAD_JSON;
    }
    if (!hit.found || !hit.is_string)
        return SLIM_ERR_NOT_FOUND;
    if (!hit.escaped) {
        *value = hit.raw;
        *value_len = hit.raw_len;
    } else {
        *value_len = unescape(hit.raw, hit.raw_len, *scratch);
        *value = *scratch;
    }
    return SLIM_OK;
}
