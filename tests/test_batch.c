/*
 * Batch tokenization (slim_batch_run) and token file merging: the output
 * equals the shared reference ids (tokref) of every corpus with the EOS
 * separators, is the same bytes for 1, 2 and 7 threads, reads back as
 * well-formed npy and Megatron files, and handles splits, jsonl escapes,
 * malformed lines, invalid UTF-8, zstd input, shards and merges, input
 * lists and hostile files to merge.
 */
#include <criterion/criterion.h>

#include "slim.h"
#include "tests/tok_test.h"

#include <dirent.h>
#include <stdint.h>
#include <unistd.h>
#include <xxhash.h>

/* ---- helpers ---- */

typedef struct tdir {
    char path[64];
} tdir;

static tdir tdir_make(void)
{
    tdir d;
    snprintf(d.path, sizeof d.path, "/tmp/slim-test-batch-XXXXXX");
    cr_assert(mkdtemp(d.path));
    return d;
}

/* dir/name in a rotating static buffer (several may be live at once). */
static const char *at(const tdir *d, const char *name)
{
    static char bufs[8][256];
    static int k;
    char *b = bufs[k++ % 8];
    snprintf(b, 256, "%.63s/%.180s", d->path, name);
    return b;
}

static void put(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f && fwrite(p, 1, n, f) == n && fclose(f) == 0, "cannot write %s", path);
}

static uint8_t *get(const char *path, size_t *n)
{
    uint8_t *p = (uint8_t *)tok_read(path, n); /* not .zst: read as is */
    cr_assert(p, "cannot read %s", path);
    return p;
}

static void tdir_remove(const tdir *d)
{
    DIR *dir = opendir(d->path);
    struct dirent *e;
    while (dir && (e = readdir(dir)) != NULL)
        if (e->d_name[0] != '.')
            unlink(at(d, e->d_name));
    if (dir)
        closedir(dir);
    rmdir(d->path);
}

static size_t count_entries(const tdir *d)
{
    size_t n = 0;
    DIR *dir = opendir(d->path);
    struct dirent *e;
    while (dir && (e = readdir(dir)) != NULL)
        n += e->d_name[0] != '.';
    if (dir)
        closedir(dir);
    return n;
}

static slim_tokenizer *builtin(const char *name)
{
    slim_tokenizer *t = NULL;
    cr_assert_eq(slim_tokenizer_builtin(name, &t), SLIM_OK);
    return t;
}

static slim_batch_options opts(const slim_tokenizer *tok, const char *out)
{
    slim_batch_options o;
    memset(&o, 0, sizeof o);
    o.tok = tok;
    o.output = out;
    o.bos = -1;
    o.eos = -1;
    o.threads = 1;
    return o;
}

static slim_error run(const char *const *in, size_t n, const slim_batch_options *o,
                      slim_batch_where *w)
{
    slim_batch_stats st;
    slim_error e = slim_batch_run(in, n, o, &st, w);
    slim_batch_stats_free(&st);
    return e;
}

/* Little-endian ids of a bin file of `item`-byte ids. */
static uint32_t id_at(const uint8_t *p, size_t i, int item)
{
    return item == 2 ? (uint32_t)(p[2 * i] | p[2 * i + 1] << 8)
                     : (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
                           (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
}

/* ---- against the reference ids ---- */

/* The shared corpora, paths to them and their reference ids with `eos`
 * after each document. */
typedef struct refset {
    char paths[TOK_N_CORPORA][4096];
    const char *in[TOK_N_CORPORA];
    uint32_t *ids;
    size_t n;
} refset;

static int refset_load(const char *tok_name, uint32_t eos, refset *r)
{
    const char *dir = tok_data_dir();
    if (!dir)
        return 0;
    memset(r, 0, sizeof *r);
    size_t cap = 0;
    for (size_t c = 0; c < TOK_N_CORPORA; c++) {
        snprintf(r->paths[c], sizeof r->paths[c], "%s/corpora/%s.jsonl", dir, tok_corpora[c]);
        r->in[c] = r->paths[c];
        char path[4096];
        tok_lines ref;
        snprintf(path, sizeof path, "%s/tokref/%s/%s.ids.jsonl.zst", dir, tok_name, tok_corpora[c]);
        cr_assert(tok_lines_load(path, &ref), "cannot read %s", path);
        for (size_t d = 0; d < ref.n; d++) {
            size_t k = json_array_size(ref.v[d]);
            if (r->n + k + 1 > cap) {
                cap = 2 * (r->n + k + 1);
                r->ids = realloc(r->ids, cap * sizeof *r->ids);
                cr_assert(r->ids);
            }
            for (size_t i = 0; i < k; i++)
                r->ids[r->n++] = (uint32_t)json_integer_value(json_array_get(ref.v[d], i));
            r->ids[r->n++] = eos;
        }
        tok_lines_free(&ref);
    }
    return 1;
}

static void expect_ref(const char *path, size_t head, int item, const refset *r)
{
    size_t n;
    uint8_t *p = get(path, &n);
    cr_assert_eq(n, head + r->n * (size_t)item, "%s: %zu bytes, expected %zu", path, n,
                 head + r->n * (size_t)item);
    size_t bad = SIZE_MAX;
    for (size_t i = 0; i < r->n && bad == SIZE_MAX; i++)
        if (id_at(p + head, i, item) != r->ids[i])
            bad = i;
    cr_expect_eq(bad, SIZE_MAX, "%s: id %zu differs from the reference", path, bad);
    free(p);
}

static void check_reference(const char *tok_name, int item)
{
    slim_tokenizer *tok = builtin(tok_name);
    uint32_t eos;
    cr_assert_eq(slim_tokenizer_eos(tok, &eos), SLIM_OK);
    refset r;
    if (!refset_load(tok_name, eos, &r))
        cr_skip_test("shared data not found: set SLIM_SHARED_DATA or provide ../shared/data");
    tdir d = tdir_make();
    slim_batch_options o = opts(tok, at(&d, "t1.bin"));
    o.special = SLIM_SPECIAL_ALLOW;     /* as the reference: allowed_special="all" */
    o.split = SLIM_SPLIT_JSONL;
    o.eos = eos;
    o.chunk_size = 64 << 10;
    slim_batch_stats st;
    slim_batch_where w;
    cr_assert_eq(slim_batch_run(r.in, TOK_N_CORPORA, &o, &st, &w), SLIM_OK, "%s line %llu",
                 w.reason, (unsigned long long)w.line);
    cr_expect_eq(st.tokens, r.n);
    cr_expect_eq(st.n_outputs, 1);
    slim_batch_stats_free(&st);
    expect_ref(at(&d, "t1.bin"), 0, item, &r);

    /* More threads and small chunks: the same bytes. */
    size_t n1, n2;
    uint8_t *one = get(at(&d, "t1.bin"), &n1);
    static const int threads[] = { 2, 7 };
    for (int k = 0; k < 2; k++) {
        o.threads = threads[k];
        o.chunk_size = 16 << 10;
        o.output = at(&d, "tn.bin");
        cr_assert_eq(run(r.in, TOK_N_CORPORA, &o, NULL), SLIM_OK);
        uint8_t *many = get(at(&d, "tn.bin"), &n2);
        cr_expect(n1 == n2 && memcmp(one, many, n1) == 0, "%d threads give other bytes",
                  threads[k]);
        free(many);
    }
    free(one);

    /* npy: a 128-byte header then the same ids. */
    o.format = SLIM_TOKFILE_NPY;
    o.output = at(&d, "t.npy");
    cr_assert_eq(run(r.in, TOK_N_CORPORA, &o, NULL), SLIM_OK);
    expect_ref(at(&d, "t.npy"), 128, item, &r);

    free(r.ids);
    tdir_remove(&d);
    slim_tokenizer_free(tok);
}

Test(batch, reference_o200k_base) { check_reference("o200k_base", 4); }
Test(batch, reference_r50k_base_uint16) { check_reference("r50k_base", 2); }

/* ---- Megatron ---- */

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* Checks an MMIDIDX pair: header, counts against the sizes, one sequence
 * per document, pointers contiguous; returns the number of documents. */
static uint64_t check_megatron(const tdir *d, const char *prefix, int item, uint64_t *tokens)
{
    char name[128];
    size_t ni, nb;
    snprintf(name, sizeof name, "%s.idx", prefix);
    uint8_t *x = get(at(d, name), &ni);
    snprintf(name, sizeof name, "%s.bin", prefix);
    free(get(at(d, name), &nb));
    cr_assert(ni >= 34 && memcmp(x, "MMIDIDX\0\0", 9) == 0, "bad magic");
    cr_expect_eq(le64(x + 9), 1);
    cr_expect_eq(x[17], item == 2 ? 8 : 4);
    uint64_t seqs = le64(x + 18), docs = le64(x + 26);
    cr_assert_eq(docs, seqs + 1);
    cr_assert_eq(ni, 34 + seqs * 20 + 8);
    uint64_t ptr = 0, sum = 0;
    for (uint64_t i = 0; i < seqs; i++) {
        uint32_t len = id_at(x + 34, i, 4);
        cr_assert_eq(le64(x + 34 + 4 * seqs + 8 * i), ptr);
        ptr += (uint64_t)len * (uint64_t)item;
        sum += len;
    }
    for (uint64_t i = 0; i < docs; i++)
        cr_assert_eq(le64(x + 34 + 12 * seqs + 8 * i), i);
    cr_expect_eq(ptr, nb);
    free(x);
    *tokens = sum;
    return seqs;
}

Test(batch, megatron_shards_and_merge)
{
    slim_tokenizer *tok = builtin("o200k_base");
    refset r;
    if (!refset_load("o200k_base", 199999, &r))
        cr_skip_test("shared data not found: set SLIM_SHARED_DATA or provide ../shared/data");
    tdir d = tdir_make();
    slim_batch_options o = opts(tok, at(&d, "all"));
    o.special = SLIM_SPECIAL_ALLOW;
    o.split = SLIM_SPLIT_JSONL;
    o.eos = 199999;
    o.format = SLIM_TOKFILE_MEGATRON;
    o.threads = 2;
    cr_assert_eq(run(r.in, TOK_N_CORPORA, &o, NULL), SLIM_OK);
    uint64_t tokens, docs = check_megatron(&d, "all", 4, &tokens);
    cr_expect_eq(tokens, r.n);
    expect_ref(at(&d, "all.bin"), 0, 4, &r);

    /* Shards of at most 100k ids, cut at document boundaries. */
    o.output = at(&d, "sh");
    o.shard_tokens = 100000;
    slim_batch_stats st;
    cr_assert_eq(slim_batch_run(r.in, TOK_N_CORPORA, &o, &st, NULL), SLIM_OK);
    cr_assert_gt(st.n_outputs, 4);
    cr_assert_eq(st.n_outputs % 2, 0);
    const char *parts[64];
    char names[64][32];
    uint64_t sum_docs = 0;
    for (size_t i = 0; i < st.n_outputs / 2; i++) {
        snprintf(names[i], sizeof names[i], "sh-%05zu", i);
        parts[i] = strdup(at(&d, names[i]));
        uint64_t t;
        sum_docs += check_megatron(&d, names[i], 4, &t);
        cr_expect(t <= 100000 || st.outputs[2 * i].documents == 1, "shard %zu: %llu ids", i,
                  (unsigned long long)t);
        cr_expect_eq(st.outputs[2 * i].tokens, t);
    }
    cr_expect_eq(sum_docs, docs);
    /* Every output's size and checksum, as listed. */
    for (size_t i = 0; i < st.n_outputs; i++) {
        size_t n;
        uint8_t *p = get(st.outputs[i].path, &n);
        cr_expect_eq(st.outputs[i].bytes, n, "%s", st.outputs[i].path);
        cr_expect_eq(st.outputs[i].xxh3, XXH3_64bits(p, n), "%s", st.outputs[i].path);
        free(p);
    }
    size_t n_parts = st.n_outputs / 2;
    slim_batch_stats_free(&st);
    slim_parse_error pe;
    cr_assert_eq(slim_tokfile_merge(SLIM_TOKFILE_MEGATRON, parts, n_parts, at(&d, "m"), NULL,
                                    &pe), SLIM_OK, "%s", pe.reason);
    size_t a, b;
    uint8_t *x = get(at(&d, "all.idx"), &a), *y = get(at(&d, "m.idx"), &b);
    cr_expect(a == b && memcmp(x, y, a) == 0, "merged index differs from the unsharded one");
    free(x);
    free(y);
    x = get(at(&d, "all.bin"), &a);
    y = get(at(&d, "m.bin"), &b);
    cr_expect(a == b && memcmp(x, y, a) == 0, "merged data differs");
    free(x);
    free(y);

    /* A damaged index is refused with its offset. */
    size_t n;
    uint8_t *idx = get(at(&d, "sh-00001.idx"), &n);
    idx[26] ^= 1; /* document count */
    put(at(&d, "sh-00001.idx"), idx, n);
    slim_error e = slim_tokfile_merge(SLIM_TOKFILE_MEGATRON, parts, n_parts, at(&d, "m2"), NULL,
                                      &pe);
    cr_expect(e == SLIM_ERR_CORRUPT || e == SLIM_ERR_TRUNCATED, "%s", slim_strerror(e));
    cr_expect_eq(pe.file, 1);
    idx[26] ^= 1;
    idx[0] = 'X';
    put(at(&d, "sh-00001.idx"), idx, n);
    cr_expect_eq(slim_tokfile_merge(SLIM_TOKFILE_MEGATRON, parts, n_parts, at(&d, "m2"), NULL,
                                    &pe), SLIM_ERR_BAD_MAGIC);
    free(idx);
    cr_expect_eq(access(at(&d, "m2.idx"), F_OK), -1, "a failed merge left an output");
    for (size_t i = 0; i < n_parts; i++)
        free((char *)parts[i]);
    free(r.ids);
    tdir_remove(&d);
    slim_tokenizer_free(tok);
}

/* ---- documents of text and jsonl ---- */

/* The ids slim_batch_run writes (bin uint32) for one input. */
static uint32_t *batch_ids(const slim_batch_options *base, const tdir *d, const char *input,
                           size_t *n, slim_error *err, slim_batch_where *w)
{
    slim_batch_options o = *base;
    o.output = at(d, "out.bin");
    o.dtype = SLIM_TOKFILE_U32;
    *err = run(&input, 1, &o, w);
    if (*err)
        return NULL;
    size_t bytes;
    uint32_t *ids = (uint32_t *)get(at(d, "out.bin"), &bytes);
    *n = bytes / 4;
    return ids;
}

/* The expected ids: each text encoded, then eos. */
static void expect_docs(const slim_tokenizer *tok, const uint32_t *got, size_t n,
                        const char *const *docs, size_t n_docs, uint32_t eos)
{
    uint32_t want[4096];
    size_t k = 0;
    for (size_t i = 0; i < n_docs; i++) {
        size_t m = 0;
        cr_assert_eq(slim_tokenizer_encode(tok, docs[i], strlen(docs[i]), SLIM_SPECIAL_AS_TEXT,
                                           want + k, 4000 - k, &m, NULL), SLIM_OK);
        k += m;
        want[k++] = eos;
    }
    cr_assert_eq(n, k, "%zu ids, expected %zu", n, k);
    cr_expect_arr_eq(got, want, k * sizeof *want);
}

Test(batch, text_splits)
{
    slim_tokenizer *tok = builtin("cl100k_base");
    tdir d = tdir_make();
    const char text[] = "first line\n\nsecond, with CRLF\r\n  \t\nthird\nfourth\n\n\nlast";
    put(at(&d, "in.txt"), text, sizeof text - 1);
    slim_batch_options o = opts(tok, NULL);
    o.eos = 100257;
    slim_error e;
    size_t n;
    uint32_t *ids = batch_ids(&o, &d, at(&d, "in.txt"), &n, &e, NULL);
    const char *file[] = { text };
    expect_docs(tok, ids, n, file, 1, 100257);
    free(ids);

    o.split = SLIM_SPLIT_LINES;
    ids = batch_ids(&o, &d, at(&d, "in.txt"), &n, &e, NULL);
    const char *lines[] = { "first line", "second, with CRLF", "  \t", "third", "fourth", "last" };
    expect_docs(tok, ids, n, lines, 6, 100257);
    free(ids);

    o.split = SLIM_SPLIT_PARAGRAPHS;
    o.chunk_size = 16; /* records longer than a chunk */
    ids = batch_ids(&o, &d, at(&d, "in.txt"), &n, &e, NULL);
    const char *paras[] = { "first line", "second, with CRLF", "third\nfourth", "last" };
    expect_docs(tok, ids, n, paras, 4, 100257);
    free(ids);

    /* An empty file is one empty document; BOS and EOS both. */
    put(at(&d, "empty.txt"), "", 0);
    o.split = SLIM_SPLIT_FILE;
    o.bos = 7;
    ids = batch_ids(&o, &d, at(&d, "empty.txt"), &n, &e, NULL);
    cr_assert_eq(n, 2);
    cr_expect(ids[0] == 7 && ids[1] == 100257);
    free(ids);
    tdir_remove(&d);
    slim_tokenizer_free(tok);
}

Test(batch, jsonl_fields_and_errors)
{
    slim_tokenizer *tok = builtin("o200k_base");
    tdir d = tdir_make();
    const char lines[] =
        "{\"id\": 1, \"text\": \"plain\"}\n"
        "\n"
        "{\"meta\": {\"a\": [1, -2.5e3, {\"b\": null}], \"t\": true}, \"text\": \"esc \\\"q\\\" \\\\ \\u00e9 \\ud83d\\ude00 \\n\\t/\"}\r\n"
        "  {\"text\": \"first\", \"te\\u0078t\": \"last wins\"}  \n"
        "{\"text\": 42}\n"
        "{\"text\": \"a\",}\n"
        "{\"other\": \"o\"}\n";
    put(at(&d, "in.jsonl"), lines, sizeof lines - 1);
    slim_batch_options o = opts(tok, NULL);
    o.split = SLIM_SPLIT_JSONL;
    o.eos = 199999;
    slim_batch_where w;
    slim_error e;
    size_t n;
    uint32_t *ids = batch_ids(&o, &d, at(&d, "in.jsonl"), &n, &e, &w);
    cr_expect_eq(e, SLIM_ERR_NOT_FOUND, "a non-string field");
    cr_expect_eq(w.line, 5);
    cr_expect_eq(count_entries(&d), 1, "a failed run left files behind");

    o.skip_bad_records = 1;
    slim_batch_stats st;
    o.output = at(&d, "skip.bin");
    o.dtype = SLIM_TOKFILE_U32;
    const char *in = at(&d, "in.jsonl");
    cr_assert_eq(slim_batch_run(&in, 1, &o, &st, NULL), SLIM_OK);
    cr_expect_eq(st.skipped_records, 3);
    cr_expect_eq(st.documents, 3);
    slim_batch_stats_free(&st);
    ids = (uint32_t *)get(at(&d, "skip.bin"), &n);
    const char *docs[] = { "plain", "esc \"q\" \\ \xc3\xa9 \xf0\x9f\x98\x80 \n\t/", "last wins" };
    expect_docs(tok, ids, n / 4, docs, 3, 199999);
    free(ids);

    /* A syntax error: its line and the column where the scan stopped. */
    o.skip_bad_records = 0;
    const char bad[] = "{\"text\": \"ok\"}\n{\"text\": \"a\",}\n";
    put(at(&d, "bad.jsonl"), bad, sizeof bad - 1);
    ids = batch_ids(&o, &d, at(&d, "bad.jsonl"), &n, &e, &w);
    cr_expect_eq(e, SLIM_ERR_BAD_JSON);
    cr_expect_eq(w.line, 2);
    cr_expect_eq(w.offset, 13);
    cr_expect_eq(w.input, 0);

    /* --field names another member. */
    o.field = "other";
    o.skip_bad_records = 1;
    ids = batch_ids(&o, &d, at(&d, "in.jsonl"), &n, &e, &w);
    const char *other[] = { "o" };
    expect_docs(tok, ids, n, other, 1, 199999);
    free(ids);
    tdir_remove(&d);
    slim_tokenizer_free(tok);
}

Test(batch, invalid_utf8)
{
    slim_tokenizer *tok = builtin("o200k_base");
    tdir d = tdir_make();
    put(at(&d, "bad.txt"), "ab\xff" "cd\xc3", 6);
    slim_batch_options o = opts(tok, NULL);
    o.eos = 199999;
    slim_error e;
    size_t n;
    uint32_t *ids = batch_ids(&o, &d, at(&d, "bad.txt"), &n, &e, NULL);
    const char *rep[] = { "ab\xef\xbf\xbd" "cd\xef\xbf\xbd" };
    expect_docs(tok, ids, n, rep, 1, 199999);
    free(ids);
    o.invalid = SLIM_INVALID_SKIP;
    ids = batch_ids(&o, &d, at(&d, "bad.txt"), &n, &e, NULL);
    const char *skip[] = { "abcd" };
    expect_docs(tok, ids, n, skip, 1, 199999);
    free(ids);
    o.invalid = SLIM_INVALID_FAIL;
    slim_batch_where w;
    ids = batch_ids(&o, &d, at(&d, "bad.txt"), &n, &e, &w);
    cr_expect_eq(e, SLIM_ERR_BAD_UTF8);
    cr_expect_eq(w.offset, 2);
    tdir_remove(&d);
    slim_tokenizer_free(tok);
}

Test(batch, zstd_input_and_id_width)
{
    slim_tokenizer *tok = builtin("o200k_base");
    tdir d = tdir_make();
    const char text[] = "{\"text\": \"zstd frames\"}\n{\"text\": \"second frame\"}\n";
    size_t half = 24, cap = ZSTD_compressBound(sizeof text) * 2;
    uint8_t *z = malloc(cap);
    size_t a = ZSTD_compress(z, cap, text, half, 3);
    size_t b = ZSTD_compress(z + a, cap - a, text + half, sizeof text - 1 - half, 3);
    cr_assert(!ZSTD_isError(a) && !ZSTD_isError(b));
    put(at(&d, "in.zst"), z, a + b); /* two frames; the name says nothing */
    put(at(&d, "in.jsonl"), text, sizeof text - 1);
    slim_batch_options o = opts(tok, NULL);
    o.split = SLIM_SPLIT_JSONL;
    slim_error e;
    size_t n1, n2;
    uint32_t *plain = batch_ids(&o, &d, at(&d, "in.jsonl"), &n1, &e, NULL);
    uint32_t *zst = batch_ids(&o, &d, at(&d, "in.zst"), &n2, &e, NULL);
    cr_assert(plain && zst);
    cr_expect(n1 == n2 && memcmp(plain, zst, n1 * 4) == 0);
    free(plain);
    free(zst);
    put(at(&d, "cut.zst"), z, a + b - 3);
    slim_batch_where w;
    batch_ids(&o, &d, at(&d, "cut.zst"), &n2, &e, &w);
    cr_expect_eq(e, SLIM_ERR_COMPRESSION);
    free(z);

    /* o200k ids do not fit uint16: the first one that does not is named. */
    o.output = at(&d, "u16.bin");
    o.dtype = SLIM_TOKFILE_U16;
    o.eos = 199999;
    const char *in = at(&d, "in.jsonl");
    cr_expect_eq(run(&in, 1, &o, &w), SLIM_ERR_OVERFLOW);
    cr_expect_gt(w.token, 65535);
    cr_expect_eq(access(at(&d, "u16.bin"), F_OK), -1);
    tdir_remove(&d);
    slim_tokenizer_free(tok);
}

/* ---- input lists ---- */

Test(batch, corpus_list_parts)
{
    tdir d = tdir_make();
    cr_assert_eq(mkdir(at(&d, "sub"), 0755), 0);
    cr_assert_eq(mkdir(at(&d, "sub/deeper"), 0755), 0);
    const char *files[] = { "b.txt", "a.txt", "sub/z.txt", "sub/deeper/m.txt", "c.jsonl" };
    for (int i = 0; i < 5; i++)
        put(at(&d, files[i]), "x", 1);
    char **list;
    size_t n;
    const char *in[] = { d.path };
    cr_assert_eq(slim_corpus_list(in, 1, 0, 1, &list, &n, NULL), SLIM_OK);
    const char *order[] = { "a.txt", "b.txt", "c.jsonl", "sub/deeper/m.txt", "sub/z.txt" };
    cr_assert_eq(n, 5);
    for (size_t i = 0; i < n; i++)
        cr_expect_str_eq(list[i], at(&d, order[i]));
    slim_corpus_list_free(list, n);

    /* Three parts: contiguous, in order, covering everything once. */
    size_t seen = 0;
    for (uint32_t k = 0; k < 3; k++) {
        cr_assert_eq(slim_corpus_list(in, 1, k, 3, &list, &n, NULL), SLIM_OK);
        for (size_t i = 0; i < n; i++)
            cr_expect_str_eq(list[i], at(&d, order[seen + i]));
        seen += n;
        slim_corpus_list_free(list, n);
    }
    cr_expect_eq(seen, 5);

    char pattern[128];
    snprintf(pattern, sizeof pattern, "%s/*.txt", d.path);
    const char *globs[] = { pattern, "-" };
    cr_assert_eq(slim_corpus_list(globs, 2, 0, 0, &list, &n, NULL), SLIM_OK);
    cr_assert_eq(n, 3);
    cr_expect_str_eq(list[0], at(&d, "a.txt"));
    cr_expect_str_eq(list[2], "-");
    slim_corpus_list_free(list, n);

    slim_parse_error pe;
    const char *missing[] = { d.path, "/nonexistent/slim" };
    cr_expect_eq(slim_corpus_list(missing, 2, 0, 1, &list, &n, &pe), SLIM_ERR_NOT_FOUND);
    cr_expect_eq(pe.file, 1);
    cr_expect_eq(slim_corpus_list(in, 1, 3, 3, &list, &n, NULL), SLIM_ERR_INVALID_ARG);
    unlink(at(&d, "sub/deeper/m.txt"));
    rmdir(at(&d, "sub/deeper"));
    unlink(at(&d, "sub/z.txt"));
    rmdir(at(&d, "sub"));
    tdir_remove(&d);
}

Test(batch, npy_merge_checks_headers)
{
    slim_tokenizer *tok = builtin("o200k_base");
    tdir d = tdir_make();
    put(at(&d, "a.txt"), "one document", 12);
    put(at(&d, "b.txt"), "and another one", 15);
    slim_batch_options o = opts(tok, at(&d, "a.npy"));
    o.format = SLIM_TOKFILE_NPY;
    o.eos = 199999;
    const char *a = at(&d, "a.txt"), *b = at(&d, "b.txt");
    cr_assert_eq(run(&a, 1, &o, NULL), SLIM_OK);
    o.output = at(&d, "b.npy");
    cr_assert_eq(run(&b, 1, &o, NULL), SLIM_OK);
    o.output = at(&d, "ab.npy");
    const char *both[] = { a, b };
    cr_assert_eq(run(both, 2, &o, NULL), SLIM_OK);
    const char *parts[] = { strdup(at(&d, "a.npy")), strdup(at(&d, "b.npy")) };
    slim_batch_stats st;
    cr_assert_eq(slim_tokfile_merge(SLIM_TOKFILE_NPY, parts, 2, at(&d, "m.npy"), &st, NULL),
                 SLIM_OK);
    cr_expect_eq(st.n_outputs, 1);
    slim_batch_stats_free(&st);
    size_t n1, n2;
    uint8_t *x = get(at(&d, "ab.npy"), &n1), *y = get(at(&d, "m.npy"), &n2);
    cr_expect(n1 == n2 && memcmp(x, y, n1) == 0, "merged npy differs from one run");
    cr_expect(memcmp(x, "\x93NUMPY\x01\x00", 8) == 0 && x[127] == '\n');
    free(y);
    /* A shape that disagrees with the data is refused. */
    x[61] = x[61] == '9' ? '8' : '9'; /* the first digit of the shape */
    put(at(&d, "a.npy"), x, n1);
    slim_parse_error pe;
    cr_expect_eq(slim_tokfile_merge(SLIM_TOKFILE_NPY, parts, 2, at(&d, "m2.npy"), NULL, &pe),
                 SLIM_ERR_TRUNCATED);
    cr_expect_eq(pe.file, 0);
    free(x);
    free((char *)parts[0]);
    free((char *)parts[1]);
    tdir_remove(&d);
    slim_tokenizer_free(tok);
}
