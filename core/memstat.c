/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One key of memory.stat or /proc/meminfo: "KEY VALUE" lines, strictly. */

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "memstat.h"

/* Parses the digits at *p up to the end of the line (after an optional " kB"
 * when `kb`), into bytes. */
static int parse_line_value(const char *p, bool kb, uint64_t *ret) {
        uint64_t v = 0;
        bool any = false;

        while (*p == ' ')
                p++;
        for (; *p >= '0' && *p <= '9'; p++) {
                if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
                        return -ERANGE;
                v = v * 10 + (uint64_t)(*p - '0');
                any = true;
        }
        if (kb) {
                if (strncmp(p, " kB", 3) != 0)
                        return -EINVAL;
                p += 3;
                if (v > UINT64_MAX / 1024)
                        return -ERANGE;
                v *= 1024;
        }
        if (!any || (*p != '\n' && *p != '\0'))
                return -EINVAL;
        *ret = v;
        return 0;
}

static int find_key(const char *text, const char *key, const char *sep, bool kb, uint64_t *ret) {
        size_t kl = strlen(key), sl = strlen(sep);

        if (!text || !key || !*key || !ret)
                return -EINVAL;
        for (const char *line = text; *line;) {
                const char *nl = strchr(line, '\n');

                if (strncmp(line, key, kl) == 0 && strncmp(line + kl, sep, sl) == 0)
                        return parse_line_value(line + kl + sl, kb, ret);
                if (!nl)
                        break;
                line = nl + 1;
        }
        return -ENOENT;
}

int memstat_get(const char *text, const char *key, uint64_t *ret) {
        return find_key(text, key, " ", false, ret);
}

int meminfo_get(const char *text, const char *key, uint64_t *ret) {
        return find_key(text, key, ":", true, ret);
}
