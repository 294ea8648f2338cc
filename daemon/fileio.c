/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "macro.h"

#define READ_MAX (1024 * 1024)

int read_full_file_at(int dirfd, const char *name, char **ret) {
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        size_t n = 0, allocated = 0;

        fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;

        for (;;) {
                ssize_t k;

                if (allocated - n < 4097) {
                        size_t na = allocated ? allocated * 2 : 4097 + 1;
                        char *nb;

                        if (na > READ_MAX + 1)
                                return -EFBIG;
                        nb = realloc(buf, na);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                        allocated = na;
                }
                k = read(fd, buf + n, allocated - n - 1);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                n += (size_t)k;
        }
        if (!buf) {
                buf = strdup("");
                if (!buf)
                        return -ENOMEM;
        } else
                buf[n] = 0;
        if (strlen(buf) != n)
                return -EBADMSG; /* embedded NUL: not a text attribute */
        *ret = TAKE_PTR(buf);
        return 0;
}

int read_full_file(const char *path, char **ret) {
        return read_full_file_at(AT_FDCWD, path, ret);
}

int write_one_at(int dirfd, const char *name, const char *s, bool nonblock) {
        _cleanup_close_ int fd = -1;
        size_t len = strlen(s);
        ssize_t k;

        /* O_TRUNC is harmless on cgroupfs/procfs (shells use it too) and keeps a
         * plain-file tree (tests, copies) holding exactly the last value. */
        fd = openat(dirfd, name, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY | (nonblock ? O_NONBLOCK : 0));
        if (fd < 0)
                return -errno;
        k = write(fd, s, len);
        if (k < 0)
                return -errno;
        if ((size_t)k != len)
                return -EIO;
        return 0;
}

int write_file_atomic(const char *path, const char *content) {
        _cleanup_free_ char *tmp = NULL, *dircopy = NULL;
        _cleanup_close_ int fd = -1, dfd = -1;
        size_t len = strlen(content), done = 0;
        int r;

        if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
                return -ENOMEM;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        (void)fchmod(fd, 0644);
        while (done < len) {
                ssize_t k = write(fd, content + done, len - done);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        goto fail;
                }
                done += (size_t)k;
        }
        if (fsync(fd) < 0) {
                r = -errno;
                goto fail;
        }
        if (rename(tmp, path) < 0) {
                r = -errno;
                goto fail;
        }
        dircopy = strdup(path);
        if (!dircopy)
                return -ENOMEM;
        dfd = open(dirname(dircopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0)
                (void)fsync(dfd);
        return 0;
fail:
        (void)unlink(tmp);
        return r;
}

int mkdir_p(const char *path) {
        _cleanup_free_ char *p = strdup(path);

        if (!p)
                return -ENOMEM;
        for (char *s = p + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = 0;
                if (mkdir(p, 0755) < 0 && errno != EEXIST)
                        return -errno;
                *s = '/';
        }
        if (mkdir(p, 0755) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

char *strstrip_trailing(char *s) {
        size_t n = strlen(s);

        while (n > 0 && strchr(" \t\n\r", s[n - 1]))
                s[--n] = 0;
        return s;
}

char *path_join(const char *a, const char *b) {
        char *r;
        size_t la = strlen(a);

        while (la > 1 && a[la - 1] == '/')
                la--;
        while (*b == '/')
                b++;
        if (!*b) /* "a" + "" or "/" is just "a" */
                return strndup(a, la);
        if (asprintf(&r, "%.*s/%s", (int)la, a, b) < 0)
                return NULL;
        return r;
}
