/*
 * AVX2 (+F16C) conversions for F16 and BF16 rows (the kernels are in
 * simd/x86/plain_x86.h).
 *
 * F16C's round-to-nearest conversion gives slim_f32_to_half's bits for
 * every non-NaN float and slim_half_to_f32's for every half (a signalling
 * NaN comes back quiet with its payload, as the scalar multiply makes it);
 * only a NaN input needs fixing up: the reference stores 0x7E00 with the
 * sign. BF16 is integer arithmetic on the bits, as in the reference.
 */
#include "simd/kernels.h"
#include "simd/cpu_internal.h"

#include <immintrin.h>

/* 8 floats -> 8 halves, NaN -> sign | 0x7E00. */
SLIM_TARGET_AVX2
static inline void px_f16_from_f32(uint8_t *y, const float *x)
{
    const __m256 v = _mm256_loadu_ps(x);
    __m128i h = _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 nan = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
    if (__builtin_expect(_mm256_movemask_ps(nan) != 0, 0)) {
        __m256i vi = _mm256_castps_si256(v);
        __m256i fix = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi32(vi, 16), _mm256_set1_epi32(0x8000)),
                                      _mm256_set1_epi32(0x7E00));
        __m128i fix16 = _mm_packus_epi32(_mm256_castsi256_si128(fix), _mm256_extracti128_si256(fix, 1));
        __m256i m = _mm256_castps_si256(nan);
        __m128i m16 = _mm_packs_epi32(_mm256_castsi256_si128(m), _mm256_extracti128_si256(m, 1));
        h = _mm_blendv_epi8(h, fix16, m16);
    }
    _mm_storeu_si128((__m128i *)y, h);
}

SLIM_TARGET_AVX2
static inline void px_f32_from_f16(float *y, const uint8_t *x)
{
    _mm256_storeu_ps(y, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)x)));
}

/* 8 floats -> 8 bf16 as 32-bit lanes: round to nearest even, NaN -> quiet
 * with its payload (the top half | 0x40). */
SLIM_TARGET_AVX2
static inline __m256i f32_to_bf16_lanes(__m256i u)
{
    const __m256i one = _mm256_set1_epi32(1);
    __m256i odd = _mm256_and_si256(_mm256_srli_epi32(u, 16), one);
    __m256i r = _mm256_srli_epi32(_mm256_add_epi32(u, _mm256_add_epi32(_mm256_set1_epi32(0x7fff), odd)), 16);
    __m256i nan = _mm256_cmpgt_epi32(_mm256_and_si256(u, _mm256_set1_epi32(0x7fffffff)),
                                     _mm256_set1_epi32(0x7f800000));
    __m256i q = _mm256_or_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(64));
    return _mm256_blendv_epi8(r, q, nan);
}

/* 16 floats -> 16 bf16. */
SLIM_TARGET_AVX2
static inline void px_bf16_from_f32(uint8_t *y, const float *x)
{
    __m256i a = f32_to_bf16_lanes(_mm256_loadu_si256((const __m256i *)x));
    __m256i b = f32_to_bf16_lanes(_mm256_loadu_si256((const __m256i *)(x + 8)));
    /* packus works per 128-bit lane: restore element order. */
    __m256i p = _mm256_permute4x64_epi64(_mm256_packus_epi32(a, b), _MM_SHUFFLE(3, 1, 2, 0));
    _mm256_storeu_si256((__m256i *)y, p);
}

SLIM_TARGET_AVX2
static inline void px_f32_from_bf16(float *y, const uint8_t *x)
{
    __m256i h = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)x));
    _mm256_storeu_si256((__m256i *)y, _mm256_slli_epi32(h, 16));
}

#define PX_TARGET SLIM_TARGET_AVX2
#define PX_SUFFIX avx2
#define PX_W 8
#define PX_WB 16
#include "simd/x86/plain_x86.h"
