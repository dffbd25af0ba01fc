/* Small AVX2 helpers shared by the x86 kernels of the non-linear family. */
#ifndef SLIM_SIMD_X86_NL_X86_H
#define SLIM_SIMD_X86_NL_X86_H

#include <immintrin.h>
#include <stdint.h>

#include "simd/cpu_internal.h"

/* Low bytes of 8 int32 lanes (each 0..255) to dst[0..8). */
SLIM_TARGET_AVX2 static inline void nl_store8_avx2(uint8_t *dst, __m256i q)
{
    const __m256i lowbytes = _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                              0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    q = _mm256_shuffle_epi8(q, lowbytes);
    q = _mm256_permutevar8x32_epi32(q, _mm256_setr_epi32(0, 4, 1, 1, 1, 1, 1, 1));
    _mm_storel_epi64((__m128i *)dst, _mm256_castsi256_si128(q));
}

/* 32 floats d * table[code] for the 32 nibbles of 16 bytes (low nibbles
 * first), table being 16 int8 values. */
SLIM_TARGET_AVX2 static inline void nl_dequant32_avx2(const int8_t *table16, const uint8_t *qs,
                                                      __m256 d, float *y)
{
    const __m128i table = _mm_loadu_si128((const __m128i *)table16);
    const __m128i q = _mm_loadu_si128((const __m128i *)qs);
    const __m128i lo = _mm_shuffle_epi8(table, _mm_and_si128(q, _mm_set1_epi8(0x0f)));
    const __m128i hi = _mm_shuffle_epi8(table, _mm_and_si128(_mm_srli_epi16(q, 4),
                                                             _mm_set1_epi8(0x0f)));
    const __m128i v[4] = { lo, _mm_srli_si128(lo, 8), hi, _mm_srli_si128(hi, 8) };
    for (int k = 0; k < 4; k++)
        _mm256_storeu_ps(y + 8 * k, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(v[k]))));
}

#endif
