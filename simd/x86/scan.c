/* AVX2 and AVX-512 NaN/Inf scans: an exponent of all ones marks both. */
#include "simd/kernels.h"
#include "simd/cpu_internal.h"

#include <immintrin.h>

SLIM_TARGET_AVX2
int64_t slim_find_nonfinite_avx2(const float *x, int64_t n)
{
    const __m256i expmask = _mm256_set1_epi32(0x7f800000);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256i v = _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(x + i)), expmask);
        int m = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(v, expmask)));
        if (m)
            return i + __builtin_ctz((unsigned)m);
    }
    int64_t r = slim_find_nonfinite_ref(x + i, n - i);
    return r < 0 ? -1 : i + r;
}

SLIM_TARGET_AVX512
int64_t slim_find_nonfinite_avx512(const float *x, int64_t n)
{
    const __m512i expmask = _mm512_set1_epi32(0x7f800000);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512i v = _mm512_and_si512(_mm512_loadu_si512((const void *)(x + i)), expmask);
        __mmask16 m = _mm512_cmpeq_epi32_mask(v, expmask);
        if (m)
            return i + __builtin_ctz((unsigned)m);
    }
    int64_t r = slim_find_nonfinite_ref(x + i, n - i);
    return r < 0 ? -1 : i + r;
}
