/* The rank hash of a byte-level BPE vocabulary (see vocab.h). */
#include "tok/vocab.h"

#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

uint64_t slim_vocab_hash(const uint8_t *p, size_t n)
{
    return XXH3_64bits(p, n);
}

void slim_vocab_free(slim_vocab *v)
{
    if (!v)
        return;
    free(v->offset);
    free(v->bytes);
    free(v->slots);
    memset(v, 0, sizeof *v);
}

slim_error slim_vocab_build(slim_vocab *v, uint32_t n_ranks, uint32_t *offset,
                            uint8_t *bytes, uint32_t *dup_rank)
{
    memset(v, 0, sizeof *v);
    v->n_ranks = n_ranks;
    v->offset = offset;
    v->bytes = bytes;
    for (int b = 0; b < 256; b++)
        v->byte_rank[b] = SLIM_NO_RANK;

    uint32_t n_tokens = 0;
    for (uint32_t r = 0; r < n_ranks; r++)
        n_tokens += offset[r + 1] != offset[r];
    /* Load factor at most 1/2: probes stay short for the misses that
     * dominate BPE (most candidate pairs are not tokens). */
    uint32_t slots = 16;
    while (slots < 2u * n_tokens)
        slots <<= 1;
    v->slots = calloc(slots, sizeof *v->slots);
    if (!v->slots) {
        slim_vocab_free(v);
        return SLIM_ERR_NOMEM;
    }
    v->mask = slots - 1;
    v->n_tokens = n_tokens;

    for (uint32_t r = 0; r < n_ranks; r++) {
        const uint8_t *p = bytes + offset[r];
        size_t n = offset[r + 1] - offset[r];
        if (!n)
            continue;
        uint64_t h = slim_vocab_hash(p, n);
        uint32_t tag = (uint32_t)(h >> 32);
        uint32_t i = (uint32_t)h & v->mask;
        for (;; i = (i + 1) & v->mask) {
            uint64_t s = v->slots[i];
            if (!s)
                break;
            if ((uint32_t)(s >> 32) == tag) {
                uint32_t o = (uint32_t)s - 1;
                if (offset[o + 1] - offset[o] == n && memcmp(bytes + offset[o], p, n) == 0) {
                    if (dup_rank)
                        *dup_rank = r;
                    slim_vocab_free(v);
                    return SLIM_ERR_DUPLICATE;
                }
            }
        }
        v->slots[i] = (uint64_t)tag << 32 | (r + 1);
        if (n == 1)
            v->byte_rank[p[0]] = r;
    }
    return SLIM_OK;
}

slim_error slim_vocab_from_slimvoc(slim_vocab *v, const uint8_t *data, size_t size)
{
    memset(v, 0, sizeof *v);
    if (size < 12 || memcmp(data, "SLIMVOC1", 8) != 0)
        return SLIM_ERR_BAD_MAGIC;
    uint32_t n = (uint32_t)data[8] | (uint32_t)data[9] << 8 |
                 (uint32_t)data[10] << 16 | (uint32_t)data[11] << 24;
    if (n == 0 || n > SLIM_VOCAB_MAX_RANKS)
        return SLIM_ERR_TOO_LARGE;
    size_t body = size - 12;
    if (body < n)
        return SLIM_ERR_TRUNCATED;
    uint32_t *offset = malloc(((size_t)n + 1) * sizeof *offset);
    uint8_t *bytes = malloc(body - n + 1);
    if (!offset || !bytes) {
        free(offset);
        free(bytes);
        return SLIM_ERR_NOMEM;
    }
    const uint8_t *p = data + 12, *end = data + size;
    uint32_t o = 0;
    for (uint32_t r = 0; r < n; r++) {
        if (p >= end || (size_t)(end - p - 1) < *p) {
            free(offset);
            free(bytes);
            return SLIM_ERR_TRUNCATED;
        }
        uint32_t len = *p++;
        offset[r] = o;
        memcpy(bytes + o, p, len);
        o += len;
        p += len;
    }
    offset[n] = o;
    if (p != end) {
        free(offset);
        free(bytes);
        return SLIM_ERR_CORRUPT;
    }
    return slim_vocab_build(v, n, offset, bytes, NULL);
}
