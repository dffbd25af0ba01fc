/* slim_strerror and slim_version: every error value has its own message. */
#include "slim.h"

#include <criterion/criterion.h>
#include <string.h>

Test(errors, every_value_has_a_distinct_message)
{
    for (int e = 0; e < SLIM_ERR_COUNT_; e++) {
        const char *m = slim_strerror((slim_error)e);
        cr_assert_not_null(m, "error %d", e);
        cr_expect_gt(strlen(m), 0u, "error %d has an empty message", e);
        cr_expect_str_neq(m, slim_strerror((slim_error)-1), "error %d has no message", e);
        for (int f = 0; f < e; f++)
            cr_expect_str_neq(m, slim_strerror((slim_error)f), "errors %d and %d share \"%s\"",
                              f, e, m);
    }
}

Test(errors, known_messages)
{
    cr_expect_str_eq(slim_strerror(SLIM_OK), "success");
    cr_expect_str_eq(slim_strerror(SLIM_ERR_NOMEM), "out of memory");
    cr_expect_str_eq(slim_strerror(SLIM_ERR_NONFINITE), "NaN or Inf in the input");
}

Test(errors, out_of_range_values_are_unknown_not_null)
{
    const int bad[] = { -1, SLIM_ERR_COUNT_, SLIM_ERR_COUNT_ + 1, 1000, 0x7fffffff };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *m = slim_strerror((slim_error)bad[i]);
        cr_assert_not_null(m);
        cr_expect_str_eq(m, "unknown error", "value %d", bad[i]);
    }
}

Test(errors, numbers_are_fixed)
{
    /* The numbers are part of the ABI: a change here breaks callers. */
    cr_expect_eq(SLIM_OK, 0);
    cr_expect_eq(SLIM_ERR_NOMEM, 1);
    cr_expect_eq(SLIM_ERR_CPU_UNSUPPORTED, 5);
    cr_expect_eq(SLIM_ERR_NONFINITE, 6);
    cr_expect_eq(SLIM_ERR_SHAPE, 7);
    cr_expect_eq(SLIM_ERR_OVERFLOW, 9);
    cr_expect_eq(SLIM_ERR_BAD_TYPE, 15);
    cr_expect_eq(SLIM_ERR_COMPRESSION, 24);
}

Test(errors, version)
{
    cr_expect_str_eq(slim_version(), SLIM_VERSION_STRING);
}
