/* AVX-512 (F/BW) byte grouping (see simd/ref/bytegroup.c for the layout). */
#include "simd/kernels.h"
#include "simd/bytegroup_tail.h"
#include "simd/cpu_internal.h"

#include <immintrin.h>

SLIM_TARGET_AVX512
void slim_bytegroup2_avx512(const void *restrict src, void *restrict dst, int64_t n)
{
    const uint8_t *s = src;
    uint8_t *d = dst;
    const __m512i lomask = _mm512_set1_epi16(0xff);
    /* packus leaves qwords a0 b0 a1 b1 a2 b2 a3 b3: gather the a's then b's */
    const __m512i fix = _mm512_setr_epi64(0, 2, 4, 6, 1, 3, 5, 7);
    int64_t i = 0;
    for (; i + 64 <= n; i += 64) {
        __m512i a = _mm512_loadu_si512((const void *)(s + 2 * i));
        __m512i b = _mm512_loadu_si512((const void *)(s + 2 * i + 64));
        a = _mm512_or_si512(_mm512_slli_epi16(a, 1), _mm512_srli_epi16(a, 15));
        b = _mm512_or_si512(_mm512_slli_epi16(b, 1), _mm512_srli_epi16(b, 15));
        __m512i lo = _mm512_packus_epi16(_mm512_and_si512(a, lomask),
                                         _mm512_and_si512(b, lomask));
        __m512i hi = _mm512_packus_epi16(_mm512_srli_epi16(a, 8), _mm512_srli_epi16(b, 8));
        _mm512_storeu_si512((void *)(d + i), _mm512_permutexvar_epi64(fix, lo));
        _mm512_storeu_si512((void *)(d + n + i), _mm512_permutexvar_epi64(fix, hi));
    }
    slim_bytegroup2_tail(s, d, n, i);
}

SLIM_TARGET_AVX512
void slim_byteungroup2_avx512(const void *restrict src, void *restrict dst, int64_t n)
{
    const uint8_t *s = src;
    uint8_t *d = dst;
    /* unpack per lane: ul = elements 0-7,16-23,32-39,48-55; uh = 8-15,... */
    const __m512i first = _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11);
    const __m512i second = _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15);
    int64_t i = 0;
    for (; i + 64 <= n; i += 64) {
        __m512i lo = _mm512_loadu_si512((const void *)(s + i));
        __m512i hi = _mm512_loadu_si512((const void *)(s + n + i));
        __m512i ul = _mm512_unpacklo_epi8(lo, hi), uh = _mm512_unpackhi_epi8(lo, hi);
        __m512i a = _mm512_permutex2var_epi64(ul, first, uh);
        __m512i b = _mm512_permutex2var_epi64(ul, second, uh);
        a = _mm512_or_si512(_mm512_srli_epi16(a, 1), _mm512_slli_epi16(a, 15));
        b = _mm512_or_si512(_mm512_srli_epi16(b, 1), _mm512_slli_epi16(b, 15));
        _mm512_storeu_si512((void *)(d + 2 * i), a);
        _mm512_storeu_si512((void *)(d + 2 * i + 64), b);
    }
    slim_byteungroup2_tail(s, d, n, i);
}

/* Per 128-bit lane a 4x4 byte transpose, then a 4x4 dword transpose across
 * lanes: both are their own inverses, so ungroup uses the same two steps. */
SLIM_TARGET_AVX512
static __m512i transpose_bytes4(__m512i v)
{
    const __m512i t = _mm512_broadcast_i32x4(
        _mm_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15));
    return _mm512_shuffle_epi8(v, t);
}

SLIM_TARGET_AVX512
static __m512i transpose_dwords4(__m512i v)
{
    const __m512i t = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    return _mm512_permutexvar_epi32(t, v);
}

SLIM_TARGET_AVX512
void slim_bytegroup4_avx512(const void *restrict src, void *restrict dst, int64_t n)
{
    const uint8_t *s = src;
    uint8_t *d = dst;
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512i v = _mm512_loadu_si512((const void *)(s + 4 * i));
        v = _mm512_or_si512(_mm512_slli_epi32(v, 1), _mm512_srli_epi32(v, 31));
        v = transpose_dwords4(transpose_bytes4(v));
        _mm_storeu_si128((void *)(d + i), _mm512_castsi512_si128(v));
        _mm_storeu_si128((void *)(d + n + i), _mm512_extracti32x4_epi32(v, 1));
        _mm_storeu_si128((void *)(d + 2 * n + i), _mm512_extracti32x4_epi32(v, 2));
        _mm_storeu_si128((void *)(d + 3 * n + i), _mm512_extracti32x4_epi32(v, 3));
    }
    slim_bytegroup4_tail(s, d, n, i);
}

SLIM_TARGET_AVX512
void slim_byteungroup4_avx512(const void *restrict src, void *restrict dst, int64_t n)
{
    const uint8_t *s = src;
    uint8_t *d = dst;
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512i v = _mm512_castsi128_si512(_mm_loadu_si128((const void *)(s + i)));
        v = _mm512_inserti32x4(v, _mm_loadu_si128((const void *)(s + n + i)), 1);
        v = _mm512_inserti32x4(v, _mm_loadu_si128((const void *)(s + 2 * n + i)), 2);
        v = _mm512_inserti32x4(v, _mm_loadu_si128((const void *)(s + 3 * n + i)), 3);
        v = transpose_bytes4(transpose_dwords4(v));
        v = _mm512_or_si512(_mm512_srli_epi32(v, 1), _mm512_slli_epi32(v, 31));
        _mm512_storeu_si512((void *)(d + 4 * i), v);
    }
    slim_byteungroup4_tail(s, d, n, i);
}
