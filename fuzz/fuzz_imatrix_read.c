/*
 * libFuzzer target: the importance-matrix reader (GGUF and legacy .dat
 * forms) on arbitrary bytes. A file that parses is walked completely: every
 * entry is found again by name and every value is read and must be finite;
 * a rejected file must say why and at an offset inside the input.
 */
#include "slim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1); /* exact size for the sanitizers */
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    slim_imatrix *m = NULL;
    slim_parse_error pe = { 0 };
    if (slim_imatrix_parse(copy, size, &m, &pe) == SLIM_OK) {
        /* the handle owns its data: the input may go first */
        memset(copy, 0xA5, size);
        volatile double sink = 0;
        for (size_t i = 0; i < slim_imatrix_count(m); i++) {
            const slim_imatrix_entry *e = slim_imatrix_at(m, i);
            if (slim_imatrix_find(m, e->name) != e || e->n_values < 1 || e->n_experts < 1 ||
                e->n_values % e->n_experts != 0)
                abort();
            for (int64_t k = 0; k < e->n_values; k++) {
                if (!isfinite(e->values[k]))
                    abort();
                sink += e->values[k];
            }
        }
        for (size_t i = 0; i < slim_imatrix_dataset_count(m); i++)
            sink += (double)strlen(slim_imatrix_dataset(m, i));
        sink += (double)slim_imatrix_chunk_count(m) + slim_imatrix_is_legacy(m);
        (void)sink;
        slim_imatrix_close(m);
    } else if (!pe.reason || pe.offset > size || m) {
        abort();
    }
    free(copy);
    return 0;
}
