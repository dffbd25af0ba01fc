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

#endif
