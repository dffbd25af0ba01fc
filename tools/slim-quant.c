/*
 * slim-quant: quantize float32 weights to ggml block types and back.
 *
 *   slim-quant types [--json]
 *   slim-quant raw --type T --cols N [--imatrix FILE] [--threads N] [--stats] IN -o OUT
 *   slim-quant raw --dequantize --type T --cols N [--threads N] IN -o OUT
 *   slim-quant info [--json]
 *   slim-quant gen --rows R --cols C [--seed S] -o OUT
 *
 * Work is done in chunks of rows so that the output is written while the
 * input is read, memory stays at one chunk beyond the input, and a progress
 * line can be drawn. Rows are independent, so the bytes do not depend on the
 * chunking or on the thread count.
 */
#include "slim.h"
#include "tools/cli.h"
#include "tools/cli_quant_convert.h"
#include "tools/cli_quant_report.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char usage_main[] =
    "Usage: slim-quant COMMAND [OPTIONS]\n"
    "\n"
    "Quantize float32 weights to ggml block types, bit-identical to ggml.\n"
    "\n"
    "Commands:\n"
    "  types [--json]        list the types this build can quantize\n"
    "  raw                   quantize headerless float32 rows, or dequantize them back\n"
    "  info [--json]         CPU features, kernel path, and the kernel used per type\n"
    "  gen                   write a deterministic weight-like float32 matrix\n"
    "  convert               a Hugging Face folder or GGUF file to a GGUF llama.cpp loads\n"
    "  report                per-tensor error of a quantized GGUF against the original\n"
    "\n"
    "'slim-quant COMMAND --help' shows a command's options.\n"
    "Exit status: 0 success, 1 failure, 2 usage error.\n"
    "Environment: SLIM_CPU=scalar|avx2|avx512|neon forces a kernel path.\n";

static const char usage_types[] =
    "Usage: slim-quant types [--json]\n"
    "\n"
    "Lists every type slim can quantize and dequantize: name (as ggml prints it),\n"
    "ggml type id, elements per block, bytes per block and bits per weight.\n"
    "\n"
    "  --json       one JSON array instead of a table\n";

static const char usage_raw[] =
    "Usage: slim-quant raw --type T --cols N [OPTIONS] IN -o OUT\n"
    "       slim-quant raw --dequantize --type T --cols N [OPTIONS] IN -o OUT\n"
    "\n"
    "Quantizes IN, headerless little-endian float32 rows of N values, into rows of\n"
    "type T (ggml's block layout, bit-identical to ggml's quantizer); with\n"
    "--dequantize, turns rows of type T back into float32. '-' is stdin/stdout.\n"
    "\n"
    "  -t, --type T        type name, case-insensitive (q4_K, iq4_xs, bf16; see 'types')\n"
    "  -c, --cols N        values per row; a multiple of the type's block size\n"
    "  -o, --output OUT    output file ('-' = stdout); written only when complete\n"
    "  -d, --dequantize    convert type T back to float32\n"
    "      --imatrix FILE  importance weights: exactly N float32, one per column\n"
    "  -j, --threads N     threads (default 0 = all cores); output does not depend on it\n"
    "      --optimize      search K-quant scales further (q2_K..q6_K): same format,\n"
    "                      lower weighted error, not ggml's bytes; much slower\n"
    "      --stats         also report size, bits per weight, error and speed\n"
    "      --json          with --stats: one JSON object\n"
    "\n"
    "--stats prints to stdout, or to stderr when OUT is stdout. The error is that of\n"
    "the dequantized rows against IN: relative RMSE, cosine and largest absolute error.\n";

static const char usage_info[] =
    "Usage: slim-quant info [--json]\n"
    "\n"
    "Shows the CPU features found, the kernel path in use (the widest the CPU\n"
    "supports, or the one SLIM_CPU names) and, per type, the path whose quantize\n"
    "and dequantize kernels run (a narrower one when a path lacks a kernel).\n"
    "\n"
    "  --json       one JSON object instead of text\n";

static const char usage_gen[] =
    "Usage: slim-quant gen --rows R --cols C [--seed S] -o OUT\n"
    "\n"
    "Writes R x C float32 values (little-endian, headerless) that look like a\n"
    "model's weights: near-Gaussian rows with a scale around 0.02, some input\n"
    "channels 4x larger and rare outliers. The same seed gives the same bytes on\n"
    "every machine; use it to try 'raw' or compare types without a model.\n"
    "\n"
    "  -r, --rows R        rows\n"
    "  -c, --cols C        values per row\n"
    "  -s, --seed S        seed (default 1)\n"
    "  -o, --output OUT    output file ('-' = stdout)\n";

/* Rows per chunk: about this many bytes of float32 per chunk. */
#define CHUNK_BYTES ((size_t)32 << 20)

/* ------------------------------------------------------------------ */
/* Shared pieces                                                       */

/* Fails unless SLIM_CPU (if set) could be honoured. */
static void require_cpu_path(void)
{
    slim_error e = slim_cpu_path_status();
    if (e == SLIM_OK)
        return;
    const char *env = getenv("SLIM_CPU");
    char supported[64] = "";
    for (int p = 0; p < SLIM_PATH_COUNT; p++) {
        if (slim_path_supported((slim_path)p)) {
            strcat(supported, supported[0] ? " " : "");
            strcat(supported, slim_path_name((slim_path)p));
        }
    }
    if (e == SLIM_ERR_INVALID_ARG)
        cli_fail("SLIM_CPU='%s' is not a kernel path (scalar, avx2, avx512 or neon)",
                 env ? env : "");
    cli_fail("SLIM_CPU='%s': this CPU cannot run that path (it supports: %s)",
             env ? env : "", supported);
}

/* The names of all types with kernels, comma-separated, for messages. */
static const char *kernel_type_list(void)
{
    static char list[512];
    list[0] = '\0';
    for (int t = 0; t < SLIM_TYPE_COUNT; t++) {
        const slim_type_info *info = slim_type_get((slim_type)t);
        if (info && info->has_kernels) {
            if (list[0])
                strncat(list, ", ", sizeof list - strlen(list) - 1);
            strncat(list, info->name, sizeof list - strlen(list) - 1);
        }
    }
    return list;
}

static const slim_type_info *parse_type(const char *name)
{
    slim_type type;
    if (slim_type_from_name(name, &type) != SLIM_OK)
        cli_fail("unknown type '%s'; valid types: %s", name, kernel_type_list());
    const slim_type_info *info = slim_type_get(type);
    if (!info->has_kernels)
        cli_fail("type '%s' has no kernels in this build; valid types: %s", info->name,
                 kernel_type_list());
    return info;
}

/* Input data as float32 in host order. Little-endian hosts use the bytes as
 * they are; a big-endian host gets a swapped copy. */
static const float *as_floats(const cli_input *in, float **copy)
{
    *copy = NULL;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    size_t n = in->size / 4;
    *copy = malloc(n ? n * 4 : 1);
    if (!*copy)
        cli_fail("out of memory");
    for (size_t i = 0; i < n; i++) {
        uint32_t v;
        memcpy(&v, in->data + 4 * i, 4);
        v = __builtin_bswap32(v);
        memcpy(*copy + i, &v, 4);
    }
    return *copy;
#else
    return (const float *)(const void *)in->data; /* mmap and malloc are aligned */
#endif
}

/* Writes n float32 values little-endian. */
static void write_floats(cli_output *out, const float *v, size_t n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    for (size_t i = 0; i < n; i++) {
        uint32_t w;
        memcpy(&w, v + i, 4);
        w = __builtin_bswap32(w);
        cli_output_write(out, &w, 4);
    }
#else
    cli_output_write(out, v, n * sizeof(float));
#endif
}

/* Allocates and touches n bytes, so page faults are not timed as work. */
static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        cli_fail("out of memory (%zu bytes)", n);
    memset(p, 0, n);
    return p;
}

/* Rows per chunk of a job of `rows` rows of `row_bytes` (the larger side of
 * the work): about CHUNK_BYTES, at least one row, at most `rows` (0 when
 * there is nothing to do, so no buffer is needed). */
static int64_t chunk_rows(size_t row_bytes, int64_t rows)
{
    int64_t r = (int64_t)(CHUNK_BYTES / (row_bytes ? row_bytes : 1));
    if (r < 1)
        r = 1;
    return r < rows ? r : rows;
}

/* Parses the options of a command with no other option than --json. */
static int parse_json_only(int argc, char **argv, const char *usage)
{
    static const struct option opts[] = {
        { "json", no_argument, NULL, 'J' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int json = 0, ch;
    while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (ch) {
        case 'J': json = 1; break;
        case 'h': cli_help(usage);
        default: cli_bad_option(argv, ch);
        }
    }
    if (optind < argc)
        cli_usage_fail("unexpected argument '%s'", argv[optind]);
    return json;
}

static void finish_stdout(void)
{
    if (fflush(stdout) != 0 || ferror(stdout))
        cli_fail("cannot write to stdout");
}

/* ------------------------------------------------------------------ */
/* types                                                               */

static int cmd_types(int argc, char **argv)
{
    int json = parse_json_only(argc, argv, usage_types);
    if (!json)
        printf("%-8s %3s %6s %6s %8s\n", "type", "id", "block", "bytes", "bits/w");
    else
        printf("[");
    int first = 1;
    for (int t = 0; t < SLIM_TYPE_COUNT; t++) {
        const slim_type_info *info = slim_type_get((slim_type)t);
        if (!info || !info->has_kernels)
            continue;
        double bpw = slim_type_bits_per_weight(info->type);
        if (!json) {
            printf("%-8s %3d %6lld %6zu %8.4f\n", info->name, (int)info->type,
                   (long long)info->block_size, info->block_bytes, bpw);
            continue;
        }
        printf("%s\n  {\"name\": ", first ? "" : ",");
        cli_json_string(stdout, info->name);
        printf(", \"id\": %d, \"block_size\": %lld, \"block_bytes\": %zu, "
               "\"bits_per_weight\": ", (int)info->type, (long long)info->block_size,
               info->block_bytes);
        cli_json_number(stdout, bpw);
        printf(", \"quantized\": %s}", info->is_quantized ? "true" : "false");
        first = 0;
    }
    if (json)
        printf("\n]\n");
    finish_stdout();
    return CLI_EXIT_OK;
}

/* ------------------------------------------------------------------ */
/* info                                                                */

static int cmd_info(int argc, char **argv)
{
    int json = parse_json_only(argc, argv, usage_info);
    char feats[256];
    slim_cpu_features_string(slim_cpu_features(), feats, sizeof feats);
    slim_path path = slim_cpu_path();
    slim_error status = slim_cpu_path_status();
    const char *env = getenv("SLIM_CPU");
    int forced = env && *env && status == SLIM_OK;

    if (json) {
        printf("{\n  \"version\": ");
        cli_json_string(stdout, slim_version());
        printf(",\n  \"cpu_features\": ");
        cli_json_string(stdout, feats);
        printf(",\n  \"threads\": %d,\n  \"supported_paths\": [", slim_cpu_count());
        for (int p = 0, n = 0; p < SLIM_PATH_COUNT; p++)
            if (slim_path_supported((slim_path)p)) {
                printf("%s", n++ ? ", " : "");
                cli_json_string(stdout, slim_path_name((slim_path)p));
            }
        printf("],\n  \"path\": ");
        cli_json_string(stdout, slim_path_name(path));
        printf(",\n  \"slim_cpu\": ");
        if (env && *env)
            cli_json_string(stdout, env);
        else
            printf("null");
        printf(",\n  \"slim_cpu_error\": ");
        if (status != SLIM_OK)
            cli_json_string(stdout, slim_strerror(status));
        else
            printf("null");
        printf(",\n  \"types\": [");
    } else {
        printf("slim %s\n", slim_version());
        printf("CPU features: %s\n", feats[0] ? feats : "(none)");
        printf("threads:      %d\n", slim_cpu_count());
        printf("paths:       ");
        for (int p = 0; p < SLIM_PATH_COUNT; p++)
            if (slim_path_supported((slim_path)p))
                printf(" %s", slim_path_name((slim_path)p));
        printf("\npath:         %s", slim_path_name(path));
        if (status != SLIM_OK)
            printf(" (SLIM_CPU='%s' not usable: %s)\n", env, slim_strerror(status));
        else
            printf(forced ? " (set by SLIM_CPU)\n" : " (widest supported)\n");
        printf("\n%-8s %-9s %s\n", "type", "quantize", "dequantize");
    }
    int first = 1;
    for (int t = 0; t < SLIM_TYPE_COUNT; t++) {
        const slim_type_info *info = slim_type_get((slim_type)t);
        if (!info || !info->has_kernels)
            continue;
        slim_path q, d;
        if (slim_type_kernel_paths(info->type, &q, &d) != SLIM_OK)
            continue;
        if (json) {
            printf("%s\n    {\"name\": ", first ? "" : ",");
            cli_json_string(stdout, info->name);
            printf(", \"quantize\": \"%s\", \"dequantize\": \"%s\"}", slim_path_name(q),
                   slim_path_name(d));
        } else {
            printf("%-8s %-9s %s\n", info->name, slim_path_name(q), slim_path_name(d));
        }
        first = 0;
    }
    if (json)
        printf("\n  ]\n}\n");
    finish_stdout();
    if (status != SLIM_OK)
        require_cpu_path(); /* prints why and exits 1 */
    return CLI_EXIT_OK;
}

/* ------------------------------------------------------------------ */
/* raw                                                                 */

typedef struct {
    const char *type_name, *cols_text, *imatrix_path, *in_path, *out_path;
    int dequantize, threads, stats, json, optimize;
} raw_options;

static void parse_raw(int argc, char **argv, raw_options *o)
{
    static const struct option opts[] = {
        { "type", required_argument, NULL, 't' },
        { "cols", required_argument, NULL, 'c' },
        { "output", required_argument, NULL, 'o' },
        { "dequantize", no_argument, NULL, 'd' },
        { "imatrix", required_argument, NULL, 'I' },
        { "threads", required_argument, NULL, 'j' },
        { "stats", no_argument, NULL, 'S' },
        { "json", no_argument, NULL, 'J' },
        { "optimize", no_argument, NULL, 'O' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    memset(o, 0, sizeof *o);
    int ch;
    while ((ch = getopt_long(argc, argv, ":t:c:o:dj:h", opts, NULL)) != -1) {
        switch (ch) {
        case 't': o->type_name = optarg; break;
        case 'c': o->cols_text = optarg; break;
        case 'o': o->out_path = optarg; break;
        case 'd': o->dequantize = 1; break;
        case 'I': o->imatrix_path = optarg; break;
        case 'j': o->threads = (int)cli_parse_int("--threads", optarg, 0, 4096); break;
        case 'S': o->stats = 1; break;
        case 'J': o->json = 1; break;
        case 'O': o->optimize = 1; break;
        case 'h': cli_help(usage_raw);
        default: cli_bad_option(argv, ch);
        }
    }
    if (optind == argc)
        cli_usage_fail("raw: missing input file (use '-' for stdin)");
    if (argc - optind > 1)
        cli_usage_fail("raw: one input file expected, got '%s' and '%s'", argv[optind],
                       argv[optind + 1]);
    o->in_path = argv[optind];
    if (!o->type_name)
        cli_usage_fail("raw: missing --type");
    if (!o->cols_text)
        cli_usage_fail("raw: missing --cols");
    if (!o->out_path)
        cli_usage_fail("raw: missing -o OUT (use '-o -' for stdout)");
    if (o->dequantize && o->imatrix_path)
        cli_usage_fail("raw: --imatrix is for quantizing, not with --dequantize");
    if (o->dequantize && o->stats)
        cli_usage_fail("raw: --stats is for quantizing, not with --dequantize");
    if (o->json && !o->stats)
        cli_usage_fail("raw: --json goes with --stats");
    if (o->imatrix_path && strcmp(o->imatrix_path, "-") == 0 && strcmp(o->in_path, "-") == 0)
        cli_usage_fail("raw: the input and --imatrix cannot both be stdin");
}

/* Loads and checks the importance weights: exactly `cols` finite floats. */
static const float *load_imatrix(const char *path, int64_t cols, cli_input *in, float **copy)
{
    cli_read_all(path, in);
    if (in->size != (uint64_t)cols * sizeof(float))
        cli_fail("imatrix '%s' has %zu bytes; expected %lld (%lld float32 weights, one per "
                 "column)", in->name, in->size, (long long)cols * 4, (long long)cols);
    const float *w = as_floats(in, copy);
    for (int64_t c = 0; c < cols; c++)
        if (!isfinite(w[c]))
            cli_fail("imatrix '%s': weight %lld is %s", in->name, (long long)c,
                     isnan(w[c]) ? "NaN" : "Inf");
    return w;
}

/* What --stats prints: human-readable, or JSON. */
static void print_stats(FILE *f, const raw_options *o, const slim_type_info *info,
                        int64_t rows, int64_t cols, uint64_t out_bytes,
                        const slim_error_stats *st, double seconds)
{
    double in_bytes = (double)rows * (double)cols * 4.0;
    double mbs = seconds > 0 ? in_bytes / seconds / 1e6 : 0.0;
    double bpw = slim_type_bits_per_weight(info->type);
    slim_path qpath = SLIM_PATH_SCALAR;
    slim_type_kernel_paths(info->type, &qpath, NULL);
    if (o->json) {
        fprintf(f, "{\"type\": ");
        cli_json_string(f, info->name);
        fprintf(f, ", \"rows\": %lld, \"cols\": %lld, \"bytes\": %llu, \"bits_per_weight\": ",
                (long long)rows, (long long)cols, (unsigned long long)out_bytes);
        cli_json_number(f, bpw);
        fprintf(f, ", \"rel_rmse\": ");
        cli_json_number(f, st->rel_rmse);
        fprintf(f, ", \"rmse\": ");
        cli_json_number(f, st->rmse);
        fprintf(f, ", \"cosine\": ");
        cli_json_number(f, st->cosine);
        fprintf(f, ", \"max_abs_err\": ");
        cli_json_number(f, st->max_abs_err);
        fprintf(f, ", \"seconds\": ");
        cli_json_number(f, seconds);
        fprintf(f, ", \"mb_per_s\": ");
        cli_json_number(f, mbs);
        fprintf(f, ", \"imatrix\": %s, \"path\": \"%s\", \"threads\": %d}\n",
                o->imatrix_path ? "true" : "false", slim_path_name(qpath),
                o->threads > 0 ? o->threads : slim_cpu_count());
        return;
    }
    char size[32];
    fprintf(f, "%-7s %9s  %6.3f bpw  rel RMSE %.5f  cos %.6f  max err %-8.3g  %6.3f s  %7.1f MB/s\n",
            info->name, cli_format_bytes((double)out_bytes, size, sizeof size), bpw,
            st->rel_rmse, st->cosine, st->max_abs_err, seconds, mbs);
}

static int raw_quantize(const raw_options *o, const slim_type_info *info, int64_t cols,
                        size_t row_bytes)
{
    cli_input in, imx_in = { 0 };
    float *in_copy, *imx_copy = NULL;
    const float *imatrix = NULL;
    if (o->imatrix_path)
        imatrix = load_imatrix(o->imatrix_path, cols, &imx_in, &imx_copy);
    cli_read_all(o->in_path, &in);
    uint64_t in_row = (uint64_t)cols * sizeof(float);
    if (in.size % in_row != 0)
        cli_fail("'%s' has %zu bytes: not a whole number of rows of %lld float32 values "
                 "(%llu bytes each)", in.name, in.size, (long long)cols,
                 (unsigned long long)in_row);
    int64_t rows = (int64_t)(in.size / in_row);
    const float *src = as_floats(&in, &in_copy);

    int64_t step = chunk_rows(in_row, rows);
    uint8_t *buf = xmalloc((size_t)step * row_bytes);
    float *back = o->stats ? xmalloc((size_t)step * (size_t)in_row) : NULL;
    slim_error_stats st = { 0 };
    slim_error_stats_add(&st, NULL, NULL, 0);   /* valid results even for no rows */
    double seconds = 0;

    cli_output *out = cli_output_open(o->out_path, 1);
    cli_progress prog;
    cli_progress_start(&prog, "quantizing", in.size);
    for (int64_t r = 0; r < rows; r += step) {
        int64_t n = rows - r < step ? rows - r : step;
        const float *chunk = src + r * cols;
        slim_position where;
        double t0 = cli_now();
        slim_error e = (o->optimize ? slim_quantize_optimized : slim_quantize)(
            info->type, chunk, buf, n, cols, imatrix, o->threads, &where);
        seconds += cli_now() - t0;
        if (e == SLIM_ERR_NONFINITE) {
            cli_progress_end(&prog);
            float v = chunk[where.row * cols + where.col];
            cli_fail("'%s': %s at row %lld, column %lld (counting from 0); nothing written",
                     in.name, isnan(v) ? "NaN" : "Inf", (long long)(r + where.row),
                     (long long)where.col);
        }
        if (e != SLIM_OK) {
            cli_progress_end(&prog);
            cli_fail("quantizing to %s failed: %s", info->name, slim_strerror(e));
        }
        cli_output_write(out, buf, (size_t)n * row_bytes);
        if (back) {
            e = slim_dequantize(info->type, buf, back, n, cols, o->threads);
            if (e != SLIM_OK)
                cli_fail("dequantizing %s failed: %s", info->name, slim_strerror(e));
            slim_error_stats_add(&st, chunk, back, n * cols);
        }
        cli_progress_update(&prog, (uint64_t)(r + n) * in_row);
    }
    cli_progress_end(&prog);
    int to_stdout = strcmp(o->out_path, "-") == 0;
    cli_output_commit(out);
    if (o->stats) {
        FILE *f = to_stdout ? stderr : stdout;
        print_stats(f, o, info, rows, cols, (uint64_t)rows * row_bytes, &st, seconds);
        if (f == stdout)
            finish_stdout();
    }
    free(back);
    free(buf);
    free(in_copy);
    free(imx_copy);
    cli_input_free(&in);
    if (o->imatrix_path)
        cli_input_free(&imx_in);
    return CLI_EXIT_OK;
}

static int raw_dequantize(const raw_options *o, const slim_type_info *info, int64_t cols,
                          size_t row_bytes)
{
    cli_input in;
    cli_read_all(o->in_path, &in);
    if (in.size % row_bytes != 0)
        cli_fail("'%s' has %zu bytes: not a whole number of %s rows of %lld values "
                 "(%zu bytes each)", in.name, in.size, info->name, (long long)cols, row_bytes);
    int64_t rows = (int64_t)(in.size / row_bytes);
    size_t out_row = (size_t)cols * sizeof(float);
    int64_t step = chunk_rows(out_row, rows);
    float *buf = xmalloc((size_t)step * out_row);

    cli_output *out = cli_output_open(o->out_path, 1);
    cli_progress prog;
    cli_progress_start(&prog, "dequantizing", in.size);
    for (int64_t r = 0; r < rows; r += step) {
        int64_t n = rows - r < step ? rows - r : step;
        slim_error e = slim_dequantize(info->type, in.data + (size_t)r * row_bytes, buf, n,
                                       cols, o->threads);
        if (e != SLIM_OK) {
            cli_progress_end(&prog);
            cli_fail("dequantizing %s failed: %s", info->name, slim_strerror(e));
        }
        write_floats(out, buf, (size_t)(n * cols));
        cli_progress_update(&prog, (uint64_t)(r + n) * row_bytes);
    }
    cli_progress_end(&prog);
    cli_output_commit(out);
    free(buf);
    cli_input_free(&in);
    return CLI_EXIT_OK;
}

static int cmd_raw(int argc, char **argv)
{
    raw_options o;
    parse_raw(argc, argv, &o);
    int64_t cols = cli_parse_int("--cols", o.cols_text, 1, INT64_MAX / 4);
    const slim_type_info *info = parse_type(o.type_name);
    size_t row_bytes;
    slim_error e = slim_row_size(info->type, cols, &row_bytes);
    if (e == SLIM_ERR_SHAPE)
        cli_fail("--cols %lld is not a multiple of %s's block size %lld", (long long)cols,
                 info->name, (long long)info->block_size);
    if (e != SLIM_OK)
        cli_fail("--cols %lld: %s", (long long)cols, slim_strerror(e));
    require_cpu_path();
    return o.dequantize ? raw_dequantize(&o, info, cols, row_bytes)
                        : raw_quantize(&o, info, cols, row_bytes);
}

/* ------------------------------------------------------------------ */
/* gen                                                                 */

static int cmd_gen(int argc, char **argv)
{
    static const struct option opts[] = {
        { "rows", required_argument, NULL, 'r' },
        { "cols", required_argument, NULL, 'c' },
        { "seed", required_argument, NULL, 's' },
        { "output", required_argument, NULL, 'o' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int64_t rows = -1, cols = -1, seed = 1;
    const char *out_path = NULL;
    int ch;
    while ((ch = getopt_long(argc, argv, ":r:c:s:o:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'r': rows = cli_parse_int("--rows", optarg, 0, INT64_MAX); break;
        case 'c': cols = cli_parse_int("--cols", optarg, 1, INT64_MAX); break;
        case 's': seed = cli_parse_int("--seed", optarg, 0, INT64_MAX); break;
        case 'o': out_path = optarg; break;
        case 'h': cli_help(usage_gen);
        default: cli_bad_option(argv, ch);
        }
    }
    if (optind < argc)
        cli_usage_fail("gen: unexpected argument '%s'", argv[optind]);
    if (rows < 0 || cols < 0)
        cli_usage_fail("gen: --rows and --cols are required");
    if (!out_path)
        cli_usage_fail("gen: missing -o OUT (use '-o -' for stdout)");
    if ((uint64_t)cols > SIZE_MAX / sizeof(float) ||
        (rows > 0 && (uint64_t)rows > UINT64_MAX / ((uint64_t)cols * sizeof(float))))
        cli_fail("gen: %lld x %lld values is too large", (long long)rows, (long long)cols);

    size_t row_bytes = (size_t)cols * sizeof(float);
    int64_t step = chunk_rows(row_bytes, rows);
    float *buf = xmalloc((size_t)step * row_bytes);
    cli_output *out = cli_output_open(out_path, 1);
    cli_progress prog;
    cli_progress_start(&prog, "generating", (uint64_t)rows * row_bytes);
    for (int64_t r = 0; r < rows; r += step) {
        int64_t n = rows - r < step ? rows - r : step;
        slim_error e = slim_synth_weights(buf, r, n, cols, (uint64_t)seed);
        if (e != SLIM_OK)
            cli_fail("gen: %s", slim_strerror(e));
        write_floats(out, buf, (size_t)(n * cols));
        cli_progress_update(&prog, (uint64_t)(r + n) * row_bytes);
    }
    cli_progress_end(&prog);
    cli_output_commit(out);
    free(buf);
    return CLI_EXIT_OK;
}

/* ------------------------------------------------------------------ */

static const cli_command commands[] = {
    { "types", cmd_types },
    { "raw", cmd_raw },
    { "info", cmd_info },
    { "gen", cmd_gen },
    { "convert", cli_quant_convert },
    { "report", cli_quant_report },
};

int main(int argc, char **argv)
{
    return cli_main("slim-quant", usage_main, commands, sizeof commands / sizeof commands[0],
                    argc, argv);
}
