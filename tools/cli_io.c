/*
 * Whole-file input and all-or-nothing output for the tools.
 *
 * Outputs are written to "<path>.tmp-XXXXXX" in the destination directory
 * (so the final rename is atomic on the same file system) and renamed when
 * complete. Their names are kept in a small fixed table that the signal
 * handler can walk without allocating: an interrupted run leaves neither a
 * partial file nor a temporary one.
 */
#include "tools/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- input ---- */

static void read_stream(int fd, const char *name, cli_input *in)
{
    size_t cap = 1 << 20, len = 0;
    uint8_t *buf = malloc(cap);
    if (!buf)
        cli_fail("%s: out of memory", name);
    for (;;) {
        if (len == cap) {
            if (cap > SIZE_MAX / 2)
                cli_fail("%s: input too large", name);
            uint8_t *grown = realloc(buf, cap * 2);
            if (!grown)
                cli_fail("%s: out of memory (%zu bytes read)", name, len);
            buf = grown;
            cap *= 2;
        }
        ssize_t got = read(fd, buf + len, cap - len);
        if (got == 0)
            break;
        if (got < 0) {
            if (errno == EINTR)
                continue;
            cli_fail("cannot read %s: %s", name, strerror(errno));
        }
        len += (size_t)got;
    }
    in->data = buf;
    in->size = len;
    in->mapped = 0;
}

void cli_read_all(const char *path, cli_input *in)
{
    memset(in, 0, sizeof *in);
    if (strcmp(path, "-") == 0) {
        in->name = "stdin";
        read_stream(STDIN_FILENO, in->name, in);
        return;
    }
    in->name = path;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        cli_fail("cannot open '%s': %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0)
        cli_fail("cannot read '%s': %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        cli_fail("cannot read '%s': is a directory", path);
    if (!S_ISREG(st.st_mode)) {
        read_stream(fd, path, in);   /* a pipe or device: its size is unknown */
        close(fd);
        return;
    }
    if ((uint64_t)st.st_size > SIZE_MAX)
        cli_fail("'%s' is too large for this machine", path);
    in->size = (size_t)st.st_size;
    if (in->size == 0) {
        in->data = malloc(1);   /* mmap cannot map nothing; keep free() simple */
        if (!in->data)
            cli_fail("out of memory");
    } else {
        void *p = mmap(NULL, in->size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED)
            cli_fail("cannot map '%s': %s", path, strerror(errno));
        madvise(p, in->size, MADV_SEQUENTIAL);
        in->data = p;
        in->mapped = 1;
    }
    close(fd);
}

void cli_input_free(cli_input *in)
{
    if (in->mapped)
        munmap((void *)in->data, in->size);
    else
        free((void *)in->data);
    memset(in, 0, sizeof *in);
}

/* ---- output ---- */

#define MAX_OUTPUTS 8

struct cli_output {
    int fd;
    int slot;           /* index in pending[]; -1 stdout, -2 a device or pipe */
    const char *path;   /* as given, for messages */
    char *target;       /* what the rename replaces: path, or a symlink's target */
    char *buf;          /* write buffer */
    size_t used;
};

/* Temporary names of the outputs not yet renamed; read by the signal handler. */
static char pending[MAX_OUTPUTS][PATH_MAX];
static volatile sig_atomic_t pending_used[MAX_OUTPUTS];

#define OUT_BUF_SIZE (1 << 20)

void cli_remove_unfinished(void)
{
    for (int i = 0; i < MAX_OUTPUTS; i++) {
        if (pending_used[i]) {
            unlink(pending[i]);
            pending_used[i] = 0;
        }
    }
}

static void on_signal(int sig)
{
    /* unlink is async-signal-safe; then die of the same signal so the parent
     * sees how we ended. */
    cli_remove_unfinished();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install_handlers(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
}

cli_output *cli_output_open(const char *path, int binary)
{
    cli_output *out = calloc(1, sizeof *out);
    if (!out || !(out->buf = malloc(OUT_BUF_SIZE)))
        cli_fail("out of memory");
    out->path = path;
    out->slot = -1;
    if (strcmp(path, "-") == 0) {
        if (binary && isatty(STDOUT_FILENO))
            cli_fail("refusing to write binary data to a terminal (use -o FILE or a pipe)");
        out->fd = STDOUT_FILENO;
        return out;
    }
    /* Devices and pipes (-o /dev/null, a FIFO) are written in place: renaming
     * a new file over them would replace the device. */
    struct stat st;
    int exists = stat(path, &st) == 0;
    if (exists && !S_ISREG(st.st_mode)) {
        if (S_ISDIR(st.st_mode))
            cli_fail("cannot write '%s': is a directory", path);
        out->fd = open(path, O_WRONLY | O_CLOEXEC);
        if (out->fd < 0)
            cli_fail("cannot open '%s': %s", path, strerror(errno));
        out->slot = -2;
        return out;
    }
    /* Through a symlink, replace the file it points to, not the link. */
    out->target = exists ? realpath(path, NULL) : strdup(path);
    if (!out->target)
        cli_fail("cannot resolve '%s': %s", path, strerror(errno));
    install_handlers();
    int slot = 0;
    while (slot < MAX_OUTPUTS && pending_used[slot])
        slot++;
    if (slot == MAX_OUTPUTS)
        cli_fail("too many outputs open at once");
    int n = snprintf(pending[slot], PATH_MAX, "%s.tmp-XXXXXX", out->target);
    if (n < 0 || n >= PATH_MAX)
        cli_fail("output path too long: '%s'", path);
    /* Block signals while the name and the file come into being together. */
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    out->fd = mkstemp(pending[slot]);
    int err = errno;
    if (out->fd >= 0)
        pending_used[slot] = 1;
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (out->fd < 0)
        cli_fail("cannot create '%s': %s", path, strerror(err));
    out->slot = slot;
    /* mkstemp makes the file 0600: keep the mode of the file replaced, or
     * give a new one the usual mode for new files. */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(out->fd, exists ? (st.st_mode & 07777) : (0666 & ~mask));
    return out;
}

const char *cli_output_name(const cli_output *out)
{
    return out->slot == -1 ? "stdout" : out->path;
}

static void flush_buf(cli_output *out)
{
    size_t off = 0;
    while (off < out->used) {
        ssize_t w = write(out->fd, out->buf + off, out->used - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            cli_fail("cannot write '%s': %s", cli_output_name(out), strerror(errno));
        }
        off += (size_t)w;
    }
    out->used = 0;
}

void cli_output_write(cli_output *out, const void *data, size_t n)
{
    const char *p = data;
    while (n > 0) {
        size_t take = OUT_BUF_SIZE - out->used;
        if (take > n)
            take = n;
        memcpy(out->buf + out->used, p, take);
        out->used += take;
        p += take;
        n -= take;
        if (out->used == OUT_BUF_SIZE)
            flush_buf(out);
    }
}

void cli_output_commit(cli_output *out)
{
    flush_buf(out);
    if (out->slot >= 0) {
        const char *tmp = pending[out->slot];
        if (fsync(out->fd) != 0 && errno != EINVAL)
            cli_fail("cannot write '%s': %s", out->path, strerror(errno));
        if (close(out->fd) != 0)
            cli_fail("cannot write '%s': %s", out->path, strerror(errno));
        if (rename(tmp, out->target) != 0)
            cli_fail("cannot rename '%s' to '%s': %s", tmp, out->target, strerror(errno));
        pending_used[out->slot] = 0;
    } else if (out->slot == -2 && close(out->fd) != 0) {
        cli_fail("cannot write '%s': %s", out->path, strerror(errno));
    }
    free(out->target);
    free(out->buf);
    free(out);
}
