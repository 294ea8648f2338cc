/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "journal.h"
#include "clock.h"
#include "log.h"
#include "macro.h"

static const char *const kind_names[_DECISION_KIND_MAX] = {
        [DECISION_APPLY] = "apply",         [DECISION_REASSERT] = "reassert", [DECISION_REBALANCE] = "rebalance",
        [DECISION_RESTORE] = "restore",     [DECISION_REFUSED] = "refused",
};

/* Fixed forever: admins filter on them (journalctl MESSAGE_ID=...). cgpolicyd(8) lists them. */
static const char *const kind_ids[_DECISION_KIND_MAX] = {
        [DECISION_APPLY] = "562db62eaf2740ee98af50f0df8d87ca",
        [DECISION_REASSERT] = "87bc411f5d4042e2b1edd263930aa88b",
        [DECISION_REBALANCE] = "62b49093af304130b32e541d72d9356a",
        [DECISION_RESTORE] = "b3920793c7b44a26b7e32f8a10aef13f",
        [DECISION_REFUSED] = "6138f76f8965447987aed37d22631f0d",
};

const char *decision_kind_to_string(DecisionKind k) {
        return k >= 0 && k < _DECISION_KIND_MAX ? kind_names[k] : NULL;
}

const char *decision_kind_message_id(DecisionKind k) {
        return k >= 0 && k < _DECISION_KIND_MAX ? kind_ids[k] : NULL;
}

#define MAX_FIELDS 16

typedef struct Fields {
        struct iovec iov[MAX_FIELDS];
        char *owned[MAX_FIELDS];
        size_t n;
} Fields;

static void fields_done(Fields *f) {
        for (size_t i = 0; i < f->n; i++)
                free(f->owned[i]);
        f->n = 0;
}

static void field(Fields *f, const char *name, const char *value) {
        char *s = NULL;

        if (!value || f->n >= MAX_FIELDS || asprintf(&s, "%s=%s", name, value) < 0)
                return;
        f->owned[f->n] = s;
        f->iov[f->n++] = (struct iovec){.iov_base = s, .iov_len = strlen(s)};
}

/* Appends one entry in the journal export format: FIELD=value lines, a value
 * with a newline as FIELD\n, its size as 64-bit little endian, the data and \n;
 * an empty line ends the entry. One write() with O_APPEND: entries never mix. */
static void export_entry(const char *path, const Fields *f) {
        _cleanup_free_ char *buf = NULL;
        _cleanup_close_ int fd = -1;
        size_t size = 0;
        FILE *m;

        m = open_memstream(&buf, &size);
        if (!m)
                return;
        fprintf(m, "__REALTIME_TIMESTAMP=%llu\n__MONOTONIC_TIMESTAMP=%llu\n_PID=%d\n_UID=%u\n",
                (unsigned long long)now_usec(CLOCK_REALTIME), (unsigned long long)now_usec(CLOCK_MONOTONIC),
                (int)getpid(), (unsigned)getuid());
        for (size_t i = 0; i < f->n; i++) {
                const char *s = f->iov[i].iov_base, *eq = strchr(s, '=');
                const char *value = eq + 1;
                uint64_t len = strlen(value);

                if (!strchr(value, '\n')) {
                        fprintf(m, "%s\n", s);
                        continue;
                }
                fprintf(m, "%.*s\n", (int)(eq - s), s);
                for (int b = 0; b < 8; b++)
                        fputc((int)((len >> (8 * b)) & 0xff), m);
                fwrite(value, 1, len, m);
                fputc('\n', m);
        }
        fputc('\n', m);
        if (fclose(m) != 0)
                return;
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0 || write(fd, buf, size) != (ssize_t)size)
                log_debug_errno(-errno, "Cannot append to the journal export file %s: %m", path);
}

void log_decision_internal(const char *file, int line, const char *func, const Decision *d, const char *fmt,
                           ...) {
        const char *export = getenv("CGPOLICYD_JOURNAL_EXPORT");
        _cleanup_free_ char *msg = NULL, *code_line = NULL;
        Fields f = {};
        char prio[4];
        va_list ap;
        int saved = errno;

        if (d->priority > log_max_level)
                return;
        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);
        if (!msg)
                return;

        if (export && !*export)
                export = NULL;
        if (export || log_stderr_is_journal()) {
                snprintf(prio, sizeof(prio), "%d", d->priority);
                field(&f, "MESSAGE", msg);
                field(&f, "MESSAGE_ID", decision_kind_message_id(d->kind));
                field(&f, "PRIORITY", prio);
                field(&f, "SYSLOG_IDENTIFIER", "cgpolicyd");
                field(&f, "OBJECT_SYSTEMD_UNIT", d->unit);
                field(&f, "CGPOLICYD_DECISION", decision_kind_to_string(d->kind));
                field(&f, "CGPOLICYD_UNIT", d->unit);
                field(&f, "CGPOLICYD_PROPERTY", d->property);
                field(&f, "CGPOLICYD_OLD_VALUE", d->old_value);
                field(&f, "CGPOLICYD_NEW_VALUE", d->new_value);
                field(&f, "CGPOLICYD_LAYER", d->layer);
                field(&f, "CGPOLICYD_REASON", d->reason);
                field(&f, "CODE_FILE", file);
                if (asprintf(&code_line, "%d", line) >= 0)
                        field(&f, "CODE_LINE", code_line);
                field(&f, "CODE_FUNC", func);
                if (export)
                        export_entry(export, &f);
                else
                        (void)sd_journal_sendv(f.iov, (int)f.n);
                fields_done(&f);
        }
        /* the journal has it: no second copy through the stderr stream */
        if (export || !log_stderr_is_journal())
                (void)log_internal(d->priority, 0, file, line, "%s", msg);
        errno = saved;
}
