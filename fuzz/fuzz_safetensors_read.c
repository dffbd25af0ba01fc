/*
 * libFuzzer target: the safetensors reader on arbitrary bytes. A file that
 * parses is walked completely, then rewritten through the writer and read
 * back: same names, dtypes, shapes, bytes and metadata.
 */
#include "slim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const slim_safetensors *st)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/fuzz-st-%ld.safetensors", (long)getpid());
    slim_st_writer *w = NULL;
    if (slim_st_writer_open(path, &w) != SLIM_OK)
        return;
    slim_error e = SLIM_OK;
    for (uint64_t i = 0; !e && i < slim_st_metadata_count(st); i++) {
        const char *k, *v;
        e = slim_st_metadata_at(st, i, &k, &v);
        if (!e)
            e = slim_st_writer_add_metadata(w, k, v);
    }
    uint64_t n = slim_st_tensor_count(st);
    for (uint64_t i = 0; !e && i < n; i++) {
        const slim_st_tensor *t = slim_st_tensor_at(st, i);
        e = slim_st_writer_add_tensor(w, t->name, t->dtype, t->n_dims, t->shape);
    }
    for (uint64_t i = 0; !e && i < n; i++) {
        const slim_st_tensor *t = slim_st_tensor_at(st, i);
        e = slim_st_writer_write(w, t->data, (size_t)t->size);
    }
    if (e) {
        /* The empty name is valid to read but not to write. */
        slim_st_writer_abort(w);
        return;
    }
    if (slim_st_writer_finish(w) != SLIM_OK)
        abort();
    slim_safetensors *back = NULL;
    if (slim_st_open(path, &back, NULL) != SLIM_OK || slim_st_tensor_count(back) != n ||
        slim_st_metadata_count(back) != slim_st_metadata_count(st))
        abort();
    for (uint64_t i = 0; i < n; i++) {
        const slim_st_tensor *a = slim_st_tensor_at(st, i);
        const slim_st_tensor *b = slim_st_find_tensor(back, a->name);
        if (!b || a->dtype != b->dtype || a->n_dims != b->n_dims || a->size != b->size ||
            memcmp(a->shape, b->shape, (size_t)a->n_dims * sizeof *a->shape) ||
            memcmp(a->data, b->data, (size_t)a->size))
            abort();
    }
    slim_st_close(back);
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1); /* exact size for the sanitizers */
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    slim_safetensors *st = NULL;
    slim_parse_error pe = { 0 };
    if (slim_st_parse(copy, size, &st, &pe) == SLIM_OK) {
        volatile uint64_t sink = 0;
        for (uint64_t i = 0; i < slim_st_tensor_count(st); i++) {
            const slim_st_tensor *t = slim_st_tensor_at(st, i);
            if (slim_st_find_tensor(st, t->name) != t)
                abort();
            if (t->size)
                sink += ((const uint8_t *)t->data)[0] + ((const uint8_t *)t->data)[t->size - 1];
        }
        for (uint64_t i = 0; i < slim_st_metadata_count(st); i++) {
            const char *k, *v;
            if (slim_st_metadata_at(st, i, &k, &v) == SLIM_OK)
                sink += strlen(k) + strlen(v);
        }
        (void)sink;
        if (size < (1u << 20))
            round_trip(st);
        slim_st_close(st);
    } else if (!pe.reason || pe.offset > size) {
        abort();
    }
    free(copy);
    return 0;
}
