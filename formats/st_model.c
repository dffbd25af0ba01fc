/*
 * The safetensors handle: one image (a file or a caller's buffer) or a
 * sharded model described by model.safetensors.index.json. The index names
 * the shard of every tensor; the shards must hold exactly those tensors.
 * Shard names must be plain file names in the index's folder, so an index
 * cannot make slim open files elsewhere.
 */
#include "formats/fmt_internal.h"
#include "formats/st_internal.h"
#include "formats/st_reader.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <sys/stat.h>

static const char *name_of(const void *ctx, uint64_t i, size_t *len)
{
    const slim_safetensors *st = ctx;
    *len = strlen(st->order[i]->name);
    return st->order[i]->name;
}

/* Builds the table of all tensors and the name index. A name in two shards
 * is reported in the later shard. */
static slim_error build_table(slim_safetensors *st, slim_parse_error *where)
{
    uint64_t n = 0;
    for (int f = 0; f < st->n_files; f++)
        n += st->files[f].n_tensors;
    st->order = calloc((size_t)n + 1, sizeof *st->order);
    if (!st->order)
        return SLIM_ERR_NOMEM;
    slim_error e = slim_strindex_init(&st->names, n);
    if (e)
        return e;
    for (int f = 0; f < st->n_files; f++) {
        st_image *im = &st->files[f];
        for (uint64_t i = 0; i < im->n_tensors; i++) {
            im->tensors[i].file = f;
            st->order[st->n_tensors] = &im->tensors[i];
            if (slim_strindex_insert(&st->names, st->n_tensors, name_of, st) != UINT64_MAX) {
                if (where)
                    where->file = f;
                return slim_fail(where, SLIM_ERR_DUPLICATE, 8, "tensor name in two shards");
            }
            st->n_tensors++;
        }
    }
    return SLIM_OK;
}

static slim_safetensors *new_handle(int n_files)
{
    slim_safetensors *st = calloc(1, sizeof *st);
    if (st && !(st->files = calloc((size_t)n_files, sizeof *st->files))) {
        free(st);
        return NULL;
    }
    if (st)
        st->n_files = n_files;
    return st;
}

slim_error slim_st_parse(const void *data, size_t size, slim_safetensors **out,
                         slim_parse_error *where)
{
    slim_where_reset(where);
    if (!out || (!data && size))
        return slim_where_done(where, SLIM_ERR_INVALID_ARG);
    *out = NULL;
    slim_safetensors *st = new_handle(1);
    if (!st)
        return slim_where_done(where, SLIM_ERR_NOMEM);
    static const uint8_t empty[1];
    st->files[0].base = data ? data : empty;
    st->files[0].size = size;
    slim_error e = slim_st_image_parse(&st->files[0], where);
    if (!e)
        e = build_table(st, where);
    if (e) {
        slim_st_close(st);
        return slim_where_done(where, e);
    }
    *out = st;
    return SLIM_OK;
}

static slim_error open_image(st_image *im, const char *path, slim_parse_error *where)
{
    slim_error e = slim_map_open(path, &im->map);
    if (e)
        return slim_fail(where, e, 0, "cannot map the file");
    static const uint8_t empty[1];
    im->base = im->map.data ? im->map.data : empty;
    im->size = im->map.size;
    return slim_st_image_parse(im, where);
}

/* ---- sharded models ---- */

static int plain_name(const char *s)
{
    return *s && !strchr(s, '/') && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static char *join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *p = malloc(a + b + 2);
    if (p) {
        memcpy(p, dir, a);
        p[a] = '/';
        memcpy(p + a + 1, name, b + 1);
    }
    return p;
}

/* Checks that every shard tensor is listed for its own shard and every
 * listed tensor exists. */
static slim_error match_index(slim_safetensors *st, json_t *map, const char **shards,
                              slim_parse_error *where)
{
    for (int f = 0; f < st->n_files; f++) {
        const st_image *im = &st->files[f];
        for (uint64_t i = 0; i < im->n_tensors; i++) {
            const json_t *v = json_object_get(map, im->tensors[i].name);
            const char *why = !v ? "tensor not listed in the index"
                              : strcmp(json_string_value(v), shards[f]) != 0
                                  ? "tensor listed for another shard" : NULL;
            if (why) {
                if (where)
                    where->file = f;
                return slim_fail(where, SLIM_ERR_CORRUPT, 8, why);
            }
        }
    }
    if (st->n_tensors != json_object_size(map)) {
        if (where)
            where->file = -1;
        return slim_fail(where, SLIM_ERR_NOT_FOUND, 0, "a listed tensor is missing from its shard");
    }
    return SLIM_OK;
}

static slim_error open_index(slim_safetensors **out, const char *index_path,
                             slim_parse_error *where)
{
    if (where)
        where->file = -1;
    slim_map m;
    slim_error e = slim_map_open(index_path, &m);
    if (e)
        return slim_fail(where, e, 0, "cannot map the index");
    json_error_t je;
    json_t *root = m.data ? json_loadb((const char *)m.data, m.size, JSON_REJECT_DUPLICATES, &je)
                          : NULL;
    slim_map_close(&m);
    if (!root)
        return slim_fail(where, SLIM_ERR_BAD_JSON, m.data ? (uint64_t)je.position : 0,
                         "index is not valid JSON");
    json_t *map = json_object_get(root, "weight_map");
    const char **names = NULL;
    size_t n_names = 0;
    char *dir = NULL;
    slim_safetensors *st = NULL;
    if (!json_is_object(map)) {
        e = slim_fail(where, SLIM_ERR_BAD_JSON, 0, "index has no weight_map object");
        goto done;
    }
    /* The distinct shard names, sorted (model-00001-of-... first). */
    names = calloc(json_object_size(map) + 1, sizeof *names);
    if (!names) {
        e = SLIM_ERR_NOMEM;
        goto done;
    }
    const char *k;
    json_t *v;
    json_object_foreach(map, k, v) {
        if (!json_is_string(v) || !plain_name(json_string_value(v)) ||
            strlen(json_string_value(v)) != json_string_length(v)) {
            e = slim_fail(where, SLIM_ERR_BAD_JSON, 0, "shard name is not a plain file name");
            goto done;
        }
        names[n_names++] = json_string_value(v);
    }
    qsort(names, n_names, sizeof *names, cmp_str);
    size_t u = 0;
    for (size_t i = 0; i < n_names; i++)
        if (u == 0 || strcmp(names[u - 1], names[i]) != 0)
            names[u++] = names[i];
    if (u == 0) {
        e = slim_fail(where, SLIM_ERR_BAD_JSON, 0, "index lists no tensors");
        goto done;
    }
    const char *slash = strrchr(index_path, '/');
    size_t dl = slash ? (size_t)(slash - index_path) : 1;
    if (!(dir = malloc(dl + 1)) || !(st = new_handle((int)u))) {
        e = SLIM_ERR_NOMEM;
        goto done;
    }
    memcpy(dir, slash ? index_path : ".", dl);
    dir[dl] = 0;
    for (size_t f = 0; f < u && !e; f++) {
        char *p = join(dir, names[f]);
        if (where)
            where->file = (int)f;
        e = p ? open_image(&st->files[f], p, where) : SLIM_ERR_NOMEM;
        free(p);
    }
    if (!e)
        e = build_table(st, where);
    if (!e)
        e = match_index(st, map, names, where);
done:
    free(dir);
    free(names);
    json_decref(root);
    if (e) {
        slim_st_close(st);
        return e;
    }
    *out = st;
    return SLIM_OK;
}

/* An index is JSON text; a safetensors file starts with a u64 header length
 * of at most 100,000,000, so its bytes 4..7 are zero, which text never is;
 * an index also starts with '{' or white space. */
static int looks_like_index(const char *path)
{
    slim_map m;
    if (slim_map_open(path, &m) != SLIM_OK)
        return 0;
    int idx = m.size >= 8 && (m.data[4] | m.data[5] | m.data[6] | m.data[7]) != 0 &&
              strchr("{ \t\r\n", m.data[0]) != NULL;
    slim_map_close(&m);
    return idx;
}

static slim_error st_open(const char *path, slim_safetensors **out, slim_parse_error *where);

slim_error slim_st_open(const char *path, slim_safetensors **out, slim_parse_error *where)
{
    slim_where_reset(where);
    return slim_where_done(where, st_open(path, out, where));
}

static slim_error st_open(const char *path, slim_safetensors **out, slim_parse_error *where)
{
    if (!path || !out)
        return SLIM_ERR_INVALID_ARG;
    *out = NULL;
    struct stat sb;
    if (stat(path, &sb) != 0)
        return slim_fail(where, SLIM_ERR_IO, 0, "cannot open the file");
    if (S_ISDIR(sb.st_mode)) {
        char *p = join(path, SLIM_ST_INDEX_NAME);
        if (!p)
            return SLIM_ERR_NOMEM;
        slim_error e;
        if (stat(p, &sb) == 0) {
            e = open_index(out, p, where);
        } else {
            free(p);
            if (!(p = join(path, SLIM_ST_SINGLE_NAME)))
                return SLIM_ERR_NOMEM;
            e = st_open(p, out, where);
        }
        free(p);
        return e;
    }
    if (looks_like_index(path))
        return open_index(out, path, where);
    if (where)
        where->file = 0;
    slim_safetensors *st = new_handle(1);
    if (!st)
        return SLIM_ERR_NOMEM;
    slim_error e = open_image(&st->files[0], path, where);
    if (!e)
        e = build_table(st, where);
    if (e) {
        slim_st_close(st);
        return e;
    }
    *out = st;
    return SLIM_OK;
}

void slim_st_close(slim_safetensors *st)
{
    if (!st)
        return;
    for (int f = 0; f < st->n_files; f++)
        slim_st_image_free(&st->files[f]);
    free(st->files);
    free(st->order);
    slim_strindex_free(&st->names);
    free(st);
}

int slim_st_file_count(const slim_safetensors *st) { return st ? st->n_files : 0; }
uint64_t slim_st_tensor_count(const slim_safetensors *st) { return st ? st->n_tensors : 0; }

const slim_st_tensor *slim_st_tensor_at(const slim_safetensors *st, uint64_t i)
{
    return st && i < st->n_tensors ? st->order[i] : NULL;
}

const slim_st_tensor *slim_st_find_tensor(const slim_safetensors *st, const char *name)
{
    if (!st || !name)
        return NULL;
    uint64_t i = slim_strindex_find(&st->names, name, strlen(name), name_of, st);
    return i == UINT64_MAX ? NULL : st->order[i];
}

uint64_t slim_st_metadata_count(const slim_safetensors *st)
{
    return st && st->n_files ? st->files[0].n_meta : 0;
}

slim_error slim_st_metadata_at(const slim_safetensors *st, uint64_t i, const char **key,
                               const char **value)
{
    if (!st || i >= slim_st_metadata_count(st) || !key || !value)
        return SLIM_ERR_INVALID_ARG;
    *key = st->files[0].meta_keys[i];
    *value = st->files[0].meta_values[i];
    return SLIM_OK;
}

const char *slim_st_metadata_get(const slim_safetensors *st, const char *key)
{
    for (uint64_t i = 0; key && i < slim_st_metadata_count(st); i++)
        if (strcmp(st->files[0].meta_keys[i], key) == 0)
            return st->files[0].meta_values[i];
    return NULL;
}
