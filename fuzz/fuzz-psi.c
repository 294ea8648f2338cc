/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Input: the contents of a *.pressure file or a trigger spec. Checks that nothing
 * crashes and that accepted values respect the documented bounds. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "psi.h"

#define CHECK(x)                                                                                            \
        do {                                                                                                \
                if (!(x)) {                                                                                 \
                        fprintf(stderr, "fuzz-psi: check failed: %s\n", #x);                                \
                        abort();                                                                            \
                }                                                                                           \
        } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > 16384)
                return 0;
        char *text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = 0;

        PsiPressure p;
        if (psi_parse(text, &p) >= 0) {
                CHECK(p.has_some);
                CHECK(p.some.avg10 <= 10000 && p.some.avg60 <= 10000 && p.some.avg300 <= 10000);
                if (p.has_full)
                        CHECK(p.full.avg10 <= 10000 && p.full.avg60 <= 10000 && p.full.avg300 <= 10000);
        }

        int kind;
        uint64_t stall, window;
        if (psi_parse_trigger(text, &kind, &stall, &window) >= 0) {
                char *s = NULL;
                CHECK(kind == 0 || kind == 1);
                CHECK(window >= 500000 && window <= 10000000 && stall > 0 && stall <= window);
                CHECK(psi_format_trigger(kind, stall, window, &s) >= 0);
                free(s);
        }
        free(text);
        return 0;
}
