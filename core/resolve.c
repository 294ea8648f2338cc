/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Layer resolution: matching policies (ascending priority, ties in load order),
 * then persistent, runtime and pressure overrides; the last layer that sets a
 * property wins and is recorded with the value. Pure. */

#define _GNU_SOURCE 1 /* asprintf */

#include "resolve.h"

static const char *const layer_names[_LAYER_MAX] = {
        [LAYER_NONE] = "none",       [LAYER_POLICY] = "policy",     [LAYER_PERSISTENT] = "persistent",
        [LAYER_RUNTIME] = "runtime", [LAYER_PRESSURE] = "pressure", [LAYER_HIERARCHY] = "hierarchy",
};

const char *layer_to_string(Layer l) {
        return l >= 0 && l < _LAYER_MAX ? layer_names[l] : NULL;
}

typedef struct Ranked {
        const Policy *p;
        size_t index; /* load order breaks ties, so a later file wins */
} Ranked;

static int ranked_cmp(const void *a, const void *b) {
        const Ranked *x = a, *y = b;
        if (x->p->priority != y->p->priority)
                return x->p->priority < y->p->priority ? -1 : 1;
        return (x->index > y->index) - (x->index < y->index);
}

/* Overlays one layer's values onto r; reset values override too. Overrides
 * (set-property) add to or update the device lists below them, as systemd's
 * set-property adds to a unit file's list; a reset clears it. */
static int apply_layer(Resolved *r, const PropSet *s, Layer layer, const char *source) {
        bool merge = layer == LAYER_PERSISTENT || layer == LAYER_RUNTIME;

        if (!s)
                return 0;
        for (size_t i = 0; i < _PROP_MAX; i++) {
                if (!s->has[i])
                        continue;
                PropValue v = {};
                int k = prop_value_copy(&v, &s->v[i]);
                if (k < 0)
                        return k;
                ResolvedProp *rp = &r->props[i];
                k = prop_value_assign(property_get((PropertyId)i), &rp->value,
                                      merge && rp->layer != LAYER_NONE, &v);
                prop_value_done(&v);
                if (k < 0)
                        return k;
                rp->layer = layer;
                rp->source = source;
        }
        return 0;
}

int resolve_unit(const PolicySet *set, const UnitInfo *unit, const PropSet *persistent,
                 const PropSet *runtime, const PropSet *pressure, Resolved *ret) {
        Resolved r = {.class = CLASS_NORMAL};
        _cleanup_free_ Ranked *ranked = NULL;
        size_t n = 0;
        int k;

        if (!unit || !ret)
                return -EINVAL;

        if (set && set->n_policies > 0) {
                ranked = calloc(set->n_policies, sizeof(Ranked));
                if (!ranked)
                        return -ENOMEM;
                for (size_t i = 0; i < set->n_policies; i++)
                        if (policy_matches(&set->policies[i], unit))
                                ranked[n++] = (Ranked){&set->policies[i], i};
        }
        if (n > 1)
                qsort(ranked, n, sizeof(Ranked), ranked_cmp);

        if (n > 0) {
                r.matched = calloc(n, sizeof(const Policy *));
                if (!r.matched)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                const Policy *p = ranked[i].p;
                r.matched[r.n_matched++] = p;

                k = apply_layer(&r, &p->props, LAYER_POLICY, p->name);
                if (k < 0)
                        goto fail;

                /* Ascending order: a later (higher-priority) policy's class and floors win. */
                if (p->has_class)
                        r.class = p->class;
                for (size_t j = 0; j < _PROP_MAX; j++) {
                        if (!p->floor.has[j])
                                continue;
                        PropValue v = {};
                        k = prop_value_copy(&v, &p->floor.v[j]);
                        if (k < 0)
                                goto fail;
                        prop_set_put(&r.floor, (PropertyId)j, &v);
                }
        }

        k = apply_layer(&r, persistent, LAYER_PERSISTENT, NULL);
        if (k < 0)
                goto fail;
        k = apply_layer(&r, runtime, LAYER_RUNTIME, NULL);
        if (k < 0)
                goto fail;
        k = apply_layer(&r, pressure, LAYER_PRESSURE, NULL);
        if (k < 0)
                goto fail;

        *ret = r;
        return 0;

fail:
        resolved_done(&r);
        return k;
}

void resolved_done(Resolved *r) {
        if (!r)
                return;
        for (size_t i = 0; i < _PROP_MAX; i++)
                prop_value_done(&r->props[i].value);
        free(r->matched);
        prop_set_done(&r->floor);
        *r = (Resolved){};
}

int resolve_cover_children(Resolved *r, PropertyId id, uint64_t claim, uint64_t own) {
        ResolvedProp *rp;
        uint64_t have;

        if (!r || (id != PROP_MEMORY_LOW && id != PROP_MEMORY_MIN))
                return -EINVAL;
        rp = &r->props[id];
        have = rp->layer == LAYER_NONE ? own : rp->value.reset ? 0 : rp->value.u;
        if (claim <= have || claim <= own)
                return 0;
        prop_value_done(&rp->value);
        *rp = (ResolvedProp){.layer = LAYER_HIERARCHY, .value = {.u = claim}};
        return 1;
}

int resolve_cap(Resolved *r, PropertyId id, uint64_t ceiling, uint64_t own) {
        ResolvedProp *rp;
        uint64_t have;

        if (!r || id != PROP_MEMORY_HIGH)
                return -EINVAL;
        rp = &r->props[id];
        have = rp->layer == LAYER_NONE ? own : rp->value.reset ? UINT64_MAX : rp->value.u;
        if (have <= ceiling)
                return 0;
        prop_value_done(&rp->value);
        *rp = (ResolvedProp){.layer = LAYER_HIERARCHY, .source = "headroom", .value = {.u = ceiling}};
        return 1;
}
