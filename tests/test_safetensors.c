/*
 * safetensors reader and writer tests: the validation rules of the
 * reference library as a catalogue of broken files (each built in memory,
 * asserting the exact error and byte offset), the shared Hugging Face
 * folders (single, BF16, sharded) and write->read round trips.
 */
#define _GNU_SOURCE /* memmem */
#include "slim.h"
#include "tests/util.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BASE_JSON                                                                      \
    "{\"__metadata__\":{\"format\":\"pt\"},"                                           \
    "\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"               \
    "\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[16,22]},"               \
    "\"c\":{\"dtype\":\"U8\",\"shape\":[],\"data_offsets\":[22,23]},"                  \
    "\"z\":{\"dtype\":\"I64\",\"shape\":[0],\"data_offsets\":[23,23]}}"
#define BASE_DATA 23

/* u64 header length | header | `data` bytes of a counting pattern. */
static uint8_t *make(const char *json, size_t data, size_t *size)
{
    size_t h = strlen(json);
    uint8_t *d = malloc(8 + h + data + 1);
    for (int i = 0; i < 8; i++)
        d[i] = (uint8_t)((uint64_t)h >> 8 * i);
    memcpy(d + 8, json, h);
    for (size_t i = 0; i < data; i++)
        d[8 + h + i] = (uint8_t)(i + 1);
    *size = 8 + h + data;
    return d;
}

/* Offset in the file of the quoted key `name` (as the reader reports it). */
static uint64_t key_at(const uint8_t *d, size_t n, const char *name)
{
    char q[64];
    snprintf(q, sizeof q, "\"%s\"", name);
    const uint8_t *p = memmem(d + 8, n - 8, q, strlen(q));
    cr_assert_not_null(p);
    return (uint64_t)(p - d);
}

static void expect(const uint8_t *d, size_t n, slim_error err, uint64_t offset)
{
    /* An exact-size copy, so ASan sees any read past the end. */
    uint8_t *p = malloc(n ? n : 1);
    memcpy(p, d, n);
    slim_safetensors *st = (slim_safetensors *)1;
    slim_parse_error pe = { 0 };
    slim_error e = slim_st_parse(p, n, &st, &pe);
    cr_assert_eq(e, err, "got %s (%d) at %llu (%s), want %s at %llu", slim_strerror(e), e,
                 (unsigned long long)pe.offset, pe.reason ? pe.reason : "-", slim_strerror(err),
                 (unsigned long long)offset);
    cr_assert_null(st);
    cr_assert_eq(pe.offset, offset, "%s: offset %llu, want %llu", pe.reason,
                 (unsigned long long)pe.offset, (unsigned long long)offset);
    cr_assert_not_null(pe.reason);
    free(p);
}

/* A file whose header is `json` and whose data is `data` bytes; the
 * expected offset names a key ("@name") or is a number. */
static void check(const char *json, size_t data, slim_error err, const char *where)
{
    size_t n;
    uint8_t *d = make(json, data, &n);
    uint64_t at = where[0] == '@' ? key_at(d, n, where + 1) : (uint64_t)strtoull(where, NULL, 10);
    expect(d, n, err, at);
    free(d);
}

Test(st_hostile, shorter_than_8_bytes) { expect((const uint8_t *)"\x10\0\0", 3, SLIM_ERR_TRUNCATED, 0); }
Test(st_hostile, empty) { expect((const uint8_t *)"", 0, SLIM_ERR_TRUNCATED, 0); }

Test(st_hostile, header_too_large)
{
    size_t n;
    uint8_t *d = make(BASE_JSON, BASE_DATA, &n);
    uint64_t big = 100000001;
    for (int i = 0; i < 8; i++)
        d[i] = (uint8_t)(big >> 8 * i);
    expect(d, n, SLIM_ERR_TOO_LARGE, 0);
    d[7] = 0xff; /* the length near 2^64 must not wrap the bounds check */
    expect(d, n, SLIM_ERR_TOO_LARGE, 0);
    free(d);
}

Test(st_hostile, header_past_end)
{
    size_t n;
    uint8_t *d = make(BASE_JSON, BASE_DATA, &n);
    d[0] = (uint8_t)(n - 8 + 1);
    d[1] = (uint8_t)((n - 8 + 1) >> 8);
    expect(d, n, SLIM_ERR_TRUNCATED, 0);
    free(d);
}

Test(st_hostile, header_not_starting_with_brace) { check(" {}", 0, SLIM_ERR_BAD_JSON, "8"); }
Test(st_hostile, header_array) { check("[]", 0, SLIM_ERR_BAD_JSON, "8"); }
Test(st_hostile, empty_header) { check("", 0, SLIM_ERR_BAD_JSON, "8"); }
Test(st_hostile, invalid_json) { check("{\"a\":", 0, SLIM_ERR_BAD_JSON, "13"); }
Test(st_hostile, trailing_garbage_in_header) { check("{} x", 0, SLIM_ERR_BAD_JSON, "12"); }
Test(st_hostile, invalid_utf8) { check("{\"a\xff\":1}", 0, SLIM_ERR_BAD_UTF8, "11"); }
Test(st_hostile, duplicate_key)
{
    check("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
          "\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}",
          2, SLIM_ERR_DUPLICATE, "61");
}
Test(st_hostile, deep_nesting)
{
    char json[20000];
    strcpy(json, "{\"a\":");
    size_t k = strlen(json);
    for (int i = 0; i < 5000; i++)
        json[k++] = '[';
    json[k] = 0;
    size_t n;
    uint8_t *d = make(json, 0, &n);
    slim_safetensors *st = NULL;
    slim_parse_error pe = { 0 };
    cr_assert_eq(slim_st_parse(d, n, &st, &pe), SLIM_ERR_BAD_JSON);
    free(d);
}
Test(st_hostile, entry_not_object) { check("{\"x\":3}", 0, SLIM_ERR_BAD_JSON, "@x"); }
Test(st_hostile, dtype_missing) { check("{\"x\":{\"shape\":[1],\"data_offsets\":[0,1]}}", 1, SLIM_ERR_BAD_JSON, "@x"); }
Test(st_hostile, unknown_dtype)
{
    check("{\"x\":{\"dtype\":\"F4\",\"shape\":[2],\"data_offsets\":[0,1]}}", 1, SLIM_ERR_BAD_TYPE, "@x");
}
Test(st_hostile, negative_shape)
{
    check("{\"x\":{\"dtype\":\"U8\",\"shape\":[-1],\"data_offsets\":[0,1]}}", 1, SLIM_ERR_BAD_JSON, "@x");
}
Test(st_hostile, fractional_shape)
{
    check("{\"x\":{\"dtype\":\"U8\",\"shape\":[1.0],\"data_offsets\":[0,1]}}", 1, SLIM_ERR_BAD_JSON, "@x");
}
Test(st_hostile, shape_not_array)
{
    check("{\"x\":{\"dtype\":\"U8\",\"shape\":1,\"data_offsets\":[0,1]}}", 1, SLIM_ERR_BAD_JSON, "@x");
}
Test(st_hostile, three_offsets)
{
    check("{\"x\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1,2]}}", 1, SLIM_ERR_BAD_JSON, "@x");
}
Test(st_hostile, negative_offset)
{
    check("{\"x\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[-1,0]}}", 1, SLIM_ERR_BAD_JSON, "@x");
}
Test(st_hostile, offset_too_big_for_json)
{
    check("{\"x\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,18446744073709551615]}}", 1,
          SLIM_ERR_BAD_JSON, "77"); /* where the JSON parser stopped */
}
Test(st_hostile, gap_at_start)
{
    check("{\"x\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}", 2, SLIM_ERR_BAD_OFFSET, "@x");
}
Test(st_hostile, gap_between)
{
    check("{\"x\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
          "\"y\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[2,3]}}",
          3, SLIM_ERR_BAD_OFFSET, "@y");
}
Test(st_hostile, overlap)
{
    check("{\"x\":{\"dtype\":\"U16\",\"shape\":[2],\"data_offsets\":[0,4]},"
          "\"y\":{\"dtype\":\"U16\",\"shape\":[1],\"data_offsets\":[2,4]}}",
          4, SLIM_ERR_BAD_OFFSET, "@y");
}
Test(st_hostile, end_before_begin)
{
    check("{\"x\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]},"
          "\"y\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,-0]},"
          "\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,0]}}",
          1, SLIM_ERR_BAD_OFFSET, "@w");
}
Test(st_hostile, size_mismatch)
{
    check("{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,16]}}", 16, SLIM_ERR_SHAPE, "@x");
}
Test(st_hostile, shape_overflow)
{
    check("{\"x\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,16],\"data_offsets\":[0,8]}}", 8,
          SLIM_ERR_OVERFLOW, "@x");
}
Test(st_hostile, shape_overflow_wraps_to_match)
{
    /* 2^62 * 4 * 1 wraps to 0 in 64 bits: must still be an overflow. */
    check("{\"x\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904],\"data_offsets\":[0,0]}}", 0,
          SLIM_ERR_OVERFLOW, "@x");
}
Test(st_hostile, trailing_bytes)
{
    size_t n;
    uint8_t *d = make(BASE_JSON, BASE_DATA + 1, &n);
    expect(d, n, SLIM_ERR_CORRUPT, n - 1);
    free(d);
}
Test(st_hostile, metadata_not_object)
{
    check("{\"__metadata__\":[\"a\"]}", 0, SLIM_ERR_BAD_JSON, "@__metadata__");
}
Test(st_hostile, metadata_value_not_string)
{
    check("{\"__metadata__\":{\"a\":1}}", 0, SLIM_ERR_BAD_JSON, "@__metadata__");
}
Test(st_hostile, metadata_value_null)
{
    check("{\"__metadata__\":{\"a\":null}}", 0, SLIM_ERR_BAD_JSON, "@__metadata__");
}

/* The offset is the file size: where the announced data is missing. */
Test(st_hostile, data_past_end_offset)
{
    size_t n;
    uint8_t *d = make(BASE_JSON, BASE_DATA - 1, &n);
    expect(d, n, SLIM_ERR_TRUNCATED, n);
    free(d);
}

Test(st_hostile, every_prefix_fails_cleanly)
{
    size_t n;
    uint8_t *d = make(BASE_JSON, BASE_DATA, &n);
    for (size_t k = 0; k < n; k++) {
        uint8_t *p = malloc(k ? k : 1);
        memcpy(p, d, k);
        slim_safetensors *st = NULL;
        slim_parse_error pe = { 0 };
        slim_error e = slim_st_parse(p, k, &st, &pe);
        cr_assert_neq(e, SLIM_OK, "prefix %zu accepted", k);
        cr_assert(pe.reason && pe.offset <= k, "prefix %zu: %s at %llu", k, pe.reason,
                  (unsigned long long)pe.offset);
        free(p);
    }
    free(d);
}

Test(st_read, accessors)
{
    size_t n;
    uint8_t *d = make(BASE_JSON, BASE_DATA, &n);
    slim_safetensors *st = NULL;
    slim_parse_error pe = { 0 };
    cr_assert_eq(slim_st_parse(d, n, &st, &pe), SLIM_OK, "%s at %llu", pe.reason,
                 (unsigned long long)pe.offset);
    cr_assert_eq(slim_st_file_count(st), 1);
    cr_assert_eq(slim_st_tensor_count(st), 4);
    const slim_st_tensor *a = slim_st_find_tensor(st, "a"), *b = slim_st_find_tensor(st, "b");
    const slim_st_tensor *c = slim_st_find_tensor(st, "c"), *z = slim_st_find_tensor(st, "z");
    cr_assert(a && b && c && z);
    cr_assert(a->dtype == SLIM_DTYPE_F32 && a->n_dims == 2 && a->shape[0] == 2 && a->shape[1] == 2);
    cr_assert(a->begin == 0 && a->end == 16 && a->size == 16);
    cr_assert_eq((const uint8_t *)a->data, d + n - BASE_DATA);
    cr_assert(b->dtype == SLIM_DTYPE_BF16 && b->size == 6 && b->n_dims == 1);
    cr_assert(c->n_dims == 0 && c->size == 1 && ((const uint8_t *)c->data)[0] == 23);
    cr_assert(z->n_dims == 1 && z->shape[0] == 0 && z->size == 0);
    cr_assert_eq(slim_st_tensor_at(st, 0), a);
    cr_assert_null(slim_st_tensor_at(st, 4));
    cr_assert_null(slim_st_find_tensor(st, "__metadata__"));
    cr_assert_eq(slim_st_metadata_count(st), 1);
    cr_assert_str_eq(slim_st_metadata_get(st, "format"), "pt");
    const char *k, *v;
    cr_assert_eq(slim_st_metadata_at(st, 0, &k, &v), SLIM_OK);
    cr_assert_str_eq(k, "format");
    slim_st_close(st);
    slim_st_close(NULL);
    free(d);
}

Test(st_read, dtypes)
{
    static const char *names[] = { "BOOL", "U8", "I8", "U16", "I16", "F16", "BF16", "U32",
                                   "I32", "F32", "U64", "I64", "F64", "F8_E4M3", "F8_E5M2" };
    static const size_t sizes[] = { 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 8, 8, 8, 1, 1 };
    for (int i = 0; i < SLIM_DTYPE_COUNT; i++) {
        slim_dtype dt;
        cr_assert_eq(slim_dtype_from_name(names[i], &dt), SLIM_OK);
        cr_assert_eq((int)dt, i);
        cr_assert_str_eq(slim_dtype_name(dt), names[i]);
        cr_assert_eq(slim_dtype_size(dt), sizes[i]);
    }
    slim_dtype dt;
    cr_assert_eq(slim_dtype_from_name("f32", &dt), SLIM_ERR_BAD_TYPE);
}

/* ---- writer ---- */

static char *tmp_path(const char *name)
{
    char *p = malloc(256);
    snprintf(p, 256, "/tmp/slim-test-%ld-%s", (long)getpid(), name);
    return p;
}

Test(st_write, round_trip)
{
    char *path = tmp_path("rt.safetensors");
    slim_st_writer *w = NULL;
    cr_assert_eq(slim_st_writer_open(path, &w), SLIM_OK);
    cr_assert_eq(slim_st_writer_add_metadata(w, "format", "pt"), SLIM_OK);
    cr_assert_eq(slim_st_writer_add_metadata(w, "format", "x"), SLIM_ERR_DUPLICATE);
    int64_t s1[2] = { 3, 5 }, s2[1] = { 7 }, s0[1] = { 0 };
    cr_assert_eq(slim_st_writer_add_tensor(w, "w.a", SLIM_DTYPE_BF16, 2, s1), SLIM_OK);
    cr_assert_eq(slim_st_writer_add_tensor(w, "w.b", SLIM_DTYPE_F64, 1, s2), SLIM_OK);
    cr_assert_eq(slim_st_writer_add_tensor(w, "w.empty", SLIM_DTYPE_I32, 1, s0), SLIM_OK);
    cr_assert_eq(slim_st_writer_add_tensor(w, "w.scalar", SLIM_DTYPE_U8, 0, NULL), SLIM_OK);
    cr_assert_eq(slim_st_writer_add_tensor(w, "w.a", SLIM_DTYPE_U8, 0, NULL), SLIM_ERR_DUPLICATE);
    cr_assert_eq(slim_st_writer_add_tensor(w, "__metadata__", SLIM_DTYPE_U8, 0, NULL), SLIM_ERR_INVALID_ARG);
    size_t bytes = 30 + 56 + 1;
    uint8_t *data = malloc(bytes);
    for (size_t i = 0; i < bytes; i++)
        data[i] = (uint8_t)(i * 31 + 7);
    cr_assert_eq(slim_st_writer_write(w, data, 29), SLIM_OK);
    cr_assert_eq(slim_st_writer_write(w, data + 29, bytes - 29), SLIM_OK);
    cr_assert_eq(slim_st_writer_write(w, data, 1), SLIM_ERR_INVALID_ARG);
    cr_assert_eq(slim_st_writer_finish(w), SLIM_OK);

    size_t n;
    uint8_t *file = test_read_file(path, &n);
    cr_assert_not_null(file);
    uint64_t h = 0;
    for (int i = 0; i < 8; i++)
        h |= (uint64_t)file[i] << 8 * i;
    cr_assert_eq((8 + h) % 8, 0, "header padded to a multiple of 8");
    cr_assert_eq(file[8], '{');
    free(file);

    slim_safetensors *st = NULL;
    slim_parse_error pe = { 0 };
    cr_assert_eq(slim_st_open(path, &st, &pe), SLIM_OK, "%s at %llu", pe.reason,
                 (unsigned long long)pe.offset);
    cr_assert_eq(slim_st_tensor_count(st), 4);
    cr_assert_str_eq(slim_st_metadata_get(st, "format"), "pt");
    const slim_st_tensor *a = slim_st_find_tensor(st, "w.a"), *b = slim_st_find_tensor(st, "w.b");
    const slim_st_tensor *e = slim_st_find_tensor(st, "w.empty"), *s = slim_st_find_tensor(st, "w.scalar");
    cr_assert(a && b && e && s);
    cr_assert(a->n_dims == 2 && a->shape[0] == 3 && a->shape[1] == 5 && a->dtype == SLIM_DTYPE_BF16);
    cr_assert_eq(memcmp(a->data, data, 30), 0);
    cr_assert_eq(memcmp(b->data, data + 30, 56), 0);
    cr_assert(e->size == 0 && s->n_dims == 0 && s->size == 1);
    cr_assert_eq(memcmp(s->data, data + 86, 1), 0);
    slim_st_close(st);
    unlink(path);
    free(data);
    free(path);
}

Test(st_write, unfinished_leaves_nothing)
{
    char *path = tmp_path("partial.safetensors");
    unlink(path);
    slim_st_writer *w = NULL;
    int64_t s[1] = { 4 };
    cr_assert_eq(slim_st_writer_open(path, &w), SLIM_OK);
    cr_assert_eq(slim_st_writer_add_tensor(w, "t", SLIM_DTYPE_U8, 1, s), SLIM_OK);
    cr_assert_eq(slim_st_writer_write(w, "ab", 2), SLIM_OK);
    cr_assert_eq(slim_st_writer_finish(w), SLIM_ERR_INVALID_ARG);
    cr_assert_neq(access(path, F_OK), 0);
    slim_st_writer_abort(NULL);
    free(path);
}

/* ---- the shared Hugging Face folders ---- */

static const char *models(char *buf, size_t size, const char *sub)
{
    const char *root = test_data_dir();
    if (!root)
        cr_skip("shared data not found (set SLIM_SHARED_DATA or provide ../shared/data)");
    snprintf(buf, size, "%s/models/%s", root, sub);
    return buf;
}

static slim_safetensors *open_ok(const char *path)
{
    slim_safetensors *st = NULL;
    slim_parse_error pe = { 0 };
    slim_error e = slim_st_open(path, &st, &pe);
    cr_assert_eq(e, SLIM_OK, "%s: %s at %llu in file %d (%s)", path, slim_strerror(e),
                 (unsigned long long)pe.offset, pe.file, pe.reason);
    return st;
}

Test(st_real, single_bf16_and_sharded_agree)
{
    char p1[512], p2[512], p3[512];
    slim_safetensors *single = open_ok(models(p1, sizeof p1, "stories260K-hf"));
    slim_safetensors *bf16 = open_ok(models(p2, sizeof p2, "stories260K-hf-bf16/model.safetensors"));
    slim_safetensors *sharded = open_ok(models(p3, sizeof p3, "stories260K-hf-sharded"));
    cr_assert_eq(slim_st_tensor_count(single), 47);
    cr_assert_eq(slim_st_tensor_count(bf16), 47);
    cr_assert_eq(slim_st_tensor_count(sharded), 47);
    cr_assert_eq(slim_st_file_count(sharded), 2);
    for (uint64_t i = 0; i < 47; i++) {
        const slim_st_tensor *t = slim_st_tensor_at(single, i);
        const slim_st_tensor *u = slim_st_find_tensor(sharded, t->name);
        const slim_st_tensor *v = slim_st_find_tensor(bf16, t->name);
        cr_assert(u && v, "%s missing", t->name);
        cr_assert(t->dtype == SLIM_DTYPE_F32 && u->dtype == SLIM_DTYPE_F32 && v->dtype == SLIM_DTYPE_BF16);
        cr_assert(t->n_dims == u->n_dims && t->n_dims == v->n_dims);
        for (int d = 0; d < t->n_dims; d++)
            cr_assert(t->shape[d] == u->shape[d] && t->shape[d] == v->shape[d]);
        cr_assert(t->size == u->size && v->size * 2 == t->size);
        cr_assert_eq(memcmp(t->data, u->data, (size_t)t->size), 0, "%s differs", t->name);
    }
    /* The index file itself opens the sharded model too. */
    char idx[600];
    snprintf(idx, sizeof idx, "%s/model.safetensors.index.json", p3);
    slim_safetensors *again = open_ok(idx);
    cr_assert_eq(slim_st_tensor_count(again), 47);
    slim_st_close(again);
    slim_st_close(single);
    slim_st_close(bf16);
    slim_st_close(sharded);
}

/* Rewrites a real file through the writer and compares every tensor. */
Test(st_real, rewrite_round_trip)
{
    char p[512];
    slim_safetensors *src = open_ok(models(p, sizeof p, "synth-llama-a/hf"));
    char *out = tmp_path("rewrite.safetensors");
    slim_st_writer *w = NULL;
    cr_assert_eq(slim_st_writer_open(out, &w), SLIM_OK);
    for (uint64_t i = 0; i < slim_st_metadata_count(src); i++) {
        const char *k, *v;
        cr_assert_eq(slim_st_metadata_at(src, i, &k, &v), SLIM_OK);
        cr_assert_eq(slim_st_writer_add_metadata(w, k, v), SLIM_OK);
    }
    uint64_t n = slim_st_tensor_count(src);
    for (uint64_t i = 0; i < n; i++) {
        const slim_st_tensor *t = slim_st_tensor_at(src, i);
        cr_assert_eq(slim_st_writer_add_tensor(w, t->name, t->dtype, t->n_dims, t->shape), SLIM_OK);
    }
    for (uint64_t i = 0; i < n; i++) {
        const slim_st_tensor *t = slim_st_tensor_at(src, i);
        cr_assert_eq(slim_st_writer_write(w, t->data, (size_t)t->size), SLIM_OK);
    }
    cr_assert_eq(slim_st_writer_finish(w), SLIM_OK);
    slim_safetensors *dst = open_ok(out);
    cr_assert_eq(slim_st_tensor_count(dst), n);
    for (uint64_t i = 0; i < n; i++) {
        const slim_st_tensor *t = slim_st_tensor_at(src, i), *u = slim_st_tensor_at(dst, i);
        cr_assert_str_eq(t->name, u->name);
        cr_assert(t->dtype == u->dtype && t->n_dims == u->n_dims && t->size == u->size);
        cr_assert_eq(memcmp(t->data, u->data, (size_t)t->size), 0);
    }
    slim_st_close(dst);
    slim_st_close(src);
    unlink(out);
    free(out);
}

/* ---- sharded models built in a scratch folder ---- */

static void write_file(const char *dir, const char *name, const void *d, size_t n)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(d, 1, n, f), n);
    fclose(f);
}

static void shard_case(const char *index, const char *shard2, slim_error want, int want_file)
{
    char dir[256];
    snprintf(dir, sizeof dir, "/tmp/slim-test-%ld-shards", (long)getpid());
    mkdir(dir, 0700);
    size_t n1, n2;
    uint8_t *s1 = make("{\"x\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2, &n1);
    uint8_t *s2 = make(shard2 ? shard2 : "{\"y\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}",
                       shard2 ? 2 : 1, &n2);
    write_file(dir, "s-1.safetensors", s1, n1);
    write_file(dir, "s-2.safetensors", s2, n2);
    write_file(dir, "model.safetensors.index.json", index, strlen(index));
    slim_safetensors *st = NULL;
    slim_parse_error pe = { 0 };
    slim_error e = slim_st_open(dir, &st, &pe);
    cr_assert_eq(e, want, "got %s (%s), want %s", slim_strerror(e), e ? pe.reason : "-",
                 slim_strerror(want));
    if (e == SLIM_OK) {
        cr_assert_eq(slim_st_tensor_count(st), 2);
        cr_assert_eq(slim_st_find_tensor(st, "y")->file, 1);
    } else {
        cr_assert_eq(pe.file, want_file);
    }
    slim_st_close(st);
    char p[512];
    const char *names[] = { "s-1.safetensors", "s-2.safetensors", "model.safetensors.index.json" };
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
    rmdir(dir);
    free(s1);
    free(s2);
}

#define IDX_XY "{\"weight_map\":{\"x\":\"s-1.safetensors\",\"y\":\"s-2.safetensors\"}}"
#define SHARD2_YZ "{\"y\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}," \
                  "\"z\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}"
#define SHARD2_YX "{\"y\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}," \
                  "\"x\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}"

Test(st_shards, valid) { shard_case(IDX_XY, NULL, SLIM_OK, 0); }
Test(st_shards, missing_tensor)
{
    shard_case("{\"weight_map\":{\"x\":\"s-1.safetensors\",\"y\":\"s-2.safetensors\",\"z\":\"s-2.safetensors\"}}",
               NULL, SLIM_ERR_NOT_FOUND, -1);
}
Test(st_shards, listed_in_one_shard_only) { shard_case("{\"weight_map\":{\"x\":\"s-1.safetensors\",\"y\":\"s-1.safetensors\"}}", NULL, SLIM_ERR_NOT_FOUND, -1); }
Test(st_shards, unlisted_tensor) { shard_case(IDX_XY, SHARD2_YZ, SLIM_ERR_CORRUPT, 1); }
Test(st_shards, wrong_shard)
{
    shard_case("{\"weight_map\":{\"x\":\"s-2.safetensors\",\"y\":\"s-1.safetensors\"}}", NULL, SLIM_ERR_CORRUPT, 0);
}
Test(st_shards, name_in_two_shards) { shard_case(IDX_XY, SHARD2_YX, SLIM_ERR_DUPLICATE, 1); }
Test(st_shards, path_escape) { shard_case("{\"weight_map\":{\"x\":\"../s-1.safetensors\"}}", NULL, SLIM_ERR_BAD_JSON, -1); }
Test(st_shards, missing_file) { shard_case("{\"weight_map\":{\"x\":\"nope.safetensors\"}}", NULL, SLIM_ERR_IO, 0); }
Test(st_shards, not_json) { shard_case("{\"weight_map\":", NULL, SLIM_ERR_BAD_JSON, -1); }
