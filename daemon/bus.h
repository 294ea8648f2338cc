/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Hooks between the daemon and its D-Bus objects. The daemon calls these; the
 * D-Bus side (daemon/bus-manager.c, daemon/bus-unit.c) implements them. */

#include "manager.h"

/* Called once after m->bus is connected and attached to m->event and discovery has
 * started (m->units holds the watched slices; with cgroupfs their units follow
 * from the event loop): registers the
 * vtables/enumerator and requests the name org.cgpolicy1. Negative errno is fatal. */
int bus_setup(Manager *m);

/* Called before the manager is freed (m->bus still valid): drop slots etc. */
void bus_done(Manager *m);

/* A unit appeared (already in m->units, resolved and first apply attempted). */
void bus_emit_unit_new(Manager *m, Unit *u);

/* A unit went away; it is no longer in m->units. `path` is its object path
 * ("/org/cgpolicy1/unit/..."). */
void bus_emit_unit_removed(Manager *m, const char *name, const char *path);

/* Called on a Unit just before it is freed (after bus_emit_unit_removed, or at
 * shutdown): release u->bus. */
void bus_unit_done(Unit *u);

/* Desired and/or effective values, class, policies of u changed: PropertiesChanged. */
void bus_emit_unit_changed(Unit *u);

/* u->psi / u->memory_current were refreshed. Rate limiting is the bus side's job. */
void bus_emit_pressure_changed(Unit *u);

/* A new policy set is in force (startup does not emit it). */
void bus_emit_policy_reloaded(Manager *m);

/* Someone else rewrote a managed value and the daemon puts it back (or will,
 * after backing off): unit, unit-file property name, the value found, the value
 * re-asserted, why. unit "" with property "": every unit (systemd reloaded). */
void bus_emit_reasserted(Manager *m, const char *unit, const char *property, const char *found,
                         const char *value, const char *reason);

/* The pressure loop changed a value (or decided to, in dry-run mode). */
void bus_emit_rebalanced(Manager *m, const char *unit, const char *property, const char *old_value,
                         const char *new_value, const char *reason);
