/*
 * AVX2 kernels for the legacy block types (q4_0, q4_1, q5_0, q5_1, q8_0).
 *
 * One block (32 floats, four vectors) at a time. Nothing here sums floats:
 * block extremes are reduced as a tree (min/max of finite values do not
 * depend on the order), and the element ggml's sequential scan would keep
 * (the first one equal to the extreme; it decides the sign of max for the
 * _0 types and of a zero min/max for the _1 types) is looked up by index.
 * Levels then follow the reference's per-element arithmetic exactly;
 * cvttps2dq truncates like the reference's casts, and taking the low byte
 * of each level matches slim_legacy_cvtt_i8 (INT32_MIN for the non-finite
 * values of a subnormal block gives 0).
 *
 * With importance weights, every type but q8_0 runs one block per lane
 * through simd/legacy_lanes.h.
 */
#include "simd/kernels.h"
#include "simd/cpu_internal.h"
#include "simd/blocks.h"
#include "simd/ref/legacy.h"

#include <immintrin.h>
#include <stddef.h>
#include <string.h>

/* Primitives of simd/legacy_lanes.h (after those of simd/qkx_lanes.h). */
#include "simd/x86/qkx_avx2.h"
#define LL_TARGET SLIM_TARGET_AVX2
#define LL_N 8
typedef __m256 ll_vf;
typedef __m256 ll_vm;
#define ll_load(p) _mm256_loadu_ps(p)
#define ll_store(p, v) _mm256_storeu_ps((p), (v))
#define ll_set1(f) _mm256_set1_ps(f)
#define ll_add _mm256_add_ps
#define ll_mul _mm256_mul_ps
#define ll_div _mm256_div_ps
#define ll_sqrt _mm256_sqrt_ps
#define ll_abs(v) _mm256_and_ps((v), _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff)))
#define ll_min _mm256_min_ps
#define ll_max _mm256_max_ps
#define ll_round(v) _mm256_round_ps((v), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define ll_gt(a, b) _mm256_cmp_ps((a), (b), _CMP_GT_OQ)
#define ll_lt(a, b) _mm256_cmp_ps((a), (b), _CMP_LT_OQ)
#define ll_ne(a, b) _mm256_cmp_ps((a), (b), _CMP_NEQ_UQ)
#define ll_mand _mm256_and_ps
#define ll_sel(m, a, b) _mm256_blendv_ps((b), (a), (m))
#include "simd/legacy_lanes.h"

/* ---- quantize helpers ---- */

typedef __m256i lx_b32;

SLIM_TARGET_AVX2
static inline __m256 hmax8(__m256 v)
{
    v = _mm256_max_ps(v, _mm256_permute2f128_ps(v, v, 1));
    v = _mm256_max_ps(v, _mm256_shuffle_ps(v, v, _MM_SHUFFLE(1, 0, 3, 2)));
    return _mm256_max_ps(v, _mm256_shuffle_ps(v, v, _MM_SHUFFLE(2, 3, 0, 1)));
}

SLIM_TARGET_AVX2
static inline __m256 hmin8(__m256 v)
{
    v = _mm256_min_ps(v, _mm256_permute2f128_ps(v, v, 1));
    v = _mm256_min_ps(v, _mm256_shuffle_ps(v, v, _MM_SHUFFLE(1, 0, 3, 2)));
    return _mm256_min_ps(v, _mm256_shuffle_ps(v, v, _MM_SHUFFLE(2, 3, 0, 1)));
}

/* Index of the first of the 32 values v[] equal to the broadcast m. */
SLIM_TARGET_AVX2
static inline int first_equal(const __m256 v[4], __m256 m)
{
    uint32_t bits = 0;
    for (int k = 0; k < 4; k++)
        bits |= (uint32_t)_mm256_movemask_ps(_mm256_cmp_ps(v[k], m, _CMP_EQ_OQ)) << (8 * k);
    return __builtin_ctz(bits);
}

/* Low bytes of 32 int32 levels, in element order. */
SLIM_TARGET_AVX2
static inline __m256i low_bytes(const __m256i q[4])
{
    const __m256i ff = _mm256_set1_epi32(0xff);
    __m256i p01 = _mm256_packus_epi32(_mm256_and_si256(q[0], ff), _mm256_and_si256(q[1], ff));
    __m256i p23 = _mm256_packus_epi32(_mm256_and_si256(q[2], ff), _mm256_and_si256(q[3], ff));
    /* The packs work per 128-bit lane: dwords come out as 0a 1a 2a 3a | 0b 1b 2b 3b. */
    return _mm256_permutevar8x32_epi32(_mm256_packus_epi16(p01, p23),
                                       _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

/* Levels trunc(v * id + off), capped at top, of the 32 values v[]. */
SLIM_TARGET_AVX2
static inline __m256i levels(const __m256 v[4], __m256 sub, float id, float off, int top)
{
    const __m256 idv = _mm256_set1_ps(id), offv = _mm256_set1_ps(off);
    const __m256i topv = _mm256_set1_epi32(top);
    __m256i q[4];
    for (int k = 0; k < 4; k++) {
        __m256 t = _mm256_add_ps(_mm256_mul_ps(_mm256_sub_ps(v[k], sub), idv), offv);
        q[k] = _mm256_min_epi32(_mm256_cvttps_epi32(t), topv);
    }
    return low_bytes(q);
}

/* Symmetric block (q4_0, q5_0): d = max/-half, levels in [0, 2*half). */
SLIM_TARGET_AVX2
static inline __m256i lx_sym_block(const float *x, int half, float *d_out)
{
    const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    __m256 v[4], a[4];
    for (int k = 0; k < 4; k++) {
        v[k] = _mm256_loadu_ps(x + 8 * k);
        a[k] = _mm256_and_ps(v[k], absmask);
    }
    __m256 m = hmax8(_mm256_max_ps(_mm256_max_ps(a[0], a[1]), _mm256_max_ps(a[2], a[3])));
    /* All zero: ggml's scan never updates max from its +0 start. */
    const float max = _mm256_cvtss_f32(m) > 0.0f ? x[first_equal(a, m)] : 0.0f;
    const float d = max / (float)-half;
    const float id = d ? 1.0f / d : 0.0f;
    *d_out = d;
    return levels(v, _mm256_setzero_ps(), id, (float)half + 0.5f, 2 * half - 1);
}

/* Asymmetric block (q4_1, q5_1): d = (max-min)/nmax, levels from min. */
SLIM_TARGET_AVX2
static inline __m256i lx_asym_block(const float *x, int nmax, int top, float *d_out, float *m_out)
{
    __m256 v[4];
    for (int k = 0; k < 4; k++)
        v[k] = _mm256_loadu_ps(x + 8 * k);
    __m256 lo = hmin8(_mm256_min_ps(_mm256_min_ps(v[0], v[1]), _mm256_min_ps(v[2], v[3])));
    __m256 hi = hmax8(_mm256_max_ps(_mm256_max_ps(v[0], v[1]), _mm256_max_ps(v[2], v[3])));
    /* The first equal element carries the sign of a zero extreme. */
    const float min = x[first_equal(v, lo)], max = x[first_equal(v, hi)];
    const float d = (max - min) / (float)nmax;
    const float id = d ? 1.0f / d : 0.0f;
    *d_out = d;
    *m_out = min;
    return levels(v, _mm256_set1_ps(min), id, 0.5f, top);
}

/* qs[j] = low nibble of element j | low nibble of element j+16 << 4. */
SLIM_TARGET_AVX2
static inline void lx_store_nibbles(uint8_t *qs, __m256i b)
{
    const __m128i lo4 = _mm_set1_epi8(0x0F);
    __m128i lo = _mm_and_si128(_mm256_castsi256_si128(b), lo4);
    __m128i hi = _mm_and_si128(_mm256_extracti128_si256(b, 1), lo4);
    _mm_storeu_si128((__m128i *)qs, _mm_or_si128(lo, _mm_slli_epi16(hi, 4)));
}

/* Bit 4 of element j goes to bit j of qh. */
SLIM_TARGET_AVX2
static inline void lx_store_qh(uint8_t *qh, __m256i b)
{
    uint32_t h = (uint32_t)_mm256_movemask_epi8(_mm256_slli_epi16(b, 3));
    memcpy(qh, &h, 4);
}

/* q8_0: d = amax/127, levels roundf(v * id). */
/* always_inline: GCC would otherwise call it from the q8_0 kernel, where it
 * used to be written out. */
SLIM_TARGET_AVX2 __attribute__((always_inline))
static inline __m256i lx_q8_block(const float *x, float *d_out)
{
    const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    const __m256 sign = _mm256_castsi256_ps(_mm256_set1_epi32((int)0x80000000u));
    const __m256 half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
    __m256 v[4];
    for (int k = 0; k < 4; k++)
        v[k] = _mm256_loadu_ps(x + 8 * k);
    __m256 m = _mm256_max_ps(_mm256_max_ps(_mm256_and_ps(v[0], absmask), _mm256_and_ps(v[1], absmask)),
                             _mm256_max_ps(_mm256_and_ps(v[2], absmask), _mm256_and_ps(v[3], absmask)));
    const float d = _mm256_cvtss_f32(hmax8(m)) / 127.0f;
    const float id = d ? 1.0f / d : 0.0f;
    *d_out = d;
    const __m256 idv = _mm256_set1_ps(id);
    __m256i q[4];
    for (int k = 0; k < 4; k++) {
        /* roundf: truncate, then step away from zero when the dropped
         * fraction is at least one half (t - trunc(t) is exact). */
        __m256 t = _mm256_mul_ps(v[k], idv);
        __m256 tr = _mm256_round_ps(t, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
        __m256 frac = _mm256_and_ps(_mm256_sub_ps(t, tr), absmask);
        __m256 step = _mm256_or_ps(_mm256_and_ps(t, sign), one);
        __m256 r = _mm256_add_ps(tr, _mm256_and_ps(_mm256_cmp_ps(frac, half, _CMP_GE_OQ), step));
        q[k] = _mm256_cvttps_epi32(r);
    }
    return low_bytes(q);
}

SLIM_TARGET_AVX2
static inline void lx_store32(uint8_t *qs, __m256i b)
{
    _mm256_storeu_si256((__m256i *)qs, b);
}

/* ---- dequantize helpers ---- */

SLIM_TARGET_AVX2
static inline __m256 load_half(const uint8_t *p)
{
    uint16_t h;
    memcpy(&h, p, 2);
    return _mm256_broadcastss_ps(_mm_cvtph_ps(_mm_cvtsi32_si128(h)));
}

/* y[0..32) = (float)l * d (+ m when m is not NULL) for 32 signed byte levels b. */
SLIM_TARGET_AVX2
static inline void lx_store_scaled(float *y, __m256i b, const uint8_t *d, const uint8_t *m)
{
    const __m256 dv = load_half(d);
    const __m128i lo = _mm256_castsi256_si128(b), hi = _mm256_extracti128_si256(b, 1);
    const __m128i part[4] = { lo, _mm_srli_si128(lo, 8), hi, _mm_srli_si128(hi, 8) };
    for (int k = 0; k < 4; k++) {
        __m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(part[k])), dv);
        _mm256_storeu_ps(y + 8 * k, m ? _mm256_add_ps(f, load_half(m)) : f);
    }
}

/* The 32 four-bit levels of qs in element order (low nibbles first). */
SLIM_TARGET_AVX2
static inline __m256i lx_unpack_nibbles(const uint8_t *qs)
{
    const __m128i lo4 = _mm_set1_epi8(0x0F);
    __m128i q = _mm_loadu_si128((const __m128i *)qs);
    return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(q, 4), lo4), _mm_and_si128(q, lo4));
}

/* b | 0x10 in byte j where bit j of the 32-bit qh is set. */
SLIM_TARGET_AVX2
static inline __m256i lx_or_qh(__m256i b, const uint8_t *qh)
{
    uint32_t h;
    memcpy(&h, qh, 4);
    const __m256i spread = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                            2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m256i bit = _mm256_set1_epi64x(0x8040201008040201ll);
    __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32((int)h), spread);
    v = _mm256_cmpeq_epi8(_mm256_and_si256(v, bit), bit);
    return _mm256_or_si256(b, _mm256_and_si256(v, _mm256_set1_epi8(0x10)));
}

SLIM_TARGET_AVX2
static inline __m256i lx_sub8(__m256i b, char c)
{
    return _mm256_sub_epi8(b, _mm256_set1_epi8(c));
}

SLIM_TARGET_AVX2
static inline __m256i lx_load32(const uint8_t *qs)
{
    return _mm256_loadu_si256((const __m256i *)qs);
}

/* ---- kernels ---- */

#define LX_TARGET SLIM_TARGET_AVX2
#define LX_SUFFIX avx2
#include "simd/x86/legacy_x86.h"
