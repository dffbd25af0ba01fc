/* NEON NaN/Inf scan: an exponent of all ones marks both. */
#include "simd/kernels.h"

#include <arm_neon.h>

int64_t slim_find_nonfinite_neon(const float *x, int64_t n)
{
    const uint32x4_t expmask = vdupq_n_u32(0x7f800000u);
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        uint32x4_t v = vandq_u32(vld1q_u32((const uint32_t *)(x + i)), expmask);
        uint32x4_t eq = vceqq_u32(v, expmask);
        if (vmaxvq_u32(eq)) /* the scalar code finds which lane */
            return i + slim_find_nonfinite_ref(x + i, 4);
    }
    int64_t r = slim_find_nonfinite_ref(x + i, n - i);
    return r < 0 ? -1 : i + r;
}
