/* Access to the shared reference vectors (see ../shared/data/README.md). */
#include "tests/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *const test_quant_set_names[TEST_QUANT_SET_COUNT] = { "synthetic", "stories260K" };

const char *test_data_dir(void)
{
    const char *dir = getenv("SLIM_SHARED_DATA");
    if (!dir || !*dir)
        dir = "../shared/data";
    struct stat st;
    return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? dir : NULL;
}

void *test_read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    void *buf = NULL;
    long len = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc(len > 0 ? (size_t)len : 1);
        if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    if (buf && size)
        *size = (size_t)len;
    return buf;
}

void *test_quant_file(const char *set, const char *type, const char *suffix, size_t *size)
{
    const char *dir = test_data_dir();
    if (!dir)
        return NULL;
    char path[4096];
    snprintf(path, sizeof path, "%s/quant/%s/%s%s", dir, set, type, suffix);
    return test_read_file(path, size);
}

int test_quant_set_load(const char *name, test_quant_set *out)
{
    memset(out, 0, sizeof *out);
    size_t xs = 0, ws = 0;
    float *x = test_quant_file(name, "inputs", ".f32", &xs);
    float *w = test_quant_file(name, "imatrix", ".f32", &ws);
    /* The column count is the imatrix length; the inputs must be whole rows. */
    if (!x || !w || ws < sizeof(float) || ws % sizeof(float) != 0 ||
        xs % ws != 0) {
        free(x);
        free(w);
        return 0;
    }
    out->name = name;
    out->x = x;
    out->imatrix = w;
    out->cols = (int64_t)(ws / sizeof(float));
    out->rows = (int64_t)(xs / ws);
    return 1;
}

void test_quant_set_free(test_quant_set *s)
{
    free(s->x);
    free(s->imatrix);
    memset(s, 0, sizeof *s);
}
