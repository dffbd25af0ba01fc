/* GGUF facts shared by the reader and the writer (internal). */
#ifndef SLIM_FORMATS_GGUF_INTERNAL_H
#define SLIM_FORMATS_GGUF_INTERNAL_H

#include "slim.h"

#define SLIM_GGUF_MAGIC "GGUF"
#define SLIM_GGUF_VERSION 3
#define SLIM_GGUF_KEY_ALIGNMENT "general.alignment"

/* Bytes of one value of a fixed-size type; 0 for STRING, ARRAY and unknown. */
size_t slim_gguf_type_size(slim_gguf_type t);

/* Bytes of a tensor of `type` with dims ne[0..3], checked: SLIM_OK,
 * SLIM_ERR_BAD_TYPE, SLIM_ERR_SHAPE (ne[0] not a block multiple, or a
 * dimension < 1), SLIM_ERR_OVERFLOW (elements >= INT64_MAX or bytes).
 * *bad_dim receives the index of the dimension at fault (-1 for the type). */
slim_error slim_gguf_tensor_bytes(slim_type type, const int64_t ne[4], uint64_t *out,
                                  int *bad_dim);

#endif
