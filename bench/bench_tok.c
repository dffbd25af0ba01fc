/*
 * bench-tok: single-thread encode throughput of the built-in tokenizers on
 * the shared corpora, with the hand-written splitter and with PCRE2, plus
 * start-up time and one-piece worst cases. Prints a markdown table (stdout);
 * progress goes to stderr.
 *
 *   bench-tok [--time SECONDS] [TOKENIZER...]   (default: o200k_base cl100k_base)
 *
 * Corpora: $SLIM_SHARED_DATA/corpora/{en-bible,code-python,zh-debref}.jsonl
 * (default ../shared/data). Each document is encoded on its own (special
 * tokens recognized), as a user encoding a corpus would. Each figure is the
 * best of repeated passes lasting at least --time seconds (default 1), in
 * wall-clock time and in this thread's CPU time (the two differ when the
 * machine is shared). Uses the public API only, with jansson to read jsonl.
 */
#include "slim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

static double min_time = 1.0;

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct corpus {
    char **docs;
    size_t *lens, n, bytes;
} corpus;

static int load_corpus(const char *path, corpus *c)
{
    FILE *f = fopen(path, "r");
    memset(c, 0, sizeof *c);
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
            c->lens[c->n] = json_string_length(t);
            c->docs[c->n] = malloc(c->lens[c->n] + 1);
            memcpy(c->docs[c->n], json_string_value(t), c->lens[c->n]);
            c->bytes += c->lens[c->n];
            c->n++;
        }
        json_decref(v);
    }
    free(line);
    fclose(f);
    return c->n > 0;
}

/* Best wall and CPU seconds for one pass over the documents. */
static void time_pass(slim_tokenizer *tok, const corpus *c, uint32_t *ids, size_t cap,
                      double *wall, double *cpu)
{
    *wall = *cpu = 1e30;
    double start = clock_s(CLOCK_MONOTONIC);
    do {
        double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
        for (size_t d = 0; d < c->n; d++) {
            size_t n;
            slim_error e = slim_tokenizer_encode(tok, c->docs[d], c->lens[d], SLIM_SPECIAL_ALLOW,
                                                 ids, cap, &n, NULL);
            if (e != SLIM_OK) {
                fprintf(stderr, "bench-tok: encode failed: %s\n", slim_strerror(e));
                exit(1);
            }
        }
        double w = clock_s(CLOCK_MONOTONIC) - w0, p = clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
        if (w < *wall)
            *wall = w;
        if (p < *cpu)
            *cpu = p;
    } while (clock_s(CLOCK_MONOTONIC) - start < min_time);
}

int main(int argc, char **argv)
{
    const char *names[16];
    int n_names = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--time") == 0 && i + 1 < argc)
            min_time = atof(argv[++i]);
        else if (n_names < 16)
            names[n_names++] = argv[i];
    }
    if (!n_names) {
        names[n_names++] = "o200k_base";
        names[n_names++] = "cl100k_base";
    }
    const char *dir = getenv("SLIM_SHARED_DATA");
    if (!dir || !*dir)
        dir = "../shared/data";
    static const char *const corpora[] = {"en-bible", "code-python", "zh-debref"};
    corpus cs[3];
    for (int k = 0; k < 3; k++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/corpora/%s.jsonl", dir, corpora[k]);
        if (!load_corpus(path, &cs[k])) {
            fprintf(stderr, "bench-tok: cannot read %s (set SLIM_SHARED_DATA)\n", path);
            return 1;
        }
    }
    size_t cap = 1 << 22;
    uint32_t *ids = malloc(cap * sizeof *ids);

    printf("| tokenizer | input | hand-written split: MB/s wall (CPU) | PCRE2 split: MB/s wall (CPU) |\n");
    printf("|---|---|---|---|\n");
    for (int t = 0; t < n_names; t++) {
        double s0 = clock_s(CLOCK_MONOTONIC);
        slim_tokenizer *tok = NULL;
        slim_error e = slim_tokenizer_builtin(names[t], &tok);
        double startup = (clock_s(CLOCK_MONOTONIC) - s0) * 1e3;
        if (e != SLIM_OK) {
            fprintf(stderr, "bench-tok: %s: %s\n", names[t], slim_strerror(e));
            return 1;
        }
        for (int k = 0; k < 3; k++) {
            double mb = (double)cs[k].bytes / 1e6, w[2], c[2];
            for (int fast = 1; fast >= 0; fast--) {
                fprintf(stderr, "bench-tok: %s %s %s\n", names[t], corpora[k],
                        fast ? "hand-written" : "pcre2");
                slim_tokenizer_set_fast_split(tok, fast);
                time_pass(tok, &cs[k], ids, cap, &w[fast], &c[fast]);
            }
            printf("| %s | %s | %.1f (%.1f) | %.1f (%.1f) |\n", names[t], corpora[k],
                   mb / w[1], mb / c[1], mb / w[0], mb / c[0]);
        }
        printf("| %s | start-up (load built-in) | %.1f ms | |\n", names[t], startup);
        slim_tokenizer_set_fast_split(tok, 1);
        /* One-piece worst cases: 1 MiB of one letter and of random letters. */
        size_t n = 1 << 20;
        char *text = malloc(n);
        uint64_t x = 1;
        for (int kind = 0; kind < 2; kind++) {
            for (size_t i = 0; i < n; i++) {
                x = x * 6364136223846793005ull + 1442695040888963407ull;
                text[i] = kind ? (char)('a' + (x >> 33) % 26) : 'x';
            }
            double w0 = clock_s(CLOCK_MONOTONIC);
            size_t m;
            slim_tokenizer_count(tok, text, n, SLIM_SPECIAL_AS_TEXT, &m, NULL);
            printf("| %s | 1 MiB of %s (one piece) | %.1f (wall) | |\n", names[t],
                   kind ? "random a-z" : "'x'", 1.048576 / (clock_s(CLOCK_MONOTONIC) - w0));
        }
        free(text);
        slim_tokenizer_free(tok);
    }
    free(ids);
    return 0;
}
