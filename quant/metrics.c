/*
 * Error metrics between a reference and an approximation (quantized then
 * dequantized weights). Only running sums are stored; the derived numbers
 * are recomputed after every update, so a caller can read them at any time
 * and chunks can be merged.
 */
#include "slim.h"

#include <math.h>

static void derive(slim_error_stats *s)
{
    if (s->count == 0) {
        s->rmse = s->rel_rmse = s->max_abs_err = 0.0;
        s->cosine = 1.0;
        s->max_abs_index = -1;
        return;
    }
    double n = (double)s->count;
    s->rmse = sqrt(s->sum_err2 / n);
    if (s->sum_ref2 > 0.0)
        s->rel_rmse = sqrt(s->sum_err2 / s->sum_ref2);
    else
        s->rel_rmse = s->sum_err2 > 0.0 ? INFINITY : s->sum_err2 == 0.0 ? 0.0 : NAN;

    double norms = s->sum_ref2 * s->sum_approx2;
    if (norms > 0.0)
        s->cosine = s->sum_dot / sqrt(norms);
    else if (s->sum_ref2 == 0.0 && s->sum_approx2 == 0.0)
        s->cosine = 1.0;
    else if (norms == 0.0)
        s->cosine = 0.0;   /* exactly one side is all zero */
    else
        s->cosine = NAN;   /* a NaN reached the sums */
}

slim_error slim_error_stats_add(slim_error_stats *s, const float *ref,
                                const float *approx, int64_t n)
{
    if (!s || n < 0 || (n > 0 && (!ref || !approx)))
        return SLIM_ERR_INVALID_ARG;
    if (s->count == 0)
        s->max_abs_index = -1;
    double r2 = s->sum_ref2, a2 = s->sum_approx2, dot = s->sum_dot, e2 = s->sum_err2;
    double max = s->max_abs_err;
    int64_t at = s->max_abs_index;
    for (int64_t i = 0; i < n; i++) {
        double r = ref[i], a = approx[i], e = a - r;
        r2 += r * r;
        a2 += a * a;
        dot += r * a;
        e2 += e * e;
        double ae = fabs(e);
        /* "!(ae <= max)" also catches a NaN error, which then sticks. */
        if (at < 0 || (!(ae <= max) && !isnan(max))) {
            max = ae;
            at = s->count + i;
        }
    }
    s->sum_ref2 = r2;
    s->sum_approx2 = a2;
    s->sum_dot = dot;
    s->sum_err2 = e2;
    s->max_abs_err = max;
    s->max_abs_index = at;
    s->count += n;
    derive(s);
    return SLIM_OK;
}

slim_error slim_error_stats_merge(slim_error_stats *into, const slim_error_stats *other)
{
    if (!into || !other)
        return SLIM_ERR_INVALID_ARG;
    if (other->count == 0)
        return SLIM_OK;
    if (into->count == 0 || (!(other->max_abs_err <= into->max_abs_err) &&
                             !isnan(into->max_abs_err))) {
        into->max_abs_err = other->max_abs_err;
        into->max_abs_index = into->count + other->max_abs_index;
    }
    into->sum_ref2 += other->sum_ref2;
    into->sum_approx2 += other->sum_approx2;
    into->sum_dot += other->sum_dot;
    into->sum_err2 += other->sum_err2;
    into->count += other->count;
    derive(into);
    return SLIM_OK;
}
