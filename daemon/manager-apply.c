/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The apply step of one unit: resolve → restore what no layer sets any more →
 * write what the cgroup does not hold yet → read back and report. */

#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <sys/stat.h>

#include "bus.h"
#include "clock.h"
#include "fileio.h"
#include "journal.h"
#include "log.h"
#include "manager-private.h"
#include "plan.h"

static void set_text(char **dst, char *s) {
        free(*dst);
        *dst = s;
}

static bool controller_available(Unit *u, Controller c) {
        _cleanup_free_ char *text = NULL;
        const char *name = controller_to_string(c);
        char *saveptr = NULL;

        if (c == CTRL_NONE)
                return true;
        if (!name || read_full_file_at(u->priv->dirfd, "cgroup.controllers", &text) < 0)
                return false;
        for (char *t = strtok_r(text, " \t\n", &saveptr); t; t = strtok_r(NULL, " \t\n", &saveptr))
                if (streq(t, name))
                        return true;
        return false;
}

/* Reads what property p is read back from: its file and, for CPUWeight, also
 * cpu.idle (*ret_idle NULL when absent), as CPUWeight=idle lives there.
 * Returns the result of reading the property's own file. */
static int read_prop_files(Unit *u, const Property *p, char **ret_content, char **ret_idle) {
        *ret_idle = NULL;
        if (p->id == PROP_CPU_WEIGHT)
                (void)read_full_file_at(u->priv->dirfd, "cpu.idle", ret_idle);
        return read_full_file_at(u->priv->dirfd, p->cgroup_file, ret_content);
}

/* What the drift check compares: both files' contents, so that a change of
 * either is noticed. */
static char *seen_text(const char *content, const char *idle) {
        char *s = NULL;

        if (!idle)
                return content ? strdup(content) : NULL;
        return asprintf(&s, "%s\ncpu.idle=%s", content ?: "", idle) < 0 ? NULL : s;
}

/* explain: say why when it is not applied (reads cgroup.controllers); the
 * plan before a write does not need it, the write's own read back will. */
static void read_back(Unit *u, PropertyId id, int write_error, bool explain) {
        Manager *m = u->manager;
        const Property *p = property_get(id);
        UnitProp *up = &u->props[id];
        _cleanup_free_ char *content = NULL, *idle = NULL;
        const char *files[PLAN_MAX_FILES];
        bool satisfied = false;
        int r;

        if (!p || !p->cgroup_file)
                return; /* OOMScoreAdjust: oom.c */

        r = read_prop_files(u, p, &content, &idle);
        set_text(&u->priv->seen[id], u->priv->managed[id] ? seen_text(content, idle) : NULL);

        (void)unit_prop_set_applied(up, NULL);
        set_text(&up->effective_text, NULL);
        if (r >= 0 || idle) {
                PropValue a = {};

                if ((p->id == PROP_CPU_WEIGHT ? property_parse_cgroup_cpu_weight(content, idle, &a)
                                              : property_parse_cgroup(p, content, &a)) >= 0 &&
                    unit_prop_set_applied(up, &a) >= 0) {
                        if (prop_value_format(p, up->applied, &up->effective_text) < 0)
                                up->effective_text = NULL;
                }
                if (!up->effective_text && content)
                        up->effective_text = strdup(strstrip_trailing(content));
        }

        if (plan_property_files(id, files) > 0) {
                const char *orig = state_get_original(&m->priv->state, u->name, files[0]);
                set_text(&up->original, orig ? strdup(orig) : NULL);
        }

        if (!u->priv->managed[id]) {
                up->status = APPLY_UNMANAGED;
                set_text(&up->reason, NULL);
                return;
        }

        if (up->applied)
                satisfied = property_cgroup_satisfies(p, &u->resolved.props[id].value, up->applied,
                                                      device_resolve, m);
        if (satisfied) {
                up->status = APPLY_OK;
                set_text(&up->reason, NULL);
        } else if (m->dry_run) {
                up->status = APPLY_DRY_RUN;
                set_text(&up->reason, NULL);
                (void)asprintf(&up->reason, "would set %s", strna(up->desired_text));
        } else {
                up->status = APPLY_NOT_APPLIED;
                set_text(&up->reason, NULL);
                if (explain)
                        set_text(&up->reason,
                         plan_reason(p, write_error, write_error < 0 ? u->priv->cause[id] : NULL, r != -ENOENT,
                                     controller_available(u, p->controller),
                                     up->effective_text, up->desired_text));
        }
}

static void read_back_one(Unit *u, PropertyId id, int write_error) {
        read_back(u, id, write_error, true);
}

/* memory.current and the *.pressure files, read along with every read back:
 * no polling of our own, so values are as fresh as the last event. */
#define USAGE_FRESH_USEC (250 * USEC_PER_MSEC)

void manager_unit_usage_fresh(Unit *u) {
        uint64_t now = now_usec(CLOCK_MONOTONIC);

        if (!u || !u->priv || u->priv->dirfd < 0)
                return;
        if (u->priv->usage_read_usec != 0 && now - u->priv->usage_read_usec < USAGE_FRESH_USEC)
                return;
        unit_read_usage(u);
}

uint64_t manager_unit_usage_timestamp(const Unit *u) {
        return u && u->priv ? u->priv->usage_read_realtime : 0;
}

Unit *manager_pressure_slice(Manager *m) {
        return m->watched_slices && m->watched_slices[0] ? manager_get_unit(m, m->watched_slices[0]) : NULL;
}

void unit_read_usage(Unit *u) {
        static const char *const psi_files[_RES_MAX] = {
                [RES_MEMORY] = "memory.pressure",
                [RES_CPU] = "cpu.pressure",
                [RES_IO] = "io.pressure",
        };
        Manager *m = u->manager;
        _cleanup_free_ char *cur = NULL;
        bool changed = false;
        uint64_t v = UINT64_MAX;

        if (read_full_file_at(u->priv->dirfd, "memory.current", &cur) >= 0 && cur[0] >= '0' &&
            cur[0] <= '9') {
                char *end;

                errno = 0;
                v = strtoull(cur, &end, 10);
                if (errno != 0 || (*end != 0 && *end != '\n'))
                        v = UINT64_MAX;
        }
        changed = v != u->memory_current;
        u->memory_current = v;

        for (PressureResource r = 0; r < _RES_MAX; r++) {
                _cleanup_free_ char *text = NULL;
                PsiPressure p = {};

                if (read_full_file_at(u->priv->dirfd, psi_files[r], &text) < 0 || psi_parse(text, &p) < 0)
                        p = (PsiPressure){};
                if (memcmp(&p, &u->psi[r], sizeof(p)) != 0)
                        changed = true;
                u->psi[r] = p;
        }
        u->priv->usage_read_usec = now_usec(CLOCK_MONOTONIC);
        u->priv->usage_read_realtime = now_usec(CLOCK_REALTIME);
        /* the Manager's pressure properties are those of the first watched slice */
        if (m->watched_slices && m->watched_slices[0] && streq(u->name, m->watched_slices[0]))
                memcpy(m->psi, u->psi, sizeof(m->psi));
        if (changed)
                bus_emit_pressure_changed(u);
}

/* A property nothing sets is not ours to watch: its file is read when someone
 * asks (unit_read_back_unmanaged()), not at every apply of the unit: at 10,000
 * units the read back of every file of every unit was most of a start-up. */
static void forget_unmanaged(Unit *u, PropertyId id) {
        UnitProp *up = &u->props[id];

        up->status = APPLY_UNMANAGED;
        set_text(&up->reason, NULL);
        set_text(&up->original, NULL); /* given back by restore_unclaimed() */
        set_text(&u->priv->seen[id], NULL);
}

void unit_read_back_unmanaged(Unit *u, PropertyId id) {
        if (id >= 0 && id < _PROP_MAX && !u->priv->managed[id])
                read_back_one(u, id, 0);
}

int manager_record_original(Unit *u, const char *file) {
        Manager *m = u->manager;
        _cleanup_free_ char *content = NULL;
        int r;

        if (state_get_original(&m->priv->state, u->name, file))
                return 0;
        if (u->priv->originals_unknown) {
                /* issue 9 item 9: recording the file now could record our own value
                 * (written before originals.json was damaged) as the original, and
                 * a stop would then "restore" it for good. Unknown stays unknown:
                 * write, but restore nothing of this file. */
                if (!u->priv->originals_unknown_warned)
                        log_warning("%s: original values unknown (%s was damaged at start), not recording "
                                    "what its files hold now (%s, ...), which may be our own values; they will "
                                    "not be restored at stop",
                                    u->name, m->priv->state.originals_path, file);
                u->priv->originals_unknown_warned = true;
                return 0;
        }
        r = read_full_file_at(u->priv->dirfd, file, &content);
        if (r < 0)
                return r;
        r = state_put_original(&m->priv->state, u->name, u->priv->cgroup_id, file, content);
        if (r < 0)
                return log_error_errno(r, "%s: cannot record the original value of %s, not changing it: %m",
                                       u->name, file);
        log_debug("%s: recorded original %s=\"%s\"", u->name, file, strstrip_trailing(content));
        return 0;
}

/* The property whose read back is `file` ("memory.high" → MemoryHigh); for
 * cpu.max, CPUQuota. _PROP_INVALID when none. */
static PropertyId file_property(const char *file) {
        for (PropertyId id = 0; id < _PROP_MAX; id++)
                if (streq_ptr(property_get(id)->cgroup_file, file))
                        return id;
        return _PROP_INVALID;
}

static void restore_unclaimed(Unit *u, const bool managed[_PROP_MAX]) {
        Manager *m = u->manager;
        _cleanup_strv_free_ char **keys = NULL;
        _cleanup_free_ char *procs = NULL;
        bool procs_read = false;
        int r;

        if (state_list_originals(&m->priv->state, u->name, &keys) < 0)
                return;
        for (char **k = keys; *k; k++) {
                const char *content = state_get_original(&m->priv->state, u->name, *k);
                int pid;

                if (!content || plan_file_claimed(*k, managed))
                        continue;
                if (plan_is_oom_key(*k, &pid)) {
                        /* one read for all PIDs; unreadable: the cgroup is gone, and
                         * with it every process of the unit */
                        if (!procs_read) {
                                (void)read_full_file_at(u->priv->dirfd, "cgroup.procs", &procs);
                                procs_read = true;
                        }
                        r = oom_restore(u, pid, content, procs);
                } else
                        r = m->backend->restore(m->backend, u, *k, content);
                if (r == -ENOENT || r == -ENODEV)
                        log_debug_errno(r, "%s: %s is gone, nothing to restore", u->name, *k);
                else if (r < 0) {
                        _cleanup_free_ char *c = strdup(content);

                        /* Dropping it would leave our value in place for good; kept, it is
                         * retried at the next apply of this unit or the next start. */
                        log_warning_errno(r, "%s: restoring %s to \"%s\" failed, keeping the original to retry: %m",
                                          u->name, *k, c ? strstrip_trailing(c) : "");
                        continue;
                } else {
                        _cleanup_free_ char *c = strdup(content);
                        const char *v = c ? strstrip_trailing(c) : "";
                        PropertyId id = plan_is_oom_key(*k, &pid) ? PROP_OOM_SCORE_ADJUST
                                                                     : file_property(*k);

                        log_decision(&(Decision){.kind = DECISION_RESTORE, .priority = LOG_INFO, .unit = u->name,
                                                 .property = id >= 0 ? property_get(id)->name : *k,
                                                 .old_value = id >= 0 ? u->props[id].effective_text : NULL,
                                                 .new_value = v, .layer = "original",
                                                 .reason = "no policy or override sets it any more"},
                                     "%s: restored %s to \"%s\"", u->name, *k, v);
                }
                (void)state_drop_original(&m->priv->state, u->name, *k);
        }
}

static int resolve(Unit *u) {
        Manager *m = u->manager;
        UnitInfo info = {.name = u->name, .slice = u->slice, .user = u->user, .exe = u->exe};
        Resolved r = {}, before;
        int k;

        k = resolve_unit(m->policies, &info, &u->persistent, &u->runtime, &u->pressure, &r);
        if (k < 0)
                return log_error_errno(k, "%s: resolving desired values failed: %m", u->name);
        hierarchy_cover(u, &r);
        hierarchy_headroom(u, &r);
        before = u->resolved;
        u->resolved = r;
        u->class = r.class;
        hierarchy_child_changed(u, &before);
        resolved_done(&before);

        for (PropertyId id = 0; id < _PROP_MAX; id++) {
                UnitProp *up = &u->props[id];
                char *text = NULL;

                u->priv->managed[id] = r.props[id].layer != LAYER_NONE;
                /* unmanaged means restored: what we wrote before says nothing any more */
                if (!u->priv->managed[id])
                        set_text(&u->priv->written[id], NULL);
                if (u->priv->managed[id] &&
                    prop_value_format(property_get(id), &r.props[id].value, &text) < 0)
                        text = NULL;
                set_text(&up->desired_text, text);
        }
        return 0;
}

uint64_t unit_own_value(Unit *u, PropertyId id, uint64_t fallback) {
        const Property *p = property_get(id);
        const char *orig = state_get_original(&u->manager->priv->state, u->name, p->cgroup_file);
        PropValue v = {};
        uint64_t x;

        if (orig && property_parse_cgroup(p, orig, &v) >= 0) {
                x = v.u;
                prop_value_done(&v);
                return x;
        }
        if (!u->priv->managed[id]) {
                read_back_one(u, id, 0); /* not kept fresh while unmanaged */
                if (u->props[id].applied)
                        return u->props[id].applied->u;
        }
        return fallback;
}

int unit_resolve(Unit *u) {
        return resolve(u);
}

/* After a write of property id: on success its desired text is what the cgroup
 * was told, the reference for deciding on later writes (plan_needs_write()). */
static void remember_written(Unit *u, PropertyId id, int error) {
        const char *d = u->props[id].desired_text;

        set_text(&u->priv->written[id], error >= 0 && d ? strdup(d) : NULL);
}

/* The write of a change is done (or failed): how long since it was decided. */
static void apply_latency_done(Unit *u) {
        uint64_t since = u->priv->apply_since_usec, now = metrics_now_usec();

        if (since == 0)
                return;
        metrics_histogram_observe(&u->manager->priv->metrics.apply_latency, now > since ? now - since : 0);
        u->priv->apply_since_usec = 0;
}

/* The REASON of an apply's journal entry: the layer that set the value. */
char *apply_reason(const ResolvedProp *rp) {
        char *reason = NULL;

        if (rp->layer == LAYER_POLICY)
                (void)asprintf(&reason, "policy %s", strna(rp->source));
        else if (rp->layer == LAYER_PERSISTENT || rp->layer == LAYER_RUNTIME)
                (void)asprintf(&reason, "set-property%s", rp->layer == LAYER_RUNTIME ? " --runtime" : "");
        else
                reason = strdup("covers the protection of the units below");
        return reason;
}

/* One journal entry per value about to be written: a re-assertion when drift
 * was seen on it, else an apply. Pressure steps have their entry (rebalance)
 * from the pressure loop already. */
static void log_writes(Unit *u, const bool todo[_PROP_MAX]) {
        for (PropertyId id = 0; id < _PROP_MAX; id++) {
                const ResolvedProp *rp = &u->resolved.props[id];
                const UnitProp *up = &u->props[id];
                UnitDrift *drift = u->priv->drift;
                bool reassert = drift && drift->reasserting[id];
                const char *name = property_get(id)->name;

                if (!todo[id])
                        continue;
                if (reassert) {
                        drift->reasserting[id] = false;
                        drift->reasserts[id]++;
                        log_decision(&(Decision){.kind = DECISION_REASSERT, .priority = LOG_NOTICE,
                                                 .unit = u->name, .property = name,
                                                 .old_value = up->effective_text, .new_value = up->desired_text,
                                                 .layer = layer_to_string(rp->layer),
                                                 .reason = "changed behind cgpolicyd's back"},
                                     "%s: re-asserted %s=%s (%s had been changed to \"%s\")", u->name, name,
                                     strna(up->desired_text), property_get(id)->cgroup_file,
                                     strna(up->effective_text));
                } else if (rp->layer != LAYER_PRESSURE) {
                        _cleanup_free_ char *reason = apply_reason(rp);

                        log_decision(&(Decision){.kind = DECISION_APPLY, .priority = LOG_INFO, .unit = u->name,
                                                 .property = name, .old_value = up->effective_text,
                                                 .new_value = up->desired_text, .layer = layer_to_string(rp->layer),
                                                 .reason = reason},
                                     "%s: setting %s=%s (was %s; %s)", u->name, name, strna(up->desired_text),
                                     strna(up->effective_text), strna(reason));
                }
        }
}

/* Decides what unit_apply_commit() will write: resolve, give back what is no
 * longer ours, read back, plan. Stores the plan in u->priv->todo. */
static int unit_plan(Unit *u) {
        Manager *m = u->manager;
        int r;

        memset(u->priv->todo, 0, sizeof(u->priv->todo));
        r = resolve(u);
        if (r < 0)
                return r;

        if (!m->dry_run)
                restore_unclaimed(u, u->priv->managed);

        for (PropertyId id = 0; id < _PROP_MAX; id++) {
                const Property *p = property_get(id);

                if (!u->priv->managed[id]) {
                        forget_unmanaged(u, id);
                        continue;
                }
                read_back(u, id, 0, false);
                if (!p->cgroup_file)
                        continue;
                if (!plan_needs_write(p, &u->resolved.props[id].value,
                                      u->props[id].applied,
                                      u->props[id].status == APPLY_OK, u->props[id].desired_text,
                                      u->priv->written[id])) {
                        if (u->props[id].status == APPLY_NOT_APPLIED)
                                read_back_one(u, id, 0); /* not written again: say why it stays so */
                        continue;
                }
                if (m->dry_run) {
                        log_info("%s: would set %s=%s (%s%s%s), dry run", u->name, p->name,
                                 strna(u->props[id].desired_text),
                                 layer_to_string(u->resolved.props[id].layer),
                                 u->resolved.props[id].source ? " " : "",
                                 u->resolved.props[id].source ?: "");
                        continue;
                }
                u->priv->todo[id] = true;
        }
        return 0;
}

int unit_apply_prepare(Unit *u) {
        Manager *m = u->manager;
        int r;

        u->priv->planned = false;
        if (m->priv->stopping)
                return 0;
        if (u->priv->apply_since_usec == 0)
                (void)sd_event_now(m->event, CLOCK_MONOTONIC, &u->priv->apply_since_usec);
        r = unit_plan(u);
        if (r < 0)
                return r;
        u->priv->planned = true;
        /* originals of everything the commit will write, saved by the caller's flush */
        if (!u->priv->apply_in_flight)
                m->backend->record(m->backend, u, u->priv->todo);
        return 0;
}

static void schedule_reassert(Unit *u, uint64_t when);

/* A write that failed for a cause that can pass (the kernel busy, a device not
 * there yet, originals.json not saved for want of space or a writable
 * directory) is tried again; one the kernel refused for its value (EINVAL,
 * ERANGE), or a file or controller that is absent (its appearance is an event
 * of its own), is not. */
static bool apply_error_may_pass(int error) {
        return error < 0 && error != -EINVAL && error != -ERANGE && error != -EOPNOTSUPP && error != -ENODEV;
}

#define APPLY_RETRY_FIRST_USEC (1 * USEC_PER_SEC)
#define APPLY_RETRY_MAX_USEC (300 * USEC_PER_SEC)

/* Retries back off: 1 s, 2 s, 4 s, ... up to 5 min; a clean apply resets it. */
static void schedule_retry(Unit *u, bool retry) {
        uint64_t now = 0, delay = APPLY_RETRY_FIRST_USEC;

        if (!retry) {
                u->priv->retries = 0;
                return;
        }
        for (unsigned i = 0; i < u->priv->retries && delay < APPLY_RETRY_MAX_USEC; i++)
                delay *= 2;
        if (delay > APPLY_RETRY_MAX_USEC)
                delay = APPLY_RETRY_MAX_USEC;
        u->priv->retries++;
        (void)sd_event_now(u->manager->event, CLOCK_MONOTONIC, &now);
        log_info("%s: retrying in %" PRIu64 " s (attempt %u failed)", u->name, delay / USEC_PER_SEC,
                 u->priv->retries);
        schedule_reassert(u, now + delay);
}

void unit_apply_commit(Unit *u) {
        Manager *m = u->manager;
        bool *todo = u->priv->todo, any = false;
        int errors[_PROP_MAX] = {};
        int r;

        if (!u->priv->planned || m->priv->stopping)
                return;
        u->priv->planned = false;
        for (PropertyId id = 0; id < _PROP_MAX; id++)
                any = any || todo[id];

        if (!any)
                u->priv->retries = 0; /* nothing left to write: nothing failing either */
        if (any && u->priv->apply_in_flight) {
                /* one call at a time per unit; what changed meanwhile goes out after
                 * the reply, and is pending until then, not "not applied" */
                u->priv->reapply = true;
                for (PropertyId id = 0; id < _PROP_MAX; id++)
                        if (todo[id])
                                u->props[id].status = APPLY_PENDING;
        } else if (any) {
                log_writes(u, todo);
                r = m->backend->apply(m->backend, u, todo, errors);
                if (r > 0) {
                        u->priv->apply_in_flight = true;
                        for (PropertyId id = 0; id < _PROP_MAX; id++)
                                if (todo[id])
                                        u->props[id].status = APPLY_PENDING;
                } else {
                        for (PropertyId id = 0; id < _PROP_MAX; id++)
                                if (todo[id]) {
                                        remember_written(u, id, r < 0 ? r : errors[id]);
                                        read_back_one(u, id, r < 0 ? r : errors[id]);
                                }
                        apply_latency_done(u);
                }
                bool retry = false;
                for (PropertyId id = 0; id < _PROP_MAX; id++) {
                        if (todo[id] && u->props[id].status == APPLY_NOT_APPLIED) {
                                bool vanished = unit_vanished(u);
                                log_full(vanished ? LOG_DEBUG : LOG_WARNING, "%s: %s=%s not applied: %s", u->name,
                                         property_get(id)->name, strna(u->props[id].desired_text),
                                         strna(u->props[id].reason));
                                /* an absent file comes back as an event; a device may not */
                                retry = retry || (!vanished && apply_error_may_pass(errors[id]) &&
                                                  (errors[id] != -ENOENT || u->priv->cause[id]));
                        }
                        set_text(&u->priv->cause[id], NULL);
                }
                schedule_retry(u, retry);
        }

        if (!any)
                u->priv->apply_since_usec = 0; /* nothing to write: no latency to tell */
        if (u->priv->managed[PROP_OOM_SCORE_ADJUST] && !m->dry_run)
                (void)oom_apply(u);
        bus_emit_unit_changed(u);
}

int unit_apply(Unit *u) {
        Manager *m = u->manager;
        int r;

        r = unit_apply_prepare(u);
        if (r < 0)
                return r;
        /* one save for the recorded originals (and drops) before anything is written */
        (void)state_flush_originals(&m->priv->state);
        unit_apply_commit(u);
        /* drops of restored or gone originals found on the way */
        (void)state_flush_originals(&m->priv->state);
        return 0;
}

void manager_unit_apply_done(Manager *m, const char *unit, int error) {
        Unit *u = manager_get_unit(m, unit);

        if (!u)
                return;
        u->priv->apply_in_flight = false;
        if (sd_event_now(m->event, CLOCK_MONOTONIC, &u->priv->settle_until) >= 0)
                u->priv->settle_until += PID1_SETTLE_USEC;
        apply_latency_done(u);
        for (PropertyId id = 0; id < _PROP_MAX; id++)
                if (u->priv->managed[id] && u->props[id].status == APPLY_PENDING)
                        remember_written(u, id, error);
        if (u->priv->reapply) {
                u->priv->reapply = false;
                (void)unit_apply(u);
                return;
        }
        for (PropertyId id = 0; id < _PROP_MAX; id++)
                if (u->priv->managed[id])
                        read_back_one(u, id, u->props[id].status == APPLY_PENDING ? error : 0);
        bus_emit_unit_changed(u);
}

/* systemd backend, the unit's cgroup gone: PID 1 keeps our runtime drop-ins for
 * its next start, and what the pressure loop or the headroom set must not
 * outlive the moment (the unit would start squeezed, cgpolicyd running or not).
 * Put back what the unit has without them: the configured value where a policy
 * or override manages the property, else the original, its drop-in removed
 * (backend-systemd.c). */
void unit_forget_pressure(Unit *u) {
        Manager *m = u->manager;
        bool todo[_PROP_MAX] = {}, any = false;
        int errors[_PROP_MAX] = {};

        u->priv->gone = true;
        if (m->dry_run || m->priv->stopping || u->is_slice)
                return;
        for (PropertyId id = 0; id < _PROP_MAX; id++)
                any = (todo[id] = u->pressure.has[id] || u->resolved.props[id].layer == LAYER_HIERARCHY) || any;
        if (!any)
                return;
        prop_set_done(&u->pressure);
        u->throttled = false;
        if (resolve(u) < 0)
                return;
        restore_unclaimed(u, u->priv->managed);
        any = false;
        for (PropertyId id = 0; id < _PROP_MAX; id++)
                any = (todo[id] = todo[id] && u->priv->managed[id]) || any;
        if (any)
                (void)m->backend->apply(m->backend, u, todo, errors);
        log_info("%s: stopped with pressure or headroom limits, gave them back to systemd", u->name);
        (void)state_flush_originals(&m->priv->state);
}

void unit_restore_all(Unit *u) {
        bool none[_PROP_MAX] = {};

        if (u->manager->dry_run)
                return;
        restore_unclaimed(u, none);
}

static int on_reassert(sd_event_source *s, uint64_t usec, void *userdata) {
        Unit *u = userdata;

        log_debug("%s: re-asserting after backing off", u->name);
        return unit_apply(u);
}

static int on_settled(sd_event_source *s, uint64_t usec, void *userdata) {
        Unit *u = userdata;

        return unit_check_drift(u);
}

/* A one-shot timer per unit and job, at the earliest time asked for. */
static int schedule_at(Unit *u, sd_event_source **t, uint64_t when, sd_event_time_handler_t handler,
                       const char *description) {
        uint64_t cur;
        int enabled = SD_EVENT_OFF, r;

        if (!*t) {
                r = sd_event_add_time(u->manager->event, t, CLOCK_MONOTONIC, when, 0, handler, u);
                if (r < 0)
                        return r;
                (void)sd_event_source_set_description(*t, description);
                return 0;
        }
        (void)sd_event_source_get_enabled(*t, &enabled);
        if (enabled != SD_EVENT_OFF && sd_event_source_get_time(*t, &cur) >= 0 && cur <= when)
                return 0;
        (void)sd_event_source_set_time(*t, when);
        return sd_event_source_set_enabled(*t, SD_EVENT_ONESHOT);
}

/* A backed-off re-assert or a retry: one timer per unit, at the earliest time due. */
static void schedule_reassert(Unit *u, uint64_t when) {
        if (schedule_at(u, &u->priv->reassert_timer, when, on_reassert, "unit-reassert") < 0) {
                log_warning("%s: cannot schedule a re-assert, doing it now", u->name);
                (void)unit_apply(u);
        }
}

int unit_check_drift(Unit *u) {
        bool changed = false, reread = false;
        uint64_t now = 0, later = UINT64_MAX, settle = UINT64_MAX;

        (void)sd_event_now(u->manager->event, CLOCK_MONOTONIC, &now);
        for (PropertyId id = 0; id < _PROP_MAX; id++) {
                const Property *p = property_get(id);
                _cleanup_free_ char *content = NULL, *idle = NULL, *seen = NULL;

                if (!u->priv->managed[id] || !p->cgroup_file)
                        continue;
                if (read_prop_files(u, p, &content, &idle) < 0)
                        continue;
                seen = seen_text(content, idle);
                if (!seen || streq_ptr(seen, u->priv->seen[id]))
                        continue; /* our own write, or nothing new */
                /* a change that holds what we want: an async (systemd) apply landing */
                read_back_one(u, id, 0);
                if (u->props[id].status == APPLY_OK) {
                        log_debug("%s: %s now reads \"%s\" as wanted", u->name, p->cgroup_file,
                                  strstrip_trailing(content));
                        reread = true;
                        continue;
                }

                /* PID 1 may still be writing what we asked for lately */
                if (u->manager->backend_type == BACKEND_SYSTEMD &&
                    (u->priv->apply_in_flight || now < u->priv->settle_until)) {
                        uint64_t when = u->priv->apply_in_flight ? now + PID1_SETTLE_USEC
                                                                 : u->priv->settle_until;

                        log_debug("%s: %s reads \"%s\" while systemd is still applying, looking again later",
                                  u->name, p->cgroup_file, strstrip_trailing(content));
                        set_text(&u->priv->seen[id], NULL); /* so that the next look compares again */
                        settle = when < settle ? when : settle;
                        continue;
                }
                /* someone else wrote it: put it back, at once the first time, then
                 * ever less often while they keep at it */
                if (!u->priv->drift && !(u->priv->drift = calloc(1, sizeof(UnitDrift)))) {
                        log_oom();
                        continue;
                }
                DriftDecision d = drift_backoff_seen(&u->priv->drift->backoff[id], now);
                u->priv->drift->reasserting[id] = true;
                if (d.log && d.n_drifts == 1)
                        log_notice("%s: %s was changed behind our back to \"%s\", re-asserting %s=%s", u->name,
                                   p->cgroup_file, strstrip_trailing(content), p->name,
                                   strna(u->props[id].desired_text));
                else if (d.log)
                        log_notice("%s: %s changed behind our back %u times in %" PRIu64 " s (now \"%s\"), "
                                   "re-asserting %s=%s every %" PRIu64 " s",
                                   u->name, p->cgroup_file, d.n_drifts, d.span_usec / USEC_PER_SEC,
                                   strstrip_trailing(content), p->name, strna(u->props[id].desired_text),
                                   d.interval_usec / USEC_PER_SEC);
                if (d.assert_at_usec <= now || d.log) {
                        /* every decision on the bus too, as rate-limited as the log */
                        _cleanup_free_ char *why = NULL;
                        if (d.assert_at_usec <= now && d.n_drifts == 1)
                                (void)asprintf(&why, "%s was changed behind our back", p->cgroup_file);
                        else
                                (void)asprintf(&why,
                                               "%s changed behind our back %u times in %" PRIu64
                                               " s, re-asserting every %" PRIu64 " s%s",
                                               p->cgroup_file, d.n_drifts, d.span_usec / USEC_PER_SEC,
                                               d.interval_usec / USEC_PER_SEC,
                                               d.assert_at_usec <= now ? "" : " (next one held back)");
                        bus_emit_reasserted(u->manager, u->name, p->name,
                                            u->props[id].effective_text ?: strstrip_trailing(content),
                                            strna(u->props[id].desired_text), why);
                }
                if (d.assert_at_usec <= now)
                        changed = true;
                else if (d.assert_at_usec < later)
                        later = d.assert_at_usec;
        }
        if (settle != UINT64_MAX && schedule_at(u, &u->priv->settle_timer, settle, on_settled, "unit-settle") < 0)
                log_warning("%s: cannot schedule a second look at a file systemd is writing", u->name);
        if (later != UINT64_MAX && !changed &&
            schedule_at(u, &u->priv->reassert_timer, later, on_reassert, "unit-reassert") < 0) {
                log_warning("%s: cannot schedule a re-assert, doing it now", u->name);
                changed = true;
        }
        if (!changed) {
                /* the effective values changed (to what we want): tell the bus */
                if (reread)
                        bus_emit_unit_changed(u);
                return 0;
        }
        return unit_apply(u);
}

/* User name of a process's real uid; NULL for root (as systemd leaves User=
 * empty for root services), unknown uids and vanished processes. */
static char *process_user(int pid) {
        _cleanup_free_ char *status = NULL;
        char path[64], buf[1024];
        struct passwd pw, *res = NULL;
        const char *line;
        unsigned uid;

        snprintf(path, sizeof(path), "/proc/%d/status", pid);
        if (read_full_file(path, &status) < 0)
                return NULL;
        line = strstr(status, "\nUid:");
        if (!line || sscanf(line + strlen("\nUid:"), "%u", &uid) != 1 || uid == 0)
                return NULL;
        if (getpwuid_r((uid_t)uid, &pw, buf, sizeof(buf), &res) != 0 || !res)
                return NULL;
        return strdup(res->pw_name);
}

int unit_refresh_info(Unit *u) {
        _cleanup_free_ char *events = NULL, *procs = NULL, *exe = NULL;
        bool changed = false;
        int pid = u->main_pid;

        if (read_full_file_at(u->priv->dirfd, "cgroup.events", &events) >= 0) {
                const char *s = strstr(events, "populated ");
                if (s)
                        u->populated = s[strlen("populated ")] == '1';
        }

        /* cgroupfs knows no main PID: the first process stands in for matching by exe */
        if (pid <= 0 && read_full_file_at(u->priv->dirfd, "cgroup.procs", &procs) >= 0)
                pid = atoi(procs);
        if (pid > 0) {
                char path[64], buf[4096];
                ssize_t n;

                snprintf(path, sizeof(path), "/proc/%d/exe", pid);
                n = readlink(path, buf, sizeof(buf) - 1);
                if (n > 0) {
                        buf[n] = 0;
                        exe = strdup(buf);
                } else if ((errno == EACCES || errno == EPERM) && !u->priv->exe_warned) {
                        /* another user's process without CAP_SYS_PTRACE: say so once,
                         * an "exe" match silently never matching is worse */
                        u->priv->exe_warned = true;
                        log_warning_errno(-errno, "%s: cannot read %s (%m): policies matching on \"exe\" "
                                                  "cannot match this unit",
                                          u->name, path);
                }
        }
        if (exe && !streq_ptr(exe, u->exe)) {
                changed = true;
                free(u->exe);
                u->exe = TAKE_PTR(exe);
        }

        /* cgroupfs knows no User= either: the owner of that process stands in
         * (systemd's value, when we have it, is left alone) */
        if (pid > 0 && u->manager->backend_type != BACKEND_SYSTEMD) {
                _cleanup_free_ char *user = process_user(pid);

                if (!streq_ptr(user, u->user)) {
                        changed = true;
                        free(u->user);
                        u->user = TAKE_PTR(user);
                }
        }
        return changed;
}
