/*
 * Stages of the q2_K / q4_K / q5_K quantizers (internal).
 *
 * A super-block is quantized in four stages:
 *   1. search: one slim_make_qkx2/3_quants per sub-block -> scales, mins, L
 *      (the expensive part; the SIMD paths run it one lane per sub-block);
 *   2. scales: quantize the sub-block scales and mins and store them with
 *      the super-block d/dmin (cheap, shared by every path);
 *   3. requant: recompute L from the stored scales, keeping the search's L
 *      for sub-blocks whose stored scale is 0;
 *   4. pack the levels into the block.
 * The reference and the SIMD paths share stages 2 and the per-super-block
 * fallbacks here, so only the vectorised stages need separate checking.
 */
#ifndef SLIM_SIMD_REF_KQUANT_ASYM_H
#define SLIM_SIMD_REF_KQUANT_ASYM_H

#include <stdbool.h>
#include <stdint.h>
#include "simd/blocks.h"

/* Stage 2 without imatrix: scale by the largest sub-block scale/min. */
void slim_q2k_set_scales(block_q2_K *y, const float *scales, const float *mins);
/* q4_K and q5_K share the header layout (d, dmin, scales[12]). */
void slim_k4_set_scales(uint8_t *sc, slim_half *d, slim_half *dmin,
                        const float *scales, const float *mins);
/* Stage 2 with imatrix: slim_make_qp_quants weighted by sw (sums of the
 * sub-block weights). clamp63 reproduces q5_K's MIN(63, .) (q4_K has none). */
void slim_q2k_set_scales_qp(block_q2_K *y, const float *scales, const float *mins,
                            const float *sw);
void slim_k4_set_scales_qp(uint8_t *sc, slim_half *d, slim_half *dmin,
                           const float *scales, const float *mins, const float *sw,
                           bool clamp63);
/* Their second half: store the levels and scales the two
 * slim_make_qp_quants calls returned (ls, lm may be clamped in place). */
void slim_q2k_store_scales_qp(block_q2_K *y, const uint8_t *Ls, const uint8_t *Lm, float dm,
                              float mm);
void slim_k4_store_scales_qp(uint8_t *sc, slim_half *d, slim_half *dmin, uint8_t *ls,
                             uint8_t *lm, float d_block, float m_block, bool clamp63);

/* Stage 3 inputs: effective scale d[j] and offset dm[j] of each sub-block. */
void slim_q2k_sub_scales(const block_q2_K *y, float *d, float *dm);
void slim_k4_sub_scales(const uint8_t *sc, slim_half d, slim_half dmin, float *dl, float *ml);
/* Stage 3, scalar: L = clamp(round((x + dm)/d), 0, nmax) where d != 0. */
void slim_kasym_requant(const float *x, int nsub, int sublen, int nmax,
                        const float *d, const float *dm, uint8_t *L);

/* Stage 4. */
void slim_q2k_pack(block_q2_K *y, const uint8_t *L);
void slim_q4k_pack(block_q4_K *y, const uint8_t *L);
void slim_q5k_pack(block_q5_K *y, const uint8_t *L);

/* sigma2 of the imatrix paths: sum of x^2 over the super-block, in order. */
float slim_kasym_sum_x2(const float *x);

/* One whole super-block, every stage scalar; qw is NULL or 256 weights.
 * The SIMD paths use these for super-blocks left over by their lanes. */
void slim_q2k_block_ref(const float *x, block_q2_K *y, const float *qw);
void slim_q4k_block_ref(const float *x, block_q4_K *y, const float *qw);
void slim_q5k_block_ref(const float *x, block_q5_K *y, const float *qw);

#endif
