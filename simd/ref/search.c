/*
 * Scale searches shared by the k-quant reference kernels (see search.h).
 * The order of every float operation matters: it is what makes the output
 * bit-identical to ggml. Keep products grouped left to right as written
 * (w*l*l is (w*l)*l) and never fold a multiply into an add.
 */
#include "simd/ref/search.h"

#include <math.h>
#include <string.h>

#include "simd/ref/half.h"

static inline int clamp_level(int l, int nmax)
{
    l = l < nmax ? l : nmax;
    return l > 0 ? l : 0;
}

/*
 * The common body of qkx2 and qkx3. The weight of element i is weights[i]
 * or, when weights is NULL, x[i]^2. all_equal_le selects the qkx3 test for
 * a degenerate range (max <= min) instead of qkx2's (max == min).
 */
static float make_qkx_quants(int n, int nmax, const float *restrict x,
                             const float *restrict weights, uint8_t *restrict L,
                             float *restrict the_min, uint8_t *restrict Laux,
                             float rmin, float rdelta, int nstep, bool use_mad,
                             bool all_equal_le)
{
    float min = x[0], max = x[0];
    float sum_w = weights ? weights[0] : x[0] * x[0];
    float sum_x = sum_w * x[0];
    for (int i = 1; i < n; ++i) {
        if (x[i] < min) min = x[i];
        if (x[i] > max) max = x[i];
        const float w = weights ? weights[i] : x[i] * x[i];
        sum_w += w;
        sum_x += w * x[i];
    }
    if (min > 0) min = 0;
    if (all_equal_le ? max <= min : max == min) {
        memset(L, 0, (size_t)n);
        *the_min = -min;
        return 0.f;
    }
    float iscale = nmax / (max - min);
    float scale = 1 / iscale;
    float best_error = 0;
    for (int i = 0; i < n; ++i) {
        L[i] = (uint8_t)clamp_level(slim_nearest_int(iscale * (x[i] - min)), nmax);
        float diff = scale * L[i] + min - x[i];
        diff = use_mad ? fabsf(diff) : diff * diff;
        const float w = weights ? weights[i] : x[i] * x[i];
        best_error += w * diff;
    }
    if (nstep < 1) {
        *the_min = -min;
        return scale;
    }
    for (int is = 0; is <= nstep; ++is) {
        iscale = (rmin + rdelta * is + nmax) / (max - min);
        float sum_l = 0, sum_l2 = 0, sum_xl = 0;
        for (int i = 0; i < n; ++i) {
            const int l = clamp_level(slim_nearest_int(iscale * (x[i] - min)), nmax);
            Laux[i] = (uint8_t)l;
            const float w = weights ? weights[i] : x[i] * x[i];
            sum_l += w * l;
            sum_l2 += w * l * l;
            sum_xl += w * l * x[i];
        }
        const float D = sum_w * sum_l2 - sum_l * sum_l;
        if (!(D > 0))
            continue;
        float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
        float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
        if (this_min > 0) {
            this_min = 0;
            this_scale = sum_xl / sum_l2;
        }
        float cur_error = 0;
        for (int i = 0; i < n; ++i) {
            float diff = this_scale * Laux[i] + this_min - x[i];
            diff = use_mad ? fabsf(diff) : diff * diff;
            const float w = weights ? weights[i] : x[i] * x[i];
            cur_error += w * diff;
        }
        if (cur_error < best_error) {
            memcpy(L, Laux, (size_t)n);
            best_error = cur_error;
            scale = this_scale;
            min = this_min;
        }
    }
    *the_min = -min;
    return scale;
}

float slim_make_qkx2_quants(int n, int nmax, const float *restrict x,
                            const float *restrict weights, uint8_t *restrict L,
                            float *restrict the_min, uint8_t *restrict Laux,
                            float rmin, float rdelta, int nstep, bool use_mad)
{
    return make_qkx_quants(n, nmax, x, weights, L, the_min, Laux, rmin, rdelta, nstep,
                           use_mad, false);
}

float slim_make_qkx3_quants(int n, int nmax, const float *restrict x,
                            const float *restrict weights, uint8_t *restrict L,
                            float *restrict the_min, uint8_t *restrict Laux,
                            float rmin, float rdelta, int nstep, bool use_mad)
{
    return make_qkx_quants(n, nmax, x, weights, L, the_min, Laux, rmin, rdelta, nstep,
                           use_mad, true);
}

float slim_make_qp_quants(int n, int nmax, const float *restrict x, uint8_t *restrict L,
                          const float *restrict quant_weights)
{
    float max = 0;
    for (int i = 0; i < n; ++i)
        max = max > x[i] ? max : x[i];
    if (max < SLIM_GROUP_MAX_EPS) {
        memset(L, 0, (size_t)n);
        return 0.f;
    }
    float iscale = nmax / max;
    for (int i = 0; i < n; ++i)
        L[i] = (uint8_t)slim_nearest_int(iscale * x[i]);
    const float scale = 1 / iscale;
    float best_mse = 0;
    for (int i = 0; i < n; ++i) {
        const float diff = x[i] - scale * L[i];
        best_mse += quant_weights[i] * diff * diff;
    }
    /* Try 8 perturbed scales around nmax/max; levels have no lower clamp. */
    for (int is = -4; is <= 4; ++is) {
        if (is == 0)
            continue;
        const float iscale_is = (0.1f * is + nmax) / max;
        const float scale_is = 1 / iscale_is;
        float mse = 0;
        for (int i = 0; i < n; ++i) {
            int l = slim_nearest_int(iscale_is * x[i]);
            l = l < nmax ? l : nmax;
            const float diff = x[i] - scale_is * l;
            mse += quant_weights[i] * diff * diff;
        }
        if (mse < best_mse) {
            best_mse = mse;
            iscale = iscale_is;
        }
    }
    float sumlx = 0, suml2 = 0;
    for (int i = 0; i < n; ++i) {
        int l = slim_nearest_int(iscale * x[i]);
        l = l < nmax ? l : nmax;
        L[i] = (uint8_t)l;
        const float w = quant_weights[i];
        sumlx += w * x[i] * l;
        suml2 += w * l * l;
    }
    /* Coordinate descent: move one level at a time while the fit improves.
     * Note L[i] is read back as uint8_t, as in ggml. */
    for (int itry = 0; itry < 5; ++itry) {
        int n_changed = 0;
        for (int i = 0; i < n; ++i) {
            const float w = quant_weights[i];
            float slx = sumlx - w * x[i] * L[i];
            float sl2 = suml2 - w * L[i] * L[i];
            if (slx > 0 && sl2 > 0) {
                int new_l = slim_nearest_int(x[i] * sl2 / slx);
                new_l = new_l < nmax ? new_l : nmax;
                if (new_l != L[i]) {
                    slx += w * x[i] * new_l;
                    sl2 += w * new_l * new_l;
                    if (slx * slx * suml2 > sumlx * sumlx * sl2) {
                        L[i] = (uint8_t)new_l;
                        sumlx = slx;
                        suml2 = sl2;
                        ++n_changed;
                    }
                }
            }
        }
        if (!n_changed)
            break;
    }
    return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

/* ---- Symmetric searches (KSYM) ---- */

static inline int clamp_sym(int l, int nmax)
{
    l = l < nmax - 1 ? l : nmax - 1;
    return l > -nmax ? l : -nmax;
}

/* Weight of x[i] in make_qx_quants. */
static inline float qx_weight(const float *restrict x, const float *restrict qw, int i,
                              int rmse_type)
{
    if (qw)
        return qw[i];
    switch (rmse_type) {
    case 1: return x[i] * x[i];
    case 2: return 1;
    case 3: return fabsf(x[i]);
    default: return sqrtf(fabsf(x[i]));
    }
}

/* The value of largest magnitude (the first one on ties) and its |.|. */
static inline float signed_absmax(int n, const float *restrict x, float *amax_out)
{
    float max = 0, amax = 0;
    for (int i = 0; i < n; ++i) {
        const float ax = fabsf(x[i]);
        if (ax > amax) {
            amax = ax;
            max = x[i];
        }
    }
    *amax_out = amax;
    return max;
}

float slim_make_qx_quants(int n, int nmax, const float *restrict x, int8_t *restrict L,
                          int rmse_type, const float *restrict qw)
{
    float amax;
    const float max = signed_absmax(n, x, &amax);
    if (amax < SLIM_GROUP_MAX_EPS) {
        memset(L, 0, (size_t)n);
        return 0.f;
    }
    float iscale = -nmax / max;
    if (rmse_type == 0) {
        for (int i = 0; i < n; ++i)
            L[i] = (int8_t)(nmax + clamp_sym(slim_nearest_int(iscale * x[i]), nmax));
        return 1 / iscale;
    }
    const bool return_early = rmse_type < 0;
    if (return_early)
        rmse_type = -rmse_type;
    float sumlx = 0, suml2 = 0;
    for (int i = 0; i < n; ++i) {
        const int l = clamp_sym(slim_nearest_int(iscale * x[i]), nmax);
        L[i] = (int8_t)(l + nmax);
        const float w = qx_weight(x, qw, i, rmse_type);
        sumlx += w * x[i] * l;
        suml2 += w * l * l;
    }
    float scale = suml2 ? sumlx / suml2 : 0.0f;
    if (return_early)
        return suml2 > 0 ? 0.5f * (scale + 1 / iscale) : 1 / iscale;
    float best = scale * sumlx;
    for (int is = -9; is <= 9; ++is) {
        if (is == 0)
            continue;
        iscale = -(nmax + 0.1f * is) / max;
        sumlx = suml2 = 0;
        for (int i = 0; i < n; ++i) {
            const int l = clamp_sym(slim_nearest_int(iscale * x[i]), nmax);
            const float w = qx_weight(x, qw, i, rmse_type);
            sumlx += w * x[i] * l;
            suml2 += w * l * l;
        }
        /* The fit improves iff sumlx^2/suml2 grows (best = sumlx^2/suml2). */
        if (suml2 > 0 && sumlx * sumlx > best * suml2) {
            for (int i = 0; i < n; ++i)
                L[i] = (int8_t)(nmax + clamp_sym(slim_nearest_int(iscale * x[i]), nmax));
            scale = sumlx / suml2;
            best = scale * sumlx;
        }
    }
    return scale;
}

float slim_make_q3_quants(int n, int nmax, const float *restrict x, int8_t *restrict L,
                          bool do_rmse)
{
    float amax;
    const float max = signed_absmax(n, x, &amax);
    if (amax < SLIM_GROUP_MAX_EPS) {
        memset(L, 0, (size_t)n);
        return 0.f;
    }
    const float iscale = -nmax / max;
    if (!do_rmse) {
        for (int i = 0; i < n; ++i)
            L[i] = (int8_t)(nmax + clamp_sym(slim_nearest_int(iscale * x[i]), nmax));
        return 1 / iscale;
    }
    float sumlx = 0, suml2 = 0;
    for (int i = 0; i < n; ++i) {
        const int l = clamp_sym(slim_nearest_int(iscale * x[i]), nmax);
        L[i] = (int8_t)l;
        const float w = x[i] * x[i];
        sumlx += w * x[i] * l;
        suml2 += w * l * l;
    }
    /* Coordinate descent: re-fit one level at a time against the least-squares
     * scale of the others; keep the move only if the whole fit improves. */
    for (int itry = 0; itry < 5; ++itry) {
        int n_changed = 0;
        for (int i = 0; i < n; ++i) {
            const float w = x[i] * x[i];
            float slx = sumlx - w * x[i] * L[i];
            if (slx > 0) {
                float sl2 = suml2 - w * L[i] * L[i];
                const int new_l = clamp_sym(slim_nearest_int(x[i] * sl2 / slx), nmax);
                if (new_l != L[i]) {
                    slx += w * x[i] * new_l;
                    sl2 += w * new_l * new_l;
                    if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                        L[i] = (int8_t)new_l;
                        sumlx = slx;
                        suml2 = sl2;
                        ++n_changed;
                    }
                }
            }
        }
        if (!n_changed)
            break;
    }
    for (int i = 0; i < n; ++i)
        L[i] = (int8_t)(L[i] + nmax);
    return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}
