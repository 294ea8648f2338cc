/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Layer resolution: a unit's desired values and which layer set each (provenance).
 * Pure function of its inputs. */

#include "policy.h"

typedef enum Layer {
        LAYER_NONE,       /* nothing sets it: the unit keeps its own value */
        LAYER_POLICY,     /* matching policies, ascending priority (ties: file order) */
        LAYER_PERSISTENT, /* cgpolicyctl set-property (persistent) */
        LAYER_RUNTIME,    /* cgpolicyctl set-property --runtime */
        LAYER_PRESSURE,   /* pressure loop adjustment */
        LAYER_HIERARCHY,  /* a slice's protection raised to cover the units below it */
        _LAYER_MAX,
} Layer;

/* "none", "policy", "persistent", "runtime", "pressure", "hierarchy" */
const char *layer_to_string(Layer l);

typedef struct ResolvedProp {
        Layer layer;
        const char *source; /* policy name for LAYER_POLICY (points into the PolicySet), else NULL */
        PropValue value;    /* owned copy; meaningful when layer != LAYER_NONE */
} ResolvedProp;

typedef struct Resolved {
        ResolvedProp props[_PROP_MAX];
        PolicyClass class;            /* from the highest-priority matching policy that sets one */
        const Policy **matched;       /* matching policies, ascending priority; not owned */
        size_t n_matched;
        PropSet floor;                /* merged pressure floors of matching policies */
} Resolved;

/* Any of persistent/runtime/pressure may be NULL. A reset value in a higher layer
 * overrides lower ones (the property goes back to its default). */
int resolve_unit(const PolicySet *set, const UnitInfo *unit, const PropSet *persistent, const PropSet *runtime,
                 const PropSet *pressure, Resolved *ret);
void resolved_done(Resolved *r);

/* cgroup v2 bounds a unit's memory protection by its parent's (a stock
 * system.slice has memory.low 0, which voids every MemoryLow below it). For a
 * slice: raises r's MemoryLow or MemoryMin (id) to `claim`, what the units below
 * it are given, with layer "hierarchy", when claim is above both the resolved
 * value and `own` (the slice's value when no layer sets it). Never lowers.
 * Returns 1 when raised, 0 when not needed, -EINVAL for another property. */
int resolve_cover_children(Resolved *r, PropertyId id, uint64_t claim, uint64_t own);

/* For a sheddable unit: lowers r's MemoryHigh to `ceiling`, with layer
 * "hierarchy" and source "headroom", when the value in force (resolved, or `own`
 * when no layer sets it; unset = infinity) is above it. Never raises. Returns 1
 * when lowered, 0 when not needed, -EINVAL for another property. */
int resolve_cap(Resolved *r, PropertyId id, uint64_t ceiling, uint64_t own);
