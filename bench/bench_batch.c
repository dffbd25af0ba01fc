/*
 * bench-batch: slim_batch_run against single-document encoding, in one
 * process on one corpus, for bench/bench_batch.sh (make bench).
 *
 *   bench-batch [-t TOKENIZER] [-j THREADS] CORPUS.jsonl OUT.bin
 *
 * 1. single-document encode: every document's "text" (read into memory
 *    first) encoded on its own with slim_tokenizer_encode on this thread;
 *    wall-clock and this thread's CPU time;
 * 2. slim_batch_run on the file with 1 thread and with THREADS (default:
 *    all cores), output to OUT.bin (written, synced, renamed as the tool
 *    does); wall-clock and the process's CPU time (every thread: reader,
 *    writer and workers).
 * Prints one tab-separated line per measurement: name, text bytes, tokens,
 * wall seconds, CPU seconds (and for batch the CPU seconds of the calling
 * thread, which reads and writes: the rest is the workers'). Uses the public API only, jansson to read the
 * documents for step 1.
 */
#include "slim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what)
{
    fprintf(stderr, "bench-batch: %s\n", what);
    exit(1);
}

/* Encodes every document of the corpus, one at a time. */
static void single_documents(const slim_tokenizer *tok, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        die("cannot read the corpus");
    char **docs = NULL;
    size_t *lens = NULL, n = 0, cap = 0, bytes = 0, longest = 0;
    char *line = NULL;
    size_t lcap = 0;
    while (getline(&line, &lcap, f) > 0) {
        json_error_t je;
        json_t *v = json_loads(line, JSON_ALLOW_NUL, &je);
        json_t *t = v ? json_object_get(v, "text") : NULL;
        if (json_is_string(t)) {
            if (n == cap) {
                cap = cap ? 2 * cap : 4096;
                docs = realloc(docs, cap * sizeof *docs);
                lens = realloc(lens, cap * sizeof *lens);
                if (!docs || !lens)
                    die("out of memory");
            }
            lens[n] = json_string_length(t);
            docs[n] = malloc(lens[n] + 1);
            if (!docs[n])
                die("out of memory");
            memcpy(docs[n], json_string_value(t), lens[n]);
            bytes += lens[n];
            longest = lens[n] > longest ? lens[n] : longest;
            n++;
        }
        json_decref(v);
    }
    free(line);
    fclose(f);
    uint32_t *ids = malloc((longest + 16) * sizeof *ids);
    if (!ids)
        die("out of memory");
    size_t tokens = 0;
    double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        if (slim_tokenizer_encode(tok, docs[i], lens[i], SLIM_SPECIAL_AS_TEXT, ids, longest + 16,
                                  &k, NULL) != SLIM_OK)
            die("encode failed");
        tokens += k;
    }
    double wall = clock_s(CLOCK_MONOTONIC) - w0, cpu = clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
    printf("encode\t%zu\t%zu\t%.3f\t%.3f\n", bytes, tokens, wall, cpu);
    fflush(stdout);
    for (size_t i = 0; i < n; i++)
        free(docs[i]);
    free(docs);
    free(lens);
    free(ids);
}

static void batch(const slim_tokenizer *tok, const char *corpus, const char *out, int threads)
{
    slim_batch_options o;
    memset(&o, 0, sizeof o);
    o.tok = tok;
    o.split = SLIM_SPLIT_JSONL;
    o.output = out;
    o.bos = -1;
    uint32_t eos;
    o.eos = slim_tokenizer_eos(tok, &eos) == SLIM_OK ? (int64_t)eos : -1;
    o.threads = threads;
    slim_batch_stats st;
    slim_batch_where w;
    double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    double m0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    if (slim_batch_run(&corpus, 1, &o, &st, &w) != SLIM_OK)
        die(w.reason);
    double wall = clock_s(CLOCK_MONOTONIC) - w0, cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    double main_cpu = clock_s(CLOCK_THREAD_CPUTIME_ID) - m0;
    printf("batch-%d\t%llu\t%llu\t%.3f\t%.3f\t%.3f\n", threads, (unsigned long long)st.text_bytes,
           (unsigned long long)st.tokens, wall, cpu, main_cpu);
    fflush(stdout);
    slim_batch_stats_free(&st);
}

int main(int argc, char **argv)
{
    const char *name = "o200k_base";
    int threads = slim_cpu_count(), a = 1;
    for (; a + 1 < argc && argv[a][0] == '-'; a += 2) {
        if (strcmp(argv[a], "-t") == 0)
            name = argv[a + 1];
        else if (strcmp(argv[a], "-j") == 0)
            threads = atoi(argv[a + 1]);
        else
            break;
    }
    if (argc - a != 2 || threads < 1) {
        fprintf(stderr, "usage: bench-batch [-t TOKENIZER] [-j THREADS] CORPUS.jsonl OUT.bin\n");
        return 2;
    }
    slim_tokenizer *tok = NULL;
    if (slim_tokenizer_builtin(name, &tok) != SLIM_OK)
        die("unknown built-in tokenizer");
    single_documents(tok, argv[a]);
    batch(tok, argv[a], argv[a + 1], 1);
    if (threads > 1)
        batch(tok, argv[a], argv[a + 1], threads);
    slim_tokenizer_free(tok);
    return 0;
}
