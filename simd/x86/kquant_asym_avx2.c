/* q2_K, q4_K, q5_K with AVX2: 8 lanes, one sub-block each (see simd/kquant_asym_lanes.h). */
#include "simd/x86/qkx_avx2.h"
#include "simd/kquant_asym_lanes.h"
