/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Makes protection below a slice take effect. cgroup v2 bounds a unit's
 * memory.low/min by its parent's, so under a stock system.slice (memory.low 0)
 * every MemoryLow we give a unit is void. A slice's MemoryLow/MemoryMin is
 * therefore raised to the sum of what we give the units directly below it (and
 * that rises up the chain, slice by slice); it is an ordinary managed value with
 * layer "hierarchy": recorded original, restored on stop, shown by explain.
 *
 * The other side of the same claim: without swap, a sheddable unit's MemoryHigh
 * is held to what the protected units leave (pressure_headroom()), also with
 * layer "hierarchy" (source "headroom"), so that protection does not push a
 * growing batch's shortage onto every other process of the host. */

#include <fcntl.h>
#include <stdlib.h>

#include "fileio.h"
#include "log.h"
#include "manager-private.h"
#include "memstat.h"
#include "pressure.h"

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
        manager_mark_work(parent);
}

/* What a protected unit claims of the host's memory: the larger of its MemoryLow
 * and MemoryMin as given by us. */
static uint64_t claim_of(const Resolved *r) {
        if (r->class != CLASS_PROTECTED)
                return 0;
        uint64_t low = given(r, PROP_MEMORY_LOW), min = given(r, PROP_MEMORY_MIN);
        return low > min ? low : min;
}

static void claims_changed(Manager *m, uint64_t before, uint64_t after) {
        if (before == after)
                return;
        m->priv->protected_claims -= before < m->priv->protected_claims ? before : m->priv->protected_claims;
        m->priv->protected_claims = m->priv->protected_claims > UINT64_MAX - after ? UINT64_MAX
                                                                                   : m->priv->protected_claims + after;
        m->priv->headroom_dirty = true;
        manager_schedule_work(m);
}

/* /proc/meminfo once per event-loop iteration, however many units resolve in it. */
static int read_meminfo(Manager *m) {
        _cleanup_free_ char *text = NULL;
        uint64_t now = 0;
        int r;

        (void)sd_event_now(m->event, CLOCK_MONOTONIC, &now);
        if (now != 0 && now == m->priv->meminfo_usec)
                return 0;
        /* $CGPOLICYD_MEMINFO: a stand-in for tests (cgpolicyd(8) ENVIRONMENT) */
        r = read_full_file_at(AT_FDCWD, secure_getenv("CGPOLICYD_MEMINFO") ?: "/proc/meminfo", &text);
        if (r < 0)
                return r;
        if (meminfo_get(text, "MemAvailable", &m->priv->mem_available) < 0 ||
            meminfo_get(text, "MemTotal", &m->priv->mem_total) < 0)
                return -EBADMSG;
        if (meminfo_get(text, "SwapTotal", &m->priv->swap_total) < 0)
                m->priv->swap_total = 0;
        m->priv->meminfo_usec = now;
        return 0;
}

void hierarchy_headroom(Unit *u, Resolved *r) {
        Manager *m = u->manager;
        const PressureConfig *cfg = &m->policies->pressure[RES_MEMORY];
        _cleanup_free_ char *stat = NULL, *swap_max = NULL;
        uint64_t anon = 0, floor = PRESSURE_DEFAULT_MEMORY_FLOOR, ceiling;

        if (r->class != CLASS_SHEDDABLE || u->priv->gone || m->dry_run || !cfg->enabled || cfg->mode != PRESSURE_THROTTLE ||
            m->priv->protected_claims == 0)
                return;
        if (read_meminfo(m) < 0)
                return;
        /* with swap its anonymous memory can make room: the pressure loop's job */
        if (m->priv->swap_total > 0 && !(read_full_file_at(u->priv->dirfd, "memory.swap.max", &swap_max) >= 0 &&
                                         streq(strstrip_trailing(swap_max), "0")))
                return;
        if (read_full_file_at(u->priv->dirfd, "memory.stat", &stat) >= 0)
                (void)memstat_get(stat, "anon", &anon);
        if (r->floor.has[PROP_MEMORY_HIGH] && !r->floor.v[PROP_MEMORY_HIGH].reset)
                floor = r->floor.v[PROP_MEMORY_HIGH].u;
        ceiling = pressure_headroom(m->priv->mem_available, m->priv->mem_total, anon, m->priv->protected_claims,
                                    floor);
        /* MemAvailable moves with everyone's page cache: keep the limit in force
         * unless it moved by a step that matters (a call through PID 1 each) */
        const ResolvedProp *was = &u->resolved.props[PROP_MEMORY_HIGH];
        if (was->layer == LAYER_HIERARCHY && !was->value.reset &&
            (was->value.u > ceiling ? was->value.u - ceiling : ceiling - was->value.u) < PRESSURE_MIN_LOW_STEP)
                ceiling = was->value.u;
        if (resolve_cap(r, PROP_MEMORY_HIGH, ceiling, unit_own_value(u, PROP_MEMORY_HIGH, UINT64_MAX)) > 0)
                log_debug("%s: MemoryHigh held to %" PRIu64 ": %" PRIu64 " available + %" PRIu64
                          " anonymous - %" PRIu64 " claimed by protected units - reserve",
                          u->name, ceiling, m->priv->mem_available, anon, m->priv->protected_claims);
}

void hierarchy_child_changed(Unit *c, const Resolved *before) {
        claims_changed(c->manager, before ? claim_of(before) : 0, claim_of(&c->resolved));
        for (size_t k = 0; k < ELEMENTSOF(protection); k++)
                if (!before || given(before, protection[k]) != given(&c->resolved, protection[k])) {
                        mark_parent(c);
                        return;
                }
}

void hierarchy_child_gone(Unit *c) {
        claims_changed(c->manager, claim_of(&c->resolved), 0);
        for (size_t k = 0; k < ELEMENTSOF(protection); k++)
                if (given(&c->resolved, protection[k]) != 0) {
                        mark_parent(c);
                        return;
                }
}
