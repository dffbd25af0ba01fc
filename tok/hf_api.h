/*
 * hf_api.h - what the tokenizer object (tokenizer.c) and the tokenizer.json
 * parser need from the Hugging Face implementation.
 */
#ifndef SLIM_TOK_HF_API_H
#define SLIM_TOK_HF_API_H

#include "tok/hf.h"

/* Parses a tokenizer.json (plain or zstd-compressed, told by the magic) into
 * *out. On failure, msg receives one line naming what is wrong and where (a
 * JSON path or a byte offset) and where->offset / where->line are set. */
slim_error slim_hf_parse(const void *data, size_t size, slim_hf **out, char *msg,
                         size_t msg_cap, slim_tok_where *where);

slim_error slim_hf_encode(const slim_hf *hf, const char *text, size_t len,
                          slim_special_mode mode, uint32_t *ids, size_t cap, size_t *n_ids,
                          slim_tok_where *where);
slim_error slim_hf_decode(const slim_hf *hf, const uint32_t *ids, size_t n, char *out,
                          size_t cap, size_t *n_bytes, slim_tok_where *where);
/* The post-processor's single-sequence template around ids (ids unchanged
 * when the file has none). */
slim_error slim_hf_add_special(const slim_hf *hf, const uint32_t *ids, size_t n,
                               uint32_t *out, size_t cap, size_t *n_out);
const char *slim_hf_token(const slim_hf *hf, uint32_t id, size_t *len);

/* Makes a slim_tokenizer around a built slim_hf (taken over, also on
 * failure) named `name` (copied): the added tokens become its specials.
 * Used by tokenizer.json and by GGUF vocabularies (formats/gguf_vocab_read.c). */
slim_error slim_tokenizer_wrap_hf(slim_hf *hf, const char *name, slim_tokenizer **out);

#endif
