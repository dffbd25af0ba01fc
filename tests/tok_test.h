/*
 * tok_test.h - helpers for the tokenizer tests: the shared corpora and
 * reference ids (../shared/data), read with jansson and zstd. Header-only
 * (static functions) because tests/util_*.c are also linked into the
 * core-only kernel checker, which has neither library.
 */
#ifndef SLIM_TESTS_TOK_TEST_H
#define SLIM_TESTS_TOK_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <zstd.h>

/* The corpora every tokenizer reference set covers. */
static const char *const tok_corpora[] = {
    "adversarial", "code-python", "de-fortunes", "en-bible", "en-jargon",
    "ja-edict", "multilingual", "ru-fortunes", "zh-debref",
};
#define TOK_N_CORPORA (sizeof tok_corpora / sizeof tok_corpora[0])

/* $SLIM_SHARED_DATA, else ../shared/data; NULL if it is not a directory. */
static inline const char *tok_data_dir(void)
{
    const char *d = getenv("SLIM_SHARED_DATA");
    if (!d || !*d)
        d = "../shared/data";
    struct stat st;
    return stat(d, &st) == 0 && S_ISDIR(st.st_mode) ? d : NULL;
}

/* A whole file (zstd-decompressed if the name ends in .zst), NUL-terminated;
 * NULL if it cannot be read. */
static inline char *tok_read(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(buf);
        return NULL;
    }
    fclose(f);
    buf[n] = 0;
    size_t len = strlen(path);
    if (len > 4 && strcmp(path + len - 4, ".zst") == 0) {
        unsigned long long raw = ZSTD_getFrameContentSize(buf, (size_t)n);
        if (raw == ZSTD_CONTENTSIZE_ERROR || raw == ZSTD_CONTENTSIZE_UNKNOWN) {
            free(buf);
            return NULL;
        }
        char *out = malloc((size_t)raw + 1);
        size_t got = out ? ZSTD_decompress(out, (size_t)raw, buf, (size_t)n) : 0;
        free(buf);
        if (!out || ZSTD_isError(got)) {
            free(out);
            return NULL;
        }
        out[got] = 0;
        *size = got;
        return out;
    }
    *size = (size_t)n;
    return buf;
}

/* One JSON value per line of a file. */
typedef struct tok_lines {
    json_t **v;
    size_t n;
} tok_lines;

static inline int tok_lines_load(const char *path, tok_lines *out)
{
    size_t size;
    char *buf = tok_read(path, &size);
    out->v = NULL;
    out->n = 0;
    if (!buf)
        return 0;
    size_t cap = 0;
    for (char *p = buf; p < buf + size;) {
        char *nl = memchr(p, '\n', (size_t)(buf + size - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(buf + size - p);
        if (len) {
            if (out->n == cap) {
                cap = cap ? 2 * cap : 256;
                out->v = realloc(out->v, cap * sizeof *out->v);
            }
            json_error_t err;
            out->v[out->n++] = json_loadb(p, len, JSON_ALLOW_NUL, &err);
        }
        p += len + 1;
    }
    free(buf);
    return 1;
}

static inline void tok_lines_free(tok_lines *l)
{
    for (size_t i = 0; i < l->n; i++)
        json_decref(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

/* The `text` of document i of a corpus, and its length. */
static inline const char *tok_doc(const tok_lines *c, size_t i, size_t *len)
{
    json_t *t = c->v[i] ? json_object_get(c->v[i], "text") : NULL;
    *len = t ? json_string_length(t) : 0;
    return t ? json_string_value(t) : NULL;
}

#endif
