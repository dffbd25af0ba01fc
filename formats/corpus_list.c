/*
 * The list of corpus files: folders walked recursively in name order, glob
 * patterns expanded, then one contiguous part of N kept (for job arrays).
 * Names are compared with strcmp, never the locale, so every machine of a
 * cluster cuts the same list into the same parts.
 */
#include "formats/fmt_internal.h"

#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_DEPTH 64

typedef struct list {
    char **v;
    size_t n, cap;
} list;

static slim_error push(list *l, char *s)
{
    if (!s)
        return SLIM_ERR_NOMEM;
    if (!slim_grow((void **)&l->v, &l->cap, l->n + 1, sizeof *l->v)) {
        free(s);
        return SLIM_ERR_NOMEM;
    }
    l->v[l->n++] = s;
    return SLIM_OK;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *s = malloc(a + b + 2);
    if (s) {
        memcpy(s, dir, a);
        size_t k = a;
        if (a && dir[a - 1] != '/')
            s[k++] = '/';
        memcpy(s + k, name, b + 1);
    }
    return s;
}

static slim_error add_path(list *l, const char *path, int depth);

/* The folder's entries, sorted, each added as a path. */
static slim_error add_dir(list *l, const char *path, int depth)
{
    if (depth > MAX_DEPTH)
        return SLIM_ERR_TOO_LARGE;
    DIR *d = opendir(path);
    if (!d)
        return SLIM_ERR_IO;
    list names = {0};
    slim_error e = SLIM_OK;
    struct dirent *ent;
    while (!e && (ent = readdir(d)) != NULL) {
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
            continue;
        e = push(&names, strdup(ent->d_name));
    }
    closedir(d);
    if (!e && names.n)
        qsort(names.v, names.n, sizeof *names.v, by_name);
    for (size_t i = 0; i < names.n; i++) {
        if (!e) {
            char *full = join(path, names.v[i]);
            e = full ? add_path(l, full, depth + 1) : SLIM_ERR_NOMEM;
            free(full);
        }
        free(names.v[i]);
    }
    free(names.v);
    return e;
}

/* A file as given; a folder's regular files (inside a folder, other kinds
 * of entries are left out). */
static slim_error add_path(list *l, const char *path, int depth)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return errno == ENOENT || errno == ENOTDIR ? SLIM_ERR_NOT_FOUND : SLIM_ERR_IO;
    if (S_ISDIR(st.st_mode))
        return add_dir(l, path, depth);
    if (depth > 0 && !S_ISREG(st.st_mode))
        return SLIM_OK;
    return push(l, strdup(path));
}

static slim_error add_input(list *l, const char *in)
{
    if (strcmp(in, "-") == 0)
        return push(l, strdup(in));
    if (!strpbrk(in, "*?[")) 
        return add_path(l, in, 0);
    glob_t g;
    int rc = glob(in, GLOB_NOSORT, NULL, &g);
    if (rc == GLOB_NOMATCH)
        return SLIM_ERR_NOT_FOUND;
    if (rc != 0)
        return rc == GLOB_NOSPACE ? SLIM_ERR_NOMEM : SLIM_ERR_IO;
    qsort(g.gl_pathv, g.gl_pathc, sizeof *g.gl_pathv, by_name);
    slim_error e = SLIM_OK;
    for (size_t i = 0; i < g.gl_pathc && !e; i++)
        e = add_path(l, g.gl_pathv[i], 0);
    globfree(&g);
    return e;
}

void slim_corpus_list_free(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

slim_error slim_corpus_list(const char *const *inputs, size_t n_inputs, uint32_t part,
                            uint32_t parts, char ***out, size_t *n_out,
                            slim_parse_error *where)
{
    if (where)
        memset(where, 0, sizeof *where);
    if (!out || !n_out || (n_inputs && !inputs) || (parts > 1 && part >= parts))
        return SLIM_ERR_INVALID_ARG;
    *out = NULL;
    *n_out = 0;
    list l = {0};
    for (size_t i = 0; i < n_inputs; i++) {
        slim_error e = inputs[i] ? add_input(&l, inputs[i]) : SLIM_ERR_INVALID_ARG;
        if (e) {
            if (where) {
                where->file = (int)(i < INT32_MAX ? i : INT32_MAX);
                where->reason = e == SLIM_ERR_NOT_FOUND ? "no such file, folder or match"
                                                        : slim_strerror(e);
            }
            slim_corpus_list_free(l.v, l.n);
            return e;
        }
    }
    size_t lo = 0, hi = l.n;
    if (parts > 1) {
        lo = (size_t)((unsigned __int128)l.n * part / parts);
        hi = (size_t)((unsigned __int128)l.n * (part + 1) / parts);
    }
    for (size_t i = 0; i < l.n; i++)
        if (i < lo || i >= hi)
            free(l.v[i]);
    if (lo)
        memmove(l.v, l.v + lo, (hi - lo) * sizeof *l.v);
    *out = l.v;
    *n_out = hi - lo;
    if (!*out) {
        *out = malloc(sizeof **out); /* an empty list is still a list to free */
        if (!*out)
            return SLIM_ERR_NOMEM;
    }
    return SLIM_OK;
}
