/*
 * json_lite.h - a small read-only JSON DOM for large files that must load
 * fast (a 262k-token tokenizer.json is 33 MB: jansson spends seconds in
 * per-value allocations). All values live in one array and all strings in
 * one buffer; a container's children are contiguous, so walking a 500k
 * element array is a loop over memory. Strict RFC 8259 (UTF-8 checked,
 * surrogates paired, no trailing commas), \u0000 allowed (lengths are kept),
 * nesting limited, duplicate keys kept (lookup finds the last, as serde does
 * for maps).
 */
#ifndef SLIM_FORMATS_JSON_LITE_H
#define SLIM_FORMATS_JSON_LITE_H

#include <stddef.h>
#include <stdint.h>

typedef enum jl_type { JL_NULL, JL_FALSE, JL_TRUE, JL_INT, JL_REAL, JL_STRING, JL_ARRAY,
                       JL_OBJECT } jl_type;

typedef struct jl_val {
    uint32_t type;
    uint32_t n;          /* string length, or number of children */
    uint32_t key_len;    /* an object member's key */
    uint32_t kids;       /* index of the first child (containers) */
    const char *key;
    union {
        const char *s;   /* NUL-terminated copy, n bytes */
        int64_t i;
        double d;
    } u;
} jl_val;

typedef struct jl_doc {
    jl_val *v;           /* v[0] is the root */
    size_t n, cap;
    char *str;           /* all string bytes */
    size_t str_n, str_cap;
} jl_doc;

typedef struct jl_error {
    size_t offset, line, column;
    char text[96];
} jl_error;

/* Parses text[0..n); 0 on success, -1 with *err filled (or on NOMEM:
 * err->text says so). */
int jl_parse(jl_doc *doc, const char *text, size_t n, jl_error *err);
void jl_free(jl_doc *doc);

static inline const jl_val *jl_root(const jl_doc *d) { return d->v; }

/* Accessors; each accepts NULL and returns NULL / 0 / false for it. */
const jl_val *jl_get(const jl_doc *d, const jl_val *obj, const char *key);
const jl_val *jl_at(const jl_doc *d, const jl_val *arr, size_t i);
static inline int jl_is(const jl_val *v, jl_type t) { return v && v->type == t; }
static inline int jl_is_bool(const jl_val *v) { return v && (v->type == JL_TRUE || v->type == JL_FALSE); }
static inline int jl_is_number(const jl_val *v) { return v && (v->type == JL_INT || v->type == JL_REAL); }
static inline size_t jl_size(const jl_val *v)
{
    return v && (v->type == JL_ARRAY || v->type == JL_OBJECT) ? v->n : 0;
}
static inline double jl_number(const jl_val *v)
{
    return !v ? 0 : v->type == JL_INT ? (double)v->u.i : v->type == JL_REAL ? v->u.d : 0;
}

#endif
