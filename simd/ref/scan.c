/* Scalar reference of the NaN/Inf scan that guards every quantizer. */
#include "simd/kernels.h"
#include "simd/ref/half.h"

int64_t slim_find_nonfinite_ref(const float *x, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        if ((slim_f32_bits(x[i]) & 0x7f800000u) == 0x7f800000u)
            return i;
    return -1;
}
