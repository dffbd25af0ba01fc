/*
 * The kernel tables, built from the lists in simd/kernels.h, and the lookup
 * with fallback to narrower paths. The tables are constant: no state, no
 * locking; the current path itself is chosen once in simd/cpu.c.
 */
#include "simd/kernels.h"

#include <stddef.h>

typedef struct {
    slim_quantize_row_fn quantize[SLIM_PATH_COUNT];
    slim_dequantize_row_fn dequantize[SLIM_PATH_COUNT];
} kernel_row;

#define REF_ENTRY(t, T) \
    [SLIM_TYPE_##T].quantize[SLIM_PATH_SCALAR] = slim_quantize_row_##t##_ref, \
    [SLIM_TYPE_##T].dequantize[SLIM_PATH_SCALAR] = slim_dequantize_row_##t##_ref,

/* Designated initializers may name the same element more than once only
 * for distinct members, so each path fills its own slots. */
static const kernel_row table[SLIM_TYPE_COUNT] = {
    SLIM_KERNEL_TYPES(REF_ENTRY)
};

/* Vector entries are filled per path by small functions, because the
 * designated-initializer form cannot look the SLIM_TYPE_ value up from the
 * lower-case name alone. */
typedef struct { slim_quantize_row_fn q; slim_dequantize_row_fn d; slim_type type; } vec_entry;

#define NAME_TO_TYPE(t, T) type_of_##t = SLIM_TYPE_##T,
enum { SLIM_KERNEL_TYPES(NAME_TO_TYPE) type_of_end_ };

#if defined(__x86_64__)
#define Q_AVX2(t)   { slim_quantize_row_##t##_avx2, NULL, (slim_type)type_of_##t },
#define D_AVX2(t)   { NULL, slim_dequantize_row_##t##_avx2, (slim_type)type_of_##t },
#define Q_AVX512(t) { slim_quantize_row_##t##_avx512, NULL, (slim_type)type_of_##t },
#define D_AVX512(t) { NULL, slim_dequantize_row_##t##_avx512, (slim_type)type_of_##t },
static const vec_entry avx2_entries[] = {
    SLIM_AVX2_QUANTIZE(Q_AVX2) SLIM_AVX2_DEQUANTIZE(D_AVX2) { NULL, NULL, SLIM_TYPE_COUNT }
};
static const vec_entry avx512_entries[] = {
    SLIM_AVX512_QUANTIZE(Q_AVX512) SLIM_AVX512_DEQUANTIZE(D_AVX512) { NULL, NULL, SLIM_TYPE_COUNT }
};
#endif
#if defined(__aarch64__)
#define Q_NEON(t) { slim_quantize_row_##t##_neon, NULL, (slim_type)type_of_##t },
#define D_NEON(t) { NULL, slim_dequantize_row_##t##_neon, (slim_type)type_of_##t },
static const vec_entry neon_entries[] = {
    SLIM_NEON_QUANTIZE(Q_NEON) SLIM_NEON_DEQUANTIZE(D_NEON) { NULL, NULL, SLIM_TYPE_COUNT }
};
#endif

static const vec_entry *entries_for(slim_path path)
{
    switch (path) {
#if defined(__x86_64__)
    case SLIM_PATH_AVX2: return avx2_entries;
    case SLIM_PATH_AVX512: return avx512_entries;
#endif
#if defined(__aarch64__)
    case SLIM_PATH_NEON: return neon_entries;
#endif
    default: return NULL;
    }
}

/* The path to try after `path` when it has no kernel of its own. */
static int narrower(slim_path path)
{
    switch (path) {
    case SLIM_PATH_AVX512: return SLIM_PATH_AVX2;
    case SLIM_PATH_AVX2:
    case SLIM_PATH_NEON: return SLIM_PATH_SCALAR;
    default: return -1;
    }
}

static const vec_entry *find(slim_path path, slim_type type, int want_quantize)
{
    const vec_entry *e = entries_for(path);
    for (; e && e->type != SLIM_TYPE_COUNT; e++)
        if (e->type == type && (want_quantize ? e->q != NULL : e->d != NULL))
            return e;
    return NULL;
}

slim_quantize_row_fn slim_quantize_kernel(slim_type type, slim_path path, slim_path *used)
{
    if ((unsigned)type >= SLIM_TYPE_COUNT || (unsigned)path >= SLIM_PATH_COUNT)
        return NULL;
    for (int p = path; p >= 0; p = narrower((slim_path)p)) {
        if (p == SLIM_PATH_SCALAR) {
            if (used) *used = SLIM_PATH_SCALAR;
            return table[type].quantize[SLIM_PATH_SCALAR];
        }
        const vec_entry *e = find((slim_path)p, type, 1);
        if (e) {
            if (used) *used = (slim_path)p;
            return e->q;
        }
    }
    return NULL;
}

slim_dequantize_row_fn slim_dequantize_kernel(slim_type type, slim_path path, slim_path *used)
{
    if ((unsigned)type >= SLIM_TYPE_COUNT || (unsigned)path >= SLIM_PATH_COUNT)
        return NULL;
    for (int p = path; p >= 0; p = narrower((slim_path)p)) {
        if (p == SLIM_PATH_SCALAR) {
            if (used) *used = SLIM_PATH_SCALAR;
            return table[type].dequantize[SLIM_PATH_SCALAR];
        }
        const vec_entry *e = find((slim_path)p, type, 0);
        if (e) {
            if (used) *used = (slim_path)p;
            return e->d;
        }
    }
    return NULL;
}

slim_find_nonfinite_fn slim_find_nonfinite_kernel(slim_path path)
{
    switch (path) {
#if defined(__x86_64__)
    case SLIM_PATH_AVX512: return slim_find_nonfinite_avx512;
    case SLIM_PATH_AVX2: return slim_find_nonfinite_avx2;
#endif
#if defined(__aarch64__)
    case SLIM_PATH_NEON: return slim_find_nonfinite_neon;
#endif
    default: return slim_find_nonfinite_ref;
    }
}

#define SLIM_BYTEGROUP_TABLE(p) \
    { slim_bytegroup2_##p, slim_byteungroup2_##p, slim_bytegroup4_##p, slim_byteungroup4_##p }

slim_bytegroup_fn slim_bytegroup_kernel(slim_bytegroup_op op, slim_path path)
{
    static const slim_bytegroup_fn ref[SLIM_BG_COUNT] = SLIM_BYTEGROUP_TABLE(ref);
#if defined(__x86_64__)
    static const slim_bytegroup_fn avx2[SLIM_BG_COUNT] = SLIM_BYTEGROUP_TABLE(avx2);
    static const slim_bytegroup_fn avx512[SLIM_BG_COUNT] = SLIM_BYTEGROUP_TABLE(avx512);
#endif
#if defined(__aarch64__)
    static const slim_bytegroup_fn neon[SLIM_BG_COUNT] = SLIM_BYTEGROUP_TABLE(neon);
#endif
    if ((unsigned)op >= SLIM_BG_COUNT)
        return NULL;
    switch (path) {
#if defined(__x86_64__)
    case SLIM_PATH_AVX512: return avx512[op];
    case SLIM_PATH_AVX2: return avx2[op];
#endif
#if defined(__aarch64__)
    case SLIM_PATH_NEON: return neon[op];
#endif
    default: return ref[op];
    }
}
