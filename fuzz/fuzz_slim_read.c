/*
 * libFuzzer target: the .slim archive reader on arbitrary bytes. An archive
 * whose index parses is listed, every file is read through
 * slim_archive_read (whole and in two halves, which must agree) and the
 * whole archive is verified; nothing may crash or read out of bounds.
 */
#include "slim.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    slim_archive *a = NULL;
    if (slim_archive_parse(data, size, &a, NULL) != SLIM_OK)
        return 0;
    for (uint64_t i = 0; i < slim_archive_tensor_count(a); i++) {
        const slim_archive_tensor *t = slim_archive_tensor_at(a, i);
        if (!t->name || !t->dtype || t->file >= slim_archive_file_count(a))
            abort();
    }
    for (uint64_t i = 0; i < slim_archive_file_count(a); i++) {
        const slim_archive_file *f = slim_archive_file_at(a, i);
        if (slim_archive_find_file(a, f->name) != i)
            abort();
        /* Decompression bombs: the index may announce big files; cap what
         * one input may make us allocate. */
        if (f->size > (64u << 20))
            continue;
        uint8_t *whole = malloc(f->size ? (size_t)f->size : 1);
        uint8_t *parts = malloc(f->size ? (size_t)f->size : 1);
        if (!whole || !parts)
            abort();
        uint64_t half = f->size / 2;
        slim_error e1 = slim_archive_read(a, i, 0, f->size, whole, 1, NULL);
        slim_error e2 = slim_archive_read(a, i, 0, half, parts, 2, NULL);
        if (!e2)
            e2 = slim_archive_read(a, i, half, f->size - half, parts + half, 1, NULL);
        if (!e1 && !e2 && f->size && memcmp(whole, parts, (size_t)f->size))
            abort();
        free(whole);
        free(parts);
    }
    slim_archive_verify(a, 1, NULL, NULL, NULL);
    slim_archive_close(a);
    return 0;
}
