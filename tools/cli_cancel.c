/*
 * Cancellation of a long library call: SIGINT, SIGTERM and SIGHUP set a
 * flag that the library polls (its `cancel` option), so that it stops at
 * its next unit of work and removes its own temporary files; the tool then
 * dies of the same signal, as if it had not caught it.
 */
#include "tools/cli.h"

#include <signal.h>
#include <string.h>

static volatile int cancelled;
static volatile sig_atomic_t cancel_signal;

static void on_signal(int sig)
{
    cancel_signal = sig;
    cancelled = 1;
}

const volatile int *cli_cancel_flag(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    return &cancelled;
}

void cli_cancel_reraise(void)
{
    if (!cancelled)
        return;
    cli_remove_unfinished();
    signal(cancel_signal, SIG_DFL);
    raise(cancel_signal);
}
