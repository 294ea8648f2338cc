/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "bus.h"
#include "config.h"
#include "fileio.h"
#include "log.h"
#include "manager-private.h"
#include "unit-list.h"

static const char *const backend_type_table[_BACKEND_TYPE_MAX] = {
        [BACKEND_AUTO] = "auto",
        [BACKEND_SYSTEMD] = "systemd",
        [BACKEND_CGROUPFS] = "cgroupfs",
};

const char *backend_type_to_string(BackendType t) {
        if (t < 0 || t >= _BACKEND_TYPE_MAX)
                return NULL;
        return backend_type_table[t];
}

BackendType backend_type_from_string(const char *s) {
        for (BackendType t = 0; t < _BACKEND_TYPE_MAX; t++)
                if (s && streq(s, backend_type_table[t]))
                        return t;
        return _BACKEND_TYPE_INVALID;
}

int manager_new(Manager **ret) {
        Manager *m;

        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->priv = calloc(1, sizeof(*m->priv));
        if (!m->priv) {
                free(m);
                return -ENOMEM;
        }
        m->priv->inotify_fd = -1;
        m->priv->metrics.policy_generation = 1; /* the set loaded at start */
        m->rebalance_state = "idle";
        *ret = m;
        return 0;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        if (m->bus)
                bus_done(m);
        metrics_file_free(m);
        pressure_loop_free(m);
        manager_apply_queue_free(m);
        discover_systemd_free(m);
        discover_cgroupfs_free(m);
        for (size_t i = 0; i < m->n_units; i++) {
                discover_unit_unwatch(m->units[i]);
                unit_free(m->units[i]);
        }
        free(m->units);
        if (m->backend && m->backend->free)
                m->backend->free(m->backend);
        sd_event_source_disable_unref(m->priv->inotify_source);
        sd_event_source_disable_unref(m->priv->work_source);
        free(m->priv->work_list);
        if (m->priv->inotify_fd >= 0)
                (void)close(m->priv->inotify_fd);
        state_done(&m->priv->state);
        wd_index_done(&m->priv->wd_index);
        free(m->priv);
        policy_set_free(m->policies);
        free(m->cgroup_root);
        strv_freep(&m->watched_slices);
        strv_freep(&m->policy_dirs);
        free(m->state_dir);
        free(m->runtime_dir);
        sd_bus_flush_close_unref(m->bus);
        sd_event_unref(m->event);
        free(m);
        return NULL;
}

/* Index of the first unit whose name is >= name. */
static size_t unit_index(Manager *m, const char *name) {
        size_t lo = 0, hi = m->n_units;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (strcmp(m->units[mid]->name, name) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

Unit *manager_get_unit(Manager *m, const char *name) {
        size_t i;

        if (!m || !name)
                return NULL;
        i = unit_index(m, name);
        if (i < m->n_units && streq(m->units[i]->name, name))
                return m->units[i];
        return NULL;
}

/* Whether the unit's cgroup directory is still the one we opened. */
static bool cgroup_instance_same(Manager *m, Unit *u, const char *cgroup_path) {
        _cleanup_free_ char *dir = path_join(m->cgroup_root, cgroup_path);
        struct stat st;

        if (!dir || stat(dir, &st) < 0)
                return true; /* gone or unknown: removal is discovery's business */
        return streq(cgroup_path, u->cgroup_path) && (uint64_t)st.st_ino == u->priv->cgroup_id;
}

/* Descriptors kept free for work: files are opened one at a time, but a save
 * of the state, a bus client and an inotify read may want theirs meanwhile. */
#define FD_RESERVE 16

/* Whether fd, the lowest free descriptor when it was opened, leaves
 * FD_RESERVE below the soft limit. */
static bool fd_leaves_room(int fd) {
        struct rlimit rl;

        if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
                return true;
        return (rlim_t)fd + FD_RESERVE < rl.rlim_cur;
}

int manager_add_unit(Manager *m, const char *name, const char *slice, const char *cgroup_path,
                     bool discover_children, const char *user, pid_t main_pid, Unit **ret) {
        _cleanup_free_ char *dir = NULL;
        struct stat st;
        Unit *u, **a;
        size_t i;
        int r;

        u = manager_get_unit(m, name);
        if (u && m->backend_type == BACKEND_SYSTEMD && cgroup_path && !cgroup_instance_same(m, u, cgroup_path)) {
                /* restarted between two looks (PID 1 may send no "inactive" in
                 * between): a new cgroup, so a new instance to watch and arm */
                log_debug("%s: new cgroup instance", name);
                manager_remove_unit(m, name);
                u = NULL;
        }
        if (u) {
                bool changed = !streq_ptr(u->user, user) || (main_pid > 0 && main_pid != u->main_pid);

                if (changed) {
                        char *c = user ? strdup(user) : NULL;

                        if (user && !c)
                                return -ENOMEM;
                        free(u->user);
                        u->user = c;
                        if (main_pid > 0)
                                u->main_pid = main_pid;
                        (void)unit_refresh_info(u);
                        (void)unit_apply(u);
                }
                if (ret)
                        *ret = u;
                return 0;
        }

        r = unit_new(m, name, &u);
        if (r < 0)
                return r;
        u->slice = slice ? strdup(slice) : NULL;
        u->cgroup_path = strdup(cgroup_path);
        u->is_slice = strlen(name) > 6 && streq(name + strlen(name) - 6, ".slice");
        u->priv->discover_children = discover_children;
        u->user = user ? strdup(user) : NULL;
        u->main_pid = main_pid;
        if ((slice && !u->slice) || !u->cgroup_path || (user && !u->user)) {
                unit_free(u);
                return -ENOMEM;
        }

        dir = path_join(m->cgroup_root, cgroup_path);
        if (!dir) {
                unit_free(u);
                return -ENOMEM;
        }
        u->priv->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (u->priv->dirfd >= 0 && !fd_leaves_room(u->priv->dirfd)) {
                /* the last descriptors are for reading and writing the files of
                 * the units we have, the bus and the state: not for one more unit */
                (void)close(u->priv->dirfd);
                u->priv->dirfd = -1;
                errno = EMFILE;
        }
        if (u->priv->dirfd < 0 || fstat(u->priv->dirfd, &st) < 0) {
                r = -errno;
                unit_free(u);
                if (r == -EMFILE || r == -ENFILE) {
                        struct rlimit rl = {};

                        /* an operator must hear of this: the unit goes unmanaged */
                        (void)getrlimit(RLIMIT_NOFILE, &rl);
                        return log_error_errno(r, "Out of file descriptors (RLIMIT_NOFILE %llu, %zu units): "
                                                  "%s is not managed; raise LimitNOFILE=: %m",
                                               (unsigned long long)rl.rlim_cur, m->n_units, name);
                }
                /* gone again before we got to it: not worth more than a debug line */
                return log_debug_errno(r, "Cannot open cgroup %s of %s, skipping: %m", dir, name);
        }
        u->priv->cgroup_id = (uint64_t)st.st_ino;

        a = realloc(m->units, (m->n_units + 1) * sizeof(Unit *));
        if (!a) {
                unit_free(u);
                return -ENOMEM;
        }
        m->units = a;
        i = unit_index(m, name);
        memmove(m->units + i + 1, m->units + i, (m->n_units - i) * sizeof(Unit *));
        m->units[i] = u;
        m->n_units++;

        r = discover_unit_watch(u);
        if (r < 0)
                log_warning_errno(r, "%s: cannot watch %s, drift and new processes go unnoticed: %m", name,
                                  dir);

        /* With cgroupfs a new cgroup instance starts from the kernel's defaults, so
         * originals of an earlier one are void. systemd re-applies our runtime
         * drop-ins to every new instance: there the originals stay with the name. */
        if (m->backend_type != BACKEND_SYSTEMD)
                (void)state_check_cgroup_id(&m->priv->state, name, u->priv->cgroup_id);
        /* originals.json was damaged: what this cgroup holds may be what we wrote
         * before the crash; a unit that appears after start-up is new */
        if (m->priv->state.originals_lost && !m->priv->ready_sent)
                u->priv->originals_unknown = true;
        (void)state_get_layer(&m->priv->state, false, name, &m->parse_ctx, &u->persistent);
        (void)state_get_layer(&m->priv->state, true, name, &m->parse_ctx, &u->runtime);
        (void)unit_refresh_info(u);

        log_debug("New unit %s (%s)", name, cgroup_path);
        /* its class now (pressure triggers, the slice's protection), its writes in
         * the next batch */
        r = unit_resolve(u);
        if (r == -ENOMEM)
                return r;
        manager_queue_apply(u);
        bus_emit_unit_new(m, u);
        pressure_loop_unit_added(m, u);
        if (ret)
                *ret = u;
        return 1;
}

static void unmark_work(Unit *u);

void manager_remove_unit(Manager *m, const char *name) {
        size_t i = unit_index(m, name);
        _cleanup_free_ char *path = NULL;
        Unit *u;

        if (i >= m->n_units || !streq(m->units[i]->name, name))
                return;
        u = m->units[i];
        memmove(m->units + i, m->units + i + 1, (m->n_units - i - 1) * sizeof(Unit *));
        m->n_units--;

        log_debug("Unit %s is gone", name);
        /* the cgroup is gone: its originals belong to nothing any more (with
         * systemd they do: our runtime drop-ins outlive the cgroup, see above) */
        if (m->backend_type != BACKEND_SYSTEMD)
                (void)state_drop_unit_originals(&m->priv->state, name);
        else
                unit_forget_pressure(u);
        discover_unit_unwatch(u);
        path = TAKE_PTR(u->object_path);
        bus_emit_unit_removed(m, u->name, path);

        /* a slice that went away took whatever was below it along */
        if (u->priv->discover_children) {
                size_t l = strlen(u->cgroup_path);

                /* names first, then one removal each: restarting the scan after
                 * every removal was quadratic in the size of the slice */
                _cleanup_free_ char **below = calloc(m->n_units + 1, sizeof(char *));
                size_t n_below = 0;

                for (size_t j = 0; below && j < m->n_units; j++) {
                        Unit *c = m->units[j];

                        if (l > 1 && strncmp(c->cgroup_path, u->cgroup_path, l) == 0 && c->cgroup_path[l] == '/')
                                below[n_below++] = strdup(c->name);
                }
                if (!below)
                        log_oom();
                for (size_t j = 0; j < n_below; j++) {
                        if (below[j])
                                manager_remove_unit(m, below[j]);
                        else
                                log_oom();
                        free(below[j]);
                }
        }
        pressure_loop_unit_removed(m, u->name);
        hierarchy_child_gone(u);
        manager_unqueue_apply(u);
        unmark_work(u);
        unit_free(u);
}

static size_t strv_length(char **l) {
        size_t n = 0;

        while (l && l[n])
                n++;
        return n;
}

static void work_one(Manager *m, Unit *u) {
        if (u->priv->cover_dirty) {
                u->priv->cover_dirty = false;
                (void)unit_apply(u);
        }
        if (u->priv->dirty) {
                u->priv->dirty = false;
                (void)unit_check_drift(u);
        }
        if (u->priv->procs_dirty) {
                u->priv->procs_dirty = false;
                /* a new executable may change which policies match */
                if (unit_refresh_info(u) > 0)
                        (void)unit_apply(u);
                else if (u->priv->managed[PROP_OOM_SCORE_ADJUST] && !m->dry_run)
                        (void)oom_apply(u);
        }
}

/* Goes through the units marked since the last run (manager_mark_work()), not
 * through every unit: at 10,000 units a scan per inotify batch was quadratic.
 * Only a change of the protected units' claims concerns every sheddable unit. */
static int on_work(sd_event_source *s, void *userdata) {
        Manager *m = userdata;
        struct ManagerPrivate *p = m->priv;
        /* while a start-up or reload works through the queue, the claims change
         * with every batch: one pass once it has drained, not one per batch over
         * every sheddable unit (10,000 units, 1,000 protected: 105 s to start) */
        bool headroom = p->headroom_dirty && !manager_apply_pending(m);

        (void)sd_event_source_set_enabled(s, SD_EVENT_OFF);
        if (headroom) {
                p->headroom_dirty = false;
                for (size_t i = 0; i < m->n_units; i++)
                        if (m->units[i]->class == CLASS_SHEDDABLE)
                                manager_queue_apply(m->units[i]);
                if (!manager_apply_pending(m))
                        manager_apply_queue_drained(m); /* nothing to apply: READY=1 may go */
        }

        /* what gets marked meanwhile goes on a fresh list, for the next run; a
         * unit keeps on_work_list while it waits for its turn in this one */
        p->work_busy = TAKE_PTR(p->work_list);
        p->n_work_busy = p->n_work_list;
        p->n_work_list = p->work_list_alloc = 0;
        for (size_t i = 0; i < p->n_work_busy; i++) {
                Unit *u = p->work_busy[i];

                if (!u)
                        continue; /* removed meanwhile */
                u->priv->on_work_list = false;
                work_one(m, u);
        }
        p->work_busy = mfree(p->work_busy);
        p->n_work_busy = 0;
        return 0;
}

void manager_mark_work(Unit *u) {
        struct ManagerPrivate *p = u->manager->priv;

        if (!u->priv->on_work_list) {
                if (unit_list_push(&p->work_list, &p->n_work_list, &p->work_list_alloc, u) < 0) {
                        log_oom();
                        return;
                }
                u->priv->on_work_list = true;
        }
        manager_schedule_work(u->manager);
}

/* u is going away: no list may keep it */
static void unmark_work(Unit *u) {
        struct ManagerPrivate *p = u->manager->priv;

        if (!u->priv->on_work_list)
                return;
        unit_list_forget(p->work_busy, p->n_work_busy, u);
        unit_list_forget(p->work_list, p->n_work_list, u);
        u->priv->on_work_list = false;
}

void manager_schedule_work(Manager *m) {
        int r;

        if (!m->priv->work_source) {
                r = sd_event_add_defer(m->event, &m->priv->work_source, on_work, m);
                if (r < 0) {
                        log_error_errno(r, "Failed to add work event source: %m");
                        return;
                }
                (void)sd_event_source_set_description(m->priv->work_source, "unit-work");
        }
        (void)sd_event_source_set_enabled(m->priv->work_source, SD_EVENT_ONESHOT);
}

int manager_set_unit_properties(Manager *m, const char *unit, bool runtime, const PropSet *props,
                                const bool *replace, char **ret_error) {
        PropSet merged = {};
        PropSet *layer;
        Unit *u;
        int r;

        u = manager_get_unit(m, unit);
        if (!u) {
                if (ret_error)
                        (void)asprintf(ret_error, "Unit %s is not managed by cgpolicyd.", unit);
                return -ENOENT;
        }
        layer = runtime ? &u->runtime : &u->persistent;

        /* as systemd: device entries add to the override's list, a reset clears it */
        r = prop_set_copy(&merged, layer);
        if (r >= 0)
                r = prop_set_assign(&merged, props, replace);
        if (r < 0) {
                prop_set_done(&merged);
                return r;
        }

        r = state_set_layer(&m->priv->state, runtime, unit, &merged);
        if (r < 0) {
                prop_set_done(&merged);
                if (ret_error)
                        (void)asprintf(ret_error, "Cannot save %s overrides of %s: %s",
                                       runtime ? "runtime" : "persistent", unit, strerror(-r));
                return r == -ENOMEM ? r : -EROFS;
        }
        prop_set_done(layer);
        *layer = merged;

        log_info("%s: %s overrides changed", unit, runtime ? "runtime" : "persistent");
        (void)unit_apply(u);
        /* a caller changed this unit: its usage too, for whoever watches it.
         * Pressure, headroom and drift applies leave that to the pressure loop,
         * which reads it for the units it decides on (4 files less per apply) */
        unit_read_usage(u);
        return 0;
}

int manager_revert_unit_properties(Manager *m, const char *unit, char **props, char **ret_error) {
        PropSet np = {}, nr = {};
        bool drop[_PROP_MAX] = {};
        Unit *u;
        int r;

        u = manager_get_unit(m, unit);
        if (!u) {
                if (ret_error)
                        (void)asprintf(ret_error, "Unit %s is not managed by cgpolicyd.", unit);
                return -ENOENT;
        }
        if (!props || !props[0])
                for (PropertyId id = 0; id < _PROP_MAX; id++)
                        drop[id] = true;
        else
                for (char **s = props; *s; s++) {
                        const Property *p = property_by_name(*s) ?: property_by_dbus_name(*s);

                        if (!p) {
                                if (ret_error)
                                        (void)asprintf(ret_error, "Unknown property \"%s\".", *s);
                                return -EINVAL;
                        }
                        drop[p->id] = true;
                }

        r = prop_set_copy(&np, &u->persistent);
        if (r >= 0)
                r = prop_set_copy(&nr, &u->runtime);
        if (r < 0)
                goto fail;
        for (PropertyId id = 0; id < _PROP_MAX; id++)
                if (drop[id]) {
                        prop_set_unset(&np, id);
                        prop_set_unset(&nr, id);
                }

        /* both layers in one step: a kill in between must not leave half a revert */
        const char *names[_PROP_MAX + 1] = {};
        size_t n = 0;
        bool all = true;
        for (PropertyId id = 0; id < _PROP_MAX; id++)
                if (drop[id])
                        names[n++] = property_get(id)->name;
                else
                        all = false;
        r = state_revert(&m->priv->state, unit, all ? NULL : names);
        if (r < 0)
                goto fail_save;
        prop_set_done(&u->persistent);
        prop_set_done(&u->runtime);
        u->persistent = np;
        u->runtime = nr;
        log_info("%s: overrides reverted", unit);
        (void)unit_apply(u);
        return 0;

fail_save:
        if (ret_error)
                (void)asprintf(ret_error, "Cannot save overrides of %s: %s", unit, strerror(-r));
fail:
        prop_set_done(&np);
        prop_set_done(&nr);
        return r;
}

/* Loads the policy directories and says which *.json entries it had to skip
 * (directories, FIFOs, dangling links, symlink loops): each one a warning. */
int manager_load_policy_dirs(Manager *m, PolicySet **ret, Diags *diags) {
        PolicyDirSkipped skipped = {};
        int r;

        r = policy_set_load_dirs_full((const char *const *)m->policy_dirs, &m->parse_ctx, ret, diags, &skipped);
        for (size_t i = 0; i < skipped.n; i++)
                log_warning("Policy file %s", skipped.items[i]);
        policy_dir_skipped_done(&skipped);
        return r;
}

int manager_reload(Manager *m, Diags *ret_diags) {
        PolicySet *old = m->policies, *set = NULL;
        Diags diags = {};
        int r;

        r = manager_load_policy_dirs(m, &set, &diags);
        if (r < 0) {
                for (size_t i = 0; i < diags.n; i++) {
                        _cleanup_free_ char *t = diag_format(&diags.items[i]);
                        log_error("%s", strna(t));
                }
                m->priv->metrics.reloads_failed++;
                log_error_errno(r, "Policy reload failed, the previous policies stay in force: %m");
                if (ret_diags)
                        *ret_diags = diags;
                else
                        diags_done(&diags);
                return r;
        }
        diags_done(&diags);

        /* re-resolve every unit before the old set (which Resolved points into)
         * goes; the writes follow in batches */
        m->policies = set;
        for (size_t i = 0; i < m->n_units; i++) {
                (void)unit_resolve(m->units[i]);
                manager_queue_apply(m->units[i]);
        }
        policy_set_free(old);

        m->priv->metrics.reloads_succeeded++;
        m->priv->metrics.policy_generation++;
        log_info("Policies reloaded: %zu policies from %zu files", set->n_policies, strv_length(set->files));
        if (m->priv->pressure)
                (void)pressure_loop_setup(m);
        bus_emit_policy_reloaded(m);
        if (ret_diags)
                *ret_diags = (Diags){};
        return 0;
}

int manager_check_policy(const char *json, Diags *ret) {
        ParseContext ctx = {
                .ram_bytes = (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE),
                .tasks_limit = 4194304,
        };
        PolicySet *set = NULL;
        Diags diags = {};
        int r;

        r = policy_set_parse_string(json, "<string>", &ctx, &set, &diags);
        policy_set_free(set);
        if (ret)
                *ret = diags;
        else
                diags_done(&diags);
        return r < 0 ? r : 0;
}

const char *unit_desired_text(const Unit *u, PropertyId id) {
        if (id < 0 || id >= _PROP_MAX)
                return "";
        return u->props[id].desired_text ?: "";
}

/* systemd keeps our runtime drop-ins for units that are not running (stopped
 * since we set them): give those back too, through a stand-in Unit, or they would
 * start with our values after we are gone. */
static void restore_absent_units(Manager *m) {
        _cleanup_strv_free_ char **names = NULL;

        if (m->backend_type != BACKEND_SYSTEMD || m->dry_run ||
            state_list_original_units(&m->priv->state, &names) < 0)
                return;
        for (char **n = names; *n; n++) {
                Unit *u = NULL;

                if (manager_get_unit(m, *n) || !unit_name_is_valid(*n) || unit_new(m, *n, &u) < 0)
                        continue;
                log_debug("%s: not running, restoring through systemd", *n);
                unit_restore_all(u);
                unit_free(u);
        }
}

void manager_shutdown(Manager *m) {
        m->priv->stopping = true;
        for (size_t i = 0; i < m->n_units; i++)
                unit_restore_all(m->units[i]);
        restore_absent_units(m);
        /* one save for all the originals dropped above, not one per file */
        (void)state_originals_batch(&m->priv->state, false);
        (void)state_flush_originals(&m->priv->state);
}

void manager_apply_queue_drained(Manager *m) {
        if (m->priv->headroom_dirty) {
                /* the headroom pass (on_work) first: READY=1 once it is applied too */
                manager_schedule_work(m);
                return;
        }
        if (!m->priv->ready_pending || m->priv->discovering)
                return;
        m->priv->ready_pending = false;
        manager_notify_ready(m);
}

bool manager_discovering(const Manager *m) {
        return m->priv && m->priv->discovering;
}

void manager_log_running(Manager *m) {
        log_info("cgpolicyd %s running: %s backend, cgroup root %s, %zu units, %zu policies%s.",
                 PACKAGE_VERSION, m->backend_name, m->cgroup_root, m->n_units, m->policies->n_policies,
                 m->dry_run ? ", dry run" : "");
}

void manager_discovery_done(Manager *m) {
        discover_cgroupfs_prune(m);
        if (!m->priv->started)
                return; /* run() says it */
        manager_log_running(m);
        if (!manager_apply_pending(m))
                manager_apply_queue_drained(m);
}

void manager_notify_ready(Manager *m) {
        m->priv->ready_sent = true;
        (void)sd_notifyf(false, "READY=1\nSTATUS=Managing %zu units with %zu policies (%s backend)%s",
                         m->n_units, m->policies->n_policies, m->backend_name,
                         m->dry_run ? ", dry run" : "");
}

void manager_notify_ready_when_applied(Manager *m) {
        if (manager_apply_pending(m))
                m->priv->ready_pending = true;
        else
                manager_notify_ready(m);
}
