/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "bus-errors.h"
#include "bus-unit.h"
#include "bus-value.h"
#include "bus.h"
#include "clock.h"
#include "log.h"
#include "macro.h"

/* What was last announced for a unit, so PropertiesChanged names only what
 * changed; and the timer that holds back pressure updates to one a second.
 * Lives in u->bus.slot (the UnitBus bookkeeping pointer). */
typedef struct UnitBusState {
        char *desired[_PROP_MAX];
        char *effective[_PROP_MAX];
        char *class;
        char *policies;
        sd_event_source *pressure_timer;
        bool taken; /* the first snapshot is in: NULL above means empty */
} UnitBusState;

#define PRESSURE_EMIT_INTERVAL_USEC USEC_PER_SEC

static const char *const pressure_props[] = {
        "MemoryCurrent", "MemoryPressure", "CPUPressure", "IOPressure", "Throttled", NULL,
};

/* Before bus_setup() has registered the objects there is nothing to announce. */
static bool bus_ready(const Manager *m) {
        return m && m->bus && m->bus_data.slot_units;
}

/* Vtable built once from the property table: fixed members plus desired and
 * Effective* for every table row. */
static sd_bus_vtable unit_vtable[20 + 2 * _PROP_MAX];
static char effective_names[_PROP_MAX][64];

static void state_free(UnitBusState *s) {
        if (!s)
                return;
        for (size_t i = 0; i < _PROP_MAX; i++) {
                free(s->desired[i]);
                free(s->effective[i]);
        }
        free(s->class);
        free(s->policies);
        sd_event_source_disable_unref(s->pressure_timer);
        free(s);
}

int bus_unit_policies_joined(const Unit *u, char **ret) {
        size_t len = 1;
        char *s, *p;

        for (size_t i = 0; i < u->resolved.n_matched; i++)
                len += strlen(u->resolved.matched[i]->name) + 1;
        s = p = malloc(len);
        if (!s)
                return -ENOMEM;
        *p = 0;
        for (size_t i = 0; i < u->resolved.n_matched; i++)
                p = stpcpy(stpcpy(p, i > 0 ? "," : ""), u->resolved.matched[i]->name);
        *ret = s;
        return 0;
}

static int property_get_string(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Unit *u = userdata;
        const char *s = "";

        if (streq(property, "Id"))
                s = u->name;
        else if (streq(property, "ControlGroup"))
                s = u->cgroup_path;
        else if (streq(property, "Class"))
                s = policy_class_to_string(u->class);
        return sd_bus_message_append(reply, "s", strna(s));
}

static int property_get_policies(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Unit *u = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "s");
        if (r < 0)
                return r;
        for (size_t i = 0; i < u->resolved.n_matched; i++) {
                r = sd_bus_message_append(reply, "s", u->resolved.matched[i]->name);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

static int property_get_desired(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        static const PropValue reset = {.reset = true};
        Unit *u = userdata;
        const Property *p = property_by_dbus_name(property);

        if (!p)
                return -ENOENT;
        /* Nothing sets it: report systemd's "unset" value, as systemd does. */
        const ResolvedProp *rp = &u->resolved.props[p->id];
        return bus_append_prop_value(reply, p, rp->layer != LAYER_NONE ? &rp->value : &reset);
}

static int property_get_effective(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        static const PropValue reset = {.reset = true};
        Unit *u = userdata;
        const Property *p;

        if (strncmp(property, "Effective", 9) != 0 || !(p = property_by_dbus_name(property + 9)))
                return -ENOENT;
        unit_read_back_unmanaged(u, p->id);
        const UnitProp *up = &u->props[p->id];
        return bus_append_prop_value(reply, p, up->applied ?: &reset);
}

static int property_get_memory_current(sd_bus *bus, const char *path, const char *interface,
                                       const char *property, sd_bus_message *reply, void *userdata,
                                       sd_bus_error *error) {
        Unit *u = userdata;

        manager_unit_usage_fresh(u);
        return sd_bus_message_append(reply, "t", u->memory_current);
}

static int property_get_usage_timestamp(sd_bus *bus, const char *path, const char *interface,
                                        const char *property, sd_bus_message *reply, void *userdata,
                                        sd_bus_error *error) {
        Unit *u = userdata;

        manager_unit_usage_fresh(u);
        return sd_bus_message_append(reply, "t", manager_unit_usage_timestamp(u));
}

static int property_get_pressure(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Unit *u = userdata;
        PressureResource res = streq(property, "MemoryPressure") ? RES_MEMORY
                               : streq(property, "CPUPressure")  ? RES_CPU
                                                                 : RES_IO;

        manager_unit_usage_fresh(u);
        return bus_append_psi(reply, u->psi[res].has_some ? &u->psi[res].some : NULL);
}

static int property_get_throttled(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Unit *u = userdata;

        return sd_bus_message_append(reply, "b", (int)u->throttled);
}

static void build_vtable(void) {
        size_t n = 0;

        if (unit_vtable[0].type == _SD_BUS_VTABLE_START)
                return;

        const uint64_t ch = SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE;
        const uint64_t cst = SD_BUS_VTABLE_PROPERTY_CONST;
        unit_vtable[n++] = (sd_bus_vtable)SD_BUS_VTABLE_START(0);
        unit_vtable[n++] = (sd_bus_vtable)SD_BUS_PROPERTY("Id", "s", property_get_string, 0, cst);
        unit_vtable[n++] = (sd_bus_vtable)SD_BUS_PROPERTY("ControlGroup", "s", property_get_string, 0, cst);
        unit_vtable[n++] = (sd_bus_vtable)SD_BUS_PROPERTY("Class", "s", property_get_string, 0, ch);
        unit_vtable[n++] = (sd_bus_vtable)SD_BUS_PROPERTY("Policies", "as", property_get_policies, 0, ch);
        for (PropertyId id = 0; id < _PROP_MAX; id++) {
                const Property *p = property_get(id);
                unit_vtable[n++] = (sd_bus_vtable)SD_BUS_PROPERTY(p->dbus_name, p->signature,
                                                                  property_get_desired, 0, ch);
        }
        for (PropertyId id = 0; id < _PROP_MAX; id++) {
                const Property *p = property_get(id);
                snprintf(effective_names[id], sizeof(effective_names[id]), "Effective%s", p->dbus_name);
                unit_vtable[n++] = (sd_bus_vtable)SD_BUS_PROPERTY(effective_names[id], p->signature,
                                                                  property_get_effective, 0, ch);
        }
        unit_vtable[n++] =
                (sd_bus_vtable)SD_BUS_PROPERTY("MemoryCurrent", "t", property_get_memory_current, 0, ch);
        /* when MemoryCurrent and the pressure figures were read (CLOCK_REALTIME µs) */
        unit_vtable[n++] = (sd_bus_vtable)SD_BUS_PROPERTY("UsageTimestamp", "t", property_get_usage_timestamp, 0, 0);
        unit_vtable[n++] =
                (sd_bus_vtable)SD_BUS_PROPERTY("MemoryPressure", "(dddt)", property_get_pressure, 0, ch);
        unit_vtable[n++] =
                (sd_bus_vtable)SD_BUS_PROPERTY("CPUPressure", "(dddt)", property_get_pressure, 0, ch);
        unit_vtable[n++] =
                (sd_bus_vtable)SD_BUS_PROPERTY("IOPressure", "(dddt)", property_get_pressure, 0, ch);
        unit_vtable[n++] = (sd_bus_vtable)SD_BUS_PROPERTY("Throttled", "b", property_get_throttled, 0, ch);
        unit_vtable[n++] = (sd_bus_vtable)SD_BUS_VTABLE_END;
}

static int unit_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata,
                            void **found, sd_bus_error *error) {
        Manager *m = userdata;
        _cleanup_free_ char *name = NULL;
        Unit *u;
        int r;

        r = sd_bus_path_decode(path, CGPOLICY_UNIT_PATH_PREFIX, &name);
        if (r <= 0)
                return 0;
        u = manager_get_unit(m, name);
        if (!u)
                return 0;
        *found = u;
        return 1;
}

static int unit_node_enumerator(sd_bus *bus, const char *path, void *userdata, char ***nodes,
                                sd_bus_error *error) {
        Manager *m = userdata;
        char **l;
        size_t k = 0;

        l = calloc(m->n_units + 1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_units; i++) {
                if (!m->units[i]->object_path)
                        continue;
                l[k] = strdup(m->units[i]->object_path);
                if (!l[k]) {
                        strv_freep(&l);
                        return -ENOMEM;
                }
                k++;
        }
        *nodes = l;
        return 0;
}

int bus_unit_setup(Manager *m) {
        int r;

        build_vtable();
        r = sd_bus_add_fallback_vtable(m->bus, (sd_bus_slot **)&m->bus_data.slot_units,
                                       CGPOLICY_UNIT_PATH_PREFIX, CGPOLICY_UNIT_INTERFACE, unit_vtable,
                                       unit_object_find, m);
        if (r < 0)
                return log_error_errno(r, "Failed to register unit objects: %m");
        r = sd_bus_add_node_enumerator(m->bus, (sd_bus_slot **)&m->bus_data.slot_enumerator,
                                       CGPOLICY_UNIT_PATH_PREFIX, unit_node_enumerator, m);
        if (r < 0)
                return log_error_errno(r, "Failed to register unit enumerator: %m");
        return 0;
}

/* Keeps `now` in *kept if it differs from what *kept says (NULL and "" are
 * both empty: 38 texts per unit, most empty, need no allocation, issue 10);
 * 1 if it differed. */
static int keep_text(bool taken, char **kept, const char *now) {
        if (taken && streq(*kept ?: "", now ?: ""))
                return 0;
        *kept = mfree(*kept);
        if (now && *now && !(*kept = strdup(now)))
                return -ENOMEM;
        return 1;
}

static int strdup_or_empty(const char *s, char **ret) {
        char *c = strdup(s ?: "");
        if (!c)
                return -ENOMEM;
        *ret = c;
        return 0;
}

/* Fills `s` with u's current texts; returns the names (static strings) that
 * differ from what `s` held before in *ret_changed (caller frees the array). */
static int state_update(UnitBusState *s, const Unit *u, const char ***ret_changed) {
        _cleanup_free_ const char **changed = calloc(2 * _PROP_MAX + 3, sizeof(char *));
        size_t n = 0;
        int r;

        if (!changed)
                return -ENOMEM;

        for (PropertyId id = 0; id < _PROP_MAX; id++) {
                const char *d = u->resolved.props[id].layer != LAYER_NONE ? u->props[id].desired_text : NULL;
                const char *e = u->props[id].applied ? u->props[id].effective_text : NULL;

                r = keep_text(s->taken, &s->desired[id], d);
                if (r < 0)
                        return r;
                if (r > 0)
                        changed[n++] = property_get(id)->dbus_name;
                r = keep_text(s->taken, &s->effective[id], e);
                if (r < 0)
                        return r;
                if (r > 0)
                        changed[n++] = effective_names[id];
        }

        const char *class = policy_class_to_string(u->class);
        if (!s->class || !streq(s->class, strna(class))) {
                free(s->class);
                s->class = NULL;
                r = strdup_or_empty(strna(class), &s->class);
                if (r < 0)
                        return r;
                changed[n++] = "Class";
        }

        _cleanup_free_ char *pol = NULL;
        r = bus_unit_policies_joined(u, &pol);
        if (r < 0)
                return r;
        if (!s->policies || !streq(s->policies, pol)) {
                free(s->policies);
                s->policies = TAKE_PTR(pol);
                changed[n++] = "Policies";
        }

        s->taken = true;
        if (ret_changed)
                *ret_changed = TAKE_PTR(changed);
        return 0;
}

static UnitBusState *unit_state(Unit *u) {
        UnitBusState *s = u->bus.slot;

        if (!s) {
                s = calloc(1, sizeof(*s));
                if (!s)
                        return NULL;
                u->bus.slot = s;
        }
        return s;
}

void bus_emit_unit_new(Manager *m, Unit *u) {
        UnitBusState *s;
        int r;

        if (!u)
                return;
        /* Take the first snapshot so later changes are measured against it. */
        s = unit_state(u);
        if (!s || state_update(s, u, NULL) < 0)
                log_oom();
        /* the units of the first discovery are not news: a client that connects
         * meanwhile asks for them (GetManagedObjects) once we are running, and
         * InterfacesAdded would read every property file of every unit */
        if (!bus_ready(m) || !u->object_path || manager_discovering(m))
                return;
        r = sd_bus_emit_signal(m->bus, CGPOLICY_MANAGER_PATH, CGPOLICY_MANAGER_INTERFACE, "UnitNew", "so",
                               u->name, u->object_path);
        if (r < 0)
                log_debug_errno(r, "Failed to emit UnitNew for %s: %m", u->name);
        r = sd_bus_emit_object_added(m->bus, u->object_path);
        if (r < 0)
                log_debug_errno(r, "Failed to emit InterfacesAdded for %s: %m", u->name);
}

void bus_emit_unit_removed(Manager *m, const char *name, const char *path) {
        int r;

        if (!bus_ready(m) || !name || !path)
                return;
        r = sd_bus_emit_signal(m->bus, CGPOLICY_MANAGER_PATH, CGPOLICY_MANAGER_INTERFACE, "UnitRemoved",
                               "so", name, path);
        if (r < 0)
                log_debug_errno(r, "Failed to emit UnitRemoved for %s: %m", name);
        /* The unit can no longer be looked up: name the interface ourselves. */
        r = sd_bus_emit_interfaces_removed(m->bus, path, CGPOLICY_UNIT_INTERFACE, NULL);
        if (r < 0)
                log_debug_errno(r, "Failed to emit InterfacesRemoved for %s: %m", name);
}

void bus_unit_done(Unit *u) {
        if (!u)
                return;
        state_free(u->bus.slot);
        u->bus.slot = NULL;
}

void bus_emit_unit_changed(Unit *u) {
        _cleanup_free_ const char **changed = NULL;
        UnitBusState *s;
        int r;

        if (!u)
                return;
        s = unit_state(u);
        if (!s || state_update(s, u, &changed) < 0) {
                log_oom();
                return;
        }
        if (!changed[0] || !bus_ready(u->manager) || !u->object_path ||
            manager_get_unit(u->manager, u->name) != u)
                return;
        r = sd_bus_emit_properties_changed_strv(u->manager->bus, u->object_path, CGPOLICY_UNIT_INTERFACE,
                                                (char **)changed);
        if (r < 0)
                log_debug_errno(r, "Failed to emit PropertiesChanged for %s: %m", u->name);
}

/* Stamped with the clock at the moment of sending, not the event loop's cached
 * iteration time: a slow iteration (a method call before us) would otherwise make the
 * next announcement look a second later than this one when it is not. */
static void emit_pressure_now(Unit *u) {
        UnitBusState *s = u->bus.slot;
        Manager *m = u->manager;
        int r;

        /* What goes out now is the latest value: a pending late announcement
         * would only repeat it, and too soon. */
        if (s && s->pressure_timer)
                (void)sd_event_source_set_enabled(s->pressure_timer, SD_EVENT_OFF);
        /* Like bus_emit_unit_changed(): units found during start-up come before
         * bus_setup(), and their objects are not findable yet (-ENOENT). Nobody
         * can have asked for their values, so there is nothing to announce. */
        if (!bus_ready(m) || !u->object_path || manager_get_unit(m, u->name) != u)
                return;
        u->bus.last_pressure_emit_usec = now_usec(CLOCK_MONOTONIC);
        r = sd_bus_emit_properties_changed_strv(m->bus, u->object_path, CGPOLICY_UNIT_INTERFACE,
                                                (char **)pressure_props);
        if (r < 0)
                log_debug_errno(r, "Failed to emit pressure change for %s: %m", u->name);
}

static int on_pressure_timer(sd_event_source *es, uint64_t usec, void *userdata) {
        emit_pressure_now(userdata);
        return 0;
}

void bus_emit_pressure_changed(Unit *u) {
        UnitBusState *s;
        uint64_t next;
        int r;

        if (!u || !u->manager)
                return;
        next = u->bus.last_pressure_emit_usec + PRESSURE_EMIT_INTERVAL_USEC;
        if (u->bus.last_pressure_emit_usec == 0 || !u->manager->event || now_usec(CLOCK_MONOTONIC) >= next) {
                emit_pressure_now(u);
                return;
        }

        /* Too soon: announce once when the second is over, with whatever is current then. */
        s = unit_state(u);
        if (!s) {
                log_oom();
                return;
        }
        if (s->pressure_timer) {
                int enabled = SD_EVENT_OFF;
                (void)sd_event_source_get_enabled(s->pressure_timer, &enabled);
                if (enabled != SD_EVENT_OFF)
                        return;
                r = sd_event_source_set_time(s->pressure_timer, next);
                if (r >= 0)
                        r = sd_event_source_set_enabled(s->pressure_timer, SD_EVENT_ONESHOT);
        } else {
                r = sd_event_add_time(u->manager->event, &s->pressure_timer, CLOCK_MONOTONIC, next, 0,
                                      on_pressure_timer, u);
                if (r >= 0)
                        (void)sd_event_source_set_description(s->pressure_timer, "bus-pressure-emit");
        }
        if (r < 0)
                log_debug_errno(r, "Failed to arm pressure emit timer for %s: %m", u->name);
}
