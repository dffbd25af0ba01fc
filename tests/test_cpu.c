/*
 * Kernel paths: names, the SLIM_CPU environment variable, slim_set_path and
 * slim_type_kernel_paths. The path is chosen once per process, so each
 * SLIM_CPU case runs in a forked child that has not touched the library.
 */
#include "slim.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static slim_path widest_supported(void)
{
    slim_path best = SLIM_PATH_SCALAR;
    for (int p = 0; p < SLIM_PATH_COUNT; p++)
        if (slim_path_supported((slim_path)p))
            best = (slim_path)p;
    return best;
}

/* What a fresh process sees with SLIM_CPU=value (NULL: unset). */
typedef struct {
    slim_path path;
    slim_error status;
    slim_error set_scalar;       /* slim_set_path(SCALAR) afterwards */
    slim_error status_after_set; /* slim_cpu_path_status() after that */
} env_view;

static env_view with_env(const char *value)
{
    int fd[2];
    cr_assert_eq(pipe(fd), 0);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        if (value)
            setenv("SLIM_CPU", value, 1);
        else
            unsetenv("SLIM_CPU");
        env_view v;
        v.path = slim_cpu_path();
        v.status = slim_cpu_path_status();
        v.set_scalar = slim_set_path(SLIM_PATH_SCALAR);
        v.status_after_set = slim_cpu_path_status();
        ssize_t w = write(fd[1], &v, sizeof v);
        _exit(w == (ssize_t)sizeof v ? 0 : 1);
    }
    close(fd[1]);
    env_view v;
    ssize_t got = read(fd[0], &v, sizeof v);
    close(fd[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child for SLIM_CPU=%s failed",
              value ? value : "(unset)");
    cr_assert_eq(got, (ssize_t)sizeof v);
    return v;
}

Test(cpu, path_names)
{
    static const char *const names[SLIM_PATH_COUNT] = { "scalar", "avx2", "avx512", "neon" };
    for (int p = 0; p < SLIM_PATH_COUNT; p++) {
        cr_expect_str_eq(slim_path_name((slim_path)p), names[p]);
        slim_path out = SLIM_PATH_COUNT;
        cr_expect_eq(slim_path_from_name(names[p], &out), SLIM_OK);
        cr_expect_eq(out, (slim_path)p);
    }
    slim_path out = SLIM_PATH_COUNT;
    cr_expect_eq(slim_path_from_name("AVX512", &out), SLIM_OK);
    cr_expect_eq(out, SLIM_PATH_AVX512);
    cr_expect_eq(slim_path_from_name("Scalar", &out), SLIM_OK);
    cr_expect_eq(out, SLIM_PATH_SCALAR);
    out = SLIM_PATH_NEON;
    cr_expect_eq(slim_path_from_name("sse2", &out), SLIM_ERR_INVALID_ARG);
    cr_expect_eq(slim_path_from_name("", &out), SLIM_ERR_INVALID_ARG);
    cr_expect_eq(out, SLIM_PATH_NEON, "a failed parse must not write");
    cr_expect_eq(slim_path_from_name(NULL, &out), SLIM_ERR_INVALID_ARG);
    cr_expect_eq(slim_path_from_name("avx2", NULL), SLIM_ERR_INVALID_ARG);
    cr_expect_str_eq(slim_path_name(SLIM_PATH_COUNT), "unknown");
}

Test(cpu, supported_paths_follow_the_features)
{
    uint32_t f = slim_cpu_features();
    cr_expect(slim_path_supported(SLIM_PATH_SCALAR));
    cr_expect(!slim_path_supported(SLIM_PATH_COUNT));
#if defined(__x86_64__)
    cr_expect(!slim_path_supported(SLIM_PATH_NEON));
    if (slim_path_supported(SLIM_PATH_AVX512)) {
        cr_expect(slim_path_supported(SLIM_PATH_AVX2), "AVX-512 implies the AVX2 path");
        cr_expect(f & SLIM_CPU_AVX512BW);
    }
    if (slim_path_supported(SLIM_PATH_AVX2))
        cr_expect((f & (SLIM_CPU_AVX2 | SLIM_CPU_FMA | SLIM_CPU_F16C)) ==
                  (SLIM_CPU_AVX2 | SLIM_CPU_FMA | SLIM_CPU_F16C));
#elif defined(__aarch64__)
    cr_expect(slim_path_supported(SLIM_PATH_NEON));
    cr_expect(f & SLIM_CPU_NEON);
    cr_expect(!slim_path_supported(SLIM_PATH_AVX2));
#endif
}

Test(cpu, features_string)
{
    char buf[64];
    cr_expect_str_eq(slim_cpu_features_string(SLIM_CPU_AVX2 | SLIM_CPU_NEON, buf, sizeof buf),
                     "avx2 neon");
    cr_expect_str_eq(slim_cpu_features_string(0, buf, sizeof buf), "");
    char small[8];
    memset(small, 'x', sizeof small);
    slim_cpu_features_string(~0u, small, sizeof small);
    cr_expect_lt(strlen(small), sizeof small, "the string is cut, never overflows");
}

/* The children must fork before this process touches the library (which
 * would fix its path for every later child), so views come first. */
Test(cpu, default_is_the_widest_supported_path)
{
    env_view unset = with_env(NULL), empty = with_env("");
    cr_expect_eq(unset.path, widest_supported());
    cr_expect_eq(unset.status, SLIM_OK);
    cr_expect_eq(empty.path, widest_supported(), "an empty SLIM_CPU is unset");
    cr_expect_eq(empty.status, SLIM_OK);
}

Test(cpu, slim_cpu_selects_a_supported_path)
{
    static const char *const spelled[SLIM_PATH_COUNT] = { "scalar", "AVX2", "Avx512", "neon" };
    env_view v[SLIM_PATH_COUNT];
    for (int p = 0; p < SLIM_PATH_COUNT; p++)
        v[p] = with_env(spelled[p]);
    for (int p = 0; p < SLIM_PATH_COUNT; p++) {
        if (slim_path_supported((slim_path)p)) {
            cr_expect_eq(v[p].path, (slim_path)p, "SLIM_CPU=%s", spelled[p]);
            cr_expect_eq(v[p].status, SLIM_OK, "SLIM_CPU=%s", spelled[p]);
        } else {
            /* Never a silent fallback: the error is reported, scalar is used. */
            cr_expect_eq(v[p].path, SLIM_PATH_SCALAR, "SLIM_CPU=%s", spelled[p]);
            cr_expect_eq(v[p].status, SLIM_ERR_CPU_UNSUPPORTED, "SLIM_CPU=%s", spelled[p]);
            cr_expect_eq(v[p].set_scalar, SLIM_OK);
            cr_expect_eq(v[p].status_after_set, SLIM_OK, "slim_set_path clears the error");
        }
    }
}

Test(cpu, slim_cpu_unknown_name)
{
    env_view v = with_env("pentium");
    cr_expect_eq(v.path, SLIM_PATH_SCALAR);
    cr_expect_eq(v.status, SLIM_ERR_INVALID_ARG);
    cr_expect_eq(v.set_scalar, SLIM_OK);
    cr_expect_eq(v.status_after_set, SLIM_OK);
}

Test(cpu, set_path)
{
    slim_path start = slim_cpu_path();
    for (int p = 0; p < SLIM_PATH_COUNT; p++) {
        slim_path before = slim_cpu_path();
        slim_error e = slim_set_path((slim_path)p);
        if (slim_path_supported((slim_path)p)) {
            cr_expect_eq(e, SLIM_OK, "%s", slim_path_name((slim_path)p));
            cr_expect_eq(slim_cpu_path(), (slim_path)p);
        } else {
            cr_expect_eq(e, SLIM_ERR_CPU_UNSUPPORTED, "%s", slim_path_name((slim_path)p));
            cr_expect_eq(slim_cpu_path(), before, "an unsupported path leaves the path alone");
        }
    }
    cr_expect_eq(slim_set_path(SLIM_PATH_COUNT), SLIM_ERR_INVALID_ARG);
    cr_expect_eq(slim_set_path((slim_path)-1), SLIM_ERR_INVALID_ARG);
    cr_expect_eq(slim_set_path(start), SLIM_OK);
}

Test(cpu, kernel_paths)
{
    for (int p = 0; p < SLIM_PATH_COUNT; p++) {
        if (!slim_path_supported((slim_path)p))
            continue;
        cr_assert_eq(slim_set_path((slim_path)p), SLIM_OK);
        for (int t = 0; t < SLIM_TYPE_COUNT; t++) {
            const slim_type_info *info = slim_type_get((slim_type)t);
            slim_path q = SLIM_PATH_COUNT, d = SLIM_PATH_COUNT;
            slim_error e = slim_type_kernel_paths((slim_type)t, &q, &d);
            if (!info) {
                cr_expect_eq(e, SLIM_ERR_BAD_TYPE, "id %d", t);
                continue;
            }
            if (!info->has_kernels) {
                cr_expect_eq(e, SLIM_ERR_UNSUPPORTED, "%s", info->name);
                continue;
            }
            cr_expect_eq(e, SLIM_OK, "%s", info->name);
            /* The kernel that runs is this path's or a narrower fallback. */
            cr_expect(slim_path_supported(q) && slim_path_supported(d), "%s", info->name);
            if (p == SLIM_PATH_SCALAR)
                cr_expect(q == SLIM_PATH_SCALAR && d == SLIM_PATH_SCALAR, "%s", info->name);
            if (p == SLIM_PATH_AVX2)
                cr_expect(q <= SLIM_PATH_AVX2 && d <= SLIM_PATH_AVX2, "%s", info->name);
        }
    }
    cr_expect_eq(slim_type_kernel_paths((slim_type)4, NULL, NULL), SLIM_ERR_BAD_TYPE);
}
