/*
 * TQ1_0 / TQ2_0 x86 kernels written once for AVX2 (8 weights per vector)
 * and AVX-512 (16): quantization of both types and TQ2_0 dequantization.
 * Included once by ternary_avx2.c and once by ternary_avx512.c (which keep
 * the TQ1_0 dequantizer, whose byte widening differs) after they define:
 *   TQ_TARGET, TQ_SUFFIX   target attribute and kernel name suffix
 *   TQ_W                   weights per vector
 *   tq_vf, tq_vi           float and int32 vectors
 *   tq_set1(f)             broadcast
 *   tq_amax(x)             max |x[0..256)| (exact in any order)
 *   tq_trit(x, id)         lroundf(x*id) + 1 of TQ_W weights, int32 0..2
 *   tq1_pack(x, stride, id) base-3 byte of the 5 trits x[k*stride], k < 5
 *   tq_or_shl(a, b, s)     a | b << s
 *   tq_store_bytes(dst, q) low bytes of the TQ_W lanes of q to dst
 *   tq_load_bytes(src)     TQ_W bytes zero-extended to int32
 *   tq_field(b, s)         (b >> s) & 3
 *   tq_out(y, t, d)        y[0..TQ_W) = (t - 1) * d
 * Quantization: |x*id| <= 1 + 2^-23 (id is 1/max|x| rounded), so
 * lroundf(x*id) is just (v >= .5) - (v <= -.5); a block whose 1/max|x|
 * overflows goes to the reference.
 */
#ifndef SLIM_SIMD_X86_TERNARY_X86_H
#define SLIM_SIMD_X86_TERNARY_X86_H

#include <float.h>
#include <stddef.h>
#include <stdint.h>

#include "simd/kernels.h"
#include "simd/ref/half.h"
#include "simd/ref/ternary.h"
#include "simd/x86/nl_x86.h"

#define TQ_CAT3(a, b, c) a##b##c
#define TQ_XCAT3(a, b, c) TQ_CAT3(a, b, c)
#define TQ_NAME(base) TQ_XCAT3(base, _, TQ_SUFFIX)

TQ_TARGET void TQ_NAME(slim_quantize_row_tq1_0)(const float *restrict x, void *restrict vy,
                                                int64_t n, const float *restrict qw)
{
    (void)qw;
    uint8_t *y = vy;
    for (int64_t i = 0; i < n / QK_K; i++, x += QK_K, y += sizeof(block_tq1_0)) {
        const float d = tq_amax(x);
        const float idf = d ? 1.0f / d : 0.0f;
        if (!(idf <= FLT_MAX)) {
            slim_tq1_0_block_ref(x, y);
            continue;
        }
        const tq_vf id = tq_set1(idf);
        slim_nl_put_half(y + offsetof(block_tq1_0, d), d);
        for (int m = 0; m < 32; m += TQ_W)
            tq_store_bytes(y + offsetof(block_tq1_0, qs) + m, tq1_pack(x + m, 32, id));
        for (int m = 0; m < 16; m += TQ_W)
            tq_store_bytes(y + offsetof(block_tq1_0, qs) + 32 + m, tq1_pack(x + 160 + m, 16, id));
        nl_tq1_qh(x + 240, idf, y + offsetof(block_tq1_0, qh));
    }
}

TQ_TARGET void TQ_NAME(slim_quantize_row_tq2_0)(const float *restrict x, void *restrict vy,
                                                int64_t n, const float *restrict qw)
{
    (void)qw;
    uint8_t *y = vy;
    for (int64_t i = 0; i < n / QK_K; i++, x += QK_K, y += sizeof(block_tq2_0)) {
        const float d = tq_amax(x);
        const float idf = d ? 1.0f / d : 0.0f;
        if (!(idf <= FLT_MAX)) {
            slim_tq2_0_block_ref(x, y);
            continue;
        }
        const tq_vf id = tq_set1(idf);
        slim_nl_put_half(y + offsetof(block_tq2_0, d), d);
        /* byte 32h + m: weights 128h + m + 32k in bits 2k. */
        for (int h = 0; h < 2; h++) {
            for (int m = 0; m < 32; m += TQ_W) {
                const float *xb = x + 128 * h + m;
                tq_vi q = tq_trit(xb, id);
                for (int k = 1; k < 4; k++)
                    q = tq_or_shl(q, tq_trit(xb + 32 * k, id), 2 * k);
                tq_store_bytes(y + offsetof(block_tq2_0, qs) + 32 * h + m, q);
            }
        }
    }
}

TQ_TARGET void TQ_NAME(slim_dequantize_row_tq2_0)(const void *restrict vx, float *restrict y,
                                                  int64_t n)
{
    const uint8_t *x = vx;
    for (int64_t i = 0; i < n / QK_K; i++, x += sizeof(block_tq2_0), y += QK_K) {
        const tq_vf d = tq_set1(slim_nl_get_half(x + offsetof(block_tq2_0, d)));
        const uint8_t *qs = x + offsetof(block_tq2_0, qs);
        for (int h = 0; h < 2; h++) {
            for (int m = 0; m < 32; m += TQ_W) {
                const tq_vi b = tq_load_bytes(qs + 32 * h + m);
                for (int k = 0; k < 4; k++)
                    tq_out(y + 128 * h + 32 * k + m, tq_field(b, 2 * k), d);
            }
        }
    }
}

/* TQ1_0 dequantization of the 16 weights in qh (y[240..256)), scalar. */
TQ_TARGET static inline void tq1_dequant_qh(float *y, const uint8_t *qh, float df)
{
    for (int k = 0; k < 4; k++)
        for (int j = 0; j < 4; j++)
            y[4 * k + j] = (float)(slim_tq1_trit(qh[j], k) - 1) * df;
}

#endif
