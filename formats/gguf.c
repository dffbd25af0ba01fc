/*
 * GGUF reader (v2 and v3). The whole file is validated in one pass over a
 * read-only buffer before a handle is returned; every length, count and
 * offset read from the file is checked against the bytes that remain (with
 * checked 64-bit arithmetic) before it is used to allocate or read, so a
 * hostile file can make the reader allocate at most a small multiple of its
 * own size. Rejections name the offset of the field at fault.
 *
 * Layout: "GGUF" | u32 version | u64 n_tensors | u64 n_kv | kv[n_kv] |
 * tensor_info[n_tensors] | padding to the alignment | data. Strings are a
 * u64 length and bytes (no NUL). v1 used 32-bit counts and is refused.
 */
#include "formats/fmt_internal.h"
#include "formats/gguf_internal.h"

#include <stdlib.h>

/* The least bytes a kv entry (non-empty key, u8 value) and a tensor info
 * (empty name, no dims) can take: counts that could not fit are absurd. */
#define MIN_KV_BYTES 14u
#define MIN_TENSOR_INFO_BYTES 24u
#define HEADER_BYTES 24u

typedef struct kv_extra {
    uint64_t value_off;  /* file offset of the value or of the first element */
    uint64_t *str_offs;  /* string arrays: file offset of each element */
} kv_extra;

struct slim_gguf {
    slim_map map;        /* owned mapping (slim_gguf_open), else empty */
    const uint8_t *base;
    uint64_t size;
    uint32_t version;
    uint32_t alignment;
    uint64_t data_offset;
    uint64_t n_kv, n_tensors;
    slim_gguf_kv *kvs;
    kv_extra *extra;
    slim_gguf_tensor *tensors;
    slim_strindex key_index, name_index;
};

typedef struct reader {
    const uint8_t *p;
    uint64_t size, pos;
    slim_parse_error *where;
} reader;

static uint64_t remaining(const reader *r)
{
    return r->size - r->pos;
}

static slim_error need(reader *r, uint64_t n, const char *why)
{
    if (remaining(r) < n)
        return slim_fail(r->where, SLIM_ERR_TRUNCATED, r->pos, why);
    return SLIM_OK;
}

static uint32_t take32(reader *r)
{
    uint32_t v = slim_le32(r->p + r->pos);
    r->pos += 4;
    return v;
}

static uint64_t take64(reader *r)
{
    uint64_t v = slim_le64(r->p + r->pos);
    r->pos += 8;
    return v;
}

/* A string at the cursor: length then bytes, both inside the buffer. */
static slim_error take_string(reader *r, slim_string *s, const char *why)
{
    slim_error e = need(r, 8, why);
    if (e)
        return e;
    uint64_t at = r->pos;
    uint64_t len = take64(r);
    if (len > remaining(r)) {
        r->pos = at;
        return slim_fail(r->where, SLIM_ERR_TRUNCATED, at, why);
    }
    s->data = (const char *)r->p + r->pos;
    s->len = (size_t)len;
    r->pos += len;
    return SLIM_OK;
}

static const char *key_of(const void *ctx, uint64_t i, size_t *len)
{
    const slim_gguf *g = ctx;
    *len = g->kvs[i].key.len;
    return g->kvs[i].key.data;
}

static const char *name_of(const void *ctx, uint64_t i, size_t *len)
{
    const slim_gguf *g = ctx;
    *len = strlen(g->tensors[i].name);
    return g->tensors[i].name;
}

/* Checks n values of a fixed-size type at the cursor; bools must be 0 or 1. */
static slim_error take_fixed(reader *r, slim_gguf_type t, uint64_t n, uint64_t count_at)
{
    size_t es = slim_gguf_type_size(t);
    if (n > remaining(r) / es)
        return slim_fail(r->where, SLIM_ERR_TRUNCATED, count_at, "value past the end of the file");
    if (t == SLIM_GGUF_BOOL)
        for (uint64_t i = 0; i < n; i++)
            if (r->p[r->pos + i] > 1)
                return slim_fail(r->where, SLIM_ERR_CORRUPT, r->pos + i, "bool that is not 0 or 1");
    r->pos += n * es;
    return SLIM_OK;
}

static slim_error read_value(reader *r, slim_gguf_kv *kv, kv_extra *x)
{
    slim_error e = need(r, 4, "value type past the end of the file");
    if (e)
        return e;
    uint64_t type_at = r->pos;
    uint32_t t = take32(r);
    if (t >= SLIM_GGUF_TYPE_COUNT)
        return slim_fail(r->where, SLIM_ERR_BAD_TYPE, type_at, "unknown value type");
    kv->type = kv->elem_type = (slim_gguf_type)t;
    kv->count = 1;
    if (t == SLIM_GGUF_ARRAY) {
        if ((e = need(r, 12, "array header past the end of the file")))
            return e;
        uint64_t elem_at = r->pos;
        uint32_t et = take32(r);
        if (et == SLIM_GGUF_ARRAY)
            return slim_fail(r->where, SLIM_ERR_UNSUPPORTED, elem_at, "nested array");
        if (et >= SLIM_GGUF_TYPE_COUNT)
            return slim_fail(r->where, SLIM_ERR_BAD_TYPE, elem_at, "unknown array element type");
        kv->elem_type = (slim_gguf_type)et;
        uint64_t count_at = r->pos;
        kv->count = take64(r);
        x->value_off = r->pos;
        if (et != SLIM_GGUF_STRING)
            return take_fixed(r, kv->elem_type, kv->count, count_at);
        /* Each string takes at least its 8-byte length: bound the table. */
        if (kv->count > remaining(r) / 8)
            return slim_fail(r->where, SLIM_ERR_TRUNCATED, count_at, "array past the end of the file");
        if (kv->count) {
            x->str_offs = malloc((size_t)kv->count * sizeof(uint64_t));
            if (!x->str_offs)
                return SLIM_ERR_NOMEM;
        }
        for (uint64_t i = 0; i < kv->count; i++) {
            slim_string s;
            x->str_offs[i] = r->pos;
            if ((e = take_string(r, &s, "string past the end of the file")))
                return e;
        }
        return SLIM_OK;
    }
    x->value_off = r->pos;
    if (t == SLIM_GGUF_STRING) {
        slim_string s;
        return take_string(r, &s, "string past the end of the file");
    }
    return take_fixed(r, kv->type, 1, type_at + 4);
}

static slim_error read_kvs(reader *r, slim_gguf *g)
{
    slim_error e = slim_strindex_init(&g->key_index, g->n_kv);
    if (e)
        return e;
    for (uint64_t i = 0; i < g->n_kv; i++) {
        slim_gguf_kv *kv = &g->kvs[i];
        kv->offset = r->pos;
        if ((e = take_string(r, &kv->key, "key past the end of the file")))
            return e;
        if (kv->key.len == 0)
            return slim_fail(r->where, SLIM_ERR_CORRUPT, kv->offset, "empty key");
        if (slim_strindex_insert(&g->key_index, i, key_of, g) != UINT64_MAX)
            return slim_fail(r->where, SLIM_ERR_DUPLICATE, kv->offset, "duplicate key");
        if ((e = read_value(r, kv, &g->extra[i])))
            return e;
    }
    return SLIM_OK;
}

static slim_error read_alignment(reader *r, slim_gguf *g)
{
    g->alignment = SLIM_GGUF_DEFAULT_ALIGNMENT;
    const slim_gguf_kv *kv = slim_gguf_find_kv(g, SLIM_GGUF_KEY_ALIGNMENT);
    if (!kv)
        return SLIM_OK;
    if (kv->type != SLIM_GGUF_U32)
        return slim_fail(r->where, SLIM_ERR_BAD_TYPE, kv->offset, "general.alignment is not a u32");
    uint64_t at = g->extra[kv - g->kvs].value_off;
    uint32_t a = slim_le32(g->base + at);
    if (a == 0 || (a & (a - 1)) != 0)
        return slim_fail(r->where, SLIM_ERR_BAD_ALIGNMENT, at, "alignment is not a power of two");
    g->alignment = a;
    return SLIM_OK;
}

/* One tensor info; *offset_at receives the file offset of its offset field. */
static slim_error read_tensor_info(reader *r, slim_gguf *g, uint64_t i, uint64_t *offset_at)
{
    slim_gguf_tensor *t = &g->tensors[i];
    uint64_t at = r->pos;
    slim_string name;
    slim_error e = take_string(r, &name, "tensor name past the end of the file");
    if (e)
        return e;
    if (name.len >= SLIM_GGUF_MAX_NAME)
        return slim_fail(r->where, SLIM_ERR_TOO_LARGE, at, "tensor name of 64 bytes or more");
    if (memchr(name.data, 0, name.len))
        return slim_fail(r->where, SLIM_ERR_CORRUPT, at, "NUL byte in tensor name");
    memcpy(t->name, name.data, name.len);
    t->name[name.len] = 0;
    if (slim_strindex_insert(&g->name_index, i, name_of, g) != UINT64_MAX)
        return slim_fail(r->where, SLIM_ERR_DUPLICATE, at, "duplicate tensor name");

    if ((e = need(r, 4, "tensor info past the end of the file")))
        return e;
    uint64_t dims_at = r->pos;
    uint32_t n_dims = take32(r);
    if (n_dims > SLIM_GGUF_MAX_DIMS)
        return slim_fail(r->where, SLIM_ERR_TOO_LARGE, dims_at, "more than 4 dimensions");
    t->n_dims = (int)n_dims;
    if ((e = need(r, 8ull * n_dims + 12, "tensor info past the end of the file")))
        return e;
    uint64_t ne_at = r->pos;
    for (int d = 0; d < SLIM_GGUF_MAX_DIMS; d++)
        t->ne[d] = d < (int)n_dims ? (int64_t)take64(r) : 1;
    uint64_t type_at = r->pos;
    uint32_t type = take32(r);
    *offset_at = r->pos;
    t->offset = take64(r);

    /* Dimensions first (in file order), then the type, then the size. */
    for (uint32_t d = 0; d < n_dims; d++) {
        if (t->ne[d] < 0)
            return slim_fail(r->where, SLIM_ERR_SHAPE, ne_at + 8 * d, "negative dimension");
        if (t->ne[d] == 0)
            return slim_fail(r->where, SLIM_ERR_SHAPE, ne_at + 8 * d, "zero dimension");
    }
    if (type >= SLIM_TYPE_COUNT || !slim_type_get((slim_type)type))
        return slim_fail(r->where, SLIM_ERR_BAD_TYPE, type_at, "unknown tensor type");
    t->type = (slim_type)type;
    int bad;
    e = slim_gguf_tensor_bytes(t->type, t->ne, &t->size, &bad);
    if (e == SLIM_ERR_SHAPE)
        return slim_fail(r->where, e, ne_at, "ne[0] is not a multiple of the block size");
    if (e == SLIM_ERR_OVERFLOW)
        return slim_fail(r->where, e, bad >= 0 ? ne_at + 8 * (uint64_t)bad : type_at,
                         bad >= 0 ? "element count overflows" : "byte size overflows");
    if (e)
        return slim_fail(r->where, e, type_at, "unknown tensor type");
    if (t->offset % g->alignment != 0)
        return slim_fail(r->where, SLIM_ERR_BAD_OFFSET, *offset_at,
                         "tensor offset is not a multiple of the alignment");
    return SLIM_OK;
}

typedef struct span {
    uint64_t offset, index;
} span;

static int by_offset(const void *a, const void *b)
{
    const span *x = a, *y = b;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Data in bounds, and no two tensors share a byte. */
static slim_error place_tensors(reader *r, slim_gguf *g, const uint64_t *offset_at)
{
    uint64_t data_bytes = g->size >= g->data_offset ? g->size - g->data_offset : 0;
    for (uint64_t i = 0; i < g->n_tensors; i++) {
        slim_gguf_tensor *t = &g->tensors[i];
        uint64_t end;
        if (!slim_add_u64(t->offset, t->size, &end))
            return slim_fail(r->where, SLIM_ERR_OVERFLOW, offset_at[i], "tensor end overflows");
        if (end > data_bytes)
            return slim_fail(r->where, SLIM_ERR_TRUNCATED, offset_at[i],
                             "tensor data past the end of the file");
        t->data = g->base + g->data_offset + t->offset;
    }
    if (g->n_tensors < 2)
        return SLIM_OK;
    span *order = malloc((size_t)g->n_tensors * sizeof *order);
    if (!order)
        return SLIM_ERR_NOMEM;
    for (uint64_t i = 0; i < g->n_tensors; i++)
        order[i] = (span){ g->tensors[i].offset, i };
    qsort(order, (size_t)g->n_tensors, sizeof *order, by_offset);
    slim_error e = SLIM_OK;
    for (uint64_t k = 1; k < g->n_tensors && !e; k++) {
        const slim_gguf_tensor *prev = &g->tensors[order[k - 1].index];
        /* prev's end was checked above; it cannot overflow. */
        if (prev->offset + prev->size > order[k].offset)
            e = slim_fail(r->where, SLIM_ERR_BAD_OFFSET, offset_at[order[k].index],
                          "tensor data overlaps another tensor");
    }
    free(order);
    return e;
}

static slim_error read_header(reader *r, slim_gguf *g)
{
    if (r->size < 4 || memcmp(r->p, SLIM_GGUF_MAGIC, 4) != 0) {
        if (r->size < 4 && memcmp(r->p, SLIM_GGUF_MAGIC, (size_t)r->size) == 0)
            return slim_fail(r->where, SLIM_ERR_TRUNCATED, 0, "file too short for the magic");
        return slim_fail(r->where, SLIM_ERR_BAD_MAGIC, 0, "not a GGUF file");
    }
    r->pos = 4;
    slim_error e = need(r, 4, "version past the end of the file");
    if (e)
        return e;
    g->version = take32(r);
    if (g->version == 0 || g->version == 1)
        return slim_fail(r->where, SLIM_ERR_BAD_VERSION, 4, "GGUF version 0 and 1 are not supported");
    if ((g->version & 0xFFFF) == 0)
        return slim_fail(r->where, SLIM_ERR_BAD_VERSION, 4, "big-endian GGUF file");
    if (g->version > SLIM_GGUF_VERSION)
        return slim_fail(r->where, SLIM_ERR_BAD_VERSION, 4, "GGUF version from the future");
    if ((e = need(r, 16, "counts past the end of the file")))
        return e;
    g->n_tensors = take64(r);
    g->n_kv = take64(r);
    uint64_t rest = remaining(r);
    if (g->n_tensors > rest / MIN_TENSOR_INFO_BYTES)
        return slim_fail(r->where, SLIM_ERR_TOO_LARGE, 8, "tensor count larger than the file allows");
    rest -= g->n_tensors * MIN_TENSOR_INFO_BYTES;
    if (g->n_kv > rest / MIN_KV_BYTES)
        return slim_fail(r->where, SLIM_ERR_TOO_LARGE, 16, "key count larger than the file allows");
    return SLIM_OK;
}

static slim_error parse(slim_gguf *g, slim_parse_error *where)
{
    reader r = { g->base, g->size, 0, where };
    uint64_t *offset_at = NULL;
    slim_error e = read_header(&r, g);
    if (e)
        return e;
    /* Bounded by the counts check above: at most a few times the file size. */
    g->kvs = calloc((size_t)g->n_kv + 1, sizeof *g->kvs);
    g->extra = calloc((size_t)g->n_kv + 1, sizeof *g->extra);
    g->tensors = calloc((size_t)g->n_tensors + 1, sizeof *g->tensors);
    offset_at = calloc((size_t)g->n_tensors + 1, sizeof *offset_at);
    if (!g->kvs || !g->extra || !g->tensors || !offset_at)
        e = SLIM_ERR_NOMEM;
    if (!e)
        e = read_kvs(&r, g);
    if (!e)
        e = read_alignment(&r, g);
    if (!e)
        e = slim_strindex_init(&g->name_index, g->n_tensors);
    for (uint64_t i = 0; !e && i < g->n_tensors; i++)
        e = read_tensor_info(&r, g, i, &offset_at[i]);
    if (!e && !slim_pad_u64(r.pos, g->alignment, &g->data_offset))
        e = slim_fail(where, SLIM_ERR_OVERFLOW, r.pos, "data offset overflows");
    if (!e && g->n_tensors > 0 && g->data_offset > g->size)
        e = slim_fail(where, SLIM_ERR_TRUNCATED, r.pos, "data section past the end of the file");
    if (!e)
        e = place_tensors(&r, g, offset_at);
    free(offset_at);
    return e;
}

static slim_error finish_open(slim_gguf *g, slim_gguf **out, slim_parse_error *where)
{
    slim_error e = parse(g, where);
    if (e) {
        slim_gguf_close(g);
        return slim_where_done(where, e);
    }
    *out = g;
    return SLIM_OK;
}

slim_error slim_gguf_parse(const void *data, size_t size, slim_gguf **out,
                           slim_parse_error *where)
{
    slim_where_reset(where);
    if (!out || (!data && size))
        return slim_where_done(where, SLIM_ERR_INVALID_ARG);
    *out = NULL;
    slim_gguf *g = calloc(1, sizeof *g);
    if (!g)
        return slim_where_done(where, SLIM_ERR_NOMEM);
    static const uint8_t empty[1];
    g->base = data ? data : empty;
    g->size = size;
    return finish_open(g, out, where);
}

slim_error slim_gguf_open(const char *path, slim_gguf **out, slim_parse_error *where)
{
    slim_where_reset(where);
    if (!out || !path)
        return slim_where_done(where, SLIM_ERR_INVALID_ARG);
    *out = NULL;
    slim_gguf *g = calloc(1, sizeof *g);
    if (!g)
        return slim_where_done(where, SLIM_ERR_NOMEM);
    slim_error e = slim_map_open(path, &g->map);
    if (e) {
        free(g);
        return slim_fail(where, e, 0, "cannot map the file");
    }
    static const uint8_t empty[1];
    g->base = g->map.data ? g->map.data : empty;
    g->size = g->map.size;
    return finish_open(g, out, where);
}

void slim_gguf_close(slim_gguf *g)
{
    if (!g)
        return;
    if (g->extra)
        for (uint64_t i = 0; i < g->n_kv; i++)
            free(g->extra[i].str_offs);
    free(g->extra);
    free(g->kvs);
    free(g->tensors);
    slim_strindex_free(&g->key_index);
    slim_strindex_free(&g->name_index);
    slim_map_close(&g->map);
    free(g);
}

/* ---- accessors ---- */

uint32_t slim_gguf_version(const slim_gguf *g) { return g ? g->version : 0; }
uint32_t slim_gguf_alignment(const slim_gguf *g) { return g ? g->alignment : 0; }
uint64_t slim_gguf_data_offset(const slim_gguf *g) { return g ? g->data_offset : 0; }
uint64_t slim_gguf_kv_count(const slim_gguf *g) { return g ? g->n_kv : 0; }
uint64_t slim_gguf_tensor_count(const slim_gguf *g) { return g ? g->n_tensors : 0; }

const slim_gguf_kv *slim_gguf_kv_at(const slim_gguf *g, uint64_t i)
{
    return g && i < g->n_kv ? &g->kvs[i] : NULL;
}

const slim_gguf_kv *slim_gguf_find_kv(const slim_gguf *g, const char *key)
{
    if (!g || !key)
        return NULL;
    uint64_t i = slim_strindex_find(&g->key_index, key, strlen(key), key_of, g);
    return i == UINT64_MAX ? NULL : &g->kvs[i];
}

const slim_gguf_tensor *slim_gguf_tensor_at(const slim_gguf *g, uint64_t i)
{
    return g && i < g->n_tensors ? &g->tensors[i] : NULL;
}

const slim_gguf_tensor *slim_gguf_find_tensor(const slim_gguf *g, const char *name)
{
    if (!g || !name)
        return NULL;
    uint64_t i = slim_strindex_find(&g->name_index, name, strlen(name), name_of, g);
    return i == UINT64_MAX ? NULL : &g->tensors[i];
}

/* The element's bytes, after checking the entry belongs to g and i is valid. */
static const uint8_t *element(const slim_gguf *g, const slim_gguf_kv *kv, uint64_t i)
{
    if (!g || !kv || kv < g->kvs || kv >= g->kvs + g->n_kv || i >= kv->count)
        return NULL;
    const kv_extra *x = &g->extra[kv - g->kvs];
    if (kv->elem_type == SLIM_GGUF_STRING)
        return g->base + (kv->type == SLIM_GGUF_ARRAY ? x->str_offs[i] : x->value_off);
    return g->base + x->value_off + i * slim_gguf_type_size(kv->elem_type);
}

const void *slim_gguf_kv_data(const slim_gguf *g, const slim_gguf_kv *kv)
{
    if (!kv || kv->elem_type == SLIM_GGUF_STRING || kv->count == 0)
        return NULL;
    return element(g, kv, 0);
}

/* Integer element as a sign flag and magnitude-preserving 64-bit pattern. */
static slim_error load_int(const slim_gguf *g, const slim_gguf_kv *kv, uint64_t i,
                           uint64_t *bits, int *negative)
{
    const uint8_t *p = element(g, kv, i);
    if (!p)
        return SLIM_ERR_INVALID_ARG;
    int64_t s = 0;
    uint64_t u = 0;
    int is_signed = 1;
    switch (kv->elem_type) {
    case SLIM_GGUF_U8: case SLIM_GGUF_BOOL: u = p[0]; is_signed = 0; break;
    case SLIM_GGUF_I8: s = (int8_t)p[0]; break;
    case SLIM_GGUF_U16: u = slim_le16(p); is_signed = 0; break;
    case SLIM_GGUF_I16: s = (int16_t)slim_le16(p); break;
    case SLIM_GGUF_U32: u = slim_le32(p); is_signed = 0; break;
    case SLIM_GGUF_I32: s = (int32_t)slim_le32(p); break;
    case SLIM_GGUF_U64: u = slim_le64(p); is_signed = 0; break;
    case SLIM_GGUF_I64: s = (int64_t)slim_le64(p); break;
    default: return SLIM_ERR_BAD_TYPE;
    }
    *negative = is_signed && s < 0;
    *bits = is_signed ? (uint64_t)s : u;
    return SLIM_OK;
}

slim_error slim_gguf_kv_int(const slim_gguf *g, const slim_gguf_kv *kv, uint64_t i, int64_t *out)
{
    uint64_t b;
    int neg;
    if (!out)
        return SLIM_ERR_INVALID_ARG;
    slim_error e = load_int(g, kv, i, &b, &neg);
    if (e)
        return e;
    if (!neg && b > INT64_MAX)
        return SLIM_ERR_OVERFLOW;
    *out = (int64_t)b;
    return SLIM_OK;
}

slim_error slim_gguf_kv_uint(const slim_gguf *g, const slim_gguf_kv *kv, uint64_t i, uint64_t *out)
{
    uint64_t b;
    int neg;
    if (!out)
        return SLIM_ERR_INVALID_ARG;
    slim_error e = load_int(g, kv, i, &b, &neg);
    if (e)
        return e;
    if (neg)
        return SLIM_ERR_OVERFLOW;
    *out = b;
    return SLIM_OK;
}

slim_error slim_gguf_kv_float(const slim_gguf *g, const slim_gguf_kv *kv, uint64_t i, double *out)
{
    const uint8_t *p = element(g, kv, i);
    if (!p || !out)
        return SLIM_ERR_INVALID_ARG;
    if (kv->elem_type == SLIM_GGUF_F32) {
        uint32_t b = slim_le32(p);
        float f;
        memcpy(&f, &b, 4);
        *out = f;
    } else if (kv->elem_type == SLIM_GGUF_F64) {
        uint64_t b = slim_le64(p);
        memcpy(out, &b, 8);
    } else {
        return SLIM_ERR_BAD_TYPE;
    }
    return SLIM_OK;
}

slim_error slim_gguf_kv_str(const slim_gguf *g, const slim_gguf_kv *kv, uint64_t i, slim_string *out)
{
    const uint8_t *p = element(g, kv, i);
    if (!p || !out)
        return SLIM_ERR_INVALID_ARG;
    if (kv->elem_type != SLIM_GGUF_STRING)
        return SLIM_ERR_BAD_TYPE;
    out->len = (size_t)slim_le64(p);
    out->data = (const char *)p + 8;
    return SLIM_OK;
}

/* Keyed getters: scalars only. */
static const slim_gguf_kv *scalar(const slim_gguf *g, const char *key, slim_error *e)
{
    const slim_gguf_kv *kv = slim_gguf_find_kv(g, key);
    *e = !kv ? SLIM_ERR_NOT_FOUND : kv->type == SLIM_GGUF_ARRAY ? SLIM_ERR_BAD_TYPE : SLIM_OK;
    return kv;
}

slim_error slim_gguf_get_int(const slim_gguf *g, const char *key, int64_t *out)
{
    slim_error e;
    const slim_gguf_kv *kv = scalar(g, key, &e);
    return e ? e : slim_gguf_kv_int(g, kv, 0, out);
}

slim_error slim_gguf_get_uint(const slim_gguf *g, const char *key, uint64_t *out)
{
    slim_error e;
    const slim_gguf_kv *kv = scalar(g, key, &e);
    return e ? e : slim_gguf_kv_uint(g, kv, 0, out);
}

slim_error slim_gguf_get_float(const slim_gguf *g, const char *key, double *out)
{
    slim_error e;
    const slim_gguf_kv *kv = scalar(g, key, &e);
    return e ? e : slim_gguf_kv_float(g, kv, 0, out);
}

slim_error slim_gguf_get_str(const slim_gguf *g, const char *key, slim_string *out)
{
    slim_error e;
    const slim_gguf_kv *kv = scalar(g, key, &e);
    return e ? e : slim_gguf_kv_str(g, kv, 0, out);
}
