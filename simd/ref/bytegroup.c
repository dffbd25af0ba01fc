/*
 * Scalar reference of the byte-grouping kernels used by the .slim archive.
 *
 * Floating-point weights compress badly as they are: the exponent bytes are
 * highly repetitive (a few dozen values occur) but they alternate with
 * nearly random mantissa bytes. Grouping byte k of every element into plane
 * k lets zstd see the exponent plane on its own.
 *
 * Each element is first rotated left by one bit, so the sign moves to the
 * bottom and the (8-bit) exponent of BF16 and F32 fills the top byte alone
 * (ZipNN's arrangement): the top plane then holds only exponents, and the
 * sign joins the noisy mantissa plane where it costs nothing extra.
 *
 * Layout (n elements, little-endian):
 *   group2: src 2n bytes -> dst plane0 = dst[0..n), plane1 = dst[n..2n);
 *           plane k holds byte k of rotl16(element, 1).
 *   group4: src 4n bytes -> 4 planes of n bytes; byte k of rotl32(e, 1).
 *   ungroup2/ungroup4 are the exact inverses.
 */
#include "simd/kernels.h"
#include "simd/bytegroup_tail.h"

/* The arithmetic lives in bytegroup_tail.h, shared with the vector tails. */
void slim_bytegroup2_ref(const void *restrict src, void *restrict dst, int64_t n)
{
    slim_bytegroup2_tail(src, dst, n, 0);
}

void slim_byteungroup2_ref(const void *restrict src, void *restrict dst, int64_t n)
{
    slim_byteungroup2_tail(src, dst, n, 0);
}

void slim_bytegroup4_ref(const void *restrict src, void *restrict dst, int64_t n)
{
    slim_bytegroup4_tail(src, dst, n, 0);
}

void slim_byteungroup4_ref(const void *restrict src, void *restrict dst, int64_t n)
{
    slim_byteungroup4_tail(src, dst, n, 0);
}
