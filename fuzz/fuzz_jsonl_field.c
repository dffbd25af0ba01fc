/*
 * libFuzzer target: the jsonl field scanner of slim-tok batch
 * (formats/corpus_records.c) on arbitrary lines, checked against jansson:
 * a line that jansson reads as an object (any nesting up to 100 levels,
 * no raw NUL byte) must be accepted, and its "text" member, when a string,
 * must decode to the same bytes. The scanner may accept more than jansson (it leaves
 * UTF-8 checks to the tokenizer's --invalid policy), never less. Nothing
 * may crash or read out of bounds.
 */
#include "formats/corpus.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int shallow(const uint8_t *d, size_t n)
{
    size_t open = 0;
    for (size_t i = 0; i < n; i++)
        open += d[i] == '[' || d[i] == '{';
    return open <= 100;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *scratch = NULL;
    size_t cap = 0, len = 0, bad = 0;
    const char *value = NULL;
    slim_error e = corpus_json_field((const char *)data, size, "text", &scratch, &cap, &value,
                                     &len, &bad);
    if (e == SLIM_ERR_BAD_JSON && bad > size)
        abort(); /* the offset points into the line */
    json_error_t je;
    /* A raw NUL byte is never valid JSON, but jansson stops reading at
     * one: such lines are left out of the comparison. */
    int comparable = shallow(data, size) && !memchr(data, 0, size);
    json_t *v = comparable ? json_loadb((const char *)data, size, JSON_ALLOW_NUL, &je) : NULL;
    if (json_is_object(v)) {
        json_t *t = json_object_get(v, "text");
        if (json_is_string(t)) {
            if (e != SLIM_OK || len != json_string_length(t) ||
                memcmp(value, json_string_value(t), len) != 0)
                abort();
        } else if (e != SLIM_ERR_NOT_FOUND) {
            abort();
        }
    }
    json_decref(v);
    free(scratch);
    return 0;
}
