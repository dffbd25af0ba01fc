/* q2_K, q4_K, q5_K with AVX-512: 16 lanes, one sub-block each (see simd/kquant_asym_lanes.h). */
#include <immintrin.h>

#include "simd/cpu_internal.h"

#define KA_W 16
#define KA_ATTR SLIM_TARGET_AVX512
#define KA_FN(name) name##_avx512
#define KA_SQRT(v) ((ka_vf)_mm512_sqrt_ps((__m512)(v)))
#define KA_ANY(m) _mm512_test_epi32_mask((__m512i)(m), (__m512i)(m))
#define KA_MINI(a, b) ((ka_vi)_mm512_min_epi32((__m512i)(a), (__m512i)(b)))
#define KA_MAXI(a, b) ((ka_vi)_mm512_max_epi32((__m512i)(a), (__m512i)(b)))
#define KA_MINF(a, b) ((ka_vf)_mm512_min_ps((__m512)(a), (__m512)(b)))
#define KA_MAXF(a, b) ((ka_vf)_mm512_max_ps((__m512)(a), (__m512)(b)))
#define KA_GATHER(p, stride)                                                           \
    ((ka_vf)_mm512_i32gather_ps(_mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, \
                                                                     10, 11, 12, 13, 14, 15), \
                                                   _mm512_set1_epi32(stride)), (p), 4))
#define KA_LOAD_U8(p) ((ka_vi)_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(p))))
#define KA_STORE_U8(p, v) _mm_storeu_si128((__m128i *)(p), _mm512_cvtepi32_epi8((__m512i)(v)))
#include "simd/kquant_asym_lanes.h"
