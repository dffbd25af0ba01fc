/*
 * Model conversion (internal): a Hugging Face folder or a GGUF file becomes
 * a plan (one entry per output tensor, in output order, with its source and
 * type), and the plan is then written tensor by tensor.
 *
 * Two behaviours, after the two llama.cpp tools whose output slim matches:
 *  - CONVERT: a Hugging Face folder to F32, F16, BF16 or Q8_0 is what
 *    convert_hf_to_gguf.py writes: tensors in the checkpoint's order, norms
 *    and biases F32, general.file_type among the hyperparameters;
 *  - QUANTIZE: anything else (a GGUF input, --pure, a mix) is what
 *    convert_hf_to_gguf.py followed by llama-quantize writes: tensors sorted
 *    by layer then name, only weights of 2+ dimensions quantized,
 *    general.quantization_version and general.file_type moved to the end.
 */
#ifndef SLIM_FORMATS_CONVERT_INTERNAL_H
#define SLIM_FORMATS_CONVERT_INTERNAL_H

#include "slim.h"
#include "formats/json_lite.h"

#include <stdarg.h>

enum { CONV_STYLE_CONVERT = 0, CONV_STYLE_QUANTIZE = 1 };

/* How a source tensor is stored. */
typedef enum conv_src_kind { CONV_SRC_ST, CONV_SRC_GGUF } conv_src_kind;

/* config.json, as the converter reads it. Absent optional values are -1
 * (integers) or NaN (reals). */
typedef struct conv_hparams {
    const char *hf_arch;     /* architectures[0] */
    const char *arch;        /* GGUF architecture: "llama", "qwen2", "qwen3" */
    int         permute_qk;  /* Llama: undo Hugging Face's Q/K permutation */
    int64_t n_layer, n_ctx, n_embd, n_ff, n_head, n_head_kv, head_dim, n_vocab;
    double  rope_theta, rms_eps;
    const char *rope_type;   /* rope_scaling type, or NULL */
    double  rope_factor;
    int64_t rope_orig_ctx;
    int     llama3;          /* rope type "llama3": a rope_freqs tensor */
    double  low_freq_factor, high_freq_factor, orig_ctx_top;
    int     tied;            /* tie_word_embeddings */
    const char *name_or_path;/* _name_or_path, or NULL */
} conv_hparams;

/* The parts of a model id ("org/Base-1.5B-Instruct-v2"); "" when absent. */
typedef struct conv_names {
    char organization[128], basename[128], finetune[128], version[64], size_label[64];
} conv_names;

typedef struct conv_tensor {
    slim_convert_tensor pub;  /* name, source, types, shape, sizes */
    char      name[SLIM_GGUF_MAX_NAME];
    const void *data;         /* source bytes (mapped) */
    int64_t   perm_heads;     /* > 0: rows regrouped as the Llama Q/K un-permute */
    int       layer;          /* block number or -1 */
    const float *imatrix;     /* importance weights (owned by the slim_imatrix) */
    int       generated;      /* data is the plan's own memory, not the mapped input */
} conv_tensor;

struct slim_convert {
    slim_convert_info info;
    int            style;
    slim_safetensors *st;     /* Hugging Face input */
    slim_gguf_split  *gg;     /* GGUF input */
    char          *dir;       /* the Hugging Face folder */
    jl_doc         config;
    char          *config_text;
    conv_hparams   hp;
    char           model_name[256];
    char           size_label[64];
    conv_names     names;       /* general.organization, basename, ... */
    conv_tensor   *t;
    uint64_t       n, cap;
    int            threads;
    slim_imatrix  *im;        /* --imatrix, or NULL */
    int            no_tokenizer;
    int            optimize;     /* slim_quantize_optimized instead of slim_quantize */
    const volatile int *cancel;
    float         *rope_freqs; /* generated rope_freqs.weight data */
    char          *im_path;
};

/* Formats a message into msg (may be NULL) and returns err. */
slim_error conv_fail(char *msg, size_t cap, slim_error err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Reads config.json of `dir` into c->config and c->hp; checks the
 * architecture. */
slim_error conv_read_config(slim_convert *c, char *msg, size_t cap);

/* Maps a Hugging Face tensor name to its GGUF name (and block number):
 * 1 if mapped, 0 for a tensor the converter drops, -1 if unknown. */
int conv_map_name(const conv_hparams *hp, const char *hf, char *out, size_t cap, int *layer);

/* rope_freqs.weight (n = head_dim / 2 values) for rope type llama3. */
void conv_llama3_rope_freqs(const conv_hparams *hp, float *out, int64_t n);

/* Per-head size: head_dim, or hidden_size / num_attention_heads. */
int64_t conv_head_dim(const conv_hparams *hp);

/* Checks a mapped tensor's shape (ne order) against config.json. */
slim_error conv_check_shape(const conv_hparams *hp, const conv_tensor *t, char *msg, size_t cap);

/* get_model_id_components of gguf-py's Metadata: nothing for an id with a
 * space; `params` tells a size label from a context length ("128k"). */
void conv_name_parts(const char *id, uint64_t params, conv_names *out);

/* general.name as the converter derives it from a folder or model id. */
void conv_title(const char *id, char *out, size_t cap);
/* general.size_label from a parameter count ("260K", "1.8M"). */
void conv_size_label(uint64_t params, char *out, size_t cap);

/* Adds the general.* and hyperparameter entries of a Hugging Face model, in
 * the converter's order, up to general.quantization_version (CONVERT
 * style) or without general.file_type / quantization_version (QUANTIZE). */
slim_error conv_write_hf_kvs(const slim_convert *c, slim_gguf_writer *w);

#endif
