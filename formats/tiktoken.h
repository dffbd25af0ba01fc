/* tiktoken.h - the .tiktoken rank-file parser. */
#ifndef SLIM_FORMATS_TIKTOKEN_H
#define SLIM_FORMATS_TIKTOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "slim.h"

/*
 * Parses a rank file: one `base64(token) SP rank` per line (LF or CRLF; empty
 * lines are skipped, as tiktoken's loader does). Strict: standard base64 with
 * correct padding, decimal ranks below SLIM_VOCAB_MAX_RANKS, tokens of 1 to
 * SLIM_VOCAB_MAX_TOKEN bytes, every rank at most once, and at most as many
 * unused ranks as used ones plus 1024 (a few bytes cannot ask for a huge table).
 * On success *offset (n_ranks + 1 entries) and *bytes hold the tokens in rank
 * order (a missing rank is empty); the caller frees both. On failure *line
 * (1-based) and *offset_err (byte offset of the line) say where.
 * Never reads outside data[0..size).
 */
slim_error slim_tiktoken_parse(const uint8_t *data, size_t size, uint32_t *n_ranks,
                               uint32_t **offset, uint8_t **bytes,
                               size_t *line, size_t *offset_err);

#endif
