/*
 * pretok_ascii.h - character classes of the hand-written splitters and the
 * skipping of ASCII runs, 16 bytes at a time where the ISA allows.
 *
 * Why vectors: a splitter spends most of its time finding where a run of
 * letters (or digits, spaces) ends. Byte by byte, that loop's exit is a
 * branch whose position depends on the word length and is mispredicted once
 * per piece; classifying 16 bytes at once and counting trailing members
 * replaces it with one predictable step for most words.
 *
 * SSE2 (every x86-64) and NEON (every AArch64) are baseline, so no runtime
 * dispatch is needed; other targets use the scalar reference. Both give the
 * same result (tests/test_tok_pretok.c compares them).
 */
#ifndef SLIM_TOK_PRETOK_ASCII_H
#define SLIM_TOK_PRETOK_ASCII_H

#include <stddef.h>
#include <stdint.h>

#if defined(__SSE2__)
#  include <emmintrin.h>
#elif defined(__ARM_NEON)
#  include <arm_neon.h>
#endif

/* Character classes (bit set). */
enum {
    C_LU = 1,   /* Lu, Lt */
    C_LL = 2,   /* Ll */
    C_LO = 4,   /* Lm, Lo */
    C_M  = 8,   /* Mn, Mc, Me */
    C_N  = 16,  /* Nd, Nl, No */
    C_S  = 32,  /* White_Space */
    C_NL = 64,  /* \r or \n */
};
#define C_L (C_LU | C_LL | C_LO)
#define C_UP (C_LU | C_LO | C_M)   /* [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}] */
#define C_LOW (C_LL | C_LO | C_M)  /* [\p{Ll}\p{Lm}\p{Lo}\p{M}] */

/* ASCII classes, fixed at compile time (no lazy init, nothing to race on). */
static const uint8_t ascii_class[128] = {
    ['\t'] = C_S, ['\n'] = C_S | C_NL, [0x0B] = C_S, [0x0C] = C_S, ['\r'] = C_S | C_NL,
    [' '] = C_S,
    ['0' ... '9'] = C_N,
    ['A' ... 'Z'] = C_LU,
    ['a' ... 'z'] = C_LL,
};

/*
 * The first j >= i (j <= n) where s[j] is not an ASCII character whose
 * class intersects `mask`. `mask` is made of the classes above without C_NL
 * (CR and LF are C_S anyway); C_LO and C_M have no ASCII members.
 */
static inline size_t ascii_run_ref(const uint8_t *s, size_t n, size_t i, uint8_t mask)
{
    while (i < n && s[i] < 0x80 && (ascii_class[s[i]] & mask))
        i++;
    return i;
}

#if defined(__SSE2__)
/* 0xFF where lo <= v < lo + count (bytes as unsigned). */
static inline __m128i ascii_in_range(__m128i v, uint8_t lo, uint8_t count)
{
    __m128i t = _mm_sub_epi8(v, _mm_set1_epi8((char)lo));
    return _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8((char)(count - 1))), t);
}

static inline size_t ascii_run_sse2(const uint8_t *s, size_t n, size_t i, uint8_t mask)
{
    while (n - i >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        __m128i m = _mm_setzero_si128();
        if ((mask & (C_LU | C_LL)) == (C_LU | C_LL))
            m = ascii_in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 26);
        else if (mask & C_LU)
            m = ascii_in_range(v, 'A', 26);
        else if (mask & C_LL)
            m = ascii_in_range(v, 'a', 26);
        if (mask & C_N)
            m = _mm_or_si128(m, ascii_in_range(v, '0', 10));
        if (mask & C_S)
            m = _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')),
                                              ascii_in_range(v, '\t', 5)));
        unsigned miss = (unsigned)_mm_movemask_epi8(m) ^ 0xFFFFu;
        if (miss)
            return i + (size_t)__builtin_ctz(miss);
        i += 16;
    }
    return ascii_run_ref(s, n, i, mask);
}
#define ascii_run ascii_run_sse2

#elif defined(__ARM_NEON)
static inline uint8x16_t ascii_in_range(uint8x16_t v, uint8_t lo, uint8_t count)
{
    return vcltq_u8(vsubq_u8(v, vdupq_n_u8(lo)), vdupq_n_u8(count));
}

static inline size_t ascii_run_neon(const uint8_t *s, size_t n, size_t i, uint8_t mask)
{
    while (n - i >= 16) {
        uint8x16_t v = vld1q_u8(s + i), m = vdupq_n_u8(0);
        if ((mask & (C_LU | C_LL)) == (C_LU | C_LL))
            m = ascii_in_range(vorrq_u8(v, vdupq_n_u8(0x20)), 'a', 26);
        else if (mask & C_LU)
            m = ascii_in_range(v, 'A', 26);
        else if (mask & C_LL)
            m = ascii_in_range(v, 'a', 26);
        if (mask & C_N)
            m = vorrq_u8(m, ascii_in_range(v, '0', 10));
        if (mask & C_S)
            m = vorrq_u8(m, vorrq_u8(vceqq_u8(v, vdupq_n_u8(' ')), ascii_in_range(v, '\t', 5)));
        /* Narrowing shift: 4 bits per byte, set for the non-members. */
        uint64_t miss = vget_lane_u64(
            vreinterpret_u64_u8(vshrn_n_u16(vreinterpretq_u16_u8(vmvnq_u8(m)), 4)), 0);
        if (miss)
            return i + (size_t)(__builtin_ctzll(miss) >> 2);
        i += 16;
    }
    return ascii_run_ref(s, n, i, mask);
}
#define ascii_run ascii_run_neon

#else
#define ascii_run ascii_run_ref
#endif

#endif
