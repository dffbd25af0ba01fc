/* Fork-join over pthreads: threads pull fixed ranges from an atomic counter. */
#include "parallel.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

int slim_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (n > 4096 ? 4096 : (int)n);
}

typedef struct {
    slim_range_fn fn;
    void *ctx;
    int64_t n, grain, nchunks;
    atomic_llong next;
    /* The error of the lowest failing chunk, so that the result is the same
     * for any thread count. */
    pthread_mutex_t lock;
    int64_t err_chunk;
    slim_error err;
} job;

static void *worker(void *arg)
{
    job *j = arg;
    for (;;) {
        int64_t c = atomic_fetch_add(&j->next, 1);
        if (c >= j->nchunks)
            break;
        int64_t b = c * j->grain;
        int64_t e = b + j->grain < j->n ? b + j->grain : j->n;
        slim_error r = j->fn(j->ctx, b, e);
        if (r != SLIM_OK) {
            pthread_mutex_lock(&j->lock);
            if (c < j->err_chunk) {
                j->err_chunk = c;
                j->err = r;
            }
            pthread_mutex_unlock(&j->lock);
        }
    }
    return NULL;
}

slim_error slim_parallel_for(int threads, int64_t n, int64_t grain,
                             slim_range_fn fn, void *ctx)
{
    if (n <= 0)
        return SLIM_OK;
    if (grain < 1)
        grain = 1;
    int64_t nchunks = n / grain + (n % grain != 0);
    if (threads <= 0)
        threads = slim_cpu_count();
    if (threads > nchunks)
        threads = (int)nchunks;
    if (threads <= 1) {
        for (int64_t c = 0; c < nchunks; c++) {
            int64_t b = c * grain, e = b + grain < n ? b + grain : n;
            slim_error r = fn(ctx, b, e);
            if (r != SLIM_OK)
                return r;
        }
        return SLIM_OK;
    }
    job j = { .fn = fn, .ctx = ctx, .n = n, .grain = grain, .nchunks = nchunks,
              .err_chunk = INT64_MAX, .err = SLIM_OK };
    atomic_init(&j.next, 0);
    pthread_mutex_init(&j.lock, NULL);
    pthread_t *tids = malloc(sizeof(pthread_t) * (size_t)(threads - 1));
    int started = 0;
    if (tids) {
        for (; started < threads - 1; started++)
            if (pthread_create(&tids[started], NULL, worker, &j) != 0)
                break;
    }
    worker(&j); /* the calling thread works too; with no helpers it does all */
    for (int i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
    free(tids);
    pthread_mutex_destroy(&j.lock);
    return j.err;
}
