/*
 * imatrix_internal.h - the importance-matrix handle shared by the GGUF
 * reader (imatrix.c) and the legacy .dat reader (imatrix_dat.c).
 */
#ifndef SLIM_FORMATS_IMATRIX_INTERNAL_H
#define SLIM_FORMATS_IMATRIX_INTERNAL_H

#include "slim.h"

struct slim_imatrix {
    slim_imatrix_entry *entries;   /* sorted by name once complete */
    size_t              n, cap;
    char              **datasets;
    size_t              n_datasets;
    int64_t             chunk_count;
    int                 legacy;
};

/* Appends an entry that owns copies of `name` (len bytes) and n values
 * (filled by the caller through *values). SLIM_ERR_NOMEM. */
slim_error imx_add(slim_imatrix *m, const char *name, size_t len, int64_t n_values,
                   int64_t n_experts, float **values);

/* Appends a dataset name (len bytes, copied). SLIM_ERR_NOMEM. */
slim_error imx_add_dataset(slim_imatrix *m, const char *name, size_t len);

/* Reads the legacy .dat form. Offsets in `where` are file offsets. */
slim_error imx_parse_dat(slim_imatrix *m, const uint8_t *data, size_t size,
                         slim_parse_error *where);

#endif
