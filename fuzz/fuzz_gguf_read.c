/*
 * libFuzzer target: the GGUF reader on arbitrary bytes. A file that parses
 * is then walked completely (every entry, every element, every tensor's
 * bytes) so that anything the validation let through is touched, and
 * rewritten through the writer and read back to check the round trip.
 */
#include "slim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const slim_gguf *g)
{
    volatile uint64_t sink = 0;
    for (uint64_t i = 0; i < slim_gguf_kv_count(g); i++) {
        const slim_gguf_kv *kv = slim_gguf_kv_at(g, i);
        sink += kv->key.data[kv->key.len - 1];
        if (slim_gguf_find_kv(g, "general.architecture"))
            sink++;
        for (uint64_t j = 0; j < kv->count && j < 4096; j++) {
            int64_t x;
            double f;
            slim_string s;
            if (slim_gguf_kv_int(g, kv, j, &x) == SLIM_OK)
                sink += (uint64_t)x;
            if (slim_gguf_kv_float(g, kv, j, &f) == SLIM_OK)
                sink += (uint64_t)(f == f);
            if (slim_gguf_kv_str(g, kv, j, &s) == SLIM_OK && s.len)
                sink += (uint8_t)s.data[s.len - 1];
        }
    }
    for (uint64_t i = 0; i < slim_gguf_tensor_count(g); i++) {
        const slim_gguf_tensor *t = slim_gguf_tensor_at(g, i);
        if (slim_gguf_find_tensor(g, t->name) != t)
            abort();
        const uint8_t *p = t->data;
        if (t->size)
            sink += p[0] + p[t->size - 1];
    }
    (void)sink;
}

/* Writes g again with the writer and checks the copy reads back the same. */
static void round_trip(const slim_gguf *g)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/fuzz-gguf-%ld.gguf", (long)getpid());
    slim_gguf_writer *w = NULL;
    if (slim_gguf_writer_open(path, &w) != SLIM_OK)
        return;
    slim_error e = SLIM_OK;
    for (uint64_t i = 0; !e && i < slim_gguf_kv_count(g); i++)
        e = slim_gguf_writer_copy_kv(w, g, slim_gguf_kv_at(g, i));
    for (uint64_t i = 0; !e && i < slim_gguf_tensor_count(g); i++) {
        const slim_gguf_tensor *t = slim_gguf_tensor_at(g, i);
        e = slim_gguf_writer_add_tensor(w, t->name, t->type, t->n_dims ? t->n_dims : 1, t->ne);
    }
    for (uint64_t i = 0; !e && i < slim_gguf_tensor_count(g); i++) {
        const slim_gguf_tensor *t = slim_gguf_tensor_at(g, i);
        e = slim_gguf_writer_write(w, t->data, (size_t)t->size);
    }
    if (e) {
        /* Only keys with NUL bytes cannot be re-added. */
        slim_gguf_writer_abort(w);
        return;
    }
    if (slim_gguf_writer_finish(w) != SLIM_OK)
        abort();
    slim_gguf *h = NULL;
    if (slim_gguf_open(path, &h, NULL) != SLIM_OK)
        abort();
    if (slim_gguf_kv_count(h) != slim_gguf_kv_count(g) ||
        slim_gguf_tensor_count(h) != slim_gguf_tensor_count(g))
        abort();
    for (uint64_t i = 0; i < slim_gguf_tensor_count(g); i++) {
        const slim_gguf_tensor *a = slim_gguf_tensor_at(g, i), *b = slim_gguf_tensor_at(h, i);
        if (strcmp(a->name, b->name) || a->type != b->type || a->size != b->size ||
            memcmp(a->ne, b->ne, sizeof a->ne) || memcmp(a->data, b->data, (size_t)a->size))
            abort();
    }
    slim_gguf_close(h);
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy: the sanitizers then catch any read past the end. */
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    slim_gguf *g = NULL;
    slim_parse_error pe = { 0 };
    slim_error e = slim_gguf_parse(copy, size, &g, &pe);
    if (e == SLIM_OK) {
        walk(g);
        /* Keep the disk traffic small: only modest files are rewritten. */
        uint64_t total = 0;
        for (uint64_t i = 0; i < slim_gguf_tensor_count(g); i++)
            total += slim_gguf_tensor_at(g, i)->size;
        if (total < (1u << 20))
            round_trip(g);
        slim_gguf_close(g);
    } else if (!pe.reason || pe.offset > size) {
        abort(); /* every rejection says where, inside the input */
    }
    free(copy);
    return 0;
}
