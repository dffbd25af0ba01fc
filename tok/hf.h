/*
 * hf.h - Hugging Face tokenizer.json tokenizers (model BPE), exactly as the
 * `tokenizers` library encodes and decodes.
 *
 * Pipeline of one encode: added tokens are cut out of the raw text
 * (leftmost-longest, those with normalized=false), each remaining segment is
 * normalized, the normalized added tokens are cut out of it, each remaining
 * part is pre-tokenized into pieces and each piece goes through BPE. Unlike
 * tiktoken, HF ranks PAIRS of token ids (the index of "a b" in merges), so
 * the model has its own pair table and merge loop (hf_model.c).
 *
 * Strings are handled as HF sees them: the byte-level pre-tokenizer really
 * maps bytes to its printable characters, and the vocabulary holds the
 * file's strings unchanged.
 */
#ifndef SLIM_TOK_HF_H
#define SLIM_TOK_HF_H

#include <stddef.h>
#include <stdint.h>

#include "slim.h"
#include "tok/pretok.h"

/* The largest id may exceed the number of tokens by at most this much. */
#define HF_MAX_ID_GAP (1u << 20)

/* A growable byte string. */
typedef struct hf_buf {
    char *p;
    size_t n, cap;
} hf_buf;

int hf_buf_put(hf_buf *b, const void *s, size_t n); /* 0 on NOMEM */
void hf_buf_free(hf_buf *b);

/* A pattern of Split / Replace: a literal string or a regex. */
typedef struct hf_pattern {
    char *str;          /* the literal or the regex text */
    size_t len;
    int is_regex;
    slim_pretok re;     /* compiled regex (is_regex) */
} hf_pattern;

typedef enum hf_norm_kind {
    HF_NORM_NFC, HF_NORM_NFD, HF_NORM_NFKC, HF_NORM_NFKD, HF_NORM_LOWERCASE,
    HF_NORM_PREPEND, HF_NORM_REPLACE, HF_NORM_STRIP,
} hf_norm_kind;

typedef struct hf_norm {
    hf_norm_kind kind;
    char *str;          /* Prepend: the text; Replace: the content */
    size_t len;
    hf_pattern pat;     /* Replace */
    int left, right;    /* Strip */
} hf_norm;

typedef enum hf_behavior {
    HF_REMOVED, HF_ISOLATED, HF_MERGED_PREV, HF_MERGED_NEXT, HF_CONTIGUOUS,
} hf_behavior;

typedef enum hf_pre_kind {
    HF_PRE_BYTELEVEL, HF_PRE_SPLIT, HF_PRE_METASPACE, HF_PRE_DIGITS, HF_PRE_PUNCT,
    HF_PRE_WHITESPACE, HF_PRE_WSSPLIT,
} hf_pre_kind;

typedef enum hf_prepend { HF_PREPEND_ALWAYS, HF_PREPEND_FIRST, HF_PREPEND_NEVER } hf_prepend;

typedef struct hf_pre {
    hf_pre_kind kind;
    int add_prefix_space, use_regex;   /* ByteLevel */
    hf_pattern pat;                    /* Split */
    hf_behavior behavior;              /* Split, Punctuation */
    int invert;                        /* Split */
    uint32_t replacement;              /* Metaspace: the code point */
    hf_prepend prepend;                /* Metaspace */
    int split;                         /* Metaspace */
    int individual_digits;             /* Digits */
} hf_pre;

typedef enum hf_dec_kind {
    HF_DEC_BYTELEVEL, HF_DEC_METASPACE, HF_DEC_BYTEFALLBACK, HF_DEC_FUSE, HF_DEC_STRIP,
    HF_DEC_REPLACE,
} hf_dec_kind;

typedef struct hf_dec {
    hf_dec_kind kind;
    uint32_t ch;        /* Metaspace replacement, Strip content */
    hf_prepend prepend; /* Metaspace */
    int start, stop;    /* Strip */
    hf_pattern pat;     /* Replace */
    char *str;          /* Replace content */
    size_t len;
} hf_dec;

typedef struct hf_added {
    char *content;      /* as written */
    size_t len;
    char *match;        /* what is matched: content, normalized if `normalized` */
    size_t match_len;
    uint32_t id;
    int special, lstrip, rstrip, single_word, normalized;
} hf_added;

/* A byte trie over the added tokens of one pass, for leftmost-longest search. */
typedef struct hf_trie_node {
    uint32_t child;     /* first child, 0 = none */
    uint32_t sibling;   /* next sibling, 0 = none */
    int32_t added;      /* index in hf->added of the token ending here, -1 */
    uint8_t byte;
} hf_trie_node;

typedef struct hf_trie {
    hf_trie_node *nodes; /* nodes[0] is the root */
    uint32_t n, cap;
    uint32_t first[256]; /* the root's child for each byte (0 = none): the
                          * root has many children and is visited per byte */
} hf_trie;

/* Post-processor piece: a special token's ids or the sequence. */
typedef struct hf_tmpl_item {
    int is_seq;
    uint32_t *ids;
    size_t n_ids;
} hf_tmpl_item;

/* One slot of the merge-pair hash. */
typedef struct hf_pair {
    uint64_t key;           /* (a << 32 | b) + 1, 0 = empty */
    uint64_t val;           /* rank << 32 | new id */
} hf_pair;

/* The BPE model. */
typedef struct hf_bpe {
    uint32_t n_ids;         /* one past the largest vocabulary id */
    uint32_t *off;          /* n_ids + 1 offsets into tok (a missing id is empty) */
    uint8_t *present;       /* n_ids flags */
    char *tok;              /* all token strings */
    uint32_t *slots;        /* string hash: id + 1, 0 = empty */
    uint32_t mask;
    hf_pair *pairs;         /* pair hash: key and value side by side, so a
                             * probe that finds its pair costs one cache miss */
    uint64_t pmask;
    char *unk;              /* unk_token or NULL */
    uint32_t unk_id;
    char *prefix, *suffix;  /* continuing_subword_prefix, end_of_word_suffix */
    size_t prefix_len, suffix_len;
    int byte_fallback, fuse_unk, ignore_merges;
    uint32_t byte_ids[256]; /* <0xXX> ids, UINT32_MAX if absent */
    /* The id + 1 of each code point below HF_CP_IDS as a token of its own
     * (0 if absent): the first step of every word looks up each of its
     * characters, and byte-level vocabularies use only U+0021..U+0143. */
#define HF_CP_IDS 1024
    uint32_t cp_ids[HF_CP_IDS];
} hf_bpe;

typedef struct slim_hf {
    hf_norm *norms;
    size_t n_norms;
    hf_pre *pres;
    size_t n_pres;
    hf_dec *decs;
    size_t n_decs;
    hf_added *added;
    size_t n_added;
    int32_t *added_of_id;   /* vocab_size entries: index in added, -1 */
    hf_trie trie_raw, trie_norm;
    hf_tmpl_item *tmpl;     /* post-processor single template, NULL if none */
    size_t n_tmpl;
    hf_bpe bpe;
    char *chain_norm;       /* "NFC", "Sequence[Prepend, Replace]" ... for info */
    char *chain_pre;
    uint32_t vocab_size;    /* one past the largest id */
    /* GGUF "llama" vocabularies (formats/gguf_vocab_read.c): bpe.n_ids token
     * scores, merged by llama.cpp's SentencePiece rule (tok/spm.c) instead of
     * BPE pair ranks; NULL for BPE. */
    float *spm_scores;
    const char *kind;       /* slim_tokenizer_info.kind; NULL: "huggingface" */
} slim_hf;

void slim_hf_free(slim_hf *hf);

/* Building (formats/tokenizer_json.c calls these). */
slim_error hf_bpe_build_vocab(hf_bpe *m, const char **toks, const size_t *lens,
                              const uint32_t *ids, size_t n);
uint32_t hf_bpe_lookup(const hf_bpe *m, const char *s, size_t n);
/* Adds merge `rank` (a, b); returns SLIM_ERR_NOT_FOUND if a, b or a+b is not
 * in the vocabulary. */
slim_error hf_bpe_add_merge(hf_bpe *m, const char *a, size_t na, const char *b, size_t nb,
                            uint32_t rank, char **scratch, size_t *scratch_cap);
slim_error hf_bpe_reserve_merges(hf_bpe *m, size_t n);
slim_error hf_trie_add(hf_trie *t, const char *s, size_t n, int32_t added);
slim_error hf_pattern_init(hf_pattern *p, const char *s, size_t n, int is_regex,
                           size_t *err_off);
void hf_pattern_free(hf_pattern *p);

/* NFC / NFD / NFKC / NFKD of s[0..n) (valid UTF-8) into out (reset), with
 * Unicode 9.0 semantics as HF's normalization crate (hf_unorm.c). */
slim_error hf_unorm(const char *s, size_t n, int compose, int compat, hf_buf *out);
/* The code points assigned in Unicode 9.0 (generated hf_unorm_u9.c). */
extern const uint32_t hf_u9_assigned[];
extern const size_t hf_u9_assigned_n;
int hf_u9_is_assigned(uint32_t cp);

/* Normalizes s[0..n) into out (which is reset) by the whole chain. */
slim_error hf_normalize(const slim_hf *hf, const char *s, size_t n, hf_buf *out);

/* The BPE of one piece: appends ids. */
typedef struct hf_ids {
    uint32_t *v;
    size_t n, cap;
} hf_ids;
int hf_ids_push(hf_ids *a, uint32_t id);
slim_error hf_bpe_encode(const hf_bpe *m, const char *s, size_t n, hf_ids *out);

/* A piece of pre-tokenized text: bytes in an arena. */
typedef struct hf_piece {
    size_t off, len;
    int first;          /* starts at original offset 0 (Metaspace "first") */
} hf_piece;

typedef struct hf_pieces {
    hf_piece *v;
    size_t n, cap;
    hf_buf text;
} hf_pieces;
void hf_pieces_free(hf_pieces *p);

/* Runs the pre-tokenizer chain on one normalized part (first: it starts the
 * input). Replaces *out. */
slim_error hf_pretokenize(const slim_hf *hf, const char *s, size_t n, int first,
                          hf_pieces *out);

/* Unicode helpers (hf_text.c). */
size_t hf_utf8_next(const uint8_t *s, size_t n, size_t i, uint32_t *cp);
size_t hf_utf8_put(char *o, uint32_t cp);
int hf_is_whitespace(uint32_t cp);
int hf_is_word(uint32_t cp); /* \w of the regex crate */
/* Rust's String::from_utf8_lossy into out (appended). */
int hf_utf8_lossy(const uint8_t *s, size_t n, hf_buf *out);
/* The GPT-2 byte <-> printable character map. */
uint32_t hf_byte_char(uint8_t b);
int hf_char_byte(uint32_t cp); /* -1 if not one of the 256 */

#endif
