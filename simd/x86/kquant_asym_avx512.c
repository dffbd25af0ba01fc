/* q2_K, q4_K, q5_K with AVX-512: 16 lanes, one sub-block each (see simd/kquant_asym_lanes.h). */
#include "simd/x86/qkx_avx512.h"
#include "simd/kquant_asym_lanes.h"
