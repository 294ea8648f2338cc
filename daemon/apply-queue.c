/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Applying many units at once (start-up, a reload, a slice full of new units):
 * instead of one unit_apply() each, which saves originals.json once per unit
 * (quadratic bytes) and holds the event loop until all are done, units wait in a
 * queue that a low-priority defer source works through in slices: prepare a
 * slice, save the originals once, commit the slice, then let the bus and
 * everything else run before the next one. */

#include <malloc.h>

#include "log.h"
#include "manager-private.h"
#include "unit-list.h"

/* Units per event-loop iteration: large enough that the save of originals.json
 * is shared widely, small enough that a bus call waits at most one slice. */
#define APPLY_SLICE 128

size_t manager_bus_room(Manager *m) {
        if (m->backend_type != BACKEND_SYSTEMD)
                return SIZE_MAX;
        return m->priv->bus_in_flight >= MANAGER_BUS_MAX_IN_FLIGHT ? 0
                                                                 : MANAGER_BUS_MAX_IN_FLIGHT - m->priv->bus_in_flight;
}

void manager_bus_call_begin(Manager *m) {
        m->priv->bus_in_flight++;
}

void manager_bus_call_end(Manager *m) {
        struct ManagerPrivate *p = m->priv;

        if (p->bus_in_flight > 0)
                p->bus_in_flight--;
        /* resume at half, not at every reply */
        if (p->bus_in_flight > MANAGER_BUS_MAX_IN_FLIGHT / 2)
                return;
        if (p->n_apply_queue > 0 && p->apply_source && !p->stopping)
                (void)sd_event_source_set_enabled(p->apply_source, SD_EVENT_ON);
        /* at shutdown the backend's pending calls are freed: nothing new goes out */
        if (m->backend_type == BACKEND_SYSTEMD && !p->stopping)
                discover_systemd_pump(m);
}

static int on_apply(sd_event_source *s, void *userdata) {
        Manager *m = userdata;
        struct ManagerPrivate *p = m->priv;
        Unit *batch[APPLY_SLICE];
        size_t n = 0, taken = 0, room = manager_bus_room(m);

        if (room == 0) {
                /* a reply will turn us on again (manager_bus_call_end()) */
                (void)sd_event_source_set_enabled(s, SD_EVENT_OFF);
                return 0;
        }
        while (taken < p->n_apply_queue && n < APPLY_SLICE && n < room) {
                Unit *u = p->apply_queue[taken++];

                if (!u)
                        continue; /* removed while queued */
                u->priv->queued = false;
                if (unit_apply_prepare(u) == -ENOMEM)
                        log_oom();
                batch[n++] = u;
        }
        memmove(p->apply_queue, p->apply_queue + taken, (p->n_apply_queue - taken) * sizeof(Unit *));
        p->n_apply_queue -= taken;

        /* a slice's originals are appended to originals.log; the drained queue
         * folds them into one save of originals.json (state-log.c) */
        p->applied_since_drain += n;
        (void)state_originals_batch(&p->state, true);
        (void)state_flush_originals(&p->state);
        for (size_t i = 0; i < n; i++)
                unit_apply_commit(batch[i]);
        (void)state_flush_originals(&p->state);

        if (p->n_apply_queue == 0) {
                (void)sd_event_source_set_enabled(s, SD_EVENT_OFF);
                (void)state_originals_batch(&p->state, false);
                /* a big pass leaves freed batches and JSON texts in the heap: give
                 * their pages back rather than keep them resident (issue 10: RSS) */
                if (p->applied_since_drain >= APPLY_SLICE)
                        (void)malloc_trim(0);
                p->applied_since_drain = 0;
                manager_apply_queue_drained(m);
        }
        return 0;
}

void manager_queue_apply(Unit *u) {
        Manager *m = u->manager;
        struct ManagerPrivate *p = m->priv;
        int r;

        if (u->priv->queued || p->stopping)
                return;
        if (!p->apply_source) {
                r = sd_event_add_defer(m->event, &p->apply_source, on_apply, m);
                if (r < 0) {
                        log_error_errno(r, "Failed to add the apply event source, applying at once: %m");
                        (void)unit_apply(u);
                        return;
                }
                (void)sd_event_source_set_priority(p->apply_source, SD_EVENT_PRIORITY_IDLE);
                (void)sd_event_source_set_description(p->apply_source, "unit-apply");
        }
        if (unit_list_push(&p->apply_queue, &p->n_apply_queue, &p->apply_queue_alloc, u) < 0) {
                /* no room to wait: apply it now */
                (void)unit_apply(u);
                return;
        }
        u->priv->queued = true;
        (void)sd_event_source_set_enabled(p->apply_source, SD_EVENT_ON);
}

void manager_unqueue_apply(Unit *u) {
        struct ManagerPrivate *p = u->manager->priv;

        if (!u->priv->queued)
                return;
        unit_list_forget(p->apply_queue, p->n_apply_queue, u);
        u->priv->queued = false;
}

bool manager_apply_pending(Manager *m) {
        return m->priv->n_apply_queue > 0 || m->priv->discovering;
}

void manager_apply_queue_free(Manager *m) {
        struct ManagerPrivate *p = m->priv;

        p->apply_source = sd_event_source_disable_unref(p->apply_source);
        p->apply_queue = mfree(p->apply_queue);
        p->n_apply_queue = p->apply_queue_alloc = 0;
}
