/* q2_K, q4_K, q5_K with NEON: 4 lanes, one sub-block each (see simd/kquant_asym_lanes.h). */
#include <arm_neon.h>

#define KA_W 4
#define KA_ATTR
#define KA_FN(name) name##_neon
#define KA_SQRT(v) ((ka_vf)vsqrtq_f32((float32x4_t)(v)))
#define KA_ANY(m) vmaxvq_u32((uint32x4_t)(m))
#include "simd/kquant_asym_lanes.h"
