/* Small helpers shared by the x86 kernels of the non-linear family (AVX2
 * ones are also inlined into the AVX-512 kernels, whose target includes
 * AVX2). */
#ifndef SLIM_SIMD_X86_NL_X86_H
#define SLIM_SIMD_X86_NL_X86_H

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "simd/cpu_internal.h"

/* Unaligned byte loads (blocks sit at any address). */
SLIM_TARGET_AVX2 static inline __m128i nl_load8(const void *p)
{
    return _mm_loadl_epi64((const __m128i *)p);
}

SLIM_TARGET_AVX2 static inline __m128i nl_load16(const void *p)
{
    return _mm_loadu_si128((const __m128i *)p);
}

SLIM_TARGET_AVX2 static inline __m256i nl_load32(const void *p)
{
    return _mm256_loadu_si256((const __m256i *)p);
}

/* Low bytes of 8 int32 lanes (each 0..255) to dst[0..8). */
SLIM_TARGET_AVX2 static inline void nl_store8_avx2(uint8_t *dst, __m256i q)
{
    const __m256i lowbytes = _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                              0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    q = _mm256_shuffle_epi8(q, lowbytes);
    q = _mm256_permutevar8x32_epi32(q, _mm256_setr_epi32(0, 4, 1, 1, 1, 1, 1, 1));
    _mm_storel_epi64((__m128i *)(void *)dst, _mm256_castsi256_si128(q));
}

/* 32 floats d * table[code] for the 32 nibbles of 16 bytes (low nibbles
 * first), table being 16 int8 values. */
SLIM_TARGET_AVX2 static inline void nl_dequant32_avx2(const int8_t *table16, const uint8_t *qs,
                                                      __m256 d, float *y)
{
    const __m128i table = nl_load16(table16);
    const __m128i q = nl_load16(qs);
    const __m128i lo = _mm_shuffle_epi8(table, _mm_and_si128(q, _mm_set1_epi8(0x0f)));
    const __m128i hi = _mm_shuffle_epi8(table, _mm_and_si128(_mm_srli_epi16(q, 4),
                                                             _mm_set1_epi8(0x0f)));
    const __m128i v[4] = { lo, _mm_srli_si128(lo, 8), hi, _mm_srli_si128(hi, 8) };
    for (int k = 0; k < 4; k++)
        _mm256_storeu_ps(y + 8 * k, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(v[k]))));
}

/* As nl_dequant32_avx2, 16 floats per store. */
SLIM_TARGET_AVX512 static inline void nl_dequant32_avx512(const int8_t *table16, const uint8_t *qs,
                                                          __m512 d, float *y)
{
    const __m128i table = nl_load16(table16);
    const __m128i q = nl_load16(qs);
    const __m128i lo = _mm_shuffle_epi8(table, _mm_and_si128(q, _mm_set1_epi8(0x0f)));
    const __m128i hi = _mm_shuffle_epi8(table, _mm_and_si128(_mm_srli_epi16(q, 4),
                                                             _mm_set1_epi8(0x0f)));
    _mm512_storeu_ps(y, _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(lo))));
    _mm512_storeu_ps(y + 16, _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(hi))));
}

/*
 * TQ: lroundf(x*id) + 1 for 4 weights as int32 0..2. |x*id| <= 1 + 2^-23
 * (id is 1/max|x| rounded), so the rounding is just two comparisons.
 */
SLIM_TARGET_AVX2 static inline __m128i nl_tq_trit4(const float *x, __m128 id)
{
    const __m128 v = _mm_mul_ps(_mm_loadu_ps(x), id);
    const __m128i up = _mm_castps_si128(_mm_cmpge_ps(v, _mm_set1_ps(0.5f)));
    const __m128i dn = _mm_castps_si128(_mm_cmple_ps(v, _mm_set1_ps(-0.5f)));
    return _mm_add_epi32(_mm_set1_epi32(1), _mm_sub_epi32(dn, up));
}

/* TQ1_0 qh: bytes j < 4 from the 4 trits x[j + 4k] (then one more factor 3),
 * packed as slim_tq1_pack does; the float division by 243 truncates exactly
 * since q*256 + 242 < 2^16. */
SLIM_TARGET_AVX2 static inline void nl_tq1_qh(const float *x, float id, uint8_t qh[4])
{
    __m128i q = _mm_setzero_si128();
    for (int k = 0; k < 4; k++)
        q = _mm_add_epi32(_mm_mullo_epi32(q, _mm_set1_epi32(3)),
                          nl_tq_trit4(x + 4 * k, _mm_set1_ps(id)));
    q = _mm_mullo_epi32(q, _mm_set1_epi32(3));
    const __m128 a = _mm_cvtepi32_ps(_mm_add_epi32(_mm_slli_epi32(q, 8), _mm_set1_epi32(242)));
    q = _mm_cvttps_epi32(_mm_div_ps(a, _mm_set1_ps(243.0f)));
    q = _mm_shuffle_epi8(q, _mm_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1,
                                          -1, -1, -1, -1, -1, -1, -1, -1));
    const int32_t b = _mm_cvtsi128_si32(q);
    memcpy(qh, &b, 4);
}

#endif
