/*
 * MXFP4 kernels for AVX2. The exponent is found per block in scalar code
 * (it needs log2f exactly as the reference calls it). The nearest code is
 * searched on |x| among codes 0..7 only: for x < 0 the codes 9..15 have
 * exactly the errors of 1..7 (negation is exact) while 1..7 and 8 can never
 * beat code 0 strictly, so the reference's first-minimum over all 16 codes
 * is code k of |x|, plus 8 when x < 0 and k > 0.
 */
#include "simd/kernels.h"
#include "simd/cpu_internal.h"
#include "simd/ref/nonlinear.h"
#include "simd/x86/nl_x86.h"

#include <immintrin.h>

/* Codes of 8 weights at step d; kd[k] = value[k] * d for k < 8. */
SLIM_TARGET_AVX2 static inline __m256i mxfp4_code8(const float *x, const __m256 kd[8])
{
    const __m256 v = _mm256_loadu_ps(x);
    const __m256 ax = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v);
    __m256 best = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), _mm256_sub_ps(kd[0], ax));
    __m256i code = _mm256_setzero_si256();
    for (int k = 1; k < 8; k++) {
        const __m256 err = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), _mm256_sub_ps(kd[k], ax));
        const __m256 better = _mm256_cmp_ps(err, best, _CMP_LT_OQ);
        best = _mm256_blendv_ps(best, err, better);
        code = _mm256_blendv_epi8(code, _mm256_set1_epi32(k), _mm256_castps_si256(better));
    }
    const __m256i neg = _mm256_castps_si256(_mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ));
    const __m256i nonzero = _mm256_xor_si256(_mm256_cmpeq_epi32(code, _mm256_setzero_si256()),
                                             _mm256_set1_epi32(-1));
    return _mm256_or_si256(code, _mm256_and_si256(_mm256_and_si256(neg, nonzero),
                                                  _mm256_set1_epi32(8)));
}

SLIM_TARGET_AVX2 void slim_quantize_row_mxfp4_avx2(const float *restrict x, void *restrict vy,
                                                   int64_t n, const float *restrict qw)
{
    (void)qw;
    uint8_t *y = vy;
    const __m256 sign = _mm256_set1_ps(-0.0f);
    for (int64_t i = 0; i < n / QK_LEGACY; i++, x += QK_LEGACY, y += sizeof(block_mxfp4)) {
        __m256 m = _mm256_andnot_ps(sign, _mm256_loadu_ps(x));
        for (int j = 8; j < QK_LEGACY; j += 8)
            m = _mm256_max_ps(m, _mm256_andnot_ps(sign, _mm256_loadu_ps(x + j)));
        __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
        h = _mm_max_ps(h, _mm_movehl_ps(h, h));
        h = _mm_max_ss(h, _mm_movehdup_ps(h));
        const uint8_t e = slim_mxfp4_exponent(_mm_cvtss_f32(h));
        const float d = slim_e8m0_to_f32_half(e);
        y[offsetof(block_mxfp4, e)] = e;
        __m256 kd[8];
        for (int k = 0; k < 8; k++)
            kd[k] = _mm256_set1_ps(slim_mxfp4_values[k] * d);
        for (int j = 0; j < QK_LEGACY / 2; j += 8) {
            const __m256i q = _mm256_or_si256(mxfp4_code8(x + j, kd),
                                              _mm256_slli_epi32(mxfp4_code8(x + j + 16, kd), 4));
            nl_store8_avx2(y + offsetof(block_mxfp4, qs) + j, q);
        }
    }
}

SLIM_TARGET_AVX2 void slim_dequantize_row_mxfp4_avx2(const void *restrict vx, float *restrict y,
                                                     int64_t n)
{
    const uint8_t *x = vx;
    for (int64_t i = 0; i < n / QK_LEGACY; i++, x += sizeof(block_mxfp4), y += QK_LEGACY) {
        const float d = slim_e8m0_to_f32_half(x[offsetof(block_mxfp4, e)]);
        nl_dequant32_avx2(slim_mxfp4_values, x + offsetof(block_mxfp4, qs), _mm256_set1_ps(d), y);
    }
}
