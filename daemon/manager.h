/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The daemon's state: options, policies, the units under the watched slices,
 * and the operations the D-Bus side calls. All functions run in the event-loop
 * thread; none of them block on the bus. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "diag.h"
#include "policy.h"
#include "psi.h"
#include "unit.h"

typedef enum BackendType {
        BACKEND_AUTO,
        BACKEND_SYSTEMD,
        BACKEND_CGROUPFS,
        _BACKEND_TYPE_MAX,
        _BACKEND_TYPE_INVALID = -1,
} BackendType;

const char *backend_type_to_string(BackendType t); /* "auto", "systemd", "cgroupfs" */
BackendType backend_type_from_string(const char *s);

typedef struct Backend Backend; /* daemon/backend.h */
struct ManagerPrivate;          /* daemon-internal */

/* Bookkeeping the D-Bus side may keep on the manager. Add fields here (and only
 * here); zero-initialised, bus_done() is called before the manager is freed. */
typedef struct ManagerBus {
        void *slot_manager;   /* sd_bus_slot* for /org/cgpolicy1 */
        void *slot_units;     /* sd_bus_slot* for the unit fallback vtable */
        void *slot_enumerator;
        void *polkit;         /* polkit registry */
        void *check_limit;    /* RateLimit of CheckPolicy calls by unprivileged uids */
        void *work;           /* BusWork: queued costly calls, per caller */
} ManagerBus;

typedef struct Manager {
        sd_event *event;
        sd_bus *bus;

        /* Options (command line). */
        BackendType backend_type;  /* as resolved: BACKEND_SYSTEMD or BACKEND_CGROUPFS after startup */
        const char *backend_name;  /* "systemd" or "cgroupfs" (the Backend property) */
        char *cgroup_root;         /* "/sys/fs/cgroup" or a test tree */
        char **watched_slices;     /* NULL-terminated: "system.slice", ... */
        char **policy_dirs;        /* NULL-terminated */
        char *state_dir;           /* persistent overrides + originals */
        char *runtime_dir;         /* runtime overrides */
        bool dry_run;

        ParseContext parse_ctx;    /* RAM size, pid limit for "N%" values */

        PolicySet *policies;       /* never NULL after startup (an empty set when no files) */

        /* Units, sorted by name (strcmp). Iterate with MANAGER_FOREACH_UNIT or
         * index units[0..n_units). The array may be reallocated whenever the
         * event loop runs, so do not keep pointers into it across callbacks. */
        Unit **units;
        size_t n_units;

        /* Watched-slice pressure (first watched slice), for Manager properties. */
        PsiPressure psi[_RES_MAX];
        const char *rebalance_state; /* "idle", "throttling", "relaxing" (static string) */

        Backend *backend;
        ManagerBus bus_data;
        struct ManagerPrivate *priv;
} Manager;

#define MANAGER_FOREACH_UNIT(u, m)                                                                          \
        for (size_t _i_##u = 0; _i_##u < (m)->n_units && ((u) = (m)->units[_i_##u]); _i_##u++)

/* Binary search by name; NULL if not managed. */
Unit *manager_get_unit(Manager *m, const char *name);

/* Sets properties in the persistent (runtime=false) or runtime layer of `unit`.
 * `props` was validated by the caller through the property table; only entries
 * with has[] set are used and they are copied (caller keeps ownership). A reset
 * value (v.reset) stored in a layer means "back to the default".
 * All or nothing: persists the layer (atomic file write), re-resolves, applies
 * through the backend and reads back (cgroupfs: synchronously; systemd: the
 * read back follows the async reply), then emits bus_emit_unit_changed().
 * Returns 0, or -ENOENT (no such unit), -EROFS (runtime=false but the state dir
 * cannot be written), -ENOMEM, other negative errno; on error nothing changed
 * and *ret_error (if non-NULL) gets a malloc'ed human-readable message.
 * Device lists in props add to the layer's (prop_set_assign()) unless
 * replace[id] (the call cleared that list first; replace may be NULL). */
int manager_set_unit_properties(Manager *m, const char *unit, bool runtime, const PropSet *props,
                                const bool *replace, char **ret_error);

/* Drops overrides of `unit` from both the persistent and runtime layers; `props`
 * is a NULL-terminated list of property names (unit-file or D-Bus names), NULL or
 * empty = all. Properties no layer sets any more get their original value back.
 * Returns 0, -ENOENT (no such unit), -EINVAL (unknown property name; message
 * names it; nothing changed), other negative errno. */
int manager_revert_unit_properties(Manager *m, const char *unit, char **props, char **ret_error);

/* Reloads policies from policy_dirs. Validates the whole set first: on error the
 * old set stays in force, returns negative errno and fills *ret_diags (if
 * non-NULL; caller does diags_done). On success re-resolves and applies every
 * unit (restoring originals where a property is no longer set) and emits
 * bus_emit_policy_reloaded(). */
/* policy_set_load_dirs() over m->policy_dirs, logging each skipped entry. */
int manager_load_policy_dirs(Manager *m, PolicySet **ret, Diags *diags);
int manager_reload(Manager *m, Diags *ret_diags);
/* The first discovery of units is still going on (cgroupfs: from the event loop). */
bool manager_discovering(const Manager *m);
/* memory.current and the PSI files of u, read now unless read in the last
 * 250 ms (one GetAll reads them once): what the bus shows is what is, not what
 * the last event left (issue 11 item 9). u may be the first watched slice,
 * whose figures are the Manager's too. */
void manager_unit_usage_fresh(Unit *u);
/* The first watched slice, whose pressure is the Manager's; NULL if none. */
Unit *manager_pressure_slice(Manager *m);
uint64_t manager_unit_usage_timestamp(const Unit *u); /* CLOCK_REALTIME µs of that read, 0: never */

/* Validates a policy document without loading it (CheckPolicy). Returns 0 when
 * valid, -EINVAL with diags otherwise. Needs no Manager. */
int manager_check_policy(const char *json, Diags *ret);

/* The text form of a unit's resolved value for one property, for Explain:
 * returns static "" when unmanaged. Convenience; same as u->props[id].desired_text. */
const char *unit_desired_text(const Unit *u, PropertyId id);

/* The cgroup's value of a property no layer manages, read now (unmanaged files
 * are not read at every apply): call before looking at u->props[id] for one. */
void unit_read_back_unmanaged(Unit *u, PropertyId id);
