/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Unit names as systemctl takes them on its command line. Pure: no bus. */

#include <stdbool.h>

#define UNIT_NAME_MAX 255

/* Whether s holds a glob character (*, ?, [). */
bool unit_name_is_glob(const char *s);

/* "nginx" → "nginx.service", "system.slice" stays, a glob stays as it is
 * (when allow_glob). Returns 0 for a name, 1 for a glob pattern, or -EINVAL
 * with *ret_error naming what is wrong (empty, too long, a character systemd
 * does not allow in a unit name, a glob where only one unit can be named).
 * Both outputs are malloc'ed; *ret is written only on success. */
int unit_name_mangle(const char *arg, bool allow_glob, const char *verb, char **ret, char **ret_error);
