/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* One unit's data as show, explain and status need it: its object's
 * properties (GetAll) and the daemon's explanation of every property. */

#include "ctl.h"
#include "property.h"

typedef struct ExplainRow {
        char *value, *layer, *applied;
} ExplainRow;

typedef struct UnitData {
        char *path;
        sd_bus_message *all;
        ExplainRow rows[_PROP_MAX];
} UnitData;

/* The desired value as show, explain and monitor print it, from Explain's
 * layer and text: "" when no layer sets it (unset); a layer's reset holds the
 * property's default ("infinity" for MemoryMax), which is what systemd's D-Bus
 * value says too (a reset and MemoryMax=infinity are both UINT64_MAX there). */
const char *desired_shown(const Property *p, const char *layer, const char *value);

void unit_data_done(UnitData *d);
/* GetUnit + GetAll + Explain; prints the failure and returns the exit code. */
int unit_fetch(sd_bus *bus, const char *name, UnitData *d);
/* EffectiveX as policy-syntax text; "" when the daemon has not read it. */
int effective_read(sd_bus_message *all, const Property *p, PropValue *v);
int effective_text(sd_bus_message *all, const Property *p, char **ret);
