/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Weak no-op hooks so the daemon links before the D-Bus side lands. The real
 * definitions in bus-manager.c / bus-unit.c override these; delete this file
 * once they all exist. */

#include "bus.h"

__attribute__((weak)) int bus_setup(Manager *m) {
        return 0;
}

__attribute__((weak)) void bus_done(Manager *m) {
}

__attribute__((weak)) void bus_emit_unit_new(Manager *m, Unit *u) {
}

__attribute__((weak)) void bus_emit_unit_removed(Manager *m, const char *name, const char *path) {
}

__attribute__((weak)) void bus_unit_done(Unit *u) {
}

__attribute__((weak)) void bus_emit_unit_changed(Unit *u) {
}

__attribute__((weak)) void bus_emit_pressure_changed(Unit *u) {
}

__attribute__((weak)) void bus_emit_policy_reloaded(Manager *m) {
}

__attribute__((weak)) void bus_emit_rebalanced(Manager *m, const char *unit, const char *property,
                                               const char *old_value, const char *new_value,
                                               const char *reason) {
}
