/*
 * q3_K / q6_K kernels for AVX-512: the quantizers are the shared lane code
 * in simd/kquant_sym_lanes.h with all 16 sub-blocks of a super-block in one
 * vector; the dequantizers are below.
 */
#include <immintrin.h>
#include <string.h>

#include "simd/cpu_internal.h"

#define KS_TARGET SLIM_TARGET_AVX512
#define KS_PRIM static inline SLIM_TARGET_AVX512 __attribute__((always_inline))
#define KS_N 16
#define KS_G 8
#define KS_TB 5
#define KS_PATH avx512

typedef __m512 ks_vf;
typedef __m512i ks_vi;
typedef __mmask16 ks_vm;

KS_PRIM ks_vf ks_load(const float *p) { return _mm512_loadu_ps(p); }
KS_PRIM void ks_store(float *p, ks_vf v) { _mm512_storeu_ps(p, v); }
KS_PRIM ks_vf ks_set1(float f) { return _mm512_set1_ps(f); }
KS_PRIM ks_vf ks_add(ks_vf a, ks_vf b) { return _mm512_add_ps(a, b); }
KS_PRIM ks_vf ks_sub(ks_vf a, ks_vf b) { return _mm512_sub_ps(a, b); }
KS_PRIM ks_vf ks_mul(ks_vf a, ks_vf b) { return _mm512_mul_ps(a, b); }
KS_PRIM ks_vf ks_div(ks_vf a, ks_vf b) { return _mm512_div_ps(a, b); }
KS_PRIM ks_vf ks_sqrt(ks_vf a) { return _mm512_sqrt_ps(a); }
KS_PRIM ks_vf ks_abs(ks_vf a) { return _mm512_abs_ps(a); }
KS_PRIM ks_vf ks_min(ks_vf a, ks_vf b) { return _mm512_min_ps(a, b); }
KS_PRIM ks_vf ks_max(ks_vf a, ks_vf b) { return _mm512_max_ps(a, b); }
KS_PRIM ks_vf ks_round(ks_vf a)
{
    return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
KS_PRIM ks_vi ks_nearest(ks_vf a)
{
    const __m512i i = _mm512_castps_si512(_mm512_add_ps(a, _mm512_set1_ps(12582912.f)));
    return _mm512_sub_epi32(_mm512_and_si512(i, _mm512_set1_epi32(0x007fffff)),
                            _mm512_set1_epi32(0x00400000));
}
KS_PRIM ks_vi ks_iclamp(ks_vi i, int lo, int hi)
{
    return _mm512_max_epi32(_mm512_min_epi32(i, _mm512_set1_epi32(hi)), _mm512_set1_epi32(lo));
}
KS_PRIM ks_vf ks_itof(ks_vi i) { return _mm512_cvtepi32_ps(i); }
KS_PRIM void ks_store_lev(int8_t *p, ks_vi i, int off)
{
    _mm_storeu_si128((__m128i *)(void *)p,
                     _mm512_cvtepi32_epi8(_mm512_add_epi32(i, _mm512_set1_epi32(off))));
}
KS_PRIM ks_vm ks_gt(ks_vf a, ks_vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
KS_PRIM ks_vm ks_ne(ks_vf a, ks_vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_NEQ_UQ); }
KS_PRIM ks_vf ks_sel(ks_vm m, ks_vf a, ks_vf b) { return _mm512_mask_blend_ps(m, b, a); }
KS_PRIM ks_vm ks_mand(ks_vm a, ks_vm b) { return (ks_vm)(a & b); }
KS_PRIM ks_vm ks_mor(ks_vm a, ks_vm b) { return (ks_vm)(a | b); }
KS_PRIM ks_vm ks_mandnot(ks_vm a, ks_vm b) { return (ks_vm)(a & ~b); }
KS_PRIM int ks_mnone(ks_vm m) { return m == 0; }
KS_PRIM ks_vm ks_mzero(void) { return 0; }

KS_PRIM void ks_deq16(float *y, __m128i q, float f)
{
    _mm512_storeu_ps(y, _mm512_mul_ps(_mm512_set1_ps(f),
                                      _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q))));
}

#include "simd/x86/kquant_sym_x86.h"

/* Four 8 x 8 tiles: rows 0-7 give the low lanes, rows 8-15 the high ones. */
KS_PRIM void ks_transpose_rows(const float *x, ks_vf cols[16])
{
    for (int h = 0; h < 2; ++h) {
        __m256 lo[8], hi[8];
        ks_tr8x8(x + 8 * h, 16, lo);
        ks_tr8x8(x + 128 + 8 * h, 16, hi);
        for (int c = 0; c < 8; ++c)
            cols[8 * h + c] = _mm512_insertf32x8(_mm512_castps256_ps512(lo[c]), hi[c], 1);
    }
}

#include "simd/kquant_sym_lanes.h"
