/*
 * gguf_vocab.h - facts about llama.cpp's GGUF tokenizer vocabularies shared
 * by the reader (gguf_vocab_read.c) and the writer (gguf_vocab_write.c).
 */
#ifndef SLIM_FORMATS_GGUF_VOCAB_H
#define SLIM_FORMATS_GGUF_VOCAB_H

#include "slim.h"

/* llama.cpp's token types (tokenizer.ggml.token_type), numbered as
 * SentencePiece numbers its piece types. */
enum {
    GGUF_TOK_UNDEFINED = 0,
    GGUF_TOK_NORMAL = 1,
    GGUF_TOK_UNKNOWN = 2,
    GGUF_TOK_CONTROL = 3,
    GGUF_TOK_USER_DEFINED = 4,
    GGUF_TOK_UNUSED = 5,
    GGUF_TOK_BYTE = 6,
};

#define GGUF_VOCAB_MAX_REGEX 4

/* One tokenizer.ggml.pre of a "gpt2" vocabulary: the regexes llama.cpp
 * splits text with, applied in turn (each splits the pieces of the one
 * before, matches and the text between them both kept), and its flags. */
typedef struct gguf_vocab_pre {
    const char *names;  /* the names llama.cpp accepts, '|'-separated */
    const char *regex[GGUF_VOCAB_MAX_REGEX]; /* NULL-terminated */
    int ignore_merges;  /* a piece that is a whole token is that token */
    int add_bos;        /* llama.cpp's default for add_bos_token */
} gguf_vocab_pre;

/* The entry that accepts `name` (the empty name is "default"), or NULL. */
const gguf_vocab_pre *gguf_vocab_pre_find(const char *name, size_t len);

/* The pre name convert_hf_to_gguf.py gives a tokenizer.json whose
 * pre-tokenizer is one Split by `regex` (before a ByteLevel without regex),
 * or NULL if slim does not know it. */
const char *gguf_vocab_pre_of_regex(const char *regex, size_t len);

/* ---- the writer's view of a Hugging Face model folder ---- */

#include "formats/json_lite.h"

/* A JSON file of the folder; root NULL when the file is absent. */
typedef struct gv_json {
    jl_doc doc;
    const jl_val *root;
} gv_json;

typedef struct gv_folder {
    gv_json tok;        /* tokenizer.json */
    gv_json cfg;        /* tokenizer_config.json */
    gv_json config;     /* config.json */
    gv_json chat_json;  /* chat_template.json */
    char *chat_jinja;   /* chat_template.jinja (NUL-terminated) or NULL */
    size_t chat_jinja_len;
    char *msg;
    size_t msg_cap;
} gv_folder;

/* Fills f->msg and returns err. */
slim_error gv_fail(gv_folder *f, slim_error err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* SpecialVocab of gguf-py (before its 2026-06 "leading TemplateProcessing
 * token as BOS" change, which the shared reference files predate): the
 * special token ids, the add_*_token flags and the chat template, each in
 * the order convert_hf_to_gguf.py writes them. */
#define GV_MAX_SPECIAL 9
typedef struct gv_special {
    int n_ids;
    const char *id_type[GV_MAX_SPECIAL];   /* "bos", "eos", ... */
    uint32_t id[GV_MAX_SPECIAL];
    int n_add;
    const char *add_type[GV_MAX_SPECIAL];
    int add[GV_MAX_SPECIAL];
} gv_special;

/* n_vocab: ids at or above it are skipped (UINT64_MAX: no limit). */
slim_error gv_special_vocab(gv_folder *f, uint64_t n_vocab, gv_special *out);

/* Adds the special ids, add_* flags and chat template of sv to w. */
slim_error gv_special_write(gv_folder *f, const gv_special *sv, slim_gguf_writer *w,
                            uint64_t *n_kv);

/* One piece of a SentencePiece tokenizer.model. */
typedef struct gv_piece {
    const char *text;   /* into the file */
    size_t len;
    float score;
    int type;           /* SentencePiece's: 1 normal ... 6 byte */
} gv_piece;

/* Reads the pieces of a SentencePiece ModelProto (protobuf). On failure
 * *bad_off is the byte offset of the field at fault. The caller frees. */
slim_error gv_spm_model_parse(const uint8_t *d, size_t n, gv_piece **out, size_t *n_out,
                              size_t *bad_off);

#endif
