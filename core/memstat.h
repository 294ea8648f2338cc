/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Reading one key of a cgroup's memory.stat ("anon 1234\nfile 5678\n…", bytes)
 * or of /proc/meminfo ("SwapTotal:  0 kB"). Pure. */

#include <stdint.h>

/* memory.stat: the value of `key` in bytes. -ENOENT when the key is absent,
 * -EINVAL for a malformed line with that key, -ERANGE on overflow. */
int memstat_get(const char *text, const char *key, uint64_t *ret);

/* /proc/meminfo: the value of `key` ("SwapTotal") converted from kB to bytes;
 * errors as memstat_get(). */
int meminfo_get(const char *text, const char *key, uint64_t *ret);
