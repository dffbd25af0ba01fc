/* Messages, exit codes and option parsing shared by the tools. */
#include "tools/cli.h"
#include "slim.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char *prog_name = "slim";
static const char *command; /* the subcommand, or NULL */

void cli_init(const char *prog)
{
    prog_name = prog;
}

const char *cli_prog(void)
{
    return prog_name;
}

void cli_set_command(const char *cmd)
{
    command = cmd;
}

static void vmessage(const char *fmt, va_list ap)
{
    /* One fprintf per line keeps the line whole when stdout and stderr
     * share a terminal. */
    char buf[1024];
    vsnprintf(buf, sizeof buf, fmt, ap);
    fprintf(stderr, "%s: %s\n", prog_name, buf);
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage(fmt, ap);
    va_end(ap);
}

void cli_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage(fmt, ap);
    va_end(ap);
    cli_remove_unfinished();
    exit(CLI_EXIT_FAILURE);
}

void cli_usage_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage(fmt, ap);
    va_end(ap);
    fprintf(stderr, "Try '%s%s%s --help' for more information.\n", prog_name,
            command ? " " : "", command ? command : "");
    cli_remove_unfinished();
    exit(CLI_EXIT_USAGE);
}

void cli_help(const char *usage)
{
    fputs(usage, stdout);
    exit(fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE);
}

void cli_version(void)
{
    printf("%s %s\n", prog_name, slim_version());
    exit(fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE);
}

void cli_bad_option(char **argv, int ch)
{
    const char *arg = argv[optind - 1];
    if (ch == ':')
        cli_usage_fail("option '%s' needs a value", arg);
    if (optopt && strncmp(arg, "--", 2) != 0)
        cli_usage_fail("unknown option '-%c'", optopt);
    cli_usage_fail("unknown option '%s'", arg);
}

int64_t cli_parse_int(const char *opt, const char *text, int64_t min, int64_t max)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE)
        cli_usage_fail("%s: '%s' is not a whole number", opt, text);
    if (v < min || v > max)
        cli_usage_fail("%s: %lld is out of range (%lld to %lld)", opt, v,
                       (long long)min, (long long)max);
    return v;
}
