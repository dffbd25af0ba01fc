/*
 * slim-quant convert: plans with slim_convert_plan, prints the plan for
 * --dry-run, else writes with slim_convert_write under a progress line
 * (current tensor, MB/s, ETA) and ends with one summary line.
 */
#include "slim.h"
#include "tools/cli.h"
#include "tools/cli_quant_convert.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_convert[] =
    "Usage: slim-quant convert INPUT --type T -o OUT.gguf [OPTIONS]\n"
    "       slim-quant convert INPUT --type T --dry-run [--json]\n"
    "\n"
    "Converts a Hugging Face model folder (config.json + model.safetensors or a\n"
    "sharded model.safetensors.index.json; LlamaForCausalLM, MistralForCausalLM,\n"
    "Qwen2ForCausalLM, Qwen3ForCausalLM; F32/F16/BF16 weights) or a GGUF file\n"
    "(F32/F16/BF16/Q8_0 tensors) into a GGUF file that llama.cpp loads, with the\n"
    "tensors (names, types, bytes) of convert_hf_to_gguf.py [+ llama-quantize].\n"
    "Tensors are streamed one by one with all threads; the output appears only when\n"
    "complete.\n"
    "\n"
    "  -t, --type T            llama.cpp's file type: F32, F16, BF16, Q8_0 (what\n"
    "                          convert_hf_to_gguf.py --outtype writes), or a mix with\n"
    "                          llama-quantize's per-tensor rules: Q4_0, Q4_1, Q5_0, Q5_1,\n"
    "                          Q2_K, Q3_K_S, Q3_K_M, Q3_K_L, Q4_K_S, Q4_K_M, Q5_K_S,\n"
    "                          Q5_K_M, Q6_K, IQ4_NL, IQ4_XS, TQ1_0, TQ2_0, MXFP4\n"
    "      --pure              every quantizable tensor gets the type's one tensor type\n"
    "                          (as llama-quantize --pure); where llama.cpp would fail on\n"
    "                          rows that are not whole blocks, F16 is used and reported\n"
    "      --tensor-type P=T   tensors whose name matches the regex P get type T\n"
    "                          (repeatable; the first match wins; as llama-quantize)\n"
    "      --imatrix FILE      llama.cpp importance matrix (GGUF or legacy .dat) for the\n"
    "                          quantized tensors, as llama-quantize --imatrix\n"
    "      --optimize          search scales that lower the weighted error in the same\n"
    "                          formats (K-quants; llama.cpp loads the file, its bytes\n"
    "                          differ from llama-quantize's; much slower)\n"
    "      --no-tokenizer      write no tokenizer.* metadata (weights only; llama.cpp\n"
    "                          needs the tokenizer to run the model)\n"
    "  -o, --output OUT        the GGUF file to write\n"
    "      --dry-run           print the plan (every tensor's type and size), write nothing\n"
    "      --json              with --dry-run: the plan as one JSON object\n"
    "  -j, --threads N         threads (default 0 = all cores); output does not depend on it\n"
    "\n"
    "Errors name the file, tensor or key at fault: an unsupported architecture,\n"
    "missing files or tensors, shapes that disagree with config.json, NaN or Inf\n"
    "weights, a full disk. On any error no output is left behind.\n";

typedef struct convert_args {
    const char *input, *output;
    const char **tensor_types;
    size_t n_tensor_types;
    slim_convert_options opt;
    int dry_run, json;
} convert_args;

static void parse_args(int argc, char **argv, convert_args *a)
{
    static const struct option opts[] = {
        { "type", required_argument, NULL, 't' },
        { "output", required_argument, NULL, 'o' },
        { "threads", required_argument, NULL, 'j' },
        { "pure", no_argument, NULL, 'p' },
        { "tensor-type", required_argument, NULL, 'T' },
        { "dry-run", no_argument, NULL, 'n' },
        { "imatrix", required_argument, NULL, 'I' },
        { "no-tokenizer", no_argument, NULL, 'N' },
        { "optimize", no_argument, NULL, 'O' },
        { "json", no_argument, NULL, 'J' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    a->tensor_types = calloc((size_t)argc + 1, sizeof *a->tensor_types);
    if (!a->tensor_types)
        cli_fail("out of memory");
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":t:o:j:h", opts, NULL)) != -1) {
        switch (ch) {
        case 't': a->opt.type = optarg; break;
        case 'o': a->output = optarg; break;
        case 'j': a->opt.threads = (int)cli_parse_int("--threads", optarg, 0, 4096); break;
        case 'p': a->opt.pure = 1; break;
        case 'T': a->tensor_types[a->n_tensor_types++] = optarg; break;
        case 'n': a->dry_run = 1; break;
        case 'I': a->opt.imatrix = optarg; break;
        case 'N': a->opt.no_tokenizer = 1; break;
        case 'O': a->opt.optimize = 1; break;
        case 'J': a->json = 1; break;
        case 'h': cli_help(usage_convert);
        default: cli_bad_option(argv, ch);
        }
    }
    if (optind + 1 != argc)
        cli_usage_fail(optind >= argc ? "missing INPUT" : "more than one INPUT");
    a->input = argv[optind];
    if (!a->opt.type)
        cli_usage_fail("--type is required");
    if (!a->dry_run && !a->output)
        cli_usage_fail("-o OUT is required (or --dry-run)");
    if (a->json && !a->dry_run)
        cli_usage_fail("--json goes with --dry-run");
    a->opt.tensor_types = a->tensor_types;
    /* SIGINT, SIGTERM, SIGHUP stop the write after its current chunk; the
     * library removes its temporary file, then the signal is raised again. */
    if (!a->dry_run)
        a->opt.cancel = cli_cancel_flag();
    a->opt.n_tensor_types = a->n_tensor_types;
}

static void print_plan(const slim_convert *c, int json)
{
    const slim_convert_info *in = slim_convert_get_info(c);
    uint64_t n = slim_convert_tensor_count(c);
    if (json) {
        printf("{\"arch\":");
        cli_json_string(stdout, in->arch);
        printf(",\"source_arch\":");
        cli_json_string(stdout, in->source_arch);
        printf(",\"file_type\":%u,\"params\":%llu,\"src_bytes\":%llu,\"out_bytes\":%llu,"
               "\"fallbacks\":%llu,\"tensors\":[", in->file_type,
               (unsigned long long)in->n_params, (unsigned long long)in->src_bytes,
               (unsigned long long)in->out_bytes, (unsigned long long)in->n_fallback);
        for (uint64_t i = 0; i < n; i++) {
            const slim_convert_tensor *t = slim_convert_tensor_at(c, i);
            printf("%s{\"name\":", i ? "," : "");
            cli_json_string(stdout, t->name);
            printf(",\"source\":");
            cli_json_string(stdout, t->source);
            printf(",\"src_type\":\"%s\",\"type\":\"%s\",\"ne\":[", slim_type_get(t->src_type)->name,
                   slim_type_get(t->type)->name);
            for (int d = 0; d < t->n_dims; d++)
                printf("%s%lld", d ? "," : "", (long long)t->ne[d]);
            printf("],\"src_bytes\":%llu,\"out_bytes\":%llu,\"fallback\":%s}",
                   (unsigned long long)t->src_bytes, (unsigned long long)t->out_bytes,
                   t->fallback ? "true" : "false");
        }
        printf("]}\n");
        return;
    }
    char a[32], b[32];
    printf("%-32s %-20s %-6s %12s %12s\n", "tensor", "shape", "type", "source", "output");
    for (uint64_t i = 0; i < n; i++) {
        const slim_convert_tensor *t = slim_convert_tensor_at(c, i);
        char shape[64];
        int k = 0;
        for (int d = 0; d < t->n_dims && k < (int)sizeof shape; d++)
            k += snprintf(shape + k, sizeof shape - (size_t)k, "%s%lld", d ? "x" : "",
                          (long long)t->ne[d]);
        printf("%-32s %-20s %-6s %12s %12s%s\n", t->name, shape, slim_type_get(t->type)->name,
               cli_format_bytes((double)t->src_bytes, a, sizeof a),
               cli_format_bytes((double)t->out_bytes, b, sizeof b),
               t->fallback == 2 ? "  (f16: llama.cpp has no fallback)"
               : t->fallback ? "  (llama.cpp's fallback)" : "");
    }
    printf("%llu tensors, %s -> %s, %.2f bits per weight, file type %u\n",
           (unsigned long long)n, cli_format_bytes((double)in->src_bytes, a, sizeof a),
           cli_format_bytes((double)in->out_bytes, b, sizeof b),
           in->n_params ? 8.0 * (double)in->out_bytes / (double)in->n_params : 0.0,
           in->file_type);
}

/* Where llama.cpp would fail (no fallback type) each tensor is named; its
 * own fallbacks are normal for small rows and only counted. */
static void report_fallbacks(const slim_convert *c, int quiet)
{
    uint64_t own = 0;
    for (uint64_t i = 0; !quiet && i < slim_convert_tensor_count(c); i++) {
        const slim_convert_tensor *t = slim_convert_tensor_at(c, i);
        own += t->fallback == 1;
        if (t->fallback == 2)
            cli_error("%s: rows of %lld columns are not whole blocks of the type chosen and "
                      "llama.cpp has no fallback for it: written as f16", t->name,
                      (long long)t->ne[0]);
    }
    if (own)
        cli_error("%llu tensors have rows that are not whole blocks of the type chosen: "
                  "llama.cpp's fallback types are used (see --dry-run)", (unsigned long long)own);
}

typedef struct progress_ctx {
    cli_progress bar;
    const slim_convert *c;
    char label[96];   /* "[12/201] blk.1.attn_q.weight" */
} progress_ctx;

static void on_progress(void *ctx, uint64_t tensor, uint64_t done, uint64_t total)
{
    progress_ctx *p = ctx;
    (void)total;
    snprintf(p->label, sizeof p->label, "[%llu/%llu] %s", (unsigned long long)tensor + 1,
             (unsigned long long)slim_convert_tensor_count(p->c),
             slim_convert_tensor_at(p->c, tensor)->name);
    p->bar.label = p->label;
    cli_progress_update(&p->bar, done);
}

int cli_quant_convert(int argc, char **argv)
{
    convert_args a = { 0 };
    parse_args(argc, argv, &a);
    slim_error e = slim_cpu_path_status();
    if (e)
        cli_fail("SLIM_CPU: %s", slim_strerror(e));
    char msg[512];
    slim_convert *c = NULL;
    double t0 = cli_now();
    e = slim_convert_plan(a.input, &a.opt, &c, msg, sizeof msg);
    if (e)
        cli_fail("%s", msg);
    const slim_convert_info *in = slim_convert_get_info(c);
    report_fallbacks(c, a.json);
    if (a.dry_run) {
        print_plan(c, a.json);
        slim_convert_free(c);
        free(a.tensor_types);
        return CLI_EXIT_OK;
    }
    progress_ctx p = { .c = c };
    cli_progress_start(&p.bar, "", in->src_bytes);
    e = slim_convert_write(c, a.output, on_progress, &p, msg, sizeof msg);
    cli_progress_end(&p.bar);
    cli_cancel_reraise();
    if (e)
        cli_fail("%s", msg);
    double dt = cli_now() - t0;
    char s1[32], s2[32];
    fprintf(stderr, "%s: %s -> %s: %llu tensors, %s -> %s, %.2f bits per weight, %.2f s (%.0f MB/s)\n",
            cli_prog(), a.input, a.output, (unsigned long long)slim_convert_tensor_count(c),
            cli_format_bytes((double)in->src_bytes, s1, sizeof s1),
            cli_format_bytes((double)in->out_bytes, s2, sizeof s2),
            in->n_params ? 8.0 * (double)in->out_bytes / (double)in->n_params : 0.0, dt,
            dt > 0 ? (double)in->src_bytes / dt / 1e6 : 0.0);
    slim_convert_free(c);
    free(a.tensor_types);
    return CLI_EXIT_OK;
}
