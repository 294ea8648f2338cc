/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <sys/stat.h>
#include <systemd/sd-bus.h>

#include "bus.h"
#include "fileio.h"
#include "manager-private.h"
#include "plan.h"

static const char *const apply_status_table[_APPLY_STATUS_MAX] = {
        [APPLY_UNMANAGED] = "unmanaged",     [APPLY_PENDING] = "pending", [APPLY_OK] = "ok",
        [APPLY_NOT_APPLIED] = "not-applied", [APPLY_DRY_RUN] = "dry-run",
};

const char *apply_status_to_string(ApplyStatus s) {
        if (s < 0 || s >= _APPLY_STATUS_MAX)
                return NULL;
        return apply_status_table[s];
}

bool unit_name_is_valid(const char *name) {
        return plan_unit_name_valid(name);
}

int unit_object_path_from_name(const char *name, char **ret) {
        return sd_bus_path_encode("/org/cgpolicy1/unit", name, ret);
}

int unit_new(Manager *m, const char *name, Unit **ret) {
        Unit *u;
        int r;

        u = calloc(1, sizeof(*u));
        if (!u)
                return -ENOMEM;
        u->priv = calloc(1, sizeof(*u->priv));
        if (!u->priv) {
                free(u);
                return -ENOMEM;
        }
        u->manager = m;
        u->priv->dirfd = -1;
        u->priv->wd = -1;
        u->memory_current = UINT64_MAX;
        u->name = strdup(name);
        if (!u->name) {
                unit_free(u);
                return -ENOMEM;
        }
        r = unit_object_path_from_name(name, &u->object_path);
        if (r < 0) {
                unit_free(u);
                return r;
        }
        *ret = u;
        return 0;
}

bool unit_vanished(Unit *u) {
        _cleanup_free_ char *path = path_join(u->manager->cgroup_root, u->cgroup_path);
        struct stat st;

        /* removed, or another directory (a new instance) under the same path */
        if (!path || stat(path, &st) < 0)
                return true;
        return (uint64_t)st.st_ino != u->priv->cgroup_id;
}

int unit_prop_set_applied(UnitProp *p, PropValue *v) {
        if (p->applied) {
                prop_value_done(p->applied);
                p->applied = mfree(p->applied);
        }
        if (!v)
                return 0;
        p->applied = malloc(sizeof(PropValue));
        if (!p->applied) {
                prop_value_done(v);
                return -ENOMEM;
        }
        *p->applied = *v;
        *v = (PropValue){};
        return 0;
}

void unit_prop_done(UnitProp *p) {
        free(p->reason);
        free(p->desired_text);
        free(p->effective_text);
        free(p->original);
        (void)unit_prop_set_applied(p, NULL);
        *p = (UnitProp){};
}

Unit *unit_free(Unit *u) {
        if (!u)
                return NULL;
        bus_unit_done(u);
        if (u->priv) {
                if (u->priv->dirfd >= 0)
                        (void)close(u->priv->dirfd);
                sd_event_source_disable_unref(u->priv->reassert_timer);
                sd_event_source_disable_unref(u->priv->settle_timer);
                for (PropertyId id = 0; id < _PROP_MAX; id++) {
                        free(u->priv->seen[id]);
                        free(u->priv->written[id]);
                        free(u->priv->cause[id]);
                }
                free(u->priv->drift);
                free(u->priv);
        }
        for (PropertyId id = 0; id < _PROP_MAX; id++)
                unit_prop_done(&u->props[id]);
        resolved_done(&u->resolved);
        prop_set_done(&u->persistent);
        prop_set_done(&u->runtime);
        prop_set_done(&u->pressure);
        prop_set_done(&u->pressure_shadow);
        free(u->name);
        free(u->slice);
        free(u->user);
        free(u->exe);
        free(u->cgroup_path);
        free(u->object_path);
        free(u);
        return NULL;
}
