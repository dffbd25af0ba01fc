/* The subcommand dispatcher every slim tool's main() is made of. */
#include "cli.h"

#include <getopt.h>
#include <string.h>

/* "a, b or c" into buf. */
static const char *command_list(const cli_command *commands, size_t n, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < size; i++) {
        const char *sep = i == 0 ? "" : (i + 1 == n ? " or " : ", ");
        int w = snprintf(buf + used, size - used, "%s%s", sep, commands[i].name);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    return buf;
}

int cli_main(const char *prog, const char *usage, const cli_command *commands,
             size_t n_commands, int argc, char **argv)
{
    char names[256];
    cli_init(prog);
    opterr = 0;
    command_list(commands, n_commands, names, sizeof names);
    if (argc < 2)
        cli_usage_fail("missing command (%s)", names);
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0)
        cli_help(usage);
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0)
        cli_version();
    for (size_t i = 0; i < n_commands; i++) {
        if (strcmp(cmd, commands[i].name) == 0) {
            /* getopt sees the command as argv[0]. */
            cli_set_command(cmd);
            return commands[i].run(argc - 1, argv + 1);
        }
    }
    if (cmd[0] == '-')
        cli_usage_fail("unknown option '%s' (options come after the command)", cmd);
    cli_usage_fail("unknown command '%s' (%s)", cmd, names);
}
