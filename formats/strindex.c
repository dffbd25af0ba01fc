/*
 * A hash index of strings that live elsewhere (in a mapped file or a
 * handle's table): the slots hold indices, the caller's getter returns the
 * bytes. Used to reject duplicate keys and names and to look them up, in
 * O(1) per string, so a file with a million keys cannot make parsing
 * quadratic.
 */
#include "formats/fmt_internal.h"

#include <stdlib.h>

static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
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
    for (uint64_t i = hash_bytes(s, len) & ix->mask;; i = (i + 1) & ix->mask) {
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
    for (uint64_t i = hash_bytes(s, len) & ix->mask;; i = (i + 1) & ix->mask) {
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
