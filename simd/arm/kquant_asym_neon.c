/* q2_K, q4_K, q5_K with NEON: 4 lanes, one sub-block each (see simd/kquant_asym_lanes.h). */
#include "simd/arm/qkx_neon.h"
#include "simd/kquant_asym_lanes.h"
