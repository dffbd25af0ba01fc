/*
 * The slim_tokenizer of a tokenizer.json (public API in slim.h): loading,
 * format detection and the post-processor. Encoding and decoding dispatch
 * from tokenizer.c to hf_encode.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tok/hf_api.h"
#include "tok/tokenizer.h"

int slim_tokenizer_is_hf(const void *head, size_t n)
{
    const uint8_t *p = head;
    if (n >= 4 && p[0] == 0x28 && p[1] == 0xB5 && p[2] == 0x2F && p[3] == 0xFD)
        return 1;
    size_t i = 0;
    if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
        i = 3; /* a UTF-8 byte-order mark */
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
        i++;
    return i < n && p[i] == '{';
}

slim_error slim_tokenizer_from_hf(const void *data, size_t size, slim_tokenizer **out,
                                  char *msg, size_t msg_cap, slim_tok_where *where)
{
    if (where) {
        memset(where, 0, sizeof *where);
        where->token = -1;
    }
    if (msg && msg_cap)
        msg[0] = 0;
    if (!out || (!data && size))
        return SLIM_ERR_INVALID_ARG;
    *out = NULL;
    slim_hf *hf = NULL;
    slim_error err = slim_hf_parse(data, size, &hf, msg, msg_cap, where);
    if (err != SLIM_OK)
        return err;
    return slim_tokenizer_wrap_hf(hf, "tokenizer.json", out);
}

slim_error slim_tokenizer_wrap_hf(slim_hf *hf, const char *name, slim_tokenizer **out)
{
    *out = NULL;
    slim_tokenizer *t = calloc(1, sizeof *t);
    if (!t) {
        slim_hf_free(hf);
        return SLIM_ERR_NOMEM;
    }
    t->hf = hf;
    t->name = slim_tok_strdup(name);
    t->pattern = slim_tok_strdup("");
    t->vocab_size = hf->vocab_size;
    t->specials = hf->n_added ? calloc(hf->n_added, sizeof *t->specials) : NULL;
    if (!t->name || !t->pattern || (hf->n_added && !t->specials)) {
        slim_tokenizer_free(t);
        return SLIM_ERR_NOMEM;
    }
    for (size_t k = 0; k < hf->n_added; k++) {
        t->specials[k].text = slim_tok_strdup(hf->added[k].content);
        if (!t->specials[k].text) {
            slim_tokenizer_free(t);
            return SLIM_ERR_NOMEM;
        }
        t->specials[k].len = hf->added[k].len;
        t->specials[k].id = hf->added[k].id;
        t->n_specials = k + 1;
    }
    size_t n_tok = 0;
    for (uint32_t i = 0; i < hf->bpe.n_ids; i++)
        n_tok += hf->bpe.present[i];
    t->vocab.n_tokens = (uint32_t)n_tok;
    *out = t;
    return SLIM_OK;
}

slim_error slim_tokenizer_load_hf(const char *path, slim_tokenizer **out, char *msg,
                                  size_t msg_cap, slim_tok_where *where)
{
    if (msg && msg_cap)
        msg[0] = 0;
    if (!path || !out)
        return SLIM_ERR_INVALID_ARG;
    *out = NULL;
    uint8_t *buf;
    size_t len;
    slim_error err = slim_tok_read_file(path, (size_t)1 << 31, &buf, &len);
    if (err == SLIM_OK) {
        err = slim_tokenizer_from_hf(buf, len, out, msg, msg_cap, where);
        if (err == SLIM_OK)
            slim_tok_set_name(*out, path);
    } else if (msg && msg_cap) {
        snprintf(msg, msg_cap, "cannot read the file: %s",
                 err == SLIM_ERR_IO ? strerror(errno) : slim_strerror(err));
    }
    free(buf);
    return err;
}

slim_error slim_tokenizer_add_special(const slim_tokenizer *tok, const uint32_t *ids, size_t n,
                                      uint32_t *out, size_t cap, size_t *n_out)
{
    if (!tok || (!ids && n) || (!out && cap) || !n_out)
        return SLIM_ERR_INVALID_ARG;
    if (tok->hf)
        return slim_hf_add_special(tok->hf, ids, n, out, cap, n_out);
    *n_out = n;
    if (cap && n)
        memcpy(out, ids, (n < cap ? n : cap) * sizeof *ids);
    return n > cap ? SLIM_ERR_BUFFER_TOO_SMALL : SLIM_OK;
}
