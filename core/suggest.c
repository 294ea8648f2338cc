/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdint.h>
#include <string.h>

#include "property.h"
#include "suggest.h"

size_t edit_distance(const char *a, const char *b) {
        size_t la = strlen(a), lb = strlen(b);
        if (la > 64 || lb > 64)
                return SIZE_MAX;
        size_t prev[65], cur[65];
        for (size_t j = 0; j <= lb; j++)
                prev[j] = j;
        for (size_t i = 1; i <= la; i++) {
                cur[0] = i;
                for (size_t j = 1; j <= lb; j++) {
                        char ca = a[i - 1], cb = b[j - 1];
                        if (ca >= 'A' && ca <= 'Z')
                                ca += 'a' - 'A';
                        if (cb >= 'A' && cb <= 'Z')
                                cb += 'a' - 'A';
                        size_t sub = prev[j - 1] + (ca != cb);
                        size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
                        cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
                }
                memcpy(prev, cur, sizeof(size_t) * (lb + 1));
        }
        return prev[lb];
}

const char *suggest_name(const char *s, const char *const *names, size_t n) {
        const char *best = NULL;
        size_t best_d = SIZE_MAX;
        for (size_t i = 0; i < n; i++) {
                size_t d = edit_distance(s, names[i]);
                if (d < best_d) {
                        best_d = d;
                        best = names[i];
                }
        }
        size_t l = strlen(s);
        size_t limit = l <= 4 ? 1 : l <= 8 ? 2 : 3;
        return best_d <= limit ? best : NULL;
}

const char *suggest_property_name(const char *s) {
        const char *names[_PROP_MAX];
        size_t n = 0;

        for (size_t i = 0; i < _PROP_MAX; i++) {
                const Property *q = property_get((PropertyId)i);
                if (q && q->name)
                        names[n++] = q->name;
        }
        return suggest_name(s, names, n);
}
