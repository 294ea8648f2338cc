/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Makes protection below a slice take effect. cgroup v2 bounds a unit's
 * memory.low/min by its parent's, so under a stock system.slice (memory.low 0)
 * every MemoryLow we give a unit is void. A slice's MemoryLow/MemoryMin is
 * therefore raised to the sum of what we give the units directly below it (and
 * that rises up the chain, slice by slice); it is an ordinary managed value with
 * layer "hierarchy": recorded original, restored on stop, shown by explain. */

#include "log.h"
#include "manager-private.h"

static const PropertyId protection[] = {PROP_MEMORY_LOW, PROP_MEMORY_MIN};

/* What a unit is given by us (any layer), 0 when we give it nothing. */
static uint64_t given(const Resolved *r, PropertyId id) {
        const ResolvedProp *rp = &r->props[id];

        return rp->layer == LAYER_NONE || rp->value.reset ? 0 : rp->value.u;
}

void hierarchy_cover(Unit *u, Resolved *r) {
        Manager *m = u->manager;

        if (!u->is_slice)
                return;
        for (size_t k = 0; k < ELEMENTSOF(protection); k++) {
                PropertyId id = protection[k];
                uint64_t claim = 0, n = 0;

                for (size_t i = 0; i < m->n_units; i++) {
                        Unit *c = m->units[i];
                        uint64_t g;

                        if (c == u || !streq_ptr(c->slice, u->name))
                                continue;
                        g = given(&c->resolved, id);
                        if (g == 0)
                                continue;
                        claim = claim > UINT64_MAX - g ? UINT64_MAX : claim + g;
                        n++;
                }
                if (resolve_cover_children(r, id, claim, unit_own_value(u, id, 0)) > 0)
                        log_debug("%s: %s raised to %" PRIu64 " to cover the %" PRIu64
                                  " unit(s) below it (a parent bounds its children's protection)",
                                  u->name, property_get(id)->name, claim, n);
        }
}

static void mark_parent(Unit *c) {
        Manager *m = c->manager;
        Unit *parent = c->slice ? manager_get_unit(m, c->slice) : NULL;

        if (!parent || parent == c || !parent->is_slice)
                return;
        parent->priv->cover_dirty = true;
        manager_schedule_work(m);
}

void hierarchy_child_changed(Unit *c, const Resolved *before) {
        for (size_t k = 0; k < ELEMENTSOF(protection); k++)
                if (!before || given(before, protection[k]) != given(&c->resolved, protection[k])) {
                        mark_parent(c);
                        return;
                }
}

void hierarchy_child_gone(Unit *c) {
        for (size_t k = 0; k < ELEMENTSOF(protection); k++)
                if (given(&c->resolved, protection[k]) != 0) {
                        mark_parent(c);
                        return;
                }
}
