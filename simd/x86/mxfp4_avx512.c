/* MXFP4 kernels for AVX-512; same method as mxfp4_avx2.c (scalar exponent,
 * code search on |x| over codes 0..7, +8 for negative x), 16 weights per
 * vector. */
#include "simd/kernels.h"
#include "simd/cpu_internal.h"
#include "simd/ref/nonlinear.h"
#include "simd/x86/nl_x86.h"

#include <immintrin.h>

/* Codes of 16 weights; kd[k] = value[k] * d for k < 8. */
SLIM_TARGET_AVX512 static inline __m512i mxfp4_code16(__m512 v, const __m512 kd[8])
{
    const __m512 ax = _mm512_abs_ps(v);
    __m512 best = _mm512_abs_ps(_mm512_sub_ps(kd[0], ax));
    __m512i code = _mm512_setzero_si512();
    for (int k = 1; k < 8; k++) {
        const __m512 err = _mm512_abs_ps(_mm512_sub_ps(kd[k], ax));
        const __mmask16 better = _mm512_cmp_ps_mask(err, best, _CMP_LT_OQ);
        best = _mm512_mask_blend_ps(better, best, err);
        code = _mm512_mask_blend_epi32(better, code, _mm512_set1_epi32(k));
    }
    const __mmask16 neg = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_LT_OQ);
    const __mmask16 nonzero = _mm512_test_epi32_mask(code, code);
    return _mm512_mask_or_epi32(code, neg & nonzero, code, _mm512_set1_epi32(8));
}

SLIM_TARGET_AVX512 void slim_quantize_row_mxfp4_avx512(const float *restrict x, void *restrict vy,
                                                       int64_t n, const float *restrict qw)
{
    (void)qw;
    uint8_t *y = vy;
    for (int64_t i = 0; i < n / QK_LEGACY; i++, x += QK_LEGACY, y += sizeof(block_mxfp4)) {
        const __m512 lo = _mm512_loadu_ps(x), hi = _mm512_loadu_ps(x + 16);
        const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(lo), _mm512_abs_ps(hi)));
        const uint8_t e = slim_mxfp4_exponent(amax);
        const float d = slim_e8m0_to_f32_half(e);
        y[offsetof(block_mxfp4, e)] = e;
        __m512 kd[8];
        for (int k = 0; k < 8; k++)
            kd[k] = _mm512_set1_ps(slim_mxfp4_values[k] * d);
        const __m512i q = _mm512_or_si512(mxfp4_code16(lo, kd),
                                          _mm512_slli_epi32(mxfp4_code16(hi, kd), 4));
        _mm_storeu_si128((__m128i *)(void *)(y + offsetof(block_mxfp4, qs)), _mm512_cvtepi32_epi8(q));
    }
}

SLIM_TARGET_AVX512 void slim_dequantize_row_mxfp4_avx512(const void *restrict vx, float *restrict y,
                                                         int64_t n)
{
    const uint8_t *x = vx;
    for (int64_t i = 0; i < n / QK_LEGACY; i++, x += sizeof(block_mxfp4), y += QK_LEGACY) {
        const float d = slim_e8m0_to_f32_half(x[offsetof(block_mxfp4, e)]);
        nl_dequant32_avx512(slim_mxfp4_values, x + offsetof(block_mxfp4, qs), _mm512_set1_ps(d), y);
    }
}
