/* IQ4_NL / IQ4_XS kernels for AVX-512: 16 blocks per vector in quantization
 * (simd/iq4_lanes.h), a byte shuffle for the table in dequantization. */
#include "simd/kernels.h"
#include "simd/cpu_internal.h"

#include <immintrin.h>

#define IQ4_W 16
#define IQ4_FN static inline SLIM_TARGET_AVX512
#define IQ4_ATTR SLIM_TARGET_AVX512
#define IQ4_SUFFIX avx512
#define VF __m512
#define VM __mmask16
#define VP __m512i
#define VT __m512
#define vf_set1 _mm512_set1_ps
#define vf_load _mm512_load_ps
#define vf_store _mm512_store_ps
#define vf_add _mm512_add_ps
#define vf_sub _mm512_sub_ps
#define vf_mul _mm512_mul_ps
#define vf_div _mm512_div_ps
#define vf_sqrt _mm512_sqrt_ps
#define vf_abs _mm512_abs_ps
#define vf_sel(m, a, b) _mm512_mask_blend_ps((m), (b), (a))
#define vm_gt(a, b) _mm512_cmp_ps_mask((a), (b), _CMP_GT_OQ)
#define vm_lt(a, b) _mm512_cmp_ps_mask((a), (b), _CMP_LT_OQ)
#define vm_nlt(a, b) _mm512_cmp_ps_mask((a), (b), _CMP_NLT_UQ)
#define vm_and(a, b) ((__mmask16)((a) & (b)))
#define vt_load(t) _mm512_castps256_ps512(_mm256_loadu_ps(t))
#define vt_look(t, p) _mm512_permutexvar_ps((p), (t))
#define vp_zero _mm512_setzero_si512
#define vp_add_if(p, m, k) _mm512_mask_add_epi32((p), (m), (p), _mm512_set1_epi32(k))

/* min(2p + odd + !down, 15). */
IQ4_FN void vp_store_index(int32_t *out, __m512i p, __mmask16 odd, __mmask16 down)
{
    const __m512i one = _mm512_set1_epi32(1);
    __m512i l = _mm512_add_epi32(p, p);
    l = _mm512_mask_add_epi32(l, odd, l, one);
    l = _mm512_mask_add_epi32(l, (__mmask16)~down, l, one);
    _mm512_store_si512(out, _mm512_min_epi32(l, _mm512_set1_epi32(15)));
}

#include "simd/iq4_lanes.h"
#include "simd/x86/nl_x86.h"

SLIM_TARGET_AVX512 void slim_dequantize_row_iq4_nl_avx512(const void *restrict vx,
                                                          float *restrict y, int64_t n)
{
    const uint8_t *x = vx;
    for (int64_t i = 0; i < n / SLIM_IQ4_BLOCK; i++, x += sizeof(block_iq4_nl), y += SLIM_IQ4_BLOCK)
        nl_dequant32_avx512(slim_iq4_values, x + offsetof(block_iq4_nl, qs),
                            _mm512_set1_ps(slim_nl_get_half(x + offsetof(block_iq4_nl, d))), y);
}

SLIM_TARGET_AVX512 void slim_dequantize_row_iq4_xs_avx512(const void *restrict vx,
                                                          float *restrict y, int64_t n)
{
    const uint8_t *x = vx;
    for (int64_t i = 0; i < n / QK_K; i++, x += sizeof(block_iq4_xs)) {
        const float d = slim_nl_get_half(x + offsetof(block_iq4_xs, d));
        for (int ib = 0; ib < QK_K / SLIM_IQ4_BLOCK; ib++, y += SLIM_IQ4_BLOCK)
            nl_dequant32_avx512(slim_iq4_values,
                                x + offsetof(block_iq4_xs, qs) + ib * SLIM_IQ4_BLOCK / 2,
                                _mm512_set1_ps(d * (slim_iq4_xs_scale(x, ib) - 32)), y);
    }
}
