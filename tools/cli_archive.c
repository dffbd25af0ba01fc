/*
 * slim-pack's .slim archive commands. Kept apart from slim-pack.c (model
 * files) so each file has one subject; slim-pack.c dispatches to these.
 */
#include "slim.h"
#include "tools/cli.h"
#include "tools/cli_archive.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cli_archive_usage_pack[] =
    "Usage: slim-pack pack DIR|FILE... -o OUT.slim [--level N] [--threads N]\n"
    "\n"
    "Packs model folders and files into one .slim archive. A folder adds its\n"
    "regular files (recursively) under their path inside it; a file is added\n"
    "under its base name. Tensors of safetensors and GGUF files in F32, F16\n"
    "and BF16 are byte-grouped (exponents apart from mantissas) before zstd;\n"
    "everything else is compressed as it is, or stored when zstd does not help.\n"
    "The archive is the same bytes for any thread count; it is written under a\n"
    "temporary name and renamed when complete.\n"
    "\n"
    "  -o, --output OUT     the archive to write\n"
    "  -l, --level N        zstd level 1..19 (default 3)\n"
    "  -t, --threads N      worker threads (default: all cores)\n";

const char cli_archive_usage_unpack[] =
    "Usage: slim-pack unpack IN.slim -o DIR [--threads N]\n"
    "\n"
    "Writes every file of the archive under DIR (created if needed). Every\n"
    "chunk and file checksum is checked; each file appears only when complete.\n"
    "\n"
    "  -o, --output DIR     the folder to write into\n"
    "  -t, --threads N      worker threads (default: all cores)\n";

const char cli_archive_usage_ls[] =
    "Usage: slim-pack ls IN.slim [--json]\n"
    "\n"
    "Lists the files of an archive: size, stored size, ratio, name. Reads only\n"
    "the index.\n"
    "\n"
    "  --json       one JSON object instead of text\n";

const char cli_archive_usage_extract[] =
    "Usage: slim-pack extract IN.slim NAME [-o OUT] [--threads N]\n"
    "\n"
    "Writes one file, or the raw bytes of one tensor, decoding only the chunks\n"
    "that hold it. NAME is looked up among the files first, then the tensors.\n"
    "OUT defaults to NAME's base name for a file; a tensor needs -o (- writes\n"
    "to stdout when it is not a terminal).\n"
    "\n"
    "  -o, --output OUT     where to write (- = stdout)\n"
    "  -t, --threads N      worker threads (default: all cores)\n";

static const struct option opts[] = {
    { "output", required_argument, NULL, 'o' },
    { "level", required_argument, NULL, 'l' },
    { "threads", required_argument, NULL, 't' },
    { "json", no_argument, NULL, 'J' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
};

typedef struct args {
    const char *out;
    int level, threads, json;
    char **pos;      /* positional arguments */
    int npos;
} args;

/* Parses options; `allowed` lists the short names the command accepts. */
static void parse(int argc, char **argv, const char *usage, const char *allowed, args *a)
{
    memset(a, 0, sizeof *a);
    int ch;
    while ((ch = getopt_long(argc, argv, ":o:l:t:h", opts, NULL)) != -1) {
        if (ch == 'h')
            cli_help(usage);
        if (ch == ':' || ch == '?' || !strchr(allowed, ch))
            cli_bad_option(argv, ch == ':' || ch == '?' ? ch : '?');
        switch (ch) {
        case 'o': a->out = optarg; break;
        case 'l': a->level = (int)cli_parse_int("--level", optarg, 1, 19); break;
        case 't': a->threads = (int)cli_parse_int("--threads", optarg, 1, 4096); break;
        case 'J': a->json = 1; break;
        }
    }
    a->pos = argv + optind;
    a->npos = argc - optind;
}

static _Noreturn void fail_archive(const char *path, slim_error e, const slim_parse_error *pe)
{
    if (!pe->reason)
        cli_fail("%s: %s", path, slim_strerror(e));
    cli_fail("%s: %s at byte %llu: %s", path, slim_strerror(e),
             (unsigned long long)pe->offset, pe->reason);
}

static slim_archive *open_archive(const char *path)
{
    slim_archive *a = NULL;
    slim_parse_error pe = { 0 };
    slim_error e = slim_archive_open(path, &a, &pe);
    if (e == SLIM_ERR_IO)
        cli_fail("%s: cannot open: %s", path, strerror(errno));
    if (e)
        fail_archive(path, e, &pe);
    return a;
}

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
    cli_progress *p = ctx;
    p->total = total; /* pack learns the total only once it has the files */
    cli_progress_update(p, done);
}

static uint64_t total_size(const slim_archive *a)
{
    uint64_t t = 0;
    for (uint64_t i = 0; i < slim_archive_file_count(a); i++)
        t += slim_archive_file_at(a, i)->size;
    return t;
}

int cli_archive_detect(const char *path)
{
    uint8_t head[8];
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    return slim_archive_detect(head, n);
}

int cli_archive_pack(int argc, char **argv)
{
    args a;
    parse(argc, argv, cli_archive_usage_pack, "olt", &a);
    if (a.npos == 0)
        cli_usage_fail("missing DIR or FILE to pack");
    if (!a.out)
        cli_usage_fail("missing -o OUT.slim");
    if (!strcmp(a.out, "-"))
        cli_usage_fail("pack writes a file, not stdout");
    uint64_t total = 0;
    cli_progress pg;
    slim_pack_options o = { .level = a.level, .threads = a.threads,
                            .progress = on_progress, .progress_ctx = &pg };
    /* The total is known only inside slim_pack: start with 0 and let the
     * first report set it. */
    cli_progress_start(&pg, "packing", total);
    double t0 = cli_now();
    slim_parse_error pe = { 0 };
    slim_error e = slim_pack(a.out, (const char *const *)a.pos, a.npos, &o, &pe);
    cli_progress_end(&pg);
    if (e) {
        const char *what = pe.file >= 0 && pe.file < a.npos ? a.pos[pe.file] : a.out;
        if (e == SLIM_ERR_IO)
            cli_fail("%s: %s: %s", what, pe.reason ? pe.reason : "I/O error", strerror(errno));
        cli_fail("%s: %s: %s", what, slim_strerror(e), pe.reason ? pe.reason : "");
    }
    slim_archive *ar = open_archive(a.out);
    uint64_t in = total_size(ar), files = slim_archive_file_count(ar);
    slim_archive_close(ar);
    FILE *f = fopen(a.out, "rb");
    long out = -1;
    if (f && fseek(f, 0, SEEK_END) == 0)
        out = ftell(f);
    if (f)
        fclose(f);
    char b1[32], b2[32];
    double dt = cli_now() - t0;
    fprintf(stderr, "%s: %llu files, %s -> %s (%.3f) in %.2f s\n", a.out,
            (unsigned long long)files, cli_format_bytes((double)in, b1, sizeof b1),
            cli_format_bytes((double)out, b2, sizeof b2), in ? (double)out / (double)in : 0.0,
            dt);
    return CLI_EXIT_OK;
}

int cli_archive_unpack(int argc, char **argv)
{
    args a;
    parse(argc, argv, cli_archive_usage_unpack, "ot", &a);
    if (a.npos == 0)
        cli_usage_fail("missing IN.slim");
    if (a.npos > 1)
        cli_usage_fail("unexpected argument '%s'", a.pos[1]);
    if (!a.out)
        cli_usage_fail("missing -o DIR");
    slim_archive *ar = open_archive(a.pos[0]);
    cli_progress pg;
    cli_progress_start(&pg, "unpacking", total_size(ar));
    slim_parse_error pe = { 0 };
    slim_error e = slim_archive_unpack(ar, a.out, a.threads, on_progress, &pg, &pe);
    cli_progress_end(&pg);
    if (e == SLIM_ERR_IO)
        cli_fail("%s: %s: %s", a.out, pe.reason ? pe.reason : "I/O error", strerror(errno));
    if (e)
        fail_archive(a.pos[0], e, &pe);
    fprintf(stderr, "%s: %llu files written under %s\n", a.pos[0],
            (unsigned long long)slim_archive_file_count(ar), a.out);
    slim_archive_close(ar);
    return CLI_EXIT_OK;
}

static void list(const char *path, const slim_archive *ar, int json, int tensors)
{
    uint64_t n = slim_archive_file_count(ar), nt = slim_archive_tensor_count(ar);
    if (json) {
        printf("{\"format\": \"slim\", \"file\": ");
        cli_json_string(stdout, path);
        printf(", \"version\": %u, \"files\": [", slim_archive_version(ar));
        for (uint64_t i = 0; i < n; i++) {
            const slim_archive_file *f = slim_archive_file_at(ar, i);
            printf("%s\n  {\"name\": ", i ? "," : "");
            cli_json_string(stdout, f->name);
            printf(", \"size\": %llu, \"stored\": %llu, \"chunks\": %llu, \"xxh3\": \"%016llx\"}",
                   (unsigned long long)f->size, (unsigned long long)f->stored,
                   (unsigned long long)f->n_chunks, (unsigned long long)f->xxh3);
        }
        printf("]");
        if (tensors) {
            printf(",\n \"tensors\": [");
            for (uint64_t i = 0; i < nt; i++) {
                const slim_archive_tensor *t = slim_archive_tensor_at(ar, i);
                printf("%s\n  {\"name\": ", i ? "," : "");
                cli_json_string(stdout, t->name);
                printf(", \"file\": ");
                cli_json_string(stdout, slim_archive_file_at(ar, t->file)->name);
                printf(", \"type\": ");
                cli_json_string(stdout, t->dtype);
                printf(", \"shape\": [");
                for (int d = 0; d < t->n_dims; d++)
                    printf("%s%llu", d ? ", " : "", (unsigned long long)t->shape[d]);
                printf("], \"offset\": %llu, \"bytes\": %llu}", (unsigned long long)t->offset,
                       (unsigned long long)t->size);
            }
            printf("]");
        }
        printf("}\n");
        return;
    }
    uint64_t in = 0, st = 0;
    char b1[32], b2[32];
    for (uint64_t i = 0; i < n; i++) {
        const slim_archive_file *f = slim_archive_file_at(ar, i);
        in += f->size;
        st += f->stored;
        printf("%12llu %12llu  %5.3f  %s\n", (unsigned long long)f->size,
               (unsigned long long)f->stored,
               f->size ? (double)f->stored / (double)f->size : 1.0, f->name);
    }
    printf("%llu files, %s -> %s stored (%.3f), %llu tensors\n", (unsigned long long)n,
           cli_format_bytes((double)in, b1, sizeof b1), cli_format_bytes((double)st, b2, sizeof b2),
           in ? (double)st / (double)in : 1.0, (unsigned long long)nt);
    if (!tensors || nt == 0)
        return;
    printf("\ntensors:\n");
    for (uint64_t i = 0; i < nt; i++) {
        const slim_archive_tensor *t = slim_archive_tensor_at(ar, i);
        char shape[160] = "";
        for (int d = 0; d < t->n_dims; d++)
            snprintf(shape + strlen(shape), sizeof shape - strlen(shape), "%s%llu",
                     d ? " x " : "", (unsigned long long)t->shape[d]);
        printf("  %-40s %-6s %-20s %10llu @ %llu in %s\n", t->name, t->dtype, shape,
               (unsigned long long)t->size, (unsigned long long)t->offset,
               slim_archive_file_at(ar, t->file)->name);
    }
}

int cli_archive_ls(int argc, char **argv)
{
    args a;
    parse(argc, argv, cli_archive_usage_ls, "J", &a);
    if (a.npos == 0)
        cli_usage_fail("missing IN.slim");
    if (a.npos > 1)
        cli_usage_fail("unexpected argument '%s'", a.pos[1]);
    slim_archive *ar = open_archive(a.pos[0]);
    list(a.pos[0], ar, a.json, 0);
    slim_archive_close(ar);
    return CLI_EXIT_OK;
}

void cli_archive_inspect(const char *path, int json)
{
    slim_archive *ar = open_archive(path);
    if (!json)
        printf("%s: .slim archive v%u\n", path, slim_archive_version(ar));
    list(path, ar, json, 1);
    slim_archive_close(ar);
}

void cli_archive_verify(const char *path)
{
    slim_archive *ar = open_archive(path);
    cli_progress pg;
    cli_progress_start(&pg, "verifying", total_size(ar));
    slim_parse_error pe = { 0 };
    slim_error e = slim_archive_verify(ar, 0, on_progress, &pg, &pe);
    cli_progress_end(&pg);
    if (e) {
        const slim_archive_file *f = slim_archive_file_at(ar, (uint64_t)(pe.file > 0 ? pe.file : 0));
        if (f && pe.offset == 0 && e == SLIM_ERR_CHECKSUM)
            cli_fail("%s: %s: %s", path, f->name, pe.reason);
        fail_archive(path, e, &pe);
    }
    char b[32];
    printf("%s: ok (.slim v%u, %llu files, %llu tensors, %s unpacked)\n", path,
           slim_archive_version(ar), (unsigned long long)slim_archive_file_count(ar),
           (unsigned long long)slim_archive_tensor_count(ar),
           cli_format_bytes((double)total_size(ar), b, sizeof b));
    slim_archive_close(ar);
}

int cli_archive_extract(int argc, char **argv)
{
    args a;
    parse(argc, argv, cli_archive_usage_extract, "ot", &a);
    if (a.npos < 2)
        cli_usage_fail(a.npos ? "missing NAME" : "missing IN.slim");
    if (a.npos > 2)
        cli_usage_fail("unexpected argument '%s'", a.pos[2]);
    const char *path = a.pos[0], *name = a.pos[1];
    slim_archive *ar = open_archive(path);
    uint64_t fi = slim_archive_find_file(ar, name);
    slim_parse_error pe = { 0 };
    slim_error e;
    if (fi != UINT64_MAX && (!a.out || strcmp(a.out, "-"))) {
        const char *out = a.out;
        if (!out) {
            const char *base = strrchr(name, '/');
            out = base ? base + 1 : name;
        }
        cli_progress pg;
        cli_progress_start(&pg, "extracting", slim_archive_file_at(ar, fi)->size);
        e = slim_archive_extract(ar, fi, out, a.threads, on_progress, &pg, &pe);
        cli_progress_end(&pg);
        if (e == SLIM_ERR_IO)
            cli_fail("%s: cannot write: %s", out, strerror(errno));
    } else {
        uint64_t off, size;
        if (fi != UINT64_MAX) {
            off = 0;
            size = slim_archive_file_at(ar, fi)->size;
        } else {
            uint64_t ti = slim_archive_find_tensor(ar, name);
            if (ti == UINT64_MAX)
                cli_fail("%s: no file or tensor named '%s'", path, name);
            if (!a.out)
                cli_usage_fail("a tensor needs -o OUT (- for stdout)");
            const slim_archive_tensor *t = slim_archive_tensor_at(ar, ti);
            fi = t->file;
            off = t->offset;
            size = t->size;
        }
        uint8_t *buf = malloc(size ? (size_t)size : 1);
        if (!buf)
            cli_fail("out of memory for %llu bytes", (unsigned long long)size);
        e = slim_archive_read(ar, fi, off, size, buf, a.threads, &pe);
        if (!e) {
            cli_output *o = cli_output_open(a.out, 1);
            cli_output_write(o, buf, (size_t)size);
            cli_output_commit(o);
        }
        free(buf);
    }
    if (e)
        fail_archive(path, e, &pe);
    slim_archive_close(ar);
    return CLI_EXIT_OK;
}
