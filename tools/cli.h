/*
 * cli.h - helpers shared by the command-line tools (slim-quant, slim-tok,
 * slim-pack). Not part of libslim: the tools include slim.h and this file
 * only.
 *
 * Conventions every tool follows through these helpers:
 *  - messages go to stderr as "<prog>: <message>";
 *  - exit status 0 on success, 1 on failure, 2 on a usage error;
 *  - "-" names stdin or stdout;
 *  - an output file appears only when complete: it is written under a
 *    temporary name in the same directory and renamed at the end; on failure,
 *    SIGINT or SIGTERM the temporary file is removed;
 *  - a progress line is drawn on stderr only when stderr is a terminal.
 */
#ifndef SLIM_TOOLS_CLI_H
#define SLIM_TOOLS_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum { CLI_EXIT_OK = 0, CLI_EXIT_FAILURE = 1, CLI_EXIT_USAGE = 2 };

#define CLI_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* ---- messages and exit (cli_msg.c) ---- */

/* Sets the program name used in messages. Call first in main. */
void cli_init(const char *prog);
const char *cli_prog(void);
/* Names the subcommand being run, so usage errors point to its --help. */
void cli_set_command(const char *cmd);

/* "<prog>: <message>" on stderr. */
void cli_error(const char *fmt, ...) CLI_PRINTF(1, 2);
/* Prints the message, removes unfinished outputs and exits 1. */
_Noreturn void cli_fail(const char *fmt, ...) CLI_PRINTF(1, 2);
/* Prints the message and a hint to --help, removes unfinished outputs and
 * exits 2. */
_Noreturn void cli_usage_fail(const char *fmt, ...) CLI_PRINTF(1, 2);

/* Prints `usage` to stdout and exits 0 (for --help). */
_Noreturn void cli_help(const char *usage);
/* Prints "<prog> <slim version>" to stdout and exits 0 (for --version). */
_Noreturn void cli_version(void);

/* One subcommand of a tool: `run` gets argv with the command as argv[0]. */
typedef struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
} cli_command;

/* The whole main() of a tool with subcommands: sets the program name,
 * answers --help/-h/help with `usage` and --version/-V, runs the named
 * command, and turns a missing or unknown command into a usage error that
 * lists the commands. */
int cli_main(const char *prog, const char *usage, const cli_command *commands,
             size_t n_commands, int argc, char **argv);

/* For a getopt_long loop run with opterr = 0 and an optstring starting with
 * ':': reports the option getopt stopped at (':' = missing value, '?' =
 * unknown) as a usage error. */
_Noreturn void cli_bad_option(char **argv, int ch);

/* Parses a whole decimal integer in [min, max] given to option `opt`;
 * anything else is a usage error naming the option. */
int64_t cli_parse_int(const char *opt, const char *text, int64_t min, int64_t max);

/* ---- files (cli_io.c) ---- */

/* A whole input in memory: mapped for regular files, read for pipes. */
typedef struct cli_input {
    const uint8_t *data;
    size_t size;
    const char *name;   /* the path, or "stdin", for messages */
    int mapped;
} cli_input;

/* Reads `path` ("-" = stdin) completely; fails with a message naming the
 * file if it cannot. The data is read-only. */
void cli_read_all(const char *path, cli_input *in);
void cli_input_free(cli_input *in);

typedef struct cli_output cli_output;

/* Opens `path` for writing ("-" = stdout). A file is created under a
 * temporary name next to `path` (the first call installs the SIGINT, SIGTERM,
 * SIGHUP and SIGPIPE handlers that remove it). If `binary` and the output is
 * stdout on a terminal, fails instead of printing binary data. */
cli_output *cli_output_open(const char *path, int binary);
/* Writes n bytes; fails (removing the temporary file) on error. */
void cli_output_write(cli_output *out, const void *data, size_t n);
/* Flushes, syncs and renames the temporary file into place; frees out. */
void cli_output_commit(cli_output *out);
/* Removes every unfinished output (done by cli_fail and on signals). */
void cli_remove_unfinished(void);
/* The name used in messages: the path, or "stdout". */
const char *cli_output_name(const cli_output *out);

/* ---- cancelling a library call (cli_cancel.c) ---- */

/* Catches SIGINT, SIGTERM and SIGHUP into the returned flag, for a library
 * function's `cancel` option: the call stops and cleans up by itself. */
const volatile int *cli_cancel_flag(void);
/* After the call: if a signal came, removes unfinished outputs and dies of
 * that signal. */
void cli_cancel_reraise(void);

/* ---- progress and formatting (cli_progress.c) ---- */

/* Seconds on a monotonic clock. */
double cli_now(void);

/* "1.50 MiB", "512 B": binary units, three significant digits. */
const char *cli_format_bytes(double bytes, char *buf, size_t size);

typedef struct cli_progress {
    const char *label;
    uint64_t total;     /* bytes of work */
    double start, last_draw;
    int enabled, drawn;
} cli_progress;

/* Starts a progress line for `total` bytes of work; it is drawn only when
 * stderr is a terminal and the work takes more than half a second. */
void cli_progress_start(cli_progress *p, const char *label, uint64_t total);
/* Reports `done` bytes finished (redrawn at most ten times a second). */
void cli_progress_update(cli_progress *p, uint64_t done);
/* The same with a note after the percentage ("1200 docs, 3.1M tokens"). */
void cli_progress_update_note(cli_progress *p, uint64_t done, const char *note);
/* Erases the line, if one was drawn. */
void cli_progress_end(cli_progress *p);

/* ---- JSON output (cli_json.c) ---- */

/* Writes s as a JSON string literal, quotes included. Control characters are
 * escaped; invalid UTF-8 bytes become U+FFFD so the output is always valid
 * JSON. */
void cli_json_string(FILE *f, const char *s);
/* Writes a number in the fewest digits (15 to 17) that read back exactly;
 * NaN and Inf (which JSON cannot hold) are written as null. */
void cli_json_number(FILE *f, double v);

#endif
