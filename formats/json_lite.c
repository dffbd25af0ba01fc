/* A small, fast, strict JSON reader (see json_lite.h). */
#include "formats/json_lite.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JL_MAX_DEPTH 256
#define JL_MAX_VALUES (1u << 30)

typedef struct parser {
    const char *s;
    size_t n, i;
    jl_doc *d;
    jl_error *err;
    /* Children being collected, per open container, before they are
     * copied contiguously into d->v. */
    jl_val *stack;
    size_t sn, scap;
} parser;

static int fail(parser *p, const char *what)
{
    size_t line = 1, col = 1;
    for (size_t k = 0; k < p->i && k < p->n; k++) {
        if (p->s[k] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    p->err->offset = p->i;
    p->err->line = line;
    p->err->column = col;
    snprintf(p->err->text, sizeof p->err->text, "%s", what);
    return -1;
}

static void skip_ws(parser *p)
{
    while (p->i < p->n) {
        char c = p->s[p->i];
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
            break;
        p->i++;
    }
}

static int str_reserve(parser *p, size_t extra)
{
    jl_doc *d = p->d;
    if (d->str_n + extra <= d->str_cap)
        return 0;
    size_t cap = d->str_cap ? d->str_cap : 4096;
    while (cap < d->str_n + extra)
        cap *= 2;
    char *s = realloc(d->str, cap);
    if (!s)
        return fail(p, "out of memory");
    d->str = s;
    d->str_cap = cap;
    return 0;
}

static int hex4(parser *p, uint32_t *out)
{
    if (p->i + 4 > p->n)
        return fail(p, "truncated \\u escape");
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
        char c = p->s[p->i++];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (uint32_t)(c - 'A' + 10);
        else
            return fail(p, "invalid \\u escape");
    }
    *out = v;
    return 0;
}

/* Length of the valid UTF-8 sequence at s[i], 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n, size_t i)
{
    unsigned char c = s[i];
    size_t l;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        l = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        l = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        l = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else
        return 0;
    if (i + l > n || s[i + 1] < lo || s[i + 1] > hi)
        return 0;
    for (size_t k = 2; k < l; k++)
        if ((s[i + k] & 0xC0) != 0x80)
            return 0;
    return l;
}

/* Parses a string at p->i (on the quote) into the string buffer; *off and
 * *len receive where it is. */
static int parse_string(parser *p, size_t *off, uint32_t *len)
{
    p->i++; /* the opening quote */
    size_t start = p->i;
    /* Fast path: find the closing quote; copy verbatim if no escapes. */
    size_t j = start;
    const unsigned char *u = (const unsigned char *)p->s;
    while (j < p->n && u[j] != '"' && u[j] != '\\' && u[j] >= 0x20 && u[j] < 0x80)
        j++;
    if (str_reserve(p, j - start + 1))
        return -1;
    size_t o = p->d->str_n;
    memcpy(p->d->str + o, p->s + start, j - start);
    o += j - start;
    p->i = j;
    for (;;) {
        if (p->i >= p->n)
            return fail(p, "unterminated string");
        unsigned char c = u[p->i];
        if (c == '"') {
            p->i++;
            break;
        }
        if (str_reserve(p, (o - p->d->str_n) + 8))
            return -1;
        if (c < 0x20)
            return fail(p, "control character in string");
        if (c < 0x80 && c != '\\') {
            p->d->str[o++] = (char)c;
            p->i++;
            continue;
        }
        if (c >= 0x80) {
            size_t l = utf8_len(u, p->n, p->i);
            if (!l)
                return fail(p, "invalid UTF-8 in string");
            memcpy(p->d->str + o, p->s + p->i, l);
            o += l;
            p->i += l;
            continue;
        }
        p->i++; /* backslash */
        if (p->i >= p->n)
            return fail(p, "unterminated escape");
        char e = p->s[p->i++];
        uint32_t cp;
        switch (e) {
        case '"': cp = '"'; break;
        case '\\': cp = '\\'; break;
        case '/': cp = '/'; break;
        case 'b': cp = '\b'; break;
        case 'f': cp = '\f'; break;
        case 'n': cp = '\n'; break;
        case 'r': cp = '\r'; break;
        case 't': cp = '\t'; break;
        case 'u':
            if (hex4(p, &cp))
                return -1;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                uint32_t lo;
                if (p->i + 2 > p->n || p->s[p->i] != '\\' || p->s[p->i + 1] != 'u')
                    return fail(p, "unpaired surrogate in \\u escape");
                p->i += 2;
                if (hex4(p, &lo))
                    return -1;
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return fail(p, "unpaired surrogate in \\u escape");
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return fail(p, "unpaired surrogate in \\u escape");
            }
            break;
        default:
            p->i--;
            return fail(p, "invalid escape in string");
        }
        char *q = p->d->str + o;
        if (cp < 0x80) {
            q[0] = (char)cp;
            o += 1;
        } else if (cp < 0x800) {
            q[0] = (char)(0xC0 | cp >> 6);
            q[1] = (char)(0x80 | (cp & 0x3F));
            o += 2;
        } else if (cp < 0x10000) {
            q[0] = (char)(0xE0 | cp >> 12);
            q[1] = (char)(0x80 | (cp >> 6 & 0x3F));
            q[2] = (char)(0x80 | (cp & 0x3F));
            o += 3;
        } else {
            q[0] = (char)(0xF0 | cp >> 18);
            q[1] = (char)(0x80 | (cp >> 12 & 0x3F));
            q[2] = (char)(0x80 | (cp >> 6 & 0x3F));
            q[3] = (char)(0x80 | (cp & 0x3F));
            o += 4;
        }
    }
    if (str_reserve(p, (o - p->d->str_n) + 1))
        return -1;
    size_t l = o - p->d->str_n;
    if (l >= UINT32_MAX)
        return fail(p, "string too long");
    p->d->str[o] = 0;
    *off = p->d->str_n;
    *len = (uint32_t)l;
    p->d->str_n = o + 1;
    return 0;
}

static int push(parser *p, const jl_val *v)
{
    if (p->sn == p->scap) {
        size_t cap = p->scap ? 2 * p->scap : 1024;
        jl_val *s = realloc(p->stack, cap * sizeof *s);
        if (!s)
            return fail(p, "out of memory");
        p->stack = s;
        p->scap = cap;
    }
    p->stack[p->sn++] = *v;
    return 0;
}

/* Moves the top k stack entries into d->v contiguously; returns the index. */
static int flush(parser *p, size_t k, uint32_t *first)
{
    jl_doc *d = p->d;
    if (d->n + k > JL_MAX_VALUES)
        return fail(p, "too many values");
    if (d->n + k > d->cap) {
        size_t cap = d->cap ? d->cap : 1024;
        while (cap < d->n + k)
            cap *= 2;
        jl_val *v = realloc(d->v, cap * sizeof *v);
        if (!v)
            return fail(p, "out of memory");
        d->v = v;
        d->cap = cap;
    }
    memcpy(d->v + d->n, p->stack + p->sn - k, k * sizeof *d->v);
    *first = (uint32_t)d->n;
    d->n += k;
    p->sn -= k;
    return 0;
}

/* String offsets are fixed up to pointers at the end (the buffer moves). */
static int parse_value(parser *p, jl_val *out, int depth);

static int parse_number(parser *p, jl_val *out)
{
    size_t b = p->i;
    int real = 0;
    if (p->i < p->n && p->s[p->i] == '-')
        p->i++;
    if (p->i >= p->n || p->s[p->i] < '0' || p->s[p->i] > '9')
        return fail(p, "invalid number");
    if (p->s[p->i] == '0')
        p->i++;
    else
        while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9')
            p->i++;
    if (p->i < p->n && p->s[p->i] == '.') {
        real = 1;
        p->i++;
        size_t d0 = p->i;
        while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9')
            p->i++;
        if (p->i == d0)
            return fail(p, "invalid number");
    }
    if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
        real = 1;
        p->i++;
        if (p->i < p->n && (p->s[p->i] == '+' || p->s[p->i] == '-'))
            p->i++;
        size_t d0 = p->i;
        while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9')
            p->i++;
        if (p->i == d0)
            return fail(p, "invalid number");
    }
    char buf[64];
    size_t l = p->i - b;
    if (l >= sizeof buf) {
        real = 1; /* a huge literal: as a double */
        l = sizeof buf - 1;
    }
    memcpy(buf, p->s + b, l);
    buf[l] = 0;
    errno = 0;
    if (!real) {
        long long v = strtoll(buf, NULL, 10);
        if (errno == 0) {
            out->type = JL_INT;
            out->u.i = v;
            return 0;
        }
    }
    out->type = JL_REAL;
    out->u.d = strtod(buf, NULL);
    return 0;
}

static int parse_container(parser *p, jl_val *out, int depth, int is_obj)
{
    if (depth > JL_MAX_DEPTH)
        return fail(p, "nesting too deep");
    p->i++;
    size_t base = p->sn;
    skip_ws(p);
    char close = is_obj ? '}' : ']';
    if (p->i < p->n && p->s[p->i] == close) {
        p->i++;
    } else {
        for (;;) {
            jl_val v;
            memset(&v, 0, sizeof v);
            skip_ws(p);
            if (is_obj) {
                if (p->i >= p->n || p->s[p->i] != '"')
                    return fail(p, "expected a string key");
                size_t off;
                uint32_t kl;
                if (parse_string(p, &off, &kl))
                    return -1;
                skip_ws(p);
                if (p->i >= p->n || p->s[p->i] != ':')
                    return fail(p, "expected ':'");
                p->i++;
                skip_ws(p);
                if (parse_value(p, &v, depth + 1))
                    return -1;
                v.key = (const char *)(uintptr_t)(off + 1); /* fixed up later; 0 = none */
                v.key_len = kl;
            } else if (parse_value(p, &v, depth + 1)) {
                return -1;
            }
            if (push(p, &v))
                return -1;
            skip_ws(p);
            if (p->i < p->n && p->s[p->i] == ',') {
                p->i++;
                continue;
            }
            if (p->i < p->n && p->s[p->i] == close) {
                p->i++;
                break;
            }
            return fail(p, is_obj ? "expected ',' or '}'" : "expected ',' or ']'");
        }
    }
    size_t k = p->sn - base;
    out->type = is_obj ? JL_OBJECT : JL_ARRAY;
    out->n = (uint32_t)k;
    return flush(p, k, &out->kids);
}

static int parse_value(parser *p, jl_val *out, int depth)
{
    skip_ws(p);
    if (p->i >= p->n)
        return fail(p, "unexpected end of input");
    char c = p->s[p->i];
    switch (c) {
    case '{':
        return parse_container(p, out, depth, 1);
    case '[':
        return parse_container(p, out, depth, 0);
    case '"': {
        size_t off;
        uint32_t l;
        if (parse_string(p, &off, &l))
            return -1;
        out->type = JL_STRING;
        out->n = l;
        out->u.s = (const char *)(uintptr_t)off;
        return 0;
    }
    case 't':
        if (p->n - p->i >= 4 && !memcmp(p->s + p->i, "true", 4)) {
            p->i += 4;
            out->type = JL_TRUE;
            return 0;
        }
        break;
    case 'f':
        if (p->n - p->i >= 5 && !memcmp(p->s + p->i, "false", 5)) {
            p->i += 5;
            out->type = JL_FALSE;
            return 0;
        }
        break;
    case 'n':
        if (p->n - p->i >= 4 && !memcmp(p->s + p->i, "null", 4)) {
            p->i += 4;
            out->type = JL_NULL;
            return 0;
        }
        break;
    default:
        if (c == '-' || (c >= '0' && c <= '9'))
            return parse_number(p, out);
    }
    return fail(p, "unexpected character");
}

int jl_parse(jl_doc *d, const char *text, size_t n, jl_error *err)
{
    memset(d, 0, sizeof *d);
    memset(err, 0, sizeof *err);
    parser p = {.s = text, .n = n, .d = d, .err = err};
    /* Reserve the root slot first so it is v[0]. */
    jl_val root;
    memset(&root, 0, sizeof root);
    if (push(&p, &root) || flush(&p, 1, &root.kids)) {
        free(p.stack);
        jl_free(d);
        return -1;
    }
    int rc = parse_value(&p, &root, 0);
    if (!rc) {
        skip_ws(&p);
        if (p.i != n)
            rc = fail(&p, "text after the JSON value");
    }
    free(p.stack);
    if (rc) {
        jl_free(d);
        return -1;
    }
    d->v[0] = root;
    for (size_t i = 0; i < d->n; i++) {
        jl_val *v = &d->v[i];
        if (v->type == JL_STRING)
            v->u.s = d->str + (uintptr_t)v->u.s;
        v->key = v->key ? d->str + ((uintptr_t)v->key - 1) : NULL;
    }
    return 0;
}

void jl_free(jl_doc *d)
{
    free(d->v);
    free(d->str);
    memset(d, 0, sizeof *d);
}

const jl_val *jl_get(const jl_doc *d, const jl_val *obj, const char *key)
{
    if (!obj || obj->type != JL_OBJECT)
        return NULL;
    size_t kl = strlen(key);
    const jl_val *found = NULL;
    for (uint32_t k = 0; k < obj->n; k++) {
        const jl_val *m = &d->v[obj->kids + k];
        if (m->key_len == kl && !memcmp(m->key, key, kl))
            found = m;
    }
    return found;
}

const jl_val *jl_at(const jl_doc *d, const jl_val *arr, size_t i)
{
    if (!arr || arr->type != JL_ARRAY || i >= arr->n)
        return NULL;
    return &d->v[arr->kids + i];
}
