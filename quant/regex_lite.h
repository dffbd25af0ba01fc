/*
 * regex_lite.h - the small regex subset used for --tensor-type overrides
 * (see regex_lite.c for what it accepts). Internal to the library.
 */
#ifndef SLIM_REGEX_LITE_H
#define SLIM_REGEX_LITE_H

#include "slim.h"

typedef struct rx_prog rx_prog;

/* Compiles `pattern`: SLIM_OK, SLIM_ERR_CORRUPT (bad or too large a
 * pattern), SLIM_ERR_NOMEM. Free *out with rx_free. */
slim_error rx_compile(const char *pattern, rx_prog **out);
void rx_free(rx_prog *g);

/* 1 if the pattern matches somewhere in `s` (std::regex_search), 0 if not,
 * -1 if the match ran out of its step or stack budget (or memory). */
int rx_search(const rx_prog *g, const char *s);

#endif
