/*
 * Tails of the vector byte-grouping kernels (internal): elements [i, n)
 * through the ref kernel's arithmetic. The ref cannot simply be called on
 * the tail, because the planes of the whole call are n bytes apart.
 */
#ifndef SLIM_SIMD_BYTEGROUP_TAIL_H
#define SLIM_SIMD_BYTEGROUP_TAIL_H

#include <stdint.h>

static inline void slim_bytegroup2_tail(const uint8_t *s, uint8_t *d, int64_t n, int64_t i)
{
    for (; i < n; i++) {
        uint16_t v = (uint16_t)(s[2 * i] | s[2 * i + 1] << 8);
        v = (uint16_t)(v << 1 | v >> 15);
        d[i] = (uint8_t)v;
        d[n + i] = (uint8_t)(v >> 8);
    }
}

static inline void slim_byteungroup2_tail(const uint8_t *s, uint8_t *d, int64_t n, int64_t i)
{
    for (; i < n; i++) {
        uint16_t v = (uint16_t)(s[i] | s[n + i] << 8);
        v = (uint16_t)(v >> 1 | v << 15);
        d[2 * i] = (uint8_t)v;
        d[2 * i + 1] = (uint8_t)(v >> 8);
    }
}

static inline void slim_bytegroup4_tail(const uint8_t *s, uint8_t *d, int64_t n, int64_t i)
{
    for (; i < n; i++) {
        uint32_t v = (uint32_t)s[4 * i] | (uint32_t)s[4 * i + 1] << 8 |
                     (uint32_t)s[4 * i + 2] << 16 | (uint32_t)s[4 * i + 3] << 24;
        v = v << 1 | v >> 31;
        for (int k = 0; k < 4; k++)
            d[k * n + i] = (uint8_t)(v >> (8 * k));
    }
}

static inline void slim_byteungroup4_tail(const uint8_t *s, uint8_t *d, int64_t n, int64_t i)
{
    for (; i < n; i++) {
        uint32_t v = (uint32_t)s[i] | (uint32_t)s[n + i] << 8 | (uint32_t)s[2 * n + i] << 16 |
                     (uint32_t)s[3 * n + i] << 24;
        v = v >> 1 | v << 31;
        for (int k = 0; k < 4; k++)
            d[4 * i + k] = (uint8_t)(v >> (8 * k));
    }
}

#endif
