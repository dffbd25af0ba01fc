/*
 * slim_quantize / slim_dequantize: checks the shape, scans for NaN and Inf,
 * and runs the row kernels of the current path on all threads. Rows are
 * independent, so the bytes never depend on the thread count.
 */
#include "slim.h"
#include "core/parallel.h"
#include "simd/kernels.h"

#include <stdatomic.h>

/* Rows per work item: enough to amortize scheduling, small enough to
 * balance (about 64k values per item). */
static int64_t grain_for(int64_t cols)
{
    int64_t g = (64 * 1024) / (cols > 0 ? cols : 1);
    return g < 1 ? 1 : g;
}

typedef struct {
    slim_quantize_row_fn quantize;
    slim_find_nonfinite_fn scan;
    const float *src;
    uint8_t *dst;
    int64_t cols;
    size_t row_bytes;
    const float *imatrix;
    atomic_llong first_bad; /* flat index of the first NaN/Inf, or INT64_MAX */
} quantize_job;

static slim_error quantize_range(void *ctx, int64_t begin, int64_t end)
{
    quantize_job *j = ctx;
    for (int64_t r = begin; r < end; r++) {
        const float *row = j->src + r * j->cols;
        int64_t bad = j->scan(row, j->cols);
        if (bad >= 0) {
            long long flat = (long long)(r * j->cols + bad);
            long long cur = atomic_load(&j->first_bad);
            while (flat < cur && !atomic_compare_exchange_weak(&j->first_bad, &cur, flat))
                ;
            return SLIM_ERR_NONFINITE;
        }
        j->quantize(row, j->dst + (size_t)r * j->row_bytes, j->cols, j->imatrix);
    }
    return SLIM_OK;
}

static slim_error check_shape(slim_type type, int64_t rows, int64_t cols, size_t *row_bytes)
{
    const slim_type_info *info = slim_type_get(type);
    if (!info)
        return SLIM_ERR_BAD_TYPE;
    if (!info->has_kernels)
        return SLIM_ERR_UNSUPPORTED;
    if (rows < 0)
        return SLIM_ERR_INVALID_ARG;
    slim_error e = slim_row_size(type, cols, row_bytes);
    if (e != SLIM_OK)
        return e;
    if (rows > 0 && (uint64_t)rows > SIZE_MAX / *row_bytes)
        return SLIM_ERR_OVERFLOW;
    if (rows > 0 && (uint64_t)cols > (uint64_t)INT64_MAX / (uint64_t)rows)
        return SLIM_ERR_OVERFLOW;
    return SLIM_OK;
}

slim_error slim_quantize(slim_type type, const float *src, void *dst, int64_t rows,
                         int64_t cols, const float *imatrix, int threads,
                         slim_position *where)
{
    size_t row_bytes;
    slim_error e = check_shape(type, rows, cols, &row_bytes);
    if (e != SLIM_OK)
        return e;
    if (rows == 0)
        return SLIM_OK;
    if (!src || !dst)
        return SLIM_ERR_INVALID_ARG;
    slim_path path = slim_cpu_path();
    quantize_job j = {
        .quantize = slim_quantize_kernel(type, path, NULL),
        .scan = slim_find_nonfinite_kernel(path),
        .src = src, .dst = dst, .cols = cols, .row_bytes = row_bytes,
        .imatrix = imatrix,
    };
    if (!j.quantize)
        return SLIM_ERR_UNSUPPORTED;
    atomic_init(&j.first_bad, INT64_MAX);
    e = slim_parallel_for(threads, rows, grain_for(cols), quantize_range, &j);
    if (e == SLIM_ERR_NONFINITE && where) {
        long long flat = atomic_load(&j.first_bad);
        where->row = flat / cols;
        where->col = flat % cols;
    }
    return e;
}

typedef struct {
    slim_dequantize_row_fn dequantize;
    const uint8_t *src;
    float *dst;
    int64_t cols;
    size_t row_bytes;
} dequantize_job;

static slim_error dequantize_range(void *ctx, int64_t begin, int64_t end)
{
    dequantize_job *j = ctx;
    for (int64_t r = begin; r < end; r++)
        j->dequantize(j->src + (size_t)r * j->row_bytes, j->dst + r * j->cols, j->cols);
    return SLIM_OK;
}

slim_error slim_dequantize(slim_type type, const void *src, float *dst, int64_t rows,
                           int64_t cols, int threads)
{
    size_t row_bytes;
    slim_error e = check_shape(type, rows, cols, &row_bytes);
    if (e != SLIM_OK)
        return e;
    if (rows == 0)
        return SLIM_OK;
    if (!src || !dst)
        return SLIM_ERR_INVALID_ARG;
    dequantize_job j = {
        .dequantize = slim_dequantize_kernel(type, slim_cpu_path(), NULL),
        .src = src, .dst = dst, .cols = cols, .row_bytes = row_bytes,
    };
    if (!j.dequantize)
        return SLIM_ERR_UNSUPPORTED;
    return slim_parallel_for(threads, rows, grain_for(cols), dequantize_range, &j);
}

slim_error slim_type_kernel_paths(slim_type type, slim_path *qpath, slim_path *dpath)
{
    const slim_type_info *info = slim_type_get(type);
    if (!info)
        return SLIM_ERR_BAD_TYPE;
    if (!info->has_kernels)
        return SLIM_ERR_UNSUPPORTED;
    slim_path path = slim_cpu_path(), q = SLIM_PATH_SCALAR, d = SLIM_PATH_SCALAR;
    slim_quantize_kernel(type, path, &q);
    slim_dequantize_kernel(type, path, &d);
    if (qpath) *qpath = q;
    if (dpath) *dpath = d;
    return SLIM_OK;
}
