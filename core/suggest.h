/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* "Did you mean": the one home of the typo suggestion used by policy
 * diagnostics and by cgpolicyctl. Pure. */

#include <stddef.h>

/* Case-insensitive Levenshtein distance; SIZE_MAX for names over 64 characters. */
size_t edit_distance(const char *a, const char *b);

/* The closest of `names` to `s` if it is plausibly a typo (at most 1 edit for
 * names up to 4 characters, 2 up to 8, else 3), else NULL. */
const char *suggest_name(const char *s, const char *const *names, size_t n);

/* The same over the property table's unit-file names. */
const char *suggest_property_name(const char *s);
