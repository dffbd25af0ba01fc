/*
 * Helpers shared by the test programs: a seeded random generator, input
 * generators for the kernels, and access to the shared reference vectors.
 * No Criterion here: the standalone kernel checker (which also runs under
 * qemu) links these too.
 */
#ifndef SLIM_TESTS_UTIL_H
#define SLIM_TESTS_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* ---- deterministic random numbers (splitmix64) ---- */

typedef struct { uint64_t s; } test_rng;

void test_rng_seed(test_rng *r, uint64_t seed);
uint64_t test_rng_next(test_rng *r);
uint32_t test_rng_below(test_rng *r, uint32_t n);   /* uniform in [0, n), n > 0 */
float test_rng_uniform(test_rng *r);                /* uniform in [0, 1) */
float test_rng_gauss(test_rng *r);                  /* standard normal */
void test_rng_bytes(test_rng *r, void *dst, size_t n);

/* ---- kernel inputs ---- */

/* The kinds of rows a quantizer must get right. */
typedef enum {
    TEST_GEN_GAUSS,     /* normal, per-row scale from 2^-10 to 2^6 */
    TEST_GEN_HEAVY,     /* heavy-tailed, with rare large outliers */
    TEST_GEN_ZEROS,     /* +0 and -0 */
    TEST_GEN_CONST,     /* one value repeated */
    TEST_GEN_TIES,      /* multiples of s/2 with a block maximum of M*s: rounding ties */
    TEST_GEN_TINY,      /* subnormals and tiny normals */
    TEST_GEN_LARGE,     /* magnitudes 2^20 .. 2^60 */
    TEST_GEN_EXTREME,   /* magnitudes up to FLT_MAX (sums of squares overflow) */
    TEST_GEN_SPARSE,    /* mostly zeros with a few spikes */
    TEST_GEN_MIXED,     /* each block from another generator: lanes take different branches */
    TEST_GEN_COUNT
} test_gen;

const char *test_gen_name(test_gen g);
/* Fills x[0..n) with finite values; `block` is the type's block size (the
 * unit for per-block structure such as tie maxima or mixed kinds). */
void test_gen_fill(test_gen g, float *x, int64_t n, int64_t block, test_rng *r);

/* Importance weights (ggml's quant_weights). */
typedef enum {
    TEST_QW_NONE,       /* no weights: NULL */
    TEST_QW_RANDOM,     /* positive, log-normal spread */
    TEST_QW_ZEROS,      /* some exact zeros, sometimes a whole block of them */
    TEST_QW_COUNT
} test_qw;

const char *test_qw_name(test_qw m);
void test_qw_fill(test_qw m, float *w, int64_t n, int64_t block, test_rng *r);

/* ---- shared reference vectors (../shared/data/quant) ---- */

/* The shared data root: $SLIM_SHARED_DATA, else ../shared/data. NULL if
 * the directory does not exist. */
const char *test_data_dir(void);

/* Reads a whole file; NULL if it cannot be read. The caller frees. */
void *test_read_file(const char *path, size_t *size);

/* One set of quantization inputs: rows x cols floats and cols weights. */
typedef struct {
    const char *name;   /* "synthetic" or "stories260K" */
    float *x;
    float *imatrix;
    int64_t rows, cols;
} test_quant_set;

#define TEST_QUANT_SET_COUNT 2
extern const char *const test_quant_set_names[TEST_QUANT_SET_COUNT];

/* Loads set `name`; returns 0 (and leaves *out empty) if it is absent or
 * malformed. */
int test_quant_set_load(const char *name, test_quant_set *out);
void test_quant_set_free(test_quant_set *s);

/* Reads <data>/quant/<set>/<type><suffix> (suffix: ".q", ".imx.q",
 * ".deq.f32", ".imx.deq.f32"); NULL if absent. */
void *test_quant_file(const char *set, const char *type, const char *suffix, size_t *size);

#endif
