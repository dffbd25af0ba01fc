/*
 * slim-quant report ORIGINAL QUANTIZED.gguf: how far each tensor of a
 * quantized GGUF is from the original weights.
 *
 * Both sides are dequantized to float32 a chunk of rows at a time (so memory
 * stays at two chunks beyond the mapped files) and compared with
 * slim_error_stats: relative RMSE, cosine similarity, largest absolute
 * error, plus bits per weight from the stored bytes. With --imatrix the
 * importance-weighted squared error sum_j w_j (x_j - q_j)^2 is added: the
 * quantity ggml's quantizers minimise, used to measure --optimize.
 *
 * ORIGINAL is a GGUF file of any type slim dequantizes (F32, F16, BF16,
 * Q8_0, ...) matched by tensor name, or a Hugging Face folder (or a
 * .safetensors / .index.json in one), which is first converted to an F32
 * GGUF in a temporary directory by slim_convert (the same names, and Q/K
 * un-permuted, as the converter writes them).
 */
#include "slim.h"
#include "tools/cli.h"
#include "tools/cli_quant_report.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage_report[] =
    "Usage: slim-quant report [OPTIONS] ORIGINAL QUANTIZED.gguf\n"
    "\n"
    "Compares every tensor of QUANTIZED.gguf with the same tensor of ORIGINAL:\n"
    "relative RMSE, cosine similarity, largest absolute error and bits per weight,\n"
    "then a summary over the whole model. ORIGINAL is a GGUF file (F32, F16, BF16\n"
    "or any type slim reads), matched by tensor name, or a Hugging Face model\n"
    "folder (converted to F32 in a temporary directory first, with the names and\n"
    "Q/K layout that 'convert' writes).\n"
    "\n"
    "  --imatrix FILE   llama.cpp importance matrix (GGUF or .dat): also report the\n"
    "                   importance-weighted squared error (what ggml minimises)\n"
    "  -j, --threads N  threads (default 0 = all cores)\n"
    "      --json       one JSON object instead of a table\n"
    "\n"
    "A tensor of QUANTIZED that ORIGINAL lacks is listed as missing; a shape\n"
    "that differs is an error (exit 1).\n";

/* Rows per chunk: about this many floats on each side. */
#define CHUNK_FLOATS ((int64_t)1 << 22)

typedef struct tensor_report {
    const char     *name;
    slim_type       type, orig_type;
    int64_t         n;
    uint64_t        bytes;
    slim_error_stats st;
    double          wsq;        /* importance-weighted squared error; NAN if none */
    int             missing;
} tensor_report;

typedef struct report_opts {
    const char *orig_path, *quant_path, *imatrix_path;
    int threads, json;
} report_opts;

static char temp_dir[4096];
static char temp_file[4200];

static void remove_temp(void)
{
    if (temp_file[0])
        unlink(temp_file);
    if (temp_dir[0])
        rmdir(temp_dir);
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* A Hugging Face model as an F32 GGUF in a temporary directory. */
static const char *convert_original(const char *input, int threads)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(temp_dir, sizeof temp_dir, "%s/slim-report-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(temp_dir))
        cli_fail("report: cannot create a temporary directory in %s", tmp ? tmp : "/tmp");
    atexit(remove_temp);
    snprintf(temp_file, sizeof temp_file, "%s/original-f32.gguf", temp_dir);
    slim_convert_options co = { .type = "F32", .threads = threads };
    slim_convert *c = NULL;
    char msg[512] = "";
    slim_error e = slim_convert_plan(input, &co, &c, msg, sizeof msg);
    if (e == SLIM_OK)
        e = slim_convert_write(c, temp_file, NULL, NULL, msg, sizeof msg);
    slim_convert_free(c);
    if (e != SLIM_OK)
        cli_fail("report: %s: %s", input, msg[0] ? msg : slim_strerror(e));
    return temp_file;
}

static slim_gguf *open_gguf(const char *path)
{
    slim_gguf *g = NULL;
    slim_parse_error pe;
    slim_error e = slim_gguf_open(path, &g, &pe);
    if (e != SLIM_OK)
        cli_fail("report: %s: %s (%s at byte %llu)", path, slim_strerror(e),
                 pe.reason ? pe.reason : "?", (unsigned long long)pe.offset);
    return g;
}

static int64_t elements(const slim_gguf_tensor *t)
{
    int64_t n = 1;
    for (int i = 0; i < SLIM_GGUF_MAX_DIMS; i++)
        n *= t->ne[i];
    return n;
}

static int same_shape(const slim_gguf_tensor *a, const slim_gguf_tensor *b)
{
    for (int i = 0; i < SLIM_GGUF_MAX_DIMS; i++)
        if (a->ne[i] != b->ne[i])
            return 0;
    return 1;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        cli_fail("report: out of memory (%zu bytes)", n);
    return p;
}

/* Dequantizes both tensors chunk by chunk and accumulates the statistics. */
static void compare_tensor(const slim_gguf_tensor *o, const slim_gguf_tensor *q,
                           const slim_imatrix *imx, int threads, float *a, float *b,
                           int64_t chunk_rows, tensor_report *r)
{
    int64_t cols = q->ne[0], rows = elements(q) / cols;
    size_t orow, qrow;
    if (slim_row_size(o->type, cols, &orow) != SLIM_OK ||
        slim_row_size(q->type, cols, &qrow) != SLIM_OK)
        cli_fail("report: %s: rows of %lld values do not fit its type", q->name,
                 (long long)cols);
    const slim_imatrix_entry *w = imx ? slim_imatrix_find(imx, q->name) : NULL;
    if (w && w->n_values != cols)
        w = NULL;   /* per-expert or mismatched weights: not used */
    r->wsq = w ? 0.0 : NAN;
    for (int64_t r0 = 0; r0 < rows; r0 += chunk_rows) {
        int64_t n = rows - r0 < chunk_rows ? rows - r0 : chunk_rows;
        slim_error e = slim_dequantize(o->type, (const uint8_t *)o->data + (size_t)r0 * orow, a,
                                       n, cols, threads);
        if (e == SLIM_OK)
            e = slim_dequantize(q->type, (const uint8_t *)q->data + (size_t)r0 * qrow, b, n,
                                cols, threads);
        if (e != SLIM_OK)
            cli_fail("report: %s: cannot read %s or %s rows: %s", q->name,
                     slim_type_get(o->type)->name, slim_type_get(q->type)->name,
                     slim_strerror(e));
        slim_error_stats_add(&r->st, a, b, n * cols);
        if (w)
            for (int64_t i = 0; i < n; i++)
                for (int64_t j = 0; j < cols; j++) {
                    double d = (double)b[i * cols + j] - a[i * cols + j];
                    r->wsq += w->values[j] * d * d;
                }
    }
}

static void print_table(const report_opts *o, const tensor_report *rs, size_t n,
                        const tensor_report *total, size_t missing, int have_w)
{
    printf("%-32s %-7s %7s %11s %10s %11s%s\n", "tensor", "type", "bpw", "rel_rmse", "cosine",
           "max_abs", have_w ? "  weighted_sq_err" : "");
    for (size_t i = 0; i < n; i++) {
        const tensor_report *r = &rs[i];
        if (r->missing) {
            printf("%-32s %-7s   (not in %s)\n", r->name, slim_type_get(r->type)->name,
                   o->orig_path);
            continue;
        }
        printf("%-32s %-7s %7.3f %11.3e %10.6f %11.3e", r->name, slim_type_get(r->type)->name,
               8.0 * (double)r->bytes / (double)r->n, r->st.rel_rmse, r->st.cosine,
               r->st.max_abs_err);
        if (have_w)
            printf("  %15.6e", r->wsq);
        printf("\n");
    }
    char b1[32];
    printf("\nsummary: %zu tensors (%zu missing), %lld weights, %s, %.3f bits per weight\n",
           n, missing, (long long)total->n, cli_format_bytes((double)total->bytes, b1, sizeof b1),
           8.0 * (double)total->bytes / (double)(total->n ? total->n : 1));
    printf("         rel_rmse %.4e, cosine %.6f, max_abs %.4e, squared error %.6e",
           total->st.rel_rmse, total->st.cosine, total->st.max_abs_err, total->st.sum_err2);
    if (have_w)
        printf(", weighted %.6e", total->wsq);
    printf("\n");
}

static void json_stats(const tensor_report *r, int have_w)
{
    printf("\"n_weights\":%lld,\"bytes\":%llu,\"bits_per_weight\":", (long long)r->n,
           (unsigned long long)r->bytes);
    cli_json_number(stdout, 8.0 * (double)r->bytes / (double)(r->n ? r->n : 1));
    printf(",\"rel_rmse\":");
    cli_json_number(stdout, r->st.rel_rmse);
    printf(",\"rmse\":");
    cli_json_number(stdout, r->st.rmse);
    printf(",\"cosine\":");
    cli_json_number(stdout, r->st.cosine);
    printf(",\"max_abs_err\":");
    cli_json_number(stdout, r->st.max_abs_err);
    printf(",\"sq_err\":");
    cli_json_number(stdout, r->st.sum_err2);
    if (have_w) {
        printf(",\"weighted_sq_err\":");
        cli_json_number(stdout, r->wsq);
    }
}

static void print_json(const report_opts *o, const tensor_report *rs, size_t n,
                       const tensor_report *total, size_t missing, int have_w)
{
    printf("{\"original\":");
    cli_json_string(stdout, o->orig_path);
    printf(",\"quantized\":");
    cli_json_string(stdout, o->quant_path);
    printf(",\"tensors\":[");
    for (size_t i = 0; i < n; i++) {
        const tensor_report *r = &rs[i];
        printf("%s{\"name\":", i ? "," : "");
        cli_json_string(stdout, r->name);
        printf(",\"type\":");
        cli_json_string(stdout, slim_type_get(r->type)->name);
        if (r->missing) {
            printf(",\"missing\":true}");
            continue;
        }
        printf(",\"original_type\":");
        cli_json_string(stdout, slim_type_get(r->orig_type)->name);
        printf(",");
        json_stats(r, have_w && !isnan(r->wsq));
        printf("}");
    }
    printf("],\"summary\":{\"tensors\":%zu,\"missing\":%zu,", n, missing);
    json_stats(total, have_w);
    printf("}}\n");
}

static void parse_report(int argc, char **argv, report_opts *o)
{
    static const struct option opts[] = {
        { "imatrix", required_argument, NULL, 'i' },
        { "threads", required_argument, NULL, 'j' },
        { "json", no_argument, NULL, 'J' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    memset(o, 0, sizeof *o);
    int ch;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":j:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'i': o->imatrix_path = optarg; break;
        case 'j': o->threads = (int)cli_parse_int("--threads", optarg, 0, 4096); break;
        case 'J': o->json = 1; break;
        case 'h': cli_help(usage_report);
        default: cli_bad_option(argv, ch);
        }
    }
    if (argc - optind < 2)
        cli_usage_fail("report: needs ORIGINAL and QUANTIZED.gguf");
    if (argc - optind > 2)
        cli_usage_fail("report: unexpected argument '%s'", argv[optind + 2]);
    o->orig_path = argv[optind];
    o->quant_path = argv[optind + 1];
}

int cli_quant_report(int argc, char **argv)
{
    report_opts o;
    parse_report(argc, argv, &o);
    const char *orig = o.orig_path;
    if (is_dir(orig) || ends_with(orig, ".safetensors") || ends_with(orig, ".index.json"))
        orig = convert_original(orig, o.threads);
    slim_gguf *go = open_gguf(orig), *gq = open_gguf(o.quant_path);
    slim_imatrix *imx = NULL;
    if (o.imatrix_path) {
        slim_parse_error pe;
        slim_error e = slim_imatrix_open(o.imatrix_path, &imx, &pe);
        if (e != SLIM_OK)
            cli_fail("report: %s: %s (%s at byte %llu)", o.imatrix_path, slim_strerror(e),
                     pe.reason ? pe.reason : "?", (unsigned long long)pe.offset);
    }

    size_t n = (size_t)slim_gguf_tensor_count(gq), missing = 0;
    tensor_report *rs = xmalloc(n * sizeof *rs);
    int64_t max_cols = 1;
    for (size_t i = 0; i < n; i++)
        if (slim_gguf_tensor_at(gq, i)->ne[0] > max_cols)
            max_cols = slim_gguf_tensor_at(gq, i)->ne[0];
    int64_t chunk_rows = CHUNK_FLOATS / max_cols > 0 ? CHUNK_FLOATS / max_cols : 1;
    float *a = xmalloc((size_t)(chunk_rows * max_cols) * sizeof *a);
    float *b = xmalloc((size_t)(chunk_rows * max_cols) * sizeof *b);
    tensor_report total = { .name = "total" };
    int have_w = imx != NULL;

    cli_progress prog;
    uint64_t done = 0, all = 0;
    for (size_t i = 0; i < n; i++)
        all += slim_gguf_tensor_at(gq, i)->size;
    cli_progress_start(&prog, "comparing", all);
    for (size_t i = 0; i < n; i++) {
        const slim_gguf_tensor *q = slim_gguf_tensor_at(gq, i);
        const slim_gguf_tensor *src = slim_gguf_find_tensor(go, q->name);
        tensor_report *r = &rs[i];
        memset(r, 0, sizeof *r);
        r->name = q->name;
        r->type = q->type;
        r->n = elements(q);
        r->bytes = q->size;
        if (!src) {
            r->missing = 1;
            missing++;
            continue;
        }
        if (!same_shape(src, q))
            cli_fail("report: %s: shape differs between %s and %s", q->name, o.orig_path,
                     o.quant_path);
        r->orig_type = src->type;
        compare_tensor(src, q, imx, o.threads, a, b, chunk_rows, r);
        slim_error_stats_merge(&total.st, &r->st);
        total.n += r->n;
        total.bytes += r->bytes;
        if (!isnan(r->wsq))
            total.wsq += r->wsq;
        done += q->size;
        cli_progress_update(&prog, done);
    }
    cli_progress_end(&prog);
    if (o.json)
        print_json(&o, rs, n, &total, missing, have_w);
    else
        print_table(&o, rs, n, &total, missing, have_w);
    if (fflush(stdout) != 0)
        cli_fail("report: cannot write the report");
    free(a);
    free(b);
    free(rs);
    slim_imatrix_close(imx);
    slim_gguf_close(go);
    slim_gguf_close(gq);
    return CLI_EXIT_OK;
}
