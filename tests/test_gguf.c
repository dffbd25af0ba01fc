/*
 * GGUF reader and writer tests: the hostile-file catalogue (one case per way
 * a file can be broken, each built in memory from a valid file and asserting
 * the exact error and byte offset), accessors, the real files in
 * ../shared/data/models, and write->read round trips.
 */
#include "slim.h"
#include "tests/util.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- a valid file, built with the offsets of its fields recorded ---- */

typedef struct gb {
    uint8_t *d;
    size_t n, cap;
} gb;

static void put(gb *b, const void *p, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->d = realloc(b->d, b->cap);
        cr_assert(b->d);
    }
    memcpy(b->d + b->n, p, n);
    b->n += n;
}

static void put32(gb *b, uint32_t v) { uint8_t t[4]; for (int i = 0; i < 4; i++) t[i] = (uint8_t)(v >> 8 * i); put(b, t, 4); }
static void put64(gb *b, uint64_t v) { uint8_t t[8]; for (int i = 0; i < 8; i++) t[i] = (uint8_t)(v >> 8 * i); put(b, t, 8); }
static void putstr(gb *b, const char *s) { put64(b, strlen(s)); put(b, s, strlen(s)); }

static void set32(uint8_t *d, size_t at, uint32_t v) { for (int i = 0; i < 4; i++) d[at + i] = (uint8_t)(v >> 8 * i); }
static void set64(uint8_t *d, size_t at, uint64_t v) { for (int i = 0; i < 8; i++) d[at + i] = (uint8_t)(v >> 8 * i); }

/* Ways to build the file differently (the catalogue cases that change its
 * structure rather than one field). */
enum variant {
    V_OK, V_EMPTY_KEY, V_DUP_KEY, V_ALIGN_U64, V_DUP_NAME, V_NAME_63, V_NAME_64, V_ALIGN_64
};

enum { KV_ARCH, KV_ALIGN, KV_U8, KV_I8, KV_U16, KV_I16, KV_U32, KV_I32, KV_F32, KV_BOOL,
       KV_U64, KV_I64, KV_F64, KV_STR, KV_ARR_I32, KV_ARR_STR, KV_N };
enum { T_F32, T_Q8, T_F16, T_N };

typedef struct layout {
    size_t kv[KV_N];       /* key length field */
    size_t kv_type[KV_N];  /* value type field */
    size_t kv_val[KV_N];   /* value (arrays: element type field) */
    size_t ti[T_N], ti_ndims[T_N], ti_ne[T_N], ti_type[T_N], ti_off[T_N];
    size_t data;
    uint64_t t_off[T_N], t_size[T_N];
} layout;

static const int64_t t_ne[T_N][2] = { { 8, 2 }, { 32, 2 }, { 4, 1 } };
static const uint32_t t_type[T_N] = { SLIM_TYPE_F32, SLIM_TYPE_Q8_0, SLIM_TYPE_F16 };
static const uint32_t t_ndims[T_N] = { 2, 2, 1 };

static void kv_head(gb *b, layout *L, int i, const char *key, uint32_t type)
{
    L->kv[i] = b->n;
    putstr(b, key);
    L->kv_type[i] = b->n;
    put32(b, type);
    L->kv_val[i] = b->n;
}

static uint8_t *build(enum variant v, size_t *size, layout *L)
{
    gb b = { 0 };
    memset(L, 0, sizeof *L);
    uint32_t align = v == V_ALIGN_64 ? 64 : 32;
    put(&b, "GGUF", 4);
    put32(&b, 3);
    put64(&b, T_N);
    put64(&b, KV_N);
    kv_head(&b, L, KV_ARCH, "general.architecture", 8); putstr(&b, "llama");
    if (v == V_ALIGN_U64) {
        kv_head(&b, L, KV_ALIGN, "general.alignment", 10); put64(&b, align);
    } else {
        kv_head(&b, L, KV_ALIGN, "general.alignment", 4); put32(&b, align);
    }
    kv_head(&b, L, KV_U8, v == V_EMPTY_KEY ? "" : "t.u8", 0); put(&b, "\x07", 1);
    kv_head(&b, L, KV_I8, "t.i8", 1); put(&b, "\xfe", 1);
    kv_head(&b, L, KV_U16, "t.u16", 2); put(&b, "\x34\x12", 2);
    kv_head(&b, L, KV_I16, "t.i16", 3); put(&b, "\x00\x80", 2);
    kv_head(&b, L, KV_U32, "t.u32", 4); put32(&b, 4000000000u);
    kv_head(&b, L, KV_I32, "t.i32", 5); put32(&b, (uint32_t)-5);
    kv_head(&b, L, KV_F32, "t.f32", 6); put32(&b, 0x3fc00000u); /* 1.5 */
    kv_head(&b, L, KV_BOOL, "t.bool", 7); put(&b, "\x01", 1);
    kv_head(&b, L, KV_U64, "t.u64", 10); put64(&b, UINT64_MAX);
    kv_head(&b, L, KV_I64, "t.i64", 11); put64(&b, (uint64_t)INT64_MIN);
    kv_head(&b, L, KV_F64, "t.f64", 12); put64(&b, 0xc004000000000000ull); /* -2.5 */
    kv_head(&b, L, KV_STR, v == V_DUP_KEY ? "t.u16" : "t.str", 8); putstr(&b, "hello");
    kv_head(&b, L, KV_ARR_I32, "t.arr_i32", 9);
    put32(&b, 5); put64(&b, 3); put32(&b, 1); put32(&b, (uint32_t)-2); put32(&b, 3);
    kv_head(&b, L, KV_ARR_STR, "t.arr_str", 9);
    put32(&b, 8); put64(&b, 3); putstr(&b, "a"); putstr(&b, "bc"); putstr(&b, "");

    static const char *names[T_N] = { "t.f32", "t.q8", "t.f16" };
    uint64_t off = 0;
    for (int t = 0; t < T_N; t++) {
        const char *nm = names[t];
        if (v == V_DUP_NAME && t == 1)
            nm = names[0];
        if ((v == V_NAME_63 || v == V_NAME_64) && t == 0)
            nm = v == V_NAME_63 ? "n23456789012345678901234567890123456789012345678901234567890123"
                                : "n234567890123456789012345678901234567890123456789012345678901234";
        L->ti[t] = b.n;
        putstr(&b, nm);
        L->ti_ndims[t] = b.n;
        put32(&b, t_ndims[t]);
        L->ti_ne[t] = b.n;
        for (uint32_t d = 0; d < t_ndims[t]; d++)
            put64(&b, (uint64_t)t_ne[t][d]);
        L->ti_type[t] = b.n;
        put32(&b, t_type[t]);
        L->ti_off[t] = b.n;
        put64(&b, off);
        L->t_off[t] = off;
        const slim_type_info *ti = slim_type_get((slim_type)t_type[t]);
        L->t_size[t] = (uint64_t)(t_ne[t][0] / ti->block_size * (int64_t)ti->block_bytes * t_ne[t][1]);
        off += (L->t_size[t] + align - 1) / align * align;
    }
    while (b.n % align)
        put(&b, "", 1);
    L->data = b.n;
    for (uint64_t i = 0; i < off; i++) {
        uint8_t x = (uint8_t)(i * 7 + 1);
        put(&b, &x, 1);
    }
    *size = b.n;
    return b.d;
}

/* Parses `d`, expecting error `err` at byte `offset`. */
static void expect(const uint8_t *d, size_t n, slim_error err, uint64_t offset)
{
    slim_gguf *g = (slim_gguf *)1;
    slim_parse_error pe = { 0 };
    slim_error e = slim_gguf_parse(d, n, &g, &pe);
    cr_assert_eq(e, err, "got %s (%d) at %llu (%s), want %s (%d) at %llu", slim_strerror(e), e,
                 (unsigned long long)pe.offset, pe.reason ? pe.reason : "-", slim_strerror(err),
                 err, (unsigned long long)offset);
    cr_assert_null(g);
    if (err != SLIM_OK) {
        cr_assert_eq(pe.offset, offset, "%s: offset %llu, want %llu (%s)", slim_strerror(e),
                     (unsigned long long)pe.offset, (unsigned long long)offset, pe.reason);
        cr_assert_not_null(pe.reason);
    }
}

/* Builds the valid file, lets `patch` break it, and checks the verdict. */
#define HOSTILE(name, variant, err, offset_expr, patch_stmt)          \
    Test(gguf_hostile, name)                                          \
    {                                                                 \
        size_t n;                                                     \
        layout L;                                                     \
        uint8_t *d = build(variant, &n, &L);                          \
        (void)L;                                                      \
        patch_stmt;                                                   \
        expect(d, n, err, (offset_expr));                             \
        free(d);                                                      \
    }

HOSTILE(bad_magic, V_OK, SLIM_ERR_BAD_MAGIC, 0, d[3] = 'X')
HOSTILE(short_magic, V_OK, SLIM_ERR_TRUNCATED, 0, n = 3)
HOSTILE(empty_file, V_OK, SLIM_ERR_TRUNCATED, 0, n = 0)
HOSTILE(version_0, V_OK, SLIM_ERR_BAD_VERSION, 4, set32(d, 4, 0))
HOSTILE(version_1, V_OK, SLIM_ERR_BAD_VERSION, 4, set32(d, 4, 1))
HOSTILE(version_future, V_OK, SLIM_ERR_BAD_VERSION, 4, set32(d, 4, 4))
HOSTILE(version_big_endian, V_OK, SLIM_ERR_BAD_VERSION, 4, set32(d, 4, 0x03000000u))
HOSTILE(version_truncated, V_OK, SLIM_ERR_TRUNCATED, 4, n = 6)
HOSTILE(counts_truncated, V_OK, SLIM_ERR_TRUNCATED, 8, n = 20)
HOSTILE(n_tensors_minus_1, V_OK, SLIM_ERR_TOO_LARGE, 8, set64(d, 8, UINT64_MAX))
HOSTILE(n_tensors_absurd, V_OK, SLIM_ERR_TOO_LARGE, 8, set64(d, 8, n / 24 + 1))
HOSTILE(n_kv_minus_1, V_OK, SLIM_ERR_TOO_LARGE, 16, set64(d, 16, UINT64_MAX))
HOSTILE(n_kv_absurd, V_OK, SLIM_ERR_TOO_LARGE, 16, set64(d, 16, 1ull << 40))
HOSTILE(key_length_past_end, V_OK, SLIM_ERR_TRUNCATED, L.kv[KV_I8], set64(d, L.kv[KV_I8], 1ull << 40))
HOSTILE(key_length_huge, V_OK, SLIM_ERR_TRUNCATED, L.kv[KV_ARCH], set64(d, L.kv[KV_ARCH], UINT64_MAX))
HOSTILE(empty_key, V_EMPTY_KEY, SLIM_ERR_CORRUPT, L.kv[KV_U8], (void)0)
HOSTILE(duplicate_key, V_DUP_KEY, SLIM_ERR_DUPLICATE, L.kv[KV_STR], (void)0)
HOSTILE(unknown_value_type, V_OK, SLIM_ERR_BAD_TYPE, L.kv_type[KV_U32], set32(d, L.kv_type[KV_U32], 13))
HOSTILE(negative_value_type, V_OK, SLIM_ERR_BAD_TYPE, L.kv_type[KV_U32], set32(d, L.kv_type[KV_U32], 0xFFFFFFFFu))
HOSTILE(nested_array, V_OK, SLIM_ERR_UNSUPPORTED, L.kv_val[KV_ARR_I32], set32(d, L.kv_val[KV_ARR_I32], 9))
HOSTILE(unknown_array_type, V_OK, SLIM_ERR_BAD_TYPE, L.kv_val[KV_ARR_I32], set32(d, L.kv_val[KV_ARR_I32], 77))
HOSTILE(string_past_end, V_OK, SLIM_ERR_TRUNCATED, L.kv_val[KV_STR], set64(d, L.kv_val[KV_STR], n))
HOSTILE(array_count_past_end, V_OK, SLIM_ERR_TRUNCATED, L.kv_val[KV_ARR_I32] + 4,
        set64(d, L.kv_val[KV_ARR_I32] + 4, 1ull << 62))
HOSTILE(string_array_count_absurd, V_OK, SLIM_ERR_TRUNCATED, L.kv_val[KV_ARR_STR] + 4,
        set64(d, L.kv_val[KV_ARR_STR] + 4, UINT64_MAX / 8))
HOSTILE(array_element_past_end, V_OK, SLIM_ERR_TRUNCATED, L.kv_val[KV_ARR_STR] + 12 + 9,
        set64(d, L.kv_val[KV_ARR_STR] + 12 + 9, 1ull << 33))
HOSTILE(bool_not_0_or_1, V_OK, SLIM_ERR_CORRUPT, L.kv_val[KV_BOOL], d[L.kv_val[KV_BOOL]] = 2)
HOSTILE(alignment_13, V_OK, SLIM_ERR_BAD_ALIGNMENT, L.kv_val[KV_ALIGN], set32(d, L.kv_val[KV_ALIGN], 13))
HOSTILE(alignment_0, V_OK, SLIM_ERR_BAD_ALIGNMENT, L.kv_val[KV_ALIGN], set32(d, L.kv_val[KV_ALIGN], 0))
HOSTILE(alignment_wrong_type, V_ALIGN_U64, SLIM_ERR_BAD_TYPE, L.kv[KV_ALIGN], (void)0)
HOSTILE(inconsistent_alignment, V_OK, SLIM_ERR_BAD_OFFSET, L.ti_off[T_F16], set32(d, L.kv_val[KV_ALIGN], 64))
HOSTILE(tensor_name_64, V_NAME_64, SLIM_ERR_TOO_LARGE, L.ti[T_F32], (void)0)
HOSTILE(tensor_name_past_end, V_OK, SLIM_ERR_TRUNCATED, L.ti[T_Q8], set64(d, L.ti[T_Q8], n))
HOSTILE(tensor_name_nul, V_OK, SLIM_ERR_CORRUPT, L.ti[T_Q8], d[L.ti[T_Q8] + 9] = 0)
HOSTILE(duplicate_tensor_name, V_DUP_NAME, SLIM_ERR_DUPLICATE, L.ti[T_Q8], (void)0)
HOSTILE(too_many_dims, V_OK, SLIM_ERR_TOO_LARGE, L.ti_ndims[T_F32], set32(d, L.ti_ndims[T_F32], 5))
HOSTILE(dims_minus_1, V_OK, SLIM_ERR_TOO_LARGE, L.ti_ndims[T_F32], set32(d, L.ti_ndims[T_F32], 0xFFFFFFFFu))
HOSTILE(negative_dim, V_OK, SLIM_ERR_SHAPE, L.ti_ne[T_F32] + 8, set64(d, L.ti_ne[T_F32] + 8, (uint64_t)-1))
HOSTILE(zero_dim, V_OK, SLIM_ERR_SHAPE, L.ti_ne[T_F32], set64(d, L.ti_ne[T_F32], 0))
HOSTILE(element_count_overflow, V_OK, SLIM_ERR_OVERFLOW, L.ti_ne[T_F32] + 8,
        set64(d, L.ti_ne[T_F32] + 8, 1ull << 61))
HOSTILE(byte_size_overflow, V_OK, SLIM_ERR_OVERFLOW, L.ti_type[T_F16],
        (set64(d, L.ti_ne[T_F16], 1ull << 61), set32(d, L.ti_type[T_F16], SLIM_TYPE_F64)))
HOSTILE(unknown_tensor_type, V_OK, SLIM_ERR_BAD_TYPE, L.ti_type[T_Q8], set32(d, L.ti_type[T_Q8], SLIM_TYPE_COUNT))
HOSTILE(retired_tensor_type, V_OK, SLIM_ERR_BAD_TYPE, L.ti_type[T_Q8], set32(d, L.ti_type[T_Q8], 4))
HOSTILE(negative_tensor_type, V_OK, SLIM_ERR_BAD_TYPE, L.ti_type[T_Q8], set32(d, L.ti_type[T_Q8], 0xFFFFFFFFu))
HOSTILE(ne0_not_block_multiple, V_OK, SLIM_ERR_SHAPE, L.ti_ne[T_Q8], set64(d, L.ti_ne[T_Q8], 48))
HOSTILE(offset_breaks_padding, V_OK, SLIM_ERR_BAD_OFFSET, L.ti_off[T_Q8], set64(d, L.ti_off[T_Q8], 65))
HOSTILE(overlapping_tensors, V_OK, SLIM_ERR_BAD_OFFSET, L.ti_off[T_Q8], set64(d, L.ti_off[T_Q8], 32))
HOSTILE(same_offset, V_OK, SLIM_ERR_BAD_OFFSET, L.ti_off[T_F16], set64(d, L.ti_off[T_F16], 0))
HOSTILE(tensor_data_past_end, V_OK, SLIM_ERR_TRUNCATED, L.ti_off[T_F16], set64(d, L.ti_off[T_F16], 1 << 20))
HOSTILE(tensor_end_overflow, V_OK, SLIM_ERR_OVERFLOW, L.ti_off[T_F32],
        set64(d, L.ti_off[T_F32], UINT64_MAX - 31))
HOSTILE(data_truncated, V_OK, SLIM_ERR_TRUNCATED, L.ti_off[T_F16],
        n = L.data + L.t_off[T_F16] + L.t_size[T_F16] - 1)
HOSTILE(data_section_missing, V_OK, SLIM_ERR_TRUNCATED, L.ti_off[T_F16] + 8, n = L.ti_off[T_F16] + 8)
/* ggml's DATA_MEM_SIZE_OVERFLOW: two I8 tensors whose sizes sum past 2^64. */
HOSTILE(huge_tensors, V_OK, SLIM_ERR_TRUNCATED, L.ti_off[T_F32],
        (set64(d, L.ti_ne[T_F32], 0x7FFFFFFFFFFFFFC0ull), set64(d, L.ti_ne[T_F32] + 8, 1),
         set32(d, L.ti_type[T_F32], SLIM_TYPE_I8)))

/* Every prefix of a valid file is rejected as truncated (or, while the
 * prefix cannot even hold the announced entries, as absurd counts). */
Test(gguf_hostile, every_prefix_is_truncated)
{
    size_t n;
    layout L;
    uint8_t *d = build(V_OK, &n, &L);
    /* The padding after the last tensor is optional. */
    size_t end = L.data + L.t_off[T_N - 1] + L.t_size[T_N - 1];
    for (size_t k = 0; k < end; k++) {
        uint8_t *p = malloc(k ? k : 1); /* exact size: ASan catches over-reads */
        memcpy(p, d, k);
        slim_gguf *g = NULL;
        slim_parse_error pe = { 0 };
        slim_error e = slim_gguf_parse(p, k, &g, &pe);
        int ok = e == SLIM_ERR_TRUNCATED ||
                 (e == SLIM_ERR_TOO_LARGE && (pe.offset == 8 || pe.offset == 16));
        cr_assert(ok, "prefix %zu: %s at %llu (%s)", k, slim_strerror(e),
                  (unsigned long long)pe.offset, pe.reason);
        cr_assert_leq(pe.offset, k);
        free(p);
    }
    free(d);
}

/* Every single-byte change in the header either parses or fails cleanly. */
Test(gguf_hostile, every_byte_flip_is_safe)
{
    size_t n;
    layout L;
    uint8_t *d = build(V_OK, &n, &L);
    uint8_t *p = malloc(n);
    for (size_t k = 0; k < L.data; k++) {
        static const uint8_t vals[] = { 0x00, 0x01, 0x7f, 0x80, 0xff };
        for (size_t v = 0; v < sizeof vals; v++) {
            memcpy(p, d, n);
            p[k] = vals[v];
            slim_gguf *g = NULL;
            slim_parse_error pe = { 0 };
            if (slim_gguf_parse(p, n, &g, &pe) == SLIM_OK)
                slim_gguf_close(g);
            else
                cr_assert(pe.reason && pe.offset <= n);
        }
    }
    free(p);
    free(d);
}

Test(gguf_hostile, name_63_bytes_is_fine)
{
    size_t n;
    layout L;
    uint8_t *d = build(V_NAME_63, &n, &L);
    slim_gguf *g = NULL;
    cr_assert_eq(slim_gguf_parse(d, n, &g, NULL), SLIM_OK);
    cr_assert_eq(strlen(slim_gguf_tensor_at(g, 0)->name), 63);
    slim_gguf_close(g);
    free(d);
}

/* ---- accessors on the valid file ---- */

Test(gguf_read, accessors)
{
    size_t n;
    layout L;
    uint8_t *d = build(V_OK, &n, &L);
    slim_gguf *g = NULL;
    slim_parse_error pe = { 0 };
    cr_assert_eq(slim_gguf_parse(d, n, &g, &pe), SLIM_OK, "%s at %llu", pe.reason,
                 (unsigned long long)pe.offset);
    cr_assert_eq(slim_gguf_version(g), 3);
    cr_assert_eq(slim_gguf_alignment(g), 32);
    cr_assert_eq(slim_gguf_data_offset(g), L.data);
    cr_assert_eq(slim_gguf_kv_count(g), KV_N);
    cr_assert_eq(slim_gguf_tensor_count(g), T_N);

    int64_t i;
    uint64_t u;
    double f;
    slim_string s;
    cr_assert_eq(slim_gguf_get_int(g, "t.u8", &i), SLIM_OK); cr_assert_eq(i, 7);
    cr_assert_eq(slim_gguf_get_int(g, "t.i8", &i), SLIM_OK); cr_assert_eq(i, -2);
    cr_assert_eq(slim_gguf_get_int(g, "t.u16", &i), SLIM_OK); cr_assert_eq(i, 0x1234);
    cr_assert_eq(slim_gguf_get_int(g, "t.i16", &i), SLIM_OK); cr_assert_eq(i, -32768);
    cr_assert_eq(slim_gguf_get_uint(g, "t.u32", &u), SLIM_OK); cr_assert_eq(u, 4000000000u);
    cr_assert_eq(slim_gguf_get_int(g, "t.i32", &i), SLIM_OK); cr_assert_eq(i, -5);
    cr_assert_eq(slim_gguf_get_uint(g, "t.i32", &u), SLIM_ERR_OVERFLOW);
    cr_assert_eq(slim_gguf_get_float(g, "t.f32", &f), SLIM_OK); cr_assert_eq(f, 1.5);
    cr_assert_eq(slim_gguf_get_int(g, "t.bool", &i), SLIM_OK); cr_assert_eq(i, 1);
    cr_assert_eq(slim_gguf_get_uint(g, "t.u64", &u), SLIM_OK); cr_assert_eq(u, UINT64_MAX);
    cr_assert_eq(slim_gguf_get_int(g, "t.u64", &i), SLIM_ERR_OVERFLOW);
    cr_assert_eq(slim_gguf_get_int(g, "t.i64", &i), SLIM_OK); cr_assert_eq(i, INT64_MIN);
    cr_assert_eq(slim_gguf_get_float(g, "t.f64", &f), SLIM_OK); cr_assert_eq(f, -2.5);
    cr_assert_eq(slim_gguf_get_str(g, "t.str", &s), SLIM_OK);
    cr_assert(s.len == 5 && memcmp(s.data, "hello", 5) == 0);
    cr_assert_eq(slim_gguf_get_str(g, "t.u8", &s), SLIM_ERR_BAD_TYPE);
    cr_assert_eq(slim_gguf_get_float(g, "t.u8", &f), SLIM_ERR_BAD_TYPE);
    cr_assert_eq(slim_gguf_get_int(g, "no.such.key", &i), SLIM_ERR_NOT_FOUND);
    cr_assert_eq(slim_gguf_get_int(g, "t.arr_i32", &i), SLIM_ERR_BAD_TYPE);

    const slim_gguf_kv *kv = slim_gguf_find_kv(g, "t.arr_i32");
    cr_assert(kv && kv->type == SLIM_GGUF_ARRAY && kv->elem_type == SLIM_GGUF_I32 && kv->count == 3);
    cr_assert_eq(kv->offset, L.kv[KV_ARR_I32]);
    cr_assert_eq(slim_gguf_kv_int(g, kv, 1, &i), SLIM_OK); cr_assert_eq(i, -2);
    cr_assert_eq(slim_gguf_kv_int(g, kv, 3, &i), SLIM_ERR_INVALID_ARG);
    cr_assert_not_null(slim_gguf_kv_data(g, kv));
    kv = slim_gguf_find_kv(g, "t.arr_str");
    cr_assert(kv && kv->elem_type == SLIM_GGUF_STRING && kv->count == 3);
    cr_assert_eq(slim_gguf_kv_str(g, kv, 1, &s), SLIM_OK);
    cr_assert(s.len == 2 && memcmp(s.data, "bc", 2) == 0);
    cr_assert_eq(slim_gguf_kv_str(g, kv, 2, &s), SLIM_OK); cr_assert_eq(s.len, 0);
    cr_assert_null(slim_gguf_kv_data(g, kv));
    cr_assert_str_eq(slim_gguf_type_name(SLIM_GGUF_STRING), "string");

    for (int t = 0; t < T_N; t++) {
        const slim_gguf_tensor *ti = slim_gguf_tensor_at(g, (uint64_t)t);
        cr_assert_eq(ti, slim_gguf_find_tensor(g, ti->name));
        cr_assert_eq((uint32_t)ti->type, t_type[t]);
        cr_assert_eq((uint32_t)ti->n_dims, t_ndims[t]);
        cr_assert_eq(ti->ne[0], t_ne[t][0]);
        cr_assert_eq(ti->ne[1], t_ne[t][1]);
        cr_assert_eq(ti->ne[2], 1);
        cr_assert_eq(ti->offset, L.t_off[t]);
        cr_assert_eq(ti->size, L.t_size[t]);
        cr_assert_eq((const uint8_t *)ti->data, d + L.data + L.t_off[t]);
    }
    cr_assert_null(slim_gguf_find_tensor(g, "t.none"));
    cr_assert_null(slim_gguf_tensor_at(g, T_N));
    slim_gguf_close(g);
    slim_gguf_close(NULL);
    free(d);
}

Test(gguf_read, version_2_and_empty_file)
{
    size_t n;
    layout L;
    uint8_t *d = build(V_OK, &n, &L);
    set32(d, 4, 2);
    slim_gguf *g = NULL;
    cr_assert_eq(slim_gguf_parse(d, n, &g, NULL), SLIM_OK);
    cr_assert_eq(slim_gguf_version(g), 2);
    slim_gguf_close(g);
    /* A header with nothing in it is a valid GGUF file. */
    set64(d, 8, 0);
    set64(d, 16, 0);
    cr_assert_eq(slim_gguf_parse(d, 24, &g, NULL), SLIM_OK);
    cr_assert_eq(slim_gguf_tensor_count(g), 0);
    slim_gguf_close(g);
    free(d);
}

/* ---- writer ---- */

static char *tmp_path(const char *name)
{
    char *p = malloc(256);
    snprintf(p, 256, "/tmp/slim-test-%ld-%s", (long)getpid(), name);
    return p;
}

static void read_all(const char *path, uint8_t **d, size_t *n)
{
    *d = test_read_file(path, n);
    cr_assert_not_null(*d, "cannot read %s", path);
}

Test(gguf_write, round_trip_every_type)
{
    char *path = tmp_path("rt.gguf");
    slim_gguf_writer *w = NULL;
    cr_assert_eq(slim_gguf_writer_open(path, &w), SLIM_OK);
    uint8_t u8 = 200; int8_t i8 = -100; uint16_t u16 = 65000; int16_t i16 = -30000;
    uint32_t u32 = 3000000000u; int32_t i32 = -2000000000; float f32 = 0.25f; uint8_t b = 1;
    uint64_t u64 = 1ull << 63; int64_t i64 = -(1ll << 62); double f64 = 1e300;
    slim_string str = { "text", 4 };
    uint32_t align = 64;
    cr_assert_eq(slim_gguf_writer_add_kv(w, "general.alignment", SLIM_GGUF_U32, &align), SLIM_OK);
    cr_assert_eq(slim_gguf_writer_add_kv(w, "k.u8", SLIM_GGUF_U8, &u8), SLIM_OK);
    cr_assert_eq(slim_gguf_writer_add_kv(w, "k.i8", SLIM_GGUF_I8, &i8), SLIM_OK);
    cr_assert_eq(slim_gguf_writer_add_kv(w, "k.u16", SLIM_GGUF_U16, &u16), SLIM_OK);
    cr_assert_eq(slim_gguf_writer_add_kv(w, "k.i16", SLIM_GGUF_I16, &i16), SLIM_OK);
    cr_assert_eq(slim_gguf_writer_add_kv(w, "k.u32", SLIM_GGUF_U32, &u32), SLIM_OK);
    cr_assert_eq(slim_gguf_writer_add_kv(w, "k.i32", SLIM_GGUF_I32, &i32), SLIM_OK);
    cr_assert_eq(slim_gguf_writer_add_kv(w, "k.f32", SLIM_GGUF_F32, &f32), SLIM_OK);
    cr_assert_eq(slim_gguf_writer_add_kv(w, "k.bool", SLIM_GGUF_BOOL, &b), SLIM_OK);
    cr_assert_eq(slim_gguf_writer_add_kv(w, "k.u64", SLIM_GGUF_U64, &u64), SLIM_OK);
    cr_assert_eq(slim_gguf_writer_add_kv(w, "k.i64", SLIM_GGUF_I64, &i64), SLIM_OK);
    cr_assert_eq(slim_gguf_writer_add_kv(w, "k.f64", SLIM_GGUF_F64, &f64), SLIM_OK);
    cr_assert_eq(slim_gguf_writer_add_kv(w, "k.str", SLIM_GGUF_STRING, &str), SLIM_OK);
    int16_t arr[3] = { -1, 2, -3 };
    slim_string strs[2] = { { "x", 1 }, { "", 0 } };
    cr_assert_eq(slim_gguf_writer_add_array(w, "k.arr", SLIM_GGUF_I16, arr, 3), SLIM_OK);
    cr_assert_eq(slim_gguf_writer_add_array(w, "k.strs", SLIM_GGUF_STRING, strs, 2), SLIM_OK);
    cr_assert_eq(slim_gguf_writer_add_array(w, "k.nest", SLIM_GGUF_ARRAY, arr, 1), SLIM_ERR_UNSUPPORTED);
    cr_assert_eq(slim_gguf_writer_add_kv(w, "k.u8", SLIM_GGUF_U8, &u8), SLIM_ERR_DUPLICATE);
    cr_assert_eq(slim_gguf_writer_add_kv(w, "", SLIM_GGUF_U8, &u8), SLIM_ERR_INVALID_ARG);

    int64_t ne_a[2] = { 64, 3 }, ne_b[1] = { 5 }, ne_bad[1] = { 33 };
    cr_assert_eq(slim_gguf_writer_add_tensor(w, "a", SLIM_TYPE_Q4_0, 2, ne_a), SLIM_OK);
    cr_assert_eq(slim_gguf_writer_add_tensor(w, "b", SLIM_TYPE_F32, 1, ne_b), SLIM_OK);
    cr_assert_eq(slim_gguf_writer_add_tensor(w, "b", SLIM_TYPE_F32, 1, ne_b), SLIM_ERR_DUPLICATE);
    cr_assert_eq(slim_gguf_writer_add_tensor(w, "c", SLIM_TYPE_Q4_0, 1, ne_bad), SLIM_ERR_SHAPE);
    size_t bytes = 2 * 3 * 18 + 5 * 4;
    uint8_t *data = malloc(bytes);
    for (size_t k = 0; k < bytes; k++)
        data[k] = (uint8_t)(k * 13 + 5);
    /* Uneven pieces that straddle the tensor boundary. */
    cr_assert_eq(slim_gguf_writer_write(w, data, 7), SLIM_OK);
    cr_assert_eq(slim_gguf_writer_write(w, data + 7, 110), SLIM_OK);
    cr_assert_eq(slim_gguf_writer_write(w, data + 117, bytes - 117), SLIM_OK);
    cr_assert_eq(slim_gguf_writer_write(w, data, 1), SLIM_ERR_INVALID_ARG);
    cr_assert_eq(slim_gguf_writer_finish(w), SLIM_OK);

    slim_gguf *g = NULL;
    slim_parse_error pe = { 0 };
    cr_assert_eq(slim_gguf_open(path, &g, &pe), SLIM_OK, "%s at %llu", pe.reason,
                 (unsigned long long)pe.offset);
    cr_assert_eq(slim_gguf_alignment(g), 64);
    cr_assert_eq(slim_gguf_data_offset(g) % 64, 0);
    int64_t i;
    uint64_t u;
    double f;
    slim_string s;
    cr_assert(!slim_gguf_get_uint(g, "k.u8", &u) && u == 200);
    cr_assert(!slim_gguf_get_int(g, "k.i8", &i) && i == -100);
    cr_assert(!slim_gguf_get_uint(g, "k.u16", &u) && u == 65000);
    cr_assert(!slim_gguf_get_int(g, "k.i16", &i) && i == -30000);
    cr_assert(!slim_gguf_get_uint(g, "k.u32", &u) && u == 3000000000u);
    cr_assert(!slim_gguf_get_int(g, "k.i32", &i) && i == -2000000000);
    cr_assert(!slim_gguf_get_float(g, "k.f32", &f) && f == 0.25);
    cr_assert(!slim_gguf_get_int(g, "k.bool", &i) && i == 1);
    cr_assert(!slim_gguf_get_uint(g, "k.u64", &u) && u == 1ull << 63);
    cr_assert(!slim_gguf_get_int(g, "k.i64", &i) && i == -(1ll << 62));
    cr_assert(!slim_gguf_get_float(g, "k.f64", &f) && f == 1e300);
    cr_assert(!slim_gguf_get_str(g, "k.str", &s) && s.len == 4 && !memcmp(s.data, "text", 4));
    const slim_gguf_kv *kv = slim_gguf_find_kv(g, "k.arr");
    cr_assert(kv && kv->count == 3 && !slim_gguf_kv_int(g, kv, 2, &i) && i == -3);
    kv = slim_gguf_find_kv(g, "k.strs");
    cr_assert(kv && kv->count == 2 && !slim_gguf_kv_str(g, kv, 0, &s) && s.len == 1 && s.data[0] == 'x');
    const slim_gguf_tensor *ta = slim_gguf_find_tensor(g, "a"), *tb = slim_gguf_find_tensor(g, "b");
    cr_assert(ta && tb && ta->type == SLIM_TYPE_Q4_0 && ta->n_dims == 2 && ta->ne[1] == 3);
    cr_assert_eq(ta->size, 108);
    cr_assert_eq(tb->offset, 128);
    cr_assert_eq(memcmp(ta->data, data, 108), 0);
    cr_assert_eq(memcmp(tb->data, data + 108, 20), 0);
    slim_gguf_close(g);
    free(data);
    unlink(path);
    free(path);
}

Test(gguf_write, abort_and_missing_data_leave_nothing)
{
    char *path = tmp_path("abort.gguf");
    unlink(path);
    slim_gguf_writer *w = NULL;
    int64_t ne[1] = { 4 };
    cr_assert_eq(slim_gguf_writer_open(path, &w), SLIM_OK);
    cr_assert_eq(slim_gguf_writer_add_tensor(w, "t", SLIM_TYPE_F32, 1, ne), SLIM_OK);
    cr_assert_eq(slim_gguf_writer_write(w, "abcd", 4), SLIM_OK);
    cr_assert_eq(slim_gguf_writer_finish(w), SLIM_ERR_INVALID_ARG);
    cr_assert_neq(access(path, F_OK), 0);
    cr_assert_eq(slim_gguf_writer_open(path, &w), SLIM_OK);
    slim_gguf_writer_abort(w);
    slim_gguf_writer_abort(NULL);
    cr_assert_neq(access(path, F_OK), 0);
    /* No temporary file is left in the folder either. */
    DIR *dir = opendir("/tmp");
    struct dirent *de;
    const char *base = strrchr(path, '/') + 1;
    while ((de = readdir(dir)))
        cr_assert_neq(strncmp(de->d_name, base, strlen(base)), 0, "left %s", de->d_name);
    closedir(dir);
    free(path);
}

/* ---- real files ---- */

static int list_gguf(const char *dir, char names[][512], int max)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (!d)
        return 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < max) {
        size_t l = strlen(de->d_name);
        if (l > 5 && strcmp(de->d_name + l - 5, ".gguf") == 0)
            snprintf(names[n++], 512, "%s/%s", dir, de->d_name);
    }
    closedir(d);
    return n;
}

/* Rewrites `g` through the writer (metadata copied, tensors streamed). */
static void rewrite(const slim_gguf *g, const char *out)
{
    slim_gguf_writer *w = NULL;
    cr_assert_eq(slim_gguf_writer_open(out, &w), SLIM_OK);
    for (uint64_t i = 0; i < slim_gguf_kv_count(g); i++)
        cr_assert_eq(slim_gguf_writer_copy_kv(w, g, slim_gguf_kv_at(g, i)), SLIM_OK);
    for (uint64_t i = 0; i < slim_gguf_tensor_count(g); i++) {
        const slim_gguf_tensor *t = slim_gguf_tensor_at(g, i);
        cr_assert_eq(slim_gguf_writer_add_tensor(w, t->name, t->type, t->n_dims ? t->n_dims : 1, t->ne),
                     SLIM_OK);
    }
    for (uint64_t i = 0; i < slim_gguf_tensor_count(g); i++) {
        const slim_gguf_tensor *t = slim_gguf_tensor_at(g, i);
        cr_assert_eq(slim_gguf_writer_write(w, t->data, (size_t)t->size), SLIM_OK);
    }
    cr_assert_eq(slim_gguf_writer_finish(w), SLIM_OK);
}

Test(gguf_real, every_shared_file_reads_and_rewrites_byte_identical)
{
    const char *root = test_data_dir();
    if (!root)
        cr_skip("shared data not found (set SLIM_SHARED_DATA or provide ../shared/data)");
    static char names[64][512];
    char dir[512];
    int n = 0;
    snprintf(dir, sizeof dir, "%s/models", root);
    n += list_gguf(dir, names + n, 64 - n);
    snprintf(dir, sizeof dir, "%s/models/stories260K-gguf-llamacpp", root);
    n += list_gguf(dir, names + n, 64 - n);
    snprintf(dir, sizeof dir, "%s/models/synth-llama-a/gguf", root);
    n += list_gguf(dir, names + n, 64 - n);
    snprintf(dir, sizeof dir, "%s/models/synth-llama-a/imatrix", root);
    n += list_gguf(dir, names + n, 64 - n);
    cr_assert_geq(n, 10, "expected the shared GGUF files, found %d", n);
    char *out = tmp_path("rewrite.gguf");
    for (int k = 0; k < n; k++) {
        slim_gguf *g = NULL;
        slim_parse_error pe = { 0 };
        slim_error e = slim_gguf_open(names[k], &g, &pe);
        cr_assert_eq(e, SLIM_OK, "%s: %s at %llu (%s)", names[k], slim_strerror(e),
                     (unsigned long long)pe.offset, pe.reason);
        rewrite(g, out);
        slim_gguf_close(g);
        uint8_t *a, *b;
        size_t na, nb;
        read_all(names[k], &a, &na);
        read_all(out, &b, &nb);
        cr_assert(na == nb && memcmp(a, b, na) == 0, "%s: rewrite differs (%zu vs %zu bytes)",
                  names[k], na, nb);
        free(a);
        free(b);
    }
    unlink(out);
    free(out);
}

/* The tensor tables llama.cpp listed for synth-llama-a (.tsv) match. */
Test(gguf_real, synth_tables_match_tsv)
{
    const char *root = test_data_dir();
    if (!root)
        cr_skip("shared data not found (set SLIM_SHARED_DATA or provide ../shared/data)");
    static char names[64][512];
    char dir[512];
    snprintf(dir, sizeof dir, "%s/models/synth-llama-a/gguf", root);
    int n = list_gguf(dir, names, 64);
    cr_assert_geq(n, 1);
    for (int k = 0; k < n; k++) {
        char tsv[600];
        snprintf(tsv, sizeof tsv, "%.*s.tsv", (int)(strlen(names[k]) - 5), names[k]);
        FILE *f = fopen(tsv, "r");
        cr_assert_not_null(f, "%s", tsv);
        slim_gguf *g = NULL;
        cr_assert_eq(slim_gguf_open(names[k], &g, NULL), SLIM_OK);
        char line[1024];
        int rows = 0;
        cr_assert_not_null(fgets(line, sizeof line, f)); /* column names */
        while (fgets(line, sizeof line, f)) {
            unsigned long long idx, nel, off, nbytes;
            char name[128], type[32], ne[64], shape[64];
            int tid;
            cr_assert_eq(sscanf(line, "%llu %127s %31s %d %63s %63s %llu %llu %llu", &idx, name,
                                type, &tid, ne, shape, &nel, &off, &nbytes), 9, "%s", line);
            const slim_gguf_tensor *t = slim_gguf_tensor_at(g, idx);
            cr_assert_not_null(t);
            cr_assert_str_eq(t->name, name);
            cr_assert_eq((int)t->type, tid);
            cr_assert_eq(t->offset, off);
            cr_assert_eq(t->size, nbytes);
            char buf[64];
            int len = snprintf(buf, sizeof buf, "%lld", (long long)t->ne[0]);
            for (int dd = 1; dd < t->n_dims; dd++)
                len += snprintf(buf + len, sizeof buf - (size_t)len, "x%lld", (long long)t->ne[dd]);
            cr_assert_str_eq(buf, ne);
            rows++;
        }
        cr_assert_eq((uint64_t)rows, slim_gguf_tensor_count(g));
        fclose(f);
        slim_gguf_close(g);
    }
}

/* ---- split models ---- */

typedef struct split_opts {
    int wrong_no_in;    /* file whose split.no is off by one, or -1 */
    int total_delta;    /* added to split.tensors.count */
    int dup_in_last;    /* the last file repeats the first tensor */
} split_opts;

static void split_name(char *buf, size_t size, const char *prefix, int i, int n)
{
    snprintf(buf, size, "%s-%05d-of-%05d.gguf", prefix, i + 1, n);
}

/* Writes `src` as 3 files PREFIX-0000k-of-00003.gguf, metadata in the first. */
static void write_split(const slim_gguf *src, const char *prefix, split_opts o)
{
    uint64_t nt = slim_gguf_tensor_count(src);
    uint64_t cut[4] = { 0, nt / 3, 2 * nt / 3, nt };
    for (int f = 0; f < 3; f++) {
        char path[512];
        split_name(path, sizeof path, prefix, f, 3);
        slim_gguf_writer *w = NULL;
        cr_assert_eq(slim_gguf_writer_open(path, &w), SLIM_OK);
        uint16_t no = (uint16_t)(f + (o.wrong_no_in == f)), count = 3;
        int32_t total = (int32_t)nt + o.total_delta;
        cr_assert_eq(slim_gguf_writer_add_kv(w, "split.no", SLIM_GGUF_U16, &no), SLIM_OK);
        cr_assert_eq(slim_gguf_writer_add_kv(w, "split.count", SLIM_GGUF_U16, &count), SLIM_OK);
        cr_assert_eq(slim_gguf_writer_add_kv(w, "split.tensors.count", SLIM_GGUF_I32, &total), SLIM_OK);
        for (uint64_t i = 0; f == 0 && i < slim_gguf_kv_count(src); i++)
            cr_assert_eq(slim_gguf_writer_copy_kv(w, src, slim_gguf_kv_at(src, i)), SLIM_OK);
        uint64_t lo = cut[f], hi = cut[f + 1];
        int dup = o.dup_in_last && f == 2;
        const slim_gguf_tensor *t;
        if (dup) {
            t = slim_gguf_tensor_at(src, 0);
            cr_assert_eq(slim_gguf_writer_add_tensor(w, t->name, t->type, t->n_dims, t->ne), SLIM_OK);
        }
        for (uint64_t i = lo; i < hi; i++) {
            t = slim_gguf_tensor_at(src, i);
            cr_assert_eq(slim_gguf_writer_add_tensor(w, t->name, t->type, t->n_dims, t->ne), SLIM_OK);
        }
        if (dup) {
            t = slim_gguf_tensor_at(src, 0);
            cr_assert_eq(slim_gguf_writer_write(w, t->data, (size_t)t->size), SLIM_OK);
        }
        for (uint64_t i = lo; i < hi; i++) {
            t = slim_gguf_tensor_at(src, i);
            cr_assert_eq(slim_gguf_writer_write(w, t->data, (size_t)t->size), SLIM_OK);
        }
        cr_assert_eq(slim_gguf_writer_finish(w), SLIM_OK);
    }
}

static void remove_split(const char *prefix)
{
    for (int f = 0; f < 3; f++) {
        char path[512];
        split_name(path, sizeof path, prefix, f, 3);
        unlink(path);
    }
}

static slim_gguf *open_source(void)
{
    const char *root = test_data_dir();
    if (!root)
        cr_skip("shared data not found (set SLIM_SHARED_DATA or provide ../shared/data)");
    char p[512];
    snprintf(p, sizeof p,
             "%s/models/stories260K-gguf-llamacpp/stories260K-hf-convert_hf_to_gguf-q8_0.gguf", root);
    slim_gguf *g = NULL;
    cr_assert_eq(slim_gguf_open(p, &g, NULL), SLIM_OK);
    return g;
}

static void split_case(split_opts o, int remove_file, slim_error want, int want_file,
                       const char *want_key)
{
    slim_gguf *src = open_source();
    char prefix[256];
    snprintf(prefix, sizeof prefix, "/tmp/slim-test-%ld-split", (long)getpid());
    write_split(src, prefix, o);
    char path[512];
    if (remove_file >= 0) {
        split_name(path, sizeof path, prefix, remove_file, 3);
        unlink(path);
    }
    split_name(path, sizeof path, prefix, 1, 3); /* open through the middle file */
    slim_gguf_split *s = NULL;
    slim_parse_error pe = { 0 };
    slim_error e = slim_gguf_split_open(path, &s, &pe);
    cr_assert_eq(e, want, "got %s (%s), want %s", slim_strerror(e), e ? pe.reason : "-",
                 slim_strerror(want));
    if (e == SLIM_OK) {
        cr_assert_eq(slim_gguf_split_file_count(s), 3);
        cr_assert_eq(slim_gguf_split_tensor_count(s), slim_gguf_tensor_count(src));
        for (uint64_t i = 0; i < slim_gguf_tensor_count(src); i++) {
            const slim_gguf_tensor *a = slim_gguf_tensor_at(src, i);
            int file = -1;
            const slim_gguf_tensor *b = slim_gguf_split_find_tensor(s, a->name, &file);
            cr_assert(b && file >= 0 && file < 3);
            cr_assert_eq(b, slim_gguf_split_tensor_at(s, i, NULL));
            cr_assert(a->type == b->type && a->size == b->size && !memcmp(a->data, b->data, (size_t)a->size));
        }
        slim_string arch;
        cr_assert_eq(slim_gguf_get_str(slim_gguf_split_file(s, 0), "general.architecture", &arch), SLIM_OK);
    } else {
        cr_assert_eq(pe.file, want_file);
        if (want_key) {
            split_name(path, sizeof path, prefix, want_file, 3);
            slim_gguf *g = NULL;
            cr_assert_eq(slim_gguf_open(path, &g, NULL), SLIM_OK);
            cr_assert_eq(pe.offset, slim_gguf_find_kv(g, want_key)->offset);
            slim_gguf_close(g);
        }
    }
    slim_gguf_split_close(s);
    remove_split(prefix);
    slim_gguf_close(src);
}

Test(gguf_split, reads_as_one_model) { split_case((split_opts){ -1, 0, 0 }, -1, SLIM_OK, 0, NULL); }
Test(gguf_split, missing_file) { split_case((split_opts){ -1, 0, 0 }, 2, SLIM_ERR_IO, 2, NULL); }
Test(gguf_split, wrong_split_no) { split_case((split_opts){ 2, 0, 0 }, -1, SLIM_ERR_CORRUPT, 2, "split.no"); }
Test(gguf_split, wrong_tensor_count)
{
    split_case((split_opts){ -1, 1, 0 }, -1, SLIM_ERR_CORRUPT, 0, "split.tensors.count");
}
Test(gguf_split, tensor_in_two_files) { split_case((split_opts){ -1, 1, 1 }, -1, SLIM_ERR_DUPLICATE, 2, NULL); }

Test(gguf_split, single_file_is_a_model_of_one)
{
    slim_gguf *src = open_source();
    slim_gguf_close(src);
    char p[512];
    snprintf(p, sizeof p,
             "%s/models/stories260K-gguf-llamacpp/stories260K-hf-convert_hf_to_gguf-q8_0.gguf",
             test_data_dir());
    slim_gguf_split *s = NULL;
    cr_assert_eq(slim_gguf_split_open(p, &s, NULL), SLIM_OK);
    cr_assert_eq(slim_gguf_split_file_count(s), 1);
    cr_assert_eq(slim_gguf_split_tensor_count(s), 47);
    slim_gguf_split_close(s);
    slim_gguf_split_close(NULL);
}

Test(gguf_split, name_must_match_keys)
{
    slim_gguf *src = open_source();
    char prefix[256], a[512], b[512];
    snprintf(prefix, sizeof prefix, "/tmp/slim-test-%ld-split", (long)getpid());
    write_split(src, prefix, (split_opts){ -1, 0, 0 });
    split_name(a, sizeof a, prefix, 0, 3);
    snprintf(b, sizeof b, "%s-renamed.gguf", prefix);
    cr_assert_eq(rename(a, b), 0);
    slim_gguf_split *s = NULL;
    slim_parse_error pe = { 0 };
    cr_assert_eq(slim_gguf_split_open(b, &s, &pe), SLIM_ERR_CORRUPT);
    cr_assert_eq(pe.offset, 0);
    unlink(b);
    remove_split(prefix);
    slim_gguf_close(src);
}

Test(gguf_read, every_failure_has_a_reason)
{
    slim_gguf *g = NULL;
    slim_parse_error pe = { 99, "stale", 7 };
    cr_assert_eq(slim_gguf_parse(NULL, 5, &g, &pe), SLIM_ERR_INVALID_ARG);
    cr_assert(pe.reason && strcmp(pe.reason, "stale") != 0 && pe.offset == 0 && pe.file == 0);
    cr_assert_eq(slim_gguf_open("/nonexistent/x.gguf", &g, &pe), SLIM_ERR_IO);
    cr_assert_not_null(pe.reason);
    uint8_t ok[24] = { 'G', 'G', 'U', 'F', 3 };
    pe.reason = "stale";
    cr_assert_eq(slim_gguf_parse(ok, sizeof ok, &g, &pe), SLIM_OK);
    cr_assert_null(pe.reason);
    slim_gguf_close(g);
}

/* Thousands of keys and tensors: the writer's name sets grow and still
 * catch duplicates; the reader indexes them all. */
Test(gguf_write, many_keys_and_tensors)
{
    char *path = tmp_path("many.gguf");
    slim_gguf_writer *w = NULL;
    cr_assert_eq(slim_gguf_writer_open(path, &w), SLIM_OK);
    enum { N = 3000 };
    char name[64];
    for (uint32_t i = 0; i < N; i++) {
        snprintf(name, sizeof name, "key.%u", i);
        cr_assert_eq(slim_gguf_writer_add_kv(w, name, SLIM_GGUF_U32, &i), SLIM_OK);
        int64_t ne[1] = { 1 + i % 5 };
        snprintf(name, sizeof name, "tensor.%u", i);
        cr_assert_eq(slim_gguf_writer_add_tensor(w, name, SLIM_TYPE_I8, 1, ne), SLIM_OK);
    }
    uint32_t v = 0;
    cr_assert_eq(slim_gguf_writer_add_kv(w, "key.1234", SLIM_GGUF_U32, &v), SLIM_ERR_DUPLICATE);
    int64_t one[1] = { 1 };
    cr_assert_eq(slim_gguf_writer_add_tensor(w, "tensor.2999", SLIM_TYPE_I8, 1, one), SLIM_ERR_DUPLICATE);
    for (uint32_t i = 0; i < N; i++) {
        uint8_t d[5] = { (uint8_t)i, 1, 2, 3, 4 };
        cr_assert_eq(slim_gguf_writer_write(w, d, 1 + i % 5), SLIM_OK);
    }
    cr_assert_eq(slim_gguf_writer_finish(w), SLIM_OK);
    slim_gguf *g = NULL;
    cr_assert_eq(slim_gguf_open(path, &g, NULL), SLIM_OK);
    cr_assert_eq(slim_gguf_kv_count(g), N);
    cr_assert_eq(slim_gguf_tensor_count(g), N);
    uint64_t u;
    cr_assert(!slim_gguf_get_uint(g, "key.2718", &u) && u == 2718);
    const slim_gguf_tensor *t = slim_gguf_find_tensor(g, "tensor.1001");
    cr_assert(t && t->size == 1 + 1001 % 5 && ((const uint8_t *)t->data)[0] == (uint8_t)1001);
    slim_gguf_close(g);
    unlink(path);
    free(path);
}
