/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* One managed unit (service, scope or slice under a watched slice): what we know
 * of it, its override layers, what we want (resolved) and what the cgroup says
 * (read back). Owned by the Manager; the bus side only reads it. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "policy.h"
#include "property.h"
#include "psi.h"
#include "resolve.h"

typedef struct Manager Manager;
typedef struct Unit Unit;

typedef enum ApplyStatus {
        APPLY_UNMANAGED,   /* no layer sets it: we leave the unit's own value alone */
        APPLY_PENDING,     /* decided, not yet written or not yet read back (systemd backend in flight) */
        APPLY_OK,          /* read back and the cgroup holds the desired value */
        APPLY_NOT_APPLIED, /* written (or tried) but the cgroup does not hold it: see reason */
        APPLY_DRY_RUN,     /* --dry-run or pressure mode dry-run: decided, nothing written */
        _APPLY_STATUS_MAX,
} ApplyStatus;

/* "unmanaged", "pending", "ok", "not-applied", "dry-run" */
const char *apply_status_to_string(ApplyStatus s);

typedef struct UnitProp {
        ApplyStatus status;
        char *reason;         /* APPLY_NOT_APPLIED: "not applied: controller cpu not enabled", ... ; else NULL */
        char *desired_text;   /* canonical text of resolved value (prop_value_format); NULL when unmanaged */
        PropValue *applied;   /* parsed read-back value (devices as MAJ:MIN); NULL when the file was
                               * not read or not parsed. Allocated: 19 inline were 0.9 KB a unit */
        char *effective_text; /* canonical text of `applied` (or raw file contents if unparsable); NULL unknown */
        char *original;       /* raw contents before the daemon first changed it; NULL if never changed */
} UnitProp;

/* Bookkeeping that the D-Bus side may keep per unit. Add fields here (and only
 * here) when you need them; the daemon zero-initialises the struct and calls
 * bus_unit_done() before freeing the unit. */
typedef struct UnitBus {
        void *slot;           /* e.g. sd_bus_slot* if you register per-unit objects */
        uint64_t last_pressure_emit_usec; /* for rate limiting PressureChanged */
} UnitBus;

/* Replaces p->applied with v (taken; NULL: none). */
int unit_prop_set_applied(UnitProp *p, PropValue *v);

struct UnitPrivate; /* daemon-internal (inotify watches, pids seen, ...) */

struct Unit {
        Manager *manager;

        char *name;          /* "db.service", "system.slice" */
        char *slice;         /* the slice it sits in ("system.slice"); for a watched slice itself, its parent ("-.slice") */
        char *user;          /* User= (systemd backend), NULL if unknown/root */
        char *exe;           /* main PID's executable, NULL if unknown */
        char *cgroup_path;   /* relative to the cgroup root, leading '/': "/system.slice/db.service" */
        char *object_path;   /* "/org/cgpolicy1/unit/db_2eservice" */
        pid_t main_pid;      /* 0 if unknown */
        bool is_slice;
        bool populated;      /* cgroup.events populated 1 */

        PolicyClass class;   /* resolved.class, kept for the bus "Class" property */
        Resolved resolved;   /* desired values with provenance (layer, policy name) */

        PropSet persistent;  /* cgpolicyctl set-property (persistent layer) */
        PropSet runtime;     /* cgpolicyctl set-property --runtime */
        PropSet pressure;    /* pressure loop adjustments (lowest-to-highest: top layer) */
        PropSet pressure_shadow; /* what mode dry-run would have set: never written */

        UnitProp props[_PROP_MAX];

        uint64_t memory_current;             /* bytes; UINT64_MAX when unknown */
        PsiPressure psi[_RES_MAX];           /* last read memory/cpu/io.pressure */
        bool throttled;                      /* pressure loop currently squeezes it */

        UnitBus bus;
        struct UnitPrivate *priv;
};

/* "/org/cgpolicy1/unit/" + sd_bus_path_encode(name). */
int unit_object_path_from_name(const char *name, char **ret);

/* Suffix test: .service, .scope, .slice are units. */
bool unit_name_is_valid(const char *name);
