/* Read-only file mapping for the readers: the file is never copied. */
#include "formats/fmt_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

slim_error slim_map_open(const char *path, slim_map *m)
{
    m->data = NULL;
    m->size = 0;
    if (!path)
        return SLIM_ERR_INVALID_ARG;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return SLIM_ERR_IO;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = errno;
        close(fd);
        errno = e ? e : EINVAL;
        return SLIM_ERR_IO;
    }
    if ((uint64_t)st.st_size > SIZE_MAX) {
        close(fd);
        return SLIM_ERR_TOO_LARGE;
    }
    if (st.st_size > 0) {
        /* mmap of a zero-length file fails, so empty files map to NULL. */
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            int e = errno;
            close(fd);
            errno = e;
            return SLIM_ERR_IO;
        }
        m->data = p;
        m->size = (size_t)st.st_size;
    }
    close(fd);
    return SLIM_OK;
}

void slim_map_close(slim_map *m)
{
    if (m->data)
        munmap((void *)m->data, m->size);
    m->data = NULL;
    m->size = 0;
}
