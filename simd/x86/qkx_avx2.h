/*
 * 8-lane primitives for the AVX2 instances of simd/qkx_lanes.h (the one-lane-per-block
 * qkx search), used by the K-quant and legacy kernels of this instruction set.
 */
#ifndef SLIM_SIMD_X86_QKX_AVX2_H
#define SLIM_SIMD_X86_QKX_AVX2_H

#include <immintrin.h>

#include "simd/cpu_internal.h"

#define KA_W 8
#define KA_ATTR SLIM_TARGET_AVX2
#define KA_FN(name) name##_avx2
#define KA_SQRT(v) ((ka_vf)_mm256_sqrt_ps((__m256)(v)))
#define KA_ANY(m) _mm256_movemask_ps((__m256)(m))
#define KA_MINI(a, b) ((ka_vi)_mm256_min_epi32((__m256i)(a), (__m256i)(b)))
#define KA_MAXI(a, b) ((ka_vi)_mm256_max_epi32((__m256i)(a), (__m256i)(b)))
#define KA_ROUND(v) ((ka_vf)_mm256_round_ps((__m256)(v), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC))
#define KA_MINF(a, b) ((ka_vf)_mm256_min_ps((__m256)(a), (__m256)(b)))
#define KA_MAXF(a, b) ((ka_vf)_mm256_max_ps((__m256)(a), (__m256)(b)))
#define KA_LOAD_U8(p) ((ka_vi)_mm256_cvtepu8_epi32(_mm_loadl_epi64((const void *)(p))))
/* Lanes hold 0..255, so the saturating packs just narrow. */
#define KA_STORE_U8(p, v)                                                              \
    do {                                                                               \
        const __m256i v_ = (__m256i)(v);                                               \
        const __m128i w_ = _mm_packus_epi32(_mm256_castsi256_si128(v_),                \
                                            _mm256_extracti128_si256(v_, 1));          \
        _mm_storel_epi64((void *)(p), _mm_packus_epi16(w_, w_));                    \
    } while (0)
/* In-place transpose of the 8x8 floats in r[0..7]. */
SLIM_TARGET_AVX2
static inline void ka_transpose_avx2(__m256 *r)
{
    __m256 t[8], u[8];
    for (int p = 0; p < 4; ++p) {
        t[2 * p] = _mm256_unpacklo_ps(r[2 * p], r[2 * p + 1]);
        t[2 * p + 1] = _mm256_unpackhi_ps(r[2 * p], r[2 * p + 1]);
    }
    for (int q = 0; q < 2; ++q) {
        u[4 * q + 0] = _mm256_shuffle_ps(t[4 * q + 0], t[4 * q + 2], 0x44);
        u[4 * q + 1] = _mm256_shuffle_ps(t[4 * q + 0], t[4 * q + 2], 0xEE);
        u[4 * q + 2] = _mm256_shuffle_ps(t[4 * q + 1], t[4 * q + 3], 0x44);
        u[4 * q + 3] = _mm256_shuffle_ps(t[4 * q + 1], t[4 * q + 3], 0xEE);
    }
    for (int e = 0; e < 4; ++e) {
        r[e] = _mm256_permute2f128_ps(u[e], u[4 + e], 0x20);
        r[4 + e] = _mm256_permute2f128_ps(u[e], u[4 + e], 0x31);
    }
}
#define KA_TRANSPOSE(r) ka_transpose_avx2((__m256 *)(r))
#include "simd/qkx_lanes.h"

#endif
