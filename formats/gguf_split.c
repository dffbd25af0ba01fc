/*
 * Split GGUF models (llama.cpp's gguf-split): NAME-00001-of-00003.gguf and
 * its siblings, each a complete GGUF file holding some of the tensors, with
 * split.no (0-based), split.count and split.tensors.count. The files are
 * found from the name of any one of them and checked against each other.
 */
#include "formats/fmt_internal.h"

#include <stdlib.h>

#define KEY_NO "split.no"
#define KEY_COUNT "split.count"
#define KEY_TENSORS "split.tensors.count"
#define SUFFIX_LEN 20 /* "-00001-of-00003.gguf" */
#define MAX_FILES 99999

struct slim_gguf_split {
    slim_gguf **files;
    int n_files;
    uint64_t n_tensors;
    const slim_gguf_tensor **order;
    int *order_file;
    slim_strindex names;
};

static slim_error split_fail(slim_parse_error *where, int file, slim_error e, uint64_t off,
                             const char *why)
{
    if (where)
        where->file = file;
    return slim_fail(where, e, off, why);
}

/* A split key as an unsigned value; *present = 0 if the key is absent. */
static slim_error split_key(const slim_gguf *g, const char *key, int file, uint64_t *v,
                            int *present, slim_parse_error *where)
{
    const slim_gguf_kv *kv = slim_gguf_find_kv(g, key);
    *present = kv != NULL;
    if (!kv)
        return SLIM_OK;
    if (kv->type == SLIM_GGUF_ARRAY || slim_gguf_kv_uint(g, kv, 0, v) != SLIM_OK)
        return split_fail(where, file, SLIM_ERR_CORRUPT, kv->offset, "split key is not a non-negative integer");
    return SLIM_OK;
}

static uint64_t key_offset(const slim_gguf *g, const char *key)
{
    const slim_gguf_kv *kv = slim_gguf_find_kv(g, key);
    return kv ? kv->offset : 0;
}

/* Parses "-NNNNN-of-MMMMM.gguf" at the end of path. */
static int parse_suffix(const char *path, unsigned *no, unsigned *count)
{
    size_t n = strlen(path);
    if (n < SUFFIX_LEN)
        return 0;
    const char *s = path + n - SUFFIX_LEN;
    char tail[8];
    int used = 0;
    if (sscanf(s, "-%5u-of-%5u%7s%n", no, count, tail, &used) != 3 || used != SUFFIX_LEN)
        return 0;
    return strcmp(tail, ".gguf") == 0 && s[1] != '+' && s[1] != ' ';
}

static const char *name_of(const void *ctx, uint64_t i, size_t *len)
{
    const slim_gguf_split *s = ctx;
    *len = strlen(s->order[i]->name);
    return s->order[i]->name;
}

/* Opens the siblings and checks every file's split keys. */
static slim_error open_files(slim_gguf_split *s, const char *path, slim_gguf *first,
                             uint64_t no, slim_parse_error *where)
{
    size_t plen = strlen(path) - SUFFIX_LEN;
    char *p = malloc(plen + 48);
    if (!p)
        return SLIM_ERR_NOMEM;
    memcpy(p, path, plen);
    slim_error e = SLIM_OK;
    for (int i = 0; i < s->n_files && !e; i++) {
        if ((uint64_t)i == no) {
            s->files[i] = first;
        } else {
            snprintf(p + plen, 48, "-%05d-of-%05d.gguf", i + 1, s->n_files);
            if ((e = slim_gguf_open(p, &s->files[i], where))) {
                if (where)
                    where->file = i; /* slim_gguf_open reset it */
                break;
            }
        }
        uint64_t fno = 0, fcount = 0;
        int has_no, has_count;
        if ((e = split_key(s->files[i], KEY_NO, i, &fno, &has_no, where)) ||
            (e = split_key(s->files[i], KEY_COUNT, i, &fcount, &has_count, where)))
            break;
        if (!has_no || !has_count || fcount != (uint64_t)s->n_files)
            e = split_fail(where, i, SLIM_ERR_CORRUPT, key_offset(s->files[i], KEY_COUNT),
                           "split.count missing or different from the first file's");
        else if (fno != (uint64_t)i)
            e = split_fail(where, i, SLIM_ERR_CORRUPT, key_offset(s->files[i], KEY_NO),
                           "split.no does not match the file name");
    }
    free(p);
    return e;
}

static slim_error build_table(slim_gguf_split *s, slim_parse_error *where)
{
    uint64_t n = 0;
    for (int f = 0; f < s->n_files; f++)
        n += slim_gguf_tensor_count(s->files[f]);
    s->order = calloc((size_t)n + 1, sizeof *s->order);
    s->order_file = calloc((size_t)n + 1, sizeof *s->order_file);
    if (!s->order || !s->order_file)
        return SLIM_ERR_NOMEM;
    slim_error e = slim_strindex_init(&s->names, n);
    if (e)
        return e;
    for (int f = 0; f < s->n_files; f++) {
        for (uint64_t i = 0; i < slim_gguf_tensor_count(s->files[f]); i++) {
            s->order[s->n_tensors] = slim_gguf_tensor_at(s->files[f], i);
            s->order_file[s->n_tensors] = f;
            if (slim_strindex_insert(&s->names, s->n_tensors, name_of, s) != UINT64_MAX)
                return split_fail(where, f, SLIM_ERR_DUPLICATE, slim_gguf_data_offset(s->files[f]),
                                  "tensor name in two files");
            s->n_tensors++;
        }
    }
    return SLIM_OK;
}

static slim_error split_open(const char *path, slim_gguf_split **out, slim_parse_error *where);

slim_error slim_gguf_split_open(const char *path, slim_gguf_split **out, slim_parse_error *where)
{
    slim_where_reset(where);
    return slim_where_done(where, split_open(path, out, where));
}

static slim_error split_open(const char *path, slim_gguf_split **out, slim_parse_error *where)
{
    if (!path || !out)
        return SLIM_ERR_INVALID_ARG;
    *out = NULL;
    if (where)
        where->file = 0;
    slim_gguf *first = NULL;
    slim_error e = slim_gguf_open(path, &first, where);
    if (e)
        return e;
    uint64_t no = 0, count = 1, total = 0;
    int has_no, has_count, has_total;
    if ((e = split_key(first, KEY_NO, 0, &no, &has_no, where)) ||
        (e = split_key(first, KEY_COUNT, 0, &count, &has_count, where)) ||
        (e = split_key(first, KEY_TENSORS, 0, &total, &has_total, where))) {
        slim_gguf_close(first);
        return e;
    }
    if (where)
        where->file = (int)(no < MAX_FILES ? no : 0);
    unsigned fno, fcount;
    if (has_count && (count == 0 || count > MAX_FILES))
        e = slim_fail(where, SLIM_ERR_CORRUPT, key_offset(first, KEY_COUNT), "split.count out of range");
    else if (has_count && count > 1 && !parse_suffix(path, &fno, &fcount))
        e = slim_fail(where, SLIM_ERR_CORRUPT, 0, "split file name is not NAME-NNNNN-of-MMMMM.gguf");
    else if (has_count && count > 1 && (fcount != count || !has_no || no >= count || no + 1 != fno))
        e = slim_fail(where, SLIM_ERR_CORRUPT, key_offset(first, has_no ? KEY_NO : KEY_COUNT),
                      "split keys do not match the file name");
    slim_gguf_split *s = e ? NULL : calloc(1, sizeof *s);
    if (!e && (!s || !(s->files = calloc((size_t)count, sizeof *s->files))))
        e = SLIM_ERR_NOMEM;
    if (e) {
        free(s);
        slim_gguf_close(first);
        return e;
    }
    s->n_files = (int)count;
    if (count == 1)
        no = 0; /* a lone file: split.no, if any, says nothing */
    if (count == 1)
        s->files[0] = first;
    else
        e = open_files(s, path, first, no, where);
    if (!s->files[no])
        slim_gguf_close(first); /* not yet owned: a file before it failed */
    if (!e)
        e = build_table(s, where);
    if (!e && has_count && count > 1) {
        /* split.tensors.count is in every file; the first file's counts. */
        uint64_t t0 = 0;
        int has_t0;
        e = split_key(s->files[0], KEY_TENSORS, 0, &t0, &has_t0, where);
        if (!e && (!has_t0 || t0 != s->n_tensors))
            e = split_fail(where, 0, SLIM_ERR_CORRUPT, key_offset(s->files[0], KEY_TENSORS),
                           "split.tensors.count differs from the tensors found");
    }
    if (e) {
        slim_gguf_split_close(s);
        return e;
    }
    *out = s;
    return SLIM_OK;
}

void slim_gguf_split_close(slim_gguf_split *s)
{
    if (!s)
        return;
    for (int i = 0; s->files && i < s->n_files; i++)
        slim_gguf_close(s->files[i]);
    free(s->files);
    free(s->order);
    free(s->order_file);
    slim_strindex_free(&s->names);
    free(s);
}

int slim_gguf_split_file_count(const slim_gguf_split *s) { return s ? s->n_files : 0; }
uint64_t slim_gguf_split_tensor_count(const slim_gguf_split *s) { return s ? s->n_tensors : 0; }

const slim_gguf *slim_gguf_split_file(const slim_gguf_split *s, int i)
{
    return s && i >= 0 && i < s->n_files ? s->files[i] : NULL;
}

const slim_gguf_tensor *slim_gguf_split_tensor_at(const slim_gguf_split *s, uint64_t i, int *file)
{
    if (!s || i >= s->n_tensors)
        return NULL;
    if (file)
        *file = s->order_file[i];
    return s->order[i];
}

const slim_gguf_tensor *slim_gguf_split_find_tensor(const slim_gguf_split *s, const char *name,
                                                    int *file)
{
    if (!s || !name)
        return NULL;
    uint64_t i = slim_strindex_find(&s->names, name, strlen(name), name_of, s);
    return i == UINT64_MAX ? NULL : slim_gguf_split_tensor_at(s, i, file);
}
