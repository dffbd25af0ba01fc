/*
 * The 12-byte packing of eight 6-bit (scale, min) pairs used by q4_K and
 * q5_K (ggml's get_scale_min_k4 layout):
 *   bytes 0..3:  low 6 bits = scale j (j < 4), top 2 bits = high bits of scale j+4
 *   bytes 4..7:  low 6 bits = min j   (j < 4), top 2 bits = high bits of min j+4
 *   bytes 8..11: low nibble = low 4 bits of scale j+4, high nibble = of min j+4
 * Shared by the reference kernels and every SIMD path.
 */
#ifndef SLIM_SIMD_REF_KQUANT_UTIL_H
#define SLIM_SIMD_REF_KQUANT_UTIL_H

#include <stdint.h>

/* Unpack scale and min of sub-block j (0..7). */
static inline void slim_get_scale_min_k4(int j, const uint8_t *q, uint8_t *d, uint8_t *m)
{
    if (j < 4) {
        *d = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *d = (uint8_t)((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
        *m = (uint8_t)((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

/*
 * Pack eight scales ls[] and mins lm[] into q[12]. Values are meant to be
 * <= 63; like ggml, nothing is masked, so an out-of-range level (possible in
 * the imatrix path of q4_K) spills into neighbouring bits exactly as there.
 */
static inline void slim_set_scale_min_k4(const uint8_t *ls, const uint8_t *lm, uint8_t *q)
{
    for (int j = 0; j < 4; ++j) {
        q[j] = (uint8_t)(ls[j] | ((ls[j + 4] >> 4) << 6));
        q[j + 4] = (uint8_t)(lm[j] | ((lm[j + 4] >> 4) << 6));
        q[j + 8] = (uint8_t)((ls[j + 4] & 0xF) | ((lm[j + 4] & 0xF) << 4));
    }
}

#endif
