/* q2_K, q4_K, q5_K with AVX-512: 16 lanes, one sub-block each (see simd/kquant_asym_lanes.h). */
#include <immintrin.h>

#include "simd/cpu_internal.h"

#define KA_W 16
#define KA_ATTR SLIM_TARGET_AVX512
#define KA_FN(name) name##_avx512
#define KA_SQRT(v) ((ka_vf)_mm512_sqrt_ps((__m512)(v)))
#define KA_ANY(m) _mm512_test_epi32_mask((__m512i)(m), (__m512i)(m))
#include "simd/kquant_asym_lanes.h"
