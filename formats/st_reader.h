/* One parsed safetensors image, and the handle over one or more (internal). */
#ifndef SLIM_FORMATS_ST_READER_H
#define SLIM_FORMATS_ST_READER_H

#include "formats/fmt_internal.h"

typedef struct st_image {
    slim_map map;            /* owned mapping, or empty for caller buffers */
    const uint8_t *base;
    uint64_t size;
    uint64_t header_len, data_start;
    slim_st_tensor *tensors; /* sorted by data offsets after parsing */
    uint64_t n_tensors;
    char **meta_keys, **meta_values;
    uint64_t n_meta;
} st_image;

/* Validates im->base/size and fills the rest. On failure the image keeps
 * what it allocated: free it with slim_st_image_free. */
slim_error slim_st_image_parse(st_image *im, slim_parse_error *where);
void slim_st_image_free(st_image *im);

struct slim_safetensors {
    st_image *files;
    int n_files;
    slim_st_tensor **order;  /* all tensors, by file then offset */
    uint64_t n_tensors;
    slim_strindex names;
};

#endif
