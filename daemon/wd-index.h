/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* inotify watch descriptor → unit, for the event handler: a sorted array with
 * binary search, because a scan of every unit per event is quadratic when a
 * slice with thousands of units changes at once. */

#include <stddef.h>

typedef struct Unit Unit;

typedef struct WdIndex {
        struct WdEntry {
                int wd;
                Unit *unit;
        } *entries;
        size_t n, alloc;
} WdIndex;

int wd_index_put(WdIndex *x, int wd, Unit *u); /* replaces an existing wd's unit; -ENOMEM */
void wd_index_remove(WdIndex *x, int wd);
Unit *wd_index_get(const WdIndex *x, int wd);
void wd_index_done(WdIndex *x);
