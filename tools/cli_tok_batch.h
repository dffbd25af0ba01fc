/*
 * slim-tok's corpus commands (tools/cli_tok_batch.c): batch tokenizes whole
 * corpora into training token files on every core, merge joins the outputs
 * of several runs (the parts of a --shard K/N job array).
 */
#ifndef SLIM_TOOLS_CLI_TOK_BATCH_H
#define SLIM_TOOLS_CLI_TOK_BATCH_H

#include "slim.h"

/* Opens the tokenizer named by -t (and a rank file's --pattern and
 * --special TEXT=ID strings) the way slim-tok's other commands do; fails
 * with a message rather than returning NULL. */
typedef slim_tokenizer *(*cli_tok_open_fn)(const char *name, const char *pattern,
                                           char **specials, int n_specials);

int cli_tok_batch(int argc, char **argv, cli_tok_open_fn open_tokenizer);
int cli_tok_merge(int argc, char **argv);

#endif
