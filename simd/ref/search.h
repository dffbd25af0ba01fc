/*
 * Scale searches shared by the k-quant reference kernels.
 *
 * Each function reproduces the float operations of the ggml search of the
 * same name (minus the slim_ prefix) in the same order, so the quantizers
 * built on them stay bit-identical to ggml. SIMD paths that run one search
 * per lane must follow the same sequence; read these before changing any.
 *
 * The header has one section per family; add declarations to your own
 * section only.
 */
#ifndef SLIM_SIMD_REF_SEARCH_H
#define SLIM_SIMD_REF_SEARCH_H

#include <stdbool.h>
#include <stdint.h>

/* ---- Asymmetric searches: L in [0, nmax], x ~ scale*L - min (KASYM) ---- */

/*
 * Search scale and min for n values x with weights (not NULL): first the
 * plain min/max fit, then nstep+1 candidate scales
 * (rmin + rdelta*is + nmax)/(max - min), each refined by a weighted least
 * squares fit of (scale, min); keeps the candidate with the smallest
 * weighted error (|diff| when use_mad, else diff^2). Writes the levels to
 * L[0..n), -min to *the_min (>= 0) and returns the scale.
 * Laux is scratch of n bytes.
 */
float slim_make_qkx2_quants(int n, int nmax, const float *restrict x,
                            const float *restrict weights, uint8_t *restrict L,
                            float *restrict the_min, uint8_t *restrict Laux,
                            float rmin, float rdelta, int nstep, bool use_mad);

/*
 * Same search as slim_make_qkx2_quants except that weights may be NULL
 * (then x[i]^2 is used) and an all-equal input is detected with max <= min.
 */
float slim_make_qkx3_quants(int n, int nmax, const float *restrict x,
                            const float *restrict weights, uint8_t *restrict L,
                            float *restrict the_min, uint8_t *restrict Laux,
                            float rmin, float rdelta, int nstep, bool use_mad);

/*
 * Quantize n non-negative values x (the sub-block scales or mins of a
 * super-block) to L in [0, nmax] with one positive scale, weighted by
 * quant_weights: grid search over 8 scale perturbations, then up to 5 rounds
 * of coordinate descent. Returns the scale (0 for an all-zero input).
 * Like ggml, levels are stored as uint8_t without a lower clamp.
 */
float slim_make_qp_quants(int n, int nmax, const float *restrict x, uint8_t *restrict L,
                          const float *restrict quant_weights);

/* ---- Symmetric searches: L in [-nmax, nmax-1], x ~ scale*L (KSYM) ---- */

#endif
