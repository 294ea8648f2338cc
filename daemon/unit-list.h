/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A growable array of Unit pointers, as the apply queue and the work list keep:
 * append, and forget a unit that goes away (its slot becomes NULL, so that a
 * walk in progress stays valid). */

#include <errno.h>
#include <stdlib.h>

typedef struct Unit Unit;

static inline int unit_list_push(Unit ***list, size_t *n, size_t *alloc, Unit *u) {
        if (*n == *alloc) {
                size_t k = *alloc ? *alloc * 2 : 64;
                Unit **a = reallocarray(*list, k, sizeof(Unit *));

                if (!a)
                        return -ENOMEM;
                *list = a;
                *alloc = k;
        }
        (*list)[(*n)++] = u;
        return 0;
}

static inline void unit_list_forget(Unit **list, size_t n, const Unit *u) {
        for (size_t i = 0; i < n; i++)
                if (list[i] == u)
                        list[i] = NULL;
}
