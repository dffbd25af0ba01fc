/*
 * slim-pack: look into and check model files.
 *
 *   slim-pack inspect FILE [--json]
 *   slim-pack verify FILE
 *   slim-pack convert IN -o OUT [--split-max-size N]
 *
 * FILE is a GGUF file, a safetensors file, a model.safetensors.index.json
 * or a folder holding a Hugging Face model; the format is told by the
 * content, not by the name. (Archives and pack/unpack come later.)
 */
#include "slim.h"
#include "tools/cli.h"
#include "tools/cli_archive.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char usage_main[] =
    "Usage: slim-pack COMMAND [OPTIONS]\n"
    "\n"
    "Look into and check model files: GGUF (v2, v3) and safetensors (single\n"
    "files, sharded models through model.safetensors.index.json, or a folder).\n"
    "The format is detected from the content, not from the file name.\n"
    "\n"
    "Commands:\n"
    "  inspect FILE [--json]   metadata and the tensor table\n"
    "  verify FILE             full validation; exit 1 with the first problem\n"
    "  convert IN -o OUT       safetensors (single or sharded) to GGUF, or GGUF to\n"
    "                          safetensors, for unquantized tensors\n"
    "  pack DIR|FILE... -o OUT.slim   pack model folders and files into an archive\n"
    "  unpack IN.slim -o DIR   write every file of an archive\n"
    "  ls IN.slim [--json]     list an archive's files\n"
    "  extract IN.slim NAME    write one file or tensor of an archive\n"
    "\n"
    "inspect and verify also take .slim archives.\n"
    "\n"
    "'slim-pack COMMAND --help' shows a command's options.\n"
    "Exit status: 0 success, 1 failure, 2 usage error.\n";

static const char usage_inspect[] =
    "Usage: slim-pack inspect FILE [--json]\n"
    "\n"
    "Shows the format, the metadata and the tensor table: name, type, shape,\n"
    "bytes and the absolute file offset of the data. GGUF shapes are printed\n"
    "in GGUF order (ne[0], the contiguous dimension, first), safetensors\n"
    "shapes in their row-major order. Arrays show their first 8 elements.\n"
    "\n"
    "  --json       one JSON object instead of text\n";

static const char usage_verify[] =
    "Usage: slim-pack verify FILE\n"
    "\n"
    "Validates the whole file: structure, types, shapes, offsets, bounds, and\n"
    "for safetensors that the tensors tile the data exactly. Prints 'ok' and\n"
    "exits 0, or prints the first problem with its byte offset and exits 1.\n";

static const char usage_convert[] =
    "Usage: slim-pack convert IN -o OUT\n"
    "\n"
    "Converts safetensors (a file, an index or a model folder) to one GGUF file,\n"
    "or a GGUF file (or split model) to one safetensors file. Tensors keep their\n"
    "names, types and bytes; dimensions are reversed as GGUF requires. Only\n"
    "types both formats know convert: F32, F16, BF16, F64, I8, I16, I32, I64.\n"
    "String metadata carries over (safetensors __metadata__ <-> GGUF string\n"
    "entries); other GGUF entries are dropped. A safetensors scalar becomes a\n"
    "GGUF tensor of shape [1]. OUT is written only when complete.\n"
    "\n"
    "  -o, --output OUT          the output file\n"
    "      --split-max-size N    GGUF output: split into files of at most N bytes of\n"
    "                            tensor data (K, M, G suffixes), named like llama.cpp's\n"
    "                            gguf-split: OUT NAME.gguf -> NAME-00001-of-0000n.gguf\n";

#define ARRAY_HEAD 8

typedef enum { FMT_GGUF, FMT_SAFETENSORS } file_format;

/* Tells the format from the first bytes (or a folder). */
static file_format detect(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        cli_fail("%s: cannot open: %s", path, strerror(errno));
    if (S_ISDIR(sb.st_mode))
        return FMT_SAFETENSORS;
    uint8_t head[16] = { 0 };
    FILE *f = fopen(path, "rb");
    if (!f)
        cli_fail("%s: cannot open: %s", path, strerror(errno));
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    if (n >= 4 && memcmp(head, "GGUF", 4) == 0)
        return FMT_GGUF;
    uint64_t len = 0;
    for (int i = 0; i < 8; i++)
        len |= (uint64_t)head[i] << 8 * i;
    if (n >= 9 && len <= SLIM_SAFETENSORS_MAX_HEADER && head[8] == '{')
        return FMT_SAFETENSORS;
    if (n >= 1 && strchr("{ \t\r\n", head[0]) && head[0])
        return FMT_SAFETENSORS; /* an index */
    cli_fail("%s: not a GGUF or safetensors file", path);
}

static void fail_parse(const char *path, slim_error e, const slim_parse_error *pe)
{
    if (!pe->reason)
        cli_fail("%s: %s", path, slim_strerror(e));
    if (pe->file > 0)
        cli_fail("%s: shard %d: %s at byte %llu: %s", path, pe->file, slim_strerror(e),
                 (unsigned long long)pe->offset, pe->reason);
    if (pe->file < 0)
        cli_fail("%s: index: %s at byte %llu: %s", path, slim_strerror(e),
                 (unsigned long long)pe->offset, pe->reason);
    cli_fail("%s: %s at byte %llu: %s", path, slim_strerror(e),
             (unsigned long long)pe->offset, pe->reason);
}

static slim_gguf *open_gguf(const char *path)
{
    slim_gguf *g = NULL;
    slim_parse_error pe = { 0 };
    slim_error e = slim_gguf_open(path, &g, &pe);
    if (e)
        fail_parse(path, e, &pe);
    return g;
}

static slim_safetensors *open_st(const char *path)
{
    slim_safetensors *st = NULL;
    slim_parse_error pe = { 0 };
    slim_error e = slim_st_open(path, &st, &pe);
    if (e)
        fail_parse(path, e, &pe);
    return st;
}

static void finish_stdout(void)
{
    if (fflush(stdout) != 0 || ferror(stdout))
        cli_fail("cannot write to stdout");
}

/* A GGUF string (not NUL-terminated) as a C string for printing. */
static char *cstr(slim_string s)
{
    char *p = malloc(s.len + 1);
    if (!p)
        cli_fail("out of memory");
    memcpy(p, s.data, s.len);
    p[s.len] = 0;
    return p;
}

/* One element of a GGUF entry, as text or JSON. */
static void print_element(const slim_gguf *g, const slim_gguf_kv *kv, uint64_t i, int json)
{
    int64_t v;
    uint64_t u;
    double f;
    slim_string s;
    if (kv->elem_type == SLIM_GGUF_BOOL && slim_gguf_kv_int(g, kv, i, &v) == SLIM_OK) {
        printf("%s", v ? "true" : "false");
    } else if (slim_gguf_kv_uint(g, kv, i, &u) == SLIM_OK) {
        printf("%llu", (unsigned long long)u);
    } else if (slim_gguf_kv_int(g, kv, i, &v) == SLIM_OK) {
        printf("%lld", (long long)v);
    } else if (slim_gguf_kv_float(g, kv, i, &f) == SLIM_OK) {
        if (json)
            cli_json_number(stdout, f);
        else
            printf("%.9g", f);
    } else if (slim_gguf_kv_str(g, kv, i, &s) == SLIM_OK) {
        char *c = cstr(s);
        /* JSON escaping keeps control characters off the terminal too. */
        cli_json_string(stdout, c);
        free(c);
    }
}

static void print_value(const slim_gguf *g, const slim_gguf_kv *kv, int json)
{
    if (kv->type != SLIM_GGUF_ARRAY) {
        print_element(g, kv, 0, json);
        return;
    }
    printf("[");
    for (uint64_t i = 0; i < kv->count && i < ARRAY_HEAD; i++) {
        printf(i ? ", " : "");
        print_element(g, kv, i, json);
    }
    if (!json && kv->count > ARRAY_HEAD)
        printf(", ...");
    printf("]");
}

static void inspect_gguf(const char *path, int json)
{
    slim_gguf *g = open_gguf(path);
    uint64_t nkv = slim_gguf_kv_count(g), nt = slim_gguf_tensor_count(g);
    uint64_t base = slim_gguf_data_offset(g);
    if (json) {
        printf("{\"format\": \"gguf\", \"file\": ");
        cli_json_string(stdout, path);
        printf(", \"version\": %u, \"alignment\": %u, \"data_offset\": %llu,\n \"metadata\": [",
               slim_gguf_version(g), slim_gguf_alignment(g), (unsigned long long)base);
    } else {
        printf("%s: GGUF v%u, %llu metadata entries, %llu tensors, alignment %u, data at byte %llu\n",
               path, slim_gguf_version(g), (unsigned long long)nkv, (unsigned long long)nt,
               slim_gguf_alignment(g), (unsigned long long)base);
        printf("\nmetadata:\n");
    }
    for (uint64_t i = 0; i < nkv; i++) {
        const slim_gguf_kv *kv = slim_gguf_kv_at(g, i);
        char *key = cstr(kv->key);
        if (json) {
            printf("%s\n  {\"key\": ", i ? "," : "");
            cli_json_string(stdout, key);
            printf(", \"type\": \"%s\"", slim_gguf_type_name(kv->type));
            if (kv->type == SLIM_GGUF_ARRAY)
                printf(", \"elem_type\": \"%s\", \"count\": %llu, \"head\": ",
                       slim_gguf_type_name(kv->elem_type), (unsigned long long)kv->count);
            else
                printf(", \"value\": ");
            print_value(g, kv, 1);
            printf("}");
        } else {
            char type[48];
            if (kv->type == SLIM_GGUF_ARRAY)
                snprintf(type, sizeof type, "%s[%llu]", slim_gguf_type_name(kv->elem_type),
                         (unsigned long long)kv->count);
            else
                snprintf(type, sizeof type, "%s", slim_gguf_type_name(kv->type));
            printf("  %-40s %-14s ", key, type);
            print_value(g, kv, 0);
            printf("\n");
        }
        free(key);
    }
    if (json)
        printf("\n ],\n \"tensors\": [");
    else
        printf("\ntensors:\n  %-40s %-8s %-20s %12s %12s\n", "name", "type", "ne", "bytes", "offset");
    uint64_t total = 0;
    for (uint64_t i = 0; i < nt; i++) {
        const slim_gguf_tensor *t = slim_gguf_tensor_at(g, i);
        const slim_type_info *ti = slim_type_get(t->type);
        char shape[128];
        int len = snprintf(shape, sizeof shape, json ? "[%lld" : "%lld", (long long)t->ne[0]);
        for (int d = 1; d < t->n_dims; d++)
            len += snprintf(shape + len, sizeof shape - (size_t)len, json ? ", %lld" : "x%lld",
                            (long long)t->ne[d]);
        if (json)
            snprintf(shape + len, sizeof shape - (size_t)len, "]");
        total += t->size;
        if (json) {
            printf("%s\n  {\"name\": ", i ? "," : "");
            cli_json_string(stdout, t->name);
            printf(", \"type\": \"%s\", \"ne\": %s, \"bytes\": %llu, \"offset\": %llu}", ti->name,
                   shape, (unsigned long long)t->size, (unsigned long long)(base + t->offset));
        } else {
            printf("  %-40s %-8s %-20s %12llu %12llu\n", t->name, ti->name, shape,
                   (unsigned long long)t->size, (unsigned long long)(base + t->offset));
        }
    }
    if (json) {
        printf("\n ],\n \"tensor_bytes\": %llu}\n", (unsigned long long)total);
    } else {
        char b[32];
        printf("\n%llu tensors, %s of tensor data\n", (unsigned long long)nt,
               cli_format_bytes((double)total, b, sizeof b));
    }
    slim_gguf_close(g);
}

static void inspect_st(const char *path, int json)
{
    slim_safetensors *st = open_st(path);
    uint64_t nt = slim_st_tensor_count(st), nm = slim_st_metadata_count(st);
    int files = slim_st_file_count(st);
    if (json) {
        printf("{\"format\": \"safetensors\", \"file\": ");
        cli_json_string(stdout, path);
        printf(", \"files\": %d,\n \"metadata\": {", files);
    } else {
        printf("%s: safetensors, %d file%s, %llu tensors, %llu metadata entries\n", path, files,
               files == 1 ? "" : "s", (unsigned long long)nt, (unsigned long long)nm);
        if (nm)
            printf("\nmetadata:\n");
    }
    for (uint64_t i = 0; i < nm; i++) {
        const char *k, *v;
        slim_st_metadata_at(st, i, &k, &v);
        if (json) {
            printf("%s\n  ", i ? "," : "");
            cli_json_string(stdout, k);
            printf(": ");
            cli_json_string(stdout, v);
        } else {
            printf("  %-40s ", k);
            cli_json_string(stdout, v);
            printf("\n");
        }
    }
    if (json)
        printf("%s},\n \"tensors\": [", nm ? "\n " : "");
    else
        printf("\ntensors:\n  %-48s %-8s %-20s %12s %12s%s\n", "name", "dtype", "shape", "bytes",
               "offset", files > 1 ? "  file" : "");
    uint64_t total = 0;
    for (uint64_t i = 0; i < nt; i++) {
        const slim_st_tensor *t = slim_st_tensor_at(st, i);
        char shape[256];
        int len = snprintf(shape, sizeof shape, "[");
        for (int d = 0; d < t->n_dims && len < (int)sizeof shape - 32; d++)
            len += snprintf(shape + len, sizeof shape - (size_t)len, d ? ", %lld" : "%lld",
                            (long long)t->shape[d]);
        snprintf(shape + len, sizeof shape - (size_t)len, "]");
        uint64_t abs = t->file_offset;
        total += t->size;
        if (json) {
            printf("%s\n  {\"name\": ", i ? "," : "");
            cli_json_string(stdout, t->name);
            printf(", \"dtype\": \"%s\", \"shape\": %s, \"bytes\": %llu, \"begin\": %llu, "
                   "\"end\": %llu, \"offset\": %llu, \"file\": %d}", slim_dtype_name(t->dtype),
                   shape, (unsigned long long)t->size, (unsigned long long)t->begin,
                   (unsigned long long)t->end, (unsigned long long)abs, t->file);
        } else {
            printf("  %-48s %-8s %-20s %12llu %12llu", t->name, slim_dtype_name(t->dtype), shape,
                   (unsigned long long)t->size, (unsigned long long)abs);
            if (files > 1)
                printf("  %d", t->file);
            printf("\n");
        }
    }
    if (json) {
        printf("\n ],\n \"tensor_bytes\": %llu}\n", (unsigned long long)total);
    } else {
        char b[32];
        printf("\n%llu tensors, %s of tensor data\n", (unsigned long long)nt,
               cli_format_bytes((double)total, b, sizeof b));
    }
    slim_st_close(st);
}

/* Parses the options of inspect/verify: one FILE, maybe --json. */
static const char *parse_file_args(int argc, char **argv, const char *usage, int allow_json,
                                   int *json)
{
    static const struct option opts[] = {
        { "json", no_argument, NULL, 'J' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int ch;
    *json = 0;
    while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (ch) {
        case 'J':
            if (!allow_json)
                cli_bad_option(argv, '?');
            *json = 1;
            break;
        case 'h': cli_help(usage);
        default: cli_bad_option(argv, ch);
        }
    }
    if (optind >= argc)
        cli_usage_fail("missing FILE");
    if (optind + 1 < argc)
        cli_usage_fail("unexpected argument '%s'", argv[optind + 1]);
    return argv[optind];
}

static int cmd_inspect(int argc, char **argv)
{
    int json;
    const char *path = parse_file_args(argc, argv, usage_inspect, 1, &json);
    if (cli_archive_detect(path))
        cli_archive_inspect(path, json);
    else if (detect(path) == FMT_GGUF)
        inspect_gguf(path, json);
    else
        inspect_st(path, json);
    finish_stdout();
    return CLI_EXIT_OK;
}

static int cmd_verify(int argc, char **argv)
{
    int json;
    const char *path = parse_file_args(argc, argv, usage_verify, 0, &json);
    if (cli_archive_detect(path)) {
        cli_archive_verify(path);
        finish_stdout();
        return CLI_EXIT_OK;
    }
    uint64_t tensors = 0, bytes = 0;
    const char *what;
    if (detect(path) == FMT_GGUF) {
        slim_gguf *g = open_gguf(path);
        tensors = slim_gguf_tensor_count(g);
        for (uint64_t i = 0; i < tensors; i++)
            bytes += slim_gguf_tensor_at(g, i)->size;
        what = "GGUF";
        slim_gguf_close(g);
    } else {
        slim_safetensors *st = open_st(path);
        tensors = slim_st_tensor_count(st);
        for (uint64_t i = 0; i < tensors; i++)
            bytes += slim_st_tensor_at(st, i)->size;
        what = "safetensors";
        slim_st_close(st);
    }
    char b[32];
    printf("%s: ok (%s, %llu tensors, %s of tensor data)\n", path, what,
           (unsigned long long)tensors, cli_format_bytes((double)bytes, b, sizeof b));
    finish_stdout();
    return CLI_EXIT_OK;
}

/* ------------------------------------------------------------------ */
/* convert                                                             */

/* The unquantized types both formats know. */
static const struct {
    slim_dtype dtype;
    slim_type type;
} type_map[] = {
    { SLIM_DTYPE_F32, SLIM_TYPE_F32 }, { SLIM_DTYPE_F16, SLIM_TYPE_F16 },
    { SLIM_DTYPE_BF16, SLIM_TYPE_BF16 }, { SLIM_DTYPE_F64, SLIM_TYPE_F64 },
    { SLIM_DTYPE_I8, SLIM_TYPE_I8 }, { SLIM_DTYPE_I16, SLIM_TYPE_I16 },
    { SLIM_DTYPE_I32, SLIM_TYPE_I32 }, { SLIM_DTYPE_I64, SLIM_TYPE_I64 },
};
#define N_TYPE_MAP (sizeof type_map / sizeof type_map[0])

/* The writer in progress: dropped (with its temporary file) if the tool
 * exits before finishing it, since cli_fail ends the process through exit. */
static slim_gguf_writer **gguf_outs;
static int n_gguf_outs;
static slim_st_writer *st_out;

static void drop_unfinished(void)
{
    for (int i = 0; i < n_gguf_outs; i++)
        slim_gguf_writer_abort(gguf_outs[i]);
    free(gguf_outs);
    gguf_outs = NULL;
    n_gguf_outs = 0;
    slim_st_writer_abort(st_out);
    st_out = NULL;
}

static void check(slim_error e, const char *what, const char *name)
{
    if (e)
        cli_fail("%s%s%s: %s", what, name ? " " : "", name ? name : "", slim_strerror(e));
}

/* The type of a safetensors tensor in GGUF, and its GGUF dims (reversed). */
static slim_type gguf_shape(const slim_st_tensor *t, int64_t ne[SLIM_GGUF_MAX_DIMS])
{
    size_t k = 0;
    while (k < N_TYPE_MAP && type_map[k].dtype != t->dtype)
        k++;
    if (k == N_TYPE_MAP)
        cli_fail("%s: dtype %s has no GGUF type", t->name, slim_dtype_name(t->dtype));
    if (t->n_dims > SLIM_GGUF_MAX_DIMS)
        cli_fail("%s: %d dimensions; GGUF allows at most 4", t->name, t->n_dims);
    for (int d = 0; d < SLIM_GGUF_MAX_DIMS; d++)
        ne[d] = d < t->n_dims ? t->shape[t->n_dims - 1 - d] : 1;
    return type_map[k].type;
}

/* Splits the tensors, in order, into files of at most max_size bytes of
 * tensor data (a larger tensor gets a file of its own); returns the number
 * of files and fills first[f] with each file's first tensor. */
static int plan_split(const slim_safetensors *st, uint64_t max_size, uint64_t *first)
{
    int files = 0;
    uint64_t used = 0, n = slim_st_tensor_count(st);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t sz = slim_st_tensor_at(st, i)->size;
        if (files == 0 || (max_size && used + sz > max_size && used > 0)) {
            if (files == 99999)
                cli_fail("--split-max-size is too small: more than 99999 files");
            if (first)
                first[files] = i;
            files++;
            used = 0;
        }
        used += sz;
    }
    if (first)
        first[files ? files : 1] = n;
    return files ? files : 1;
}

static void st_to_gguf(const char *in, const char *out, uint64_t max_size)
{
    slim_safetensors *st = open_st(in);
    uint64_t n = slim_st_tensor_count(st), total = 0;
    int files = plan_split(st, max_size, NULL);
    uint64_t *first = calloc((size_t)files + 1, sizeof *first);
    gguf_outs = calloc((size_t)files, sizeof *gguf_outs);
    if (!first || !gguf_outs)
        cli_fail("out of memory");
    plan_split(st, max_size, first);
    size_t olen = strlen(out);
    if (files > 1 && (olen < 5 || strcmp(out + olen - 5, ".gguf") != 0))
        cli_usage_fail("a split output must be named NAME.gguf (files NAME-00001-of-N.gguf ...)");
    char *path = malloc(olen + 32);
    if (!path)
        cli_fail("out of memory");
    /* Every file is written under a temporary name; all are renamed only
     * once every one is complete. */
    for (int f = 0; f < files; f++) {
        if (files > 1)
            snprintf(path, olen + 32, "%.*s-%05d-of-%05d.gguf", (int)(olen - 5), out, f + 1, files);
        else
            snprintf(path, olen + 32, "%s", out);
        check(slim_gguf_writer_open(path, &gguf_outs[f]), "cannot create", path);
        n_gguf_outs = f + 1;
        slim_gguf_writer *w = gguf_outs[f];
        if (files > 1) {
            uint16_t no = (uint16_t)f, count = (uint16_t)files;
            int32_t tensors = (int32_t)n;
            if (n > INT32_MAX)
                cli_fail("too many tensors for split.tensors.count");
            check(slim_gguf_writer_add_kv(w, "split.no", SLIM_GGUF_U16, &no), "metadata", "split.no");
            check(slim_gguf_writer_add_kv(w, "split.count", SLIM_GGUF_U16, &count), "metadata", "split.count");
            check(slim_gguf_writer_add_kv(w, "split.tensors.count", SLIM_GGUF_I32, &tensors),
                  "metadata", "split.tensors.count");
        }
        for (uint64_t i = 0; f == 0 && i < slim_st_metadata_count(st); i++) {
            const char *k, *v;
            slim_st_metadata_at(st, i, &k, &v);
            slim_string sv = { v, strlen(v) };
            check(slim_gguf_writer_add_kv(w, k, SLIM_GGUF_STRING, &sv), "metadata", k);
        }
        for (uint64_t i = first[f]; i < first[f + 1]; i++) {
            const slim_st_tensor *t = slim_st_tensor_at(st, i);
            int64_t ne[SLIM_GGUF_MAX_DIMS];
            slim_type type = gguf_shape(t, ne);
            slim_error e = slim_gguf_writer_add_tensor(w, t->name, type, t->n_dims ? t->n_dims : 1, ne);
            if (e == SLIM_ERR_TOO_LARGE)
                cli_fail("%s: GGUF tensor names must be shorter than 64 bytes", t->name);
            if (e == SLIM_ERR_SHAPE)
                cli_fail("%s: GGUF cannot hold a tensor with a zero dimension", t->name);
            check(e, "tensor", t->name);
            total += t->size;
        }
    }
    cli_progress p;
    cli_progress_start(&p, "converting", total);
    uint64_t done = 0;
    for (int f = 0; f < files; f++) {
        for (uint64_t i = first[f]; i < first[f + 1]; i++) {
            const slim_st_tensor *t = slim_st_tensor_at(st, i);
            check(slim_gguf_writer_write(gguf_outs[f], t->data, (size_t)t->size), "cannot write", out);
            cli_progress_update(&p, done += t->size);
        }
    }
    for (int f = 0; f < files; f++) {
        slim_gguf_writer *w = gguf_outs[f];
        gguf_outs[f] = NULL; /* finish frees the writer, whatever it returns */
        check(slim_gguf_writer_finish(w), "cannot write", out);
    }
    cli_progress_end(&p);
    free(path);
    free(first);
    slim_st_close(st);
}

static void gguf_to_st(const char *in, const char *out)
{
    slim_gguf_split *g = NULL;
    slim_parse_error pe = { 0 };
    slim_error e = slim_gguf_split_open(in, &g, &pe);
    if (e)
        fail_parse(in, e, &pe);
    slim_st_writer *w = NULL;
    check(slim_st_writer_open(out, &w), "cannot create", out);
    st_out = w;
    const slim_gguf *meta = slim_gguf_split_file(g, 0);
    for (uint64_t i = 0; i < slim_gguf_kv_count(meta); i++) {
        const slim_gguf_kv *kv = slim_gguf_kv_at(meta, i);
        slim_string v;
        if (kv->type != SLIM_GGUF_STRING || slim_gguf_kv_str(meta, kv, 0, &v) != SLIM_OK)
            continue;
        char *k = cstr(kv->key), *val = cstr(v);
        if (strlen(k) == kv->key.len && strlen(val) == v.len) /* no NUL bytes */
            check(slim_st_writer_add_metadata(w, k, val), "metadata", k);
        free(k);
        free(val);
    }
    uint64_t n = slim_gguf_split_tensor_count(g), total = 0;
    for (uint64_t i = 0; i < n; i++) {
        const slim_gguf_tensor *t = slim_gguf_split_tensor_at(g, i, NULL);
        size_t k = 0;
        while (k < N_TYPE_MAP && type_map[k].type != t->type)
            k++;
        if (k == N_TYPE_MAP)
            cli_fail("%s: type %s is quantized or has no safetensors dtype", t->name,
                     slim_type_get(t->type)->name);
        int nd = t->n_dims ? t->n_dims : 1;
        int64_t shape[SLIM_GGUF_MAX_DIMS];
        for (int d = 0; d < nd; d++)
            shape[d] = t->ne[nd - 1 - d];
        check(slim_st_writer_add_tensor(w, t->name, type_map[k].dtype, nd, shape), "tensor", t->name);
        total += t->size;
    }
    cli_progress p;
    cli_progress_start(&p, "converting", total);
    uint64_t done = 0;
    for (uint64_t i = 0; i < n; i++) {
        const slim_gguf_tensor *t = slim_gguf_split_tensor_at(g, i, NULL);
        check(slim_st_writer_write(w, t->data, (size_t)t->size), "cannot write", out);
        cli_progress_update(&p, done += t->size);
    }
    st_out = NULL;
    check(slim_st_writer_finish(w), "cannot write", out);
    cli_progress_end(&p);
    slim_gguf_split_close(g);
}

/* "500M", "2G", "4096": bytes with an optional K, M or G (powers of 1024). */
static uint64_t parse_size(const char *text)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    uint64_t mul = 1;
    if (*end == 'K' || *end == 'k') mul = 1ull << 10, end++;
    else if (*end == 'M' || *end == 'm') mul = 1ull << 20, end++;
    else if (*end == 'G' || *end == 'g') mul = 1ull << 30, end++;
    if (errno || end == text || *end || text[0] == '-' || v == 0 || v > UINT64_MAX / mul)
        cli_usage_fail("--split-max-size: '%s' is not a size (e.g. 500M, 2G)", text);
    return v * mul;
}

static int cmd_convert(int argc, char **argv)
{
    static const struct option opts[] = {
        { "output", required_argument, NULL, 'o' },
        { "split-max-size", required_argument, NULL, 'S' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *out = NULL;
    uint64_t max_size = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'o': out = optarg; break;
        case 'S': max_size = parse_size(optarg); break;
        case 'h': cli_help(usage_convert);
        default: cli_bad_option(argv, ch);
        }
    }
    if (optind >= argc)
        cli_usage_fail("missing IN");
    if (optind + 1 < argc)
        cli_usage_fail("unexpected argument '%s'", argv[optind + 1]);
    if (!out)
        cli_usage_fail("missing -o OUT");
    if (strcmp(out, "-") == 0)
        cli_usage_fail("convert writes a file, not stdout");
    const char *in = argv[optind];
    atexit(drop_unfinished);
    if (detect(in) == FMT_GGUF) {
        if (max_size)
            cli_usage_fail("--split-max-size applies to GGUF output only");
        gguf_to_st(in, out);
    } else {
        st_to_gguf(in, out, max_size);
    }
    return CLI_EXIT_OK;
}

static const cli_command commands[] = {
    { "inspect", cmd_inspect },
    { "verify", cmd_verify },
    { "convert", cmd_convert },
    { "pack", cli_archive_pack },
    { "unpack", cli_archive_unpack },
    { "ls", cli_archive_ls },
    { "extract", cli_archive_extract },
};

int main(int argc, char **argv)
{
    return cli_main("slim-pack", usage_main, commands, sizeof commands / sizeof commands[0],
                    argc, argv);
}
