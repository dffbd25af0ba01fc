/*
 * MXFP4 reference kernels: 32 weights as E2M1 codes sharing one E8M0
 * (power of two) scale. Bit-identical to ggml's quantize_row_mxfp4_ref and
 * dequantize_row_mxfp4 (see slim_mxfp4_exponent for the one case ggml leaves
 * undefined); the importance weights are ignored, as in ggml.
 */
#include "simd/kernels.h"
#include "simd/blocks.h"
#include "simd/ref/nonlinear.h"

void slim_mxfp4_block_ref(const float *x, uint8_t *block)
{
    float amax = 0.0f;
    for (int j = 0; j < QK_LEGACY; j++) {
        if (amax < fabsf(x[j]))
            amax = fabsf(x[j]);
    }
    const uint8_t e = slim_mxfp4_exponent(amax);
    const float d = slim_e8m0_to_f32_half(e);
    block[offsetof(block_mxfp4, e)] = e;
    for (int j = 0; j < QK_LEGACY / 2; j++)
        block[offsetof(block_mxfp4, qs) + j] = (uint8_t)(slim_mxfp4_best_index(x[j], d)
                             | slim_mxfp4_best_index(x[j + QK_LEGACY / 2], d) << 4);
}

void slim_quantize_row_mxfp4_ref(const float *restrict x, void *restrict vy, int64_t n,
                                 const float *restrict qw)
{
    (void)qw;
    uint8_t *y = vy;
    for (int64_t i = 0; i < n / QK_LEGACY; i++)
        slim_mxfp4_block_ref(x + i * QK_LEGACY, y + i * sizeof(block_mxfp4));
}

void slim_dequantize_row_mxfp4_ref(const void *restrict vx, float *restrict y, int64_t n)
{
    const uint8_t *x = vx;
    for (int64_t i = 0; i < n / QK_LEGACY; i++, x += sizeof(block_mxfp4), y += QK_LEGACY) {
        const float d = slim_e8m0_to_f32_half(x[offsetof(block_mxfp4, e)]);
        const uint8_t *qs = x + offsetof(block_mxfp4, qs);
        for (int j = 0; j < QK_LEGACY / 2; j++) {
            y[j] = slim_mxfp4_values[qs[j] & 0x0f] * d;
            y[j + QK_LEGACY / 2] = slim_mxfp4_values[qs[j] >> 4] * d;
        }
    }
}
