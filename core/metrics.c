/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "metrics.h"
#include "policy.h"

static const char *const format_names[_METRICS_FORMAT_MAX] = {
        [METRICS_OPENMETRICS] = "openmetrics",
        [METRICS_PROMETHEUS] = "prometheus",
};

const char *metrics_format_to_string(MetricsFormat f) {
        return f >= 0 && f < _METRICS_FORMAT_MAX ? format_names[f] : NULL;
}

MetricsFormat metrics_format_from_string(const char *s) {
        for (MetricsFormat f = 0; s && f < _METRICS_FORMAT_MAX; f++)
                if (strcmp(s, format_names[f]) == 0)
                        return f;
        return _METRICS_FORMAT_INVALID;
}

static const char *const action_names[_METRICS_ACTION_MAX] = {
        [METRICS_ACTION_SQUEEZE] = "squeeze", [METRICS_ACTION_RELAX] = "relax",
        [METRICS_ACTION_PROTECT] = "protect", [METRICS_ACTION_UNPROTECT] = "unprotect",
        [METRICS_ACTION_FREEZE] = "freeze",   [METRICS_ACTION_THAW] = "thaw",
};

const char *metrics_action_to_string(MetricsAction a) {
        return a >= 0 && a < _METRICS_ACTION_MAX ? action_names[a] : NULL;
}

MetricsAction metrics_decision_action(const PressureDecision *d) {
        if (d->property < 0 || d->property >= _PROP_MAX)
                return d->new_value ? METRICS_ACTION_FREEZE : METRICS_ACTION_THAW;
        if (d->property == PROP_MEMORY_LOW || d->property == PROP_MEMORY_MIN)
                return d->new_value > d->old_value ? METRICS_ACTION_PROTECT : METRICS_ACTION_UNPROTECT;
        return d->new_value < d->old_value ? METRICS_ACTION_SQUEEZE : METRICS_ACTION_RELAX;
}

const double metrics_bucket_bounds[METRICS_N_BUCKETS] = {
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
};

void metrics_histogram_observe(MetricsHistogram *h, uint64_t usec) {
        size_t i = 0;

        /* compared in µs, so that a bound is exact: 1000 µs falls in le="0.001" */
        while (i < METRICS_N_BUCKETS && (double)usec > metrics_bucket_bounds[i] * 1e6)
                i++;
        h->bucket[i]++;
        h->count++;
        h->sum_usec += usec;
}

MetricsKind metrics_property_kind(const Property *p) {
        if (!p)
                return METRICS_KIND_NONE;
        switch (p->type) {
        case VT_SIZE:
                return METRICS_KIND_BYTES;
        case VT_DURATION:
                return METRICS_KIND_SECONDS;
        case VT_QUOTA:
                return METRICS_KIND_RATIO;
        case VT_WEIGHT:
                return METRICS_KIND_WEIGHT;
        case VT_TASKS:
                return METRICS_KIND_TASKS;
        case VT_OOM:
                return METRICS_KIND_SCORE;
        default:
                return METRICS_KIND_NONE;
        }
}

int metrics_property_value(const Property *p, const PropValue *v, double *ret) {
        PropValue def = {};
        double d;

        if (!p || !v || metrics_property_kind(p) == METRICS_KIND_NONE)
                return -EINVAL;
        if (v->reset) {
                /* back to the default: "100", "infinity" */
                ParseContext ctx = { .own_text = true }; /* "infinity" for CPUQuota */
                int r = prop_value_parse(p, p->default_text, &ctx, &def, NULL);

                if (r < 0 || def.reset) {
                        prop_value_done(&def);
                        return -EINVAL;
                }
                v = &def;
        }
        if (p->type == VT_OOM)
                d = v->i;
        else if (v->u == UINT64_MAX)
                d = __builtin_inf();
        else if (p->type == VT_DURATION)
                d = (double)v->u / 1e6;
        else if (p->type == VT_QUOTA)
                d = (double)v->u / 1e6; /* µs of CPU per second: 1 = one whole CPU */
        else
                d = (double)v->u;
        prop_value_done(&def);
        *ret = d;
        return 0;
}

/* ---- rendering ---- */

typedef struct Out {
        FILE *f;
        MetricsFormat format;
} Out;

static void put_number(Out *o, double d) {
        if (d != d)
                fputs("NaN", o->f);
        else if (d > 1e308)
                fputs("+Inf", o->f);
        else if (d < -1e308)
                fputs("-Inf", o->f);
        else if (d >= -9007199254740992.0 && d <= 9007199254740992.0 && (double)(int64_t)d == d)
                fprintf(o->f, "%" PRId64, (int64_t)d);
        else {
                /* the shortest of these that reads back as d: 0.005, not 0.0050000000000000001 */
                char buf[40];

                for (int prec = 15; prec <= 17; prec++) {
                        snprintf(buf, sizeof(buf), "%.*g", prec, d);
                        if (strtod(buf, NULL) == d)
                                break;
                }
                fputs(buf, o->f);
        }
}

static void put_label_value(Out *o, const char *s) {
        fputc('"', o->f);
        for (; s && *s; s++)
                if (*s == '\\')
                        fputs("\\\\", o->f);
                else if (*s == '"')
                        fputs("\\\"", o->f);
                else if (*s == '\n')
                        fputs("\\n", o->f);
                else
                        fputc(*s, o->f);
        fputc('"', o->f);
}

typedef enum FamilyType { FAMILY_GAUGE, FAMILY_COUNTER, FAMILY_HISTOGRAM } FamilyType;

/* name: without _total for counters (OpenMetrics' family name); unit: the
 * name's unit suffix, "" when none. */
static void family(Out *o, const char *name, FamilyType t, const char *unit, const char *help) {
        static const char *const types[] = {"gauge", "counter", "histogram"};
        const char *total = t == FAMILY_COUNTER && o->format == METRICS_PROMETHEUS ? "_total" : "";

        if (o->format == METRICS_OPENMETRICS) {
                fprintf(o->f, "# TYPE %s %s\n", name, types[t]);
                if (unit[0])
                        fprintf(o->f, "# UNIT %s %s\n", name, unit);
                fprintf(o->f, "# HELP %s %s\n", name, help);
        } else {
                fprintf(o->f, "# HELP %s%s %s\n", name, total, help);
                fprintf(o->f, "# TYPE %s%s %s\n", name, total, types[t]);
        }
}

/* One sample: name + suffix, labels as NULL-terminated key, value pairs. */
static void sample(Out *o, const char *name, const char *suffix, const char *const *labels, double v) {
        fprintf(o->f, "%s%s", name, suffix);
        if (labels && labels[0]) {
                fputc('{', o->f);
                for (size_t i = 0; labels[i]; i += 2) {
                        fprintf(o->f, "%s%s=", i ? "," : "", labels[i]);
                        put_label_value(o, labels[i + 1]);
                }
                fputc('}', o->f);
        }
        fputc(' ', o->f);
        put_number(o, v);
        fputc('\n', o->f);
}

static const char *const kind_unit[_METRICS_KIND_MAX] = {
        [METRICS_KIND_BYTES] = "bytes", [METRICS_KIND_SECONDS] = "seconds", [METRICS_KIND_RATIO] = "ratio",
        [METRICS_KIND_WEIGHT] = "weight", [METRICS_KIND_TASKS] = "tasks", [METRICS_KIND_SCORE] = "score",
};
/* only base units go into # UNIT; weight, tasks and score are plain numbers */
static const bool kind_is_unit[_METRICS_KIND_MAX] = {
        [METRICS_KIND_BYTES] = true, [METRICS_KIND_SECONDS] = true, [METRICS_KIND_RATIO] = true,
};

static void property_families(Out *o, const MetricsSnapshot *s, bool applied) {
        for (MetricsKind k = METRICS_KIND_BYTES; k < _METRICS_KIND_MAX; k++) {
                char name[96], help[256];
                bool any = false;

                snprintf(name, sizeof(name), "cgpolicyd_property_%s_%s", applied ? "applied" : "desired",
                         kind_unit[k]);
                snprintf(help, sizeof(help),
                         applied ? "Value read back from the cgroup for a managed property (%s)."
                                 : "Value the policies and overrides ask for, per managed property (%s).",
                         kind_unit[k]);
                for (size_t i = 0; i < s->n_units; i++)
                        for (PropertyId id = 0; id < _PROP_MAX; id++) {
                                const MetricsProp *mp = &s->units[i].props[id];

                                if (!mp->managed || metrics_property_kind(property_get(id)) != k ||
                                    !(applied ? mp->has_applied : mp->has_desired))
                                        continue;
                                if (!any)
                                        family(o, name, FAMILY_GAUGE, kind_is_unit[k] ? kind_unit[k] : "", help);
                                any = true;
                                const char *labels[] = {"unit", s->units[i].name, "property",
                                                        property_get(id)->name, NULL};
                                sample(o, name, "", labels, applied ? mp->applied : mp->desired);
                        }
        }
}

static void histogram(Out *o, const char *name, const char *help, const MetricsHistogram *h) {
        uint64_t cum = 0;
        char le[32];

        family(o, name, FAMILY_HISTOGRAM, "seconds", help);
        for (size_t i = 0; i <= METRICS_N_BUCKETS; i++) {
                cum += h->bucket[i];
                if (i < METRICS_N_BUCKETS)
                        /* OpenMetrics wants canonical floats: "1.0", not "1" */
                        snprintf(le, sizeof(le), metrics_bucket_bounds[i] == (double)(int64_t)metrics_bucket_bounds[i]
                                                         ? "%.1f"
                                                         : "%g",
                                 metrics_bucket_bounds[i]);
                else
                        snprintf(le, sizeof(le), "+Inf");
                const char *labels[] = {"le", le, NULL};
                sample(o, name, "_bucket", labels, (double)cum);
        }
        sample(o, name, "_sum", NULL, (double)h->sum_usec / 1e6);
        sample(o, name, "_count", NULL, (double)h->count);
}

/* One PSI family's samples, per unit and resource: "some" (k 0) or "full" (k 1),
 * avg10 as a ratio or the total stall in seconds. */
static void psi_samples(Out *o, const MetricsSnapshot *s, int k, const char *name, bool total) {
        for (size_t i = 0; i < s->n_units; i++)
                for (PressureResource r = 0; r < _RES_MAX; r++) {
                        const PsiPressure *p = &s->units[i].psi[r];
                        const PsiStats *l = k ? &p->full : &p->some;

                        if (!(k ? p->has_full : p->has_some))
                                continue;
                        const char *labels[] = {"unit", s->units[i].name, "resource",
                                                pressure_resource_to_string(r), NULL};
                        if (total)
                                sample(o, name, "_total", labels, (double)l->total / 1e6);
                        else
                                sample(o, name, "", labels, (double)l->avg10 / 10000.0);
                }
}

static void render(Out *o, const MetricsSnapshot *s) {
        static const char *const kinds[2] = {"some", "full"};
        const char *const *sn = s->status_names;

        family(o, "cgpolicyd_units", FAMILY_GAUGE, "", "Units (services, scopes, slices) under the watched slices.");
        sample(o, "cgpolicyd_units", "", NULL, (double)s->n_units);

        property_families(o, s, false);
        property_families(o, s, true);

        family(o, "cgpolicyd_property_readback", FAMILY_GAUGE, "",
               "Read-back state of a managed property: 1 for the state it is in, 0 for the others.");
        for (size_t i = 0; i < s->n_units; i++)
                for (PropertyId id = 0; id < _PROP_MAX; id++) {
                        const MetricsProp *mp = &s->units[i].props[id];

                        if (!mp->managed || mp->status < 0)
                                continue;
                        for (int k = 0; sn && sn[k]; k++) {
                                const char *labels[] = {"unit", s->units[i].name, "property", property_get(id)->name,
                                                        "status", sn[k], NULL};
                                sample(o, "cgpolicyd_property_readback", "", labels, k == mp->status);
                        }
                }

        family(o, "cgpolicyd_drift_reassertions", FAMILY_COUNTER, "",
               "Times a managed value was changed behind cgpolicyd's back and written again.");
        for (size_t i = 0; i < s->n_units; i++)
                for (PropertyId id = 0; id < _PROP_MAX; id++) {
                        const MetricsProp *mp = &s->units[i].props[id];

                        if (!mp->reassertions)
                                continue;
                        const char *labels[] = {"unit", s->units[i].name, "property", property_get(id)->name, NULL};
                        sample(o, "cgpolicyd_drift_reassertions", "_total", labels, (double)mp->reassertions);
                }

        family(o, "cgpolicyd_memory_current_bytes", FAMILY_GAUGE, "bytes", "memory.current of the unit's cgroup.");
        for (size_t i = 0; i < s->n_units; i++)
                if (s->units[i].has_memory_current) {
                        const char *labels[] = {"unit", s->units[i].name, NULL};
                        sample(o, "cgpolicyd_memory_current_bytes", "", labels,
                               (double)s->units[i].memory_current);
                }

        for (int k = 0; k < 2; k++) {
                char name[64], help[160];

                snprintf(name, sizeof(name), "cgpolicyd_pressure_%s_avg10_ratio", kinds[k]);
                snprintf(help, sizeof(help), "PSI \"%s\" avg10 of the unit's cgroup, as a ratio (0.05 = 5%%).",
                         kinds[k]);
                family(o, name, FAMILY_GAUGE, "ratio", help);
                psi_samples(o, s, k, name, false);
        }
        for (int k = 0; k < 2; k++) {
                char name[64], help[160];

                snprintf(name, sizeof(name), "cgpolicyd_pressure_%s_stall_seconds", kinds[k]);
                snprintf(help, sizeof(help), "PSI \"%s\" total stall time of the unit's cgroup.", kinds[k]);
                family(o, name, FAMILY_COUNTER, "seconds", help);
                psi_samples(o, s, k, name, true);
        }

        family(o, "cgpolicyd_throttled", FAMILY_GAUGE, "",
               "1 while the pressure loop holds an adjustment on the unit, else 0.");
        for (size_t i = 0; i < s->n_units; i++) {
                const char *labels[] = {"unit", s->units[i].name, NULL};
                sample(o, "cgpolicyd_throttled", "", labels, s->units[i].throttled);
        }

        family(o, "cgpolicyd_pressure_decisions", FAMILY_COUNTER, "",
               "Pressure loop decisions (dry-run ones too), by resource and action.");
        for (PressureResource r = 0; r < _RES_MAX; r++)
                for (MetricsAction a = 0; a < _METRICS_ACTION_MAX; a++) {
                        const char *labels[] = {"resource", pressure_resource_to_string(r), "action",
                                                metrics_action_to_string(a), NULL};
                        sample(o, "cgpolicyd_pressure_decisions", "_total", labels, (double)s->decisions[r][a]);
                }

        histogram(o, "cgpolicyd_apply_latency_seconds",
                  "From a change being decided (call, reload, drift, discovery) to its write being done.",
                  &s->apply_latency);
        histogram(o, "cgpolicyd_pressure_reaction_seconds",
                  "From a PSI trigger to the first adjustment it caused being written.", &s->pressure_reaction);
        histogram(o, "cgpolicyd_pressure_tick_seconds",
                  "One tick of the pressure loop: reading what it decides on, deciding, writing.",
                  &s->pressure_tick);

        family(o, "cgpolicyd_authorization_denials", FAMILY_COUNTER, "",
               "State-changing calls refused for want of authorization (polkit said no, or was not asked).");
        sample(o, "cgpolicyd_authorization_denials", "_total", NULL, (double)s->authorization_denials);

        family(o, "cgpolicyd_policy_reloads", FAMILY_COUNTER, "", "Policy reloads, by result.");
        {
                const char *ok[] = {"result", "success", NULL}, *bad[] = {"result", "failure", NULL};
                sample(o, "cgpolicyd_policy_reloads", "_total", ok, (double)s->reloads_succeeded);
                sample(o, "cgpolicyd_policy_reloads", "_total", bad, (double)s->reloads_failed);
        }

        family(o, "cgpolicyd_policy_generation", FAMILY_GAUGE, "",
               "Generation of the policy set in force: 1 at start, one more per successful reload.");
        sample(o, "cgpolicyd_policy_generation", "", NULL, (double)s->policy_generation);

        if (o->format == METRICS_OPENMETRICS)
                fputs("# EOF\n", o->f);
}

int metrics_render(const MetricsSnapshot *s, MetricsFormat f, char **ret) {
        char *buf = NULL;
        size_t size = 0;
        Out o = {.format = f};

        if (!s || !ret || f < 0 || f >= _METRICS_FORMAT_MAX)
                return -EINVAL;
        o.f = open_memstream(&buf, &size);
        if (!o.f)
                return -ENOMEM;
        render(&o, s);
        if (ferror(o.f)) {
                fclose(o.f);
                free(buf);
                return -ENOMEM;
        }
        if (fclose(o.f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        return 0;
}
