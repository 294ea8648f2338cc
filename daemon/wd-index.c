/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A sorted (wd, unit) array. The kernel hands out watch descriptors in rising
 * order, so a put is nearly always an append. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wd-index.h"

/* First position whose wd is >= wd. */
static size_t lower_bound(const WdIndex *x, int wd) {
        size_t lo = 0, hi = x->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (x->entries[mid].wd < wd)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

int wd_index_put(WdIndex *x, int wd, Unit *u) {
        size_t i = lower_bound(x, wd);

        if (i < x->n && x->entries[i].wd == wd) {
                x->entries[i].unit = u;
                return 0;
        }
        if (x->n == x->alloc) {
                size_t k = x->alloc ? x->alloc * 2 : 64;
                struct WdEntry *a = reallocarray(x->entries, k, sizeof(*a));

                if (!a)
                        return -ENOMEM;
                x->entries = a;
                x->alloc = k;
        }
        memmove(x->entries + i + 1, x->entries + i, (x->n - i) * sizeof(*x->entries));
        x->entries[i] = (struct WdEntry){.wd = wd, .unit = u};
        x->n++;
        return 0;
}

void wd_index_remove(WdIndex *x, int wd) {
        size_t i = lower_bound(x, wd);

        if (i >= x->n || x->entries[i].wd != wd)
                return;
        memmove(x->entries + i, x->entries + i + 1, (x->n - i - 1) * sizeof(*x->entries));
        x->n--;
}

Unit *wd_index_get(const WdIndex *x, int wd) {
        size_t i = lower_bound(x, wd);

        return i < x->n && x->entries[i].wd == wd ? x->entries[i].unit : NULL;
}

void wd_index_done(WdIndex *x) {
        free(x->entries);
        *x = (WdIndex){};
}
