/*
 * spm.h - llama.cpp's SentencePiece ("llama" GGUF vocabulary) merging of
 * one piece of text whose spaces are already U+2581.
 *
 * Unlike BPE merge lists, SentencePiece ranks TOKENS: starting from the
 * piece's UTF-8 characters, the adjacent pair whose concatenation is a token
 * with the highest score is merged (leftmost on ties) until no adjacent pair
 * forms a token. A final symbol that is not a token (a character the
 * vocabulary lacks) becomes its bytes' <0xXX> tokens, or unk where one is
 * missing.
 */
#ifndef SLIM_TOK_SPM_H
#define SLIM_TOK_SPM_H

#include "tok/hf.h"

/* Appends the ids of s[0..n) to out. m gives text -> id and the <0xXX>
 * ids, scores[id] the score of each of m->n_ids ids. SLIM_ERR_NOT_FOUND if a
 * byte has neither a <0xXX> token nor an unk to fall back to. */
slim_error slim_spm_encode(const hf_bpe *m, const float *scores, const char *s, size_t n,
                           hf_ids *out);

#endif
