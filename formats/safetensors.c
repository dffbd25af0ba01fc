/*
 * safetensors reader: `u64 N | N bytes of JSON | data`. Validation follows
 * the reference library (huggingface/safetensors, tensor.rs): header at
 * most 100,000,000 bytes and starting with '{', tensors that tile the data
 * region exactly from 0 (sorted by offsets: no gap, no overlap), byte
 * lengths equal to shape product times dtype size with overflow checks, and
 * no bytes after the last tensor (which rules out polyglot files).
 * Sharded models are read through model.safetensors.index.json (see
 * st_index.c); this file parses one image.
 */
#define _GNU_SOURCE /* memmem */
#include "formats/fmt_internal.h"
#include "formats/st_internal.h"
#include "formats/st_reader.h"

#include <jansson.h>
#include <stdlib.h>

/* Where a tensor's entry is in the header: the first occurrence of its
 * quoted name, which is exact unless the name needs JSON escapes (then the
 * header start). Only used to point error reports at the right place. */
static uint64_t key_offset(const st_image *im, const char *name)
{
    size_t n = strlen(name);
    const char *h = (const char *)im->base + 8;
    for (const char *p = h; p < h + im->header_len;) {
        const char *q = memmem(p, (size_t)(h + im->header_len - p), name, n);
        if (!q)
            break;
        if (q > h && q[-1] == '"' && q + n < h + im->header_len && q[n] == '"')
            return 8 + (uint64_t)(q - 1 - h);
        p = q + 1;
    }
    return 8;
}

/* A rejection of the entry named `name`. */
static slim_error tfail(slim_parse_error *where, slim_error code, const st_image *im,
                        const char *name, const char *reason)
{
    return slim_fail(where, code, key_offset(im, name), reason);
}

static slim_error json_error(const st_image *im, slim_parse_error *where, const json_error_t *je)
{
    uint64_t at = 8 + (uint64_t)(je->position > 0 ? je->position : 0);
    switch (json_error_code(je)) {
    case json_error_duplicate_key:
        /* jansson stops after the key: point at its opening quote. */
        if (at > 9 && at - 8 <= im->header_len && im->base[at - 1] == '"') {
            uint64_t q = at - 2;
            while (q > 8 && !(im->base[q] == '"' && im->base[q - 1] != '\\'))
                q--;
            at = q;
        }
        return slim_fail(where, SLIM_ERR_DUPLICATE, at, "duplicate key in the header");
    case json_error_invalid_utf8:
        return slim_fail(where, SLIM_ERR_BAD_UTF8, at, "invalid UTF-8 in the header");
    case json_error_out_of_memory:
        return slim_fail(where, SLIM_ERR_NOMEM, at, "out of memory");
    default:
        return slim_fail(where, SLIM_ERR_BAD_JSON, at, "header is not valid JSON");
    }
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* A non-negative JSON integer. */
static int get_u64(const json_t *v, uint64_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return 0;
    *out = (uint64_t)json_integer_value(v);
    return 1;
}

static slim_error read_metadata(st_image *im, const json_t *meta, slim_parse_error *where)
{
    const char *mk = SLIM_ST_METADATA_KEY;
    if (!json_is_object(meta))
        return tfail(where, SLIM_ERR_BAD_JSON, im, mk, "__metadata__ is not an object");
    size_t n = json_object_size(meta);
    im->meta_keys = calloc(n + 1, sizeof(char *));
    im->meta_values = calloc(n + 1, sizeof(char *));
    if (!im->meta_keys || !im->meta_values)
        return SLIM_ERR_NOMEM;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)meta, k, v) {
        if (!json_is_string(v))
            return tfail(where, SLIM_ERR_BAD_JSON, im, mk, "__metadata__ holds a value that is not a string");
        if (memchr(json_string_value(v), 0, json_string_length(v)))
            return tfail(where, SLIM_ERR_BAD_JSON, im, mk, "NUL in a __metadata__ value");
        im->meta_keys[im->n_meta] = dup_str(k);
        im->meta_values[im->n_meta] = dup_str(json_string_value(v));
        if (!im->meta_keys[im->n_meta] || !im->meta_values[im->n_meta++])
            return SLIM_ERR_NOMEM;
    }
    return SLIM_OK;
}

static slim_error read_tensor(st_image *im, const char *name, const json_t *v,
                              slim_st_tensor *t, slim_parse_error *where)
{
    if (!(t->name = dup_str(name)))
        return SLIM_ERR_NOMEM;
    if (!json_is_object(v))
        return tfail(where, SLIM_ERR_BAD_JSON, im, name, "tensor entry is not an object");
    const json_t *dt = json_object_get(v, "dtype");
    const json_t *shape = json_object_get(v, "shape");
    const json_t *offs = json_object_get(v, "data_offsets");
    if (!json_is_string(dt))
        return tfail(where, SLIM_ERR_BAD_JSON, im, name, "tensor dtype missing or not a string");
    if (!json_is_array(shape))
        return tfail(where, SLIM_ERR_BAD_JSON, im, name, "tensor shape missing or not an array");
    if (!json_is_array(offs) || json_array_size(offs) != 2 ||
        !get_u64(json_array_get(offs, 0), &t->begin) || !get_u64(json_array_get(offs, 1), &t->end))
        return tfail(where, SLIM_ERR_BAD_JSON, im, name, "data_offsets is not two non-negative integers");
    size_t nd = json_array_size(shape);
    if (nd > INT32_MAX)
        return tfail(where, SLIM_ERR_TOO_LARGE, im, name, "too many dimensions");
    int64_t *dims = calloc(nd + 1, sizeof *dims);
    if (!dims)
        return SLIM_ERR_NOMEM;
    t->shape = dims;
    t->n_dims = (int)nd;
    for (size_t d = 0; d < nd; d++) {
        uint64_t x;
        if (!get_u64(json_array_get(shape, d), &x))
            return tfail(where, SLIM_ERR_BAD_JSON, im, name, "shape holds a value that is not a non-negative integer");
        dims[d] = (int64_t)x;
    }
    if (slim_dtype_from_name(json_string_value(dt), &t->dtype) != SLIM_OK)
        return tfail(where, SLIM_ERR_BAD_TYPE, im, name, "unknown or unsupported dtype");
    return SLIM_OK;
}

static int by_offsets(const void *a, const void *b)
{
    const slim_st_tensor *x = a, *y = b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

/* The reference's tiling rule, in its order, then the trailing-bytes rule. */
static slim_error check_layout(st_image *im, slim_parse_error *where)
{
    qsort(im->tensors, (size_t)im->n_tensors, sizeof *im->tensors, by_offsets);
    uint64_t data_len = im->size - im->data_start;
    uint64_t expect = 0;
    for (uint64_t i = 0; i < im->n_tensors; i++) {
        slim_st_tensor *t = &im->tensors[i];
        if (t->begin != expect || t->end < t->begin)
            return tfail(where, SLIM_ERR_BAD_OFFSET, im, t->name,
                             "data_offsets leave a gap or overlap another tensor");
        expect = t->end;
        uint64_t bytes = slim_dtype_size(t->dtype);
        for (int d = 0; d < t->n_dims; d++)
            if (!slim_mul_u64(bytes, (uint64_t)t->shape[d], &bytes))
                return tfail(where, SLIM_ERR_OVERFLOW, im, t->name, "shape times dtype size overflows");
        t->size = t->end - t->begin;
        if (t->size != bytes)
            return tfail(where, SLIM_ERR_SHAPE, im, t->name, "byte length does not match shape and dtype");
    }
    if (expect > data_len)
        return slim_fail(where, SLIM_ERR_TRUNCATED, im->size, "tensor data past the end of the file");
    if (expect < data_len)
        return slim_fail(where, SLIM_ERR_CORRUPT, im->data_start + expect,
                         "bytes after the last tensor");
    for (uint64_t i = 0; i < im->n_tensors; i++) {
        im->tensors[i].data = im->base + im->data_start + im->tensors[i].begin;
        im->tensors[i].file_offset = im->data_start + im->tensors[i].begin;
    }
    return SLIM_OK;
}

slim_error slim_st_image_parse(st_image *im, slim_parse_error *where)
{
    if (im->size < 8)
        return slim_fail(where, SLIM_ERR_TRUNCATED, 0, "file shorter than the header length");
    uint64_t n = slim_le64(im->base);
    if (n > SLIM_SAFETENSORS_MAX_HEADER)
        return slim_fail(where, SLIM_ERR_TOO_LARGE, 0, "header larger than 100,000,000 bytes");
    if (n > im->size - 8)
        return slim_fail(where, SLIM_ERR_TRUNCATED, 0, "header past the end of the file");
    im->header_len = n;
    im->data_start = 8 + n;
    if (n == 0 || im->base[8] != '{')
        return slim_fail(where, SLIM_ERR_BAD_JSON, 8, "header does not start with '{'");
    json_error_t je;
    json_t *root = json_loadb((const char *)im->base + 8, (size_t)n, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return json_error(im, where, &je);
    slim_error e = SLIM_OK;
    if (!json_is_object(root))
        e = slim_fail(where, SLIM_ERR_BAD_JSON, 8, "header is not a JSON object");
    size_t count = json_is_object(root) ? json_object_size(root) : 0;
    if (!e && !(im->tensors = calloc(count + 1, sizeof *im->tensors)))
        e = SLIM_ERR_NOMEM;
    const char *k;
    json_t *v;
    json_object_foreach(root, k, v) {
        if (e)
            break;
        if (strcmp(k, SLIM_ST_METADATA_KEY) == 0)
            e = read_metadata(im, v, where);
        else
            e = read_tensor(im, k, v, &im->tensors[im->n_tensors++], where);
    }
    json_decref(root);
    if (!e)
        e = check_layout(im, where);
    if (e == SLIM_ERR_NOMEM)
        slim_fail(where, e, 0, "out of memory");
    return e;
}

void slim_st_image_free(st_image *im)
{
    for (uint64_t i = 0; im->tensors && i < im->n_tensors; i++) {
        free((void *)im->tensors[i].name);
        free((void *)im->tensors[i].shape);
    }
    free(im->tensors);
    for (uint64_t i = 0; im->meta_keys && i < im->n_meta; i++) {
        free(im->meta_keys[i]);
        free(im->meta_values[i]);
    }
    free(im->meta_keys);
    free(im->meta_values);
    slim_map_close(&im->map);
    memset(im, 0, sizeof *im);
}
