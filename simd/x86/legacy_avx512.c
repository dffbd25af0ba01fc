/*
 * AVX-512 kernels for the legacy block types; the same scheme as
 * legacy_avx2.c (read its header comment), one block in two registers.
 * vpmovdb keeps the low byte of each level, exactly what the reference's
 * casts keep. With importance weights, every type but q8_0 runs one block
 * per lane through simd/legacy_lanes.h.
 */
#include "simd/kernels.h"
#include "simd/cpu_internal.h"
#include "simd/blocks.h"
#include "simd/ref/legacy.h"

#include <immintrin.h>
#include <stddef.h>
#include <string.h>

/* Primitives of simd/legacy_lanes.h (after those of simd/qkx_lanes.h). */
#include "simd/x86/qkx_avx512.h"
#define LL_TARGET SLIM_TARGET_AVX512
#define LL_N 16
typedef __m512 ll_vf;
typedef __mmask16 ll_vm;
#define ll_load(p) _mm512_loadu_ps(p)
#define ll_store(p, v) _mm512_storeu_ps((p), (v))
#define ll_set1(f) _mm512_set1_ps(f)
#define ll_add _mm512_add_ps
#define ll_mul _mm512_mul_ps
#define ll_div _mm512_div_ps
#define ll_sqrt _mm512_sqrt_ps
#define ll_abs _mm512_abs_ps
#define ll_min _mm512_min_ps
#define ll_max _mm512_max_ps
#define ll_round(v) _mm512_roundscale_ps((v), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define ll_gt(a, b) _mm512_cmp_ps_mask((a), (b), _CMP_GT_OQ)
#define ll_lt(a, b) _mm512_cmp_ps_mask((a), (b), _CMP_LT_OQ)
#define ll_ne(a, b) _mm512_cmp_ps_mask((a), (b), _CMP_NEQ_UQ)
#define ll_mand(a, b) ((__mmask16)((a) & (b)))
#define ll_sel(m, a, b) _mm512_mask_blend_ps((m), (b), (a))
#include "simd/legacy_lanes.h"

/* ---- quantize helpers ---- */

/* One block's 32 byte levels: elements 0..15 in lo, 16..31 in hi. */
typedef struct {
    __m128i lo, hi;
} lx_b32;

/* Index of the first of the 32 values v0, v1 equal to m. */
SLIM_TARGET_AVX512
static inline int first_equal(__m512 v0, __m512 v1, float m)
{
    const __m512 mv = _mm512_set1_ps(m);
    uint32_t bits = (uint32_t)_mm512_cmp_ps_mask(v0, mv, _CMP_EQ_OQ) |
                    (uint32_t)_mm512_cmp_ps_mask(v1, mv, _CMP_EQ_OQ) << 16;
    return __builtin_ctz(bits);
}

/* Low bytes of the levels trunc((v - sub) * id + off) capped at top. */
SLIM_TARGET_AVX512
static inline lx_b32 levels(__m512 v0, __m512 v1, float sub, float id, float off, int top)
{
    const __m512 subv = _mm512_set1_ps(sub), idv = _mm512_set1_ps(id), offv = _mm512_set1_ps(off);
    const __m512i topv = _mm512_set1_epi32(top);
    __m512 t0 = _mm512_add_ps(_mm512_mul_ps(_mm512_sub_ps(v0, subv), idv), offv);
    __m512 t1 = _mm512_add_ps(_mm512_mul_ps(_mm512_sub_ps(v1, subv), idv), offv);
    lx_b32 b;
    b.lo = _mm512_cvtepi32_epi8(_mm512_min_epi32(_mm512_cvttps_epi32(t0), topv));
    b.hi = _mm512_cvtepi32_epi8(_mm512_min_epi32(_mm512_cvttps_epi32(t1), topv));
    return b;
}

/* Symmetric block (q4_0, q5_0): d = max/-half, levels in [0, 2*half). */
SLIM_TARGET_AVX512
static inline lx_b32 lx_sym_block(const float *x, int half, float *d_out)
{
    __m512 v0 = _mm512_loadu_ps(x), v1 = _mm512_loadu_ps(x + 16);
    __m512 a0 = _mm512_abs_ps(v0), a1 = _mm512_abs_ps(v1);
    const float amax = _mm512_reduce_max_ps(_mm512_max_ps(a0, a1));
    /* All zero: ggml's scan never updates max from its +0 start. */
    const float max = amax > 0.0f ? x[first_equal(a0, a1, amax)] : 0.0f;
    const float d = max / (float)-half;
    const float id = d ? 1.0f / d : 0.0f;
    *d_out = d;
    return levels(v0, v1, 0.0f, id, (float)half + 0.5f, 2 * half - 1);
}

/* Asymmetric block (q4_1, q5_1): d = (max-min)/nmax, levels from min. */
SLIM_TARGET_AVX512
static inline lx_b32 lx_asym_block(const float *x, int nmax, int top, float *d_out, float *m_out)
{
    __m512 v0 = _mm512_loadu_ps(x), v1 = _mm512_loadu_ps(x + 16);
    /* The first equal element carries the sign of a zero extreme. */
    const float min = x[first_equal(v0, v1, _mm512_reduce_min_ps(_mm512_min_ps(v0, v1)))];
    const float max = x[first_equal(v0, v1, _mm512_reduce_max_ps(_mm512_max_ps(v0, v1)))];
    const float d = (max - min) / (float)nmax;
    const float id = d ? 1.0f / d : 0.0f;
    *d_out = d;
    *m_out = min;
    return levels(v0, v1, min, id, 0.5f, top);
}

/* qs[j] = low nibble of element j | low nibble of element j+16 << 4. */
SLIM_TARGET_AVX512
static inline void lx_store_nibbles(uint8_t *qs, lx_b32 b)
{
    const __m128i lo4 = _mm_set1_epi8(0x0F);
    __m128i q = _mm_or_si128(_mm_and_si128(b.lo, lo4), _mm_slli_epi16(_mm_and_si128(b.hi, lo4), 4));
    _mm_storeu_si128((__m128i *)qs, q);
}

/* Bit 4 of element j goes to bit j of qh. */
SLIM_TARGET_AVX512
static inline void lx_store_qh(uint8_t *qh, lx_b32 b)
{
    const __m128i b4 = _mm_set1_epi8(0x10);
    uint32_t h = (uint32_t)_mm_test_epi8_mask(b.lo, b4) | (uint32_t)_mm_test_epi8_mask(b.hi, b4) << 16;
    memcpy(qh, &h, 4);
}

/* roundf(v * id) as int32: truncate, then step away from zero when the
 * dropped fraction is at least one half (t - trunc(t) is exact). */
SLIM_TARGET_AVX512
static inline __m512i round_away(__m512 t)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    __m512 tr = _mm512_roundscale_ps(t, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    __mmask16 up = _mm512_cmp_ps_mask(_mm512_abs_ps(_mm512_sub_ps(t, tr)), _mm512_set1_ps(0.5f),
                                      _CMP_GE_OQ);
    __m512 step = _mm512_castsi512_ps(_mm512_ternarylogic_epi32(
        _mm512_castps_si512(t), _mm512_set1_epi32((int)0x80000000u), _mm512_castps_si512(one),
        0xEA)); /* (t & sign) | one */
    return _mm512_cvttps_epi32(_mm512_mask_add_ps(tr, up, tr, step));
}

/* q8_0: d = amax/127, levels roundf(v * id). */
/* always_inline: GCC would otherwise call it from the q8_0 kernel, where it
 * used to be written out. */
SLIM_TARGET_AVX512 __attribute__((always_inline))
static inline lx_b32 lx_q8_block(const float *x, float *d_out)
{
    __m512 v0 = _mm512_loadu_ps(x), v1 = _mm512_loadu_ps(x + 16);
    const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(v0), _mm512_abs_ps(v1)));
    const float d = amax / 127.0f;
    const float id = d ? 1.0f / d : 0.0f;
    *d_out = d;
    const __m512 idv = _mm512_set1_ps(id);
    lx_b32 b;
    b.lo = _mm512_cvtepi32_epi8(round_away(_mm512_mul_ps(v0, idv)));
    b.hi = _mm512_cvtepi32_epi8(round_away(_mm512_mul_ps(v1, idv)));
    return b;
}

SLIM_TARGET_AVX512
static inline void lx_store32(uint8_t *qs, lx_b32 b)
{
    _mm_storeu_si128((__m128i *)qs, b.lo);
    _mm_storeu_si128((__m128i *)(qs + 16), b.hi);
}

/* ---- dequantize helpers ---- */

SLIM_TARGET_AVX512
static inline __m512 load_half(const uint8_t *p)
{
    uint16_t h;
    memcpy(&h, p, 2);
    return _mm512_broadcastss_ps(_mm_cvtph_ps(_mm_cvtsi32_si128(h)));
}

/* y[0..32) = (float)l * d (+ m when m is not NULL) for 32 signed byte levels b. */
SLIM_TARGET_AVX512
static inline void lx_store_scaled(float *y, lx_b32 b, const uint8_t *d, const uint8_t *m)
{
    const __m512 dv = load_half(d);
    __m512 f0 = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(b.lo)), dv);
    __m512 f1 = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(b.hi)), dv);
    if (m) {
        const __m512 mv = load_half(m);
        f0 = _mm512_add_ps(f0, mv);
        f1 = _mm512_add_ps(f1, mv);
    }
    _mm512_storeu_ps(y, f0);
    _mm512_storeu_ps(y + 16, f1);
}

/* Four-bit levels: elements 0..15 from the low nibbles, 16..31 from the high. */
SLIM_TARGET_AVX512
static inline lx_b32 lx_unpack_nibbles(const uint8_t *qs)
{
    const __m128i lo4 = _mm_set1_epi8(0x0F);
    __m128i q = _mm_loadu_si128((const __m128i *)qs);
    lx_b32 b;
    b.lo = _mm_and_si128(q, lo4);
    b.hi = _mm_and_si128(_mm_srli_epi16(q, 4), lo4);
    return b;
}

/* Adds bit j of qh as bit 4 of element j. */
SLIM_TARGET_AVX512
static inline lx_b32 lx_or_qh(lx_b32 b, const uint8_t *qh)
{
    uint32_t h;
    memcpy(&h, qh, 4);
    const __m128i b4 = _mm_set1_epi8(0x10);
    b.lo = _mm_or_si128(b.lo, _mm_maskz_mov_epi8((__mmask16)h, b4));
    b.hi = _mm_or_si128(b.hi, _mm_maskz_mov_epi8((__mmask16)(h >> 16), b4));
    return b;
}

SLIM_TARGET_AVX512
static inline lx_b32 lx_sub8(lx_b32 b, char c)
{
    const __m128i cv = _mm_set1_epi8(c);
    b.lo = _mm_sub_epi8(b.lo, cv);
    b.hi = _mm_sub_epi8(b.hi, cv);
    return b;
}

SLIM_TARGET_AVX512
static inline lx_b32 lx_load32(const uint8_t *qs)
{
    lx_b32 b;
    b.lo = _mm_loadu_si128((const __m128i *)qs);
    b.hi = _mm_loadu_si128((const __m128i *)(qs + 16));
    return b;
}

/* ---- kernels ---- */

#define LX_TARGET SLIM_TARGET_AVX512
#define LX_SUFFIX avx512
#include "simd/x86/legacy_x86.h"
