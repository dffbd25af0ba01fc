/*
 * q3_K / q6_K level packing and dequantizers shared by the AVX2 and AVX-512
 * files: the level bytes are packed / unpacked 32 at a time with AVX2 byte
 * operations. The includer provides KS_TARGET, KS_PATH, KS_PRIM and
 *   ks_deq16(float *y, __m128i q, float f): y[k] = f * (float)(int8_t)q[k], k < 16
 * Each output is (d * scale) * level, exactly ggml's product.
 */
#include <immintrin.h>
#include <stdint.h>

#include "simd/blocks.h"
#include "simd/kernels.h"
#include "simd/ref/half.h"
#include "simd/ref/kquant_sym.h"

#ifndef KS_CAT
#define KS_CAT2(a, b) a##_##b
#define KS_CAT(a, b) KS_CAT2(a, b)
#endif

/* out[c] lane k = x[stride * k + c]: transpose of an 8 x 8 tile. */
KS_PRIM void ks_tr8x8(const float *x, int stride, __m256 out[8])
{
    __m256 r[8], t[8], s[8];
    for (int k = 0; k < 8; ++k)
        r[k] = _mm256_loadu_ps(x + stride * k);
    for (int k = 0; k < 8; k += 2) {
        t[k] = _mm256_unpacklo_ps(r[k], r[k + 1]);     /* c0 c0' c1 c1' | c4 .. */
        t[k + 1] = _mm256_unpackhi_ps(r[k], r[k + 1]); /* c2 c2' c3 c3' | c6 .. */
    }
    for (int k = 0; k < 8; k += 4) {
        s[k] = _mm256_shuffle_ps(t[k], t[k + 2], _MM_SHUFFLE(1, 0, 1, 0));     /* c0 | c4 */
        s[k + 1] = _mm256_shuffle_ps(t[k], t[k + 2], _MM_SHUFFLE(3, 2, 3, 2)); /* c1 | c5 */
        s[k + 2] = _mm256_shuffle_ps(t[k + 1], t[k + 3], _MM_SHUFFLE(1, 0, 1, 0));
        s[k + 3] = _mm256_shuffle_ps(t[k + 1], t[k + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int c = 0; c < 4; ++c) {
        out[c] = _mm256_permute2f128_ps(s[c], s[c + 4], 0x20);
        out[c + 4] = _mm256_permute2f128_ps(s[c], s[c + 4], 0x31);
    }
}

KS_PRIM __m256i ks_load32(const void *p) { return _mm256_loadu_si256((const __m256i *)p); }

/* Bytes of a shifted left by s bits (values small enough not to carry). */
#define KS_SHL8(a, s) _mm256_slli_epi16(a, s)

/* As slim_q3_K_pack (L: 0..7): bit 2 of L[32k + m] -> bit k of hmask[m],
 * low bits of L[128h + 32g + l] -> bits 2g of qs[32h + l]. */
KS_PRIM void ks_q3_K_pack(block_q3_K *restrict y, int8_t *restrict L)
{
    const __m256i three = _mm256_set1_epi8(3);
    __m256i hm = _mm256_setzero_si256();
    for (int h = 0; h < 2; ++h) {
        __m256i qs = _mm256_setzero_si256();
        for (int g = 0; g < 4; ++g) {
            const int k = 4 * h + g;
            const __m256i l = ks_load32(L + 32 * k);
            const __m256i high = _mm256_cmpgt_epi8(l, three);
            hm = _mm256_or_si256(hm, _mm256_and_si256(high, _mm256_set1_epi8((char)(1 << k))));
            qs = _mm256_or_si256(qs, KS_SHL8(_mm256_and_si256(l, three), 2 * g));
        }
        _mm256_storeu_si256((__m256i *)(void *)(y->qs + 32 * h), qs);
    }
    _mm256_storeu_si256((__m256i *)(void *)y->hmask, hm);
}

/* As slim_q6_K_pack (L: 0..63). */
KS_PRIM void ks_q6_K_pack(block_q6_K *restrict y, const int8_t *restrict L)
{
    const __m256i m4 = _mm256_set1_epi8(0xF);
    for (int h = 0; h < 2; ++h) {
        __m256i l[4], hi = _mm256_setzero_si256();
        for (int g = 0; g < 4; ++g) {
            l[g] = ks_load32(L + 128 * h + 32 * g);
            /* l >> 4 per byte (l < 64), placed at bits 2g. */
            const __m256i top = _mm256_and_si256(_mm256_srli_epi16(l[g], 4), m4);
            hi = _mm256_or_si256(hi, KS_SHL8(top, 2 * g));
        }
        const __m256i q0 = _mm256_or_si256(_mm256_and_si256(l[0], m4),
                                           KS_SHL8(_mm256_and_si256(l[2], m4), 4));
        const __m256i q1 = _mm256_or_si256(_mm256_and_si256(l[1], m4),
                                           KS_SHL8(_mm256_and_si256(l[3], m4), 4));
        _mm256_storeu_si256((__m256i *)(void *)(y->ql + 64 * h), q0);
        _mm256_storeu_si256((__m256i *)(void *)(y->ql + 64 * h + 32), q1);
        _mm256_storeu_si256((__m256i *)(void *)(y->qh + 32 * h), hi);
    }
}

/* 32 levels: the first 16 scaled by f0, the next 16 by f1. */
KS_PRIM void ks_deq32(float *y, __m256i q, float f0, float f1)
{
    ks_deq16(y, _mm256_castsi256_si128(q), f0);
    ks_deq16(y + 16, _mm256_extracti128_si256(q, 1), f1);
}

KS_TARGET void KS_CAT(slim_dequantize_row_q3_K, KS_PATH)(const void *restrict vx,
                                                         float *restrict y, int64_t n)
{
    const uint8_t *xb = vx;
    const __m256i three = _mm256_set1_epi8(3), four = _mm256_set1_epi8(4);
    for (int64_t b = 0; b < n / QK_K; ++b) {
        /* Blocks may sit at any address: read a copy. */
        block_q3_K blk;
        memcpy(&blk, xb + b * sizeof blk, sizeof blk);
        float dl[16];
        for (int j = 0; j < 16; ++j)
            dl[j] = slim_q3_K_subscale(&blk, j);
        const __m256i hm = _mm256_loadu_si256((const __m256i *)(const void *)blk.hmask);
        for (int h = 0; h < 2; ++h) {
            const __m256i qs = _mm256_loadu_si256((const __m256i *)(const void *)(blk.qs + 32 * h));
            for (int s = 0; s < 4; ++s) {
                /* Sub-blocks 8h+2s and 8h+2s+1: bits 2s of qs, bit 4h+s of hmask;
                 * level = low bits - (high bit clear ? 4 : 0). */
                const __m256i lo = _mm256_and_si256(_mm256_srli_epi16(qs, 2 * s), three);
                const __m256i bit = _mm256_set1_epi8((char)(1 << (4 * h + s)));
                const __m256i clear = _mm256_cmpeq_epi8(_mm256_and_si256(hm, bit),
                                                        _mm256_setzero_si256());
                const __m256i q = _mm256_sub_epi8(lo, _mm256_and_si256(clear, four));
                const int j = 8 * h + 2 * s;
                ks_deq32(y + 16 * j, q, dl[j], dl[j + 1]);
            }
        }
        y += QK_K;
    }
}

KS_TARGET void KS_CAT(slim_dequantize_row_q6_K, KS_PATH)(const void *restrict vx,
                                                         float *restrict y, int64_t n)
{
    const uint8_t *xb = vx;
    const __m256i m4 = _mm256_set1_epi8(0xF), m3 = _mm256_set1_epi8(3);
    const __m256i off = _mm256_set1_epi8(32);
    for (int64_t b = 0; b < n / QK_K; ++b) {
        /* Blocks may sit at any address: read a copy. */
        block_q6_K blk;
        memcpy(&blk, xb + b * sizeof blk, sizeof blk);
        const float d = slim_half_to_f32(blk.d);
        for (int h = 0; h < 2; ++h) {
            const uint8_t *ql = blk.ql + 64 * h;
            const int8_t *sc = blk.scales + 8 * h;
            const __m256i l0 = _mm256_loadu_si256((const __m256i *)(const void *)ql);
            const __m256i l1 = _mm256_loadu_si256((const __m256i *)(const void *)(ql + 32));
            const __m256i qh = _mm256_loadu_si256((const __m256i *)(const void *)(blk.qh + 32 * h));
            /* Group g of 32 values: low nibble of l0/l1 (g = 0, 1) or high
             * nibble (g = 2, 3), top bits from qh >> 2g. */
            const __m256i lows[4] = {
                _mm256_and_si256(l0, m4), _mm256_and_si256(l1, m4),
                _mm256_and_si256(_mm256_srli_epi16(l0, 4), m4),
                _mm256_and_si256(_mm256_srli_epi16(l1, 4), m4),
            };
            for (int g = 0; g < 4; ++g) {
                const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(qh, 2 * g), m3);
                const __m256i q = _mm256_sub_epi8(
                    _mm256_or_si256(lows[g], _mm256_slli_epi16(hi, 4)), off);
                ks_deq32(y + 128 * h + 32 * g, q, d * sc[2 * g], d * sc[2 * g + 1]);
            }
        }
        y += QK_K;
    }
}
