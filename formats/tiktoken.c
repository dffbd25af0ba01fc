/* The .tiktoken rank-file parser (see tiktoken.h). Hostile input is expected:
 * every length and count is checked before use. */
#include "formats/tiktoken.h"

#include <stdlib.h>
#include <string.h>

#include "tok/vocab.h"

typedef struct entry {
    uint32_t rank, off, len;
    size_t line, start; /* where it was, for messages */
} entry;

static int b64_value(uint8_t c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* Decodes strict, padded base64 s[0..n) into out; returns the byte count or
 * -1. Out must hold n / 4 * 3 bytes. */
static long b64_decode(const uint8_t *s, size_t n, uint8_t *out)
{
    if (n == 0 || n % 4)
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        int v[4], pad = 0;
        for (int k = 0; k < 4; k++) {
            if (s[i + k] == '=' && i + 4 == n && k >= 2) {
                v[k] = 0;
                pad++;
                continue;
            }
            if (pad)
                return -1; /* data after padding */
            v[k] = b64_value(s[i + k]);
            if (v[k] < 0)
                return -1;
        }
        uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        out[o++] = (uint8_t)(w >> 16);
        if (pad < 2)
            out[o++] = (uint8_t)(w >> 8);
        if (pad < 1)
            out[o++] = (uint8_t)w;
        /* Canonical form only: the bits padding drops must be zero. */
        if ((pad == 1 && (w & 0xFF)) || (pad == 2 && (w & 0xFFFF)))
            return -1;
    }
    return (long)o;
}

slim_error slim_tiktoken_parse(const uint8_t *data, size_t size, uint32_t *n_ranks_out,
                               uint32_t **offset_out, uint8_t **bytes_out,
                               size_t *line_out, size_t *offset_err)
{
    *offset_out = NULL;
    *bytes_out = NULL;
    if (!data && size)
        return SLIM_ERR_INVALID_ARG;
    /* Upper bounds for the temporary arrays: one entry per newline + 1,
     * decoded bytes at most 3/4 of the input. */
    size_t max_lines = 1;
    for (size_t i = 0; i < size; i++)
        max_lines += data[i] == '\n';
    if (size / 4 * 3 + 1 > UINT32_MAX)
        return SLIM_ERR_TOO_LARGE;
    entry *ents = malloc(max_lines * sizeof *ents);
    uint8_t *blob = malloc(size / 4 * 3 + 1);
    uint32_t *first = NULL, *offset = NULL;
    uint8_t *bytes = NULL;
    slim_error err = SLIM_OK;
    size_t n_ents = 0, blob_len = 0, line = 0, line_start = 0;
    uint32_t max_rank = 0;
    if (!ents || !blob) {
        err = SLIM_ERR_NOMEM;
        goto done;
    }

    for (size_t pos = 0; pos < size;) {
        line++;
        line_start = pos;
        const uint8_t *nl = memchr(data + pos, '\n', size - pos);
        size_t end = nl ? (size_t)(nl - data) : size;
        size_t next = nl ? end + 1 : size;
        if (end > pos && data[end - 1] == '\r')
            end--;
        if (end == pos) { /* empty line */
            pos = next;
            continue;
        }
        const uint8_t *sp = memchr(data + pos, ' ', end - pos);
        if (!sp) {
            err = SLIM_ERR_CORRUPT;
            goto done;
        }
        size_t tok_len = (size_t)(sp - (data + pos));
        long dec = b64_decode(data + pos, tok_len, blob + blob_len);
        if (dec < 0) {
            err = SLIM_ERR_CORRUPT;
            goto done;
        }
        if (dec > SLIM_VOCAB_MAX_TOKEN) {
            err = SLIM_ERR_TOO_LARGE;
            goto done;
        }
        size_t r = (size_t)(sp - data) + 1;
        if (r >= end) {
            err = SLIM_ERR_CORRUPT;
            goto done;
        }
        uint64_t rank = 0;
        for (; r < end; r++) {
            if (data[r] < '0' || data[r] > '9') {
                err = SLIM_ERR_CORRUPT;
                goto done;
            }
            rank = rank * 10 + (data[r] - '0');
            if (rank >= SLIM_VOCAB_MAX_RANKS) {
                err = SLIM_ERR_TOO_LARGE;
                goto done;
            }
        }
        ents[n_ents].rank = (uint32_t)rank;
        ents[n_ents].off = (uint32_t)blob_len;
        ents[n_ents].len = (uint32_t)dec;
        ents[n_ents].line = line;
        ents[n_ents].start = line_start;
        n_ents++;
        blob_len += (size_t)dec;
        if (rank > max_rank)
            max_rank = (uint32_t)rank;
        pos = next;
    }
    line = 0;
    line_start = 0;
    if (n_ents == 0) {
        err = SLIM_ERR_CORRUPT;
        goto done;
    }
    if ((uint64_t)max_rank + 1 > 2 * (uint64_t)n_ents + 1024) {
        err = SLIM_ERR_TOO_LARGE;
        goto done;
    }

    uint32_t n_ranks = max_rank + 1;
    first = malloc((size_t)n_ranks * sizeof *first);
    offset = malloc(((size_t)n_ranks + 1) * sizeof *offset);
    bytes = malloc(blob_len + 1);
    if (!first || !offset || !bytes) {
        err = SLIM_ERR_NOMEM;
        goto done;
    }
    for (uint32_t r = 0; r < n_ranks; r++)
        first[r] = UINT32_MAX;
    for (size_t k = 0; k < n_ents; k++) {
        if (first[ents[k].rank] != UINT32_MAX) {
            err = SLIM_ERR_DUPLICATE; /* reported at the second line with it */
            line = ents[k].line;
            line_start = ents[k].start;
            goto done;
        }
        first[ents[k].rank] = (uint32_t)k;
    }
    uint32_t o = 0;
    for (uint32_t r = 0; r < n_ranks; r++) {
        offset[r] = o;
        if (first[r] != UINT32_MAX) {
            const entry *e = &ents[first[r]];
            memcpy(bytes + o, blob + e->off, e->len);
            o += e->len;
        }
    }
    offset[n_ranks] = o;
    *n_ranks_out = n_ranks;
    *offset_out = offset;
    *bytes_out = bytes;
    offset = NULL;
    bytes = NULL;

done:
    if (err != SLIM_OK) {
        if (line_out)
            *line_out = line;
        if (offset_err)
            *offset_err = line_start;
    }
    free(ents);
    free(blob);
    free(first);
    free(offset);
    free(bytes);
    return err;
}
