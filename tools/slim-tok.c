/*
 * slim-tok: exact tiktoken tokenization (encode, decode, count, info).
 *
 *   slim-tok encode [-t NAME|FILE] [--input text|jsonl] [--field F]
 *                   [--output text|jsonl] [--allow-special|--disallow-special]
 *                   [--invalid replace|skip|fail] [--stats] [-o OUT] [FILE...]
 *   slim-tok decode [-t NAME|FILE] [--input text|jsonl] [--output text|jsonl] [-o OUT] [FILE...]
 *   slim-tok count  [-t NAME|FILE] [--input text|jsonl] [--field F] [...] [FILE...]
 *   slim-tok info   [-t NAME|FILE]
 *
 * Documents are processed one at a time into reused buffers; the output is
 * buffered and written through cli_output (complete files only).
 */
#define _GNU_SOURCE /* open_memstream */
#include "slim.h"
#include "tools/cli.h"
#include "tools/cli_tok_batch.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

static const char usage_main[] =
    "Usage: slim-tok COMMAND [OPTIONS] [FILE...]\n"
    "\n"
    "Tokenize text exactly as OpenAI's tiktoken does.\n"
    "\n"
    "Commands:\n"
    "  encode     text to token ids\n"
    "  decode     token ids to text\n"
    "  count      tokens per document and in total\n"
    "  info       describe a tokenizer\n"
    "  batch      tokenize corpora into training token files, on every core\n"
    "  merge      join token files (bin, npy, megatron) in order\n"
    "\n"
    "'slim-tok COMMAND --help' shows a command's options.\n"
    "Built-in tokenizers: o200k_base (default), cl100k_base, p50k_base, p50k_edit,\n"
    "r50k_base, gpt2.\n"
    "Exit status: 0 success, 1 failure, 2 usage error.\n";

#define TOKENIZER_HELP                                                                   \
    "  -t, --tokenizer NAME|FILE  a built-in name (default o200k_base), a Hugging Face\n" \
    "                             tokenizer.json (plain or .zst), a GGUF model (its\n"    \
    "                             tokenizer.ggml.* vocabulary) or a .tiktoken rank\n"     \
    "                             file, which needs --pattern\n"                          \
    "      --pattern REGEX        split pattern for a rank file (PCRE2 syntax)\n"         \
    "      --special TEXT=ID      a special token of a rank file (repeatable)\n"

#define INPUT_HELP                                                                       \
    "      --input text|jsonl     text: each FILE (or stdin) is one document (default);\n" \
    "                             jsonl: one JSON object per line\n"                        \
    "      --field F              the jsonl field holding the text (default text)\n"      \
    "      --allow-special        special-token text becomes the special token\n"         \
    "      --disallow-special     special-token text is an error (with its offset)\n"     \
    "                             (default: special-token text is ordinary text)\n"       \
    "      --invalid replace|skip|fail  invalid UTF-8 in the input: replace each bad\n"   \
    "                             byte with U+FFFD (default, counted on stderr), drop\n"  \
    "                             it, or fail\n"

static const char usage_encode[] =
    "Usage: slim-tok encode [OPTIONS] [FILE...]\n"
    "\n"
    "Encodes each document into token ids: one line per document, in input order.\n"
    "\n" TOKENIZER_HELP INPUT_HELP
    "      --output text|jsonl    text: ids separated by spaces (default); jsonl: a\n"
    "                             JSON array per document\n"
    "      --add-special          add the tokenizer.json post-processor's special\n"
    "                             tokens (e.g. BOS), or a GGUF's add_bos_token /\n"
    "                             add_eos_token ones, around each document\n"
    "  -o, --output-file OUT      output file ('-' = stdout, the default)\n"
    "      --stats                report documents, bytes, tokens and MB/s on stderr\n";

static const char usage_decode[] =
    "Usage: slim-tok decode [OPTIONS] [FILE...]\n"
    "\n"
    "Decodes token ids, one document per line (text: ids separated by spaces or\n"
    "commas; jsonl: a JSON array of ids). Text output writes each document's text\n"
    "followed by a newline, with invalid UTF-8 replaced by U+FFFD; jsonl output\n"
    "writes {\"text\": ...} per document.\n"
    "\n" TOKENIZER_HELP
    "      --input text|jsonl     input form (default text)\n"
    "      --output text|jsonl    output form (default text)\n"
    "  -o, --output-file OUT      output file ('-' = stdout, the default)\n";

static const char usage_count[] =
    "Usage: slim-tok count [OPTIONS] [FILE...]\n"
    "\n"
    "Prints the number of tokens of each document, one per line, then 'total N'.\n"
    "\n" TOKENIZER_HELP INPUT_HELP
    "  -o, --output-file OUT      output file ('-' = stdout, the default)\n"
    "      --stats                report documents, bytes, tokens and MB/s on stderr\n";

static const char usage_info[] =
    "Usage: slim-tok info [-t NAME|FILE] [--pattern REGEX] [--special TEXT=ID]...\n"
    "\n"
    "Prints the tokenizer's kind, vocabulary size, split pattern, pre-tokenizer\n"
    "and special tokens.\n";

enum { IN_TEXT, IN_JSONL };
enum { INVALID_REPLACE, INVALID_SKIP, INVALID_FAIL };

typedef struct options {
    const char *tokenizer, *pattern, *field, *out_path;
    slim_special_token specials[64];
    size_t n_specials;
    int input, output, invalid, stats, add_special;
    slim_special_mode mode;
    char **files;
    int n_files;
} options;

enum { OPT_PATTERN = 256, OPT_SPECIAL, OPT_INPUT, OPT_FIELD, OPT_OUTPUT, OPT_ALLOW,
       OPT_DISALLOW, OPT_INVALID, OPT_STATS, OPT_ADD_SPECIAL };

static int parse_form(const char *opt, const char *v)
{
    if (strcmp(v, "text") == 0)
        return IN_TEXT;
    if (strcmp(v, "jsonl") == 0)
        return IN_JSONL;
    cli_usage_fail("%s must be text or jsonl, not '%s'", opt, v);
}

static void parse_special(options *o, char *arg)
{
    char *eq = strrchr(arg, '=');
    if (!eq || eq == arg)
        cli_usage_fail("--special wants TEXT=ID, not '%s'", arg);
    if (o->n_specials == sizeof o->specials / sizeof o->specials[0])
        cli_usage_fail("too many --special options");
    *eq = 0;
    o->specials[o->n_specials].text = arg;
    o->specials[o->n_specials].id = (uint32_t)cli_parse_int("--special", eq + 1, 0, UINT32_MAX);
    o->n_specials++;
}

static void parse_options(int argc, char **argv, const char *usage, options *o)
{
    static const struct option opts[] = {
        {"tokenizer", required_argument, NULL, 't'},
        {"pattern", required_argument, NULL, OPT_PATTERN},
        {"special", required_argument, NULL, OPT_SPECIAL},
        {"input", required_argument, NULL, OPT_INPUT},
        {"field", required_argument, NULL, OPT_FIELD},
        {"output", required_argument, NULL, OPT_OUTPUT},
        {"output-file", required_argument, NULL, 'o'},
        {"allow-special", no_argument, NULL, OPT_ALLOW},
        {"disallow-special", no_argument, NULL, OPT_DISALLOW},
        {"invalid", required_argument, NULL, OPT_INVALID},
        {"stats", no_argument, NULL, OPT_STATS},
        {"add-special", no_argument, NULL, OPT_ADD_SPECIAL},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->tokenizer = "o200k_base";
    o->field = "text";
    o->out_path = "-";
    int ch;
    while ((ch = getopt_long(argc, argv, ":t:o:h", opts, NULL)) != -1) {
        switch (ch) {
        case 't': o->tokenizer = optarg; break;
        case OPT_PATTERN: o->pattern = optarg; break;
        case OPT_SPECIAL: parse_special(o, optarg); break;
        case OPT_INPUT: o->input = parse_form("--input", optarg); break;
        case OPT_FIELD: o->field = optarg; break;
        case OPT_OUTPUT: o->output = parse_form("--output", optarg); break;
        case 'o': o->out_path = optarg; break;
        case OPT_ALLOW: o->mode = SLIM_SPECIAL_ALLOW; break;
        case OPT_DISALLOW: o->mode = SLIM_SPECIAL_DISALLOW; break;
        case OPT_INVALID:
            if (strcmp(optarg, "replace") == 0)
                o->invalid = INVALID_REPLACE;
            else if (strcmp(optarg, "skip") == 0)
                o->invalid = INVALID_SKIP;
            else if (strcmp(optarg, "fail") == 0)
                o->invalid = INVALID_FAIL;
            else
                cli_usage_fail("--invalid must be replace, skip or fail, not '%s'", optarg);
            break;
        case OPT_STATS: o->stats = 1; break;
        case OPT_ADD_SPECIAL: o->add_special = 1; break;
        case 'h': cli_help(usage);
        default: cli_bad_option(argv, ch);
        }
    }
    o->files = argv + optind;
    o->n_files = argc - optind;
}

static slim_tokenizer *open_tokenizer(const options *o)
{
    slim_tokenizer *tok = NULL;
    slim_error err = slim_tokenizer_builtin(o->tokenizer, &tok);
    if (err == SLIM_OK) {
        if (o->pattern || o->n_specials)
            cli_usage_fail("--pattern and --special apply to a rank file, not to built-in '%s'",
                           o->tokenizer);
        return tok;
    }
    if (err != SLIM_ERR_NOT_FOUND)
        cli_fail("cannot load built-in tokenizer '%s': %s", o->tokenizer, slim_strerror(err));
    /* A tokenizer.json (or .json.zst) is told from a rank file by content. */
    FILE *f = fopen(o->tokenizer, "rb");
    char head[64];
    size_t nhead = f ? fread(head, 1, sizeof head, f) : 0;
    if (f)
        fclose(f);
    int is_gguf = f && slim_tokenizer_is_gguf(head, nhead);
    if (f && (is_gguf || slim_tokenizer_is_hf(head, nhead))) {
        if (o->pattern || o->n_specials)
            cli_usage_fail("--pattern and --special apply to a rank file, not to '%s'",
                           o->tokenizer);
        char msg[512];
        slim_tok_where hw;
        err = is_gguf ? slim_tokenizer_load_gguf(o->tokenizer, &tok, msg, sizeof msg, &hw)
                      : slim_tokenizer_load_hf(o->tokenizer, &tok, msg, sizeof msg, &hw);
        if (err != SLIM_OK)
            cli_fail("%s: %s", o->tokenizer, msg[0] ? msg : slim_strerror(err));
        return tok;
    }
    if (!o->pattern)
        cli_usage_fail("'%s' is not a built-in tokenizer; a .tiktoken file needs --pattern",
                       o->tokenizer);
    slim_tok_where w;
    err = slim_tokenizer_load_tiktoken(o->tokenizer, o->pattern, o->specials, o->n_specials,
                                       &tok, &w);
    if (err == SLIM_ERR_IO)
        cli_fail("cannot read '%s'", o->tokenizer);
    if (err == SLIM_ERR_CORRUPT && w.line == 0)
        cli_fail("invalid --pattern at offset %zu: %s", w.offset, o->pattern);
    if (err != SLIM_OK && w.line)
        cli_fail("%s:%zu (byte %zu): %s", o->tokenizer, w.line, w.offset, slim_strerror(err));
    if (err != SLIM_OK && w.token >= 0)
        cli_fail("%s: %s (id %" PRId64 ")", o->tokenizer, slim_strerror(err), w.token);
    if (err != SLIM_OK)
        cli_fail("%s: %s", o->tokenizer, slim_strerror(err));
    return tok;
}

/* ---- buffered output ---- */

typedef struct outbuf {
    cli_output *out;
    char *buf;
    size_t len, cap;
} outbuf;

static void ob_flush(outbuf *b)
{
    if (b->len)
        cli_output_write(b->out, b->buf, b->len);
    b->len = 0;
}

static void ob_put(outbuf *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        ob_flush(b);
        if (n > b->cap) {
            cli_output_write(b->out, p, n);
            return;
        }
    }
    memcpy(b->buf + b->len, p, n);
    b->len += n;
}

static void ob_u64(outbuf *b, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[sizeof tmp - 1 - n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    ob_put(b, tmp + sizeof tmp - n, (size_t)n);
}

static void ob_open(outbuf *b, const char *path)
{
    b->out = cli_output_open(path, 0);
    b->cap = 1 << 16;
    b->len = 0;
    b->buf = malloc(b->cap);
    if (!b->buf)
        cli_fail("out of memory");
}

static void ob_close(outbuf *b)
{
    ob_flush(b);
    cli_output_commit(b->out);
    free(b->buf);
}

/* ---- documents ---- */

/* Calls fn once per document of every input, in order. */
typedef void (*doc_fn)(void *ctx, const char *text, size_t len, const char *src, size_t line);

/* Growable scratch reused across documents. */
typedef struct scratch {
    char *p;
    size_t cap;
} scratch;

static char *scratch_get(scratch *s, size_t n)
{
    if (n > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < n)
            cap *= 2;
        free(s->p);
        s->p = malloc(cap);
        if (!s->p)
            cli_fail("out of memory");
        s->cap = cap;
    }
    return s->p;
}

static size_t n_invalid; /* invalid UTF-8 bytes replaced or dropped */

/* The document as valid UTF-8, per --invalid. */
static const char *clean_utf8(const options *o, scratch *s, const char *text, size_t *len,
                              const char *src, size_t line)
{
    size_t n = *len, ok = slim_utf8_valid_prefix(text, n);
    if (ok == n)
        return text;
    if (o->invalid == INVALID_FAIL) {
        if (line)
            cli_fail("%s:%zu: invalid UTF-8 at byte %zu of the document", src, line, ok);
        cli_fail("%s: invalid UTF-8 at byte %zu", src, ok);
    }
    char *out = scratch_get(s, 3 * n + 1);
    size_t w = 0, r = 0;
    while (r < n) {
        ok = slim_utf8_valid_prefix(text + r, n - r);
        memcpy(out + w, text + r, ok);
        w += ok;
        r += ok;
        if (r < n) {
            if (o->invalid == INVALID_REPLACE) {
                memcpy(out + w, "\xEF\xBF\xBD", 3);
                w += 3;
            }
            n_invalid++;
            r++;
        }
    }
    *len = w;
    return out;
}

static void for_each_doc(const options *o, doc_fn fn, void *ctx)
{
    static char *stdin_only[] = {"-"};
    char **files = o->n_files ? o->files : stdin_only;
    int n_files = o->n_files ? o->n_files : 1;
    for (int f = 0; f < n_files; f++) {
        cli_input in;
        cli_read_all(files[f], &in);
        if (o->input == IN_TEXT) {
            fn(ctx, (const char *)in.data, in.size, in.name, 0);
        } else {
            const char *p = (const char *)in.data, *end = p + in.size;
            size_t line = 0;
            while (p < end) {
                line++;
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
                const char *next = nl ? nl + 1 : end;
                if (n && p[n - 1] == '\r')
                    n--;
                if (n == 0) {
                    p = next;
                    continue;
                }
                json_error_t je;
                json_t *v = json_loadb(p, n, JSON_ALLOW_NUL, &je);
                if (!v)
                    cli_fail("%s:%zu: invalid JSON: %s (column %d)", in.name, line, je.text,
                             je.column);
                json_t *t = json_is_object(v) ? json_object_get(v, o->field) : NULL;
                if (!json_is_string(t))
                    cli_fail("%s:%zu: no string field '%s'", in.name, line, o->field);
                fn(ctx, json_string_value(t), json_string_length(t), in.name, line);
                json_decref(v);
                p = next;
            }
        }
        cli_input_free(&in);
    }
}

/* ---- encode and count ---- */

typedef struct enc_ctx {
    const options *o;
    slim_tokenizer *tok;
    outbuf ob;
    uint32_t *ids;
    size_t cap;
    scratch clean;
    int count_only;
    uint64_t docs, bytes, tokens;
    double seconds;
} enc_ctx;

static void fail_encode(slim_error err, const slim_tok_where *w, slim_tokenizer *tok,
                        const char *src, size_t line)
{
    char where[512];
    if (line)
        snprintf(where, sizeof where, "%s:%zu", src, line);
    else
        snprintf(where, sizeof where, "%s", src);
    if (err == SLIM_ERR_SPECIAL_TOKEN) {
        size_t l = 0;
        const char *t = slim_tokenizer_token(tok, (uint32_t)w->token, &l);
        cli_fail("%s: special token %.*s (id %" PRId64 ") at byte %zu of the document "
                 "(use --allow-special to encode it as such, or leave both options out "
                 "to encode it as text)", where, (int)l, t ? t : "?", w->token, w->offset);
    }
    cli_fail("%s: cannot encode at byte %zu: %s", where, w->offset, slim_strerror(err));
}

static void encode_doc(void *vctx, const char *text, size_t len, const char *src, size_t line)
{
    enc_ctx *c = vctx;
    text = clean_utf8(c->o, &c->clean, text, &len, src, line);
    slim_tok_where w;
    size_t n = 0;
    double t0 = cli_now();
    slim_error err;
    if (c->count_only) {
        err = slim_tokenizer_count(c->tok, text, len, c->o->mode, &n, &w);
    } else {
        err = slim_tokenizer_encode(c->tok, text, len, c->o->mode, c->ids, c->cap, &n, &w);
        if (err == SLIM_ERR_BUFFER_TOO_SMALL) {
            free(c->ids);
            c->cap = n + n / 2;
            c->ids = malloc(c->cap * sizeof *c->ids);
            if (!c->ids)
                cli_fail("out of memory");
            err = slim_tokenizer_encode(c->tok, text, len, c->o->mode, c->ids, c->cap, &n, &w);
        }
        if (err == SLIM_OK && c->o->add_special) {
            size_t m = 0;
            slim_tokenizer_add_special(c->tok, c->ids, n, NULL, 0, &m);
            uint32_t *with = malloc((m ? m : 1) * sizeof *with);
            if (!with)
                cli_fail("out of memory");
            err = slim_tokenizer_add_special(c->tok, c->ids, n, with, m, &n);
            free(c->ids);
            c->ids = with;
            c->cap = m ? m : 1;
        }
    }
    c->seconds += cli_now() - t0;
    if (err != SLIM_OK)
        fail_encode(err, &w, c->tok, src, line);
    c->docs++;
    c->bytes += len;
    c->tokens += n;
    outbuf *b = &c->ob;
    if (c->count_only) {
        ob_u64(b, n);
    } else {
        int json = c->o->output == IN_JSONL;
        if (json)
            ob_put(b, "[", 1);
        for (size_t i = 0; i < n; i++) {
            if (i)
                ob_put(b, json ? "," : " ", 1);
            ob_u64(b, c->ids[i]);
        }
        if (json)
            ob_put(b, "]", 1);
    }
    ob_put(b, "\n", 1);
}

static int run_encode(int argc, char **argv, int count_only)
{
    options o;
    parse_options(argc, argv, count_only ? usage_count : usage_encode, &o);
    enc_ctx c = {.o = &o, .count_only = count_only};
    c.tok = open_tokenizer(&o);
    c.cap = 1 << 16;
    c.ids = malloc(c.cap * sizeof *c.ids);
    if (!c.ids)
        cli_fail("out of memory");
    ob_open(&c.ob, o.out_path);
    for_each_doc(&o, encode_doc, &c);
    if (count_only) {
        ob_put(&c.ob, "total ", 6);
        ob_u64(&c.ob, c.tokens);
        ob_put(&c.ob, "\n", 1);
    }
    ob_close(&c.ob);
    if (n_invalid)
        cli_error("%zu invalid UTF-8 byte%s %s", n_invalid, n_invalid == 1 ? "" : "s",
                  o.invalid == INVALID_SKIP ? "dropped" : "replaced with U+FFFD");
    if (o.stats) {
        slim_tokenizer_info info;
        slim_tokenizer_get_info(c.tok, &info);
        cli_error("%s (%s splitter): %" PRIu64 " documents, %" PRIu64 " bytes, %" PRIu64
                  " tokens, %.3f s in the tokenizer, %.1f MB/s", info.name, info.pretok,
                  c.docs, c.bytes, c.tokens, c.seconds,
                  c.seconds > 0 ? (double)c.bytes / c.seconds / 1e6 : 0.0);
    }
    free(c.ids);
    free(c.clean.p);
    slim_tokenizer_free(c.tok);
    return CLI_EXIT_OK;
}

static int cmd_encode(int argc, char **argv) { return run_encode(argc, argv, 0); }
static int cmd_count(int argc, char **argv) { return run_encode(argc, argv, 1); }

/* ---- decode ---- */

typedef struct dec_ctx {
    const options *o;
    slim_tokenizer *tok;
    outbuf ob;
    uint32_t *ids;
    size_t n, cap;
    scratch text, clean;
} dec_ctx;

static void push_id(dec_ctx *c, uint64_t v, const char *src, size_t line)
{
    if (v > UINT32_MAX)
        cli_fail("%s:%zu: id %" PRIu64 " out of range", src, line, v);
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 1024;
        c->ids = realloc(c->ids, c->cap * sizeof *c->ids);
        if (!c->ids)
            cli_fail("out of memory");
    }
    c->ids[c->n++] = (uint32_t)v;
}

static void decode_line(dec_ctx *c, const char *p, size_t len, const char *src, size_t line)
{
    c->n = 0;
    if (c->o->input == IN_JSONL) {
        json_error_t je;
        json_t *v = json_loadb(p, len, 0, &je);
        if (!v || !json_is_array(v))
            cli_fail("%s:%zu: expected a JSON array of ids", src, line);
        for (size_t i = 0; i < json_array_size(v); i++) {
            json_t *e = json_array_get(v, i);
            if (!json_is_integer(e) || json_integer_value(e) < 0)
                cli_fail("%s:%zu: element %zu is not a token id", src, line, i);
            push_id(c, (uint64_t)json_integer_value(e), src, line);
        }
        json_decref(v);
    } else {
        for (size_t i = 0; i < len;) {
            if (p[i] == ' ' || p[i] == ',' || p[i] == '\t') {
                i++;
                continue;
            }
            if (p[i] < '0' || p[i] > '9')
                cli_fail("%s:%zu: '%c' in a list of ids", src, line, p[i]);
            uint64_t v = 0;
            while (i < len && p[i] >= '0' && p[i] <= '9' && v <= UINT32_MAX)
                v = v * 10 + (uint64_t)(p[i++] - '0');
            push_id(c, v, src, line);
        }
    }
    size_t nb = 0;
    slim_tok_where w;
    slim_error err = slim_tokenizer_decode(c->tok, c->ids, c->n, NULL, 0, &nb, &w);
    if (err == SLIM_ERR_BUFFER_TOO_SMALL || err == SLIM_OK) {
        char *out = scratch_get(&c->text, nb + 1);
        err = slim_tokenizer_decode(c->tok, c->ids, c->n, out, nb, &nb, &w);
    }
    if (err == SLIM_ERR_NOT_FOUND)
        cli_fail("%s:%zu: id %" PRId64 " (position %zu) is not in the vocabulary", src, line,
                 w.token, w.index);
    if (err != SLIM_OK)
        cli_fail("%s:%zu: %s", src, line, slim_strerror(err));
    c->text.p[nb] = 0;
    if (c->o->output == IN_JSONL) {
        /* cli_json_string escapes and turns invalid UTF-8 into U+FFFD. */
        char *js = NULL;
        size_t jl = 0;
        FILE *m = open_memstream(&js, &jl);
        if (!m)
            cli_fail("out of memory");
        fputs("{\"text\": ", m);
        cli_json_string(m, c->text.p);
        fputs("}\n", m);
        fclose(m);
        ob_put(&c->ob, js, jl);
        free(js);
    } else {
        options replace = *c->o;
        replace.invalid = INVALID_REPLACE;
        const char *t = clean_utf8(&replace, &c->clean, c->text.p, &nb, src, line);
        ob_put(&c->ob, t, nb);
        ob_put(&c->ob, "\n", 1);
    }
}

static int cmd_decode(int argc, char **argv)
{
    options o;
    parse_options(argc, argv, usage_decode, &o);
    dec_ctx c = {.o = &o};
    c.tok = open_tokenizer(&o);
    ob_open(&c.ob, o.out_path);
    static char *stdin_only[] = {"-"};
    char **files = o.n_files ? o.files : stdin_only;
    int n_files = o.n_files ? o.n_files : 1;
    for (int f = 0; f < n_files; f++) {
        cli_input in;
        cli_read_all(files[f], &in);
        const char *p = (const char *)in.data, *end = p + in.size;
        size_t line = 0;
        while (p < end) {
            line++;
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
            const char *next = nl ? nl + 1 : end;
            if (n && p[n - 1] == '\r')
                n--;
            decode_line(&c, p, n, in.name, line);
            p = next;
        }
        cli_input_free(&in);
    }
    ob_close(&c.ob);
    free(c.ids);
    free(c.text.p);
    free(c.clean.p);
    slim_tokenizer_free(c.tok);
    return CLI_EXIT_OK;
}

/* ---- info ---- */

static int cmd_info(int argc, char **argv)
{
    options o;
    parse_options(argc, argv, usage_info, &o);
    if (o.n_files)
        cli_usage_fail("unexpected argument '%s'", o.files[0]);
    slim_tokenizer *tok = open_tokenizer(&o);
    slim_tokenizer_info info;
    slim_tokenizer_get_info(tok, &info);
    printf("name:           %s\n", info.name);
    if (info.normalizer) {
        printf("kind:           %s (%s)\n", info.kind,
               strcmp(info.kind, "gguf") ? "tokenizer.json, BPE with ranks of merge pairs"
                                         : "llama.cpp vocabulary, tokenizer.ggml.*");
        printf("vocabulary:     %zu ids (%zu BPE tokens, %zu added)\n", info.vocab_size,
               info.n_ranks, info.n_specials);
        printf("normalizer:     %s\n", info.normalizer);
        printf("pre-tokenizer:  %s\n", info.pre_tokenizer);
    } else {
        printf("kind:           %s (byte-level BPE, ranks of concatenated bytes)\n", info.kind);
        printf("vocabulary:     %zu ids (%zu BPE tokens, %zu special)\n", info.vocab_size,
               info.n_ranks, info.n_specials);
        printf("normalizer:     none\n");
        printf("pre-tokenizer:  regex split (%s%s)\n", info.pretok,
               strcmp(info.pretok, "pcre2") ? ", hand-written" : "");
        printf("pattern:        %s\n", info.pattern);
    }
    /* tokenizer.json calls them added tokens, tiktoken special tokens. */
    const char *label = info.normalizer ? "added:  " : "special:";
    for (size_t i = 0; i < info.n_specials; i++) {
        const char *text;
        uint32_t id;
        slim_tokenizer_special(tok, i, &text, &id);
        printf("%s        %s = %u\n", label, text, id);
    }
    slim_tokenizer_free(tok);
    if (fflush(stdout) != 0 || ferror(stdout))
        cli_fail("cannot write to stdout");
    return CLI_EXIT_OK;
}

/* ---- batch and merge (tools/cli_tok_batch.c) ---- */

/* batch opens its tokenizer exactly as the other commands do. */
static slim_tokenizer *batch_tokenizer(const char *name, const char *pattern, char **specials,
                                       int n_specials)
{
    options o;
    memset(&o, 0, sizeof o);
    o.tokenizer = name;
    o.pattern = pattern;
    for (int i = 0; i < n_specials; i++)
        parse_special(&o, specials[i]);
    return open_tokenizer(&o);
}

static int cmd_batch(int argc, char **argv) { return cli_tok_batch(argc, argv, batch_tokenizer); }

static const cli_command commands[] = {
    {"encode", cmd_encode},
    {"decode", cmd_decode},
    {"count", cmd_count},
    {"info", cmd_info},
    {"batch", cmd_batch},
    {"merge", cli_tok_merge},
};

int main(int argc, char **argv)
{
    return cli_main("slim-tok", usage_main, commands, sizeof commands / sizeof commands[0],
                    argc, argv);
}
