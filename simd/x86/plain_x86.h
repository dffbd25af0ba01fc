/*
 * The F16 / BF16 x86 row kernels written once for AVX2 and AVX-512: a
 * vector loop over whole groups, the scalar reference for the tail.
 * Included once by plain_avx2.c and once by plain_avx512.c after they
 * define:
 *   PX_TARGET, PX_SUFFIX   target attribute and kernel name suffix
 *   PX_W                   floats per f16 step and per bf16 dequantize step
 *   PX_WB                  floats per bf16 quantize step
 *   px_f16_from_f32(y, x)  PX_W halves at y (bytes) from x
 *   px_f32_from_f16(y, x)  PX_W floats at y from the halves at x
 *   px_bf16_from_f32(y, x) PX_WB bf16 at y from x
 *   px_f32_from_bf16(y, x) PX_W floats at y from the bf16 at x
 */
#ifndef SLIM_SIMD_X86_PLAIN_X86_H
#define SLIM_SIMD_X86_PLAIN_X86_H

#include <stdint.h>

#include "simd/kernels.h"

#define PX_CAT3(a, b, c) a##b##c
#define PX_XCAT3(a, b, c) PX_CAT3(a, b, c)
#define PX_NAME(base) PX_XCAT3(base, _, PX_SUFFIX)

PX_TARGET
void PX_NAME(slim_quantize_row_f16)(const float *restrict x, void *restrict vy, int64_t n,
                                    const float *restrict qw)
{
    uint8_t *y = vy;
    int64_t i = 0;
    for (; i + PX_W <= n; i += PX_W)
        px_f16_from_f32(y + 2 * i, x + i);
    slim_quantize_row_f16_ref(x + i, y + 2 * i, n - i, qw);
}

PX_TARGET
void PX_NAME(slim_dequantize_row_f16)(const void *restrict vx, float *restrict y, int64_t n)
{
    const uint8_t *x = vx;
    int64_t i = 0;
    for (; i + PX_W <= n; i += PX_W)
        px_f32_from_f16(y + i, x + 2 * i);
    slim_dequantize_row_f16_ref(x + 2 * i, y + i, n - i);
}

PX_TARGET
void PX_NAME(slim_quantize_row_bf16)(const float *restrict x, void *restrict vy, int64_t n,
                                     const float *restrict qw)
{
    uint8_t *y = vy;
    int64_t i = 0;
    for (; i + PX_WB <= n; i += PX_WB)
        px_bf16_from_f32(y + 2 * i, x + i);
    slim_quantize_row_bf16_ref(x + i, y + 2 * i, n - i, qw);
}

PX_TARGET
void PX_NAME(slim_dequantize_row_bf16)(const void *restrict vx, float *restrict y, int64_t n)
{
    const uint8_t *x = vx;
    int64_t i = 0;
    for (; i + PX_W <= n; i += PX_W)
        px_f32_from_bf16(y + i, x + 2 * i);
    slim_dequantize_row_bf16_ref(x + 2 * i, y + i, n - i);
}

#endif
