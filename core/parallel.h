/* A minimal fork-join helper over pthreads (internal). */
#ifndef SLIM_CORE_PARALLEL_H
#define SLIM_CORE_PARALLEL_H

#include <stdint.h>
#include "slim.h"

/*
 * Work on items [begin, end). Returns SLIM_OK or an error; the first error
 * (in item order) wins, so results never depend on the thread count.
 */
typedef slim_error (*slim_range_fn)(void *ctx, int64_t begin, int64_t end);

/*
 * Splits [0, n) into contiguous ranges of at least `grain` items and runs
 * `fn` on them with up to `threads` threads (<= 0: all cores). Each range is
 * processed by exactly one call; the partition depends only on n and grain,
 * never on the thread count, so errors are reported deterministically.
 */
slim_error slim_parallel_for(int threads, int64_t n, int64_t grain,
                             slim_range_fn fn, void *ctx);

#endif
