/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Aligned text tables like systemctl's: a header line (unless --no-legend),
 * columns padded to their widest cell, the last column unpadded. */

#include <stdbool.h>
#include <stddef.h>

typedef struct Table Table;

Table *table_new(size_t n_columns, ...); /* header names */
Table *table_free(Table *t);
/* Appends one cell; rows fill left to right. Copies the string (NULL → "-"). */
int table_add(Table *t, const char *cell);
int table_addf(Table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
size_t table_rows(const Table *t);
int table_print(Table *t, bool header);

static inline void table_freep(Table **t) {
        if (*t)
                table_free(*t);
}
