/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Diagnostics: a growing list of "file:line:column: message" entries. */

#define _GNU_SOURCE 1 /* asprintf */

#include <stdarg.h>
#include <stdio.h>

#include "diag.h"
#include "macro.h"

int diags_add(Diags *d, const char *file, unsigned line, unsigned column, const char *fmt, ...) {
        _cleanup_free_ char *f = NULL, *m = NULL;
        va_list ap;
        int r;

        if (!d || !fmt)
                return -EINVAL;

        va_start(ap, fmt);
        r = vasprintf(&m, fmt, ap);
        va_end(ap);
        if (r < 0) {
                m = NULL; /* vasprintf leaves it undefined on failure */
                return -ENOMEM;
        }

        f = strdup(file ?: "");
        if (!f)
                return -ENOMEM;

        Diag *n = realloc(d->items, (d->n + 1) * sizeof(Diag));
        if (!n)
                return -ENOMEM;
        d->items = n;

        /* A column without a line means nothing; drop both then. */
        d->items[d->n++] = (Diag){
                .file = TAKE_PTR(f),
                .line = line,
                .column = line > 0 ? column : 0,
                .message = TAKE_PTR(m),
        };
        return 0;
}

char *diag_format(const Diag *d) {
        char *s = NULL;
        int r;

        if (!d)
                return NULL;

        const char *file = d->file && d->file[0] ? d->file : NULL;
        const char *msg = d->message ?: "";

        if (!file)
                r = asprintf(&s, "%s", msg);
        else if (d->line == 0)
                r = asprintf(&s, "%s: %s", file, msg);
        else if (d->column == 0)
                r = asprintf(&s, "%s:%u: %s", file, d->line, msg);
        else
                r = asprintf(&s, "%s:%u:%u: %s", file, d->line, d->column, msg);
        if (r < 0)
                return NULL;
        return s;
}

void diags_done(Diags *d) {
        if (!d)
                return;
        for (size_t i = 0; i < d->n; i++) {
                free(d->items[i].file);
                free(d->items[i].message);
        }
        free(d->items);
        d->items = NULL;
        d->n = 0;
}
