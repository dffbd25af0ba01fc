/* tokenizer.h - the slim_tokenizer object, shared by the tok/ sources. */
#ifndef SLIM_TOK_TOKENIZER_H
#define SLIM_TOK_TOKENIZER_H

#include "slim.h"
#include "tok/pretok.h"
#include "tok/vocab.h"

typedef struct slim_special {
    char *text;
    size_t len;
    uint32_t id;
} slim_special;

struct slim_tokenizer {
    char *name;
    char *pattern;
    slim_vocab vocab;
    slim_pretok pretok;
    slim_pretok_kind fast_kind;  /* the hand-written splitter the pattern has */
    slim_special *specials;
    size_t n_specials;
    size_t vocab_size;
    struct slim_hf *hf;          /* a tokenizer.json tokenizer (tok/hf.h), else NULL */
};

/*
 * Makes a tokenizer from a built vocabulary (taken over, also on failure),
 * a pattern and specials (copied). `name` is copied.
 */
slim_error slim_tokenizer_make(const char *name, slim_vocab *vocab, const char *pattern,
                               const slim_special_token *specials, size_t n_specials,
                               slim_tokenizer **out, slim_tok_where *where);

/* A malloc'd copy of s (NULL when out of memory). */
char *slim_tok_strdup(const char *s);

/* Reads the whole file at `path` (a regular file or a pipe) into a malloc'd
 * *buf of *len bytes: SLIM_ERR_IO (cannot open or read), SLIM_ERR_NOMEM, or
 * SLIM_ERR_TOO_LARGE past `max` bytes. *buf is NULL on failure. */
slim_error slim_tok_read_file(const char *path, size_t max, uint8_t **buf, size_t *len);

/* Names a loaded tokenizer after the file it came from (kept as it was if
 * there is no memory for the copy). */
void slim_tok_set_name(slim_tokenizer *tok, const char *name);

#endif
