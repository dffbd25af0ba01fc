/*
 * Block layouts of the ggml quantization types, byte for byte as ggml stores
 * them (little-endian; "half" is IEEE binary16 bits). Each layout is followed
 * by a static assertion of its size: the file format depends on it.
 */
#ifndef SLIM_SIMD_BLOCKS_H
#define SLIM_SIMD_BLOCKS_H

#include <stdint.h>

typedef uint16_t slim_half;   /* IEEE 754 binary16 bits */
typedef uint16_t slim_bf16;   /* bfloat16 bits */

#define QK_K 256          /* elements in a K-quant super-block */
#define QK_LEGACY 32      /* elements in a Q4_0 .. Q8_0, IQ4_NL, MXFP4 block */
#define K_SCALE_SIZE 12

/* Blocks sit at any byte offset in a row (kernels take unaligned buffers and
 * row sizes such as 18 or 110 bytes are not multiples of 2 or 4), so the
 * layouts are declared packed: the compiler then accesses their fields with
 * unaligned-safe loads and stores. There is no padding to remove; the size
 * assertions below hold either way. */
#define SLIM_BLOCK __attribute__((packed))

typedef struct SLIM_BLOCK { slim_half d; uint8_t qs[16]; } block_q4_0;
typedef struct SLIM_BLOCK { slim_half d, m; uint8_t qs[16]; } block_q4_1;
typedef struct SLIM_BLOCK { slim_half d; uint8_t qh[4]; uint8_t qs[16]; } block_q5_0;
typedef struct SLIM_BLOCK { slim_half d, m; uint8_t qh[4]; uint8_t qs[16]; } block_q5_1;
typedef struct SLIM_BLOCK { slim_half d; int8_t qs[32]; } block_q8_0;
typedef struct SLIM_BLOCK { uint8_t e; uint8_t qs[16]; } block_mxfp4;      /* e: E8M0 scale */
typedef struct SLIM_BLOCK { slim_half d; uint8_t qs[16]; } block_iq4_nl;

/* K-quants: 256 elements in sub-blocks of 16 or 32. */
typedef struct SLIM_BLOCK { uint8_t scales[16]; uint8_t qs[64]; slim_half d, dmin; } block_q2_K;
typedef struct SLIM_BLOCK { uint8_t hmask[32]; uint8_t qs[64]; uint8_t scales[12]; slim_half d; } block_q3_K;
typedef struct SLIM_BLOCK { slim_half d, dmin; uint8_t scales[K_SCALE_SIZE]; uint8_t qs[128]; } block_q4_K;
typedef struct SLIM_BLOCK { slim_half d, dmin; uint8_t scales[K_SCALE_SIZE]; uint8_t qh[32]; uint8_t qs[128]; } block_q5_K;
typedef struct SLIM_BLOCK { uint8_t ql[128]; uint8_t qh[64]; int8_t scales[16]; slim_half d; } block_q6_K;
typedef struct SLIM_BLOCK { float d; int8_t qs[256]; int16_t bsums[16]; } block_q8_K;
typedef struct SLIM_BLOCK { slim_half d; uint16_t scales_h; uint8_t scales_l[4]; uint8_t qs[128]; } block_iq4_xs;

/* Ternary types. */
typedef struct SLIM_BLOCK { uint8_t qs[48]; uint8_t qh[4]; slim_half d; } block_tq1_0;
typedef struct SLIM_BLOCK { uint8_t qs[64]; slim_half d; } block_tq2_0;

_Static_assert(sizeof(block_q4_0) == 18, "q4_0 layout");
_Static_assert(sizeof(block_q4_1) == 20, "q4_1 layout");
_Static_assert(sizeof(block_q5_0) == 22, "q5_0 layout");
_Static_assert(sizeof(block_q5_1) == 24, "q5_1 layout");
_Static_assert(sizeof(block_q8_0) == 34, "q8_0 layout");
_Static_assert(sizeof(block_mxfp4) == 17, "mxfp4 layout");
_Static_assert(sizeof(block_iq4_nl) == 18, "iq4_nl layout");
_Static_assert(sizeof(block_q2_K) == 84, "q2_K layout");
_Static_assert(sizeof(block_q3_K) == 110, "q3_K layout");
_Static_assert(sizeof(block_q4_K) == 144, "q4_K layout");
_Static_assert(sizeof(block_q5_K) == 176, "q5_K layout");
_Static_assert(sizeof(block_q6_K) == 210, "q6_K layout");
_Static_assert(sizeof(block_q8_K) == 292, "q8_K layout");
_Static_assert(sizeof(block_iq4_xs) == 136, "iq4_xs layout");
_Static_assert(sizeof(block_tq1_0) == 54, "tq1_0 layout");
_Static_assert(sizeof(block_tq2_0) == 66, "tq2_0 layout");

#endif
