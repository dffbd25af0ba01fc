/* SHA-256 for tests that compare tensor bytes with published digests
 * (the .tsv files of ../shared/data/models). Plain C, no Criterion. */
#ifndef SLIM_TESTS_UTIL_SHA256_H
#define SLIM_TESTS_UTIL_SHA256_H

#include <stddef.h>

/* Writes the lowercase hex digest of data[0..n) (64 chars + NUL) to hex. */
void test_sha256_hex(const void *data, size_t n, char hex[65]);

#endif
