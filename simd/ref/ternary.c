/*
 * TQ1_0 and TQ2_0 reference kernels (ternary weights, BitNet b1.58 style):
 * each weight becomes -1, 0 or +1 times the block's largest |x|. TQ2_0 packs
 * 2 bits per weight; TQ1_0 packs 5 trits per byte (4 in the last 4 bytes) as
 * a base-3 fraction of 256. Bit-identical to ggml's quantize_row_tq*_ref and
 * dequantize_row_tq*; the importance weights are ignored, as in ggml.
 */
#include "simd/kernels.h"
#include "simd/blocks.h"
#include "simd/ref/half.h"
#include "simd/ref/ternary.h"

float slim_tq_block_amax(const float *x)
{
    float amax = 0.0f;
    for (int j = 0; j < QK_K; j++) {
        const float a = fabsf(x[j]);
        amax = amax > a ? amax : a;
    }
    return amax;
}

/* x[k*stride], k < count, as trits 0..2, most significant first. */
static unsigned tq_trits(const float *x, size_t stride, int count, float id)
{
    unsigned q = 0;
    for (int k = 0; k < count; k++)
        q = q * 3 + (unsigned)(lroundf(x[k * stride] * id) + 1);
    return q & 0xff;
}

void slim_tq1_0_block_ref(const float *x, uint8_t *block)
{
    const float d = slim_tq_block_amax(x);
    const float id = d ? 1.0f / d : 0.0f;
    uint8_t *qs = block + offsetof(block_tq1_0, qs), *qh = block + offsetof(block_tq1_0, qh);
    slim_nl_put_half(block + offsetof(block_tq1_0, d), d);
    /* qs[0..32): weights m + 32n, n < 5; qs[32..48): 160 + m + 16n;
     * qh[0..4): 240 + j + 4n, n < 4, shifted up one trit. */
    for (int m = 0; m < 32; m++)
        qs[m] = slim_tq1_pack(tq_trits(x + m, 32, 5, id));
    for (int m = 0; m < 16; m++)
        qs[32 + m] = slim_tq1_pack(tq_trits(x + 160 + m, 16, 5, id));
    for (int j = 0; j < 4; j++)
        qh[j] = slim_tq1_pack((tq_trits(x + 240 + j, 4, 4, id) * 3) & 0xff);
}

void slim_quantize_row_tq1_0_ref(const float *restrict x, void *restrict vy, int64_t n,
                                 const float *restrict qw)
{
    (void)qw;
    uint8_t *y = vy;
    for (int64_t i = 0; i < n / QK_K; i++)
        slim_tq1_0_block_ref(x + i * QK_K, y + i * sizeof(block_tq1_0));
}

void slim_tq2_0_block_ref(const float *x, uint8_t *block)
{
    const float d = slim_tq_block_amax(x);
    const float id = d ? 1.0f / d : 0.0f;
    slim_nl_put_half(block + offsetof(block_tq2_0, d), d);
    /* byte 32h + m holds weights 128h + m + 32n in bits 2n. */
    for (int h = 0; h < 2; h++) {
        for (int m = 0; m < 32; m++) {
            unsigned q = 0;
            for (int k = 0; k < 4; k++) {
                const long t = lroundf(x[128 * h + m + 32 * k] * id) + 1;
                q += (unsigned)(t & 3) << (2 * k);
            }
            block[offsetof(block_tq2_0, qs) + 32 * h + m] = (uint8_t)q;
        }
    }
}

void slim_quantize_row_tq2_0_ref(const float *restrict x, void *restrict vy, int64_t n,
                                 const float *restrict qw)
{
    (void)qw;
    uint8_t *y = vy;
    for (int64_t i = 0; i < n / QK_K; i++)
        slim_tq2_0_block_ref(x + i * QK_K, y + i * sizeof(block_tq2_0));
}

void slim_dequantize_row_tq1_0_ref(const void *restrict vx, float *restrict y, int64_t n)
{
    const uint8_t *x = vx;
    for (int64_t i = 0; i < n / QK_K; i++, x += sizeof(block_tq1_0)) {
        const float d = slim_nl_get_half(x + offsetof(block_tq1_0, d));
        const uint8_t *qs = x + offsetof(block_tq1_0, qs), *qh = x + offsetof(block_tq1_0, qh);
        for (int n5 = 0; n5 < 5; n5++)
            for (int m = 0; m < 32; m++)
                *y++ = (float)(slim_tq1_trit(qs[m], n5) - 1) * d;
        for (int n5 = 0; n5 < 5; n5++)
            for (int m = 0; m < 16; m++)
                *y++ = (float)(slim_tq1_trit(qs[32 + m], n5) - 1) * d;
        for (int n4 = 0; n4 < 4; n4++)
            for (int j = 0; j < 4; j++)
                *y++ = (float)(slim_tq1_trit(qh[j], n4) - 1) * d;
    }
}

void slim_dequantize_row_tq2_0_ref(const void *restrict vx, float *restrict y, int64_t n)
{
    const uint8_t *x = vx;
    for (int64_t i = 0; i < n / QK_K; i++, x += sizeof(block_tq2_0)) {
        const float d = slim_nl_get_half(x + offsetof(block_tq2_0, d));
        const uint8_t *qs = x + offsetof(block_tq2_0, qs);
        for (int h = 0; h < 2; h++)
            for (int k = 0; k < 4; k++)
                for (int m = 0; m < 32; m++)
                    *y++ = (float)(((qs[32 * h + m] >> (2 * k)) & 3) - 1) * d;
    }
}
