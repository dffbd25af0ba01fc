/*
 * vocab_data.S - the built-in vocabularies (data/vocab/NAME.slimvoc.zst),
 * embedded in the library. See data/vocab/README.md for their source and
 * license, tok/builtin.c for their use. The Makefile makes this object depend
 * on the data files, and runs the assembler from the repository root, where
 * the .incbin paths are resolved.
 */
#define EMBED(sym, file)          \
    .globl sym;                   \
    .hidden sym;                  \
    .balign 16;                   \
sym:                              \
    .incbin file;                 \
    .globl sym##_end;             \
    .hidden sym##_end;            \
sym##_end:

    .section .rodata.slim_vocab, "a"
EMBED(slim_vocab_r50k_base, "data/vocab/r50k_base.slimvoc.zst")
EMBED(slim_vocab_p50k_base, "data/vocab/p50k_base.slimvoc.zst")
EMBED(slim_vocab_cl100k_base, "data/vocab/cl100k_base.slimvoc.zst")
EMBED(slim_vocab_o200k_base, "data/vocab/o200k_base.slimvoc.zst")

    .section .note.GNU-stack, "", %progbits
