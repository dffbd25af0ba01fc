/* q2_K, q4_K, q5_K with AVX2: 8 lanes, one sub-block each (see simd/kquant_asym_lanes.h). */
#include <immintrin.h>

#include "simd/cpu_internal.h"

#define KA_W 8
#define KA_ATTR SLIM_TARGET_AVX2
#define KA_FN(name) name##_avx2
#define KA_SQRT(v) ((ka_vf)_mm256_sqrt_ps((__m256)(v)))
#define KA_ANY(m) _mm256_movemask_ps((__m256)(m))
#include "simd/kquant_asym_lanes.h"
