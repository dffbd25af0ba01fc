/*
 * bench-quant: quantize and dequantize throughput of every type with
 * kernels, on the scalar path and on each SIMD path this CPU supports, on one
 * thread and on all of them. Prints a markdown table (stdout) ready to paste
 * into docs/PERFORMANCE.md; progress goes to stderr.
 *
 *   bench-quant [--time SECONDS] [TYPE...]
 *
 * Input: synthetic weight-like rows (slim_synth_weights, 4096 columns), the
 * same on every machine. Quantize speed is MB/s of float32 input; dequantize
 * speed is GB/s of float32 output (always 1024 rows, 16 MiB). Each figure is
 * the total over repeated calls lasting at least --time seconds (default
 * 0.2) after one warm-up call. Every SIMD path's output is also compared
 * with the scalar path's, so a wrong kernel cannot produce a fast number
 * unnoticed.
 *
 * Uses the public API only (slim.h).
 */
#include "slim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define COLS 4096
#define POOL_ROWS 1024          /* 16 MiB of float32 input */
#define TARGET_CALL_SECONDS 0.05 /* rows per call are sized to take about this on scalar */

static double min_time = 0.2;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, slim_error e)
{
    fprintf(stderr, "bench-quant: %s: %s\n", what, slim_strerror(e));
    exit(1);
}

typedef struct {
    slim_type type;
    const float *src;
    void *q;             /* rows * row_bytes */
    float *deq;
    int64_t rows;
    const float *imatrix;
    int threads;
} op;

static void run_quantize(const op *o)
{
    slim_error e = slim_quantize(o->type, o->src, o->q, o->rows, COLS, o->imatrix,
                                 o->threads, NULL);
    if (e != SLIM_OK)
        die("slim_quantize", e);
}

static void run_dequantize(const op *o)
{
    slim_error e = slim_dequantize(o->type, o->q, o->deq, o->rows, COLS, o->threads);
    if (e != SLIM_OK)
        die("slim_dequantize", e);
}

/* Calls per second of fn, over at least min_time after one warm-up call. */
static double calls_per_second(void (*fn)(const op *), const op *o)
{
    fn(o);
    int calls = 0;
    double t0 = now(), t;
    do {
        fn(o);
        calls++;
        t = now() - t0;
    } while (t < min_time);
    return calls / t;
}

typedef struct {
    double q, qi, d;  /* quantize MB/s, with imatrix MB/s, dequantize GB/s */
} speeds;

/* Formats a speed and its ratio to the scalar one. */
static const char *cell(char *buf, size_t size, double v, double scalar, int have,
                        const char *fmt)
{
    if (!have) {
        snprintf(buf, size, "-");
        return buf;
    }
    int n = snprintf(buf, size, fmt, v);
    if (scalar > 0 && v != scalar && n > 0 && (size_t)n < size)
        snprintf(buf + n, size - (size_t)n, " (%.1fx)", v / scalar);
    return buf;
}

static int wanted(const char *name, int argc, char **argv, int first)
{
    if (first >= argc)
        return 1;
    for (int i = first; i < argc; i++)
        if (strcasecmp(argv[i], name) == 0)
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    int first_type = 1;
    if (argc > 2 && strcmp(argv[1], "--time") == 0) {
        min_time = atof(argv[2]);
        if (!(min_time > 0 && min_time < 60)) {
            fprintf(stderr, "bench-quant: --time wants seconds in (0, 60)\n");
            return 2;
        }
        first_type = 3;
    } else if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("Usage: bench-quant [--time SECONDS] [TYPE...]\n");
        return 0;
    }
    slim_error e = slim_cpu_path_status();
    if (e != SLIM_OK)
        die("SLIM_CPU", e);
    double t_start = now();

    size_t pool_values = (size_t)POOL_ROWS * COLS;
    float *src = malloc(pool_values * sizeof(float));
    float *deq = malloc(pool_values * sizeof(float));
    void *q = malloc(pool_values * sizeof(float));  /* enough for any type */
    void *ref = malloc(pool_values * sizeof(float));
    void *qpool = malloc(pool_values * sizeof(float)); /* the whole pool quantized */
    float imatrix[COLS];
    if (!src || !deq || !q || !ref || !qpool)
        die("malloc", SLIM_ERR_NOMEM);
    if ((e = slim_synth_weights(src, 0, POOL_ROWS, COLS, 1)) != SLIM_OK)
        die("slim_synth_weights", e);
    /* Importance weights like an imatrix's mean squared activations: positive
     * and uneven, with a few dominant columns. */
    if ((e = slim_synth_weights(imatrix, 0, 1, COLS, 2)) != SLIM_OK)
        die("slim_synth_weights", e);
    for (int c = 0; c < COLS; c++)
        imatrix[c] = 0.01f + 2500.0f * imatrix[c] * imatrix[c];
    memset(deq, 0, pool_values * sizeof(float));
    memset(q, 0, pool_values * sizeof(float));
    memset(ref, 0, pool_values * sizeof(float));
    memset(qpool, 0, pool_values * sizeof(float));

    int all = slim_cpu_count();
    int thread_counts[2] = { 1, all };
    int n_thread_counts = all > 1 ? 2 : 1;
    slim_path paths[SLIM_PATH_COUNT];
    int n_paths = 0;
    for (int p = 0; p < SLIM_PATH_COUNT; p++)
        if (slim_path_supported((slim_path)p))
            paths[n_paths++] = (slim_path)p;

    char feats[256];
    slim_cpu_features_string(slim_cpu_features(), feats, sizeof feats);
    printf("slim %s, CPU features: %s; %d threads available.\n\n", slim_version(), feats, all);
    printf("Input: synthetic weights (slim_synth_weights, seed 1), rows of %d float32.\n"
           "Quantize: MB/s of float32 input. Dequantize: GB/s of float32 output.\n"
           "(Nx): speed-up over the scalar path with the same number of threads.\n"
           "\"-\" in the imatrix column: the type ignores importance weights.\n\n", COLS);
    printf("| type | path | threads | quantize MB/s | with imatrix MB/s | dequantize GB/s |\n");
    printf("|------|------|--------:|--------------:|------------------:|----------------:|\n");

    int mismatches = 0;
    for (int t = 0; t < SLIM_TYPE_COUNT; t++) {
        const slim_type_info *info = slim_type_get((slim_type)t);
        if (!info || !info->has_kernels || !wanted(info->name, argc, argv, first_type))
            continue;
        fprintf(stderr, "bench-quant: %s...\n", info->name);
        size_t row_bytes;
        if ((e = slim_row_size(info->type, COLS, &row_bytes)) != SLIM_OK)
            die("slim_row_size", e);

        /* Rows per call: a scalar call should take about TARGET_CALL_SECONDS,
         * so slow types stay quick to measure and fast ones are not all
         * overhead. */
        slim_set_path(SLIM_PATH_SCALAR);
        op probe = { info->type, src, q, deq, 16, NULL, 1 };
        double t0 = now();
        run_quantize(&probe);
        double per_row = (now() - t0) / 16;
        int64_t rows = per_row > 0 ? (int64_t)(TARGET_CALL_SECONDS / per_row) : POOL_ROWS;
        rows = rows < 16 ? 16 : rows > POOL_ROWS ? POOL_ROWS : rows;

        /* Does the type use importance weights? Only if they change bytes. */
        op a = { info->type, src, q, deq, 16, NULL, 1 }, b = a;
        b.q = ref;
        b.imatrix = imatrix;
        run_quantize(&a);
        run_quantize(&b);
        int uses_imatrix = memcmp(q, ref, 16 * row_bytes) != 0;

        /* The scalar outputs, to check every other path against. */
        op r0 = { info->type, src, ref, deq, rows, NULL, all };
        run_quantize(&r0);
        /* Dequantize always makes the whole pool (16 MiB of float32), so
         * every type is measured on the same, larger-than-cache output. The
         * fastest path makes its input (checked against scalar below). */
        slim_set_path(paths[n_paths - 1]);
        op full = { info->type, src, qpool, deq, POOL_ROWS, NULL, all };
        run_quantize(&full);

        speeds scalar[2] = { { 0, 0, 0 }, { 0, 0, 0 } };
        slim_path seen_q[SLIM_PATH_COUNT], seen_d[SLIM_PATH_COUNT];
        int n_seen = 0;
        for (int pi = 0; pi < n_paths; pi++) {
            slim_set_path(paths[pi]);
            slim_path kq, kd;
            slim_type_kernel_paths(info->type, &kq, &kd);
            int dup = 0;
            for (int s = 0; s < n_seen; s++)
                dup |= seen_q[s] == kq && seen_d[s] == kd;
            if (dup)
                continue;   /* same kernels as a path already measured */
            seen_q[n_seen] = kq;
            seen_d[n_seen++] = kd;

            char label[64];
            if (kq == paths[pi] && kd == paths[pi])
                snprintf(label, sizeof label, "%s", slim_path_name(paths[pi]));
            else
                snprintf(label, sizeof label, "%s (kernels: q %s, d %s)",
                         slim_path_name(paths[pi]), slim_path_name(kq), slim_path_name(kd));

            for (int ti = 0; ti < n_thread_counts; ti++) {
                op o = { info->type, src, q, deq, rows, NULL, thread_counts[ti] };
                double in_mb = (double)rows * COLS * 4 / 1e6;
                speeds s;
                s.q = calls_per_second(run_quantize, &o) * in_mb;
                if (paths[pi] != SLIM_PATH_SCALAR && memcmp(q, ref, (size_t)rows * row_bytes)) {
                    fprintf(stderr, "bench-quant: MISMATCH: %s on %s differs from scalar\n",
                            info->name, slim_path_name(paths[pi]));
                    mismatches++;
                }
                op d = { info->type, src, qpool, deq, POOL_ROWS, NULL, thread_counts[ti] };
                s.d = calls_per_second(run_dequantize, &d) * (double)POOL_ROWS * COLS * 4 / 1e9;
                s.qi = 0;
                if (uses_imatrix) {
                    o.imatrix = imatrix;
                    s.qi = calls_per_second(run_quantize, &o) * in_mb;
                }
                if (paths[pi] == SLIM_PATH_SCALAR)
                    scalar[ti] = s;
                char c1[48], c2[48], c3[48];
                printf("| %s | %s | %d | %s | %s | %s |\n", info->name, label,
                       thread_counts[ti], cell(c1, sizeof c1, s.q, scalar[ti].q, 1, "%.0f"),
                       cell(c2, sizeof c2, s.qi, scalar[ti].qi, uses_imatrix, "%.0f"),
                       cell(c3, sizeof c3, s.d, scalar[ti].d, 1, "%.2f"));
                fflush(stdout);
            }
        }
    }
    fprintf(stderr, "bench-quant: done in %.0f s%s\n", now() - t_start,
            mismatches ? " (with MISMATCHES: see above)" : "");
    free(src);
    free(deq);
    free(q);
    free(ref);
    free(qpool);
    return mismatches ? 1 : 0;
}
