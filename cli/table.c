/* SPDX-License-Identifier: LGPL-2.1-or-later */

#define _GNU_SOURCE

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "macro.h"
#include "table.h"

struct Table {
        size_t n_columns;
        char **cells; /* header cells first */
        size_t n_cells, allocated;
};

static int push(Table *t, char *s) {
        if (t->n_cells == t->allocated) {
                size_t a = t->allocated ? t->allocated * 2 : 32;
                char **n = realloc(t->cells, a * sizeof(char *));
                if (!n) {
                        free(s);
                        return -ENOMEM;
                }
                t->cells = n;
                t->allocated = a;
        }
        t->cells[t->n_cells++] = s;
        return 0;
}

Table *table_new(size_t n_columns, ...) {
        Table *t = calloc(1, sizeof(Table));
        va_list ap;

        if (!t)
                return NULL;
        t->n_columns = n_columns;
        va_start(ap, n_columns);
        for (size_t i = 0; i < n_columns; i++)
                if (table_add(t, va_arg(ap, const char *)) < 0) {
                        va_end(ap);
                        return table_free(t);
                }
        va_end(ap);
        return t;
}

Table *table_free(Table *t) {
        if (!t)
                return NULL;
        for (size_t i = 0; i < t->n_cells; i++)
                free(t->cells[i]);
        free(t->cells);
        free(t);
        return NULL;
}

int table_add(Table *t, const char *cell) {
        char *s = strdup(cell ?: "-");
        if (!s)
                return -ENOMEM;
        return push(t, s);
}

int table_addf(Table *t, const char *fmt, ...) {
        va_list ap;
        char *s;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        return push(t, s);
}

size_t table_rows(const Table *t) {
        return t->n_cells / t->n_columns - 1;
}

/* Display width: UTF-8 continuation bytes take no column. */
static size_t width(const char *s) {
        size_t w = 0;
        for (; *s; s++)
                if (((unsigned char)*s & 0xC0) != 0x80)
                        w++;
        return w;
}

int table_print(Table *t, bool header) {
        _cleanup_free_ size_t *w = calloc(t->n_columns, sizeof(size_t));

        if (!w)
                return -ENOMEM;
        for (size_t i = header ? 0 : t->n_columns; i < t->n_cells; i++) {
                size_t c = i % t->n_columns, x = width(t->cells[i]);
                if (x > w[c])
                        w[c] = x;
        }
        for (size_t i = header ? 0 : t->n_columns; i < t->n_cells; i++) {
                size_t c = i % t->n_columns;
                if (c + 1 == t->n_columns)
                        printf("%s\n", t->cells[i]);
                else
                        printf("%s%*s", t->cells[i], (int)(w[c] - width(t->cells[i]) + 2), "");
        }
        /* A row left incomplete still ends its line. */
        if (t->n_cells % t->n_columns != 0)
                putchar('\n');
        return 0;
}
