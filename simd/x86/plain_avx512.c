/*
 * AVX-512 conversions for F16 and BF16 rows (the kernels are in
 * simd/x86/plain_x86.h); same arithmetic as plain_avx2.c (see there why the
 * hardware conversions are exact), 16 lanes wide.
 */
#include "simd/kernels.h"
#include "simd/cpu_internal.h"

#include <immintrin.h>

SLIM_TARGET_AVX512
static inline void px_f16_from_f32(uint8_t *y, const float *x)
{
    __m512 v = _mm512_loadu_ps(x);
    __m256i h = _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    /* NaN -> sign | 0x7E00, as the reference. */
    __mmask16 nan = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    if (__builtin_expect(nan != 0, 0)) {
        __m512i fix = _mm512_or_si512(
            _mm512_and_si512(_mm512_srli_epi32(_mm512_castps_si512(v), 16), _mm512_set1_epi32(0x8000)),
            _mm512_set1_epi32(0x7E00));
        h = _mm256_mask_blend_epi16(nan, h, _mm512_cvtepi32_epi16(fix));
    }
    _mm256_storeu_si256((__m256i *)y, h);
}

SLIM_TARGET_AVX512
static inline void px_f32_from_f16(float *y, const uint8_t *x)
{
    _mm512_storeu_ps(y, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)x)));
}

SLIM_TARGET_AVX512
static inline void px_bf16_from_f32(uint8_t *y, const float *x)
{
    const __m512i one = _mm512_set1_epi32(1), bias = _mm512_set1_epi32(0x7fff);
    __m512i u = _mm512_loadu_si512((const void *)x);
    __m512i top = _mm512_srli_epi32(u, 16);
    /* round to nearest even; NaN -> quiet, payload kept */
    __m512i r = _mm512_srli_epi32(_mm512_add_epi32(u, _mm512_add_epi32(bias, _mm512_and_si512(top, one))),
                                  16);
    __mmask16 nan = _mm512_cmpgt_epi32_mask(_mm512_and_si512(u, _mm512_set1_epi32(0x7fffffff)),
                                            _mm512_set1_epi32(0x7f800000));
    r = _mm512_mask_or_epi32(r, nan, top, _mm512_set1_epi32(64));
    _mm256_storeu_si256((__m256i *)y, _mm512_cvtepi32_epi16(r));
}

SLIM_TARGET_AVX512
static inline void px_f32_from_bf16(float *y, const uint8_t *x)
{
    __m512i h = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)x));
    _mm512_storeu_si512((void *)y, _mm512_slli_epi32(h, 16));
}

#define PX_TARGET SLIM_TARGET_AVX512
#define PX_SUFFIX avx512
#define PX_W 16
#define PX_WB 16
#include "simd/x86/plain_x86.h"
