/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* How desired values reach the cgroup. Two implementations: cgroupfs (writes the
 * v2 files itself, synchronously) and systemd (SetUnitProperties, async). Both
 * read back through the cgroup files (manager-apply.c). OOMScoreAdjust never goes
 * through a backend (oom.c). */

#include <stdbool.h>

#include "manager.h"

struct Backend {
        const char *name;
        /* Make u's cgroup hold u->resolved's value for each id with todo[id].
         * Before changing a file, record its original with manager_record_original().
         * Synchronous: fills errors[id] (0 or negative errno) and returns 0.
         * Asynchronous: returns 1 and calls manager_unit_apply_done() later. */
        int (*apply)(Backend *b, Unit *u, const bool todo[_PROP_MAX], int errors[_PROP_MAX]);
        /* Records (in memory, see state_flush_originals()) the originals of every file
         * apply() with this todo will change, so one save can cover many units. */
        void (*record)(Backend *b, Unit *u, const bool todo[_PROP_MAX]);
        /* Puts back the original contents of one cgroup file of u. */
        int (*restore)(Backend *b, Unit *u, const char *file, const char *content);
        void (*free)(Backend *b);
        Manager *manager;
};

int backend_cgroupfs_new(Manager *m, Backend **ret);
int backend_systemd_new(Manager *m, Backend **ret);
/* The system bus connection of the systemd backend (NULL for cgroupfs). */
sd_bus *backend_systemd_bus(Backend *b);
/* auto: systemd when /run/systemd/system exists and PID 1 answers on the system bus. */
bool backend_systemd_usable(void);

/* Implemented in manager-apply.c, used by backends. */
int manager_record_original(Unit *u, const char *file);
void manager_unit_apply_done(Manager *m, const char *unit, int error);

/* device.c: DeviceResolver for property_cgroup_*: path → MAJ:MIN, partition → disk. */
int device_resolve(const char *device, unsigned *ret_major, unsigned *ret_minor, void *userdata);
