/*
 * Corpus reading for batch tokenization (internal): a streaming reader that
 * hands out chunks of whole records of one input (zstd told by its magic),
 * the record cutter that finds the documents of a chunk, and a jsonl field
 * extractor that checks the line's syntax without building a DOM.
 */
#ifndef SLIM_FORMATS_CORPUS_H
#define SLIM_FORMATS_CORPUS_H

#include "slim.h"

#include <stddef.h>
#include <stdint.h>

/* ---- corpus_read.c: chunks of whole records ---- */

typedef struct corpus_reader corpus_reader;

/* Opens `path` ("-" = stdin). SLIM_ERR_IO (errno kept), SLIM_ERR_NOMEM.
 * A read interrupted by a signal while *cancel (optional) is set fails with
 * SLIM_ERR_IO, errno EINTR, so a stalled pipe does not hold up Ctrl-C. */
slim_error corpus_open(const char *path, slim_corpus_split split, size_t chunk_size,
                       const volatile int *cancel, corpus_reader **out);

/* A chunk: whole records, about chunk_size bytes (the whole input for
 * SLIM_SPLIT_FILE, more when one record is longer). */
typedef struct corpus_chunk {
    char *data;
    size_t len, cap;
    uint64_t first_line;  /* 1-based line number of data[0] */
} corpus_chunk;

/* Fills `c` (its buffer is reused and grown) with the next chunk; len 0 at
 * the end of the input (a SLIM_SPLIT_FILE input gives one chunk, even when
 * empty: *eof tells the end). SLIM_ERR_IO, SLIM_ERR_COMPRESSION,
 * SLIM_ERR_NOMEM. */
slim_error corpus_next(corpus_reader *r, corpus_chunk *c, int *eof);
/* Bytes consumed from the input so far (compressed bytes for zstd). */
uint64_t corpus_bytes_read(const corpus_reader *r);
void corpus_close(corpus_reader *r);

/* ---- corpus_records.c: documents of a chunk ---- */

typedef struct corpus_record {
    const char *text;   /* the record's bytes (jsonl: the whole line) */
    size_t len;
    uint64_t line;      /* 1-based line of its first byte */
} corpus_record;

/* Where the cutting of a chunk stands: start with corpus_cursor_init. */
typedef struct corpus_cursor {
    size_t pos;
    uint64_t line;
    int done;
} corpus_cursor;

static inline corpus_cursor corpus_cursor_init(const corpus_chunk *c)
{
    corpus_cursor k = { 0, c->first_line, 0 };
    return k;
}

/* The next record of c; 0 at the end of the chunk. A SLIM_SPLIT_FILE chunk
 * is one record, even when empty. */
int corpus_next_record(slim_corpus_split split, const corpus_chunk *c, corpus_cursor *k,
                       corpus_record *rec);

/*
 * The string value of member `field` of the JSON object on one line (the
 * last one if the key repeats, as Python's json does), checking the line's
 * syntax. Without escapes the value points into `line`; with escapes it is
 * decoded into *scratch (grown with realloc; the caller frees). Escaped
 * lone surrogates are written as their 3-byte (invalid UTF-8) form.
 * Returns SLIM_OK, SLIM_ERR_BAD_JSON (*bad_offset: where in the line),
 * SLIM_ERR_NOT_FOUND (no such member, or not a string), SLIM_ERR_NOMEM.
 */
slim_error corpus_json_field(const char *line, size_t len, const char *field,
                             char **scratch, size_t *scratch_cap, const char **value,
                             size_t *value_len, size_t *bad_offset);

#endif
