/*
 * slim.h - the public API of libslim.
 *
 * libslim makes large language models small and prepares their data:
 * ggml-compatible weight quantization, exact BPE tokenization and safe model
 * file parsers. This header is the manual: every function says what it takes,
 * what it returns, who owns what, and whether it may be called from several
 * threads at once.
 *
 * General rules
 *  - The library never prints, exits or aborts. Every fallible function
 *    returns a slim_error; slim_strerror() turns it into a message.
 *  - Functions that take "where" arguments fill them only on failure, so the
 *    caller can say which row, column or byte offset was wrong.
 *  - All counts are int64_t or size_t and are checked before use: a size that
 *    would overflow is SLIM_ERR_OVERFLOW, never a wrap-around.
 *  - Unless a function says otherwise it is thread-safe: it touches only its
 *    arguments and read-only global tables.
 */
#ifndef SLIM_H
#define SLIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(SLIM_BUILDING_LIBRARY) && defined(__GNUC__)
#  define SLIM_API __attribute__((visibility("default")))
#else
#  define SLIM_API
#endif

#define SLIM_VERSION_MAJOR 0
#define SLIM_VERSION_MINOR 1
#define SLIM_VERSION_PATCH 0
#define SLIM_VERSION_STRING "0.1.0"

/** The library's version as "MAJOR.MINOR.PATCH". */
SLIM_API const char *slim_version(void);

/* ======================================================================
 * Errors
 * ====================================================================== */

/**
 * One error enum for the whole library. The numbers are fixed forever: a
 * value that is retired keeps its slot, new values are appended.
 */
typedef enum slim_error {
    SLIM_OK                   = 0,
    SLIM_ERR_NOMEM            = 1,  /* an allocation failed */
    SLIM_ERR_INVALID_ARG      = 2,  /* a NULL pointer or out-of-range argument */
    SLIM_ERR_IO               = 3,  /* a read, write, rename or open failed (see errno) */
    SLIM_ERR_UNSUPPORTED      = 4,  /* a type, component or feature this build cannot handle */
    SLIM_ERR_CPU_UNSUPPORTED  = 5,  /* SLIM_CPU or a forced path names a path this CPU lacks */
    SLIM_ERR_NONFINITE        = 6,  /* NaN or Inf in input to quantize */
    SLIM_ERR_SHAPE            = 7,  /* a row length that is not a whole number of blocks, etc. */
    SLIM_ERR_TRUNCATED        = 8,  /* input ends before the data it announces */
    SLIM_ERR_OVERFLOW         = 9,  /* a count, size or offset overflows */
    SLIM_ERR_BAD_MAGIC        = 10, /* the file is not of the expected format */
    SLIM_ERR_BAD_VERSION      = 11, /* a format version that is not supported */
    SLIM_ERR_CORRUPT          = 12, /* malformed content (see the parser's offset) */
    SLIM_ERR_TOO_LARGE        = 13, /* a count or length beyond the format's sane limits */
    SLIM_ERR_DUPLICATE        = 14, /* a key or name that appears twice */
    SLIM_ERR_BAD_TYPE         = 15, /* an unknown value or tensor type */
    SLIM_ERR_BAD_ALIGNMENT    = 16, /* an alignment that is zero or not a power of two */
    SLIM_ERR_BAD_OFFSET       = 17, /* data offsets out of bounds, overlapping or misplaced */
    SLIM_ERR_CHECKSUM         = 18, /* a stored checksum does not match the data */
    SLIM_ERR_BAD_UTF8         = 19, /* invalid UTF-8 where text was required */
    SLIM_ERR_BAD_JSON         = 20, /* JSON that does not parse or has the wrong shape */
    SLIM_ERR_NOT_FOUND        = 21, /* a named item (tensor, file, token, key) is absent */
    SLIM_ERR_SPECIAL_TOKEN    = 22, /* disallowed special-token text found in input */
    SLIM_ERR_BUFFER_TOO_SMALL = 23, /* a caller buffer is too small; the needed size is reported */
    SLIM_ERR_COMPRESSION      = 24, /* the compressor or decompressor failed */
    SLIM_ERR_COUNT_                 /* not an error: one past the last value */
} slim_error;

/** A static, human-readable message for any slim_error value (never NULL). */
SLIM_API const char *slim_strerror(slim_error err);

/* ======================================================================
 * CPU features and kernel paths
 * ====================================================================== */

/**
 * A kernel path: the set of kernels used for the hot loops. Every kernel has
 * a plain C reference (SCALAR); the others are chosen at run time when the
 * CPU and the OS support them. A path that lacks a kernel uses the next
 * narrower one (AVX512 -> AVX2 -> SCALAR).
 */
typedef enum slim_path {
    SLIM_PATH_SCALAR = 0,
    SLIM_PATH_AVX2   = 1, /* x86-64: AVX2 + FMA + F16C + BMI2, YMM state enabled by the OS */
    SLIM_PATH_AVX512 = 2, /* x86-64: AVX-512 F/BW/DQ/VL + the AVX2 path, ZMM state enabled */
    SLIM_PATH_NEON   = 3, /* AArch64 Advanced SIMD */
    SLIM_PATH_COUNT
} slim_path;

/** CPU feature bits returned by slim_cpu_features(). */
enum {
    SLIM_CPU_SSE42      = 1u << 0,
    SLIM_CPU_AVX        = 1u << 1,
    SLIM_CPU_AVX2       = 1u << 2,
    SLIM_CPU_FMA        = 1u << 3,
    SLIM_CPU_F16C       = 1u << 4,
    SLIM_CPU_BMI2       = 1u << 5,
    SLIM_CPU_AVX512F    = 1u << 6,
    SLIM_CPU_AVX512BW   = 1u << 7,
    SLIM_CPU_AVX512DQ   = 1u << 8,
    SLIM_CPU_AVX512VL   = 1u << 9,
    SLIM_CPU_AVX512VNNI = 1u << 10,
    SLIM_CPU_AVX512BF16 = 1u << 11,
    SLIM_CPU_AVX512VBMI = 1u << 12,
    SLIM_CPU_NEON       = 1u << 16,
    SLIM_CPU_DOTPROD    = 1u << 17,
    SLIM_CPU_FP16       = 1u << 18
};

/** The features of this CPU (with OS support checked), detected once. */
SLIM_API uint32_t slim_cpu_features(void);

/** Space-separated names of the bits set in `features` into buf; returns buf. */
SLIM_API const char *slim_cpu_features_string(uint32_t features, char *buf, size_t size);

/** Non-zero if this CPU and build can run `path`. */
SLIM_API int slim_path_supported(slim_path path);

/** "scalar", "avx2", "avx512" or "neon". */
SLIM_API const char *slim_path_name(slim_path path);

/** Parses a path name (case-insensitive); SLIM_ERR_INVALID_ARG if unknown. */
SLIM_API slim_error slim_path_from_name(const char *name, slim_path *out);

/**
 * The path in use. On first call it is chosen once: the widest supported
 * path, or the one named by the environment variable SLIM_CPU. A SLIM_CPU
 * value that names an unknown or unsupported path is not silently replaced:
 * slim_cpu_path_status() then returns the error and the scalar path is used
 * until slim_set_path() is called. Tools must check slim_cpu_path_status().
 */
SLIM_API slim_path slim_cpu_path(void);

/** SLIM_OK, or why the SLIM_CPU environment variable could not be honoured. */
SLIM_API slim_error slim_cpu_path_status(void);

/**
 * Forces `path` for all later calls in this process. Returns
 * SLIM_ERR_CPU_UNSUPPORTED if the CPU lacks it (the path is then unchanged).
 * Not thread-safe with concurrent kernel calls: call it before starting work.
 */
SLIM_API slim_error slim_set_path(slim_path path);

/* ======================================================================
 * Quantization types (ggml compatible)
 * ====================================================================== */

/** Tensor element types, numbered exactly as ggml's enum ggml_type. */
typedef enum slim_type {
    SLIM_TYPE_F32     = 0,
    SLIM_TYPE_F16     = 1,
    SLIM_TYPE_Q4_0    = 2,
    SLIM_TYPE_Q4_1    = 3,
    /* 4 and 5 are retired ggml types (Q4_2, Q4_3) */
    SLIM_TYPE_Q5_0    = 6,
    SLIM_TYPE_Q5_1    = 7,
    SLIM_TYPE_Q8_0    = 8,
    SLIM_TYPE_Q8_1    = 9,
    SLIM_TYPE_Q2_K    = 10,
    SLIM_TYPE_Q3_K    = 11,
    SLIM_TYPE_Q4_K    = 12,
    SLIM_TYPE_Q5_K    = 13,
    SLIM_TYPE_Q6_K    = 14,
    SLIM_TYPE_Q8_K    = 15,
    SLIM_TYPE_IQ2_XXS = 16,
    SLIM_TYPE_IQ2_XS  = 17,
    SLIM_TYPE_IQ3_XXS = 18,
    SLIM_TYPE_IQ1_S   = 19,
    SLIM_TYPE_IQ4_NL  = 20,
    SLIM_TYPE_IQ3_S   = 21,
    SLIM_TYPE_IQ2_S   = 22,
    SLIM_TYPE_IQ4_XS  = 23,
    SLIM_TYPE_I8      = 24,
    SLIM_TYPE_I16     = 25,
    SLIM_TYPE_I32     = 26,
    SLIM_TYPE_I64     = 27,
    SLIM_TYPE_F64     = 28,
    SLIM_TYPE_IQ1_M   = 29,
    SLIM_TYPE_BF16    = 30,
    /* 31..33 are retired ggml types */
    SLIM_TYPE_TQ1_0   = 34,
    SLIM_TYPE_TQ2_0   = 35,
    /* 36..38 are retired ggml types */
    SLIM_TYPE_MXFP4   = 39,
    SLIM_TYPE_COUNT   = 40  /* one past the last id slim knows */
} slim_type;

/** What slim knows of one type. */
typedef struct slim_type_info {
    slim_type   type;
    const char *name;          /* as ggml prints it: "q4_K", "iq4_xs", "bf16" */
    int64_t     block_size;    /* elements per block (1 for plain types) */
    size_t      block_bytes;   /* bytes per block */
    int         is_quantized;  /* block-quantized (not a plain number type) */
    int         has_kernels;   /* slim can quantize and dequantize rows of it */
} slim_type_info;

/** Information on `type`, or NULL if the id is unknown or retired. */
SLIM_API const slim_type_info *slim_type_get(slim_type type);

/** Looks a type up by name, case-insensitive ("Q4_K", "q4_k", "IQ4_XS"). */
SLIM_API slim_error slim_type_from_name(const char *name, slim_type *out);

/** Bits per weight of `type`: 8 * block_bytes / block_size. */
SLIM_API double slim_type_bits_per_weight(slim_type type);

/**
 * Bytes of one row of `cols` elements of `type` into *out.
 * SLIM_ERR_SHAPE if cols is not a positive multiple of the block size,
 * SLIM_ERR_OVERFLOW if the size does not fit, SLIM_ERR_BAD_TYPE if unknown.
 */
SLIM_API slim_error slim_row_size(slim_type type, int64_t cols, size_t *out);

/** Where quantization input was wrong (filled on SLIM_ERR_NONFINITE). */
typedef struct slim_position {
    int64_t row;
    int64_t col;
} slim_position;

/**
 * Quantizes `rows` rows of `cols` float32 values each from `src` into `dst`
 * (rows * row_size bytes), bit-identical to ggml's ggml_quantize_chunk.
 *
 * imatrix: NULL, or `cols` importance weights (ggml's quant_weights), used by
 *          the types whose ggml quantizer uses them.
 * threads: number of threads (<= 0: all cores). The output does not depend on
 *          it.
 * where:   optional; on SLIM_ERR_NONFINITE receives the row and column of the
 *          first NaN or Inf (the smallest row, then column).
 *
 * Returns SLIM_OK, SLIM_ERR_SHAPE (cols not a multiple of the block size),
 * SLIM_ERR_NONFINITE (nothing is guaranteed about dst then),
 * SLIM_ERR_UNSUPPORTED (a type without kernels), SLIM_ERR_INVALID_ARG,
 * SLIM_ERR_NOMEM. Thread-safe; src and dst must not overlap.
 */
SLIM_API slim_error slim_quantize(slim_type type, const float *src, void *dst,
                                  int64_t rows, int64_t cols,
                                  const float *imatrix, int threads,
                                  slim_position *where);

/**
 * Beyond ggml (opt-in, e.g. slim-quant --optimize): quantizes like
 * slim_quantize, then searches each super-block's scales further so that the
 * weighted squared error sum_j w_j (x_j - q_j)^2 (w = imatrix, or 1 when
 * imatrix is NULL) is lower. The format is unchanged (ggml and llama.cpp
 * read the rows as usual); the bytes are not ggml's. Every super-block is at
 * most as far from `src` as ggml's own result, and kept as ggml's when the
 * search finds nothing better. The search covers Q2_K, Q3_K, Q4_K, Q5_K and
 * Q6_K; other types are quantized exactly as slim_quantize does. Slower than
 * slim_quantize (several passes per super-block). The bytes do not depend on
 * `threads`. Arguments, errors and thread safety as slim_quantize.
 */
SLIM_API slim_error slim_quantize_optimized(slim_type type, const float *src, void *dst,
                                            int64_t rows, int64_t cols,
                                            const float *imatrix, int threads,
                                            slim_position *where);

/**
 * Dequantizes `rows` rows of `cols` values from `src` into float32 `dst`,
 * bit-identical to ggml's dequantize_row functions. Errors as above.
 */
SLIM_API slim_error slim_dequantize(slim_type type, const void *src, float *dst,
                                    int64_t rows, int64_t cols, int threads);

/**
 * Names of the kernels slim_quantize/slim_dequantize use for `type` on the
 * current path, for diagnostics: *quantize_path and *dequantize_path receive
 * the path whose kernel actually runs (a narrower one when the current path
 * has no kernel of its own for this type).
 */
SLIM_API slim_error slim_type_kernel_paths(slim_type type, slim_path *quantize_path,
                                           slim_path *dequantize_path);

/** Number of online CPUs (at least 1). */
SLIM_API int slim_cpu_count(void);

/* ======================================================================
 * Tokenizers
 * ====================================================================== */

/**
 * A byte-level BPE tokenizer that gives exactly the ids of OpenAI's tiktoken.
 * Opaque; made by slim_tokenizer_builtin() or slim_tokenizer_load_tiktoken(),
 * released by slim_tokenizer_free(). Once made it is read-only: any number of
 * threads may encode, decode and count with one tokenizer at the same time.
 */
typedef struct slim_tokenizer slim_tokenizer;

/** What encoding does with text that spells a special token. */
typedef enum slim_special_mode {
    /* The default, safe for untrusted text: special-token text is ordinary
     * text and encodes like any other (tiktoken's encode_ordinary). */
    SLIM_SPECIAL_AS_TEXT  = 0,
    /* Special-token text becomes the special token's id (tiktoken's
     * allowed_special="all"). */
    SLIM_SPECIAL_ALLOW    = 1,
    /* Special-token text is an error: SLIM_ERR_SPECIAL_TOKEN, with the token
     * and its byte offset in slim_tok_where (tiktoken's default). */
    SLIM_SPECIAL_DISALLOW = 2
} slim_special_mode;

/** A special token given to slim_tokenizer_load_tiktoken(). */
typedef struct slim_special_token {
    const char *text;   /* NUL-terminated, non-empty */
    uint32_t    id;     /* must not be a rank of the vocabulary */
} slim_special_token;

/**
 * Where a tokenizer call failed. Filled only on failure; every field not
 * relevant to the error is 0 (token: -1).
 *  - loading a rank file: line (1-based) and offset (byte offset in the file)
 *    of the bad line; SLIM_ERR_CORRUPT from a bad pattern: offset in the
 *    pattern;
 *  - encoding: offset of the invalid UTF-8 byte (SLIM_ERR_BAD_UTF8) or of the
 *    special token (SLIM_ERR_SPECIAL_TOKEN, token = its id);
 *  - decoding: index of the unknown id in the input, token = the id.
 */
typedef struct slim_tok_where {
    size_t  offset;
    size_t  line;
    size_t  index;
    int64_t token;
} slim_tok_where;

/**
 * Makes a built-in tokenizer, compiled into the library (no file access):
 * "o200k_base", "cl100k_base", "p50k_base", "p50k_edit", "r50k_base" or its
 * alias "gpt2", with tiktoken's split pattern and special tokens.
 * Returns SLIM_ERR_NOT_FOUND for another name, SLIM_ERR_NOMEM,
 * SLIM_ERR_COMPRESSION. *out is owned by the caller (slim_tokenizer_free).
 */
SLIM_API slim_error slim_tokenizer_builtin(const char *name, slim_tokenizer **out);

/**
 * The names slim_tokenizer_builtin() accepts, NULL-terminated (static).
 */
SLIM_API const char *const *slim_tokenizer_builtin_names(void);

/**
 * Loads a tiktoken rank file (`base64(token) rank` per line) from `path`,
 * with the split `pattern` (PCRE2 syntax; tiktoken's Rust-regex patterns
 * work unchanged) and `n_specials` special tokens (may be 0 and NULL).
 * A pattern equal to a built-in one uses its hand-written splitter.
 * Errors: SLIM_ERR_IO, SLIM_ERR_CORRUPT (bad line or pattern: see where),
 * SLIM_ERR_DUPLICATE (a rank, token or special given twice), SLIM_ERR_TOO_LARGE
 * (a token over 255 bytes or a rank of 2^24 or more), SLIM_ERR_INVALID_ARG,
 * SLIM_ERR_NOMEM. `where` may be NULL.
 */
SLIM_API slim_error slim_tokenizer_load_tiktoken(const char *path, const char *pattern,
                                                 const slim_special_token *specials,
                                                 size_t n_specials, slim_tokenizer **out,
                                                 slim_tok_where *where);

/** The same from a rank file already in memory (`size` bytes, not modified). */
SLIM_API slim_error slim_tokenizer_from_tiktoken(const void *data, size_t size,
                                                 const char *pattern,
                                                 const slim_special_token *specials,
                                                 size_t n_specials, slim_tokenizer **out,
                                                 slim_tok_where *where);

/** Releases a tokenizer; NULL is allowed. Not while other threads use it. */
SLIM_API void slim_tokenizer_free(slim_tokenizer *tok);

/**
 * Encodes `len` bytes of UTF-8 `text` into token ids.
 *
 * ids, cap: the caller's buffer of `cap` ids (ids may be NULL if cap is 0).
 * n_ids:    receives the number of ids of the whole encoding. If it exceeds
 *           cap, the first cap ids are written and SLIM_ERR_BUFFER_TOO_SMALL
 *           is returned: call again with *n_ids ids of room.
 * where:    optional, see slim_tok_where.
 *
 * Returns SLIM_OK, SLIM_ERR_BUFFER_TOO_SMALL, SLIM_ERR_BAD_UTF8 (text is not
 * valid UTF-8; tiktoken only takes valid strings), SLIM_ERR_SPECIAL_TOKEN
 * (mode SLIM_SPECIAL_DISALLOW), SLIM_ERR_NOT_FOUND (a byte the vocabulary
 * lacks: only possible with a loaded rank file), SLIM_ERR_NOMEM,
 * SLIM_ERR_INVALID_ARG. Thread-safe; allocates only scratch per call.
 */
SLIM_API slim_error slim_tokenizer_encode(const slim_tokenizer *tok, const char *text,
                                          size_t len, slim_special_mode mode,
                                          uint32_t *ids, size_t cap, size_t *n_ids,
                                          slim_tok_where *where);

/** Like slim_tokenizer_encode() but only counts the ids (into *n_ids). */
SLIM_API slim_error slim_tokenizer_count(const slim_tokenizer *tok, const char *text,
                                         size_t len, slim_special_mode mode,
                                         size_t *n_ids, slim_tok_where *where);

/**
 * Decodes `n` ids into their bytes (special tokens give their text) into
 * `out` (`cap` bytes; may be NULL if cap is 0). *n_bytes receives the size of
 * the whole decoding; if it exceeds cap, the first cap bytes are written and
 * SLIM_ERR_BUFFER_TOO_SMALL is returned. The bytes are exactly tiktoken's
 * decode_bytes: they may be invalid UTF-8 when a sequence is cut inside a
 * character. An id that is neither a rank nor a special is SLIM_ERR_NOT_FOUND
 * (where->index, where->token). Not NUL-terminated. Thread-safe.
 */
SLIM_API slim_error slim_tokenizer_decode(const slim_tokenizer *tok, const uint32_t *ids,
                                          size_t n, char *out, size_t cap, size_t *n_bytes,
                                          slim_tok_where *where);

/** The bytes of one id (a rank or a special), or NULL if unknown; *len set. */
SLIM_API const char *slim_tokenizer_token(const slim_tokenizer *tok, uint32_t id,
                                          size_t *len);

/** One past the largest id (ranks and specials): e.g. 200019 for o200k_base. */
SLIM_API size_t slim_tokenizer_vocab_size(const slim_tokenizer *tok);

/** Descriptive information about a tokenizer (pointers owned by it). */
typedef struct slim_tokenizer_info {
    const char *name;       /* built-in name, or the rank file's path */
    const char *kind;       /* "tiktoken" */
    const char *pattern;    /* the split pattern */
    const char *pretok;     /* "o200k", "cl100k", "gpt2" (hand-written) or "pcre2" */
    size_t      n_ranks;    /* tokens of the BPE vocabulary */
    size_t      n_specials;
    size_t      vocab_size; /* as slim_tokenizer_vocab_size() */
    /* tokenizer.json only (else NULL): the normalizer and pre-tokenizer
     * chains, e.g. "NFC" and "Split(regex, pcre2, Isolated) > ByteLevel(...)";
     * "none" when the file has none. */
    const char *normalizer;
    const char *pre_tokenizer;
} slim_tokenizer_info;

SLIM_API void slim_tokenizer_get_info(const slim_tokenizer *tok, slim_tokenizer_info *info);

/** Special token i (0 <= i < n_specials): its text and id. */
SLIM_API slim_error slim_tokenizer_special(const slim_tokenizer *tok, size_t i,
                                           const char **text, uint32_t *id);

/**
 * Testing and benchmarking: forces the generic PCRE2 splitter (use_fast = 0)
 * or the hand-written one when the pattern has one (1, the default). The ids
 * are the same either way. Not thread-safe with concurrent encodes.
 */
SLIM_API void slim_tokenizer_set_fast_split(slim_tokenizer *tok, int use_fast);

/**
 * Loads a Hugging Face tokenizer.json (model BPE), plain or zstd-compressed
 * (told by its magic), with the `tokenizers` library's exact encoding:
 * normalizers, pre-tokenizers, added tokens (special or not), byte fallback.
 * Encoding then follows slim_special_mode for the added tokens marked
 * special; the others are always recognized, as Hugging Face does.
 * slim_tokenizer_special() lists every added token. Decoding applies the
 * file's decoder (Hugging Face decode semantics: U+FFFD for invalid UTF-8).
 * A component slim does not implement is SLIM_ERR_UNSUPPORTED naming it.
 * On failure, msg (msg_cap bytes, may be NULL) receives one line saying what
 * is wrong and where (JSON path, or byte offset and line in where).
 */
SLIM_API slim_error slim_tokenizer_load_hf(const char *path, slim_tokenizer **out, char *msg,
                                           size_t msg_cap, slim_tok_where *where);

/** The same from a file already in memory (`size` bytes, not modified). */
SLIM_API slim_error slim_tokenizer_from_hf(const void *data, size_t size, slim_tokenizer **out,
                                           char *msg, size_t msg_cap, slim_tok_where *where);

/** 1 if the first n bytes of a file look like a tokenizer.json (a JSON
 * object, or a zstd frame), 0 otherwise (e.g. a .tiktoken rank file). */
SLIM_API int slim_tokenizer_is_hf(const void *head, size_t n);

/**
 * Adds the special tokens of the tokenizer's post-processor (Hugging Face
 * add_special_tokens=True, single sequence: TemplateProcessing, Roberta,
 * Bert) around ids[0..n) into out (cap ids); *n_out receives the total, and
 * SLIM_ERR_BUFFER_TOO_SMALL if it exceeds cap. Tokenizers without a
 * post-processor (every tiktoken one) copy the ids unchanged.
 */
SLIM_API slim_error slim_tokenizer_add_special(const slim_tokenizer *tok, const uint32_t *ids,
                                               size_t n, uint32_t *out, size_t cap,
                                               size_t *n_out);

/**
 * Loads the tokenizer of a GGUF model file (its tokenizer.ggml.* metadata),
 * encoding as llama.cpp does:
 *  - tokenizer.ggml.model "gpt2": byte-level BPE with tokenizer.ggml.merges,
 *    split by the regexes llama.cpp uses for tokenizer.ggml.pre ("default",
 *    "gpt-2", "llama-bpe", "qwen2", ... see docs/TOKENIZERS.md);
 *  - "llama": llama.cpp's SentencePiece tokenizer (merges by the score of
 *    the merged token, spaces as U+2581 with a prefix space unless
 *    tokenizer.ggml.add_space_prefix is false, byte fallback to <0xXX>).
 * Tokens of type CONTROL and UNKNOWN are the special tokens (slim_special_mode
 * applies); USER_DEFINED ones are always recognized in text.
 * slim_tokenizer_add_special() adds BOS / EOS as tokenizer.ggml.add_bos_token
 * and add_eos_token say. Decoding gives the text back (U+2581 -> space, the
 * prefix space dropped, <0xXX> -> bytes; special tokens give their text).
 * Another model or pre is SLIM_ERR_UNSUPPORTED naming it; a missing key
 * SLIM_ERR_NOT_FOUND; a bad id, a wrong type, an array length that differs
 * from the token count, a merge naming an unknown token: SLIM_ERR_CORRUPT /
 * SLIM_ERR_BAD_TYPE / SLIM_ERR_NOT_FOUND. On failure msg (msg_cap bytes, may
 * be NULL) receives one line naming the key and the element index, and
 * where (may be NULL) gets offset = the file offset of the entry and
 * index = the element.
 */
SLIM_API slim_error slim_tokenizer_load_gguf(const char *path, slim_tokenizer **out, char *msg,
                                             size_t msg_cap, slim_tok_where *where);

/** The same from a GGUF file already open (g may be closed afterwards: the
 * tokenizer copies what it needs). */
typedef struct slim_gguf slim_gguf;
SLIM_API slim_error slim_tokenizer_from_gguf(const slim_gguf *g, slim_tokenizer **out,
                                             char *msg, size_t msg_cap, slim_tok_where *where);

/** 1 if the first n bytes of a file start like a GGUF file ("GGUF"). */
SLIM_API int slim_tokenizer_is_gguf(const void *head, size_t n);

/**
 * Length of the longest prefix of s[0..n) that is valid UTF-8 (as the
 * encoder requires: no overlong forms, surrogates or code points above
 * U+10FFFF); n if all of it is. Lets callers find and replace invalid bytes.
 */
SLIM_API size_t slim_utf8_valid_prefix(const void *s, size_t n);

/* ======================================================================
 * Model files: GGUF and safetensors
 * ====================================================================== */

/*
 * Readers map a file read-only (or use a caller's buffer) and validate all of
 * it before returning a handle: after a successful open every name, shape,
 * offset and data pointer the handle hands out is in bounds and consistent.
 * Every count and length is checked against the bytes that remain before
 * it is used, so the tables a file makes the reader allocate are bounded by
 * a small multiple of the file's own size. Tensor data is never copied.
 *
 * Handles are immutable after open: any number of threads may read one
 * handle at the same time. Closing must not race with other use.
 *
 * Writers stream: they keep the metadata and the tensor table in memory,
 * never the tensor data, and write to a temporary file in the destination's
 * directory that is renamed over the destination only by a successful
 * finish. An aborted, failed or unfinished writer leaves no output behind.
 * A writer is used by one thread at a time.
 */

/**
 * Where and why a file was rejected. Reset by every open and parse
 * function and filled on failure; may be NULL.
 *  offset: the byte offset in the file of the field that is wrong (for a
 *          sharded safetensors model: in the file named by `file`). For a
 *          safetensors header: the entry's quoted name for a bad entry, and
 *          where the JSON parser stopped for JSON syntax errors.
 *  reason: a short static English phrase ("duplicate key"), never NULL after
 *          a failure.
 *  file:   which file: 0 for a single file; for a sharded safetensors model
 *          the shard's index (shards sorted by name), -1 for the index.
 */
typedef struct slim_parse_error {
    uint64_t    offset;
    const char *reason;
    int         file;
} slim_parse_error;

/** A string that lives inside a mapped file: not NUL-terminated. */
typedef struct slim_string {
    const char *data;
    size_t      len;
} slim_string;

/* ---------------------------------------------------------------- GGUF */

/** GGUF metadata value types, numbered as in the file. */
typedef enum slim_gguf_type {
    SLIM_GGUF_U8 = 0, SLIM_GGUF_I8 = 1, SLIM_GGUF_U16 = 2, SLIM_GGUF_I16 = 3,
    SLIM_GGUF_U32 = 4, SLIM_GGUF_I32 = 5, SLIM_GGUF_F32 = 6, SLIM_GGUF_BOOL = 7,
    SLIM_GGUF_STRING = 8, SLIM_GGUF_ARRAY = 9, SLIM_GGUF_U64 = 10,
    SLIM_GGUF_I64 = 11, SLIM_GGUF_F64 = 12,
    SLIM_GGUF_TYPE_COUNT
} slim_gguf_type;

#define SLIM_GGUF_MAX_DIMS 4
#define SLIM_GGUF_MAX_NAME 64   /* tensor names are shorter than this */
#define SLIM_GGUF_DEFAULT_ALIGNMENT 32

/** An open GGUF file (opaque). */
typedef struct slim_gguf slim_gguf;

/** One metadata entry. Pointers stay valid until the handle is closed. */
typedef struct slim_gguf_kv {
    slim_string    key;        /* non-empty, unique in the file */
    slim_gguf_type type;       /* SLIM_GGUF_ARRAY for arrays */
    slim_gguf_type elem_type;  /* the element type of an array, else == type */
    uint64_t       count;      /* number of elements of an array, 1 otherwise */
    uint64_t       offset;     /* file offset of the entry (its key length) */
} slim_gguf_kv;

/** One tensor. ne[0] is the innermost (contiguous) dimension, as in ggml. */
typedef struct slim_gguf_tensor {
    char        name[SLIM_GGUF_MAX_NAME]; /* NUL-terminated copy */
    slim_type   type;
    int         n_dims;                 /* 0..4 as stored; unused ne are 1 */
    int64_t     ne[SLIM_GGUF_MAX_DIMS];
    uint64_t    offset;                 /* relative to the data section; aligned;
                                           tensors never overlap, but need not
                                           be in order or contiguous */
    uint64_t    size;                   /* bytes */
    const void *data;                   /* inside the mapping */
} slim_gguf_tensor;

/**
 * Opens and validates the GGUF (v2 or v3) file at `path`, mapped read-only.
 * *out receives the handle (free with slim_gguf_close) or NULL on failure;
 * `where` (optional) says where and why. Errors: SLIM_ERR_IO, SLIM_ERR_NOMEM,
 * SLIM_ERR_INVALID_ARG and the parse errors of slim_gguf_parse.
 */
SLIM_API slim_error slim_gguf_open(const char *path, slim_gguf **out,
                                   slim_parse_error *where);

/**
 * Validates a GGUF image held by the caller. The buffer is not copied and
 * must stay unchanged and alive until slim_gguf_close. Errors:
 * SLIM_ERR_BAD_MAGIC, _BAD_VERSION (0, 1, > 3 or big-endian),
 * _TOO_LARGE (counts that cannot fit the file, > 4 dimensions, names of 64
 * bytes or more), _TRUNCATED (a field, string, array or tensor data past the
 * end), _CORRUPT (empty key, bool not 0/1, NUL in a tensor name),
 * _DUPLICATE (key or tensor name),
 * _BAD_TYPE (value type, tensor type, general.alignment not u32),
 * _UNSUPPORTED (nested arrays), _BAD_ALIGNMENT, _SHAPE (a zero or negative
 * dimension, ne[0] not a multiple of the block size), _OVERFLOW (element
 * count or byte size), _BAD_OFFSET (tensor data misaligned or overlapping).
 */
SLIM_API slim_error slim_gguf_parse(const void *data, size_t size, slim_gguf **out,
                                    slim_parse_error *where);

/** Releases the handle and its mapping. Accepts NULL. */
SLIM_API void slim_gguf_close(slim_gguf *g);

SLIM_API uint32_t slim_gguf_version(const slim_gguf *g);
SLIM_API uint32_t slim_gguf_alignment(const slim_gguf *g);
/** File offset of the data section (tensor offsets are relative to it). */
SLIM_API uint64_t slim_gguf_data_offset(const slim_gguf *g);
SLIM_API uint64_t slim_gguf_kv_count(const slim_gguf *g);
/** Entry i (0 <= i < count) or NULL. */
SLIM_API const slim_gguf_kv *slim_gguf_kv_at(const slim_gguf *g, uint64_t i);
/** The entry whose key is `key` (NUL-terminated) or NULL. */
SLIM_API const slim_gguf_kv *slim_gguf_find_kv(const slim_gguf *g, const char *key);

/**
 * Element `i` of an entry (i = 0 for a scalar), converted:
 *  _int:   any integer or bool type; SLIM_ERR_OVERFLOW for a u64 > INT64_MAX.
 *  _uint:  any integer or bool type; SLIM_ERR_OVERFLOW for a negative value.
 *  _float: F32 or F64.
 *  _str:   STRING (a view into the file, not NUL-terminated).
 * SLIM_ERR_BAD_TYPE if the entry's (element) type does not convert,
 * SLIM_ERR_INVALID_ARG if i is out of range or an argument is NULL.
 */
SLIM_API slim_error slim_gguf_kv_int(const slim_gguf *g, const slim_gguf_kv *kv,
                                     uint64_t i, int64_t *out);
SLIM_API slim_error slim_gguf_kv_uint(const slim_gguf *g, const slim_gguf_kv *kv,
                                      uint64_t i, uint64_t *out);
SLIM_API slim_error slim_gguf_kv_float(const slim_gguf *g, const slim_gguf_kv *kv,
                                       uint64_t i, double *out);
SLIM_API slim_error slim_gguf_kv_str(const slim_gguf *g, const slim_gguf_kv *kv,
                                     uint64_t i, slim_string *out);
/** The raw little-endian bytes of a scalar or of a numeric array's elements
 *  (NULL for strings and string arrays). */
SLIM_API const void *slim_gguf_kv_data(const slim_gguf *g, const slim_gguf_kv *kv);

/** By key: the scalar's value; SLIM_ERR_NOT_FOUND if the key is absent. */
SLIM_API slim_error slim_gguf_get_int(const slim_gguf *g, const char *key, int64_t *out);
SLIM_API slim_error slim_gguf_get_uint(const slim_gguf *g, const char *key, uint64_t *out);
SLIM_API slim_error slim_gguf_get_float(const slim_gguf *g, const char *key, double *out);
SLIM_API slim_error slim_gguf_get_str(const slim_gguf *g, const char *key, slim_string *out);

SLIM_API uint64_t slim_gguf_tensor_count(const slim_gguf *g);
/** Tensor i in file order (0 <= i < count) or NULL. */
SLIM_API const slim_gguf_tensor *slim_gguf_tensor_at(const slim_gguf *g, uint64_t i);
/** The tensor named `name` or NULL. */
SLIM_API const slim_gguf_tensor *slim_gguf_find_tensor(const slim_gguf *g, const char *name);

/** Name of a value type ("u32", "string", ...), "?" if unknown. */
SLIM_API const char *slim_gguf_type_name(slim_gguf_type t);

/** A GGUF v3 writer (opaque). */
typedef struct slim_gguf_writer slim_gguf_writer;

/**
 * Starts writing `path` (through a temporary file next to it).
 * Then: add metadata and declare every tensor, write the data of each
 * tensor in declaration order with slim_gguf_writer_write (in one or several
 * calls), and slim_gguf_writer_finish. The header is written when the first
 * data is written (or at finish); no metadata or tensor may be added after.
 */
SLIM_API slim_error slim_gguf_writer_open(const char *path, slim_gguf_writer **out);

/**
 * Adds a scalar entry. `value` points to the C type of `type` (uint8_t ...
 * double; bool as uint8_t 0/1; STRING: a slim_string). A key that is empty
 * or already added is SLIM_ERR_INVALID_ARG / SLIM_ERR_DUPLICATE.
 * general.alignment must be a U32 power of two; it sets the alignment.
 */
SLIM_API slim_error slim_gguf_writer_add_kv(slim_gguf_writer *w, const char *key,
                                            slim_gguf_type type, const void *value);
/** Adds an array: `count` elements of `elem_type` at `values` (slim_string
 *  elements for strings). Nested arrays are SLIM_ERR_UNSUPPORTED. */
SLIM_API slim_error slim_gguf_writer_add_array(slim_gguf_writer *w, const char *key,
                                               slim_gguf_type elem_type,
                                               const void *values, uint64_t count);
/** Copies an entry of an open reader (for rewriting a file);
 *  SLIM_ERR_INVALID_ARG for a key holding a NUL byte. */
SLIM_API slim_error slim_gguf_writer_copy_kv(slim_gguf_writer *w, const slim_gguf *g,
                                             const slim_gguf_kv *kv);
/** Declares a tensor; n_dims 1..4, ne[0] innermost. Validated like the
 *  reader validates (name < 64 bytes, unique, shape, block multiple). */
SLIM_API slim_error slim_gguf_writer_add_tensor(slim_gguf_writer *w, const char *name,
                                                slim_type type, int n_dims,
                                                const int64_t *ne);
/** Appends tensor data; a call may span tensors. Padding is added itself.
 *  SLIM_ERR_INVALID_ARG if more bytes come than were declared. */
SLIM_API slim_error slim_gguf_writer_write(slim_gguf_writer *w, const void *data, size_t size);
/** Completes the file and renames it into place; SLIM_ERR_INVALID_ARG if
 *  declared data is missing. The writer is freed in every case. */
SLIM_API slim_error slim_gguf_writer_finish(slim_gguf_writer *w);
/** Drops an unfinished writer and its temporary file. Accepts NULL. */
SLIM_API void slim_gguf_writer_abort(slim_gguf_writer *w);

/**
 * What slim_gguf_writer_add_hf_tokenizer() wrote (optional output).
 */
typedef struct slim_gguf_vocab_info {
    char     model[16];   /* tokenizer.ggml.model: "llama" or "gpt2" */
    char     pre[32];     /* tokenizer.ggml.pre: "default", "llama-bpe", ... */
    uint64_t n_tokens;    /* length of tokenizer.ggml.tokens (config.json's
                             vocab_size when it pads the vocabulary) */
    uint64_t n_merges;    /* 0 for "llama" */
    uint64_t n_kv;        /* entries added */
} slim_gguf_vocab_info;

/**
 * Adds the tokenizer metadata of the Hugging Face model folder `dir`
 * (tokenizer.json, plus tokenizer_config.json, generation_config.json,
 * config.json and tokenizer.model when present) to the writer, as
 * llama.cpp's convert_hf_to_gguf.py writes it, in its order:
 * tokenizer.ggml.model, .pre, .tokens, .scores (llama), .token_type,
 * .merges (gpt2), then .bos/.eos/.unknown/.padding_token_id,
 * .add_bos_token/.add_sep_token/.add_eos_token and tokenizer.chat_template
 * where the folder defines them. A SentencePiece-style tokenizer.json
 * (BPE + byte fallback + Metaspace/Prepend "U+2581") gives model "llama";
 * a byte-level one gives "gpt2" with the pre name recognized from its split
 * regex (llama-bpe, qwen2, gpt-2 ...). This is LlamaModel.set_vocab; for a
 * config.json model_type qwen2* / qwen3* it is Qwen2Model's (no
 * add_space_prefix, no SentencePiece-style tokenizer.json step). Anything
 * else is SLIM_ERR_UNSUPPORTED
 * naming it. Call it before the first tensor data is written. On failure
 * msg (may be NULL) receives one line saying what and where; entries
 * already added stay (abort the writer). Thread-safe for distinct writers.
 */
SLIM_API slim_error slim_gguf_writer_add_hf_tokenizer(slim_gguf_writer *w, const char *dir,
                                                      slim_gguf_vocab_info *info, char *msg,
                                                      size_t msg_cap);

/* ---------------------------------------------------- split GGUF models */

/*
 * A model split by llama.cpp's gguf-split: NAME-00001-of-00003.gguf ... with
 * the keys split.no (0-based), split.count and split.tensors.count in every
 * file. The files are opened and validated together and read as one model.
 * A file without split.* keys opens as a model of one file.
 */
typedef struct slim_gguf_split slim_gguf_split;

/**
 * Opens the split model that `path` (any of its files) belongs to. Every
 * file is validated as by slim_gguf_open (SLIM_ERR_IO if one is missing);
 * then SLIM_ERR_CORRUPT if the split keys disagree with the file names, with
 * each other or with the number of tensors found (where->offset is the entry
 * at fault), SLIM_ERR_DUPLICATE for a tensor name in two files.
 * where->file is the 0-based number of the file at fault.
 */
SLIM_API slim_error slim_gguf_split_open(const char *path, slim_gguf_split **out,
                                         slim_parse_error *where);
/** Releases every file. Accepts NULL. */
SLIM_API void slim_gguf_split_close(slim_gguf_split *s);
/** Number of files (1 for an unsplit file). */
SLIM_API int slim_gguf_split_file_count(const slim_gguf_split *s);
/** File i (0-based) for its metadata and layout; the model's metadata is
 *  file 0's. Owned by s. */
SLIM_API const slim_gguf *slim_gguf_split_file(const slim_gguf_split *s, int i);
SLIM_API uint64_t slim_gguf_split_tensor_count(const slim_gguf_split *s);
/** Tensor i over all files in order; *file (optional) receives its file. */
SLIM_API const slim_gguf_tensor *slim_gguf_split_tensor_at(const slim_gguf_split *s, uint64_t i,
                                                           int *file);
SLIM_API const slim_gguf_tensor *slim_gguf_split_find_tensor(const slim_gguf_split *s,
                                                             const char *name, int *file);

/* --------------------------------------------------------- safetensors */

/** safetensors dtypes slim reads and writes. */
typedef enum slim_dtype {
    SLIM_DTYPE_BOOL = 0, SLIM_DTYPE_U8, SLIM_DTYPE_I8, SLIM_DTYPE_U16,
    SLIM_DTYPE_I16, SLIM_DTYPE_F16, SLIM_DTYPE_BF16, SLIM_DTYPE_U32,
    SLIM_DTYPE_I32, SLIM_DTYPE_F32, SLIM_DTYPE_U64, SLIM_DTYPE_I64,
    SLIM_DTYPE_F64, SLIM_DTYPE_F8_E4M3, SLIM_DTYPE_F8_E5M2,
    SLIM_DTYPE_COUNT
} slim_dtype;

/** "F32", "BF16", ... or NULL if unknown. */
SLIM_API const char *slim_dtype_name(slim_dtype d);
/** Bytes per element, 0 if unknown. */
SLIM_API size_t slim_dtype_size(slim_dtype d);
/** Exact, case-sensitive name lookup; SLIM_ERR_BAD_TYPE if unknown. */
SLIM_API slim_error slim_dtype_from_name(const char *name, slim_dtype *out);

#define SLIM_SAFETENSORS_MAX_HEADER 100000000u

/** An open safetensors file or sharded model (opaque). */
typedef struct slim_safetensors slim_safetensors;

/** One tensor. shape is in file (row-major, outermost first) order. */
typedef struct slim_st_tensor {
    const char    *name;    /* NUL-terminated, owned by the handle */
    slim_dtype     dtype;
    int            n_dims;  /* 0 for a scalar */
    const int64_t *shape;   /* n_dims values, owned by the handle */
    uint64_t       begin;   /* data_offsets, relative to its file's data */
    uint64_t       end;
    uint64_t       size;    /* end - begin */
    int            file;    /* shard index (0 for a single file) */
    const void    *data;    /* inside the mapping */
    uint64_t       file_offset; /* absolute offset of the data in its file */
} slim_st_tensor;

/**
 * Opens and validates a safetensors model, mapped read-only: `path` is a
 * .safetensors file, a model.safetensors.index.json (sharded), or a folder
 * holding one of them (the index wins). Shard file names in an index must
 * be plain names in the index's folder. Every shard is validated, and the
 * index and the shards must agree exactly (SLIM_ERR_NOT_FOUND for a listed
 * tensor a shard lacks, SLIM_ERR_CORRUPT for one it holds unlisted,
 * SLIM_ERR_DUPLICATE for a name in two shards).
 */
SLIM_API slim_error slim_st_open(const char *path, slim_safetensors **out,
                                 slim_parse_error *where);

/**
 * Validates one safetensors image held by the caller (not copied; it must
 * outlive the handle), exactly as the reference library does:
 * SLIM_ERR_TRUNCATED (under 8 bytes, header or data past the end),
 * _TOO_LARGE (header over 100,000,000 bytes), _BAD_JSON (not a JSON object
 * starting with '{', wrong field shapes, __metadata__ values not strings),
 * _BAD_UTF8, _DUPLICATE (a key twice), _BAD_TYPE (unknown dtype),
 * _OVERFLOW (shape product times dtype size), _SHAPE (byte length differs
 * from the shape), _BAD_OFFSET (a gap or an overlap: tensors must tile the
 * data region from 0), _CORRUPT (bytes after the last tensor).
 */
SLIM_API slim_error slim_st_parse(const void *data, size_t size, slim_safetensors **out,
                                  slim_parse_error *where);

/** Releases the handle and its mappings. Accepts NULL. */
SLIM_API void slim_st_close(slim_safetensors *st);

/** Number of files (1, or the number of shards). */
SLIM_API int slim_st_file_count(const slim_safetensors *st);
SLIM_API uint64_t slim_st_tensor_count(const slim_safetensors *st);
/** Tensor i, ordered by file then data offset; NULL if out of range. */
SLIM_API const slim_st_tensor *slim_st_tensor_at(const slim_safetensors *st, uint64_t i);
SLIM_API const slim_st_tensor *slim_st_find_tensor(const slim_safetensors *st,
                                                   const char *name);
/** `__metadata__` entries (of the first file for sharded models). */
SLIM_API uint64_t slim_st_metadata_count(const slim_safetensors *st);
/** Entry i as NUL-terminated strings owned by the handle. */
SLIM_API slim_error slim_st_metadata_at(const slim_safetensors *st, uint64_t i,
                                        const char **key, const char **value);
/** The value of metadata `key` or NULL. */
SLIM_API const char *slim_st_metadata_get(const slim_safetensors *st, const char *key);

/** A safetensors writer (opaque). */
typedef struct slim_st_writer slim_st_writer;

/** Starts writing `path` (through a temporary file); then add metadata and
 *  tensors, write each tensor's data in declaration order, and finish. */
SLIM_API slim_error slim_st_writer_open(const char *path, slim_st_writer **out);
/** Adds a `__metadata__` string entry (unique key). */
SLIM_API slim_error slim_st_writer_add_metadata(slim_st_writer *w, const char *key,
                                                const char *value);
/** Declares a tensor (unique, non-empty name; shape outermost first). */
SLIM_API slim_error slim_st_writer_add_tensor(slim_st_writer *w, const char *name,
                                              slim_dtype dtype, int n_dims,
                                              const int64_t *shape);
/** Appends tensor data in declaration order; a call may span tensors. */
SLIM_API slim_error slim_st_writer_write(slim_st_writer *w, const void *data, size_t size);
/** Completes and renames the file; the writer is freed in every case. */
SLIM_API slim_error slim_st_writer_finish(slim_st_writer *w);
/** Drops an unfinished writer and its temporary file. Accepts NULL. */
SLIM_API void slim_st_writer_abort(slim_st_writer *w);

/* ======================================================================
 * Quantization mixes: llama-quantize's file types and per-tensor rules
 * ====================================================================== */

/*
 * A llama.cpp "file type" (llama_ftype) names a mix: a default tensor type
 * plus rules that give some tensors more bits (attn_v, ffn_down, output),
 * keep 1-D tensors and norms as they are, and fall back to another type when
 * a row is not a whole number of blocks. slim_mix_plan() applies those rules
 * exactly as llama.cpp's llama-quantize does (src/llama-quant.cpp), so a
 * converter that quantizes each tensor to the planned type writes the same
 * tensor types as llama-quantize.
 */

/** llama.cpp file types, numbered as LLAMA_FTYPE_* (general.file_type). */
typedef enum slim_ftype {
    SLIM_FTYPE_ALL_F32    = 0,
    SLIM_FTYPE_F16        = 1,
    SLIM_FTYPE_Q4_0       = 2,
    SLIM_FTYPE_Q4_1       = 3,
    SLIM_FTYPE_Q8_0       = 7,
    SLIM_FTYPE_Q5_0       = 8,
    SLIM_FTYPE_Q5_1       = 9,
    SLIM_FTYPE_Q2_K       = 10,
    SLIM_FTYPE_Q3_K_S     = 11,
    SLIM_FTYPE_Q3_K_M     = 12,
    SLIM_FTYPE_Q3_K_L     = 13,
    SLIM_FTYPE_Q4_K_S     = 14,
    SLIM_FTYPE_Q4_K_M     = 15,
    SLIM_FTYPE_Q5_K_S     = 16,
    SLIM_FTYPE_Q5_K_M     = 17,
    SLIM_FTYPE_Q6_K       = 18,
    SLIM_FTYPE_IQ4_NL     = 25,
    SLIM_FTYPE_IQ4_XS     = 30,
    SLIM_FTYPE_BF16       = 32,
    SLIM_FTYPE_TQ1_0      = 36,
    SLIM_FTYPE_TQ2_0      = 37,
    SLIM_FTYPE_MXFP4_MOE  = 38,
    SLIM_FTYPE_COUNT_     = 39  /* not a file type: one past the last value */
} slim_ftype;

/**
 * Parses a file type name as llama-quantize does, case-insensitive: "F32",
 * "F16", "BF16", "Q8_0", "Q4_K_M", ..., the aliases "Q3_K" (= Q3_K_M), "Q4_K"
 * (= Q4_K_M), "Q5_K" (= Q5_K_M), and "MXFP4" for "MXFP4_MOE".
 * SLIM_ERR_NOT_FOUND for another name, SLIM_ERR_INVALID_ARG for NULL.
 */
SLIM_API slim_error slim_ftype_from_name(const char *name, slim_ftype *out);

/** llama-quantize's name of `ft` ("Q4_K_M", "F32"), or NULL if unknown. */
SLIM_API const char *slim_ftype_name(slim_ftype ft);

/** The default tensor type of `ft` (Q4_K_M -> Q4_K), SLIM_TYPE_COUNT if unknown. */
SLIM_API slim_type slim_ftype_default_type(slim_ftype ft);

/** The model facts the rules look at (from the GGUF header or config.json). */
typedef struct slim_mix_model {
    const char *arch;      /* general.architecture ("llama", "qwen2", "falcon", ...);
                              NULL = "llama" */
    int         n_layer;   /* block_count: the ffn_* layer counters run over it */
    int         n_head;    /* attention.head_count (layer 0) */
    int         n_head_kv; /* attention.head_count_kv; 0 = same as n_head */
    int         n_expert;  /* expert_count; 0 or 1 for a dense model */
} slim_mix_model;

/** One --tensor-type override: the first pattern that matches wins. */
typedef struct slim_mix_override {
    const char *pattern;   /* a regular expression searched for in the tensor
                              name (std::regex_search, ECMAScript subset: . [] [^]
                              * + ? {m,n} | () ^ $ and \d \w \s \. escapes);
                              lowercased first, as llama-quantize does */
    slim_type   type;
} slim_mix_override;

/** What the user asked for (llama-quantize's options). Zero-init, then set. */
typedef struct slim_mix_options {
    slim_ftype  ftype;
    int         pure;              /* --pure: every quantizable tensor gets the
                                      default type, no rules, no fallback */
    int         has_imatrix;       /* an importance matrix is given (changes some
                                      rules) */
    int         leave_output;      /* --leave-output-tensor: output.weight is not
                                      quantized */
    int         set_output_type;   /* --output-tensor-type: use output_type */
    slim_type   output_type;
    int         set_token_embd_type; /* --token-embedding-type */
    slim_type   token_embd_type;
    const slim_mix_override *overrides; /* --tensor-type, in order; may be NULL */
    size_t      n_overrides;
} slim_mix_options;

/** One tensor of a plan: the caller fills the inputs, the plan the outputs. */
typedef struct slim_mix_tensor {
    /* in */
    const char *name;      /* GGUF tensor name ("blk.3.attn_v.weight") */
    int         n_dims;    /* as stored; ne[] beyond n_dims are ignored */
    int64_t     ne[SLIM_GGUF_MAX_DIMS]; /* ggml order: ne[0] = columns */
    slim_type   src_type;  /* the type the tensor has before quantizing (what
                              convert_hf_to_gguf would write: F32 for 1-D,
                              else the outtype); kept for tensors not quantized */
    /* out */
    slim_type   type;      /* the type to write */
    unsigned    flags;     /* SLIM_MIX_* bits below */
} slim_mix_tensor;

enum {
    SLIM_MIX_QUANTIZABLE   = 1u << 0, /* llama-quantize may change its type */
    SLIM_MIX_OVERRIDDEN    = 1u << 1, /* a --tensor-type / --output-tensor-type /
                                         --token-embedding-type choice */
    SLIM_MIX_FALLBACK      = 1u << 2, /* the rows did not fit the chosen type's
                                         blocks: llama.cpp's fallback was used */
    SLIM_MIX_F16_BEYOND    = 1u << 3, /* llama.cpp would fail here (no fallback
                                         for the type, or --pure on an unfit
                                         row): slim uses F16 instead */
    SLIM_MIX_NEEDS_IMATRIX = 1u << 4  /* llama.cpp refuses this without an
                                         importance matrix */
};

/**
 * Chooses every tensor's type as llama-quantize would for `opt`. Give all the
 * tensors of the model at once, in any order: the attn_v and ffn_down layer
 * counters run in llama-quantize's order (see slim_mix_compare_names), which
 * the plan applies internally. Fills tensors[i].type and .flags.
 * Returns SLIM_OK, SLIM_ERR_INVALID_ARG (NULL arguments, n_layer <= 0, an
 * unknown ftype), SLIM_ERR_CORRUPT (a bad override pattern; *bad = -1 - its
 * index), SLIM_ERR_SHAPE (a MoE tensor name without a valid "blk.N." layer;
 * *bad = its index), SLIM_ERR_NOMEM. `bad` may be NULL. Thread-safe.
 */
SLIM_API slim_error slim_mix_plan(const slim_mix_model *model, const slim_mix_options *opt,
                                  slim_mix_tensor *tensors, size_t n, int64_t *bad);

/**
 * llama-quantize's tensor order (the loader's weights map): tensors without a
 * "blk.N." prefix first, then by layer number, then by name (strcmp).
 * Returns <0, 0, >0 like strcmp; usable with qsort on names.
 */
SLIM_API int slim_mix_compare_names(const char *a, const char *b);

/* ======================================================================
 * Importance matrices (llama.cpp imatrix files)
 * ====================================================================== */

/**
 * An importance matrix as llama-quantize uses it: per tensor name, one weight
 * per column (times the number of experts), ready to pass to slim_quantize()
 * as `imatrix`. Read from either file form of llama.cpp's imatrix tool:
 *  - GGUF ("<name>.in_sum2" and "<name>.counts" tensors, imatrix.* keys):
 *    value = sum / count per expert (1 where the count is 0);
 *  - legacy .dat (int32 entry count; per entry int32 name length, name,
 *    int32 ncall, int32 nval, nval float32; then optionally int32 chunk count,
 *    int32 length and the dataset name): value = stored / ncall when ncall > 0.
 * Both give the float values llama-quantize computes. The handle is
 * immutable: any number of threads may read it.
 */
typedef struct slim_imatrix slim_imatrix;

typedef struct slim_imatrix_entry {
    const char  *name;      /* NUL-terminated tensor name */
    int64_t      n_values;  /* columns x experts */
    int64_t      n_experts; /* number of counts (1 for a dense tensor) */
    const float *values;    /* n_values weights */
} slim_imatrix_entry;

/**
 * Reads the imatrix file at `path` (GGUF if it starts with "GGUF", else the
 * legacy form). Errors: SLIM_ERR_IO, SLIM_ERR_NOMEM, the GGUF parse errors,
 * SLIM_ERR_TRUNCATED / _CORRUPT / _TOO_LARGE (legacy file: `where` has the
 * byte offset), SLIM_ERR_NOT_FOUND (a GGUF file with no imatrix entry, or an
 * .in_sum2 without its .counts), SLIM_ERR_SHAPE (sums not a multiple of the
 * counts), SLIM_ERR_NONFINITE (NaN or Inf values, as llama-quantize refuses).
 * *out is freed with slim_imatrix_close.
 */
SLIM_API slim_error slim_imatrix_open(const char *path, slim_imatrix **out,
                                      slim_parse_error *where);
/** The same from bytes in memory (copied as needed: the buffer may go). */
SLIM_API slim_error slim_imatrix_parse(const void *data, size_t size, slim_imatrix **out,
                                       slim_parse_error *where);
SLIM_API void slim_imatrix_close(slim_imatrix *m);
/** Number of entries; entry i (sorted by name) or NULL. */
SLIM_API size_t slim_imatrix_count(const slim_imatrix *m);
SLIM_API const slim_imatrix_entry *slim_imatrix_at(const slim_imatrix *m, size_t i);
/** The entry for tensor `name`, or NULL. */
SLIM_API const slim_imatrix_entry *slim_imatrix_find(const slim_imatrix *m, const char *name);
/** The chunk count (imatrix.chunk_count, or the legacy trailer's; 0 if absent). */
SLIM_API int64_t slim_imatrix_chunk_count(const slim_imatrix *m);
/** Number of dataset names and dataset i (NUL-terminated) or NULL; llama-quantize
 *  writes the first as quantize.imatrix.dataset. */
SLIM_API size_t slim_imatrix_dataset_count(const slim_imatrix *m);
SLIM_API const char *slim_imatrix_dataset(const slim_imatrix *m, size_t i);
/** Non-zero for a legacy .dat file. */
SLIM_API int slim_imatrix_is_legacy(const slim_imatrix *m);

/* ======================================================================
 * Model conversion
 * ====================================================================== */

/*
 * Turns a Hugging Face model folder (config.json and model.safetensors or a
 * sharded model.safetensors.index.json; LlamaForCausalLM,
 * MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM; F32, F16 or BF16
 * weights; rope type llama3 adds rope_freqs.weight) or a GGUF file (F32,
 * F16, BF16, Q8_0 or any type slim dequantizes) into a GGUF v3 file that
 * llama.cpp loads. Two steps: slim_convert_plan() reads and checks the
 * input and decides every output tensor's name, type and size (a dry run
 * stops there); slim_convert_write() streams the tensors one by one (mapped
 * input, one chunk of rows in flight, all threads on each) into a temporary
 * file renamed into place only when complete.
 *
 * A Hugging Face folder to F32, F16, BF16 or Q8_0 gives what llama.cpp's
 * convert_hf_to_gguf.py gives (same metadata, tokenizer, tensor names,
 * order, types and bytes; Q and K un-permuted for Llama). Other types,
 * pure, overrides, an imatrix or a GGUF input give what convert_hf_to_gguf.py
 * followed by llama-quantize gives (its tensor order, its rules, the
 * quantization keys at the end). general.name, basename, finetune, version,
 * organization and size_label follow the converter's heuristics on
 * _name_or_path and the folder's name; model-card (README.md) metadata is
 * not read.
 */

/** A planned conversion (opaque). Used by one thread at a time. */
typedef struct slim_convert slim_convert;

typedef struct slim_convert_options {
    /* llama.cpp's file type (slim_ftype_from_name): "F32", "F16", "BF16",
     * "Q8_0", or a mix ("Q4_K_M", "IQ4_XS", ...) planned by slim_mix_plan. */
    const char *type;
    int pure;              /* every quantizable tensor gets the one type */
    /* "REGEX=TYPE" overrides (slim_mix_override patterns), as
     * llama-quantize's --tensor-type: the first match wins. */
    const char *const *tensor_types;
    size_t n_tensor_types;
    int threads;           /* <= 0: all cores; the output does not depend on it */
    /* llama.cpp importance matrix (GGUF or legacy .dat, slim_imatrix_open)
     * for the quantized tensors, as llama-quantize --imatrix; NULL: none.
     * Its path is recorded in quantize.imatrix.file as given. */
    const char *imatrix;
    /* Hugging Face input: write no tokenizer.* entries (otherwise the
     * folder's tokenizer is required, see slim_gguf_writer_add_hf_tokenizer;
     * llama.cpp cannot run a file without one). */
    int no_tokenizer;
    /* Beyond llama.cpp (opt-in): quantize with slim_quantize_optimized (a scale
     * search that lowers the weighted squared error in the same formats, so
     * llama.cpp loads the file; the bytes then differ from llama-quantize's).
     * Much slower: a few ms of CPU per 256 weights for the K-quants. */
    int optimize;
    const volatile int *cancel; /* optional: non-zero (set by a signal handler)
                                   stops slim_convert_write after the current
                                   chunk (SLIM_ERR_IO, errno EINTR), removing
                                   the temporary file */
} slim_convert_options;

/** One output tensor of the plan. Strings are owned by the plan. */
typedef struct slim_convert_tensor {
    const char *name;      /* GGUF name ("blk.0.attn_q.weight") */
    const char *source;    /* name in the input */
    slim_type   src_type;  /* as stored in the input */
    slim_type   type;      /* written as */
    int         n_dims;
    int64_t     ne[4];     /* ne[0] innermost, as in GGUF */
    uint64_t    src_bytes;
    uint64_t    out_bytes;
    int         fallback;  /* a row is not a whole number of blocks of the type
                              the rules chose: 1 = llama.cpp's own fallback
                              type, 2 = F16 where llama.cpp has none and fails */
} slim_convert_tensor;

typedef struct slim_convert_info {
    const char *arch;        /* "llama", "qwen2", "qwen3" */
    const char *source_arch; /* config.json's architecture, or "gguf" */
    uint32_t    file_type;   /* general.file_type (llama_ftype) */
    uint64_t    n_params;    /* elements of all tensors */
    uint64_t    src_bytes;   /* tensor data read */
    uint64_t    out_bytes;   /* tensor data written */
    uint64_t    n_fallback;  /* tensors with a fallback type (see slim_convert_tensor) */
} slim_convert_info;

/**
 * Reads `input` (a folder, a .safetensors/.index.json inside one, or a
 * .gguf file), checks it and plans the output. opt->type is required.
 * On failure msg (msg_cap bytes, may be NULL) receives one line naming the
 * file, tensor or key at fault. Errors: SLIM_ERR_NOT_FOUND (a missing file
 * or tensor), SLIM_ERR_UNSUPPORTED (an architecture - the message lists the
 * supported ones -, a source dtype, a type this build cannot write),
 * SLIM_ERR_SHAPE (a tensor whose shape disagrees with config.json),
 * SLIM_ERR_BAD_JSON, SLIM_ERR_INVALID_ARG (a bad type name or pattern), the
 * safetensors and GGUF parse errors, SLIM_ERR_NOMEM. *out is NULL on failure.
 */
SLIM_API slim_error slim_convert_plan(const char *input, const slim_convert_options *opt,
                                      slim_convert **out, char *msg, size_t msg_cap);

SLIM_API const slim_convert_info *slim_convert_get_info(const slim_convert *c);
SLIM_API uint64_t slim_convert_tensor_count(const slim_convert *c);
/** Tensor i in output order, or NULL. */
SLIM_API const slim_convert_tensor *slim_convert_tensor_at(const slim_convert *c, uint64_t i);

/** Called from the calling thread after each chunk: tensor index, bytes of
 *  source data done in all and in total. */
typedef void (*slim_convert_progress_fn)(void *ctx, uint64_t tensor, uint64_t done,
                                         uint64_t total);

/**
 * Writes the planned GGUF to out_path (temporary file, renamed when
 * complete; removed on any failure). Errors: SLIM_ERR_NONFINITE (msg names
 * the tensor, row and column of the first NaN or Inf), SLIM_ERR_IO (errno
 * kept: ENOSPC for a full disk, EINTR for a cancel), SLIM_ERR_NOMEM,
 * SLIM_ERR_UNSUPPORTED, and the tokenizer errors of
 * slim_gguf_writer_add_hf_tokenizer (a folder without tokenizer.json or
 * tokenizer.model is SLIM_ERR_NOT_FOUND unless no_tokenizer).
 * Memory: two buffers of one chunk of rows (at most 64 MiB each, or one
 * row); the input's pages are dropped from the process once converted
 * (madvise), so resident memory does not grow with the model.
 */
SLIM_API slim_error slim_convert_write(slim_convert *c, const char *out_path,
                                       slim_convert_progress_fn progress, void *progress_ctx,
                                       char *msg, size_t msg_cap);

/** Releases the plan and its input mappings. Accepts NULL. */
SLIM_API void slim_convert_free(slim_convert *c);

/* ======================================================================
 * Quantization error metrics and synthetic test weights
 * ====================================================================== */

/**
 * How far an approximation (e.g. dequantized weights) is from a reference.
 * Zero-initialize it (`slim_error_stats s = {0};`), then call
 * slim_error_stats_add() once or in chunks (n may be 0); the result fields
 * are valid after the first call and up to date after every call. Sums are kept in double and added in element order, so
 * the same data in the same chunks gives the same numbers on every machine.
 * NaN or Inf in either input makes the results NaN or Inf (nothing is
 * skipped silently).
 */
typedef struct slim_error_stats {
    /* Results. */
    int64_t count;          /* elements compared */
    double  rmse;           /* sqrt(mean((approx - ref)^2)) */
    double  rel_rmse;       /* rmse / sqrt(mean(ref^2)); 0 if both are all zero,
                               +Inf if only ref is all zero */
    double  cosine;         /* cosine similarity of ref and approx; 1 if both are
                               all zero, 0 if exactly one is */
    double  max_abs_err;    /* largest |approx - ref| */
    int64_t max_abs_index;  /* element index of the first largest error, counted
                               over all chunks added (-1 while count is 0) */
    /* Running sums (read them if useful; do not modify). */
    double  sum_ref2, sum_approx2, sum_dot, sum_err2;
} slim_error_stats;

/**
 * Adds n pairs (ref[i], approx[i]) to `stats`. n may be 0 (pointers may then
 * be NULL). Returns SLIM_ERR_INVALID_ARG for a NULL stats, NULL arrays with
 * n > 0 or n < 0. Thread-safe for distinct stats.
 */
SLIM_API slim_error slim_error_stats_add(slim_error_stats *stats, const float *ref,
                                         const float *approx, int64_t n);

/**
 * Adds the elements summarized by `other` to `into`, as if they had been
 * added after the elements already in `into` (for chunks processed apart).
 */
SLIM_API slim_error slim_error_stats_merge(slim_error_stats *into,
                                           const slim_error_stats *other);

/**
 * Fills dst with rows x cols deterministic, weight-like float32 values: per
 * row a scale around 0.02, near-Gaussian values (tails to about 4.2 sigma),
 * one column in 64 with 4x the scale (channel outliers) and about one value
 * in 1024 an outlier of 6 to 16 times the row scale. Row r of the matrix
 * depends only on (seed, r, cols), so a large matrix can be made in pieces:
 * `first_row` is the index of dst's first row. Only exact IEEE operations are
 * used: the values are bit-identical on every platform.
 * Returns SLIM_ERR_INVALID_ARG (NULL dst with rows > 0, negative counts) or
 * SLIM_ERR_OVERFLOW.
 */
SLIM_API slim_error slim_synth_weights(float *dst, int64_t first_row, int64_t rows,
                                       int64_t cols, uint64_t seed);

/* ======================================================================
 * .slim archives
 * ====================================================================== */

/*
 * A .slim archive holds a whole model folder in one file: weights (GGUF,
 * safetensors or any file), config and tokenizer files. Data is cut into
 * chunks compressed with zstd; F16/BF16/F32 tensors of safetensors and GGUF
 * files are byte-grouped first (exponent bytes in their own stream). Every
 * chunk, the index and the whole archive carry xxh3-64 checksums; an index
 * at the end gives random access to any file or tensor. docs/FORMAT-slim.md
 * specifies the format.
 *
 * Names inside an archive are relative paths with '/' separators and no
 * empty, "." or ".." parts, so unpacking never writes outside its folder.
 * Errors fill an optional slim_parse_error: `offset` is the archive offset
 * of the bad field, `file` the index of the input (packing) or of the
 * archive file (reading) concerned, 0 otherwise.
 */

/** Called from the calling thread as work completes: `done` of `total`
 *  bytes (uncompressed). */
typedef void (*slim_progress_fn)(void *ctx, uint64_t done, uint64_t total);

typedef struct slim_pack_options {
    int              level;       /* zstd level 1..19; 0: 3 */
    int              threads;     /* <= 0: all cores; the archive is the same
                                     bytes for every thread count */
    uint32_t         chunk_size;  /* raw bytes per chunk; 0: 1 MiB; else a
                                     multiple of 4 in 4 KiB..64 MiB */
    slim_progress_fn progress;    /* optional */
    void            *progress_ctx;
} slim_pack_options;

/**
 * Packs `inputs` into the archive `out_path`. Each input is a folder (its
 * regular files, recursively, named by their path inside it) or a file
 * (named by its base name). Files are stored sorted by name. The archive is
 * written to a temporary name and renamed into place only when complete.
 * opt may be NULL (defaults). Errors: SLIM_ERR_INVALID_ARG (bad options, a
 * file name that is not a valid archive name), SLIM_ERR_DUPLICATE (two inputs
 * give the same name; where->file is the second), SLIM_ERR_IO (errno kept),
 * SLIM_ERR_NOMEM, SLIM_ERR_COMPRESSION. Thread-safe (no shared state).
 */
SLIM_API slim_error slim_pack(const char *out_path, const char *const *inputs, int n_inputs,
                              const slim_pack_options *opt, slim_parse_error *where);

/** An open archive (opaque). Immutable: any number of threads may list,
 *  read and extract at once. Closing must not race with other use. */
typedef struct slim_archive slim_archive;

/** One stored file. Strings are owned by the handle. */
typedef struct slim_archive_file {
    const char *name;
    uint64_t    size;      /* bytes when unpacked */
    uint64_t    stored;    /* bytes of its chunks in the archive */
    uint64_t    xxh3;      /* xxh3-64 of the unpacked content */
    uint64_t    n_chunks;
} slim_archive_file;

/** One tensor of a safetensors or GGUF file in the archive. */
typedef struct slim_archive_tensor {
    const char     *name;
    const char     *dtype;  /* "BF16", "F32" (safetensors) or "bf16", "q4_K" (GGUF) */
    uint64_t        file;   /* index of the file that holds it */
    int             n_dims;
    const uint64_t *shape;  /* as the file stores it */
    uint64_t        offset; /* of its data in the file */
    uint64_t        size;   /* bytes */
} slim_archive_tensor;

/**
 * Opens the archive at `path` (mapped read-only; chunks are read only when
 * their data is asked for) and validates the footer, the index and its
 * checksum. Errors: SLIM_ERR_IO, SLIM_ERR_BAD_MAGIC, SLIM_ERR_BAD_VERSION,
 * SLIM_ERR_TRUNCATED, SLIM_ERR_CHECKSUM (index), SLIM_ERR_BAD_OFFSET (index
 * or chunk outside the archive, sizes that do not add up), SLIM_ERR_CORRUPT,
 * SLIM_ERR_TOO_LARGE, SLIM_ERR_DUPLICATE (a file name twice),
 * SLIM_ERR_NOMEM. *out is NULL on failure.
 */
SLIM_API slim_error slim_archive_open(const char *path, slim_archive **out,
                                      slim_parse_error *where);
/** As slim_archive_open on a caller's buffer (not copied; must outlive the handle). */
SLIM_API slim_error slim_archive_parse(const void *data, size_t size, slim_archive **out,
                                       slim_parse_error *where);
/** Accepts NULL. */
SLIM_API void slim_archive_close(slim_archive *a);

SLIM_API uint32_t slim_archive_version(const slim_archive *a);
SLIM_API uint64_t slim_archive_file_count(const slim_archive *a);
/** File i (in name order) or NULL. */
SLIM_API const slim_archive_file *slim_archive_file_at(const slim_archive *a, uint64_t i);
/** Index of the file called `name`, or UINT64_MAX. */
SLIM_API uint64_t slim_archive_find_file(const slim_archive *a, const char *name);
SLIM_API uint64_t slim_archive_tensor_count(const slim_archive *a);
SLIM_API const slim_archive_tensor *slim_archive_tensor_at(const slim_archive *a, uint64_t i);
/** Index of the first tensor called `name` (any file), or UINT64_MAX. */
SLIM_API uint64_t slim_archive_find_tensor(const slim_archive *a, const char *name);

/**
 * Reads bytes [offset, offset + size) of file `file` into dst, decoding
 * only the chunks that hold them (with up to `threads` threads, <= 0: all
 * cores). Every chunk checksum is checked. Errors: SLIM_ERR_INVALID_ARG
 * (range outside the file), the chunk errors (SLIM_ERR_BAD_MAGIC,
 * SLIM_ERR_CHECKSUM, SLIM_ERR_TRUNCATED, SLIM_ERR_COMPRESSION,
 * SLIM_ERR_CORRUPT, SLIM_ERR_UNSUPPORTED) with the chunk's offset,
 * SLIM_ERR_NOMEM. dst holds garbage after a failure.
 */
SLIM_API slim_error slim_archive_read(const slim_archive *a, uint64_t file, uint64_t offset,
                                      uint64_t size, void *dst, int threads,
                                      slim_parse_error *where);

/**
 * Writes file `file` to `out_path` (temporary name, renamed when complete
 * and its content checksum matched; SLIM_ERR_CHECKSUM otherwise).
 */
SLIM_API slim_error slim_archive_extract(const slim_archive *a, uint64_t file,
                                         const char *out_path, int threads,
                                         slim_progress_fn progress, void *progress_ctx,
                                         slim_parse_error *where);

/**
 * Writes every file under the folder `dir` (created, as are sub-folders),
 * each as by slim_archive_extract. Stops at the first error; files already
 * completed stay.
 */
SLIM_API slim_error slim_archive_unpack(const slim_archive *a, const char *dir, int threads,
                                        slim_progress_fn progress, void *progress_ctx,
                                        slim_parse_error *where);

/**
 * Full check: the whole-archive checksum, then every chunk decoded and
 * every file's content checksum. Writes nothing. Returns the first problem.
 */
SLIM_API slim_error slim_archive_verify(const slim_archive *a, int threads,
                                        slim_progress_fn progress, void *progress_ctx,
                                        slim_parse_error *where);

/** 1 if data (the first `size` bytes of a file) starts like a .slim archive. */
SLIM_API int slim_archive_detect(const void *data, size_t size);

/* ======================================================================
 * Batch tokenization: corpora into training token files
 * ====================================================================== */

/*
 * slim_batch_run() tokenizes whole corpora (text or jsonl files, plain or
 * zstd-compressed, told by their magic bytes) into the token files training
 * code reads: flat .bin (nanoGPT), numpy .npy, Megatron-LM's indexed dataset
 * (.bin + .idx, MMIDIDX) or jsonl. Reading and writing run on the calling
 * thread and tokenization on `threads` workers; chunks of whole records go
 * through a bounded ring of 2 x threads slots, so memory stays about
 * 2 x threads x (5 x chunk_size) whatever the corpus size (plus 20 bytes per
 * document for a Megatron index). The output is the same bytes for every
 * thread count and in input order. Every output is written under a
 * temporary name and renamed only when the whole run succeeded.
 */

/** How an input is cut into documents. */
typedef enum slim_corpus_split {
    SLIM_SPLIT_FILE       = 0, /* the whole input is one document */
    SLIM_SPLIT_LINES      = 1, /* each non-empty line ("\r\n" or "\n" ends it) */
    SLIM_SPLIT_PARAGRAPHS = 2, /* runs of non-blank lines (blank: only spaces,
                                  tabs or "\r"), inner newlines kept */
    SLIM_SPLIT_JSONL      = 3  /* one JSON object per non-blank line; the
                                  document is one of its string fields */
} slim_corpus_split;

/** Token file formats. */
typedef enum slim_tokfile_format {
    SLIM_TOKFILE_BIN      = 0, /* raw little-endian ids, no header */
    SLIM_TOKFILE_NPY      = 1, /* a 1-D numpy array (format 1.0, 128-byte header) */
    SLIM_TOKFILE_MEGATRON = 2, /* PREFIX.bin + PREFIX.idx (MMIDIDX version 1,
                                  one sequence per document) */
    SLIM_TOKFILE_JSONL    = 3  /* one JSON array of ids per document */
} slim_tokfile_format;

/** Id width of binary token files. */
typedef enum slim_tokfile_dtype {
    SLIM_TOKFILE_AUTO = 0, /* uint16 when every id of the vocabulary fits,
                              else uint32 (int32 for Megatron, which has no
                              uint32) */
    SLIM_TOKFILE_U16  = 1,
    SLIM_TOKFILE_U32  = 2, /* not for Megatron */
    SLIM_TOKFILE_I32  = 3
} slim_tokfile_dtype;

/** What to do with invalid UTF-8 in a document. */
typedef enum slim_invalid_mode {
    SLIM_INVALID_REPLACE = 0, /* each invalid byte becomes U+FFFD */
    SLIM_INVALID_SKIP    = 1, /* invalid bytes are dropped */
    SLIM_INVALID_FAIL    = 2  /* SLIM_ERR_BAD_UTF8 */
} slim_invalid_mode;

/**
 * Expands `inputs` into the list of files to read, in order: "-" (stdin)
 * and files stay as given; a folder gives its regular files, recursively,
 * sorted by path (byte order; hidden entries included); a pattern with *, ?
 * or [ is expanded with glob(3), sorted. Then only part `part` of `parts`
 * (0 <= part < parts; 0 and 1 take everything) is kept: the contiguous range
 * [n*part/parts, n*(part+1)/parts) of the n files, so that the parts' outputs
 * merged in part order equal the output of the whole list.
 * Errors: SLIM_ERR_NOT_FOUND (a path or pattern that names nothing;
 * where->file is the input's index), SLIM_ERR_IO, SLIM_ERR_INVALID_ARG,
 * SLIM_ERR_NOMEM. *out is freed with slim_corpus_list_free().
 */
SLIM_API slim_error slim_corpus_list(const char *const *inputs, size_t n_inputs, uint32_t part,
                                     uint32_t parts, char ***out, size_t *n_out,
                                     slim_parse_error *where);
SLIM_API void slim_corpus_list_free(char **list, size_t n);

/** One output file written by slim_batch_run(). */
typedef struct slim_batch_output {
    char    *path;      /* final name (owned by the stats) */
    uint64_t documents;
    uint64_t tokens;    /* ids written, BOS and EOS included */
    uint64_t bytes;     /* size of the file */
    uint64_t xxh3;      /* XXH3-64 (seed 0) of the whole file */
} slim_batch_output;

typedef struct slim_batch_stats slim_batch_stats;

/** Called on the calling thread after each chunk is written. */
typedef void (*slim_batch_progress_fn)(void *ctx, const slim_batch_stats *stats);

typedef struct slim_batch_options {
    const slim_tokenizer *tok;
    slim_special_mode     special;
    slim_corpus_split     split;
    const char           *field;      /* jsonl text field; NULL: "text" */
    slim_tokfile_format   format;
    slim_tokfile_dtype    dtype;
    int64_t               bos, eos;   /* id before / after each document; -1: none */
    const char           *output;     /* file (Megatron: prefix of .bin/.idx) */
    uint64_t              shard_tokens; /* > 0: a new numbered output (NAME-00000.EXT,
                                           ...) starts before a document that would
                                           take the current one past this many ids */
    const char           *manifest;   /* JSON file listing the outputs; NULL: none */
    int                   threads;    /* tokenizing workers; <= 0: all cores */
    size_t                chunk_size; /* bytes per chunk; 0: 1 MiB */
    int                   skip_bad_records; /* jsonl: skip (and count) a malformed
                                               line or one without the string field
                                               instead of failing */
    slim_invalid_mode     invalid;
    const volatile int   *cancel;     /* optional: non-zero stops the run (SLIM_ERR_IO,
                                         errno EINTR), removing every temporary file */
    slim_batch_progress_fn progress;  /* optional */
    void                 *progress_ctx;
} slim_batch_options;

struct slim_batch_stats {
    uint64_t files;           /* inputs read */
    uint64_t read_bytes;      /* bytes read from the inputs (compressed size) */
    uint64_t total_bytes;     /* sizes of the inputs that are regular files */
    uint64_t text_bytes;      /* bytes of document text tokenized */
    uint64_t documents, tokens; /* written (tokens: BOS and EOS included) */
    uint64_t skipped_records; /* malformed jsonl lines skipped */
    uint64_t invalid_bytes;   /* invalid UTF-8 bytes replaced or dropped */
    double   seconds;         /* wall-clock time so far */
    slim_batch_output *outputs; /* after success: every file written, in order
                                   (Megatron: .bin then .idx per shard) */
    size_t   n_outputs;
};

/** Where slim_batch_run() failed. line is 1-based (0 when not known). */
typedef struct slim_batch_where {
    size_t      input;   /* index in the list */
    uint64_t    line;    /* line of the input (lines, paragraphs, jsonl) */
    uint64_t    offset;  /* byte offset: in the line (jsonl syntax), or in the
                            document (UTF-8, special tokens) */
    int64_t     token;   /* the id at fault (special token, id too wide), else -1 */
    const char *reason;  /* a short static phrase, never NULL after a failure */
} slim_batch_where;

/**
 * Tokenizes the `n_inputs` files `inputs` ("-" = stdin) as `opt` says.
 * Errors, reported for the first failing record in input order: SLIM_ERR_BAD_JSON
 * (a malformed jsonl line), SLIM_ERR_NOT_FOUND (no string field), SLIM_ERR_BAD_UTF8
 * (with SLIM_INVALID_FAIL), SLIM_ERR_SPECIAL_TOKEN (SLIM_SPECIAL_DISALLOW),
 * SLIM_ERR_OVERFLOW (an id that does not fit the dtype, a document over 2^31-1
 * ids in Megatron), SLIM_ERR_IO (errno kept), SLIM_ERR_COMPRESSION,
 * SLIM_ERR_INVALID_ARG, SLIM_ERR_NOMEM. On failure no output is left behind.
 * `stats` (optional) is filled in every case; release it with
 * slim_batch_stats_free(). Thread-safe (no shared state).
 */
SLIM_API slim_error slim_batch_run(const char *const *inputs, size_t n_inputs,
                                   const slim_batch_options *opt, slim_batch_stats *stats,
                                   slim_batch_where *where);
SLIM_API void slim_batch_stats_free(slim_batch_stats *stats);

/**
 * The tokenizer's end-of-text (eos) or begin-of-text (bos) token: the first
 * of its special or added tokens named "<|endoftext|>", "<|end_of_text|>",
 * "</s>", "<eos>", "<|im_end|>" (eos) or "<|begin_of_text|>", "<s>", "<bos>",
 * "<|startoftext|>" (bos). SLIM_ERR_NOT_FOUND if it has none.
 */
SLIM_API slim_error slim_tokenizer_eos(const slim_tokenizer *tok, uint32_t *id);
SLIM_API slim_error slim_tokenizer_bos(const slim_tokenizer *tok, uint32_t *id);

/**
 * Joins token files of one format, in order, into `out` (Megatron: prefixes).
 * bin files are concatenated (they carry no dtype: the caller keeps them
 * alike); npy files must have the same dtype; Megatron indexes are validated
 * (header, version, dtype, counts against the file sizes, pointers and
 * document indices) and must have the same dtype; the merged index lists
 * every document. Errors: SLIM_ERR_BAD_MAGIC, SLIM_ERR_BAD_VERSION,
 * SLIM_ERR_BAD_TYPE (dtypes differ), SLIM_ERR_CORRUPT, SLIM_ERR_TRUNCATED,
 * SLIM_ERR_IO, SLIM_ERR_INVALID_ARG (jsonl, no input); where->file is the
 * input, where->offset the byte in its file (.idx for Megatron).
 * `stats` (optional) receives the outputs as by slim_batch_run().
 */
SLIM_API slim_error slim_tokfile_merge(slim_tokfile_format format, const char *const *inputs,
                                       size_t n_inputs, const char *out,
                                       slim_batch_stats *stats, slim_parse_error *where);

#ifdef __cplusplus
}
#endif
#endif /* SLIM_H */
