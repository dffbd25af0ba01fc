/*
 * bench-tok: single-thread encode throughput of slim's tokenizers on the
 * shared corpora, plus start-up time and memory. Uses the public API only,
 * with jansson to read jsonl.
 *
 *   bench-tok [--time S] [--tsv] [--data DIR] [--corpora A,B,...] [SPEC...]
 *
 * SPEC is a built-in name (o200k_base, cl100k_base, ...) or NAME=PATH of a
 * Hugging Face tokenizer.json (plain or .zst). Default: o200k_base
 * cl100k_base. Corpora: DIR/corpora/NAME.jsonl (DIR: --data, else
 * $SLIM_SHARED_DATA, else ../shared/data; default en-bible, code-python,
 * zh-debref); one document per line, field "text". Each document is encoded
 * on its own with special tokens recognized (tiktoken's allowed_special="all";
 * Hugging Face always recognizes its added tokens), as a user encoding a
 * corpus would.
 *
 * Each throughput is the best of timed passes over the whole corpus after
 * one warm-up pass, repeated until --time seconds (default 1) have passed,
 * in wall-clock time and in this thread's CPU time (the two differ when the
 * machine is shared). Start-up (load until ready to encode) and memory (RSS
 * growth from the load) are measured in a forked child, so that earlier
 * tokenizers' freed memory does not hide the cost.
 *
 * Default output: a markdown table, with the PCRE2 splitter as a second
 * column for built-ins and the one-piece worst cases. --tsv: rows for
 * bench/bench_tok.sh, which joins them with bench/tok_peers.mjs (the npm
 * tiktoken and tokenizers packages, same row format):
 *   load    SPEC  wall_ms  cpu_ms  rss_bytes  file_bytes  module_ms
 *   encode  SPEC  CORPUS  bytes  docs  tokens  wall_s  cpu_s  passes
 *   doc     SPEC  CORPUS  index  tokens  fnv1a32-of-ids
 * Progress goes to stderr.
 */
#include "slim.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#define MAX_SPECS 32
#define MAX_CORPORA 16

static double min_time = 1.0;
static int tsv;

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Resident set size in bytes (Linux /proc; 0 where unavailable). */
static double rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, resident = 0;
    if (!f)
        return 0;
    if (fscanf(f, "%lu %lu", &size, &resident) != 2)
        resident = 0;
    fclose(f);
    return (double)resident * (double)sysconf(_SC_PAGESIZE);
}

static double file_bytes(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (double)st.st_size : 0;
}

typedef struct corpus {
    const char *name;
    char **docs;
    size_t *lens, n, bytes;
} corpus;

static int load_corpus(const char *path, corpus *c)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        json_error_t je;
        json_t *v = json_loads(line, 0, &je);
        json_t *t = v ? json_object_get(v, "text") : NULL;
        if (json_is_string(t)) {
            c->docs = realloc(c->docs, (c->n + 1) * sizeof *c->docs);
            c->lens = realloc(c->lens, (c->n + 1) * sizeof *c->lens);
            if (!c->docs || !c->lens)
                abort();
            c->lens[c->n] = json_string_length(t);
            c->docs[c->n] = malloc(c->lens[c->n] + 1);
            memcpy(c->docs[c->n], json_string_value(t), c->lens[c->n] + 1);
            c->bytes += c->lens[c->n];
            c->n++;
        }
        json_decref(v);
    }
    free(line);
    fclose(f);
    return c->n > 0;
}

/* A tokenizer to measure: a built-in name or NAME=PATH of a tokenizer.json. */
typedef struct spec {
    char name[256];
    const char *path; /* NULL: built-in */
} spec;

static slim_error load_spec(const spec *s, slim_tokenizer **tok)
{
    if (!s->path)
        return slim_tokenizer_builtin(s->name, tok);
    char msg[512] = "";
    slim_error e = slim_tokenizer_load_hf(s->path, tok, msg, sizeof msg, NULL);
    if (e != SLIM_OK)
        fprintf(stderr, "bench-tok: %s: %s\n", s->path, msg);
    return e;
}

/* The vocabulary file the memory is compared with: the tokenizer.json, or
 * for a built-in the .tiktoken rank file of the shared data (0 if absent). */
static double vocab_file_bytes(const spec *s, const char *dir)
{
    char path[4096];
    if (s->path)
        return file_bytes(s->path);
    int n = snprintf(path, sizeof path, "%s/vocab/tiktoken/%s.tiktoken", dir, s->name);
    return n > 0 && (size_t)n < sizeof path ? file_bytes(path) : 0;
}

typedef struct load_cost {
    double wall_ms, cpu_ms, rss;
} load_cost;

/* Loads the tokenizer in a child process and reports what it cost there. */
static int measure_load(const spec *s, load_cost *out)
{
    int fd[2];
    if (pipe(fd) != 0)
        return 0;
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        load_cost c;
        double r0 = rss_bytes(), w0 = clock_s(CLOCK_MONOTONIC);
        double c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
        slim_tokenizer *tok = NULL;
        slim_error e = load_spec(s, &tok);
        c.cpu_ms = (clock_s(CLOCK_THREAD_CPUTIME_ID) - c0) * 1e3;
        c.wall_ms = (clock_s(CLOCK_MONOTONIC) - w0) * 1e3;
        c.rss = rss_bytes() - r0;
        int ok = e == SLIM_OK && write(fd[1], &c, sizeof c) == (ssize_t)sizeof c;
        _exit(ok ? 0 : 1);
    }
    close(fd[1]);
    int ok = pid > 0 && read(fd[0], out, sizeof *out) == (ssize_t)sizeof *out;
    close(fd[0]);
    int status = 0;
    if (pid > 0)
        waitpid(pid, &status, 0);
    return ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void encode_or_die(const slim_tokenizer *tok, const char *text, size_t len,
                          uint32_t *ids, size_t cap, size_t *n)
{
    slim_error e = slim_tokenizer_encode(tok, text, len, SLIM_SPECIAL_ALLOW, ids, cap, n, NULL);
    if (e != SLIM_OK) {
        fprintf(stderr, "bench-tok: encode failed: %s\n", slim_strerror(e));
        exit(1);
    }
}

/* The warm-up pass: counts the tokens and, in --tsv mode, prints each
 * document's token count and FNV-1a hash of its ids (32-bit words), which
 * tok_peers.mjs computes the same way for the comparison of ids. */
static size_t warm_up(const slim_tokenizer *tok, const spec *s, const corpus *c, uint32_t *ids,
                      size_t cap)
{
    size_t total = 0;
    for (size_t d = 0; d < c->n; d++) {
        size_t n;
        encode_or_die(tok, c->docs[d], c->lens[d], ids, cap, &n);
        uint32_t h = 2166136261u;
        for (size_t i = 0; i < n; i++)
            h = (h ^ ids[i]) * 16777619u;
        if (tsv)
            printf("doc\t%s\t%s\t%zu\t%zu\t%u\n", s->name, c->name, d, n, h);
        total += n;
    }
    return total;
}

/* Best wall and CPU seconds for one pass over the documents. */
static int time_pass(const slim_tokenizer *tok, const corpus *c, uint32_t *ids, size_t cap,
                     double *wall, double *cpu)
{
    int passes = 0;
    *wall = *cpu = 1e30;
    double start = clock_s(CLOCK_MONOTONIC);
    do {
        double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
        for (size_t d = 0; d < c->n; d++) {
            size_t n;
            encode_or_die(tok, c->docs[d], c->lens[d], ids, cap, &n);
        }
        double w = clock_s(CLOCK_MONOTONIC) - w0, p = clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
        if (w < *wall)
            *wall = w;
        if (p < *cpu)
            *cpu = p;
        passes++;
    } while (clock_s(CLOCK_MONOTONIC) - start < min_time);
    return passes;
}

/* One-piece worst cases: 1 MiB of one letter and of random letters. */
static void worst_cases(const slim_tokenizer *tok, const char *name)
{
    size_t n = 1 << 20;
    char *text = malloc(n);
    uint64_t x = 1;
    for (int kind = 0; kind < 2 && text; kind++) {
        for (size_t i = 0; i < n; i++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            text[i] = kind ? (char)('a' + (x >> 33) % 26) : 'x';
        }
        double w0 = clock_s(CLOCK_MONOTONIC);
        size_t m;
        slim_tokenizer_count(tok, text, n, SLIM_SPECIAL_AS_TEXT, &m, NULL);
        printf("| %s | 1 MiB of %s (one piece) | %.1f (wall) | |\n", name,
               kind ? "random a-z" : "'x'", 1.048576 / (clock_s(CLOCK_MONOTONIC) - w0));
    }
    free(text);
}

static void bench_one(const spec *s, const char *dir, const corpus *cs, int n_corpora,
                      uint32_t *ids, size_t cap)
{
    load_cost lc = {0};
    int load_ok = measure_load(s, &lc);
    double fb = vocab_file_bytes(s, dir);
    slim_tokenizer *tok = NULL;
    if (load_spec(s, &tok) != SLIM_OK) {
        fprintf(stderr, "bench-tok: cannot load %s\n", s->name);
        exit(1);
    }
    if (tsv && load_ok)
        printf("load\t%s\t%.2f\t%.2f\t%.0f\t%.0f\t0\n", s->name, lc.wall_ms, lc.cpu_ms, lc.rss,
               fb);
    for (int k = 0; k < n_corpora; k++) {
        const corpus *c = &cs[k];
        double mb = (double)c->bytes / 1e6, w[2] = {0, 0}, p[2] = {0, 0};
        fprintf(stderr, "bench-tok: %s %s\n", s->name, c->name);
        size_t tokens = warm_up(tok, s, c, ids, cap);
        int passes = time_pass(tok, c, ids, cap, &w[1], &p[1]);
        if (tsv) {
            printf("encode\t%s\t%s\t%zu\t%zu\t%zu\t%.6f\t%.6f\t%d\n", s->name, c->name,
                   c->bytes, c->n, tokens, w[1], p[1], passes);
            fflush(stdout);
            continue;
        }
        if (!s->path) { /* built-ins: the same ids through PCRE2 */
            slim_tokenizer_set_fast_split(tok, 0);
            time_pass(tok, c, ids, cap, &w[0], &p[0]);
            slim_tokenizer_set_fast_split(tok, 1);
            printf("| %s | %s | %.1f (%.1f) | %.1f (%.1f) |\n", s->name, c->name, mb / w[1],
                   mb / p[1], mb / w[0], mb / p[0]);
        } else {
            printf("| %s | %s | %.1f (%.1f) | - |\n", s->name, c->name, mb / w[1], mb / p[1]);
        }
    }
    if (!tsv) {
        if (load_ok)
            printf("| %s | start-up (load) | %.1f ms (%.1f ms CPU), RSS +%.1f MB "
                   "(%.2fx the %.1f MB file) | |\n",
                   s->name, lc.wall_ms, lc.cpu_ms, lc.rss / 1e6, fb > 0 ? lc.rss / fb : 0,
                   fb / 1e6);
        worst_cases(tok, s->name);
    }
    slim_tokenizer_free(tok);
}

static int usage(void)
{
    fprintf(stderr, "usage: bench-tok [--time S] [--tsv] [--data DIR] [--corpora A,B,...] "
                    "[BUILTIN | NAME=tokenizer.json]...\n");
    return 2;
}

int main(int argc, char **argv)
{
    static spec specs[MAX_SPECS];
    int n_specs = 0;
    const char *dir = getenv("SLIM_SHARED_DATA");
    char corpus_list[1024] = "en-bible,code-python,zh-debref";
    if (!dir || !*dir)
        dir = "../shared/data";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--time") == 0 && i + 1 < argc)
            min_time = atof(argv[++i]);
        else if (strcmp(argv[i], "--tsv") == 0)
            tsv = 1;
        else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (strcmp(argv[i], "--corpora") == 0 && i + 1 < argc)
            snprintf(corpus_list, sizeof corpus_list, "%s", argv[++i]);
        else if (argv[i][0] == '-' || n_specs == MAX_SPECS)
            return usage();
        else {
            spec *s = &specs[n_specs++];
            snprintf(s->name, sizeof s->name, "%s", argv[i]);
            char *eq = strchr(s->name, '=');
            if (eq) {
                *eq = '\0';
                s->path = strchr(argv[i], '=') + 1;
            }
        }
    }
    if (!n_specs) {
        snprintf(specs[n_specs++].name, sizeof specs[0].name, "o200k_base");
        snprintf(specs[n_specs++].name, sizeof specs[0].name, "cl100k_base");
    }
    corpus cs[MAX_CORPORA];
    int n_corpora = 0;
    memset(cs, 0, sizeof cs);
    for (char *save = NULL, *name = strtok_r(corpus_list, ",", &save);
         name && n_corpora < MAX_CORPORA; name = strtok_r(NULL, ",", &save)) {
        char path[4096];
        snprintf(path, sizeof path, "%s/corpora/%s.jsonl", dir, name);
        cs[n_corpora].name = name;
        if (!load_corpus(path, &cs[n_corpora++])) {
            fprintf(stderr, "bench-tok: cannot read %s (set SLIM_SHARED_DATA or --data)\n", path);
            return 1;
        }
    }
    size_t cap = 1 << 22;
    uint32_t *ids = malloc(cap * sizeof *ids);
    if (!ids)
        return 1;
    if (!tsv) {
        printf("| tokenizer | input | MB/s wall (CPU) | PCRE2 split: MB/s wall (CPU) |\n");
        printf("|---|---|---|---|\n");
    }
    for (int t = 0; t < n_specs; t++)
        bench_one(&specs[t], dir, cs, n_corpora, ids, cap);
    free(ids);
    return 0;
}
