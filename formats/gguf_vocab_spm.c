/*
 * The pieces of a SentencePiece tokenizer.model: a protobuf ModelProto whose
 * field 1 repeats SentencePiece { 1: piece (string), 2: score (float),
 * 3: type (enum, default NORMAL) }. Other fields are skipped by wire type.
 * The file is untrusted: every length is checked against the bytes left.
 */
#include "formats/gguf_vocab.h"

#include <stdlib.h>
#include <string.h>

typedef struct pb {
    const uint8_t *d;
    size_t n, i;
} pb;

static int varint(pb *p, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (p->i >= p->n)
            return 0;
        uint8_t b = p->d[p->i++];
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return 1;
    }
    return 0;
}

/* Skips a field of wire type wt; 0 if it runs past the end. */
static int skip(pb *p, unsigned wt)
{
    uint64_t v;
    switch (wt) {
    case 0: return varint(p, &v);
    case 1: if (p->n - p->i < 8) return 0; p->i += 8; return 1;
    case 5: if (p->n - p->i < 4) return 0; p->i += 4; return 1;
    case 2:
        if (!varint(p, &v) || v > p->n - p->i)
            return 0;
        p->i += (size_t)v;
        return 1;
    default: return 0;
    }
}

static slim_error piece(const uint8_t *d, size_t n, size_t base, gv_piece *out, size_t *bad)
{
    pb p = {d, n, 0};
    *out = (gv_piece){"", 0, 0.0f, 1};
    while (p.i < p.n) {
        size_t at = p.i;
        uint64_t tag, v;
        if (!varint(&p, &tag)) {
            *bad = base + at;
            return SLIM_ERR_TRUNCATED;
        }
        unsigned field = (unsigned)(tag >> 3), wt = (unsigned)(tag & 7);
        if (field == 1 && wt == 2) {
            if (!varint(&p, &v) || v > p.n - p.i) {
                *bad = base + at;
                return SLIM_ERR_TRUNCATED;
            }
            out->text = (const char *)d + p.i;
            out->len = (size_t)v;
            p.i += (size_t)v;
        } else if (field == 2 && wt == 5) {
            if (p.n - p.i < 4) {
                *bad = base + at;
                return SLIM_ERR_TRUNCATED;
            }
            uint32_t bits = (uint32_t)d[p.i] | (uint32_t)d[p.i + 1] << 8 |
                            (uint32_t)d[p.i + 2] << 16 | (uint32_t)d[p.i + 3] << 24;
            memcpy(&out->score, &bits, 4);
            p.i += 4;
        } else if (field == 3 && wt == 0) {
            if (!varint(&p, &v)) {
                *bad = base + at;
                return SLIM_ERR_TRUNCATED;
            }
            if (v < 1 || v > 6) {
                *bad = base + at;
                return SLIM_ERR_CORRUPT;
            }
            out->type = (int)v;
        } else if (!skip(&p, wt)) {
            *bad = base + at;
            return SLIM_ERR_TRUNCATED;
        }
    }
    return SLIM_OK;
}

slim_error gv_spm_model_parse(const uint8_t *d, size_t n, gv_piece **out, size_t *n_out,
                              size_t *bad_off)
{
    *out = NULL;
    *n_out = 0;
    *bad_off = 0;
    pb p = {d, n, 0};
    size_t cap = 0, count = 0;
    gv_piece *v = NULL;
    slim_error err = SLIM_OK;
    while (err == SLIM_OK && p.i < p.n) {
        size_t at = p.i;
        uint64_t tag, len;
        if (!varint(&p, &tag)) {
            *bad_off = at;
            err = SLIM_ERR_TRUNCATED;
            break;
        }
        if (tag != (1 << 3 | 2)) {
            if (!skip(&p, (unsigned)(tag & 7))) {
                *bad_off = at;
                err = SLIM_ERR_TRUNCATED;
            }
            continue;
        }
        if (!varint(&p, &len) || len > p.n - p.i) {
            *bad_off = at;
            err = SLIM_ERR_TRUNCATED;
            break;
        }
        if (count == cap) {
            /* Each piece takes at least two bytes, which bounds the table. */
            cap = cap ? 2 * cap : 1024;
            gv_piece *nv = realloc(v, cap * sizeof *nv);
            if (!nv) {
                err = SLIM_ERR_NOMEM;
                break;
            }
            v = nv;
        }
        err = piece(d + p.i, (size_t)len, p.i, &v[count], bad_off);
        count++;
        p.i += (size_t)len;
    }
    if (err == SLIM_OK && !count) {
        err = SLIM_ERR_CORRUPT;
        *bad_off = 0;
    }
    if (err != SLIM_OK) {
        free(v);
        return err;
    }
    *out = v;
    *n_out = count;
    return SLIM_OK;
}
