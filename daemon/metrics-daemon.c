/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fileio.h"
#include "log.h"
#include "manager-private.h"
#include "clock.h"
#include "metrics-daemon.h"
#include "polkit.h"

struct MetricsFile {
        char *path;
        uint64_t interval_usec;
        uint64_t last_write_usec; /* 0: never written */
        char *last;               /* what the file holds */
        sd_event_source *post;    /* after every dispatched event: did anything change? */
        sd_event_source *timer;   /* the rest of the interval after a change; off while idle */
        bool timer_dispatched;    /* the event just dispatched was our timer: no change by itself */
        bool failed;              /* said once that writing failed */
};

uint64_t metrics_now_usec(void) {
        return now_usec(CLOCK_MONOTONIC);
}

/* ApplyStatus names, less "unmanaged" (no series for what we leave alone),
 * indexed by ApplyStatus - 1. */
static const char *const status_names[] = {"pending", "ok", "not-applied", "dry-run", NULL};

static void fill_unit(Unit *u, MetricsUnit *mu) {
        *mu = (MetricsUnit){.name = u->name, .throttled = u->throttled};
        mu->has_memory_current = u->memory_current != UINT64_MAX;
        mu->memory_current = u->memory_current;
        memcpy(mu->psi, u->psi, sizeof(mu->psi));
        for (PropertyId id = 0; id < _PROP_MAX; id++) {
                const Property *p = property_get(id);
                const UnitProp *up = &u->props[id];
                MetricsProp *mp = &mu->props[id];

                mp->reassertions = u->priv->drift ? u->priv->drift->reasserts[id] : 0;
                mp->status = -1;
                if (u->resolved.props[id].layer == LAYER_NONE)
                        continue;
                mp->managed = true;
                mp->status = up->status > APPLY_UNMANAGED && up->status < _APPLY_STATUS_MAX
                                     ? (int)up->status - 1
                                     : -1;
                mp->has_desired = metrics_property_value(p, &u->resolved.props[id].value, &mp->desired) >= 0;
                mp->has_applied = up->applied && metrics_property_value(p, up->applied, &mp->applied) >= 0;
        }
}

int manager_metrics_render(Manager *m, MetricsFormat f, bool refresh, char **ret) {
        _cleanup_free_ MetricsUnit *units = NULL;
        const MetricsCounters *c = &m->priv->metrics;
        MetricsSnapshot s = {
                .n_units = m->n_units,
                .status_names = status_names,
                .authorization_denials = polkit_registry_denials(m->bus_data.polkit),
                .reloads_succeeded = c->reloads_succeeded,
                .reloads_failed = c->reloads_failed,
                .policy_generation = c->policy_generation,
                .apply_latency = c->apply_latency,
                .pressure_reaction = c->pressure_reaction,
                .pressure_tick = c->pressure_tick,
        };

        memcpy(s.decisions, c->decisions, sizeof(s.decisions));
        units = calloc(m->n_units + 1, sizeof(MetricsUnit));
        if (!units)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_units; i++) {
                if (refresh)
                        unit_read_usage(m->units[i]);
                fill_unit(m->units[i], &units[i]);
        }
        s.units = units;
        return metrics_render(&s, f, ret);
}

static void metrics_file_flush(Manager *m) {
        MetricsFile *mf = m->priv->metrics_file;
        _cleanup_free_ char *text = NULL;
        uint64_t now = 0;
        int r;

        (void)sd_event_now(m->event, CLOCK_MONOTONIC, &now);
        r = manager_metrics_render(m, METRICS_PROMETHEUS, false, &text);
        if (r < 0) {
                log_warning_errno(r, "Cannot render metrics: %m");
                return;
        }
        if (mf->last && streq(mf->last, text))
                return; /* nothing changed: no write */
        r = write_file_atomic(mf->path, text);
        if (r < 0) {
                if (!mf->failed)
                        log_warning_errno(r, "Cannot write the metrics file %s: %m", mf->path);
                mf->failed = true;
                return;
        }
        if (mf->failed)
                log_info("Metrics file %s written again.", mf->path);
        mf->failed = false;
        free(mf->last);
        mf->last = TAKE_PTR(text);
        mf->last_write_usec = now ?: 1;
}

static int on_metrics_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        m->priv->metrics_file->timer_dispatched = true;
        metrics_file_flush(m);
        return 0;
}

/* Something happened: write now if the interval has passed since the last
 * write, else once it has. */
static int on_metrics_post(sd_event_source *s, void *userdata) {
        Manager *m = userdata;
        MetricsFile *mf = m->priv->metrics_file;
        int enabled = SD_EVENT_OFF;
        uint64_t now = 0, due;

        if (mf->timer_dispatched) {
                mf->timer_dispatched = false;
                return 0;
        }
        if (mf->timer)
                (void)sd_event_source_get_enabled(mf->timer, &enabled);
        if (enabled != SD_EVENT_OFF)
                return 0; /* a write is due already */
        (void)sd_event_now(m->event, CLOCK_MONOTONIC, &now);
        due = mf->last_write_usec + mf->interval_usec;
        if (mf->last_write_usec == 0 || now >= due) {
                metrics_file_flush(m);
                return 0;
        }
        if (!mf->timer) {
                if (sd_event_add_time(m->event, &mf->timer, CLOCK_MONOTONIC, due, 0, on_metrics_timer, m) < 0) {
                        metrics_file_flush(m);
                        return 0;
                }
                (void)sd_event_source_set_description(mf->timer, "metrics-file");
        } else {
                (void)sd_event_source_set_time(mf->timer, due);
                (void)sd_event_source_set_enabled(mf->timer, SD_EVENT_ONESHOT);
        }
        return 0;
}

int metrics_file_setup(Manager *m, const char *path, uint64_t interval_usec) {
        MetricsFile *mf;
        int r;

        if (!path)
                return 0;
        mf = calloc(1, sizeof(*mf));
        if (!mf)
                return log_oom();
        m->priv->metrics_file = mf;
        mf->path = strdup(path);
        mf->interval_usec = interval_usec;
        if (!mf->path)
                return log_oom();
        r = sd_event_add_post(m->event, &mf->post, on_metrics_post, m);
        if (r < 0)
                return log_error_errno(r, "Cannot watch for metrics changes: %m");
        (void)sd_event_source_set_description(mf->post, "metrics-post");
        metrics_file_flush(m);
        log_info("Writing metrics to %s (at most every %" PRIu64 " ms).", path, interval_usec / USEC_PER_MSEC);
        return 0;
}

void metrics_file_free(Manager *m) {
        MetricsFile *mf = m->priv->metrics_file;

        if (!mf)
                return;
        sd_event_source_disable_unref(mf->post);
        sd_event_source_disable_unref(mf->timer);
        free(mf->path);
        free(mf->last);
        free(mf);
        m->priv->metrics_file = NULL;
}
