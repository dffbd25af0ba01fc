/* q2_K, q4_K, q5_K with AVX2: 8 lanes, one sub-block each (see simd/kquant_asym_lanes.h). */
#include <immintrin.h>

#include "simd/cpu_internal.h"

#define KA_W 8
#define KA_ATTR SLIM_TARGET_AVX2
#define KA_FN(name) name##_avx2
#define KA_SQRT(v) ((ka_vf)_mm256_sqrt_ps((__m256)(v)))
#define KA_ANY(m) _mm256_movemask_ps((__m256)(m))
#define KA_MINI(a, b) ((ka_vi)_mm256_min_epi32((__m256i)(a), (__m256i)(b)))
#define KA_MAXI(a, b) ((ka_vi)_mm256_max_epi32((__m256i)(a), (__m256i)(b)))
#define KA_MINF(a, b) ((ka_vf)_mm256_min_ps((__m256)(a), (__m256)(b)))
#define KA_MAXF(a, b) ((ka_vf)_mm256_max_ps((__m256)(a), (__m256)(b)))
#define KA_GATHER(p, stride)                                                           \
    ((ka_vf)_mm256_i32gather_ps((p), _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), \
                                                        _mm256_set1_epi32(stride)), 4))
#define KA_LOAD_U8(p) ((ka_vi)_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(p))))
/* Lanes hold 0..255, so the saturating packs just narrow. */
#define KA_STORE_U8(p, v)                                                              \
    do {                                                                               \
        const __m256i v_ = (__m256i)(v);                                               \
        const __m128i w_ = _mm_packus_epi32(_mm256_castsi256_si128(v_),                \
                                            _mm256_extracti128_si256(v_, 1));          \
        _mm_storel_epi64((__m128i *)(p), _mm_packus_epi16(w_, w_));                    \
    } while (0)
#include "simd/kquant_asym_lanes.h"
