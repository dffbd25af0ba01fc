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

/* Below this largest magnitude a group is treated as all zero (ggml's
 * GROUP_MAX_EPS); SIMD versions of the searches use it too. */
#define SLIM_GROUP_MAX_EPS 1e-15f

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

/*
 * ggml's make_qx_quants: quantize n values to L in [0, 2*nmax) (level minus
 * nmax in [-nmax, nmax-1]) with one signed scale and return it. The first
 * guess maps the value of largest magnitude to -nmax; with rmse_type != 0 it
 * is replaced by the weighted least-squares scale, then 18 perturbed guesses
 * -(nmax + 0.1*is)/max (is = -9..9, is != 0) are tried and the best fit kept.
 * Weights: qw[i] if qw is not NULL, else by rmse_type 1: x^2, 2: 1,
 * 3: |x|, other: sqrt|x|. rmse_type 0 returns the first guess; a negative
 * rmse_type returns after the first least-squares fit (average with the
 * first guess). An all-zero group (max |x| < 1e-15) gives L = 0, scale 0.
 */
float slim_make_qx_quants(int n, int nmax, const float *restrict x, int8_t *restrict L,
                          int rmse_type, const float *restrict qw);

/*
 * ggml's make_q3_quants: like make_qx_quants without the scale grid; with
 * do_rmse, up to 5 rounds of coordinate descent on the levels weighted by
 * x^2, each accepted only if the least-squares fit improves. L in
 * [0, 2*nmax); an all-zero group gives L = 0 (not nmax) and scale 0.
 */
float slim_make_q3_quants(int n, int nmax, const float *restrict x, int8_t *restrict L,
                          bool do_rmse);

#endif
