/*
 * CPU feature detection and the choice of kernel path, done once.
 *
 * x86: CPUID for the instruction sets, XGETBV for the OS: a CPU that has
 * AVX-512 is no use if the kernel does not save ZMM registers on a context
 * switch. Arm: the kernel's hwcaps. SLIM_CPU=scalar|avx2|avx512|neon forces a
 * path; a forced path the CPU lacks is an error, never a silent fallback.
 */
#include "slim.h"
#include "simd/cpu_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static uint64_t read_xcr0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

static uint32_t detect(void)
{
    uint32_t f = 0, a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return 0;
    int osxsave = (c >> 27) & 1;
    if ((c >> 20) & 1) f |= SLIM_CPU_SSE42;
    int avx = (c >> 28) & 1, fma = (c >> 12) & 1, f16c = (c >> 29) & 1;
    uint64_t xcr0 = osxsave ? read_xcr0() : 0;
    int ymm_ok = (xcr0 & 0x6) == 0x6;
    int zmm_ok = ymm_ok && (xcr0 & 0xE0) == 0xE0;
    if (!avx || !ymm_ok)
        return f; /* no AVX state: nothing wider than SSE is usable */
    f |= SLIM_CPU_AVX;
    if (fma) f |= SLIM_CPU_FMA;
    if (f16c) f |= SLIM_CPU_F16C;
    uint32_t max_leaf = __get_cpuid_max(0, NULL);
    if (max_leaf < 7)
        return f;
    __cpuid_count(7, 0, a, b, c, d);
    if ((b >> 5) & 1) f |= SLIM_CPU_AVX2;
    if ((b >> 8) & 1) f |= SLIM_CPU_BMI2;
    if (zmm_ok) {
        if ((b >> 16) & 1) f |= SLIM_CPU_AVX512F;
        if ((b >> 17) & 1) f |= SLIM_CPU_AVX512DQ;
        if ((b >> 30) & 1) f |= SLIM_CPU_AVX512BW;
        if ((b >> 31) & 1) f |= SLIM_CPU_AVX512VL;
        if ((c >> 1) & 1)  f |= SLIM_CPU_AVX512VBMI;
        if ((c >> 11) & 1) f |= SLIM_CPU_AVX512VNNI;
        uint32_t sub_max = a;
        if (sub_max >= 1) {
            __cpuid_count(7, 1, a, b, c, d);
            if ((a >> 5) & 1) f |= SLIM_CPU_AVX512BF16;
        }
    }
    return f;
}

#elif defined(__aarch64__)
#include <sys/auxv.h>

static uint32_t detect(void)
{
    uint32_t f = SLIM_CPU_NEON; /* Advanced SIMD is part of the AArch64 baseline */
    unsigned long hw = getauxval(AT_HWCAP);
    if (hw & (1UL << 20)) f |= SLIM_CPU_DOTPROD; /* HWCAP_ASIMDDP */
    if (hw & (1UL << 10)) f |= SLIM_CPU_FP16;    /* HWCAP_ASIMDHP */
    return f;
}

#else
static uint32_t detect(void) { return 0; }
#endif

#define AVX2_PATH_BITS (SLIM_CPU_AVX2 | SLIM_CPU_FMA | SLIM_CPU_F16C | SLIM_CPU_BMI2)
#define AVX512_PATH_BITS (AVX2_PATH_BITS | SLIM_CPU_AVX512F | SLIM_CPU_AVX512BW | \
                          SLIM_CPU_AVX512DQ | SLIM_CPU_AVX512VL)

static pthread_once_t once = PTHREAD_ONCE_INIT;
static uint32_t features;
static slim_path current = SLIM_PATH_SCALAR;
static slim_error env_status = SLIM_OK;

/* Whether features `f` run `path`. Separate from slim_path_supported so that
 * init() can use it without re-entering pthread_once (which deadlocks). */
static int path_ok(uint32_t f, slim_path path)
{
    switch (path) {
    case SLIM_PATH_SCALAR: return 1;
#if defined(__x86_64__)
    case SLIM_PATH_AVX2:   return (f & AVX2_PATH_BITS) == AVX2_PATH_BITS;
    case SLIM_PATH_AVX512: return (f & AVX512_PATH_BITS) == AVX512_PATH_BITS;
#endif
#if defined(__aarch64__)
    case SLIM_PATH_NEON:   return (f & SLIM_CPU_NEON) != 0;
#endif
    default: return 0;
    }
}

int slim_path_supported(slim_path path)
{
    return path_ok(slim_cpu_features(), path);
}

static void init(void)
{
    features = detect();
    slim_path best = SLIM_PATH_SCALAR;
    for (int p = SLIM_PATH_SCALAR; p < SLIM_PATH_COUNT; p++)
        if (path_ok(features, (slim_path)p))
            best = (slim_path)p; /* paths are ordered narrow to wide per architecture */
    current = best;
    const char *env = getenv("SLIM_CPU");
    if (env && *env) {
        slim_path forced;
        if (slim_path_from_name(env, &forced) != SLIM_OK) {
            env_status = SLIM_ERR_INVALID_ARG;
            current = SLIM_PATH_SCALAR;
        } else if (!path_ok(features, forced)) {
            env_status = SLIM_ERR_CPU_UNSUPPORTED;
            current = SLIM_PATH_SCALAR;
        } else {
            current = forced;
        }
    }
}

uint32_t slim_cpu_features(void)
{
    pthread_once(&once, init);
    return features;
}

slim_path slim_cpu_path(void)
{
    pthread_once(&once, init);
    return current;
}

slim_error slim_cpu_path_status(void)
{
    pthread_once(&once, init);
    return env_status;
}

slim_error slim_set_path(slim_path path)
{
    pthread_once(&once, init);
    if ((unsigned)path >= SLIM_PATH_COUNT)
        return SLIM_ERR_INVALID_ARG;
    if (!slim_path_supported(path))
        return SLIM_ERR_CPU_UNSUPPORTED;
    current = path;
    env_status = SLIM_OK;
    return SLIM_OK;
}

static const char *const path_names[SLIM_PATH_COUNT] = { "scalar", "avx2", "avx512", "neon" };

const char *slim_path_name(slim_path path)
{
    return (unsigned)path < SLIM_PATH_COUNT ? path_names[path] : "unknown";
}

slim_error slim_path_from_name(const char *name, slim_path *out)
{
    if (!name || !out)
        return SLIM_ERR_INVALID_ARG;
    for (int p = 0; p < SLIM_PATH_COUNT; p++) {
        if (strcasecmp(name, path_names[p]) == 0) {
            *out = (slim_path)p;
            return SLIM_OK;
        }
    }
    return SLIM_ERR_INVALID_ARG;
}

static const struct { uint32_t bit; const char *name; } feature_names[] = {
    { SLIM_CPU_SSE42, "sse4.2" },        { SLIM_CPU_AVX, "avx" },
    { SLIM_CPU_AVX2, "avx2" },           { SLIM_CPU_FMA, "fma" },
    { SLIM_CPU_F16C, "f16c" },           { SLIM_CPU_BMI2, "bmi2" },
    { SLIM_CPU_AVX512F, "avx512f" },     { SLIM_CPU_AVX512BW, "avx512bw" },
    { SLIM_CPU_AVX512DQ, "avx512dq" },   { SLIM_CPU_AVX512VL, "avx512vl" },
    { SLIM_CPU_AVX512VNNI, "avx512vnni" }, { SLIM_CPU_AVX512BF16, "avx512bf16" },
    { SLIM_CPU_AVX512VBMI, "avx512vbmi" }, { SLIM_CPU_NEON, "neon" },
    { SLIM_CPU_DOTPROD, "dotprod" },     { SLIM_CPU_FP16, "fp16" },
};

const char *slim_cpu_features_string(uint32_t f, char *buf, size_t size)
{
    if (!buf || size == 0)
        return buf;
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof feature_names / sizeof feature_names[0]; i++) {
        if (!(f & feature_names[i].bit))
            continue;
        int n = snprintf(buf + used, size - used, "%s%s", used ? " " : "", feature_names[i].name);
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
    return buf;
}
