/*
 * 16-lane primitives for the AVX512 instances of simd/qkx_lanes.h (the one-lane-per-block
 * qkx search), used by the K-quant and legacy kernels of this instruction set.
 */
#ifndef SLIM_SIMD_X86_QKX_AVX512_H
#define SLIM_SIMD_X86_QKX_AVX512_H

#include <immintrin.h>

#include "simd/cpu_internal.h"

#define KA_W 16
#define KA_ATTR SLIM_TARGET_AVX512
#define KA_FN(name) name##_avx512
#define KA_SQRT(v) ((ka_vf)_mm512_sqrt_ps((__m512)(v)))
#define KA_ANY(m) _mm512_test_epi32_mask((__m512i)(m), (__m512i)(m))
#define KA_MINI(a, b) ((ka_vi)_mm512_min_epi32((__m512i)(a), (__m512i)(b)))
#define KA_MAXI(a, b) ((ka_vi)_mm512_max_epi32((__m512i)(a), (__m512i)(b)))
#define KA_ROUND(v) ((ka_vf)_mm512_roundscale_ps((__m512)(v), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC))
#define KA_MINF(a, b) ((ka_vf)_mm512_min_ps((__m512)(a), (__m512)(b)))
#define KA_MAXF(a, b) ((ka_vf)_mm512_max_ps((__m512)(a), (__m512)(b)))
#define KA_LOAD_U8(p) ((ka_vi)_mm512_cvtepu8_epi32(_mm_loadu_si128((const void *)(p))))
#define KA_STORE_U8(p, v) _mm_storeu_si128((void *)(p), _mm512_cvtepi32_epi8((__m512i)(v)))
/* In-place transpose of the 16x16 floats in r[0..15]. */
SLIM_TARGET_AVX512
static inline void ka_transpose_avx512(__m512 *r)
{
    __m512 t[16], u[16], v[4][2], w[4][2];
    for (int p = 0; p < 8; ++p) {
        t[2 * p] = _mm512_unpacklo_ps(r[2 * p], r[2 * p + 1]);
        t[2 * p + 1] = _mm512_unpackhi_ps(r[2 * p], r[2 * p + 1]);
    }
    /* u[4q+e], 128-bit lane L: element 4L+e of rows 4q..4q+3 */
    for (int q = 0; q < 4; ++q) {
        u[4 * q + 0] = _mm512_shuffle_ps(t[4 * q + 0], t[4 * q + 2], 0x44);
        u[4 * q + 1] = _mm512_shuffle_ps(t[4 * q + 0], t[4 * q + 2], 0xEE);
        u[4 * q + 2] = _mm512_shuffle_ps(t[4 * q + 1], t[4 * q + 3], 0x44);
        u[4 * q + 3] = _mm512_shuffle_ps(t[4 * q + 1], t[4 * q + 3], 0xEE);
    }
    for (int e = 0; e < 4; ++e) {
        v[e][0] = _mm512_shuffle_f32x4(u[e], u[4 + e], 0x44);
        v[e][1] = _mm512_shuffle_f32x4(u[e], u[4 + e], 0xEE);
        w[e][0] = _mm512_shuffle_f32x4(u[8 + e], u[12 + e], 0x44);
        w[e][1] = _mm512_shuffle_f32x4(u[8 + e], u[12 + e], 0xEE);
        r[0 + e] = _mm512_shuffle_f32x4(v[e][0], w[e][0], 0x88);
        r[4 + e] = _mm512_shuffle_f32x4(v[e][0], w[e][0], 0xDD);
        r[8 + e] = _mm512_shuffle_f32x4(v[e][1], w[e][1], 0x88);
        r[12 + e] = _mm512_shuffle_f32x4(v[e][1], w[e][1], 0xDD);
    }
}
#define KA_TRANSPOSE(r) ka_transpose_avx512((__m512 *)(r))
#include "simd/qkx_lanes.h"

#endif
