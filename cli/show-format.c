/* SPDX-License-Identifier: LGPL-2.1-or-later */

#define _GNU_SOURCE

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "show-format.h"

static int number_or_infinity(uint64_t u, char **ret) {
        if (u == UINT64_MAX)
                return (*ret = strdup("infinity")) ? 0 : -ENOMEM;
        return asprintf(ret, "%" PRIu64, u) < 0 ? -ENOMEM : 0;
}

int show_format_value(const Property *p, const PropValue *v, char **ret) {
        char *s = NULL;

        if (v->reset)
                return (*ret = strdup("")) ? 0 : -ENOMEM;
        switch (p->type) {
        case VT_SIZE:
        case VT_TASKS:
                return number_or_infinity(v->u, ret);
        case VT_WEIGHT:
                /* systemd's "unset" weight */
                if (v->u == UINT64_MAX)
                        return (*ret = strdup("")) ? 0 : -ENOMEM;
                return prop_value_format(p, v, ret);
        case VT_DEVICE_BYTES:
        case VT_DEVICE_IOPS:
        case VT_DEVICE_WEIGHT:
        case VT_DEVICE_DURATION: {
                if (p->type == VT_DEVICE_DURATION) {
                        /* durations keep their syntax, one entry a line */
                        _cleanup_free_ char *t = NULL;
                        int r = prop_value_format(p, v, &t);
                        if (r < 0)
                                return r;
                        s = strdup(t);
                        for (char *c = s; s && (c = strstr(c, "; ")); c++)
                                memmove(c, c + 1, strlen(c)), *c = '\n';
                        return s ? (*ret = s, 0) : -ENOMEM;
                }
                s = strdup("");
                for (size_t i = 0; s && i < v->n_devs; i++) {
                        _cleanup_free_ char *x = NULL;
                        char *n;
                        if (number_or_infinity(v->devs[i].value, &x) < 0 ||
                            asprintf(&n, "%s%s%s %s", s, i ? "\n" : "", v->devs[i].device, x) < 0) {
                                free(s);
                                return -ENOMEM;
                        }
                        free(s);
                        s = n;
                }
                return s ? (*ret = s, 0) : -ENOMEM;
        }
        default:
                return prop_value_format(p, v, ret);
        }
}

int show_format_text(const Property *p, const char *text, char **ret) {
        _cleanup_(prop_value_done) PropValue v = {};
        ParseContext ctx = {.ram_bytes = UINT64_MAX, .tasks_limit = UINT64_MAX, .own_text = true};
        int r;

        if (!text || !*text)
                return (*ret = strdup("")) ? 0 : -ENOMEM;
        r = prop_value_parse(p, text, &ctx, &v, NULL);
        if (r < 0) /* the daemon's own text: show it as it came */
                return (*ret = strdup(text)) ? 0 : -ENOMEM;
        return show_format_value(p, &v, ret);
}
