/*
 * A hash index of strings that live elsewhere (in a mapped file or a
 * handle's table): the slots hold indices, the caller's getter returns the
 * bytes. Used to reject duplicate keys and names and to look them up, in
 * O(1) per string, so a file with a million keys cannot make parsing
 * quadratic. The hash basis is random per process, so a file cannot be
 * crafted in advance to make all its keys collide.
 */
#include "formats/fmt_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

static uint64_t process_seed;
static pthread_once_t seed_once = PTHREAD_ONCE_INIT;

static void make_seed(void)
{
    uint64_t s = 0;
    if (getrandom(&s, sizeof s, GRND_NONBLOCK) != (ssize_t)sizeof s) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        s = (uint64_t)ts.tv_nsec * 0x9E3779B97F4A7C15ull ^ (uint64_t)(uintptr_t)&s;
    }
    process_seed = s;
}

static uint64_t hash_bytes(uint64_t seed, const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull ^ seed; /* FNV-1a, seeded */
    for (size_t i = 0; i < len; i++) {
        h ^= (uint8_t)s[i];
        h *= 1099511628211ull;
    }
    return h ^ (h >> 29);
}

slim_error slim_strindex_init(slim_strindex *ix, uint64_t n)
{
    uint64_t cap = 16;
    if (n > (SIZE_MAX / sizeof(uint64_t)) / 4)
        return SLIM_ERR_OVERFLOW;
    while (cap < n * 2) /* load factor at most 1/2 */
        cap *= 2;
    ix->slots = calloc((size_t)cap, sizeof(uint64_t));
    if (!ix->slots)
        return SLIM_ERR_NOMEM;
    ix->mask = cap - 1;
    pthread_once(&seed_once, make_seed);
    ix->seed = process_seed;
    return SLIM_OK;
}

void slim_strindex_free(slim_strindex *ix)
{
    free(ix->slots);
    ix->slots = NULL;
}

uint64_t slim_strindex_find(const slim_strindex *ix, const char *s, size_t len,
                            slim_strindex_get get, const void *ctx)
{
    if (!ix->slots)
        return UINT64_MAX;
    for (uint64_t i = hash_bytes(ix->seed, s, len) & ix->mask;; i = (i + 1) & ix->mask) {
        uint64_t v = ix->slots[i];
        if (!v)
            return UINT64_MAX;
        size_t l;
        const char *o = get(ctx, v - 1, &l);
        if (l == len && memcmp(o, s, len) == 0)
            return v - 1;
    }
}

uint64_t slim_strindex_insert(slim_strindex *ix, uint64_t idx, slim_strindex_get get,
                              const void *ctx)
{
    size_t len;
    const char *s = get(ctx, idx, &len);
    for (uint64_t i = hash_bytes(ix->seed, s, len) & ix->mask;; i = (i + 1) & ix->mask) {
        uint64_t v = ix->slots[i];
        if (!v) {
            ix->slots[i] = idx + 1;
            return UINT64_MAX;
        }
        size_t l;
        const char *o = get(ctx, v - 1, &l);
        if (l == len && memcmp(o, s, len) == 0)
            return v - 1;
    }
}

static const char *set_item(const void *ctx, uint64_t i, size_t *len)
{
    const slim_strset *set = ctx;
    *len = strlen(set->items[i]);
    return set->items[i];
}

slim_error slim_strset_add(slim_strset *set, const char *s)
{
    size_t len = strlen(s);
    if (slim_strindex_find(&set->ix, s, len, set_item, set) != UINT64_MAX)
        return SLIM_ERR_DUPLICATE;
    if (set->n == set->cap) {
        uint64_t cap = set->cap ? set->cap * 2 : 64;
        char **items = realloc(set->items, (size_t)cap * sizeof *items);
        if (!items)
            return SLIM_ERR_NOMEM;
        set->items = items;
        set->cap = cap;
        /* Re-index at the new capacity so the load factor stays low. */
        slim_strindex ix;
        slim_error e = slim_strindex_init(&ix, cap);
        if (e)
            return e;
        slim_strindex_free(&set->ix);
        set->ix = ix;
        for (uint64_t i = 0; i < set->n; i++)
            slim_strindex_insert(&set->ix, i, set_item, set);
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return SLIM_ERR_NOMEM;
    memcpy(copy, s, len + 1);
    set->items[set->n] = copy;
    slim_strindex_insert(&set->ix, set->n++, set_item, set);
    return SLIM_OK;
}

void slim_strset_free(slim_strset *set)
{
    for (uint64_t i = 0; i < set->n; i++)
        free(set->items[i]);
    free(set->items);
    slim_strindex_free(&set->ix);
    memset(set, 0, sizeof *set);
}
