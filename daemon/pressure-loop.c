/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Drives the pure pressure controller (core/pressure.h) from the event loop:
 * PSI trigger fds on the first watched slice wake it (EPOLLPRI), the controller
 * says when it wants the next tick (a one-shot timer, off while idle: zero
 * wake-ups when calm), and its decisions go into each unit's pressure layer,
 * which the normal apply step writes. Every decision is logged and signalled
 * (Rebalanced). A plain-file tree (tests) has no triggers: there a change to the
 * slice's *.pressure file (inotify) stands in for one. */

#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <sys/vfs.h>

#include "bus.h"
#include "fileio.h"
#include "journal.h"
#include "log.h"
#include "manager-private.h"
#include "memstat.h"
#include "plan.h"
#include "pressure.h"

static const char *const psi_file[_RES_MAX] = {
        [RES_MEMORY] = "memory.pressure",
        [RES_CPU] = "cpu.pressure",
        [RES_IO] = "io.pressure",
};

/* One armed PSI trigger: a unit's <resource>.pressure opened for EPOLLPRI. */
typedef struct Trigger {
        char *unit;
        PressureResource res;
        bool protected; /* on a protected unit (else the watched slice) */
        int fd;
        sd_event_source *source;
} Trigger;

struct PressureLoop {
        PressureController ctl;
        Trigger *triggers;
        size_t n_triggers;
        sd_event_source *timer; /* next tick the controller asked for */
        sd_event_source *kick;  /* defer: tick soon */
        bool triggered[_RES_MAX];
        bool slice_triggered[_RES_MAX]; /* the slice's trigger fired while protected units have their own */
        uint64_t woken_usec; /* first trigger not yet answered by a write (pressure reaction); 0: none */
};

static Unit *pressure_slice(Manager *m) {
        if (!m->watched_slices || !m->watched_slices[0])
                return NULL;
        return manager_get_unit(m, m->watched_slices[0]);
}

static bool is_watched_slice(Manager *m, const Unit *u) {
        return m->watched_slices && m->watched_slices[0] && streq(u->name, m->watched_slices[0]);
}

static void trigger_done(Trigger *t) {
        t->source = sd_event_source_disable_unref(t->source);
        if (t->fd >= 0)
                (void)close(t->fd);
        t->fd = -1;
        t->unit = mfree(t->unit);
}

/* Drops the triggers of `unit` (all of them when NULL). */
static void drop_triggers(PressureLoop *p, const char *unit) {
        size_t k = 0;

        for (size_t i = 0; i < p->n_triggers; i++)
                if (!unit || streq(p->triggers[i].unit, unit))
                        trigger_done(&p->triggers[i]);
                else
                        p->triggers[k++] = p->triggers[i];
        p->n_triggers = k;
}

void pressure_loop_free(Manager *m) {
        PressureLoop *p = m->priv->pressure;

        if (!p)
                return;
        drop_triggers(p, NULL);
        free(p->triggers);
        sd_event_source_disable_unref(p->timer);
        sd_event_source_disable_unref(p->kick);
        free(p);
        m->priv->pressure = NULL;
}

static int on_kick(sd_event_source *s, void *userdata);

void pressure_loop_woken(Manager *m) {
        PressureLoop *p = m->priv->pressure;

        if (p && p->woken_usec == 0)
                (void)sd_event_now(m->event, CLOCK_MONOTONIC, &p->woken_usec);
}

void pressure_loop_kick(Manager *m, int resource, bool triggered) {
        PressureLoop *p = m->priv->pressure;

        if (!p)
                return;
        if (resource >= 0 && resource < _RES_MAX && triggered)
                p->triggered[resource] = true;
        if (!p->kick) {
                if (sd_event_add_defer(m->event, &p->kick, on_kick, m) < 0)
                        return;
                (void)sd_event_source_set_description(p->kick, "pressure-kick");
        }
        (void)sd_event_source_set_enabled(p->kick, SD_EVENT_ONESHOT);
}

static void arm_unit(Manager *m, Unit *u);

/* A protected unit's trigger is the signal itself. The slice's counts as pressure
 * only while no protected unit has one: otherwise it includes the stall of the
 * units we throttle, and would have us squeeze harder the more we squeeze; then
 * it only wakes the tick, which reads the protected units' own PSI. */
static bool trigger_counts(PressureLoop *p, const Trigger *t) {
        if (t->protected)
                return true;
        for (size_t i = 0; i < p->n_triggers; i++)
                if (p->triggers[i].protected && p->triggers[i].res == t->res)
                        return false;
        return true;
}

static int on_trigger(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;
        PressureLoop *p = m->priv->pressure;

        for (size_t i = 0; i < p->n_triggers; i++) {
                Trigger *t = &p->triggers[i];
                _cleanup_free_ char *unit = NULL;
                Unit *u;

                if (t->source != s)
                        continue;
                if (revents & EPOLLERR) {
                        /* The cgroup went away (or the kernel dropped the trigger).
                         * Re-arm at once if the unit is still there; if its directory
                         * is gone, arming fails and the unit's return arms it. */
                        unit = strdup(t->unit);
                        log_notice("%s: PSI trigger on %s failed (EPOLLERR), re-arming", t->unit,
                                   psi_file[t->res]);
                        if (!unit)
                                return log_oom();
                        drop_triggers(p, unit);
                        u = manager_get_unit(m, unit);
                        if (u)
                                arm_unit(m, u);
                        return 0;
                }
                log_debug("%s: PSI trigger fired on %s", t->unit, psi_file[t->res]);
                pressure_loop_woken(m);
                if (!trigger_counts(p, t))
                        p->slice_triggered[t->res] = true;
                pressure_loop_kick(m, t->res, trigger_counts(p, t));
                return 0;
        }
        return 0;
}

/* Opens <unit>/<res>.pressure and arms the configured trigger. Windows under 2 s
 * need CAP_SYS_RESOURCE; without it fall back to 2 s, as DESIGN.md says. */
static int arm_trigger(Manager *m, Unit *u, PressureResource r, const PressureConfig *c, bool protected) {
        PressureLoop *p = m->priv->pressure;
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *spec = NULL, *name = NULL;
        uint64_t window = c->trigger_window_usec, stall = c->trigger_stall_usec;
        sd_event_source *source = NULL;
        struct statfs sfs;
        Trigger *a;
        int k;

        fd = openat(u->priv->dirfd, psi_file[r], O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return log_warning_errno(-errno, "%s: cannot open %s for a PSI trigger: %m", u->name,
                                         psi_file[r]);
        /* a plain file (test tree) would take the spec as its new contents */
        if (fstatfs(fd, &sfs) < 0 || sfs.f_type != CGROUP2_SUPER_MAGIC)
                return log_debug_errno(-EMEDIUMTYPE, "%s: %s is not a cgroup file, relying on change events",
                                       u->name, psi_file[r]);
        for (int attempt = 0; attempt < 2; attempt++) {
                k = psi_format_trigger(c->trigger_kind, stall, window, &spec);
                if (k < 0)
                        return log_error_errno(k, "Cannot format PSI trigger: %m");
                /* the kernel wants the trailing NUL */
                if (write(fd, spec, strlen(spec) + 1) >= 0)
                        break;
                k = -errno;
                if ((k == -EPERM || k == -EINVAL) && window < 2 * USEC_PER_SEC && attempt == 0) {
                        log_notice("%s: PSI window %" PRIu64 "ms refused (%s), using 2s", psi_file[r],
                                   window / USEC_PER_MSEC, strerror(-k));
                        stall = stall * 2 * USEC_PER_SEC / window;
                        window = 2 * USEC_PER_SEC;
                        spec = mfree(spec);
                        continue;
                }
                return log_warning_errno(k, "%s: writing PSI trigger \"%s\" to %s failed: %m", u->name,
                                         spec, psi_file[r]);
        }
        k = sd_event_add_io(m->event, &source, fd, EPOLLPRI, on_trigger, m);
        if (k < 0)
                /* a plain file (test tree): its inotify events stand in */
                return log_debug_errno(k, "%s: %s cannot be polled (%m), relying on change events", u->name,
                                       psi_file[r]);
        (void)sd_event_source_set_description(source, psi_file[r]);
        name = strdup(u->name);
        a = reallocarray(p->triggers, p->n_triggers + 1, sizeof(Trigger));
        if (a)
                p->triggers = a;
        if (!name || !a) {
                sd_event_source_disable_unref(source);
                return log_oom();
        }
        p->triggers[p->n_triggers++] = (Trigger){
                .unit = TAKE_PTR(name), .res = r, .protected = protected, .fd = TAKE_FD(fd), .source = source};
        log_info("%s: PSI trigger \"%s\" armed on %s", u->name, spec, psi_file[r]);
        return 0;
}

/* Arms the triggers `u` should have: the watched slice and every protected unit
 * get one per resource whose pressure handling is on. */
static void arm_unit(Manager *m, Unit *u) {
        bool protected = u->class == CLASS_PROTECTED;

        if (!protected && !is_watched_slice(m, u))
                return;
        if (u->priv->dirfd < 0)
                return;
        for (PressureResource r = 0; r < _RES_MAX; r++) {
                const PressureConfig *c = &m->policies->pressure[r];

                if (c->enabled && c->mode != PRESSURE_OFF)
                        (void)arm_trigger(m, u, r, c, protected);
        }
}

void pressure_loop_unit_added(Manager *m, Unit *u) {
        PressureLoop *p = m->priv->pressure;

        if (!p)
                return;
        drop_triggers(p, u->name);
        arm_unit(m, u);
        pressure_loop_kick(m, -1, false);
}

void pressure_loop_unit_removed(Manager *m, const char *name) {
        PressureLoop *p = m->priv->pressure;

        if (!p)
                return;
        drop_triggers(p, name);
        pressure_loop_kick(m, -1, false);
}

/* The unit's value of `id` without the pressure layer: what policies and
 * overrides say, else what it had before we touched it, else the default. */
static uint64_t configured_value(Unit *u, const Resolved *r, PropertyId id) {
        if (r->props[id].layer != LAYER_NONE)
                return r->props[id].value.reset ? pressure_default_value(id) : r->props[id].value.u;
        return unit_own_value(u, id, pressure_default_value(id));
}

static char *value_text(PropertyId id, uint64_t v) {
        PropValue pv = {.u = v};
        char *s = NULL;

        if (id < 0 || id >= _PROP_MAX) {
                (void)asprintf(&s, "%" PRIu64, v);
                return s;
        }
        if (prop_value_format(property_get(id), &pv, &s) < 0)
                (void)asprintf(&s, "%" PRIu64, v);
        return s;
}

/* Whether the host has swap at all (/proc/meminfo SwapTotal); unknown counts as
 * no swap, the cautious answer: a squeeze then stops at anonymous usage. */
static bool host_has_swap(void) {
        _cleanup_free_ char *text = NULL;
        uint64_t total = 0;

        if (read_full_file_at(AT_FDCWD, "/proc/meminfo", &text) < 0 ||
            meminfo_get(text, "SwapTotal", &total) < 0)
                return false;
        return total > 0;
}

/* A sheddable unit's anonymous memory and whether it can be swapped: memory.stat
 * anon, memory.swap.max not "0". */
static void read_anon(Unit *u, bool host_swap, PressureUnit *pu) {
        _cleanup_free_ char *stat = NULL, *swap_max = NULL;
        uint64_t anon;

        if (read_full_file_at(u->priv->dirfd, "memory.stat", &stat) >= 0 &&
            memstat_get(stat, "anon", &anon) >= 0)
                pu->memory_anon = anon;
        pu->swap = host_swap;
        if (host_swap && read_full_file_at(u->priv->dirfd, "memory.swap.max", &swap_max) >= 0 &&
            streq(strstrip_trailing(swap_max), "0"))
                pu->swap = false;
}

/* Mode dry-run writes nothing, so an adjustment made before (in mode throttle)
 * must not stay in force: release it. Its shadow (what dry-run would do) is
 * what the controller sees instead, so a dry-run episode plays out step by step
 * rather than repeating its first step. Out of dry-run the shadow goes. Returns
 * whether a real adjustment was released. */
static bool sync_dry_run(Unit *u, const PressureConfig cfg[_RES_MAX], PropSet *adjustment) {
        bool released = false;

        for (PropertyId id = 0; id < _PROP_MAX; id++) {
                int res = pressure_property_resource(id);
                bool dry = res >= 0 && cfg[res].mode == PRESSURE_DRY_RUN;

                if (dry && u->pressure.has[id]) {
                        log_info("%s: releasing the %s adjustment: %s pressure handling is in dry-run mode",
                                 u->name, property_get(id)->name, pressure_resource_to_string(res));
                        prop_set_unset(&u->pressure, id);
                        released = true;
                }
                if (!dry && u->pressure_shadow.has[id])
                        prop_set_unset(&u->pressure_shadow, id);
                const PropSet *from = dry ? &u->pressure_shadow : &u->pressure;
                if (from->has[id]) {
                        PropValue v = {};
                        if (prop_value_copy(&v, &from->v[id]) >= 0)
                                prop_set_put(adjustment, id, &v);
                }
        }
        return released;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        return on_kick(s, userdata);
}

static void set_timer(Manager *m, uint64_t when) {
        PressureLoop *p = m->priv->pressure;

        if (when == USEC_INFINITY) {
                if (p->timer)
                        (void)sd_event_source_set_enabled(p->timer, SD_EVENT_OFF);
                return;
        }
        if (!p->timer) {
                if (sd_event_add_time(m->event, &p->timer, CLOCK_MONOTONIC, when, 0, on_timer, m) < 0)
                        return;
                (void)sd_event_source_set_description(p->timer, "pressure-tick");
                return;
        }
        (void)sd_event_source_set_time(p->timer, when);
        (void)sd_event_source_set_enabled(p->timer, SD_EVENT_ONESHOT);
}

static bool prop_set_any(const PropSet *s) {
        for (PropertyId id = 0; id < _PROP_MAX; id++)
                if (s->has[id])
                        return true;
        return false;
}

/* Whether the controller may decide anything about u this tick. */
static bool tick_needs(const Unit *u) {
        return u->class != CLASS_NORMAL || prop_set_any(&u->pressure) || prop_set_any(&u->pressure_shadow);
}

static int pressure_tick(Manager *m) {
        PressureLoop *p = m->priv->pressure;
        PressureConfig cfg[_RES_MAX];
        PressureSignal sig[_RES_MAX] = {};
        _cleanup_free_ PressureUnit *pu = NULL;
        _cleanup_free_ Resolved *conf = NULL;
        _cleanup_free_ bool *touched = NULL;
        _cleanup_free_ PropSet *adj = NULL;
        PressureResult res = {};
        bool wrote = false;
        Unit *slice = pressure_slice(m);
        uint64_t now = 0;
        size_t n = m->n_units;
        int r;

        PsiPressure protected_psi[_RES_MAX] = {};
        bool any_protected = false, host_swap = host_has_swap();

        memcpy(cfg, m->policies->pressure, sizeof(cfg));
        for (PressureResource k = 0; k < _RES_MAX; k++) {
                _cleanup_free_ char *text = NULL;

                /* --dry-run: decide and signal, write nothing */
                if (m->dry_run && cfg[k].mode == PRESSURE_THROTTLE)
                        cfg[k].mode = PRESSURE_DRY_RUN;
                sig[k].triggered = p->triggered[k];
                sig[k].slice_triggered = p->slice_triggered[k];
                p->triggered[k] = p->slice_triggered[k] = false;
                if (slice && read_full_file_at(slice->priv->dirfd, psi_file[k], &text) >= 0 &&
                    psi_parse(text, &sig[k].psi) >= 0) {
                        sig[k].has_psi = true;
                        m->psi[k] = sig[k].psi;
                }
        }

        pu = calloc(n + 1, sizeof(PressureUnit));
        conf = calloc(n + 1, sizeof(Resolved));
        touched = calloc(n + 1, sizeof(bool));
        adj = calloc(n + 1, sizeof(PropSet));
        if (!pu || !conf || !touched || !adj)
                return log_oom();
        for (size_t i = 0; i < n; i++) {
                Unit *u = m->units[i];
                UnitInfo info = {.name = u->name, .slice = u->slice, .user = u->user, .exe = u->exe};

                if (!tick_needs(u)) {
                        /* neither protected nor sheddable nor adjusted: the controller
                         * leaves it alone, so neither its files nor its policies are
                         * read (issue 10: a tick reads only what it decides on) */
                        pressure_unit_init(&pu[i], u->name, CLASS_NORMAL, u->memory_current);
                        pu[i].floor = &u->resolved.floor;
                        pu[i].adjustment = &adj[i];
                        continue;
                }
                /* fresh memory.current; not a full read back, which would hide drift
                 * not yet seen by the drift check */
                unit_read_usage(u);
                r = resolve_unit(m->policies, &info, &u->persistent, &u->runtime, NULL, &conf[i]);
                if (r < 0) {
                        for (size_t j = 0; j < i; j++) {
                                resolved_done(&conf[j]);
                                prop_set_done(&adj[j]);
                        }
                        return log_error_errno(r, "Resolving configured values failed: %m");
                }
                pressure_unit_init(&pu[i], u->name, u->class, u->memory_current);
                pu[i].memory_high = configured_value(u, &conf[i], PROP_MEMORY_HIGH);
                pu[i].memory_low = configured_value(u, &conf[i], PROP_MEMORY_LOW);
                pu[i].cpu_weight = configured_value(u, &conf[i], PROP_CPU_WEIGHT);
                pu[i].io_weight = configured_value(u, &conf[i], PROP_IO_WEIGHT);
                pu[i].floor = &u->resolved.floor;
                touched[i] = sync_dry_run(u, cfg, &adj[i]);
                pu[i].adjustment = &adj[i];
                if (u->class == CLASS_SHEDDABLE)
                        read_anon(u, host_swap, &pu[i]);
                pu[i].held = u->resolved.props[PROP_MEMORY_HIGH].layer == LAYER_HIERARCHY;
                if (u->class == CLASS_PROTECTED) {
                        any_protected = true;
                        for (PressureResource k = 0; k < _RES_MAX; k++)
                                psi_merge_max(&protected_psi[k], &u->psi[k]);
                }
        }
        /* The protected units' own stall is what we aim at; the slice's includes
         * the units we throttle (DESIGN.md "Pressure"), and decides only what they
         * cannot see (PressureSignal). */
        if (any_protected)
                for (PressureResource k = 0; k < _RES_MAX; k++) {
                        sig[k].has_slice = sig[k].has_psi;
                        sig[k].slice = sig[k].psi;
                        sig[k].psi = protected_psi[k];
                        sig[k].has_psi = protected_psi[k].has_some || protected_psi[k].has_full;
                }

        (void)sd_event_now(m->event, CLOCK_MONOTONIC, &now);
        r = pressure_controller_tick(&p->ctl, now, cfg, sig, pu, n, &res);
        for (size_t i = 0; i < n; i++) {
                resolved_done(&conf[i]);
                prop_set_done(&adj[i]);
        }
        if (r < 0)
                return log_error_errno(r, "Pressure controller failed: %m");

        for (size_t i = 0; i < res.n_decisions; i++) {
                const PressureDecision *d = &res.decisions[i];
                _cleanup_free_ char *old = value_text(d->property, d->old_value),
                                    *new = value_text(d->property, d->new_value);
                const char *pname = d->property >= 0 && d->property < _PROP_MAX
                                            ? property_get(d->property)->name
                                            : "Freeze";
                Unit *u = d->unit_index < n ? m->units[d->unit_index] : NULL;

                m->priv->metrics.decisions[d->resource][metrics_decision_action(d)]++;
                log_decision(&(Decision){.kind = DECISION_REBALANCE, .priority = LOG_INFO, .unit = d->unit,
                                         .property = pname, .old_value = old, .new_value = new,
                                         .layer = d->dry_run ? "pressure (dry run)" : "pressure",
                                         .reason = d->reason},
                             "%s: %s %s → %s%s: %s", d->unit, pname, strna(old), strna(new),
                             d->dry_run ? " (dry run, not written)" : "", strna(d->reason));
                bus_emit_rebalanced(m, d->unit, pname, strna(old), strna(new), strna(d->reason));
                if (!u || !streq(u->name, d->unit) || d->property == _PROP_INVALID)
                        continue;
                if (d->dry_run) {
                        /* played out in the shadow, never written */
                        (void)pressure_decision_apply(d, &u->pressure_shadow);
                        continue;
                }
                if (pressure_decision_apply(d, &u->pressure) >= 0)
                        touched[d->unit_index] = wrote = true;
        }

        for (size_t i = 0; i < n; i++) {
                Unit *u = m->units[i];
                bool any = false;

                for (PropertyId id = 0; id < _PROP_MAX; id++)
                        any = any || u->pressure.has[id];
                u->throttled = any;
                if (touched[i])
                        (void)unit_apply(u);
        }
        /* trigger → written; a tick that decides nothing leaves the clock running
         * until one does, or the loop goes idle */
        if (wrote && p->woken_usec) {
                uint64_t done = metrics_now_usec();
                metrics_histogram_observe(&m->priv->metrics.pressure_reaction,
                                          done > p->woken_usec ? done - p->woken_usec : 0);
        }
        if (wrote || res.next_tick_usec == USEC_INFINITY)
                p->woken_usec = 0;

        m->rebalance_state = "idle";
        for (PressureResource k = 0; k < _RES_MAX; k++)
                if (res.phase[k] == PRESSURE_PHASE_THROTTLING)
                        m->rebalance_state = "throttling";
                else if (res.phase[k] == PRESSURE_PHASE_RELAXING && !streq(m->rebalance_state, "throttling"))
                        m->rebalance_state = "relaxing";
        set_timer(m, res.next_tick_usec);
        pressure_result_done(&res);
        return 0;
}

/* A tick with its cost measured (cgpolicyd_pressure_tick_seconds). */
static int pressure_tick_timed(Manager *m) {
        uint64_t t0 = metrics_now_usec(), t1;
        int r = pressure_tick(m);

        t1 = metrics_now_usec();
        metrics_histogram_observe(&m->priv->metrics.pressure_tick, t1 > t0 ? t1 - t0 : 0);
        return r;
}

static int on_kick(sd_event_source *s, void *userdata) {
        Manager *m = userdata;

        (void)pressure_tick_timed(m);
        return 0;
}

int pressure_loop_setup(Manager *m) {
        PressureLoop *p = m->priv->pressure;
        bool any = false;

        if (!p) {
                p = calloc(1, sizeof(*p));
                if (!p)
                        return log_oom();
                pressure_controller_init(&p->ctl, false);
                m->priv->pressure = p;
        }

        /* (re)arm triggers for the current policy set; units that appear later
         * (systemd's discovery is asynchronous) are armed as they come */
        drop_triggers(p, NULL);
        for (PressureResource r = 0; r < _RES_MAX; r++)
                any = any || (m->policies->pressure[r].enabled && m->policies->pressure[r].mode != PRESSURE_OFF);
        if (any)
                for (size_t i = 0; i < m->n_units; i++)
                        arm_unit(m, m->units[i]);
        if (any && !pressure_slice(m))
                log_notice("Pressure handling configured; the watched slice %s is not there yet, its "
                           "triggers are armed when it appears.",
                           strna(m->watched_slices ? m->watched_slices[0] : NULL));
        /* the controller drops adjustments that no longer make sense after a reload */
        pressure_loop_kick(m, -1, false);
        return 0;
}
