/*
 * Row kernels and their registry (internal).
 *
 * Every kernel has a plain C reference named ..._ref; the vector versions
 * keep its signature and add _avx2, _avx512 or _neon. A kernel is registered
 * by adding its type to the lists below; simd/dispatch.c builds the tables
 * from them, so adding a kernel never touches the dispatcher.
 *
 * Contract of every quantize kernel:
 *   void slim_quantize_row_T_P(const float *x, void *y, int64_t n, const float *qw)
 *   x:  n floats, finite (the caller checked); n is a multiple of the block
 *       size (may be 0).
 *   y:  n / block_size blocks.
 *   qw: NULL, or n importance weights (ggml's quant_weights for one row).
 *   The output is bit-identical to ggml's quantize_T(x, y, 1, n, qw).
 * Contract of every dequantize kernel:
 *   void slim_dequantize_row_T_P(const void *x, float *y, int64_t n)
 *   bit-identical to ggml's dequantize_row_T.
 * Neither requires any alignment of x or y.
 */
#ifndef SLIM_SIMD_KERNELS_H
#define SLIM_SIMD_KERNELS_H

#include <stdint.h>
#include "slim.h"

typedef void (*slim_quantize_row_fn)(const float *restrict x, void *restrict y,
                                     int64_t n, const float *restrict qw);
typedef void (*slim_dequantize_row_fn)(const void *restrict x, float *restrict y,
                                       int64_t n);
/* Index of the first NaN or Inf in x[0..n), or -1. */
typedef int64_t (*slim_find_nonfinite_fn)(const float *x, int64_t n);

/* Every type with row kernels: X(lower-case name, SLIM_TYPE_ suffix). */
#define SLIM_KERNEL_TYPES(X) \
    SLIM_TYPES_PLAIN(X) SLIM_TYPES_LEGACY(X) SLIM_TYPES_KASYM(X) SLIM_TYPES_KSYM(X) \
    SLIM_TYPES_NL(X)
#define SLIM_TYPES_PLAIN(X) X(f32, F32) X(f16, F16) X(bf16, BF16)
#define SLIM_TYPES_LEGACY(X) X(q4_0, Q4_0) X(q4_1, Q4_1) X(q5_0, Q5_0) X(q5_1, Q5_1) X(q8_0, Q8_0)
#define SLIM_TYPES_KASYM(X) X(q2_K, Q2_K) X(q4_K, Q4_K) X(q5_K, Q5_K)
#define SLIM_TYPES_KSYM(X) X(q3_K, Q3_K) X(q6_K, Q6_K)
#define SLIM_TYPES_NL(X) X(iq4_nl, IQ4_NL) X(iq4_xs, IQ4_XS) X(tq1_0, TQ1_0) X(tq2_0, TQ2_0) X(mxfp4, MXFP4)

/*
 * Vector kernels, per path. Add a type here when its kernel exists; a type
 * missing from a list uses the next narrower path's kernel.
 */
/* Families: PLAIN f16 bf16; LEGACY q4_0 q4_1 q5_0 q5_1 q8_0; KASYM q2_K q4_K q5_K;
 * KSYM q3_K q6_K; NL iq4_nl iq4_xs tq1_0 tq2_0 mxfp4. */
#define SLIM_AVX2_QUANTIZE(X) SLIM_AVX2_Q_PLAIN(X) SLIM_AVX2_Q_LEGACY(X) SLIM_AVX2_Q_KASYM(X) SLIM_AVX2_Q_KSYM(X) SLIM_AVX2_Q_NL(X)
#define SLIM_AVX2_Q_PLAIN(X) X(f16) X(bf16)
#define SLIM_AVX2_Q_LEGACY(X) X(q4_0) X(q4_1) X(q5_0) X(q5_1) X(q8_0)
#define SLIM_AVX2_Q_KASYM(X) X(q2_K) X(q4_K) X(q5_K)
#define SLIM_AVX2_Q_KSYM(X) X(q3_K) X(q6_K)
#define SLIM_AVX2_Q_NL(X) X(iq4_nl) X(iq4_xs) X(tq1_0) X(tq2_0) X(mxfp4)
#define SLIM_AVX2_DEQUANTIZE(X) SLIM_AVX2_D_PLAIN(X) SLIM_AVX2_D_LEGACY(X) SLIM_AVX2_D_KASYM(X) SLIM_AVX2_D_KSYM(X) SLIM_AVX2_D_NL(X)
#define SLIM_AVX2_D_PLAIN(X) X(f16) X(bf16)
#define SLIM_AVX2_D_LEGACY(X) X(q4_0) X(q4_1) X(q5_0) X(q5_1) X(q8_0)
#define SLIM_AVX2_D_KASYM(X) X(q2_K) X(q4_K) X(q5_K)
#define SLIM_AVX2_D_KSYM(X) X(q3_K) X(q6_K)
#define SLIM_AVX2_D_NL(X) X(iq4_nl) X(iq4_xs) X(tq1_0) X(tq2_0) X(mxfp4)
#define SLIM_AVX512_QUANTIZE(X) SLIM_AVX512_Q_PLAIN(X) SLIM_AVX512_Q_LEGACY(X) SLIM_AVX512_Q_KASYM(X) SLIM_AVX512_Q_KSYM(X) SLIM_AVX512_Q_NL(X)
#define SLIM_AVX512_Q_PLAIN(X) X(f16) X(bf16)
#define SLIM_AVX512_Q_LEGACY(X) X(q4_0) X(q4_1) X(q5_0) X(q5_1) X(q8_0)
#define SLIM_AVX512_Q_KASYM(X) X(q2_K) X(q4_K) X(q5_K)
#define SLIM_AVX512_Q_KSYM(X) X(q3_K) X(q6_K)
#define SLIM_AVX512_Q_NL(X) X(iq4_nl) X(iq4_xs) X(tq1_0) X(tq2_0) X(mxfp4)
#define SLIM_AVX512_DEQUANTIZE(X) SLIM_AVX512_D_PLAIN(X) SLIM_AVX512_D_LEGACY(X) SLIM_AVX512_D_KASYM(X) SLIM_AVX512_D_KSYM(X) SLIM_AVX512_D_NL(X)
#define SLIM_AVX512_D_PLAIN(X) X(f16) X(bf16)
#define SLIM_AVX512_D_LEGACY(X) X(q4_0) X(q4_1) X(q5_0) X(q5_1) X(q8_0)
#define SLIM_AVX512_D_KASYM(X) X(q2_K) X(q4_K) X(q5_K)
#define SLIM_AVX512_D_KSYM(X) X(q3_K) X(q6_K)
#define SLIM_AVX512_D_NL(X) X(iq4_nl) X(iq4_xs) X(tq1_0) X(tq2_0) X(mxfp4)
#define SLIM_NEON_QUANTIZE(X) SLIM_NEON_Q_PLAIN(X) SLIM_NEON_Q_LEGACY(X) SLIM_NEON_Q_KASYM(X) SLIM_NEON_Q_KSYM(X) SLIM_NEON_Q_NL(X)
#define SLIM_NEON_Q_PLAIN(X) X(f16) X(bf16)
#define SLIM_NEON_Q_LEGACY(X) X(q4_0) X(q4_1) X(q5_0) X(q5_1) X(q8_0)
#define SLIM_NEON_Q_KASYM(X) X(q2_K) X(q4_K) X(q5_K)
#define SLIM_NEON_Q_KSYM(X) X(q3_K) X(q6_K)
#define SLIM_NEON_Q_NL(X) X(iq4_nl) X(iq4_xs) X(tq1_0) X(tq2_0) X(mxfp4)
#define SLIM_NEON_DEQUANTIZE(X) SLIM_NEON_D_PLAIN(X) SLIM_NEON_D_LEGACY(X) SLIM_NEON_D_KASYM(X) SLIM_NEON_D_KSYM(X) SLIM_NEON_D_NL(X)
#define SLIM_NEON_D_PLAIN(X) X(f16) X(bf16)
#define SLIM_NEON_D_LEGACY(X) X(q4_0) X(q4_1) X(q5_0) X(q5_1) X(q8_0)
#define SLIM_NEON_D_KASYM(X) X(q2_K) X(q4_K) X(q5_K)
#define SLIM_NEON_D_KSYM(X) X(q3_K) X(q6_K)
#define SLIM_NEON_D_NL(X) X(iq4_nl) X(iq4_xs) X(tq1_0) X(tq2_0) X(mxfp4)

#define SLIM_DECLARE_QUANTIZE(t, path) \
    void slim_quantize_row_##t##_##path(const float *restrict x, void *restrict y, \
                                        int64_t n, const float *restrict qw);
#define SLIM_DECLARE_DEQUANTIZE(t, path) \
    void slim_dequantize_row_##t##_##path(const void *restrict x, float *restrict y, \
                                          int64_t n);

#define SLIM_DECLARE_REF(t, T) SLIM_DECLARE_QUANTIZE(t, ref) SLIM_DECLARE_DEQUANTIZE(t, ref)
SLIM_KERNEL_TYPES(SLIM_DECLARE_REF)
#undef SLIM_DECLARE_REF

#define SLIM_DECLARE_Q_AVX2(t) SLIM_DECLARE_QUANTIZE(t, avx2)
#define SLIM_DECLARE_D_AVX2(t) SLIM_DECLARE_DEQUANTIZE(t, avx2)
#define SLIM_DECLARE_Q_AVX512(t) SLIM_DECLARE_QUANTIZE(t, avx512)
#define SLIM_DECLARE_D_AVX512(t) SLIM_DECLARE_DEQUANTIZE(t, avx512)
#define SLIM_DECLARE_Q_NEON(t) SLIM_DECLARE_QUANTIZE(t, neon)
#define SLIM_DECLARE_D_NEON(t) SLIM_DECLARE_DEQUANTIZE(t, neon)
SLIM_AVX2_QUANTIZE(SLIM_DECLARE_Q_AVX2)
SLIM_AVX2_DEQUANTIZE(SLIM_DECLARE_D_AVX2)
SLIM_AVX512_QUANTIZE(SLIM_DECLARE_Q_AVX512)
SLIM_AVX512_DEQUANTIZE(SLIM_DECLARE_D_AVX512)
SLIM_NEON_QUANTIZE(SLIM_DECLARE_Q_NEON)
SLIM_NEON_DEQUANTIZE(SLIM_DECLARE_D_NEON)

int64_t slim_find_nonfinite_ref(const float *x, int64_t n);
int64_t slim_find_nonfinite_avx2(const float *x, int64_t n);
int64_t slim_find_nonfinite_avx512(const float *x, int64_t n);
int64_t slim_find_nonfinite_neon(const float *x, int64_t n);

/*
 * Byte grouping for the .slim archive (layout in simd/ref/bytegroup.c):
 *   void slim_bytegroupW_P(const void *src, void *dst, int64_t n)
 *   void slim_byteungroupW_P(const void *src, void *dst, int64_t n)
 * n elements of W (2 or 4) bytes; grouped data is W planes of n bytes.
 * No alignment required; src and dst must not overlap.
 */
typedef void (*slim_bytegroup_fn)(const void *restrict src, void *restrict dst, int64_t n);
typedef enum slim_bytegroup_op {
    SLIM_BG_GROUP2, SLIM_BG_UNGROUP2, SLIM_BG_GROUP4, SLIM_BG_UNGROUP4, SLIM_BG_COUNT
} slim_bytegroup_op;
#define SLIM_DECLARE_BYTEGROUP(p) \
    void slim_bytegroup2_##p(const void *restrict src, void *restrict dst, int64_t n); \
    void slim_byteungroup2_##p(const void *restrict src, void *restrict dst, int64_t n); \
    void slim_bytegroup4_##p(const void *restrict src, void *restrict dst, int64_t n); \
    void slim_byteungroup4_##p(const void *restrict src, void *restrict dst, int64_t n);
SLIM_DECLARE_BYTEGROUP(ref)
SLIM_DECLARE_BYTEGROUP(avx2)
SLIM_DECLARE_BYTEGROUP(avx512)
SLIM_DECLARE_BYTEGROUP(neon)

/*
 * The kernel for `type` on `path`, falling back to narrower paths when the
 * path has none of its own; *used (optional) receives the path whose kernel
 * is returned. NULL if the type has no kernels at all.
 */
slim_quantize_row_fn slim_quantize_kernel(slim_type type, slim_path path, slim_path *used);
slim_dequantize_row_fn slim_dequantize_kernel(slim_type type, slim_path path, slim_path *used);
slim_find_nonfinite_fn slim_find_nonfinite_kernel(slim_path path);
/* The byte-grouping kernel for `op` on `path` (the ref on paths without one). */
slim_bytegroup_fn slim_bytegroup_kernel(slim_bytegroup_op op, slim_path path);

#endif
