/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* org.cgpolicy1.Unit: one object per managed unit under /org/cgpolicy1/unit,
 * served by a fallback vtable and a node enumerator (no per-unit registration). */

#include "manager.h"

int bus_unit_setup(Manager *m);

/* Names of the policies matching u, comma-separated ("" when none). */
int bus_unit_policies_joined(const Unit *u, char **ret);
