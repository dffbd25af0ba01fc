/*
 * The legacy x86 kernels (q4_0, q4_1, q5_0, q5_1, q8_0, both directions)
 * written once for AVX2 and AVX-512: they differ only in how one block's
 * 32 levels are held and computed, which the including file supplies.
 * Included once by legacy_avx2.c and once by legacy_avx512.c, after
 * simd/legacy_lanes.h (ll_quantize_sym_imatrix, ll_quantize_asym_imatrix).
 *
 * The including file defines:
 *   LX_TARGET, LX_SUFFIX   target attribute and kernel name suffix
 *   lx_b32                 one block's 32 byte levels, in element order
 *   lx_sym_block(x, half, &d), lx_asym_block(x, nmax, top, &d, &m),
 *   lx_q8_block(x, &d)     quantize one block: levels, scale (and min)
 *   lx_store_nibbles(qs, b), lx_store_qh(qh, b), lx_store32(qs, b)
 *   lx_unpack_nibbles(qs), lx_or_qh(b, qh), lx_sub8(b, c), lx_load32(qs)
 *   lx_store_scaled(y, b, d, m)   y = (float)l * half d (+ half m unless
 *                                 m is NULL) for the 32 signed levels b
 * Every helper must be inline with LX_TARGET, so the kernels below compile
 * to what they were when each file spelled them out.
 */
#ifndef SLIM_SIMD_X86_LEGACY_X86_H
#define SLIM_SIMD_X86_LEGACY_X86_H

#include <stddef.h>
#include <stdint.h>

#include "simd/blocks.h"
#include "simd/kernels.h"
#include "simd/ref/legacy.h"

#define LX_CAT3(a, b, c) a##b##c
#define LX_XCAT3(a, b, c) LX_CAT3(a, b, c)
/* slim_quantize_row_q4_0 -> slim_quantize_row_q4_0_avx2 (or _avx512). */
#define LX_NAME(base) LX_XCAT3(base, _, LX_SUFFIX)

/* Field offsets of the q4_x (bits 4) and q5_x (bits 5) blocks. */
#define LX_SYM_SIZE(bits) ((bits) == 4 ? sizeof(block_q4_0) : sizeof(block_q5_0))
#define LX_SYM_QS(bits) ((bits) == 4 ? offsetof(block_q4_0, qs) : offsetof(block_q5_0, qs))
#define LX_ASYM_SIZE(bits) ((bits) == 4 ? sizeof(block_q4_1) : sizeof(block_q5_1))
#define LX_ASYM_QS(bits) ((bits) == 4 ? offsetof(block_q4_1, qs) : offsetof(block_q5_1, qs))

/* bits is a constant at every call: always_inline gives each kernel the
 * code it had when written out. */
#define LX_INLINE LX_TARGET __attribute__((always_inline)) static inline

/* q4_0 (bits 4) / q5_0 (bits 5). */
LX_INLINE void lx_quantize_sym(const float *restrict x, uint8_t *restrict y, int64_t n,
                               const float *restrict qw, int bits)
{
    if (qw) {
        ll_quantize_sym_imatrix(x, y, n, qw, bits);
        return;
    }
    for (int64_t i = 0; i < n / QK_LEGACY; i++, x += QK_LEGACY, y += LX_SYM_SIZE(bits)) {
        float d;
        lx_b32 b = lx_sym_block(x, 1 << (bits - 1), &d);
        slim_legacy_put_half(y + offsetof(block_q4_0, d), d);   /* d comes first in both */
        if (bits == 5)
            lx_store_qh(y + offsetof(block_q5_0, qh), b);
        lx_store_nibbles(y + LX_SYM_QS(bits), b);
    }
}

/* q4_1 (bits 4) / q5_1 (bits 5). */
LX_INLINE void lx_quantize_asym(const float *restrict x, uint8_t *restrict y, int64_t n,
                                const float *restrict qw, int bits)
{
    if (qw) {
        ll_quantize_asym_imatrix(x, y, n, qw, bits);
        return;
    }
    for (int64_t i = 0; i < n / QK_LEGACY; i++, x += QK_LEGACY, y += LX_ASYM_SIZE(bits)) {
        float d, m;
        /* ggml caps q4_1 levels at 15 but not q5_1's; INT32_MAX leaves them alone. */
        lx_b32 b = lx_asym_block(x, (1 << bits) - 1, bits == 4 ? 15 : INT32_MAX, &d, &m);
        slim_legacy_put_half(y + offsetof(block_q4_1, d), d);   /* d, m first in both */
        slim_legacy_put_half(y + offsetof(block_q4_1, m), m);
        if (bits == 5)
            lx_store_qh(y + offsetof(block_q5_1, qh), b);
        lx_store_nibbles(y + LX_ASYM_QS(bits), b);
    }
}

LX_TARGET
void LX_NAME(slim_quantize_row_q4_0)(const float *restrict x, void *restrict vy, int64_t n,
                                     const float *restrict qw)
{
    lx_quantize_sym(x, vy, n, qw, 4);
}

LX_TARGET
void LX_NAME(slim_quantize_row_q5_0)(const float *restrict x, void *restrict vy, int64_t n,
                                     const float *restrict qw)
{
    lx_quantize_sym(x, vy, n, qw, 5);
}

LX_TARGET
void LX_NAME(slim_quantize_row_q4_1)(const float *restrict x, void *restrict vy, int64_t n,
                                     const float *restrict qw)
{
    lx_quantize_asym(x, vy, n, qw, 4);
}

LX_TARGET
void LX_NAME(slim_quantize_row_q5_1)(const float *restrict x, void *restrict vy, int64_t n,
                                     const float *restrict qw)
{
    lx_quantize_asym(x, vy, n, qw, 5);
}

LX_TARGET
void LX_NAME(slim_quantize_row_q8_0)(const float *restrict x, void *restrict vy, int64_t n,
                                     const float *restrict qw)
{
    (void)qw;
    uint8_t *y = vy;
    for (int64_t i = 0; i < n / QK_LEGACY; i++, x += QK_LEGACY, y += sizeof(block_q8_0)) {
        float d;
        lx_b32 b = lx_q8_block(x, &d);
        slim_legacy_put_half(y + offsetof(block_q8_0, d), d);
        lx_store32(y + offsetof(block_q8_0, qs), b);
    }
}

/* q4_0 / q5_0: (l - 2^(bits-1)) * d. */
LX_INLINE void lx_dequantize_sym(const uint8_t *restrict x, float *restrict y, int64_t n, int bits)
{
    for (int64_t i = 0; i < n / QK_LEGACY; i++, x += LX_SYM_SIZE(bits), y += QK_LEGACY) {
        lx_b32 b = lx_unpack_nibbles(x + LX_SYM_QS(bits));
        if (bits == 5)
            b = lx_or_qh(b, x + offsetof(block_q5_0, qh));
        lx_store_scaled(y, lx_sub8(b, (char)(1 << (bits - 1))), x + offsetof(block_q4_0, d), NULL);
    }
}

/* q4_1 / q5_1: l * d + m. */
LX_INLINE void lx_dequantize_asym(const uint8_t *restrict x, float *restrict y, int64_t n, int bits)
{
    for (int64_t i = 0; i < n / QK_LEGACY; i++, x += LX_ASYM_SIZE(bits), y += QK_LEGACY) {
        lx_b32 b = lx_unpack_nibbles(x + LX_ASYM_QS(bits));
        if (bits == 5)
            b = lx_or_qh(b, x + offsetof(block_q5_1, qh));
        lx_store_scaled(y, b, x + offsetof(block_q4_1, d), x + offsetof(block_q4_1, m));
    }
}

LX_TARGET
void LX_NAME(slim_dequantize_row_q4_0)(const void *restrict vx, float *restrict y, int64_t n)
{
    lx_dequantize_sym(vx, y, n, 4);
}

LX_TARGET
void LX_NAME(slim_dequantize_row_q4_1)(const void *restrict vx, float *restrict y, int64_t n)
{
    lx_dequantize_asym(vx, y, n, 4);
}

LX_TARGET
void LX_NAME(slim_dequantize_row_q5_0)(const void *restrict vx, float *restrict y, int64_t n)
{
    lx_dequantize_sym(vx, y, n, 5);
}

LX_TARGET
void LX_NAME(slim_dequantize_row_q5_1)(const void *restrict vx, float *restrict y, int64_t n)
{
    lx_dequantize_asym(vx, y, n, 5);
}

LX_TARGET
void LX_NAME(slim_dequantize_row_q8_0)(const void *restrict vx, float *restrict y, int64_t n)
{
    const uint8_t *x = vx;
    for (int64_t i = 0; i < n / QK_LEGACY; i++, x += sizeof(block_q8_0), y += QK_LEGACY)
        lx_store_scaled(y, lx_load32(x + offsetof(block_q8_0, qs)), x + offsetof(block_q8_0, d),
                        NULL);
}

#endif
