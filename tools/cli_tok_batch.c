/*
 * slim-tok batch and slim-tok merge: the command-line face of
 * slim_batch_run() and slim_tokfile_merge(). Options are turned into
 * slim_batch_options, the input list is expanded (and cut for --shard K/N)
 * by slim_corpus_list, progress is drawn on a terminal, and the final
 * statistics go to stderr, or to stdout as JSON with --json. SIGINT and
 * SIGTERM stop the run through its cancel flag (cli_cancel.c), so the
 * library removes its temporary files before the signal is raised again.
 */
#include "tools/cli_tok_batch.h"
#include "tools/cli.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage_batch[] =
    "Usage: slim-tok batch [OPTIONS] -o OUT INPUT...\n"
    "\n"
    "Tokenizes whole corpora into training token files, on every core. INPUTs are\n"
    "files, folders (read recursively, sorted by name), glob patterns or '-' (stdin);\n"
    "any of them may be zstd-compressed (told by its magic bytes). The output is the\n"
    "same bytes for every thread count, documents in input order, and appears only\n"
    "when the run succeeded.\n"
    "\n"
    "  -t, --tokenizer NAME|FILE  a built-in name (default o200k_base), a tokenizer.json\n"
    "                             (plain or .zst) or a .tiktoken rank file (--pattern)\n"
    "      --pattern REGEX        split pattern for a rank file\n"
    "      --special TEXT=ID      a special token of a rank file (repeatable)\n"
    "      --input text|jsonl     text (default): see --split; jsonl: one JSON object\n"
    "                             per line, the document in --field\n"
    "      --split file|lines|paragraphs  text input: each file is one document\n"
    "                             (default), or each non-empty line, or each run of\n"
    "                             non-blank lines\n"
    "      --field F              the jsonl field holding the text (default text)\n"
    "  -o, --output OUT           output file (megatron: prefix of OUT.bin and OUT.idx)\n"
    "      --format bin|npy|megatron|jsonl  flat ids (default), a numpy array,\n"
    "                             Megatron-LM's indexed dataset, or one JSON array of\n"
    "                             ids per document\n"
    "      --dtype auto|uint16|uint32|int32  id width (auto: uint16 when the vocabulary\n"
    "                             fits, else uint32; int32 for megatron)\n"
    "      --eos[=ID|TEXT]        end each document with the end-of-text token (the\n"
    "                             default: the tokenizer's, e.g. <|endoftext|>)\n"
    "      --no-eos               no token after each document\n"
    "      --bos[=ID|TEXT]        start each document with the begin token\n"
    "      --allow-special        special-token text becomes the special token\n"
    "      --disallow-special     special-token text is an error\n"
    "                             (default: special-token text is ordinary text)\n"
    "      --invalid replace|skip|fail  invalid UTF-8: U+FFFD per bad byte (default),\n"
    "                             drop the bytes, or fail\n"
    "      --on-error fail|skip   a malformed jsonl line or one without the field:\n"
    "                             fail with file and line (default), or skip and count\n"
    "      --shard-size N         numbered outputs (OUT-00000.bin, ...) of at most N\n"
    "                             tokens each, cut at document boundaries (suffixes\n"
    "                             K, M, G: thousands, millions, billions)\n"
    "      --shard K/N            take only part K (0-based) of N of the input list:\n"
    "                             run N jobs, then 'slim-tok merge' their outputs\n"
    "      --manifest FILE        where to write the manifest (default OUT.manifest.json)\n"
    "      --no-manifest          write none\n"
    "  -j, --threads N            tokenizing threads (default: all cores)\n"
    "      --chunk-size N         bytes per work unit (default 1M; suffixes K, M)\n"
    "      --json                 print the final statistics as JSON on stdout\n"
    "\n"
    "Memory stays about 10 x threads x chunk size. On a terminal a progress line\n"
    "shows bytes read, documents, tokens, MB/s and ETA; the final statistics\n"
    "(documents, tokens, bytes per token, time) go to stderr.\n";

static const char usage_merge[] =
    "Usage: slim-tok merge [OPTIONS] -o OUT INPUT...\n"
    "\n"
    "Joins token files in the order given: the outputs of 'slim-tok batch --shard\n"
    "K/N' runs, or shards of one run. npy headers and Megatron indexes are checked\n"
    "and rebuilt; bin files are concatenated.\n"
    "\n"
    "  -o, --output OUT           merged file (megatron: prefix of OUT.bin, OUT.idx)\n"
    "      --format auto|bin|npy|megatron  input format; auto (default): npy by its\n"
    "                             magic, megatron when INPUT.idx exists, else bin\n"
    "                             (megatron INPUTs are prefixes)\n"
    "      --json                 print the result as JSON on stdout\n";

enum { OPT_PATTERN = 256, OPT_SPECIAL, OPT_INPUT, OPT_SPLIT, OPT_FIELD, OPT_FORMAT, OPT_DTYPE,
       OPT_EOS, OPT_NO_EOS, OPT_BOS, OPT_ALLOW, OPT_DISALLOW, OPT_INVALID, OPT_ON_ERROR,
       OPT_SHARD_SIZE, OPT_SHARD, OPT_MANIFEST, OPT_NO_MANIFEST, OPT_CHUNK, OPT_JSON };

/* Index of `v` in the NULL-terminated `names`; a usage error otherwise. */
static int pick(const char *opt, const char *v, const char *const *names)
{
    for (int i = 0; names[i]; i++)
        if (strcmp(v, names[i]) == 0)
            return i;
    cli_usage_fail("%s: unknown value '%s'", opt, v);
}

/* A count with an optional suffix: K, M, G times `unit`, unit^2, unit^3. */
static uint64_t parse_size(const char *opt, const char *v, uint64_t unit)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (end == v || errno || v[0] == '-')
        cli_usage_fail("%s: '%s' is not a size", opt, v);
    uint64_t mul = 1;
    if (*end) {
        const char *s = strchr("KMG", end[0] & ~0x20);
        if (!s || end[1])
            cli_usage_fail("%s: '%s' is not a size (suffix K, M or G)", opt, v);
        for (long k = 0; k <= s - "KMG"; k++)
            mul *= unit;
    }
    if (n == 0 || n > UINT64_MAX / mul)
        cli_usage_fail("%s: '%s' is out of range", opt, v);
    return (uint64_t)n * mul;
}

typedef struct batch_cli {
    const char *tokenizer, *pattern, *out, *manifest, *eos_arg, *bos_arg;
    char *specials[64];
    int n_specials, json, no_manifest, eos, bos;
    uint32_t part, parts;
    slim_batch_options o;
} batch_cli;

static void parse_shard(batch_cli *c, const char *v)
{
    unsigned k, n;
    char tail;
    if (sscanf(v, "%u/%u%c", &k, &n, &tail) != 2 || n == 0 || k >= n)
        cli_usage_fail("--shard wants K/N with 0 <= K < N, not '%s'", v);
    c->part = k;
    c->parts = n;
}

static void parse_batch(int argc, char **argv, batch_cli *c)
{
    static const struct option opts[] = {
        {"tokenizer", required_argument, NULL, 't'},
        {"pattern", required_argument, NULL, OPT_PATTERN},
        {"special", required_argument, NULL, OPT_SPECIAL},
        {"input", required_argument, NULL, OPT_INPUT},
        {"split", required_argument, NULL, OPT_SPLIT},
        {"field", required_argument, NULL, OPT_FIELD},
        {"output", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"dtype", required_argument, NULL, OPT_DTYPE},
        {"eos", optional_argument, NULL, OPT_EOS},
        {"no-eos", no_argument, NULL, OPT_NO_EOS},
        {"bos", optional_argument, NULL, OPT_BOS},
        {"allow-special", no_argument, NULL, OPT_ALLOW},
        {"disallow-special", no_argument, NULL, OPT_DISALLOW},
        {"invalid", required_argument, NULL, OPT_INVALID},
        {"on-error", required_argument, NULL, OPT_ON_ERROR},
        {"shard-size", required_argument, NULL, OPT_SHARD_SIZE},
        {"shard", required_argument, NULL, OPT_SHARD},
        {"manifest", required_argument, NULL, OPT_MANIFEST},
        {"no-manifest", no_argument, NULL, OPT_NO_MANIFEST},
        {"threads", required_argument, NULL, 'j'},
        {"chunk-size", required_argument, NULL, OPT_CHUNK},
        {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char *const inputs[] = { "text", "jsonl", NULL };
    static const char *const splits[] = { "file", "lines", "paragraphs", NULL };
    static const char *const formats[] = { "bin", "npy", "megatron", "jsonl", NULL };
    static const char *const dtypes[] = { "auto", "uint16", "uint32", "int32", NULL };
    static const char *const invalids[] = { "replace", "skip", "fail", NULL };
    static const char *const on_errors[] = { "fail", "skip", NULL };
    memset(c, 0, sizeof *c);
    c->tokenizer = "o200k_base";
    c->eos = 1;
    int jsonl = 0, split = SLIM_SPLIT_FILE, ch;
    while ((ch = getopt_long(argc, argv, ":t:o:j:h", opts, NULL)) != -1) {
        switch (ch) {
        case 't': c->tokenizer = optarg; break;
        case OPT_PATTERN: c->pattern = optarg; break;
        case OPT_SPECIAL:
            if (c->n_specials == (int)(sizeof c->specials / sizeof c->specials[0]))
                cli_usage_fail("too many --special options");
            c->specials[c->n_specials++] = optarg;
            break;
        case OPT_INPUT: jsonl = pick("--input", optarg, inputs); break;
        case OPT_SPLIT: split = pick("--split", optarg, splits); break;
        case OPT_FIELD: c->o.field = optarg; break;
        case 'o': c->out = optarg; break;
        case OPT_FORMAT: c->o.format = (slim_tokfile_format)pick("--format", optarg, formats); break;
        case OPT_DTYPE: c->o.dtype = (slim_tokfile_dtype)pick("--dtype", optarg, dtypes); break;
        case OPT_EOS: c->eos = 1; c->eos_arg = optarg; break;
        case OPT_NO_EOS: c->eos = 0; break;
        case OPT_BOS: c->bos = 1; c->bos_arg = optarg; break;
        case OPT_ALLOW: c->o.special = SLIM_SPECIAL_ALLOW; break;
        case OPT_DISALLOW: c->o.special = SLIM_SPECIAL_DISALLOW; break;
        case OPT_INVALID: c->o.invalid = (slim_invalid_mode)pick("--invalid", optarg, invalids); break;
        case OPT_ON_ERROR: c->o.skip_bad_records = pick("--on-error", optarg, on_errors); break;
        case OPT_SHARD_SIZE: c->o.shard_tokens = parse_size("--shard-size", optarg, 1000); break;
        case OPT_SHARD: parse_shard(c, optarg); break;
        case OPT_MANIFEST: c->manifest = optarg; break;
        case OPT_NO_MANIFEST: c->no_manifest = 1; break;
        case 'j': c->o.threads = (int)cli_parse_int("--threads", optarg, 1, 1024); break;
        case OPT_CHUNK:
            c->o.chunk_size = (size_t)parse_size("--chunk-size", optarg, 1024);
            if (c->o.chunk_size > (1u << 30))
                cli_usage_fail("--chunk-size: at most 1G");
            break;
        case OPT_JSON: c->json = 1; break;
        case 'h': cli_help(usage_batch);
        default: cli_bad_option(argv, ch);
        }
    }
    if (jsonl && split != SLIM_SPLIT_FILE)
        cli_usage_fail("--split applies to text input, not to --input jsonl");
    if (!jsonl && c->o.field)
        cli_usage_fail("--field applies to --input jsonl");
    c->o.split = jsonl ? SLIM_SPLIT_JSONL : (slim_corpus_split)split;
    if (!c->out)
        cli_usage_fail("missing -o OUT");
    if (optind == argc)
        cli_usage_fail("missing INPUT (a file, folder, pattern or '-')");
    if (c->o.format == SLIM_TOKFILE_MEGATRON && c->o.dtype == SLIM_TOKFILE_U32)
        cli_usage_fail("megatron has no uint32: use --dtype int32");
}

/* The id of --eos=ARG / --bos=ARG: a number, a special token's text, or
 * (no ARG) the tokenizer's own. */
static int64_t special_id(const slim_tokenizer *tok, const char *opt, const char *arg, int eos)
{
    uint32_t id;
    if (!arg) {
        if ((eos ? slim_tokenizer_eos(tok, &id) : slim_tokenizer_bos(tok, &id)) != SLIM_OK)
            cli_usage_fail("%s: this tokenizer has no %s token; give one as %s=ID or %s=TEXT",
                           opt, eos ? "end-of-text" : "begin", opt, opt);
        return id;
    }
    if (arg[0] >= '0' && arg[0] <= '9')
        return cli_parse_int(opt, arg, 0, (int64_t)slim_tokenizer_vocab_size(tok) - 1);
    slim_tokenizer_info info;
    slim_tokenizer_get_info(tok, &info);
    for (size_t i = 0; i < info.n_specials; i++) {
        const char *text;
        if (slim_tokenizer_special(tok, i, &text, &id) == SLIM_OK && strcmp(text, arg) == 0)
            return id;
    }
    cli_usage_fail("%s: '%s' is not a special token of this tokenizer", opt, arg);
}

/* ---- progress ---- */

static const char *count_text(double v, char *buf, size_t size)
{
    if (v >= 1e9)
        snprintf(buf, size, "%.2fG", v / 1e9);
    else if (v >= 1e6)
        snprintf(buf, size, "%.2fM", v / 1e6);
    else if (v >= 1e4)
        snprintf(buf, size, "%.1fk", v / 1e3);
    else
        snprintf(buf, size, "%.0f", v);
    return buf;
}

static void on_progress(void *ctx, const slim_batch_stats *s)
{
    char note[96], d[24], t[24];
    snprintf(note, sizeof note, "%s docs, %s tokens", count_text((double)s->documents, d, sizeof d),
             count_text((double)s->tokens, t, sizeof t));
    cli_progress_update_note(ctx, s->read_bytes, note);
}

/* ---- batch ---- */

static void fail_run(slim_error e, const slim_batch_where *w, char **files, size_t n_files,
                     const batch_cli *c, const slim_tokenizer *tok)
{
    const char *name = w->input < n_files ? files[w->input] : "?";
    if (strcmp(name, "-") == 0)
        name = "stdin";
    char at[600];
    if (w->line)
        snprintf(at, sizeof at, "%s:%" PRIu64, name, w->line);
    else
        snprintf(at, sizeof at, "%s", name);
    switch (e) {
    case SLIM_ERR_BAD_JSON:
        cli_fail("%s: invalid JSON at column %" PRIu64 " (--on-error=skip skips such lines)", at,
                 w->offset + 1);
    case SLIM_ERR_NOT_FOUND:
        cli_fail("%s: no string field '%s' (--field names another; --on-error=skip skips)", at,
                 c->o.field ? c->o.field : "text");
    case SLIM_ERR_BAD_UTF8:
        cli_fail("%s: invalid UTF-8 at byte %" PRIu64 " of the document", at, w->offset);
    case SLIM_ERR_SPECIAL_TOKEN: {
        size_t l = 0;
        const char *t = w->token >= 0 ? slim_tokenizer_token(tok, (uint32_t)w->token, &l) : NULL;
        cli_fail("%s: special token %.*s at byte %" PRIu64 " of the document (use "
                 "--allow-special to encode it as such, or leave both options out to encode "
                 "it as text)", at, (int)l, t ? t : "?", w->offset);
    }
    case SLIM_ERR_OVERFLOW:
        if (w->token >= 0)
            cli_fail("%s: token id %" PRId64 " does not fit the output's dtype (use --dtype)",
                     at, w->token);
        cli_fail("%s: %s", at, w->reason);
    case SLIM_ERR_IO:
        cli_fail("%s: %s: %s", w->reason && strcmp(w->reason, "cannot read") == 0 ? at : c->out,
                 w->reason, strerror(errno));
    default:
        cli_fail("%s: %s (%s)", at, w->reason, slim_strerror(e));
    }
}

static void print_stats(const slim_batch_stats *s, int json, const char *format)
{
    double bpt = s->tokens > s->documents ? (double)s->text_bytes / (double)(s->tokens) : 0;
    double mbs = s->seconds > 0 ? (double)s->text_bytes / s->seconds / 1e6 : 0;
    if (!json) {
        cli_error("%" PRIu64 " documents, %" PRIu64 " tokens, %.2f bytes/token, %.2f s, "
                  "%.1f MB/s, %zu output file%s%s", s->documents, s->tokens, bpt, s->seconds,
                  mbs, s->n_outputs, s->n_outputs == 1 ? "" : "s",
                  s->skipped_records ? " (malformed lines skipped)" : "");
        if (s->skipped_records)
            cli_error("%" PRIu64 " malformed line%s skipped", s->skipped_records,
                      s->skipped_records == 1 ? "" : "s");
        if (s->invalid_bytes)
            cli_error("%" PRIu64 " invalid UTF-8 byte%s replaced or dropped", s->invalid_bytes,
                      s->invalid_bytes == 1 ? "" : "s");
        return;
    }
    printf("{\"format\": \"%s\", \"files\": %" PRIu64 ", \"documents\": %" PRIu64
           ", \"tokens\": %" PRIu64 ", \"text_bytes\": %" PRIu64 ", \"read_bytes\": %" PRIu64
           ", \"skipped_records\": %" PRIu64 ", \"invalid_bytes\": %" PRIu64
           ", \"bytes_per_token\": ", format, s->files, s->documents, s->tokens,
           s->text_bytes, s->read_bytes, s->skipped_records, s->invalid_bytes);
    cli_json_number(stdout, bpt);
    fputs(", \"seconds\": ", stdout);
    cli_json_number(stdout, s->seconds);
    fputs(", \"outputs\": [", stdout);
    for (size_t i = 0; i < s->n_outputs; i++) {
        const slim_batch_output *o = &s->outputs[i];
        printf("%s{\"path\": ", i ? ", " : "");
        cli_json_string(stdout, o->path);
        printf(", \"documents\": %" PRIu64 ", \"tokens\": %" PRIu64 ", \"bytes\": %" PRIu64
               ", \"xxh3\": \"%016" PRIx64 "\"}", o->documents, o->tokens, o->bytes, o->xxh3);
    }
    puts("]}");
    if (fflush(stdout) != 0 || ferror(stdout))
        cli_fail("cannot write to stdout");
}

static const char *const format_names[] = { "bin", "npy", "megatron", "jsonl" };

int cli_tok_batch(int argc, char **argv, cli_tok_open_fn open_tokenizer)
{
    batch_cli c;
    parse_batch(argc, argv, &c);
    char **files = NULL;
    size_t n_files = 0;
    slim_parse_error pe;
    slim_error e = slim_corpus_list((const char *const *)argv + optind, (size_t)(argc - optind),
                                    c.part, c.parts, &files, &n_files, &pe);
    if (e)
        cli_fail("cannot read '%s': %s", argv[optind + pe.file], pe.reason);
    slim_tokenizer *tok = open_tokenizer(c.tokenizer, c.pattern, c.specials, c.n_specials);
    c.o.tok = tok;
    c.o.eos = c.eos ? special_id(tok, "--eos", c.eos_arg, 1) : -1;
    c.o.bos = c.bos ? special_id(tok, "--bos", c.bos_arg, 0) : -1;
    c.o.output = c.out;
    char *manifest = NULL;
    if (!c.no_manifest) {
        manifest = malloc(strlen(c.out) + 16);
        if (!manifest)
            cli_fail("out of memory");
        sprintf(manifest, "%s.manifest.json", c.out);
        c.o.manifest = c.manifest ? c.manifest : manifest;
    }
    cli_progress pg;
    cli_progress_start(&pg, "read", 0);
    c.o.progress = on_progress;
    c.o.progress_ctx = &pg;
    c.o.cancel = cli_cancel_flag();
    /* The total is known once the list is: sizes of the regular files. */
    uint64_t total = 0;
    for (size_t i = 0; i < n_files; i++) {
        struct stat st;
        if (strcmp(files[i], "-") != 0 && stat(files[i], &st) == 0 && S_ISREG(st.st_mode))
            total += (uint64_t)st.st_size;
    }
    pg.total = total;
    slim_batch_stats s;
    slim_batch_where w;
    e = slim_batch_run((const char *const *)files, n_files, &c.o, &s, &w);
    cli_progress_end(&pg);
    cli_cancel_reraise();
    if (e)
        fail_run(e, &w, files, n_files, &c, tok);
    print_stats(&s, c.json, format_names[c.o.format]);
    slim_batch_stats_free(&s);
    slim_corpus_list_free(files, n_files);
    slim_tokenizer_free(tok);
    free(manifest);
    return CLI_EXIT_OK;
}

/* ---- merge ---- */

static slim_tokfile_format detect_format(const char *path)
{
    FILE *f = fopen(path, "rb");
    char head[6] = {0};
    size_t n = f ? fread(head, 1, sizeof head, f) : 0;
    if (f)
        fclose(f);
    if (n == 6 && memcmp(head, "\x93NUMPY", 6) == 0)
        return SLIM_TOKFILE_NPY;
    size_t l = strlen(path);
    char *idx = malloc(l + 5);
    if (!idx)
        cli_fail("out of memory");
    memcpy(idx, path, l);
    memcpy(idx + l, ".idx", 5);
    int is_meg = access(idx, F_OK) == 0;
    free(idx);
    return is_meg ? SLIM_TOKFILE_MEGATRON : SLIM_TOKFILE_BIN;
}

int cli_tok_merge(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char *const formats[] = { "auto", "bin", "npy", "megatron", NULL };
    const char *out = NULL;
    int format = 0, json = 0, ch;
    while ((ch = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'o': out = optarg; break;
        case OPT_FORMAT: format = pick("--format", optarg, formats); break;
        case OPT_JSON: json = 1; break;
        case 'h': cli_help(usage_merge);
        default: cli_bad_option(argv, ch);
        }
    }
    if (!out)
        cli_usage_fail("missing -o OUT");
    if (optind == argc)
        cli_usage_fail("missing INPUT");
    slim_tokfile_format f = format ? (slim_tokfile_format)(format - 1) : detect_format(argv[optind]);
    slim_batch_stats s;
    slim_parse_error pe;
    double t0 = cli_now();
    slim_error e = slim_tokfile_merge(f, (const char *const *)argv + optind,
                                      (size_t)(argc - optind), out, &s, &pe);
    if (e == SLIM_ERR_IO)
        cli_fail("%s: %s: %s", argv[optind + pe.file], pe.reason, strerror(errno));
    if (e)
        cli_fail("%s: %s at byte %" PRIu64 " (%s)", argv[optind + pe.file], pe.reason, pe.offset,
                 slim_strerror(e));
    s.seconds = cli_now() - t0;
    s.files = (uint64_t)(argc - optind);
    if (json)
        print_stats(&s, 1, format_names[f]);
    else
        cli_error("merged %d %s file%s into %s (%" PRIu64 " %s)", argc - optind,
                  format_names[f], argc - optind == 1 ? "" : "s", out,
                  f == SLIM_TOKFILE_BIN ? (s.n_outputs ? s.outputs[0].bytes : 0) : s.tokens,
                  f == SLIM_TOKFILE_BIN ? "bytes" : "tokens");
    slim_batch_stats_free(&s);
    return CLI_EXIT_OK;
}
