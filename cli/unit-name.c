/* SPDX-License-Identifier: LGPL-2.1-or-later */

#define _GNU_SOURCE

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "unit-name.h"

/* systemd's unit types: a name ending in one of them keeps it. */
static const char *const unit_suffixes[] = {
        ".service", ".socket", ".target", ".device", ".mount", ".automount",
        ".swap",    ".timer",  ".path",   ".slice",  ".scope",
};

bool unit_name_is_glob(const char *s) {
        return strpbrk(s, "*?[") != NULL;
}

static bool valid_char(char c, bool glob) {
        /* systemd's VALID_CHARS ("@" for instances), plus the glob characters */
        if (isalnum((unsigned char)c) || strchr(":-_.\\@", c))
                return true;
        return glob && strchr("*?[]!", c);
}

static bool has_suffix(const char *s) {
        size_t l = strlen(s);
        for (size_t i = 0; i < ELEMENTSOF(unit_suffixes); i++) {
                size_t k = strlen(unit_suffixes[i]);
                if (l > k && streq(s + l - k, unit_suffixes[i]))
                        return true;
        }
        return false;
}

int unit_name_mangle(const char *arg, bool allow_glob, const char *verb, char **ret, char **ret_error) {
        bool glob = unit_name_is_glob(arg);
        char *s = NULL;

        *ret_error = NULL;
        if (!*arg) {
                (void)asprintf(ret_error, "Unit name is empty.");
                return -EINVAL;
        }
        if (glob && !allow_glob) {
                (void)asprintf(ret_error, "\"%s\" is a glob pattern, but %s takes one unit name.", arg, verb);
                return -EINVAL;
        }
        for (const char *c = arg; *c; c++)
                if (!valid_char(*c, glob)) {
                        if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
                                (void)asprintf(ret_error, "Invalid unit name \"%s\": character 0x%02x is not allowed.",
                                               arg, (unsigned char)*c);
                        else
                                (void)asprintf(ret_error, "Invalid unit name \"%s\": '%c' is not allowed.", arg, *c);
                        return -EINVAL;
                }
        if (glob || has_suffix(arg))
                s = strdup(arg);
        else if (asprintf(&s, "%s.service", arg) < 0)
                s = NULL;
        if (!s)
                return -ENOMEM;
        if (strlen(s) > UNIT_NAME_MAX) {
                (void)asprintf(ret_error, "Invalid unit name \"%.32s...\": longer than %u characters.", arg,
                               UNIT_NAME_MAX);
                free(s);
                return -EINVAL;
        }
        *ret = s;
        return glob ? 1 : 0;
}
