/*
 * Token files (internal): the writer behind slim_batch_run (bin, npy,
 * Megatron indexed dataset, jsonl; numbered shards cut at document
 * boundaries; every file kept under a temporary name until the run
 * commits) and the header facts that the writer and slim_tokfile_merge share.
 */
#ifndef SLIM_FORMATS_TOKFILE_H
#define SLIM_FORMATS_TOKFILE_H

#include "slim.h"

#include <stddef.h>
#include <stdint.h>

/* numpy .npy format 1.0: magic, version, u16 header length, a Python dict
 * padded with spaces and ended by '\n' so that data starts at a multiple of
 * 64. slim always writes a 128-byte header (room for any 1-D shape). */
#define TOKFILE_NPY_HEADER 128

/* Megatron-LM MMIDIDX index: "MMIDIDX\0\0", u64 version 1, u8 dtype code,
 * u64 sequence count, u64 document count (documents + 1), then int32
 * sequence lengths, int64 byte pointers, int64 document indices (the
 * sequence index where each document starts, and the total at the end). */
#define TOKFILE_MEGATRON_MAGIC "MMIDIDX\0\0"
#define TOKFILE_MEGATRON_HEAD 34
enum { TOKFILE_MEGATRON_U16 = 8, TOKFILE_MEGATRON_I32 = 4 };

/* The numpy descr of an id width ("<u2", "<u4", "<i4"). */
const char *tokfile_npy_descr(slim_tokfile_dtype dtype);
/* Fills out[TOKFILE_NPY_HEADER] for a 1-D array of n items. */
void tokfile_npy_header(uint8_t *out, const char *descr, uint64_t n);

typedef struct tokfile_writer tokfile_writer;

/* Starts writing `path` (Megatron: the prefix). dtype must be resolved
 * (not AUTO). shard_tokens > 0 numbers the outputs. */
slim_error tokfile_open(slim_tokfile_format format, slim_tokfile_dtype dtype, const char *path,
                        uint64_t shard_tokens, tokfile_writer **out);
/* Appends one document: `bytes` of payload (ids in the file's dtype, or a
 * jsonl line) holding `tokens` ids. SLIM_ERR_IO, SLIM_ERR_OVERFLOW
 * (a Megatron sequence over INT32_MAX ids), SLIM_ERR_NOMEM. */
slim_error tokfile_add(tokfile_writer *w, const void *payload, size_t bytes, uint64_t tokens);
/* Finishes the last file, renames every file into place and hands out the
 * list (moved into stats->outputs); the writer is freed in every case. */
slim_error tokfile_commit(tokfile_writer *w, slim_batch_stats *stats);
/* Drops the writer and every temporary file. Accepts NULL. */
void tokfile_abort(tokfile_writer *w);

/* The XXH3-64 and the size of a whole file (mapped). SLIM_ERR_IO. */
slim_error tokfile_hash(const char *path, uint64_t *hash, uint64_t *size);

#endif
