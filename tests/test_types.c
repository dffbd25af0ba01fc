/*
 * The type table against ggml's (ids, names, block geometry), name lookup,
 * bits per weight and slim_row_size's errors.
 */
#include "slim.h"

#include <criterion/criterion.h>
#include <ctype.h>
#include <stdint.h>
#include <string.h>

/* ggml's type_traits at the reference commit: name, block size, bytes. */
static const struct { int id; const char *name; int64_t block; size_t bytes; } ggml_types[] = {
    { 0, "f32", 1, 4 },          { 1, "f16", 1, 2 },          { 2, "q4_0", 32, 18 },
    { 3, "q4_1", 32, 20 },       { 6, "q5_0", 32, 22 },       { 7, "q5_1", 32, 24 },
    { 8, "q8_0", 32, 34 },       { 9, "q8_1", 32, 36 },       { 10, "q2_K", 256, 84 },
    { 11, "q3_K", 256, 110 },    { 12, "q4_K", 256, 144 },    { 13, "q5_K", 256, 176 },
    { 14, "q6_K", 256, 210 },    { 15, "q8_K", 256, 292 },    { 16, "iq2_xxs", 256, 66 },
    { 17, "iq2_xs", 256, 74 },   { 18, "iq3_xxs", 256, 98 },  { 19, "iq1_s", 256, 50 },
    { 20, "iq4_nl", 32, 18 },    { 21, "iq3_s", 256, 110 },   { 22, "iq2_s", 256, 82 },
    { 23, "iq4_xs", 256, 136 },  { 24, "i8", 1, 1 },          { 25, "i16", 1, 2 },
    { 26, "i32", 1, 4 },         { 27, "i64", 1, 8 },         { 28, "f64", 1, 8 },
    { 29, "iq1_m", 256, 56 },    { 30, "bf16", 1, 2 },        { 34, "tq1_0", 256, 54 },
    { 35, "tq2_0", 256, 66 },    { 39, "mxfp4", 32, 17 },
};
#define NGGML (sizeof ggml_types / sizeof ggml_types[0])

static const int retired[] = { 4, 5, 31, 32, 33, 36, 37, 38 };

Test(types, table_matches_ggml)
{
    for (size_t i = 0; i < NGGML; i++) {
        const slim_type_info *t = slim_type_get((slim_type)ggml_types[i].id);
        cr_assert_not_null(t, "type %d (%s) missing", ggml_types[i].id, ggml_types[i].name);
        cr_expect_eq(t->type, ggml_types[i].id);
        cr_expect_str_eq(t->name, ggml_types[i].name);
        cr_expect_eq(t->block_size, ggml_types[i].block, "%s block size", t->name);
        cr_expect_eq(t->block_bytes, ggml_types[i].bytes, "%s block bytes", t->name);
        cr_expect_eq(t->is_quantized, ggml_types[i].block > 1, "%s is_quantized", t->name);
    }
}

Test(types, every_id_is_known_or_retired)
{
    int known = 0;
    for (int id = 0; id < SLIM_TYPE_COUNT; id++)
        known += slim_type_get((slim_type)id) != NULL;
    cr_expect_eq(known, (int)NGGML, "ids with an entry: %d", known);
}

Test(types, retired_and_unknown_ids_are_null)
{
    for (size_t i = 0; i < sizeof retired / sizeof retired[0]; i++)
        cr_expect_null(slim_type_get((slim_type)retired[i]), "id %d", retired[i]);
    cr_expect_null(slim_type_get(SLIM_TYPE_COUNT));
    cr_expect_null(slim_type_get((slim_type)-1));
    cr_expect_null(slim_type_get((slim_type)1000));
    size_t sz;
    cr_expect_eq(slim_row_size((slim_type)4, 32, &sz), SLIM_ERR_BAD_TYPE);
    cr_expect_eq(slim_type_bits_per_weight((slim_type)31), 0.0);
}

Test(types, kernels_for_the_types_slim_quantizes)
{
    /* The types with ggml reference vectors must have kernels. */
    static const char *const must[] = { "f32", "f16", "bf16", "q4_0", "q4_1", "q5_0",
                                         "q5_1", "q8_0", "q2_K", "q3_K", "q4_K", "q5_K",
                                         "q6_K", "iq4_nl", "iq4_xs", "tq1_0", "tq2_0",
                                         "mxfp4" };
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++) {
        slim_type t;
        cr_assert_eq(slim_type_from_name(must[i], &t), SLIM_OK);
        cr_expect(slim_type_get(t)->has_kernels, "%s has no kernels", must[i]);
    }
}

Test(types, from_name_is_case_insensitive)
{
    for (size_t i = 0; i < NGGML; i++) {
        char up[32], mixed[32];
        size_t n = strlen(ggml_types[i].name);
        for (size_t j = 0; j <= n; j++) {
            up[j] = (char)toupper((unsigned char)ggml_types[i].name[j]);
            mixed[j] = j % 2 ? up[j] : (char)tolower((unsigned char)ggml_types[i].name[j]);
        }
        slim_type t = SLIM_TYPE_COUNT;
        cr_expect_eq(slim_type_from_name(ggml_types[i].name, &t), SLIM_OK);
        cr_expect_eq(t, ggml_types[i].id, "%s", ggml_types[i].name);
        t = SLIM_TYPE_COUNT;
        cr_expect_eq(slim_type_from_name(up, &t), SLIM_OK, "%s", up);
        cr_expect_eq(t, ggml_types[i].id, "%s", up);
        t = SLIM_TYPE_COUNT;
        cr_expect_eq(slim_type_from_name(mixed, &t), SLIM_OK, "%s", mixed);
        cr_expect_eq(t, ggml_types[i].id, "%s", mixed);
    }
}

Test(types, from_name_rejects_unknown)
{
    static const char *const bad[] = { "", "q4", "q4_2", "q4_0 ", " q4_0", "q4_0_4_4", "DEPRECATED",
                                       "float", "q4_k_m" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        slim_type t = SLIM_TYPE_Q8_0;
        cr_expect_eq(slim_type_from_name(bad[i], &t), SLIM_ERR_BAD_TYPE, "\"%s\"", bad[i]);
        cr_expect_eq(t, SLIM_TYPE_Q8_0, "\"%s\" changed the output", bad[i]);
    }
    slim_type t;
    cr_expect_eq(slim_type_from_name(NULL, &t), SLIM_ERR_INVALID_ARG);
    cr_expect_eq(slim_type_from_name("q4_0", NULL), SLIM_ERR_INVALID_ARG);
}

Test(types, bits_per_weight)
{
    cr_expect_eq(slim_type_bits_per_weight(SLIM_TYPE_F32), 32.0);
    cr_expect_eq(slim_type_bits_per_weight(SLIM_TYPE_BF16), 16.0);
    cr_expect_eq(slim_type_bits_per_weight(SLIM_TYPE_Q4_0), 4.5);
    cr_expect_eq(slim_type_bits_per_weight(SLIM_TYPE_Q4_K), 4.5);
    cr_expect_eq(slim_type_bits_per_weight(SLIM_TYPE_Q6_K), 6.5625);
    cr_expect_eq(slim_type_bits_per_weight(SLIM_TYPE_MXFP4), 4.25);
    cr_expect_eq(slim_type_bits_per_weight(SLIM_TYPE_TQ1_0), 1.6875);
}

Test(types, row_size)
{
    size_t sz = 0;
    cr_expect_eq(slim_row_size(SLIM_TYPE_Q4_0, 32, &sz), SLIM_OK);
    cr_expect_eq(sz, 18u);
    cr_expect_eq(slim_row_size(SLIM_TYPE_Q4_0, 4096, &sz), SLIM_OK);
    cr_expect_eq(sz, 128u * 18u);
    cr_expect_eq(slim_row_size(SLIM_TYPE_Q4_K, 4096, &sz), SLIM_OK);
    cr_expect_eq(sz, 16u * 144u);
    cr_expect_eq(slim_row_size(SLIM_TYPE_F32, 3, &sz), SLIM_OK);
    cr_expect_eq(sz, 12u);
    cr_expect_eq(slim_row_size(SLIM_TYPE_MXFP4, 64, &sz), SLIM_OK);
    cr_expect_eq(sz, 34u);
    for (size_t i = 0; i < NGGML; i++) {
        cr_expect_eq(slim_row_size((slim_type)ggml_types[i].id, ggml_types[i].block * 7, &sz),
                     SLIM_OK);
        cr_expect_eq(sz, 7 * ggml_types[i].bytes, "%s", ggml_types[i].name);
    }
}

Test(types, row_size_errors)
{
    size_t sz = 12345;
    cr_expect_eq(slim_row_size(SLIM_TYPE_Q4_0, 0, &sz), SLIM_ERR_SHAPE);
    cr_expect_eq(slim_row_size(SLIM_TYPE_Q4_0, 31, &sz), SLIM_ERR_SHAPE);
    cr_expect_eq(slim_row_size(SLIM_TYPE_Q4_0, 33, &sz), SLIM_ERR_SHAPE);
    cr_expect_eq(slim_row_size(SLIM_TYPE_Q4_0, -32, &sz), SLIM_ERR_SHAPE);
    cr_expect_eq(slim_row_size(SLIM_TYPE_Q4_K, 128, &sz), SLIM_ERR_SHAPE);
    cr_expect_eq(slim_row_size(SLIM_TYPE_F32, 0, &sz), SLIM_ERR_SHAPE);
    cr_expect_eq(slim_row_size(SLIM_TYPE_F32, INT64_MIN, &sz), SLIM_ERR_SHAPE);
    cr_expect_eq(sz, 12345u, "failed calls must not write the size");
    /* The byte count overflows size_t although the column count fits. */
    cr_expect_eq(slim_row_size(SLIM_TYPE_F32, INT64_MAX, &sz), SLIM_ERR_OVERFLOW);
    cr_expect_eq(slim_row_size(SLIM_TYPE_F64, INT64_MAX / 2, &sz), SLIM_ERR_OVERFLOW);
    cr_expect_eq(slim_row_size(SLIM_TYPE_I64, INT64_MAX / 4 + 1, &sz), SLIM_ERR_OVERFLOW);
    cr_expect_eq(sz, 12345u, "failed calls must not write the size");
    /* The largest sizes that still fit are exact. */
    cr_expect_eq(slim_row_size(SLIM_TYPE_I8, INT64_MAX, &sz), SLIM_OK);
    cr_expect_eq(sz, (size_t)INT64_MAX);
    cr_expect_eq(slim_row_size(SLIM_TYPE_I64, INT64_MAX / 4, &sz), SLIM_OK);
    cr_expect_eq(sz, SIZE_MAX - 7, "2^64 - 8: the last size that fits");
    cr_expect_eq(slim_row_size(SLIM_TYPE_F32, INT64_MAX / 4, &sz), SLIM_OK);
    cr_expect_eq(sz, (size_t)(INT64_MAX / 4) * 4);
    /* Blocks of under 8 bytes per value cannot overflow a 64-bit size. */
    cr_expect_eq(slim_row_size(SLIM_TYPE_Q8_K, INT64_MAX / 256 * 256, &sz), SLIM_OK);
    cr_expect_eq(sz, (size_t)(INT64_MAX / 256) * 292);
    cr_expect_eq(slim_row_size(SLIM_TYPE_Q4_0, 32, NULL), SLIM_ERR_INVALID_ARG);
    cr_expect_eq(slim_row_size((slim_type)99, 32, &sz), SLIM_ERR_BAD_TYPE);
}
