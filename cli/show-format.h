/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Values as `systemctl show` prints them, so that scripts written against it
 * work unchanged: sizes and bandwidths in bytes, "infinity" for no limit, an
 * unset value empty, one line per device entry. Other types keep the
 * unit-file syntax ("idle", "50%", "0-3", "100ms"). Pure. */

#include "property.h"

/* The value's lines, joined with '\n' ("" when unset or reset); malloc'ed. */
int show_format_value(const Property *p, const PropValue *v, char **ret);

/* The same from policy-syntax text (as Explain returns it); "" stays "". */
int show_format_text(const Property *p, const char *text, char **ret);
