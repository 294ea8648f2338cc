/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Arbitrary bytes as a policy file: loading must never crash or leak, a rejected
 * document must come with at least one diagnostic, and an accepted one must
 * survive matching, resolution, formatting and merging. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "resolve.h"
#include "value.h"

static const UnitInfo units[] = {
        {"db.service", "system.slice", "postgres", "/usr/bin/postgres"},
        {"batch-1.service", "batch.slice", "batch", "/usr/bin/job"},
        {"system.slice", "-.slice", NULL, NULL},
        {"a", NULL, NULL, NULL},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const ParseContext ctx = {.ram_bytes = 4ULL << 30, .tasks_limit = 32768};
        PolicySet *set = NULL, *again = NULL;
        Diags d = {};

        /* A C string ends at the first NUL; policy files with one are refused
         * by policy_set_parse_file before this layer. */
        if (string_has_nul((const char *)data, size))
                return 0;
        char *text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = 0;

        int r = policy_set_parse_string(text, "fuzz.json", &ctx, &set, &d);
        if (r < 0) {
                if (set || d.n == 0)
                        abort(); /* rejected: nothing returned, but always a reason */
                goto finish;
        }
        if (d.n != 0)
                abort();

        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
                Resolved res;
                if (resolve_unit(set, &units[i], NULL, NULL, NULL, &res) < 0)
                        continue;
                for (size_t p = 0; p < _PROP_MAX; p++) {
                        char *s = NULL;
                        if (res.props[p].layer != LAYER_NONE &&
                            prop_value_format(property_get((PropertyId)p), &res.props[p].value, &s) >= 0)
                                free(s);
                }
                resolved_done(&res);
        }

        /* The same document twice: every policy name clashes, nothing moves. */
        if (policy_set_parse_string(text, "fuzz2.json", &ctx, &again, &d) >= 0) {
                size_t n = set->n_policies, m = again->n_policies;
                r = policy_set_merge(set, again, &d);
                if ((n > 0) != (r == -EEXIST) || set->n_policies != n + (n > 0 ? 0 : m))
                        abort();
        }

finish:
        diags_done(&d);
        policy_set_free(set);
        policy_set_free(again);
        free(text);
        return 0;
}
