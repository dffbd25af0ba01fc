/*
 * q3_K / q6_K kernels for AVX2: the quantizers are the shared lane code in
 * simd/kquant_sym_lanes.h on 2 x 8 lanes; the dequantizers are below.
 */
#include <immintrin.h>
#include <string.h>

#include "simd/cpu_internal.h"

#define KS_TARGET SLIM_TARGET_AVX2
#define KS_PRIM static inline SLIM_TARGET_AVX2 __attribute__((always_inline))
#define KS_N 8
#define KS_G 8
#define KS_TB 4
#define KS_PATH avx2

typedef __m256 ks_vf;
typedef __m256i ks_vi;
typedef __m256 ks_vm;

KS_PRIM ks_vf ks_load(const float *p) { return _mm256_loadu_ps(p); }
KS_PRIM void ks_store(float *p, ks_vf v) { _mm256_storeu_ps(p, v); }
KS_PRIM ks_vf ks_set1(float f) { return _mm256_set1_ps(f); }
KS_PRIM ks_vf ks_add(ks_vf a, ks_vf b) { return _mm256_add_ps(a, b); }
KS_PRIM ks_vf ks_sub(ks_vf a, ks_vf b) { return _mm256_sub_ps(a, b); }
KS_PRIM ks_vf ks_mul(ks_vf a, ks_vf b) { return _mm256_mul_ps(a, b); }
KS_PRIM ks_vf ks_div(ks_vf a, ks_vf b) { return _mm256_div_ps(a, b); }
KS_PRIM ks_vf ks_sqrt(ks_vf a) { return _mm256_sqrt_ps(a); }
KS_PRIM ks_vf ks_abs(ks_vf a)
{
    return _mm256_and_ps(a, _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff)));
}
KS_PRIM ks_vf ks_min(ks_vf a, ks_vf b) { return _mm256_min_ps(a, b); }
KS_PRIM ks_vf ks_max(ks_vf a, ks_vf b) { return _mm256_max_ps(a, b); }
KS_PRIM ks_vf ks_round(ks_vf a)
{
    return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
KS_PRIM ks_vi ks_nearest(ks_vf a)
{
    const __m256i i = _mm256_castps_si256(_mm256_add_ps(a, _mm256_set1_ps(12582912.f)));
    return _mm256_sub_epi32(_mm256_and_si256(i, _mm256_set1_epi32(0x007fffff)),
                            _mm256_set1_epi32(0x00400000));
}
KS_PRIM ks_vi ks_iclamp(ks_vi i, int lo, int hi)
{
    return _mm256_max_epi32(_mm256_min_epi32(i, _mm256_set1_epi32(hi)), _mm256_set1_epi32(lo));
}
KS_PRIM ks_vf ks_itof(ks_vi i) { return _mm256_cvtepi32_ps(i); }
KS_PRIM void ks_store_lev(int8_t *p, ks_vi i, int off)
{
    i = _mm256_add_epi32(i, _mm256_set1_epi32(off));
    const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(i), _mm256_extracti128_si256(i, 1));
    _mm_storel_epi64((__m128i *)(void *)p, _mm_packs_epi16(w, w));
}
KS_PRIM ks_vm ks_gt(ks_vf a, ks_vf b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
KS_PRIM ks_vm ks_ne(ks_vf a, ks_vf b) { return _mm256_cmp_ps(a, b, _CMP_NEQ_UQ); }
KS_PRIM ks_vf ks_sel(ks_vm m, ks_vf a, ks_vf b) { return _mm256_blendv_ps(b, a, m); }
KS_PRIM ks_vm ks_mand(ks_vm a, ks_vm b) { return _mm256_and_ps(a, b); }
KS_PRIM ks_vm ks_mor(ks_vm a, ks_vm b) { return _mm256_or_ps(a, b); }
KS_PRIM ks_vm ks_mandnot(ks_vm a, ks_vm b) { return _mm256_andnot_ps(b, a); }
KS_PRIM int ks_mnone(ks_vm m) { return _mm256_movemask_ps(m) == 0; }
KS_PRIM ks_vm ks_mzero(void) { return _mm256_setzero_ps(); }

KS_PRIM void ks_deq16(float *y, __m128i q, float f)
{
    const __m256 vf = _mm256_set1_ps(f);
    _mm256_storeu_ps(y, _mm256_mul_ps(vf, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q))));
    _mm256_storeu_ps(y + 8, _mm256_mul_ps(vf, _mm256_cvtepi32_ps(
                                                  _mm256_cvtepi8_epi32(_mm_srli_si128(q, 8)))));
}

#include "simd/x86/kquant_sym_x86.h"

KS_PRIM void ks_transpose_rows(const float *x, ks_vf cols[16])
{
    ks_tr8x8(x, 16, cols);
    ks_tr8x8(x + 8, 16, cols + 8);
}

#include "simd/kquant_sym_lanes.h"
