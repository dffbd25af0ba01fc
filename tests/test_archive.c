/*
 * .slim archives: pack -> unpack gives the same bytes (made-up folders and
 * the shared model folders), random access to any byte range and tensor,
 * identical archives for any thread count, and corrupted archives rejected
 * with the right error and offset.
 */
#include <criterion/criterion.h>

#include "slim.h"
#include "tests/util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

/* ---- helpers ---- */

static char *tmpdir(void)
{
    char *d = strdup("/tmp/slim-test-archive-XXXXXX");
    cr_assert(d && mkdtemp(d));
    return d;
}

static char *path2(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *s = malloc(n);
    snprintf(s, n, "%s/%s", a, b);
    return s;
}

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f, "cannot write %s", path);
    cr_assert_eq(fwrite(p, 1, n, f), n);
    fclose(f);
}

static void rm_rf(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d)))
            if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
                char *p = path2(path, de->d_name);
                rm_rf(p);
                free(p);
            }
        closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* A safetensors file of weight-like values in dtype (F32, BF16 or F16). */
static void write_model(const char *path, slim_dtype dt, int64_t rows, int64_t cols)
{
    slim_st_writer *w;
    cr_assert_eq(slim_st_writer_open(path, &w), SLIM_OK);
    int64_t shape[2] = { rows, cols };
    cr_assert_eq(slim_st_writer_add_tensor(w, "a.weight", dt, 2, shape), SLIM_OK);
    int64_t one[1] = { cols };
    cr_assert_eq(slim_st_writer_add_tensor(w, "a.norm", dt, 1, one), SLIM_OK);
    float *x = malloc((size_t)(rows * cols) * sizeof *x);
    cr_assert_eq(slim_synth_weights(x, 0, rows, cols, 7), SLIM_OK);
    size_t es = slim_dtype_size(dt), n = (size_t)(rows * cols);
    uint8_t *b = malloc(n * es);
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &x[i], 4);
        uint16_t h = (uint16_t)(u >> 16);
        if (es == 4)
            memcpy(b + 4 * i, &u, 4);
        else
            memcpy(b + 2 * i, &h, 2); /* F16 gets arbitrary 16-bit patterns: fine */
    }
    cr_assert_eq(slim_st_writer_write(w, b, n * es), SLIM_OK);
    cr_assert_eq(slim_st_writer_write(w, b, (size_t)cols * es), SLIM_OK);
    cr_assert_eq(slim_st_writer_finish(w), SLIM_OK);
    free(x);
    free(b);
}

/* A folder with model files, text, an empty file and a sub-folder. */
static char *make_folder(void)
{
    char *d = tmpdir();
    char *p;
    write_model(p = path2(d, "bf16.safetensors"), SLIM_DTYPE_BF16, 64, 200), free(p);
    write_model(p = path2(d, "f32.safetensors"), SLIM_DTYPE_F32, 33, 129), free(p);
    write_model(p = path2(d, "f16.safetensors"), SLIM_DTYPE_F16, 3, 7), free(p);
    const char *cfg = "{\"hidden_size\": 64, \"vocab_size\": 512}\n";
    write_file(p = path2(d, "config.json"), cfg, strlen(cfg)), free(p);
    write_file(p = path2(d, "empty"), "", 0), free(p);
    p = path2(d, "sub");
    cr_assert_eq(mkdir(p, 0777), 0);
    free(p);
    test_rng r;
    test_rng_seed(&r, 99);
    uint8_t noise[20000];
    test_rng_bytes(&r, noise, sizeof noise);
    write_file(p = path2(d, "sub/noise.bin"), noise, sizeof noise), free(p);
    return d;
}

static void *slurp(const char *path, size_t *n)
{
    void *p = test_read_file(path, n);
    cr_assert(p || *n == 0, "cannot read %s", path);
    return p;
}

static void pack(const char *out, const char *in, int threads, uint32_t chunk)
{
    slim_pack_options o = { .threads = threads, .chunk_size = chunk };
    slim_parse_error pe;
    const char *ins[1] = { in };
    slim_error e = slim_pack(out, ins, 1, &o, &pe);
    cr_assert_eq(e, SLIM_OK, "pack %s: %s (%s)", in, slim_strerror(e), pe.reason);
}

/* Every file of the archive read back through slim_archive_read equals the
 * file under `dir`; returns the number of files. */
static uint64_t compare_with(const slim_archive *a, const char *dir)
{
    uint64_t n = slim_archive_file_count(a);
    for (uint64_t i = 0; i < n; i++) {
        const slim_archive_file *f = slim_archive_file_at(a, i);
        char *p = path2(dir, f->name);
        size_t size = 0;
        uint8_t *want = slurp(p, &size);
        cr_assert_eq(f->size, size, "%s", f->name);
        uint8_t *got = malloc(size + 1);
        slim_parse_error pe;
        cr_assert_eq(slim_archive_read(a, i, 0, size, got, 2, &pe), SLIM_OK, "%s: %s",
                     f->name, pe.reason);
        cr_assert(size == 0 || !memcmp(got, want, size), "%s differs", f->name);
        free(got);
        free(want);
        free(p);
    }
    return n;
}

static void compare_trees(const slim_archive *a, const char *d1, const char *d2)
{
    for (uint64_t i = 0; i < slim_archive_file_count(a); i++) {
        const char *name = slim_archive_file_at(a, i)->name;
        char *p1 = path2(d1, name), *p2 = path2(d2, name);
        size_t n1 = 0, n2 = 0;
        uint8_t *b1 = slurp(p1, &n1), *b2 = slurp(p2, &n2);
        cr_assert(n1 == n2 && (n1 == 0 || !memcmp(b1, b2, n1)), "%s differs after unpack", name);
        free(b1), free(b2), free(p1), free(p2);
    }
}

/* ---- round trips ---- */

Test(archive, pack_unpack_folder)
{
    char *src = make_folder(), *work = tmpdir();
    char *arc = path2(work, "m.slim"), *out = path2(work, "out");
    pack(arc, src, 2, 4096);
    slim_archive *a;
    slim_parse_error pe;
    cr_assert_eq(slim_archive_open(arc, &a, &pe), SLIM_OK, "%s", pe.reason);
    cr_assert_eq(slim_archive_file_count(a), 6);
    cr_assert_neq(slim_archive_find_file(a, "sub/noise.bin"), UINT64_MAX);
    cr_assert_eq(slim_archive_tensor_count(a), 6);
    cr_assert_eq(slim_archive_verify(a, 3, NULL, NULL, &pe), SLIM_OK, "%s", pe.reason);
    cr_assert_eq(slim_archive_unpack(a, out, 2, NULL, NULL, &pe), SLIM_OK, "%s", pe.reason);
    compare_trees(a, src, out);
    compare_with(a, src);
    /* BF16 weights shrink; noise is stored, not grown by more than headers */
    const slim_archive_file *bf = slim_archive_file_at(a, slim_archive_find_file(a, "bf16.safetensors"));
    cr_assert_lt((double)bf->stored, 0.8 * (double)bf->size);
    const slim_archive_file *nz = slim_archive_file_at(a, slim_archive_find_file(a, "sub/noise.bin"));
    cr_assert_lt(nz->stored, nz->size + 5 * 48 + 64);
    slim_archive_close(a);
    rm_rf(src), rm_rf(work);
    free(src), free(work), free(arc), free(out);
}

Test(archive, pack_files_and_extract)
{
    char *src = make_folder(), *work = tmpdir();
    char *arc = path2(work, "m.slim"), *f1 = path2(src, "config.json"),
         *f2 = path2(src, "sub/noise.bin"), *x = path2(work, "noise.out");
    const char *ins[2] = { f1, f2 };
    cr_assert_eq(slim_pack(arc, ins, 2, NULL, NULL), SLIM_OK);
    slim_archive *a;
    cr_assert_eq(slim_archive_open(arc, &a, NULL), SLIM_OK);
    cr_assert_eq(slim_archive_file_count(a), 2);
    uint64_t i = slim_archive_find_file(a, "noise.bin");
    cr_assert_neq(i, UINT64_MAX);
    cr_assert_eq(slim_archive_extract(a, i, x, 1, NULL, NULL, NULL), SLIM_OK);
    size_t n1, n2;
    uint8_t *b1 = slurp(f2, &n1), *b2 = slurp(x, &n2);
    cr_assert(n1 == n2 && !memcmp(b1, b2, n1));
    free(b1), free(b2);
    /* the same name twice is refused */
    const char *dup[2] = { f1, f1 };
    slim_parse_error pe;
    cr_assert_eq(slim_pack(arc, dup, 2, NULL, &pe), SLIM_ERR_DUPLICATE);
    cr_assert_eq(pe.file, 1);
    slim_archive_close(a);
    rm_rf(src), rm_rf(work);
    free(src), free(work), free(arc), free(f1), free(f2), free(x);
}

Test(archive, random_access_ranges_and_tensors)
{
    char *src = make_folder(), *work = tmpdir();
    char *arc = path2(work, "m.slim"), *mf = path2(src, "f32.safetensors");
    pack(arc, src, 3, 4096);
    slim_archive *a;
    cr_assert_eq(slim_archive_open(arc, &a, NULL), SLIM_OK);
    uint64_t fi = slim_archive_find_file(a, "f32.safetensors");
    size_t n;
    uint8_t *want = slurp(mf, &n);
    test_rng r;
    test_rng_seed(&r, 5);
    uint8_t *got = malloc(n);
    for (int it = 0; it < 300; it++) {
        uint64_t off = test_rng_below(&r, (uint32_t)n);
        uint64_t len = test_rng_below(&r, (uint32_t)(n - off + 1));
        cr_assert_eq(slim_archive_read(a, fi, off, len, got, it % 4, NULL), SLIM_OK);
        cr_assert(len == 0 || !memcmp(got, want + off, len), "range %llu+%llu",
                  (unsigned long long)off, (unsigned long long)len);
    }
    cr_assert_eq(slim_archive_read(a, fi, n - 1, 2, got, 1, NULL), SLIM_ERR_INVALID_ARG);
    uint64_t ti = slim_archive_find_tensor(a, "a.weight");
    cr_assert_neq(ti, UINT64_MAX);
    for (uint64_t k = 0; k < slim_archive_tensor_count(a); k++) {
        const slim_archive_tensor *t = slim_archive_tensor_at(a, k);
        if (t->file != fi)
            continue;
        cr_assert_eq(slim_archive_read(a, fi, t->offset, t->size, got, 2, NULL), SLIM_OK);
        cr_assert(!memcmp(got, want + t->offset, t->size), "%s", t->name);
        cr_assert_str_eq(t->dtype, "F32");
    }
    free(got), free(want);
    slim_archive_close(a);
    rm_rf(src), rm_rf(work);
    free(src), free(work), free(arc), free(mf);
}

Test(archive, same_bytes_for_any_thread_count)
{
    char *src = make_folder(), *work = tmpdir();
    char *p1 = path2(work, "1.slim"), *p2 = path2(work, "2.slim"), *p7 = path2(work, "7.slim");
    pack(p1, src, 1, 4096);
    pack(p2, src, 2, 4096);
    pack(p7, src, 7, 4096);
    size_t n1, n2, n7;
    uint8_t *b1 = slurp(p1, &n1), *b2 = slurp(p2, &n2), *b7 = slurp(p7, &n7);
    cr_assert(n1 == n2 && !memcmp(b1, b2, n1), "1 and 2 threads differ");
    cr_assert(n1 == n7 && !memcmp(b1, b7, n1), "1 and 7 threads differ");
    free(b1), free(b2), free(b7);
    rm_rf(src), rm_rf(work);
    free(src), free(work), free(p1), free(p2), free(p7);
}

Test(archive, shared_model_folders)
{
    const char *root = test_data_dir();
    if (!root)
        cr_skip_test("shared data not found (set SLIM_SHARED_DATA or provide ../shared/data)");
    static const char *dirs[] = { "models/stories260K-hf", "models/stories260K-hf-bf16",
                                  "models/stories260K-hf-sharded",
                                  "models/stories260K-gguf-llamacpp", "models/synth-llama-a/hf" };
    char *work = tmpdir(), *arc = path2(work, "m.slim");
    int done = 0;
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        char *d = path2(root, dirs[i]);
        struct stat st;
        if (stat(d, &st) == 0 && S_ISDIR(st.st_mode)) {
            pack(arc, d, 0, 0);
            slim_archive *a;
            slim_parse_error pe;
            cr_assert_eq(slim_archive_open(arc, &a, &pe), SLIM_OK, "%s", pe.reason);
            cr_assert_eq(slim_archive_verify(a, 0, NULL, NULL, &pe), SLIM_OK, "%s", pe.reason);
            cr_assert_gt(compare_with(a, d), 0);
            cr_assert_gt(slim_archive_tensor_count(a), 0, "%s: no tensors found", dirs[i]);
            slim_archive_close(a);
            done++;
        }
        free(d);
    }
    rm_rf(work);
    free(work), free(arc);
    if (!done)
        cr_skip_test("no shared model folder present");
}

/* ---- corrupted archives ---- */

typedef struct image {
    uint8_t *p;
    size_t n;
} image;

static image small_archive(void)
{
    char *src = make_folder(), *work = tmpdir(), *arc = path2(work, "m.slim");
    pack(arc, src, 1, 4096);
    image im;
    im.p = slurp(arc, &im.n);
    rm_rf(src), rm_rf(work);
    free(src), free(work), free(arc);
    return im;
}

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> 8 * i);
}

/* Recomputes the index checksum after an edit of the index. */
static void rehash_index(image *im)
{
    uint8_t *foot = im->p + im->n - 48;
    put64(foot + 24, XXH3_64bits(im->p + le64(foot + 8), (size_t)le64(foot + 16)));
}

static slim_error open_image(const image *im, size_t n, slim_parse_error *pe)
{
    slim_archive *a = NULL;
    slim_error e = slim_archive_parse(im->p, n, &a, pe);
    cr_assert(e ? a == NULL : a != NULL);
    slim_archive_close(a);
    return e;
}

Test(archive_hostile, bad_magic)
{
    image im = small_archive();
    im.p[0] ^= 1;
    slim_parse_error pe;
    cr_assert_eq(open_image(&im, im.n, &pe), SLIM_ERR_BAD_MAGIC);
    cr_assert_eq(pe.offset, 0);
    free(im.p);
}

Test(archive_hostile, future_version)
{
    image im = small_archive();
    im.p[8] = 2;
    slim_parse_error pe;
    cr_assert_eq(open_image(&im, im.n, &pe), SLIM_ERR_BAD_VERSION);
    cr_assert_eq(pe.offset, 8);
    free(im.p);
}

Test(archive_hostile, truncated_anywhere)
{
    image im = small_archive();
    static const size_t cuts[] = { 0, 3, 8, 15, 16, 63, 100, 1000 };
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        slim_error e = open_image(&im, cuts[i], NULL);
        cr_assert(e == SLIM_ERR_TRUNCATED || e == SLIM_ERR_BAD_MAGIC, "cut %zu: %s", cuts[i],
                  slim_strerror(e));
    }
    for (size_t cut = im.n - 60; cut < im.n; cut++)
        cr_assert_eq(open_image(&im, cut, NULL), SLIM_ERR_TRUNCATED, "cut at %zu", cut);
    free(im.p);
}

Test(archive_hostile, index_checksum)
{
    image im = small_archive();
    uint64_t idx = le64(im.p + im.n - 40);
    im.p[idx + 20] ^= 0x40;
    slim_parse_error pe;
    cr_assert_eq(open_image(&im, im.n, &pe), SLIM_ERR_CHECKSUM);
    cr_assert_eq(pe.offset, im.n - 48 + 24);
    free(im.p);
}

Test(archive_hostile, index_offset_out_of_bounds)
{
    image im = small_archive();
    uint8_t *foot = im.p + im.n - 48;
    put64(foot + 8, im.n * 4);
    slim_parse_error pe;
    cr_assert_eq(open_image(&im, im.n, &pe), SLIM_ERR_BAD_OFFSET);
    cr_assert_eq(pe.offset, im.n - 48 + 8);
    put64(foot + 8, UINT64_MAX - 5);
    cr_assert_eq(open_image(&im, im.n, &pe), SLIM_ERR_BAD_OFFSET);
    free(im.p);
}

/* The index starts with its magic, then sections: the files section first
 * (kind 1), then the chunk table (kind 2). Returns the offset of the first
 * chunk entry. */
static uint64_t chunk_table(const image *im)
{
    uint64_t p = le64(im->p + im->n - 40) + 8;
    for (;;) {
        uint32_t kind = im->p[p] | im->p[p + 1] << 8;
        uint64_t len = le64(im->p + p + 8);
        if (kind == 2)
            return p + 16 + 8;
        p += 16 + len;
    }
}

Test(archive_hostile, chunk_offset_out_of_bounds)
{
    image im = small_archive();
    uint64_t e0 = chunk_table(&im);
    put64(im.p + e0, im.n); /* past the index */
    rehash_index(&im);
    slim_parse_error pe;
    cr_assert_eq(open_image(&im, im.n, &pe), SLIM_ERR_BAD_OFFSET);
    cr_assert_eq(pe.offset, e0);
    free(im.p);
}

Test(archive_hostile, chunk_size_mismatch)
{
    image im = small_archive();
    uint64_t e0 = chunk_table(&im);
    put64(im.p + e0 + 8, le64(im.p + e0 + 8) + 1);
    rehash_index(&im);
    cr_assert_eq(open_image(&im, im.n, NULL), SLIM_ERR_BAD_OFFSET);
    free(im.p);
}

Test(archive_hostile, chunk_checksum)
{
    image im = small_archive();
    uint64_t chunk = le64(im.p + chunk_table(&im));
    im.p[chunk + 32 + 20] ^= 1;
    slim_archive *a;
    cr_assert_eq(slim_archive_parse(im.p, im.n, &a, NULL), SLIM_OK); /* the index is fine */
    slim_parse_error pe;
    uint8_t buf[64];
    cr_assert_eq(slim_archive_read(a, 0, 0, 1, buf, 1, &pe), SLIM_ERR_CHECKSUM);
    cr_assert_eq(pe.offset, chunk + 24);
    cr_assert_eq(slim_archive_verify(a, 2, NULL, NULL, &pe), SLIM_ERR_CHECKSUM);
    slim_archive_close(a);
    free(im.p);
}

Test(archive_hostile, unknown_chunk_kind)
{
    image im = small_archive();
    uint64_t chunk = le64(im.p + chunk_table(&im));
    im.p[chunk + 4] = 77;
    slim_archive *a;
    cr_assert_eq(slim_archive_parse(im.p, im.n, &a, NULL), SLIM_OK);
    slim_parse_error pe;
    uint8_t buf[8];
    cr_assert_eq(slim_archive_read(a, 0, 0, 1, buf, 1, &pe), SLIM_ERR_UNSUPPORTED);
    cr_assert_eq(pe.offset, chunk + 4);
    slim_archive_close(a);
    free(im.p);
}

Test(archive_hostile, unknown_index_section_skipped)
{
    image im = small_archive();
    /* Rebuild the archive with an extra section of kind 99 in the index. */
    uint8_t *foot = im.p + im.n - 48;
    uint64_t io = le64(foot + 8), is = le64(foot + 16);
    size_t n = im.n + 16 + 5;
    uint8_t *p = malloc(n);
    memcpy(p, im.p, io + is);
    uint8_t *sec = p + io + is;
    memset(sec, 0, 21);
    sec[0] = 99;
    sec[8] = 5;
    memcpy(p + io + is + 21, foot, 48);
    image im2 = { p, n };
    put64(p + n - 48 + 16, is + 21);
    rehash_index(&im2);
    cr_assert_eq(open_image(&im2, n, NULL), SLIM_OK);
    free(p);
    free(im.p);
}

Test(archive_hostile, unsafe_names_refused)
{
    image im = small_archive();
    /* the first file name ("bf16.safetensors") becomes "../6.safetensors" */
    uint64_t p = le64(im.p + im.n - 40) + 8 + 16 + 8 + 36;
    cr_assert(!memcmp(im.p + p, "bf16", 4));
    memcpy(im.p + p, "../6", 4);
    rehash_index(&im);
    cr_assert_eq(open_image(&im, im.n, NULL), SLIM_ERR_CORRUPT);
    free(im.p);
}

/* Decompression bomb: a chunk whose index entry claims more bytes than its
 * stored bytes can decode to (zstd's densest frame is 1:32768) is refused at
 * open, at its size field, before anything is allocated or written for it;
 * one byte less passes that check (and then fails the file sizes). */
Test(archive_hostile, decompression_bomb_refused)
{
    image im = small_archive();
    uint64_t e0 = chunk_table(&im), n = le64(im.p + e0 - 8), best = 0, span = UINT64_MAX;
    for (uint64_t i = 0; i + 1 < n; i++) {
        uint64_t s = le64(im.p + e0 + 16 * (i + 1)) - le64(im.p + e0 + 16 * i);
        if (s < span)
            span = s, best = i;
    }
    cr_assert_lt(span * 32768, 64u << 20, "a chunk small enough to test the ratio");
    uint8_t *raw = im.p + e0 + 16 * best + 8;
    slim_parse_error pe;
    put64(raw, span * 32768);
    rehash_index(&im);
    cr_assert_eq(open_image(&im, im.n, &pe), SLIM_ERR_TOO_LARGE);
    cr_assert_eq(pe.offset, e0 + 16 * best + 8);
    put64(raw, span * 32768 - 1);
    rehash_index(&im);
    cr_assert_eq(open_image(&im, im.n, &pe), SLIM_ERR_BAD_OFFSET); /* sizes do not add up */
    free(im.p);
}

/* The densest real data (zeros) stays inside that bound: a 4 MiB chunk of
 * zeros packs into about 130 bytes and reads back. */
Test(archive, zeros_at_the_ratio_bound_read_back)
{
    char *work = tmpdir(), *in = path2(work, "zeros.bin"), *arc = path2(work, "z.slim");
    size_t n = 8u << 20;
    uint8_t *zeros = calloc(1, n), *back = malloc(n);
    write_file(in, zeros, n);
    pack(arc, in, 2, 4u << 20);
    slim_archive *a;
    cr_assert_eq(slim_archive_open(arc, &a, NULL), SLIM_OK);
    const slim_archive_file *f = slim_archive_file_at(a, 0);
    cr_assert_gt(f->size / f->stored, 8000, "ratio %llu", (unsigned long long)(f->size / f->stored));
    cr_assert_eq(slim_archive_read(a, 0, 0, n, back, 2, NULL), SLIM_OK);
    cr_assert(!memcmp(back, zeros, n));
    cr_assert_eq(slim_archive_verify(a, 2, NULL, NULL, NULL), SLIM_OK);
    slim_archive_close(a);
    rm_rf(work);
    free(zeros), free(back), free(work), free(in), free(arc);
}

/* Every level compresses weights: with zstd's fast strategy, levels 4-15
 * once carried a targetLength that switched literal compression off. */
Test(archive, every_level_compresses_bf16)
{
    char *src = make_folder(), *work = tmpdir(), *arc = path2(work, "m.slim");
    static const int levels[] = { 1, 3, 5, 9, 15, 16 };
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
        slim_pack_options o = { .level = levels[i], .threads = 2 };
        const char *ins[1] = { src };
        cr_assert_eq(slim_pack(arc, ins, 1, &o, NULL), SLIM_OK);
        slim_archive *a;
        cr_assert_eq(slim_archive_open(arc, &a, NULL), SLIM_OK);
        const slim_archive_file *f =
            slim_archive_file_at(a, slim_archive_find_file(a, "bf16.safetensors"));
        cr_assert_lt((double)f->stored, 0.8 * (double)f->size, "level %d: %llu of %llu",
                     levels[i], (unsigned long long)f->stored, (unsigned long long)f->size);
        slim_archive_close(a);
    }
    rm_rf(src), rm_rf(work);
    free(src), free(work), free(arc);
}
