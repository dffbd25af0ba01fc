/* TQ1_0 / TQ2_0 kernels for AVX-512, 16 weights per vector: the primitives
 * of simd/x86/ternary_x86.h (which holds the method and most kernels) and
 * the TQ1_0 dequantizer. */
#include "simd/kernels.h"
#include "simd/cpu_internal.h"
#include "simd/ref/half.h"
#include "simd/ref/ternary.h"
#include "simd/x86/nl_x86.h"

#include <immintrin.h>

#define TQ_TARGET SLIM_TARGET_AVX512
#define TQ_SUFFIX avx512
#define TQ_W 16
typedef __m512 tq_vf;
typedef __m512i tq_vi;
#define tq_set1(f) _mm512_set1_ps(f)
#define tq_or_shl(a, b, s) _mm512_or_si512((a), _mm512_slli_epi32((b), (s)))
#define tq_store_bytes(dst, q) _mm_storeu_si128((__m128i *)(void *)(dst), _mm512_cvtepi32_epi8(q))
#define tq_load_bytes(src) _mm512_cvtepu8_epi32(nl_load16(src))
#define tq_field(b, s) _mm512_and_si512(_mm512_srli_epi32((b), (s)), _mm512_set1_epi32(3))

SLIM_TARGET_AVX512 static inline float tq_amax(const float *x)
{
    __m512 m = _mm512_setzero_ps();
    for (int j = 0; j < QK_K; j += 16)
        m = _mm512_max_ps(m, _mm512_abs_ps(_mm512_loadu_ps(x + j)));
    return _mm512_reduce_max_ps(m);
}

/* lroundf(x*id) + 1 for 16 weights, as int32 0..2. */
SLIM_TARGET_AVX512 static inline __m512i tq_trit(const float *x, __m512 id)
{
    const __m512 v = _mm512_mul_ps(_mm512_loadu_ps(x), id);
    const __m512i one = _mm512_set1_epi32(1);
    __m512i t = _mm512_mask_add_epi32(one, _mm512_cmp_ps_mask(v, _mm512_set1_ps(0.5f), _CMP_GE_OQ),
                                      one, one);
    return _mm512_mask_sub_epi32(t, _mm512_cmp_ps_mask(v, _mm512_set1_ps(-0.5f), _CMP_LE_OQ), t, one);
}

/* ceil(q * 256 / 243), q the base-3 number of the 5 trits x[k*stride]; the
 * float division truncates exactly (q*256 + 242 < 2^16). */
SLIM_TARGET_AVX512 static inline __m512i tq1_pack(const float *x, int stride, __m512 id)
{
    __m512i q = _mm512_setzero_si512();
    for (int k = 0; k < 5; k++)
        q = _mm512_add_epi32(_mm512_mullo_epi32(q, _mm512_set1_epi32(3)),
                             tq_trit(x + k * stride, id));
    const __m512 a = _mm512_cvtepi32_ps(_mm512_add_epi32(_mm512_slli_epi32(q, 8),
                                                         _mm512_set1_epi32(242)));
    return _mm512_cvttps_epi32(_mm512_div_ps(a, _mm512_set1_ps(243.0f)));
}

/* 16 floats (t - 1) * d from int32 trits t. */
SLIM_TARGET_AVX512 static inline void tq_out(float *y, __m512i t, __m512 d)
{
    const __m512 v = _mm512_cvtepi32_ps(_mm512_sub_epi32(t, _mm512_set1_epi32(1)));
    _mm512_storeu_ps(y, _mm512_mul_ps(v, d));
}

#include "simd/x86/ternary_x86.h"

SLIM_TARGET_AVX512 void slim_dequantize_row_tq1_0_avx512(const void *restrict vx,
                                                         float *restrict y, int64_t n)
{
    static const int pow3[5] = { 1, 3, 9, 27, 81 };
    const uint8_t *x = vx;
    for (int64_t i = 0; i < n / QK_K; i++, x += sizeof(block_tq1_0), y += QK_K) {
        const float df = slim_nl_get_half(x + offsetof(block_tq1_0, d));
        const __m512 d = _mm512_set1_ps(df);
        const uint8_t *qs = x + offsetof(block_tq1_0, qs);
        /* 48 bytes as 16-bit lanes: trit k is (uint8)(b * 3^k) * 3 >> 8. */
        const __m512i b01 = _mm512_cvtepu8_epi16(nl_load32(qs));
        const __m256i b2 = _mm256_cvtepu8_epi16(nl_load16(qs + 32));
        for (int k = 0; k < 5; k++) {
            __m512i q = _mm512_and_si512(_mm512_mullo_epi16(b01, _mm512_set1_epi16((short)pow3[k])),
                                         _mm512_set1_epi16(0xff));
            q = _mm512_srli_epi16(_mm512_mullo_epi16(q, _mm512_set1_epi16(3)), 8);
            tq_out(y + 32 * k, _mm512_cvtepi16_epi32(_mm512_castsi512_si256(q)), d);
            tq_out(y + 32 * k + 16, _mm512_cvtepi16_epi32(_mm512_extracti64x4_epi64(q, 1)), d);
            __m256i r = _mm256_and_si256(_mm256_mullo_epi16(b2, _mm256_set1_epi16((short)pow3[k])),
                                         _mm256_set1_epi16(0xff));
            r = _mm256_srli_epi16(_mm256_mullo_epi16(r, _mm256_set1_epi16(3)), 8);
            tq_out(y + 160 + 16 * k, _mm512_cvtepi16_epi32(r), d);
        }
        tq1_dequant_qh(y + 240, x + offsetof(block_tq1_0, qh), df);
    }
}
