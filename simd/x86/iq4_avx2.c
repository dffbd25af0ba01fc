/* IQ4_NL / IQ4_XS kernels for AVX2: 8 blocks per vector in quantization
 * (simd/iq4_lanes.h), a byte shuffle for the table in dequantization. */
#include "simd/kernels.h"
#include "simd/cpu_internal.h"

#include <immintrin.h>

#define IQ4_W 8
#define IQ4_FN static inline SLIM_TARGET_AVX2
#define IQ4_ATTR SLIM_TARGET_AVX2
#define IQ4_SUFFIX avx2
#define VF __m256
#define VM __m256
#define VP __m256i
#define VT __m256
#define vf_set1 _mm256_set1_ps
#define vf_load _mm256_load_ps
#define vf_store _mm256_store_ps
#define vf_add _mm256_add_ps
#define vf_sub _mm256_sub_ps
#define vf_mul _mm256_mul_ps
#define vf_div _mm256_div_ps
#define vf_sqrt _mm256_sqrt_ps
#define vf_abs(a) _mm256_andnot_ps(_mm256_set1_ps(-0.0f), (a))
#define vf_sel(m, a, b) _mm256_blendv_ps((b), (a), (m))
#define vm_gt(a, b) _mm256_cmp_ps((a), (b), _CMP_GT_OQ)
#define vm_lt(a, b) _mm256_cmp_ps((a), (b), _CMP_LT_OQ)
#define vm_nlt(a, b) _mm256_cmp_ps((a), (b), _CMP_NLT_UQ)
#define vm_and _mm256_and_ps
#define vt_load _mm256_loadu_ps
#define vt_look _mm256_permutevar8x32_ps
#define vp_zero _mm256_setzero_si256
#define vp_add_if(p, m, k) \
    _mm256_add_epi32((p), _mm256_and_si256(_mm256_castps_si256(m), _mm256_set1_epi32(k)))

/* min(2p + odd + !down, 15); masks are all-ones (-1) where true. */
IQ4_FN void vp_store_index(int32_t *out, __m256i p, __m256 odd, __m256 down)
{
    __m256i l = _mm256_add_epi32(p, p);
    l = _mm256_sub_epi32(l, _mm256_castps_si256(odd));
    l = _mm256_add_epi32(l, _mm256_add_epi32(_mm256_set1_epi32(1), _mm256_castps_si256(down)));
    _mm256_store_si256((__m256i *)(void *)out, _mm256_min_epi32(l, _mm256_set1_epi32(15)));
}

#include "simd/iq4_lanes.h"
#include "simd/x86/nl_x86.h"

SLIM_TARGET_AVX2 void slim_dequantize_row_iq4_nl_avx2(const void *restrict vx,
                                                      float *restrict y, int64_t n)
{
    const uint8_t *x = vx;
    for (int64_t i = 0; i < n / SLIM_IQ4_BLOCK; i++, x += sizeof(block_iq4_nl), y += SLIM_IQ4_BLOCK)
        nl_dequant32_avx2(slim_iq4_values, x + offsetof(block_iq4_nl, qs),
                          _mm256_set1_ps(slim_nl_get_half(x + offsetof(block_iq4_nl, d))), y);
}

SLIM_TARGET_AVX2 void slim_dequantize_row_iq4_xs_avx2(const void *restrict vx,
                                                      float *restrict y, int64_t n)
{
    const uint8_t *x = vx;
    for (int64_t i = 0; i < n / QK_K; i++, x += sizeof(block_iq4_xs)) {
        const float d = slim_nl_get_half(x + offsetof(block_iq4_xs, d));
        for (int ib = 0; ib < QK_K / SLIM_IQ4_BLOCK; ib++, y += SLIM_IQ4_BLOCK)
            nl_dequant32_avx2(slim_iq4_values,
                              x + offsetof(block_iq4_xs, qs) + ib * SLIM_IQ4_BLOCK / 2,
                              _mm256_set1_ps(d * (slim_iq4_xs_scale(x, ib) - 32)), y);
    }
}
