/* utf8.h - UTF-8 validation for the tokenizer's input. */
#ifndef SLIM_TOK_UTF8_H
#define SLIM_TOK_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Offset of the first byte that does not start a valid UTF-8 sequence
 * (overlong forms, surrogates and code points above U+10FFFF are invalid,
 * as in Rust's str), or n if all of s[0..n) is valid.
 */
size_t slim_utf8_check(const uint8_t *s, size_t n);

#endif
