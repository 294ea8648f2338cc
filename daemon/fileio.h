/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Small file helpers for cgroup attributes and state files. */

#include <stdbool.h>
#include <stddef.h>

/* Reads the whole file (≤ 1 MiB) into a NUL-terminated malloc'ed string. */
int read_full_file(const char *path, char **ret);
int read_full_file_at(int dirfd, const char *name, char **ret);

/* One write() of `s` (without NUL) to an existing file, so the kernel's errno for
 * that one value comes back. O_NONBLOCK when nonblock (memory.* files). */
int write_one_at(int dirfd, const char *name, const char *s, bool nonblock);

/* Atomic replace: temp file in the same dir, fsync, rename, fsync dir. */
int write_file_atomic(const char *path, const char *content);

/* mkdir -p with mode 0755. */
int mkdir_p(const char *path);

/* Strips trailing whitespace in place; returns s. */
char *strstrip_trailing(char *s);

/* Joins path pieces with '/'. NULL on OOM. */
char *path_join(const char *a, const char *b);
