/*
 * AVX-512 kernels for F16 and BF16 rows; same arithmetic as plain_avx2.c
 * (see there why the hardware conversions are exact), 16 lanes wide.
 */
#include "simd/kernels.h"
#include "simd/cpu_internal.h"

#include <immintrin.h>

SLIM_TARGET_AVX512
void slim_quantize_row_f16_avx512(const float *restrict x, void *restrict vy, int64_t n,
                                  const float *restrict qw)
{
    uint8_t *y = vy;
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 v = _mm512_loadu_ps(x + i);
        __m256i h = _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        /* NaN -> sign | 0x7E00, as the reference. */
        __mmask16 nan = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
        if (__builtin_expect(nan != 0, 0)) {
            __m512i fix = _mm512_or_si512(
                _mm512_and_si512(_mm512_srli_epi32(_mm512_castps_si512(v), 16), _mm512_set1_epi32(0x8000)),
                _mm512_set1_epi32(0x7E00));
            h = _mm256_mask_blend_epi16(nan, h, _mm512_cvtepi32_epi16(fix));
        }
        _mm256_storeu_si256((__m256i *)(y + 2 * i), h);
    }
    slim_quantize_row_f16_ref(x + i, y + 2 * i, n - i, qw);
}

SLIM_TARGET_AVX512
void slim_dequantize_row_f16_avx512(const void *restrict vx, float *restrict y, int64_t n)
{
    const uint8_t *x = vx;
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(y + i, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(x + 2 * i))));
    slim_dequantize_row_f16_ref(x + 2 * i, y + i, n - i);
}

SLIM_TARGET_AVX512
void slim_quantize_row_bf16_avx512(const float *restrict x, void *restrict vy, int64_t n,
                                   const float *restrict qw)
{
    uint8_t *y = vy;
    const __m512i one = _mm512_set1_epi32(1), bias = _mm512_set1_epi32(0x7fff);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512i u = _mm512_loadu_si512((const void *)(x + i));
        __m512i top = _mm512_srli_epi32(u, 16);
        /* round to nearest even; NaN -> quiet, payload kept */
        __m512i r = _mm512_srli_epi32(
            _mm512_add_epi32(u, _mm512_add_epi32(bias, _mm512_and_si512(top, one))), 16);
        __mmask16 nan = _mm512_cmpgt_epi32_mask(_mm512_and_si512(u, _mm512_set1_epi32(0x7fffffff)),
                                                _mm512_set1_epi32(0x7f800000));
        r = _mm512_mask_or_epi32(r, nan, top, _mm512_set1_epi32(64));
        _mm256_storeu_si256((__m256i *)(y + 2 * i), _mm512_cvtepi32_epi16(r));
    }
    slim_quantize_row_bf16_ref(x + i, y + 2 * i, n - i, qw);
}

SLIM_TARGET_AVX512
void slim_dequantize_row_bf16_avx512(const void *restrict vx, float *restrict y, int64_t n)
{
    const uint8_t *x = vx;
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512i h = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(x + 2 * i)));
        _mm512_storeu_si512((void *)(y + i), _mm512_slli_epi32(h, 16));
    }
    slim_dequantize_row_bf16_ref(x + 2 * i, y + i, n - i);
}
