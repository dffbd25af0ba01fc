/*
 * Helpers shared by the reference and the vector kernels of the legacy
 * 32-element block types (q4_0, q4_1, q5_0, q5_1, q8_0).
 */
#ifndef SLIM_SIMD_REF_LEGACY_H
#define SLIM_SIMD_REF_LEGACY_H

#include <stdint.h>
#include <string.h>

#include "simd/ref/half.h"

/* Rows need not be aligned, so every path addresses blocks as bytes and
 * copies the half-precision scales with memcpy. */
static inline void slim_legacy_put_half(uint8_t *p, float f)
{
    uint16_t h = slim_f32_to_half(f);
    memcpy(p, &h, 2);
}

static inline float slim_legacy_get_half(const uint8_t *p)
{
    uint16_t h;
    memcpy(&h, p, 2);
    return slim_half_to_f32(h);
}

/*
 * ggml turns the scaled values into levels with plain C casts such as
 * (int8_t)(v + 8.5f). The reference vectors come from x86-64, where gcc
 * emits cvttss2si: truncation toward zero, and INT32_MIN for NaN or a value
 * outside the int32 range. That case is reachable: for a block of subnormal
 * inputs 1/d overflows to Inf, so v is +-Inf or NaN, and the level's low
 * byte becomes 0. The SIMD paths get this from cvttps2dq (x86) or by
 * masking (NEON); the scalar code spells it out so that it is defined C and
 * gives the same bytes on every machine.
 */
static inline int32_t slim_legacy_cvtt(float v)
{
    if (v > -2147483904.0f && v < 2147483648.0f)
        return (int32_t)v;
    return INT32_MIN;
}

/* (int8_t)v as above: the low byte of the truncated value, read as signed. */
static inline int slim_legacy_cvtt_i8(float v)
{
    uint8_t b = (uint8_t)((uint32_t)slim_legacy_cvtt(v) & 0xffu);
    return b < 128 ? (int)b : (int)b - 256;
}

/* Element j goes to the low nibble of qs[j], element j+16 to the high one. */
static inline void slim_legacy_pack4(const uint8_t *L, uint8_t *qs)
{
    for (int j = 0; j < 16; j++)
        qs[j] = (uint8_t)((L[j] & 0x0F) | ((L[j + 16] & 0x0F) << 4));
}

/* Low nibbles as above; bit 4 of element j goes to bit j of qh. */
static inline void slim_legacy_pack5(const uint8_t *L, uint8_t *qs, uint8_t *qh)
{
    slim_legacy_pack4(L, qs);
    uint32_t h = 0;
    for (int j = 0; j < 32; j++)
        h |= (uint32_t)((L[j] >> 4) & 1) << j;
    for (int k = 0; k < 4; k++)
        qh[k] = (uint8_t)(h >> (8 * k));
}

/* Mean square of the row (sigma2 of the importance weights), summed in
 * order as ggml does. */
static inline float slim_legacy_row_sigma2(const float *x, int64_t n)
{
    float sum_x2 = 0.0f;
    for (int64_t j = 0; j < n; j++)
        sum_x2 += x[j] * x[j];
    return sum_x2 / (float)n;
}

#endif
