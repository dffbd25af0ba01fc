/* NEON byte grouping (see simd/ref/bytegroup.c for the layout): unzips and
 * zips of byte vectors do the (de)interleaving. */
#include "simd/kernels.h"
#include "simd/bytegroup_tail.h"

#include <arm_neon.h>

static inline uint16x8_t rotl16(uint16x8_t v)
{
    return vorrq_u16(vshlq_n_u16(v, 1), vshrq_n_u16(v, 15));
}

static inline uint16x8_t rotr16(uint16x8_t v)
{
    return vorrq_u16(vshrq_n_u16(v, 1), vshlq_n_u16(v, 15));
}

static inline uint8x16_t rotl32_bytes(uint8x16_t b)
{
    uint32x4_t v = vreinterpretq_u32_u8(b);
    return vreinterpretq_u8_u32(vorrq_u32(vshlq_n_u32(v, 1), vshrq_n_u32(v, 31)));
}

static inline uint8x16_t rotr32_bytes(uint8x16_t b)
{
    uint32x4_t v = vreinterpretq_u32_u8(b);
    return vreinterpretq_u8_u32(vorrq_u32(vshrq_n_u32(v, 1), vshlq_n_u32(v, 31)));
}

void slim_bytegroup2_neon(const void *restrict src, void *restrict dst, int64_t n)
{
    const uint8_t *s = src;
    uint8_t *d = dst;
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        uint8x16_t a = vreinterpretq_u8_u16(rotl16(vreinterpretq_u16_u8(vld1q_u8(s + 2 * i))));
        uint8x16_t b =
            vreinterpretq_u8_u16(rotl16(vreinterpretq_u16_u8(vld1q_u8(s + 2 * i + 16))));
        vst1q_u8(d + i, vuzp1q_u8(a, b));
        vst1q_u8(d + n + i, vuzp2q_u8(a, b));
    }
    slim_bytegroup2_tail(s, d, n, i);
}

void slim_byteungroup2_neon(const void *restrict src, void *restrict dst, int64_t n)
{
    const uint8_t *s = src;
    uint8_t *d = dst;
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        uint8x16_t lo = vld1q_u8(s + i), hi = vld1q_u8(s + n + i);
        vst1q_u8(d + 2 * i, vreinterpretq_u8_u16(rotr16(vreinterpretq_u16_u8(vzip1q_u8(lo, hi)))));
        vst1q_u8(d + 2 * i + 16,
                 vreinterpretq_u8_u16(rotr16(vreinterpretq_u16_u8(vzip2q_u8(lo, hi)))));
    }
    slim_byteungroup2_tail(s, d, n, i);
}

void slim_bytegroup4_neon(const void *restrict src, void *restrict dst, int64_t n)
{
    const uint8_t *s = src;
    uint8_t *d = dst;
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        uint8x16_t a = rotl32_bytes(vld1q_u8(s + 4 * i));
        uint8x16_t b = rotl32_bytes(vld1q_u8(s + 4 * i + 16));
        uint8x16_t c = rotl32_bytes(vld1q_u8(s + 4 * i + 32));
        uint8x16_t e = rotl32_bytes(vld1q_u8(s + 4 * i + 48));
        /* bytes 0,2 then 1,3 of each element, then split those again */
        uint8x16_t x0 = vuzp1q_u8(a, b), x1 = vuzp1q_u8(c, e);
        uint8x16_t y0 = vuzp2q_u8(a, b), y1 = vuzp2q_u8(c, e);
        vst1q_u8(d + i, vuzp1q_u8(x0, x1));
        vst1q_u8(d + n + i, vuzp1q_u8(y0, y1));
        vst1q_u8(d + 2 * n + i, vuzp2q_u8(x0, x1));
        vst1q_u8(d + 3 * n + i, vuzp2q_u8(y0, y1));
    }
    slim_bytegroup4_tail(s, d, n, i);
}

void slim_byteungroup4_neon(const void *restrict src, void *restrict dst, int64_t n)
{
    const uint8_t *s = src;
    uint8_t *d = dst;
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        uint8x16_t p0 = vld1q_u8(s + i), p1 = vld1q_u8(s + n + i);
        uint8x16_t p2 = vld1q_u8(s + 2 * n + i), p3 = vld1q_u8(s + 3 * n + i);
        uint8x16_t x0 = vzip1q_u8(p0, p2), x1 = vzip2q_u8(p0, p2);
        uint8x16_t y0 = vzip1q_u8(p1, p3), y1 = vzip2q_u8(p1, p3);
        vst1q_u8(d + 4 * i, rotr32_bytes(vzip1q_u8(x0, y0)));
        vst1q_u8(d + 4 * i + 16, rotr32_bytes(vzip2q_u8(x0, y0)));
        vst1q_u8(d + 4 * i + 32, rotr32_bytes(vzip1q_u8(x1, y1)));
        vst1q_u8(d + 4 * i + 48, rotr32_bytes(vzip2q_u8(x1, y1)));
    }
    slim_byteungroup4_tail(s, d, n, i);
}
