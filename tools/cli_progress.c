/*
 * The progress line and number formatting. The line goes to stderr only
 * when stderr is a terminal, so logs and pipes never collect carriage
 * returns, and only once the work has run for half a second, so short runs
 * stay quiet.
 */
#include "tools/cli.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define SHOW_AFTER 0.5   /* seconds before the first draw */
#define REDRAW_EVERY 0.1 /* seconds between draws */

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

const char *cli_format_bytes(double bytes, char *buf, size_t size)
{
    static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
    int u = 0;
    while (bytes >= 1024.0 && u < 5) {
        bytes /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, size, "%.0f B", bytes);
    else
        snprintf(buf, size, "%.*f %s", bytes < 10 ? 2 : bytes < 100 ? 1 : 0, bytes, units[u]);
    return buf;
}

void cli_progress_start(cli_progress *p, const char *label, uint64_t total)
{
    p->label = label;
    p->total = total;
    p->start = cli_now();
    p->last_draw = 0;
    p->enabled = isatty(STDERR_FILENO);
    p->drawn = 0;
}

void cli_progress_update(cli_progress *p, uint64_t done)
{
    cli_progress_update_note(p, done, NULL);
}

void cli_progress_update_note(cli_progress *p, uint64_t done, const char *note)
{
    if (!p->enabled)
        return;
    double now = cli_now(), elapsed = now - p->start;
    if (elapsed < SHOW_AFTER || now - p->last_draw < REDRAW_EVERY)
        return;
    p->last_draw = now;
    char d[32], t[32], eta[32] = "";
    double rate = (double)done / elapsed;
    if (rate > 0 && done < p->total) {
        long s = (long)((double)(p->total - done) / rate + 0.5);
        snprintf(eta, sizeof eta, "  ETA %ld:%02ld", s / 60, s % 60);
    }
    fprintf(stderr, "\r%s: %s %s / %s (%.0f%%)%s%s  %.1f MB/s%s\033[K", cli_prog(), p->label,
            cli_format_bytes((double)done, d, sizeof d),
            cli_format_bytes((double)p->total, t, sizeof t),
            p->total ? 100.0 * (double)done / (double)p->total : 100.0, note ? "  " : "",
            note ? note : "", rate / 1e6, eta);
    fflush(stderr);
    p->drawn = 1;
}

void cli_progress_end(cli_progress *p)
{
    if (p->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    p->drawn = 0;
}
