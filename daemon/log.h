/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Logging to stderr, with sd-daemon "<N>" level prefixes when stderr is the
 * journal (JOURNAL_STREAM), so journald files each line at the right priority;
 * plain text elsewhere. log_*_errno() return the (negative) error passed in, and
 * set errno for %m. */

#include <errno.h>
#include <stdbool.h>
#include <syslog.h>

extern int log_max_level;

bool log_stderr_is_journal(void);
int log_level_from_string(const char *s); /* "debug", "info", ..., or 0..7; -EINVAL */
int log_internal(int level, int error, const char *file, int line, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));

#define log_full_errno(level, error, ...)                                                                   \
        ({                                                                                                  \
                int _l = (level), _e = (error);                                                             \
                (_l <= log_max_level) ? log_internal(_l, _e, __FILE__, __LINE__, __VA_ARGS__)               \
                                      : (_e > 0 ? -_e : _e);                                                \
        })
#define log_full(level, ...) (void)log_full_errno(level, 0, __VA_ARGS__)

#define log_debug(...) log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_full(LOG_ERR, __VA_ARGS__)

#define log_debug_errno(e, ...) log_full_errno(LOG_DEBUG, e, __VA_ARGS__)
#define log_info_errno(e, ...) log_full_errno(LOG_INFO, e, __VA_ARGS__)
#define log_notice_errno(e, ...) log_full_errno(LOG_NOTICE, e, __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, e, __VA_ARGS__)
#define log_error_errno(e, ...) log_full_errno(LOG_ERR, e, __VA_ARGS__)
#define log_oom() log_error_errno(-ENOMEM, "Out of memory.")
