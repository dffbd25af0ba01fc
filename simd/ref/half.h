/*
 * Scalar float <-> binary16 / bfloat16 conversions, bit-identical to ggml's
 * reference conversions (round to nearest even; NaN -> quiet NaN). Every
 * quantizer stores its scales through these, so every SIMD path must produce
 * exactly the same bits.
 */
#ifndef SLIM_SIMD_REF_HALF_H
#define SLIM_SIMD_REF_HALF_H

#include <stdint.h>
#include <string.h>
#include <math.h>

static inline uint32_t slim_f32_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline float slim_bits_f32(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

/* binary16 -> float: exact for every input, subnormals included. */
static inline float slim_half_to_f32(uint16_t h)
{
    const uint32_t w = (uint32_t)h << 16;
    const uint32_t sign = w & 0x80000000u;
    const uint32_t two_w = w + w;
    /* Normal numbers: shift the exponent and mantissa into place, then
     * rebias by multiplying with 2^-112 (exact). */
    const float normalized = slim_bits_f32((two_w >> 4) + (0xE0u << 23)) * 0x1.0p-112f;
    /* Subnormals: build 0.5 + m*2^-24 and subtract 0.5 (exact). */
    const float denormalized = slim_bits_f32((two_w >> 17) | (126u << 23)) - 0.5f;
    const uint32_t r = sign | (two_w < (1u << 27) ? slim_f32_bits(denormalized)
                                                   : slim_f32_bits(normalized));
    return slim_bits_f32(r);
}

/* float -> binary16, round to nearest even, overflow to Inf, NaN to 0x7E00. */
static inline uint16_t slim_f32_to_half(float f)
{
    float base = (fabsf(f) * 0x1.0p+112f) * 0x1.0p-110f;
    const uint32_t w = slim_f32_bits(f);
    const uint32_t shl1_w = w + w;
    const uint32_t sign = w & 0x80000000u;
    uint32_t bias = shl1_w & 0xFF000000u;
    if (bias < 0x71000000u)
        bias = 0x71000000u;
    /* Adding a power of two of the right magnitude makes the FPU round the
     * mantissa to 10 bits for us. */
    base = slim_bits_f32((bias >> 1) + 0x07800000u) + base;
    const uint32_t bits = slim_f32_bits(base);
    const uint32_t exp_bits = (bits >> 13) & 0x00007C00u;
    const uint32_t mantissa_bits = bits & 0x00000FFFu;
    const uint32_t nonsign = exp_bits + mantissa_bits;
    return (uint16_t)((sign >> 16) | (shl1_w > 0xFF000000u ? 0x7E00u : nonsign));
}

static inline float slim_bf16_to_f32(uint16_t h) { return slim_bits_f32((uint32_t)h << 16); }

/* float -> bfloat16, round to nearest even; NaN keeps its payload, made quiet. */
static inline uint16_t slim_f32_to_bf16(float f)
{
    uint32_t u = slim_f32_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u)
        return (uint16_t)((u >> 16) | 64);
    return (uint16_t)((u + (0x7fffu + ((u >> 16) & 1))) >> 16);
}

/* Round to nearest with ties to even via the 1.5*2^23 trick, as ggml does;
 * valid for |f| < 2^22. */
static inline int slim_nearest_int(float f)
{
    float v = f + 12582912.f;
    int32_t i;
    memcpy(&i, &v, 4);
    return (i & 0x007fffff) - 0x00400000;
}

#endif
