/*
 * safetensors writer. The header (JSON, padded with spaces so the data
 * starts at a multiple of 8, as the reference writer does) is built from
 * the declared tensors; the data is then streamed in declaration order.
 * Offsets are assigned in declaration order, so the data region is tiled
 * exactly as the reader requires.
 */
#include "formats/fmt_internal.h"
#include "formats/st_internal.h"

#include <jansson.h>
#include <stdlib.h>

struct slim_st_writer {
    slim_outfile out;
    json_t *meta;        /* __metadata__ */
    json_t *tensors;     /* name -> entry, in declaration order */
    uint64_t *sizes;
    uint64_t n, cap;
    uint64_t total;      /* bytes of data declared */
    int header_written;
    uint64_t cur, cur_done;
};

slim_error slim_st_writer_open(const char *path, slim_st_writer **out)
{
    if (!out)
        return SLIM_ERR_INVALID_ARG;
    *out = NULL;
    slim_st_writer *w = calloc(1, sizeof *w);
    if (!w)
        return SLIM_ERR_NOMEM;
    w->meta = json_object();
    w->tensors = json_object();
    slim_error e = !w->meta || !w->tensors ? SLIM_ERR_NOMEM : slim_outfile_open(&w->out, path);
    if (e) {
        json_decref(w->meta);
        json_decref(w->tensors);
        free(w);
        return e;
    }
    *out = w;
    return SLIM_OK;
}

void slim_st_writer_abort(slim_st_writer *w)
{
    if (!w)
        return;
    slim_outfile_abort(&w->out);
    json_decref(w->meta);
    json_decref(w->tensors);
    free(w->sizes);
    free(w);
}

slim_error slim_st_writer_add_metadata(slim_st_writer *w, const char *key, const char *value)
{
    if (!w || !key || !value || w->header_written)
        return SLIM_ERR_INVALID_ARG;
    if (json_object_get(w->meta, key))
        return SLIM_ERR_DUPLICATE;
    json_t *v = json_string(value);
    if (!v)
        return SLIM_ERR_BAD_UTF8; /* jansson refuses invalid UTF-8 */
    return json_object_set_new(w->meta, key, v) ? SLIM_ERR_NOMEM : SLIM_OK;
}

slim_error slim_st_writer_add_tensor(slim_st_writer *w, const char *name, slim_dtype dtype,
                                     int n_dims, const int64_t *shape)
{
    if (!w || !name || !*name || n_dims < 0 || (n_dims && !shape) || w->header_written ||
        strcmp(name, SLIM_ST_METADATA_KEY) == 0)
        return SLIM_ERR_INVALID_ARG;
    if (!slim_dtype_name(dtype))
        return SLIM_ERR_BAD_TYPE;
    if (json_object_get(w->tensors, name))
        return SLIM_ERR_DUPLICATE;
    uint64_t bytes = slim_dtype_size(dtype), end;
    for (int d = 0; d < n_dims; d++) {
        if (shape[d] < 0)
            return SLIM_ERR_SHAPE;
        if (!slim_mul_u64(bytes, (uint64_t)shape[d], &bytes))
            return SLIM_ERR_OVERFLOW;
    }
    if (!slim_add_u64(w->total, bytes, &end) || end > INT64_MAX)
        return SLIM_ERR_OVERFLOW; /* JSON integers are signed 64-bit */
    if (w->n == w->cap) {
        uint64_t cap = w->cap ? w->cap * 2 : 64;
        uint64_t *s = realloc(w->sizes, (size_t)cap * sizeof *s);
        if (!s)
            return SLIM_ERR_NOMEM;
        w->sizes = s;
        w->cap = cap;
    }
    json_t *dims = json_array();
    json_t *entry = json_pack("{s:s, s:O, s:[I,I]}", "dtype", slim_dtype_name(dtype),
                              "shape", dims, "data_offsets",
                              (json_int_t)w->total, (json_int_t)end);
    int bad = !entry;
    for (int d = 0; !bad && d < n_dims; d++)
        bad = json_array_append_new(dims, json_integer(shape[d])) != 0;
    json_decref(dims);
    if (bad || json_object_set_new(w->tensors, name, entry) != 0) {
        if (bad)
            json_decref(entry);
        return json_string(name) ? SLIM_ERR_NOMEM : SLIM_ERR_BAD_UTF8;
    }
    w->sizes[w->n++] = bytes;
    w->total = end;
    return SLIM_OK;
}

static slim_error write_header(slim_st_writer *w)
{
    json_t *root = json_object();
    if (!root)
        return SLIM_ERR_NOMEM;
    int bad = json_object_size(w->meta) && json_object_set(root, SLIM_ST_METADATA_KEY, w->meta);
    bad |= json_object_update(root, w->tensors);
    char *text = bad ? NULL : json_dumps(root, JSON_COMPACT);
    json_decref(root);
    if (!text)
        return SLIM_ERR_NOMEM;
    size_t n = strlen(text);
    size_t padded = (n + 7) & ~(size_t)7;
    uint8_t len[8];
    slim_put_le64(len, padded);
    slim_error e = slim_outfile_write(&w->out, len, 8);
    if (!e)
        e = slim_outfile_write(&w->out, text, n);
    for (size_t i = n; !e && i < padded; i++)
        e = slim_outfile_write(&w->out, " ", 1);
    free(text);
    if (!e)
        w->header_written = 1;
    return e;
}

slim_error slim_st_writer_write(slim_st_writer *w, const void *data, size_t size)
{
    if (!w || (!data && size))
        return SLIM_ERR_INVALID_ARG;
    slim_error e = w->header_written ? SLIM_OK : write_header(w);
    const uint8_t *p = data;
    while (!e && size) {
        while (w->cur < w->n && w->cur_done == w->sizes[w->cur]) {
            w->cur++;
            w->cur_done = 0;
        }
        if (w->cur == w->n)
            return SLIM_ERR_INVALID_ARG; /* more data than declared */
        uint64_t room = w->sizes[w->cur] - w->cur_done;
        size_t k = room < size ? (size_t)room : size;
        e = slim_outfile_write(&w->out, p, k);
        w->cur_done += k;
        p += k;
        size -= k;
    }
    return e;
}

slim_error slim_st_writer_finish(slim_st_writer *w)
{
    if (!w)
        return SLIM_ERR_INVALID_ARG;
    slim_error e = w->header_written ? SLIM_OK : write_header(w);
    uint64_t done = 0;
    for (uint64_t i = 0; i < w->cur; i++)
        done += w->sizes[i];
    if (!e && done + w->cur_done != w->total)
        e = SLIM_ERR_INVALID_ARG; /* declared data is missing */
    if (!e)
        e = slim_outfile_commit(&w->out);
    slim_st_writer_abort(w);
    return e;
}
