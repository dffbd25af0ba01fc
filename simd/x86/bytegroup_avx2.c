/* AVX2 byte grouping (see simd/ref/bytegroup.c for the layout). The planes
 * are n bytes apart, so the vector loop handles elements [0, i) and the ref
 * finishes the tail through plane pointers offset by i with the same stride. */
#include "simd/kernels.h"
#include "simd/bytegroup_tail.h"
#include "simd/cpu_internal.h"

#include <immintrin.h>

SLIM_TARGET_AVX2
void slim_bytegroup2_avx2(const void *restrict src, void *restrict dst, int64_t n)
{
    const uint8_t *s = src;
    uint8_t *d = dst;
    const __m256i lomask = _mm256_set1_epi16(0xff);
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256i a = _mm256_loadu_si256((const void *)(s + 2 * i));
        __m256i b = _mm256_loadu_si256((const void *)(s + 2 * i + 32));
        a = _mm256_or_si256(_mm256_slli_epi16(a, 1), _mm256_srli_epi16(a, 15));
        b = _mm256_or_si256(_mm256_slli_epi16(b, 1), _mm256_srli_epi16(b, 15));
        /* packus interleaves 8-byte halves per 128-bit lane: fix with 0xD8 */
        __m256i lo = _mm256_packus_epi16(_mm256_and_si256(a, lomask),
                                         _mm256_and_si256(b, lomask));
        __m256i hi = _mm256_packus_epi16(_mm256_srli_epi16(a, 8), _mm256_srli_epi16(b, 8));
        _mm256_storeu_si256((void *)(d + i), _mm256_permute4x64_epi64(lo, 0xD8));
        _mm256_storeu_si256((void *)(d + n + i), _mm256_permute4x64_epi64(hi, 0xD8));
    }
    slim_bytegroup2_tail(s, d, n, i);
}

SLIM_TARGET_AVX2
void slim_byteungroup2_avx2(const void *restrict src, void *restrict dst, int64_t n)
{
    const uint8_t *s = src;
    uint8_t *d = dst;
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256i lo = _mm256_loadu_si256((const void *)(s + i));
        __m256i hi = _mm256_loadu_si256((const void *)(s + n + i));
        __m256i ul = _mm256_unpacklo_epi8(lo, hi); /* elements 0-7 | 16-23 */
        __m256i uh = _mm256_unpackhi_epi8(lo, hi); /* elements 8-15 | 24-31 */
        __m256i a = _mm256_permute2x128_si256(ul, uh, 0x20);
        __m256i b = _mm256_permute2x128_si256(ul, uh, 0x31);
        a = _mm256_or_si256(_mm256_srli_epi16(a, 1), _mm256_slli_epi16(a, 15));
        b = _mm256_or_si256(_mm256_srli_epi16(b, 1), _mm256_slli_epi16(b, 15));
        _mm256_storeu_si256((void *)(d + 2 * i), a);
        _mm256_storeu_si256((void *)(d + 2 * i + 32), b);
    }
    slim_byteungroup2_tail(s, d, n, i);
}

/* Within each 128-bit lane, a 4x4 byte transpose: byte k of 4 elements
 * become dword k. It is its own inverse. */
SLIM_TARGET_AVX2
static __m256i transpose4x4_bytes(__m256i v)
{
    const __m256i t = _mm256_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15,
                                       0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    return _mm256_shuffle_epi8(v, t);
}

SLIM_TARGET_AVX2
void slim_bytegroup4_avx2(const void *restrict src, void *restrict dst, int64_t n)
{
    const uint8_t *s = src;
    uint8_t *d = dst;
    /* dwords [p0 e0-3, p1, p2, p3 | p0 e4-7, ...] -> [p0 e0-7, p1 e0-7, ...] */
    const __m256i perm = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256i v = _mm256_loadu_si256((const void *)(s + 4 * i));
        v = _mm256_or_si256(_mm256_slli_epi32(v, 1), _mm256_srli_epi32(v, 31));
        v = _mm256_permutevar8x32_epi32(transpose4x4_bytes(v), perm);
        __m128i l = _mm256_castsi256_si128(v), h = _mm256_extracti128_si256(v, 1);
        _mm_storel_epi64((void *)(d + i), l);
        _mm_storel_epi64((void *)(d + n + i), _mm_unpackhi_epi64(l, l));
        _mm_storel_epi64((void *)(d + 2 * n + i), h);
        _mm_storel_epi64((void *)(d + 3 * n + i), _mm_unpackhi_epi64(h, h));
    }
    slim_bytegroup4_tail(s, d, n, i);
}

SLIM_TARGET_AVX2
void slim_byteungroup4_avx2(const void *restrict src, void *restrict dst, int64_t n)
{
    const uint8_t *s = src;
    uint8_t *d = dst;
    const __m256i perm = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7); /* inverse of above */
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m128i p0 = _mm_loadl_epi64((const void *)(s + i));
        __m128i p1 = _mm_loadl_epi64((const void *)(s + n + i));
        __m128i p2 = _mm_loadl_epi64((const void *)(s + 2 * n + i));
        __m128i p3 = _mm_loadl_epi64((const void *)(s + 3 * n + i));
        __m256i v = _mm256_set_m128i(_mm_unpacklo_epi64(p2, p3), _mm_unpacklo_epi64(p0, p1));
        v = transpose4x4_bytes(_mm256_permutevar8x32_epi32(v, perm));
        v = _mm256_or_si256(_mm256_srli_epi32(v, 1), _mm256_slli_epi32(v, 31));
        _mm256_storeu_si256((void *)(d + 4 * i), v);
    }
    slim_byteungroup4_tail(s, d, n, i);
}
