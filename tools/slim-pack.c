/*
 * slim-pack: look into and check model files.
 *
 *   slim-pack inspect FILE [--json]
 *   slim-pack verify FILE
 *
 * FILE is a GGUF file, a safetensors file, a model.safetensors.index.json
 * or a folder holding a Hugging Face model; the format is told by the
 * content, not by the name. (Archives, pack/unpack and convert come later.)
 */
#include "slim.h"
#include "tools/cli.h"

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
    if (detect(path) == FMT_GGUF)
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

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
} commands[] = {
    { "inspect", cmd_inspect },
    { "verify", cmd_verify },
};

int main(int argc, char **argv)
{
    cli_init("slim-pack");
    opterr = 0;
    if (argc < 2)
        cli_usage_fail("missing command (inspect or verify)");
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0)
        cli_help(usage_main);
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0)
        cli_version();
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(cmd, commands[i].name) == 0) {
            cli_set_command(cmd);
            return commands[i].run(argc - 1, argv + 1);
        }
    }
    if (cmd[0] == '-')
        cli_usage_fail("unknown option '%s' (options come after the command)", cmd);
    cli_usage_fail("unknown command '%s' (inspect or verify)", cmd);
}
