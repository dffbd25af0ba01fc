/* TQ1_0 / TQ2_0 kernels for AVX2, 8 weights per vector: the primitives of
 * simd/x86/ternary_x86.h (which holds the method and most kernels) and the
 * TQ1_0 dequantizer. */
#include "simd/kernels.h"
#include "simd/cpu_internal.h"
#include "simd/ref/half.h"
#include "simd/ref/ternary.h"
#include "simd/x86/nl_x86.h"

#include <immintrin.h>

#define TQ_TARGET SLIM_TARGET_AVX2
#define TQ_SUFFIX avx2
#define TQ_W 8
typedef __m256 tq_vf;
typedef __m256i tq_vi;
#define tq_set1(f) _mm256_set1_ps(f)
#define tq_or_shl(a, b, s) _mm256_or_si256((a), _mm256_slli_epi32((b), (s)))
#define tq_store_bytes(dst, q) nl_store8_avx2((dst), (q))
#define tq_load_bytes(src) _mm256_cvtepu8_epi32(nl_load8(src))
#define tq_field(b, s) _mm256_and_si256(_mm256_srli_epi32((b), (s)), _mm256_set1_epi32(3))

/* max |x[0..256)|; max is exact in any order. */
SLIM_TARGET_AVX2 static inline float tq_amax(const float *x)
{
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 m = _mm256_setzero_ps();
    for (int j = 0; j < QK_K; j += 8)
        m = _mm256_max_ps(m, _mm256_andnot_ps(sign, _mm256_loadu_ps(x + j)));
    __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    h = _mm_max_ss(h, _mm_movehdup_ps(h));
    return _mm_cvtss_f32(h);
}

/* lroundf(x*id) + 1 for 8 weights, as int32 0..2. */
SLIM_TARGET_AVX2 static inline __m256i tq_trit(const float *x, __m256 id)
{
    const __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x), id);
    const __m256i up = _mm256_castps_si256(_mm256_cmp_ps(v, _mm256_set1_ps(0.5f), _CMP_GE_OQ));
    const __m256i dn = _mm256_castps_si256(_mm256_cmp_ps(v, _mm256_set1_ps(-0.5f), _CMP_LE_OQ));
    return _mm256_add_epi32(_mm256_set1_epi32(1), _mm256_sub_epi32(dn, up));
}

/* Base-3 number of 5 trits x[k*stride], k < 5, packed as slim_tq1_pack does;
 * q*256 + 242 < 2^16, so the float division by 243 truncates exactly. */
SLIM_TARGET_AVX2 static inline __m256i tq1_pack(const float *x, int stride, __m256 id)
{
    __m256i q = _mm256_setzero_si256();
    for (int k = 0; k < 5; k++)
        q = _mm256_add_epi32(_mm256_mullo_epi32(q, _mm256_set1_epi32(3)),
                             tq_trit(x + k * stride, id));
    const __m256 a = _mm256_cvtepi32_ps(_mm256_add_epi32(_mm256_slli_epi32(q, 8),
                                                         _mm256_set1_epi32(242)));
    return _mm256_cvttps_epi32(_mm256_div_ps(a, _mm256_set1_ps(243.0f)));
}

/* 8 floats (t - 1) * d from int32 trits t. */
SLIM_TARGET_AVX2 static inline void tq_out(float *y, __m256i t, __m256 d)
{
    const __m256 v = _mm256_cvtepi32_ps(_mm256_sub_epi32(t, _mm256_set1_epi32(1)));
    _mm256_storeu_ps(y, _mm256_mul_ps(v, d));
}

#include "simd/x86/ternary_x86.h"

/* Trit k of 16 packed bytes (zero-extended to 16 bits), see slim_tq1_trit. */
SLIM_TARGET_AVX2 static inline __m256i tq1_trit16(__m256i b, int pow3)
{
    const __m256i q = _mm256_and_si256(_mm256_mullo_epi16(b, _mm256_set1_epi16((short)pow3)),
                                       _mm256_set1_epi16(0xff));
    return _mm256_srli_epi16(_mm256_mullo_epi16(q, _mm256_set1_epi16(3)), 8);
}

SLIM_TARGET_AVX2 static inline void tq1_out16(float *y, __m256i t, __m256 d)
{
    tq_out(y, _mm256_cvtepi16_epi32(_mm256_castsi256_si128(t)), d);
    tq_out(y + 8, _mm256_cvtepi16_epi32(_mm256_extracti128_si256(t, 1)), d);
}

SLIM_TARGET_AVX2 void slim_dequantize_row_tq1_0_avx2(const void *restrict vx, float *restrict y,
                                                     int64_t n)
{
    static const int pow3[5] = { 1, 3, 9, 27, 81 };
    const uint8_t *x = vx;
    for (int64_t i = 0; i < n / QK_K; i++, x += sizeof(block_tq1_0), y += QK_K) {
        const float df = slim_nl_get_half(x + offsetof(block_tq1_0, d));
        const __m256 d = _mm256_set1_ps(df);
        const uint8_t *qs = x + offsetof(block_tq1_0, qs);
        const __m256i b0 = _mm256_cvtepu8_epi16(nl_load16(qs));
        const __m256i b1 = _mm256_cvtepu8_epi16(nl_load16(qs + 16));
        const __m256i b2 = _mm256_cvtepu8_epi16(nl_load16(qs + 32));
        for (int k = 0; k < 5; k++) {
            tq1_out16(y + 32 * k, tq1_trit16(b0, pow3[k]), d);
            tq1_out16(y + 32 * k + 16, tq1_trit16(b1, pow3[k]), d);
            tq1_out16(y + 160 + 16 * k, tq1_trit16(b2, pow3[k]), d);
        }
        tq1_dequant_qh(y + 240, x + offsetof(block_tq1_0, qh), df);
    }
}
