/* Plain number types as row kernels: F32 (a copy), F16 and BF16. */
#include "simd/kernels.h"
#include "simd/ref/half.h"

#include <string.h>

void slim_quantize_row_f32_ref(const float *restrict x, void *restrict y, int64_t n,
                               const float *restrict qw)
{
    (void)qw;
    memcpy(y, x, (size_t)n * sizeof(float));
}

void slim_dequantize_row_f32_ref(const void *restrict x, float *restrict y, int64_t n)
{
    memcpy(y, x, (size_t)n * sizeof(float));
}

void slim_quantize_row_f16_ref(const float *restrict x, void *restrict vy, int64_t n,
                               const float *restrict qw)
{
    (void)qw;
    uint8_t *y = vy;
    for (int64_t i = 0; i < n; i++) {
        uint16_t h = slim_f32_to_half(x[i]);
        memcpy(y + 2 * i, &h, 2);
    }
}

void slim_dequantize_row_f16_ref(const void *restrict vx, float *restrict y, int64_t n)
{
    const uint8_t *x = vx;
    for (int64_t i = 0; i < n; i++) {
        uint16_t h;
        memcpy(&h, x + 2 * i, 2);
        y[i] = slim_half_to_f32(h);
    }
}

void slim_quantize_row_bf16_ref(const float *restrict x, void *restrict vy, int64_t n,
                                const float *restrict qw)
{
    (void)qw;
    uint8_t *y = vy;
    for (int64_t i = 0; i < n; i++) {
        uint16_t h = slim_f32_to_bf16(x[i]);
        memcpy(y + 2 * i, &h, 2);
    }
}

void slim_dequantize_row_bf16_ref(const void *restrict vx, float *restrict y, int64_t n)
{
    const uint8_t *x = vx;
    for (int64_t i = 0; i < n; i++) {
        uint16_t h;
        memcpy(&h, x + 2 * i, 2);
        y[i] = slim_bf16_to_f32(h);
    }
}
