/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

int log_max_level = LOG_INFO;

static const char *const level_names[] = {
        "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

int log_level_from_string(const char *s) {
        if (!s || !*s)
                return -EINVAL;
        for (int i = 0; i < 8; i++)
                if (strcasecmp(s, level_names[i]) == 0)
                        return i;
        if (strcasecmp(s, "error") == 0)
                return LOG_ERR;
        if (strcasecmp(s, "warn") == 0)
                return LOG_WARNING;
        if (s[0] >= '0' && s[0] <= '7' && s[1] == 0)
                return s[0] - '0';
        return -EINVAL;
}

/* systemd sets JOURNAL_STREAM=DEV:INO for a service whose stderr is a journal
 * stream; a child that inherits the variable but whose stderr went elsewhere (a
 * terminal, a file) must not take it for the journal: compare with fstat(2). */
bool log_stderr_is_journal(void) {
        static int cached = -1;

        if (cached < 0) {
                const char *e = getenv("JOURNAL_STREAM");
                unsigned long long dev, ino;
                struct stat st;
                char c;

                cached = e && sscanf(e, "%llu:%llu%c", &dev, &ino, &c) == 2 && fstat(STDERR_FILENO, &st) >= 0 &&
                         (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
        }
        return cached;
}

int log_internal(int level, int error, const char *file, int line, const char *fmt, ...) {
        int saved = errno;
        char buf[2048];
        va_list ap;

        if (error < 0)
                error = -error;
        /* %m in fmt refers to the error passed in, as in systemd. */
        errno = error;
        va_start(ap, fmt);
        (void)vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);

        /* "<N>" tells journald the priority; on a terminal it is noise */
        if (log_stderr_is_journal())
                fprintf(stderr, "<%d>", level);
        if (log_max_level >= LOG_DEBUG)
                fprintf(stderr, "%s (%s:%d)\n", buf, file, line);
        else
                fprintf(stderr, "%s\n", buf);

        errno = saved;
        return -error;
}
