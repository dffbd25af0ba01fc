/*
 * GGUF v3 writer. Metadata and the tensor table are kept in memory (they
 * are small); tensor data is streamed straight to the output, each tensor
 * padded to the alignment, so a model of any size is written with constant
 * memory. The file appears under its name only once complete.
 */
#include "formats/fmt_internal.h"
#include "formats/gguf_internal.h"

#include <stdlib.h>

typedef struct wtensor {
    char name[SLIM_GGUF_MAX_NAME];
    slim_type type;
    uint32_t n_dims;
    int64_t ne[SLIM_GGUF_MAX_DIMS];
    uint64_t size;
} wtensor;

struct slim_gguf_writer {
    slim_outfile out;
    slim_buf kvs;        /* serialized entries */
    slim_strset keys;    /* for the duplicate checks */
    slim_strset names;
    uint64_t n_kv;
    wtensor *tensors;
    uint64_t n_tensors, cap_tensors;
    uint32_t alignment;
    int header_written;
    uint64_t cur;        /* tensor being written */
    uint64_t cur_done;   /* bytes of it written */
};

slim_error slim_gguf_writer_open(const char *path, slim_gguf_writer **out)
{
    if (!out)
        return SLIM_ERR_INVALID_ARG;
    *out = NULL;
    slim_gguf_writer *w = calloc(1, sizeof *w);
    if (!w)
        return SLIM_ERR_NOMEM;
    slim_error e = slim_outfile_open(&w->out, path);
    if (e) {
        free(w);
        return e;
    }
    w->alignment = SLIM_GGUF_DEFAULT_ALIGNMENT;
    *out = w;
    return SLIM_OK;
}

void slim_gguf_writer_abort(slim_gguf_writer *w)
{
    if (!w)
        return;
    slim_outfile_abort(&w->out);
    slim_buf_free(&w->kvs);
    slim_strset_free(&w->keys);
    slim_strset_free(&w->names);
    free(w->tensors);
    free(w);
}

static void put_string(slim_buf *b, const char *s, size_t len)
{
    slim_buf_u64(b, len);
    slim_buf_append(b, s, len);
}

/* Checks the key and records it; the entry's bytes follow. */
static slim_error begin_kv(slim_gguf_writer *w, const char *key)
{
    if (!w || !key || !*key)
        return SLIM_ERR_INVALID_ARG;
    if (w->header_written)
        return SLIM_ERR_INVALID_ARG;
    slim_error e = slim_strset_add(&w->keys, key);
    if (e)
        return e;
    w->n_kv++;
    put_string(&w->kvs, key, strlen(key));
    return SLIM_OK;
}

/* Appends `count` values of fixed-size or string type `t`. */
static void put_values(slim_buf *b, slim_gguf_type t, const void *values, uint64_t count)
{
    if (t == SLIM_GGUF_STRING) {
        const slim_string *s = values;
        for (uint64_t i = 0; i < count; i++)
            put_string(b, s[i].data, s[i].len);
        return;
    }
    /* Host values to little-endian, one element at a time. */
    size_t es = slim_gguf_type_size(t);
    const uint8_t *p = values;
    for (uint64_t i = 0; i < count; i++, p += es) {
        uint8_t le[8];
        uint64_t v = 0;
        switch (es) {
        case 1: v = p[0]; break;
        case 2: { uint16_t x; memcpy(&x, p, 2); v = x; } break;
        case 4: { uint32_t x; memcpy(&x, p, 4); v = x; } break;
        default: memcpy(&v, p, 8); break;
        }
        for (size_t k = 0; k < es; k++)
            le[k] = (uint8_t)(v >> (8 * k));
        slim_buf_append(b, le, es);
    }
}

static slim_error check_values(slim_gguf_type t, const void *values, uint64_t count)
{
    if ((unsigned)t >= SLIM_GGUF_TYPE_COUNT)
        return SLIM_ERR_BAD_TYPE;
    if (t == SLIM_GGUF_ARRAY)
        return SLIM_ERR_UNSUPPORTED;
    if (count && !values)
        return SLIM_ERR_INVALID_ARG;
    const uint8_t *p = values;
    for (uint64_t i = 0; t == SLIM_GGUF_BOOL && i < count; i++)
        if (p[i] > 1)
            return SLIM_ERR_INVALID_ARG;
    const slim_string *s = values;
    for (uint64_t i = 0; t == SLIM_GGUF_STRING && i < count; i++)
        if (s[i].len && !s[i].data)
            return SLIM_ERR_INVALID_ARG;
    return SLIM_OK;
}

static slim_error finish_kv(slim_gguf_writer *w)
{
    return w->kvs.failed ? SLIM_ERR_NOMEM : SLIM_OK;
}

slim_error slim_gguf_writer_add_kv(slim_gguf_writer *w, const char *key,
                                   slim_gguf_type type, const void *value)
{
    slim_error e = check_values(type, value, 1);
    if (!e && !value)
        e = SLIM_ERR_INVALID_ARG;
    if (e)
        return e;
    if (key && strcmp(key, SLIM_GGUF_KEY_ALIGNMENT) == 0) {
        if (type != SLIM_GGUF_U32)
            return SLIM_ERR_BAD_TYPE;
        uint32_t a;
        memcpy(&a, value, 4);
        if (a == 0 || (a & (a - 1)))
            return SLIM_ERR_BAD_ALIGNMENT;
        if ((e = begin_kv(w, key)))
            return e;
        w->alignment = a;
    } else if ((e = begin_kv(w, key))) {
        return e;
    }
    slim_buf_u32(&w->kvs, (uint32_t)type);
    put_values(&w->kvs, type, value, 1);
    return finish_kv(w);
}

slim_error slim_gguf_writer_add_array(slim_gguf_writer *w, const char *key,
                                      slim_gguf_type elem_type, const void *values,
                                      uint64_t count)
{
    slim_error e = check_values(elem_type, values, count);
    if (e || (e = begin_kv(w, key)))
        return e;
    slim_buf_u32(&w->kvs, SLIM_GGUF_ARRAY);
    slim_buf_u32(&w->kvs, (uint32_t)elem_type);
    slim_buf_u64(&w->kvs, count);
    put_values(&w->kvs, elem_type, values, count);
    return finish_kv(w);
}

slim_error slim_gguf_writer_copy_kv(slim_gguf_writer *w, const slim_gguf *g,
                                    const slim_gguf_kv *kv)
{
    if (!w || !g || !kv || kv->key.len == 0)
        return SLIM_ERR_INVALID_ARG;
    /* Keys are copied to a NUL-terminated heap string: they may be long. */
    char *k = malloc(kv->key.len + 1);
    if (!k)
        return SLIM_ERR_NOMEM;
    memcpy(k, kv->key.data, kv->key.len);
    k[kv->key.len] = 0;
    slim_error e = SLIM_OK;
    if (strlen(k) != kv->key.len) {
        e = SLIM_ERR_INVALID_ARG; /* a key with a NUL byte cannot be re-added */
    } else if (kv->elem_type == SLIM_GGUF_STRING) {
        slim_string *s = malloc((size_t)(kv->count ? kv->count : 1) * sizeof *s);
        if (!s)
            e = SLIM_ERR_NOMEM;
        for (uint64_t i = 0; !e && i < kv->count; i++)
            e = slim_gguf_kv_str(g, kv, i, &s[i]);
        if (!e)
            e = kv->type == SLIM_GGUF_ARRAY
                    ? slim_gguf_writer_add_array(w, k, SLIM_GGUF_STRING, s, kv->count)
                    : slim_gguf_writer_add_kv(w, k, SLIM_GGUF_STRING, s);
        free(s);
    } else {
        /* The file's bytes are little-endian; convert to host order. */
        size_t es = slim_gguf_type_size(kv->elem_type);
        const uint8_t *src = slim_gguf_kv_data(g, kv);
        uint8_t *vals = malloc((size_t)(kv->count ? kv->count : 1) * es);
        if (!vals)
            e = SLIM_ERR_NOMEM;
        for (uint64_t i = 0; !e && i < kv->count; i++) {
            uint64_t v = 0;
            for (size_t b = 0; b < es; b++)
                v |= (uint64_t)src[i * es + b] << (8 * b);
            uint8_t *d = vals + i * es;
            switch (es) {
            case 1: d[0] = (uint8_t)v; break;
            case 2: { uint16_t x = (uint16_t)v; memcpy(d, &x, 2); } break;
            case 4: { uint32_t x = (uint32_t)v; memcpy(d, &x, 4); } break;
            default: memcpy(d, &v, 8); break;
            }
        }
        if (!e)
            e = kv->type == SLIM_GGUF_ARRAY
                    ? slim_gguf_writer_add_array(w, k, kv->elem_type, vals, kv->count)
                    : slim_gguf_writer_add_kv(w, k, kv->type, vals);
        free(vals);
    }
    free(k);
    return e;
}

slim_error slim_gguf_writer_add_tensor(slim_gguf_writer *w, const char *name, slim_type type,
                                       int n_dims, const int64_t *ne)
{
    if (!w || !name || !ne || n_dims < 1 || n_dims > SLIM_GGUF_MAX_DIMS || w->header_written)
        return SLIM_ERR_INVALID_ARG;
    size_t len = strlen(name);
    if (len >= SLIM_GGUF_MAX_NAME)
        return SLIM_ERR_TOO_LARGE;
    wtensor t = { .type = type, .n_dims = (uint32_t)n_dims };
    memcpy(t.name, name, len + 1);
    for (int d = 0; d < SLIM_GGUF_MAX_DIMS; d++)
        t.ne[d] = d < n_dims ? ne[d] : 1;
    int bad;
    slim_error e = slim_gguf_tensor_bytes(type, t.ne, &t.size, &bad);
    if (e)
        return e;
    if ((e = slim_strset_add(&w->names, name)))
        return e;
    if (w->n_tensors == w->cap_tensors) {
        uint64_t cap = w->cap_tensors ? w->cap_tensors * 2 : 64;
        wtensor *nt = realloc(w->tensors, (size_t)cap * sizeof *nt);
        if (!nt)
            return SLIM_ERR_NOMEM;
        w->tensors = nt;
        w->cap_tensors = cap;
    }
    w->tensors[w->n_tensors++] = t;
    return SLIM_OK;
}

static slim_error write_header(slim_gguf_writer *w)
{
    slim_buf h = { 0 };
    slim_buf_append(&h, SLIM_GGUF_MAGIC, 4);
    slim_buf_u32(&h, SLIM_GGUF_VERSION);
    slim_buf_u64(&h, w->n_tensors);
    slim_buf_u64(&h, w->n_kv);
    slim_buf_append(&h, w->kvs.data, w->kvs.len);
    uint64_t offset = 0;
    slim_error e = SLIM_OK;
    for (uint64_t i = 0; i < w->n_tensors && !e; i++) {
        const wtensor *t = &w->tensors[i];
        put_string(&h, t->name, strlen(t->name));
        slim_buf_u32(&h, t->n_dims);
        for (uint32_t d = 0; d < t->n_dims; d++)
            slim_buf_u64(&h, (uint64_t)t->ne[d]);
        slim_buf_u32(&h, (uint32_t)t->type);
        slim_buf_u64(&h, offset);
        uint64_t padded;
        if (!slim_pad_u64(t->size, w->alignment, &padded) ||
            !slim_add_u64(offset, padded, &offset))
            e = SLIM_ERR_OVERFLOW;
    }
    if (!e && h.failed)
        e = SLIM_ERR_NOMEM;
    if (!e)
        e = slim_outfile_write(&w->out, h.data, h.len);
    if (!e)
        e = slim_outfile_pad(&w->out, w->alignment);
    slim_buf_free(&h);
    if (!e)
        w->header_written = 1;
    return e;
}

/* Skips past finished (or empty) tensors, padding after each. */
static slim_error advance(slim_gguf_writer *w)
{
    while (w->cur < w->n_tensors && w->cur_done == w->tensors[w->cur].size) {
        slim_error e = slim_outfile_pad(&w->out, w->alignment);
        if (e)
            return e;
        w->cur++;
        w->cur_done = 0;
    }
    return SLIM_OK;
}

slim_error slim_gguf_writer_write(slim_gguf_writer *w, const void *data, size_t size)
{
    if (!w || (!data && size))
        return SLIM_ERR_INVALID_ARG;
    slim_error e = w->header_written ? SLIM_OK : write_header(w);
    const uint8_t *p = data;
    while (!e && size) {
        if ((e = advance(w)))
            break;
        if (w->cur == w->n_tensors)
            return SLIM_ERR_INVALID_ARG; /* more data than declared */
        uint64_t room = w->tensors[w->cur].size - w->cur_done;
        size_t k = room < size ? (size_t)room : size;
        e = slim_outfile_write(&w->out, p, k);
        w->cur_done += k;
        p += k;
        size -= k;
    }
    return e;
}

slim_error slim_gguf_writer_finish(slim_gguf_writer *w)
{
    if (!w)
        return SLIM_ERR_INVALID_ARG;
    slim_error e = w->header_written ? SLIM_OK : write_header(w);
    if (!e)
        e = advance(w);
    if (!e && w->cur != w->n_tensors)
        e = SLIM_ERR_INVALID_ARG; /* declared data is missing */
    if (!e)
        e = slim_outfile_commit(&w->out);
    slim_gguf_writer_abort(w);
    return e;
}
