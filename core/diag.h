/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Diagnostics collected while loading policies: "file:line:column: message". */

#include <stddef.h>

typedef struct Diag {
        char *file;
        unsigned line, column; /* 1-based; 0 when unknown */
        char *message;
} Diag;

typedef struct Diags {
        Diag *items;
        size_t n;
} Diags;

int diags_add(Diags *d, const char *file, unsigned line, unsigned column, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));
/* "file:line:column: message" (":line:column" dropped when unknown). malloc'ed. */
char *diag_format(const Diag *d);
void diags_done(Diags *d);
