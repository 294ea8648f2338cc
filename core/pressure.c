/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The pressure controller: a pure state machine per resource (idle, throttling,
 * relaxing) that turns PSI readings into stepwise adjustments of the pressure
 * layer. The rules are documented in pressure.h. */

#define _GNU_SOURCE 1 /* asprintf, qsort_r */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "macro.h"
#include "pressure.h"
#include "value.h"

#define NEVER USEC_INFINITY
/* A shorter interval would have the daemon spin; the policy parser refuses it too. */
#define MIN_INTERVAL_USEC (10 * USEC_PER_MSEC)

typedef enum Band {
        BAND_CALM,      /* under the calm threshold (or nothing known) */
        BAND_NEUTRAL,   /* between calm and the trigger: hold what we have */
        BAND_PRESSURED, /* trigger fired or avg10 above its stall/window share */
} Band;

typedef enum Action {
        ACTION_NONE,
        ACTION_SQUEEZE, /* one throttling step */
        ACTION_RELAX,   /* one relaxing step */
} Action;

typedef enum Role {
        ROLE_NONE,  /* the controller does not touch this property of this unit */
        ROLE_LOWER, /* sheddable: MemoryHigh, CPUWeight, IOWeight go down under pressure */
        ROLE_RAISE, /* protected: MemoryLow goes up under pressure */
} Role;

static const char *const phase_names[_PRESSURE_PHASE_MAX] = {
        [PRESSURE_PHASE_IDLE] = "idle",
        [PRESSURE_PHASE_THROTTLING] = "throttling",
        [PRESSURE_PHASE_RELAXING] = "relaxing",
};

/* Properties per resource, in the order decisions are made. */
static const PropertyId resource_props[_RES_MAX][2] = {
        [RES_MEMORY] = {PROP_MEMORY_HIGH, PROP_MEMORY_LOW},
        [RES_CPU] = {PROP_CPU_WEIGHT, _PROP_INVALID},
        [RES_IO] = {PROP_IO_WEIGHT, _PROP_INVALID},
};

int pressure_property_resource(PropertyId id) {
        for (PressureResource r = 0; r < _RES_MAX; r++)
                for (size_t k = 0; k < ELEMENTSOF(resource_props[r]); k++)
                        if (resource_props[r][k] == id && id != _PROP_INVALID)
                                return r;
        return -1;
}

const char *pressure_phase_to_string(PressurePhase p) {
        if (p < 0 || p >= _PRESSURE_PHASE_MAX)
                return NULL;
        return phase_names[p];
}

uint64_t pressure_default_value(PropertyId id) {
        switch (id) {
        case PROP_MEMORY_HIGH:
                return UINT64_MAX;
        case PROP_CPU_WEIGHT:
        case PROP_IO_WEIGHT:
                return 100;
        default:
                return 0;
        }
}

void pressure_unit_init(PressureUnit *u, const char *name, PolicyClass class, uint64_t memory_current) {
        *u = (PressureUnit){
                .name = name,
                .class = class,
                .memory_current = memory_current,
                .memory_anon = UINT64_MAX,
                .memory_high = pressure_default_value(PROP_MEMORY_HIGH),
                .memory_low = pressure_default_value(PROP_MEMORY_LOW),
                .cpu_weight = pressure_default_value(PROP_CPU_WEIGHT),
                .io_weight = pressure_default_value(PROP_IO_WEIGHT),
        };
}

void pressure_controller_init(PressureController *c, bool freeze) {
        *c = (PressureController){.freeze = freeze};
        for (PressureResource r = 0; r < _RES_MAX; r++)
                c->res[r] = (PressureResourceState){
                        .phase = PRESSURE_PHASE_IDLE,
                        .last_step_usec = NEVER,
                        .calm_since_usec = NEVER,
                        .floor_since_usec = NEVER,
                };
}

static void decision_done(PressureDecision *d) {
        free(d->unit);
        free(d->reason);
}

void pressure_result_done(PressureResult *r) {
        if (!r)
                return;
        for (size_t i = 0; i < r->n_decisions; i++)
                decision_done(&r->decisions[i]);
        free(r->decisions);
        *r = (PressureResult){};
}

int pressure_decision_apply(const PressureDecision *d, PropSet *adjustment) {
        if (!d || !adjustment)
                return -EINVAL;
        switch (d->property) {
        case _PROP_INVALID:
                return 0; /* freeze/thaw: not a property */
        case PROP_MEMORY_HIGH:
        case PROP_MEMORY_LOW:
        case PROP_CPU_WEIGHT:
        case PROP_IO_WEIGHT:
                break;
        default:
                return -EINVAL;
        }
        if (d->drop)
                prop_set_unset(adjustment, d->property);
        else {
                PropValue v = {.u = d->new_value};
                prop_set_put(adjustment, d->property, &v);
        }
        return 0;
}

/* ---- arithmetic ---- */

static uint64_t u64_min(uint64_t a, uint64_t b) {
        return a < b ? a : b;
}

static uint64_t u64_max(uint64_t a, uint64_t b) {
        return a > b ? a : b;
}

static uint64_t sat_add(uint64_t a, uint64_t b) {
        return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t page_down(uint64_t v) {
        return v / PRESSURE_PAGE_SIZE * PRESSURE_PAGE_SIZE;
}

static bool is_memory(PropertyId id) {
        return id == PROP_MEMORY_HIGH || id == PROP_MEMORY_LOW;
}

/* How far one step moves from v: `step` permyriad of v, page aligned for
 * memory, and at least one page or one weight unit so every step makes progress. */
static uint64_t step_of(PropertyId id, uint64_t v, uint64_t step) {
        uint64_t d = (uint64_t)((unsigned __int128)v * step / 10000);
        if (is_memory(id))
                return u64_max(page_down(d), PRESSURE_PAGE_SIZE);
        return u64_max(d, 1);
}

/* ---- text for reasons (fixed buffers: reasons must not fail on their own) ---- */

typedef char ValueText[48];

static const char *fmt_value(ValueText buf, PropertyId id, uint64_t v) {
        if (is_memory(id)) {
                _cleanup_free_ char *s = NULL;
                if (format_size(v, &s) >= 0 && strlen(s) < sizeof(ValueText)) {
                        strcpy(buf, s);
                        return buf;
                }
                if (v == UINT64_MAX)
                        return "infinity";
        } else if (id == PROP_CPU_WEIGHT && v == 0)
                return "idle";
        snprintf(buf, sizeof(ValueText), "%" PRIu64, v);
        return buf;
}

/* Permyriad as a percentage, trimmed: 1000 → "10%", 1250 → "12.5%". */
static const char *fmt_share(ValueText buf, uint64_t p) {
        if (p % 100 == 0)
                snprintf(buf, sizeof(ValueText), "%" PRIu64 "%%", p / 100);
        else if (p % 10 == 0)
                snprintf(buf, sizeof(ValueText), "%" PRIu64 ".%" PRIu64 "%%", p / 100, p % 100 / 10);
        else
                snprintf(buf, sizeof(ValueText), "%" PRIu64 ".%02" PRIu64 "%%", p / 100, p % 100);
        return buf;
}

/* Permyriad as the kernel prints averages: "23.40%". */
static const char *fmt_avg(ValueText buf, uint64_t p) {
        snprintf(buf, sizeof(ValueText), "%" PRIu64 ".%02" PRIu64 "%%", p / 100, p % 100);
        return buf;
}

static const char *fmt_duration(ValueText buf, uint64_t usec) {
        _cleanup_free_ char *s = NULL;
        if (format_duration(usec, &s) >= 0 && strlen(s) < sizeof(ValueText))
                strcpy(buf, s);
        else
                snprintf(buf, sizeof(ValueText), "%" PRIu64 "us", usec);
        return buf;
}

static const char *kind_name(PsiKind k) {
        return k == PSI_FULL ? "full" : "some";
}

_printf_(2, 3) static int set_reason(char **reason, const char *fmt, ...) {
        char *s;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        free(*reason);
        *reason = s;
        return 0;
}

/* ---- decisions ---- */

typedef struct Decisions {
        PressureDecision *items;
        size_t n, allocated;
} Decisions;

static void decisions_done(Decisions *d) {
        for (size_t i = 0; i < d->n; i++)
                decision_done(&d->items[i]);
        free(d->items);
        *d = (Decisions){};
}

/* Takes *reason on success. */
static int decisions_add(Decisions *d, const PressureUnit *units, size_t idx, PressureResource res,
                         PropertyId id, uint64_t old_value, uint64_t new_value, bool drop, bool dry_run,
                         char **reason) {
        if (d->n == d->allocated) {
                size_t a = d->allocated ? d->allocated * 2 : 16;
                PressureDecision *p = reallocarray(d->items, a, sizeof(PressureDecision));
                if (!p)
                        return -ENOMEM;
                d->items = p;
                d->allocated = a;
        }
        char *name = strdup(units[idx].name);
        if (!name)
                return -ENOMEM;
        d->items[d->n++] = (PressureDecision){
                .unit = name,
                .unit_index = idx,
                .resource = res,
                .property = id,
                .old_value = old_value,
                .new_value = new_value,
                .drop = drop,
                .dry_run = dry_run,
                .reason = TAKE_PTR(*reason),
        };
        return 0;
}

/* ---- per-unit inputs ---- */

static Role unit_role(const PressureUnit *u, PropertyId id) {
        if (id == PROP_MEMORY_LOW)
                return u->class == CLASS_PROTECTED ? ROLE_RAISE : ROLE_NONE;
        return u->class == CLASS_SHEDDABLE ? ROLE_LOWER : ROLE_NONE;
}

static uint64_t unit_configured(const PressureUnit *u, PropertyId id) {
        switch (id) {
        case PROP_MEMORY_HIGH:
                return u->memory_high;
        case PROP_MEMORY_LOW:
                return u->memory_low;
        case PROP_CPU_WEIGHT:
                return u->cpu_weight;
        case PROP_IO_WEIGHT:
                return u->io_weight;
        default:
                return 0;
        }
}

static uint64_t page_up(uint64_t v) {
        return v > UINT64_MAX - (PRESSURE_PAGE_SIZE - 1) ? page_down(v) : page_down(v + PRESSURE_PAGE_SIZE - 1);
}

uint64_t pressure_headroom(uint64_t available, uint64_t total, uint64_t own_anon, uint64_t claims, uint64_t floor) {
        uint64_t reserve = u64_max(PRESSURE_HEADROOM_MIN_RESERVE,
                                   (uint64_t)((unsigned __int128)total * PRESSURE_HEADROOM_RESERVE_PERMYRIAD / 10000));
        uint64_t have = sat_add(available, own_anon), take = sat_add(claims, reserve);

        return u64_max(page_down(have > take ? have - take : 0), page_up(floor));
}

static uint64_t unit_floor(const PressureUnit *u, PropertyId id) {
        if (u->floor && u->floor->has[id] && !u->floor->v[id].reset)
                return u->floor->v[id].u;
        return id == PROP_MEMORY_HIGH ? PRESSURE_DEFAULT_MEMORY_FLOOR : PRESSURE_DEFAULT_WEIGHT_FLOOR;
}

/* What a squeeze cannot take without swap: anonymous memory plus the margin. 0
 * when there is swap or anon is unknown. */
static uint64_t unit_unreclaimable(const PressureUnit *u, PropertyId id) {
        if (id != PROP_MEMORY_HIGH || u->swap || u->memory_anon == UINT64_MAX)
                return 0;
        return page_up(sat_add(u->memory_anon, PRESSURE_ANON_MARGIN));
}

static bool unit_adjustment(const PressureUnit *u, PropertyId id, uint64_t *ret) {
        if (!u->adjustment || !u->adjustment->has[id])
                return false;
        /* We never store a reset; should one appear it means the default. */
        *ret = u->adjustment->v[id].reset ? pressure_default_value(id) : u->adjustment->v[id].u;
        return true;
}

/* ---- one resource ---- */

typedef struct Tick {
        PressureResource res;
        const PressureConfig *cfg;
        bool active; /* section present and mode not off */
        bool dry_run;
        Action action;
        const char *cause; /* why we squeeze or relax, for reasons */
} Tick;

static const PsiStats *psi_stats(const PsiPressure *p, PsiKind kind) {
        if (kind == PSI_FULL)
                return p->has_full ? &p->full : NULL;
        return p->has_some ? &p->some : NULL;
}

static const PsiStats *signal_stats(const PressureSignal *sig, PsiKind kind) {
        return sig->has_psi ? psi_stats(&sig->psi, kind) : NULL;
}

static const PsiStats *slice_stats(const PressureSignal *sig, PsiKind kind) {
        return sig->has_slice ? psi_stats(&sig->slice, kind) : NULL;
}

static uint64_t stats_avg(const PsiStats *s, unsigned avg) {
        return avg == 300 ? s->avg300 : avg == 60 ? s->avg60 : s->avg10;
}

/* The trigger as a share of time, comparable to avg10: 150ms per 1s → 1500. */
static uint64_t trigger_share(const PressureConfig *cfg) {
        if (cfg->trigger_window_usec == 0)
                return UINT64_MAX;
        return (uint64_t)((unsigned __int128)cfg->trigger_stall_usec * 10000 / cfg->trigger_window_usec);
}

/* Which input made the band: the reason names it. */
typedef enum Why {
        WHY_SIGNAL,      /* the protected units' (or the slice's, when it is the signal) */
        WHY_SLICE_FULL,  /* the slice's full stall */
        WHY_SLICE_ONSET, /* the slice's trigger kind, nothing squeezed yet */
} Why;

static Band classify(const PressureConfig *cfg, const PressureSignal *sig, bool squeezed, Why *why) {
        const PsiStats *t = signal_stats(sig, cfg->trigger_kind), *c = signal_stats(sig, cfg->calm_kind);
        const PsiStats *sf = slice_stats(sig, PSI_FULL), *st = slice_stats(sig, cfg->trigger_kind),
                       *sc = slice_stats(sig, cfg->calm_kind);
        uint64_t share = trigger_share(cfg);

        *why = WHY_SIGNAL;
        if (sig->triggered || (t && t->avg10 > share))
                return BAND_PRESSURED;
        if (sf && sf->avg10 > share) {
                *why = WHY_SLICE_FULL;
                return BAND_PRESSURED;
        }
        if (!squeezed && (sig->slice_triggered || (st && st->avg10 > share))) {
                *why = WHY_SLICE_ONSET;
                return BAND_PRESSURED;
        }
        if ((!c || stats_avg(c, cfg->calm_avg) < cfg->calm_threshold) &&
            (!sc || stats_avg(sc, cfg->calm_avg) < cfg->calm_threshold))
                return BAND_CALM;
        return BAND_NEUTRAL;
}

static int describe_cause(const Tick *x, const PressureSignal *sig, Band band, Why why, char **ret) {
        const PressureConfig *cfg = x->cfg;
        const char *res = pressure_resource_to_string(x->res);
        ValueText a, b, c;
        char *s = NULL;
        int r;

        if (band == BAND_PRESSURED && why == WHY_SLICE_FULL)
                r = asprintf(&s, "%s full avg10=%s in the slice > trigger %s", res,
                             fmt_avg(a, slice_stats(sig, PSI_FULL)->avg10), fmt_share(b, trigger_share(cfg)));
        else if (band == BAND_PRESSURED && why == WHY_SLICE_ONSET) {
                const PsiStats *t = slice_stats(sig, cfg->trigger_kind);
                if (sig->slice_triggered)
                        r = asprintf(&s, "%s %s trigger fired in the slice (%s in %s), nothing squeezed yet", res,
                                     kind_name(cfg->trigger_kind), fmt_duration(a, cfg->trigger_stall_usec),
                                     fmt_duration(b, cfg->trigger_window_usec));
                else
                        r = asprintf(&s, "%s %s avg10=%s in the slice > trigger %s, nothing squeezed yet", res,
                                     kind_name(cfg->trigger_kind), fmt_avg(a, t->avg10),
                                     fmt_share(b, trigger_share(cfg)));
        } else if (band == BAND_PRESSURED) {
                const PsiStats *t = signal_stats(sig, cfg->trigger_kind);
                if (!sig->triggered)
                        r = asprintf(&s, "%s %s avg10=%s > trigger %s", res, kind_name(cfg->trigger_kind),
                                     fmt_avg(a, t->avg10), fmt_share(b, trigger_share(cfg)));
                else if (t)
                        r = asprintf(&s, "%s %s trigger fired (%s in %s), avg10=%s", res,
                                     kind_name(cfg->trigger_kind), fmt_duration(a, cfg->trigger_stall_usec),
                                     fmt_duration(b, cfg->trigger_window_usec), fmt_avg(c, t->avg10));
                else
                        r = asprintf(&s, "%s %s trigger fired (%s in %s)", res, kind_name(cfg->trigger_kind),
                                     fmt_duration(a, cfg->trigger_stall_usec),
                                     fmt_duration(b, cfg->trigger_window_usec));
        } else {
                const PsiStats *t = signal_stats(sig, cfg->calm_kind);
                if (t)
                        r = asprintf(&s, "%s %s avg%u=%s < %s for %s", res, kind_name(cfg->calm_kind),
                                     cfg->calm_avg, fmt_avg(a, stats_avg(t, cfg->calm_avg)),
                                     fmt_share(b, cfg->calm_threshold), fmt_duration(c, cfg->hold_usec));
                else
                        r = asprintf(&s, "%s: no pressure data and no trigger for %s", res,
                                     fmt_duration(c, cfg->hold_usec));
        }
        if (r < 0)
                return -ENOMEM;
        *ret = s;
        return 0;
}

/* Decides one property of one unit: leftovers dropped or clamped, then the
 * step of this tick. Reports whether an adjustment remains and whether a
 * sheddable unit has nothing left to give. */
static int decide(const Tick *x, const PressureUnit *units, size_t idx, PropertyId id, Decisions *out,
                  bool *ret_adjusted, bool *ret_exhausted) {
        const PressureUnit *u = &units[idx];
        const Property *p = property_get(id);
        Role role = unit_role(u, id);
        uint64_t configured = unit_configured(u, id), adj = 0, step = x->cfg->step;
        bool had = unit_adjustment(u, id, &adj);
        uint64_t old = had ? adj : configured, cur = old;
        bool adjusted = had, exhausted = false;
        _cleanup_free_ char *reason = NULL;
        ValueText a, b, c, e;
        int r = 0;

        if (!x->active || role == ROLE_NONE) {
                if (had) {
                        if (!x->active)
                                r = set_reason(&reason,
                                               "%s pressure handling is off: back to configured %s=%s",
                                               pressure_resource_to_string(x->res), p->name,
                                               fmt_value(a, id, configured));
                        else
                                r = set_reason(&reason, "unit is no longer %s: back to configured %s=%s",
                                               role == ROLE_NONE && id == PROP_MEMORY_LOW ? "protected"
                                                                                          : "sheddable",
                                               p->name, fmt_value(a, id, configured));
                        if (r < 0)
                                return r;
                        r = decisions_add(out, units, idx, x->res, id, adj, configured, true,
                                          x->active && x->dry_run, &reason);
                        if (r < 0)
                                return r;
                }
                *ret_adjusted = false;
                *ret_exhausted = false;
                return 0;
        }

        uint64_t floor = role == ROLE_LOWER ? unit_floor(u, id) : 0;
        uint64_t unshed = role == ROLE_LOWER ? unit_unreclaimable(u, id) : 0;

        /* Leftovers that the configuration has overtaken. */
        if (had && role == ROLE_LOWER) {
                if (adj >= configured) {
                        cur = configured;
                        adjusted = false;
                        r = set_reason(&reason,
                                       "configured %s=%s is at or below the adjustment: back to configured",
                                       p->name, fmt_value(a, id, configured));
                } else if (adj < floor) {
                        cur = u64_min(floor, configured);
                        adjusted = cur < configured;
                        r = set_reason(&reason, "floor %s=%s is above the adjustment: %s", p->name,
                                       fmt_value(a, id, floor),
                                       adjusted ? "raise to floor" : "back to configured");
                }
        } else if (had && role == ROLE_RAISE && adj <= configured) {
                cur = configured;
                adjusted = false;
                r = set_reason(&reason, "configured %s=%s is at or above the adjustment: back to configured",
                               p->name, fmt_value(a, id, configured));
        }
        if (r < 0)
                return r;

        if (x->action == ACTION_SQUEEZE && role == ROLE_LOWER) {
                /* Start from what the unit actually uses when that is less than its
                 * limit, so the first step bites even under an infinite limit. */
                uint64_t base = cur;
                if (id == PROP_MEMORY_HIGH)
                        base = u64_min(base, u->memory_current);
                if (base != UINT64_MAX) {
                        uint64_t t = base - u64_min(base, step_of(id, base, step));
                        if (id == PROP_MEMORY_HIGH)
                                t = page_down(t);
                        t = u64_max(t, floor);
                        if (t < unshed) {
                                /* the rest is anonymous memory with nowhere to go */
                                t = unshed;
                                if (t < cur)
                                        r = set_reason(&reason,
                                                       "%s: step %s, held at anonymous usage %s + %s "
                                                       "(no swap; floor %s)",
                                                       x->cause, fmt_share(a, step),
                                                       fmt_value(b, id, u->memory_anon),
                                                       fmt_value(c, id, PRESSURE_ANON_MARGIN),
                                                       fmt_value(e, id, floor));
                        } else if (t < cur)
                                r = set_reason(&reason, "%s: step %s (floor %s)", x->cause,
                                               fmt_share(a, step), fmt_value(b, id, floor));
                        if (t < cur) {
                                cur = t;
                                adjusted = true;
                        }
                }
        } else if (x->action == ACTION_SQUEEZE && role == ROLE_RAISE) {
                /* Protect what the unit uses now, step-wise, never more. */
                if (u->memory_current != UINT64_MAX) {
                        uint64_t bound = page_down(u->memory_current);
                        if (cur < bound && bound - cur >= PRESSURE_MIN_LOW_STEP) {
                                cur = u64_min(bound, sat_add(cur, step_of(id, u->memory_current, step)));
                                adjusted = true;
                                r = set_reason(&reason, "%s: protect %s of usage %s (up to %s)", x->cause,
                                               fmt_share(a, step), fmt_value(b, id, u->memory_current),
                                               fmt_value(c, id, bound));
                        }
                }
        } else if (x->action == ACTION_RELAX && adjusted && role == ROLE_LOWER) {
                uint64_t t = sat_add(cur, step_of(id, cur, step));
                /* An infinite limit cannot be reached step-wise: stop once the
                 * limit no longer holds the unit back. */
                bool loose = id == PROP_MEMORY_HIGH && configured == UINT64_MAX &&
                             (u->memory_current == UINT64_MAX ||
                              u->memory_current < cur - u64_min(cur, step_of(id, cur, step)));
                if (loose) {
                        r = set_reason(&reason,
                                       "%s: usage %s is more than a step below %s=%s: back to configured %s",
                                       x->cause,
                                       u->memory_current == UINT64_MAX ? "unknown"
                                                                       : fmt_value(a, id, u->memory_current),
                                       p->name, fmt_value(b, id, cur), fmt_value(c, id, configured));
                        cur = configured;
                        adjusted = false;
                } else if (t >= configured) {
                        cur = configured;
                        adjusted = false;
                        r = set_reason(&reason, "%s: relax %s, back to configured %s", x->cause,
                                       fmt_share(a, step), fmt_value(b, id, configured));
                } else {
                        cur = t;
                        r = set_reason(&reason, "%s: relax %s (configured %s)", x->cause, fmt_share(a, step),
                                       fmt_value(b, id, configured));
                }
        } else if (x->action == ACTION_RELAX && adjusted && role == ROLE_RAISE) {
                uint64_t d = step_of(id, u->memory_current != UINT64_MAX ? u->memory_current : cur, step);
                if (cur <= sat_add(configured, d)) {
                        cur = configured;
                        adjusted = false;
                        r = set_reason(&reason, "%s: relax %s of usage, back to configured %s", x->cause,
                                       fmt_share(a, step), fmt_value(b, id, configured));
                } else {
                        cur -= d;
                        r = set_reason(&reason, "%s: relax %s of usage (configured %s)", x->cause,
                                       fmt_share(a, step), fmt_value(b, id, configured));
                }
        }
        if (r < 0)
                return r;

        if (role == ROLE_LOWER)
                exhausted = cur <= u64_max(floor, unshed) ||
                            (id == PROP_MEMORY_HIGH && u64_min(cur, u->memory_current) == UINT64_MAX);

        if (had != adjusted || (adjusted && cur != adj)) {
                r = decisions_add(out, units, idx, x->res, id, old, adjusted ? cur : configured, !adjusted,
                                  x->dry_run, &reason);
                if (r < 0)
                        return r;
        }

        *ret_adjusted = adjusted;
        *ret_exhausted = exhausted;
        return 0;
}

static bool any_adjustment(const PressureUnit *units, size_t n, PressureResource res) {
        for (size_t i = 0; i < n; i++)
                for (size_t k = 0; k < ELEMENTSOF(resource_props[res]); k++) {
                        PropertyId id = resource_props[res][k];
                        if (id != _PROP_INVALID && units[i].adjustment && units[i].adjustment->has[id])
                                return true;
                }
        return false;
}

/* A sheddable unit held below its configured value for this resource (by us, or
 * for memory by the headroom). */
static bool any_squeeze(const PressureUnit *units, size_t n, PressureResource res) {
        for (size_t i = 0; i < n; i++)
                if (units[i].class == CLASS_SHEDDABLE) {
                        if (res == RES_MEMORY && units[i].held)
                                return true;
                        for (size_t k = 0; k < ELEMENTSOF(resource_props[res]); k++) {
                                PropertyId id = resource_props[res][k];
                                if (id != _PROP_INVALID && units[i].adjustment && units[i].adjustment->has[id])
                                        return true;
                        }
                }
        return false;
}

static void state_reset(PressureResourceState *s) {
        s->phase = PRESSURE_PHASE_IDLE;
        s->last_step_usec = s->calm_since_usec = s->floor_since_usec = NEVER;
        s->escalated = false;
}

static int tick_resource(PressureController *c, PressureResource res, uint64_t now,
                         const PressureConfig *cfg, const PressureSignal *sig, const PressureUnit *units,
                         const size_t *order, size_t n, Decisions *out, PressureResource *want_frozen,
                         uint64_t *ret_next) {
        PressureResourceState *s = &c->res[res];
        Tick x = {
                .res = res,
                .cfg = cfg,
                .active = cfg->enabled && cfg->mode >= 0 && cfg->mode < PRESSURE_OFF,
                .dry_run = cfg->mode == PRESSURE_DRY_RUN,
        };
        uint64_t interval = u64_max(cfg->interval_usec, MIN_INTERVAL_USEC);
        _cleanup_free_ char *cause = NULL;
        Band band = BAND_CALM;
        Why why = WHY_SIGNAL;
        int r;

        /* The clock is monotonic; should a caller go back anyway, restart the
         * clocks rather than wait for the old times to come round again. */
        if (s->last_step_usec != NEVER && s->last_step_usec > now)
                s->last_step_usec = now;
        if (s->calm_since_usec != NEVER && s->calm_since_usec > now)
                s->calm_since_usec = now;
        if (s->floor_since_usec != NEVER && s->floor_since_usec > now)
                s->floor_since_usec = now;

        if (!x.active)
                state_reset(s);
        else {
                band = classify(cfg, sig, any_squeeze(units, n, res), &why);
                switch (band) {
                case BAND_PRESSURED:
                        if (s->phase != PRESSURE_PHASE_THROTTLING) {
                                s->phase = PRESSURE_PHASE_THROTTLING;
                                s->last_step_usec = NEVER;
                        }
                        s->calm_since_usec = NEVER;
                        if (s->last_step_usec == NEVER || now - s->last_step_usec >= interval) {
                                x.action = ACTION_SQUEEZE;
                                s->last_step_usec = now;
                        }
                        break;
                case BAND_NEUTRAL:
                        /* Not bad enough to squeeze further, not calm enough to give back. */
                        s->calm_since_usec = NEVER;
                        if (s->phase == PRESSURE_PHASE_RELAXING ||
                            (s->phase == PRESSURE_PHASE_IDLE && any_adjustment(units, n, res))) {
                                s->phase = PRESSURE_PHASE_THROTTLING;
                                s->last_step_usec = NEVER;
                        }
                        break;
                case BAND_CALM:
                        if (s->phase == PRESSURE_PHASE_IDLE && any_adjustment(units, n, res)) {
                                /* Leftovers without history (e.g. after a restart): give them back
                                 * the normal way. */
                                s->phase = PRESSURE_PHASE_THROTTLING;
                                s->last_step_usec = NEVER;
                        }
                        if (s->phase == PRESSURE_PHASE_THROTTLING) {
                                if (s->calm_since_usec == NEVER)
                                        s->calm_since_usec = now;
                                if (now - s->calm_since_usec >= cfg->hold_usec) {
                                        s->phase = PRESSURE_PHASE_RELAXING;
                                        s->last_step_usec = NEVER;
                                }
                        }
                        if (s->phase == PRESSURE_PHASE_RELAXING &&
                            (s->last_step_usec == NEVER || now - s->last_step_usec >= interval)) {
                                x.action = ACTION_RELAX;
                                s->last_step_usec = now;
                        }
                        break;
                }
                if (x.action != ACTION_NONE) {
                        r = describe_cause(&x, sig, band, why, &cause);
                        if (r < 0)
                                return r;
                        x.cause = cause;
                }
        }

        bool adjusted_any = false, exhausted_all = true, shed_any = false;
        bool *exhausted = calloc(n ?: 1, sizeof(bool));
        if (!exhausted)
                return -ENOMEM;
        for (size_t k = 0; k < ELEMENTSOF(resource_props[res]); k++) {
                PropertyId id = resource_props[res][k];
                if (id == _PROP_INVALID)
                        continue;
                for (size_t j = 0; j < n; j++) {
                        size_t i = order[j];
                        bool adjusted, ex;
                        r = decide(&x, units, i, id, out, &adjusted, &ex);
                        if (r < 0) {
                                free(exhausted);
                                return r;
                        }
                        adjusted_any = adjusted_any || adjusted;
                        if (x.active && unit_role(&units[i], id) == ROLE_LOWER) {
                                shed_any = true;
                                exhausted_all = exhausted_all && ex;
                                exhausted[i] = ex;
                        }
                }
        }

        if (s->phase == PRESSURE_PHASE_RELAXING && !adjusted_any)
                state_reset(s);

        /* Escalation: squeezing is exhausted and the pressure stays. */
        if (c->freeze && s->phase == PRESSURE_PHASE_THROTTLING && band != BAND_CALM && shed_any &&
            exhausted_all) {
                if (s->floor_since_usec == NEVER)
                        s->floor_since_usec = now;
                if (now - s->floor_since_usec >= cfg->hold_usec)
                        s->escalated = true;
        } else
                s->floor_since_usec = NEVER;
        if (!c->freeze || s->phase != PRESSURE_PHASE_THROTTLING)
                s->escalated = false;
        if (s->escalated)
                for (size_t i = 0; i < n; i++)
                        if (exhausted[i] && want_frozen[i] == _RES_MAX)
                                want_frozen[i] = res;
        free(exhausted);

        uint64_t next = NEVER;
        switch (s->phase) {
        case PRESSURE_PHASE_IDLE:
                break;
        case PRESSURE_PHASE_THROTTLING:
                if (band == BAND_PRESSURED)
                        next = sat_add(s->last_step_usec, interval);
                else {
                        /* Sample until calm has held long enough. */
                        next = sat_add(now, interval);
                        if (s->calm_since_usec != NEVER)
                                next = u64_min(next, sat_add(s->calm_since_usec, cfg->hold_usec));
                }
                if (s->floor_since_usec != NEVER && !s->escalated)
                        next = u64_min(next, sat_add(s->floor_since_usec, cfg->hold_usec));
                break;
        case PRESSURE_PHASE_RELAXING:
                next = sat_add(s->last_step_usec, interval);
                break;
        default:
                break;
        }
        *ret_next = next;
        return 0;
}

/* Largest usage first (unknown counts as none), then by name, then input order. */
static int compare_units(const void *a, const void *b, void *userdata) {
        const PressureUnit *units = userdata;
        size_t i = *(const size_t *)a, j = *(const size_t *)b;
        uint64_t x = units[i].memory_current == UINT64_MAX ? 0 : units[i].memory_current;
        uint64_t y = units[j].memory_current == UINT64_MAX ? 0 : units[j].memory_current;

        if (x != y)
                return x > y ? -1 : 1;
        int r = strcmp(units[i].name, units[j].name);
        if (r != 0)
                return r;
        return i < j ? -1 : i > j;
}

static int decide_freeze(const PressureController *before, const PressureController *after,
                         const PressureConfig config[_RES_MAX], const PressureUnit *units,
                         const size_t *order, size_t n, const PressureResource *want_frozen,
                         Decisions *out) {
        for (size_t j = 0; j < n; j++) {
                size_t i = order[j];
                const PressureUnit *u = &units[i];
                _cleanup_free_ char *reason = NULL;
                ValueText a;
                int r;

                if (want_frozen[i] != _RES_MAX && !u->frozen) {
                        PressureResource res = want_frozen[i];
                        r = set_reason(&reason,
                                       "freeze: %s pressure persisted for %s with every sheddable unit at "
                                       "its floor",
                                       pressure_resource_to_string(res),
                                       fmt_duration(a, config[res].hold_usec));
                        if (r < 0)
                                return r;
                        r = decisions_add(out, units, i, res, _PROP_INVALID, 0, 1, false,
                                          config[res].mode == PRESSURE_DRY_RUN, &reason);
                } else if (want_frozen[i] == _RES_MAX && u->frozen) {
                        /* Name the resource whose escalation just ended, if any. */
                        PressureResource res = RES_MEMORY;
                        bool ended = false;
                        for (PressureResource k = 0; k < _RES_MAX && !ended; k++)
                                if (before->res[k].escalated && !after->res[k].escalated) {
                                        res = k;
                                        ended = true;
                                }
                        const PressureConfig *cfg = &config[res];
                        bool active = cfg->enabled && cfg->mode >= 0 && cfg->mode < PRESSURE_OFF;
                        if (u->class != CLASS_SHEDDABLE)
                                r = set_reason(&reason, "thaw: unit is no longer sheddable");
                        else if (!after->freeze)
                                r = set_reason(&reason, "thaw: freeze escalation disabled");
                        else if (!ended)
                                r = set_reason(&reason, "thaw: no freeze in force for this unit");
                        else if (!active)
                                r = set_reason(&reason, "thaw: %s pressure handling is off",
                                               pressure_resource_to_string(res));
                        else
                                r = set_reason(&reason, "thaw: %s pressure calm for %s",
                                               pressure_resource_to_string(res),
                                               fmt_duration(a, cfg->hold_usec));
                        if (r < 0)
                                return r;
                        r = decisions_add(out, units, i, res, _PROP_INVALID, 1, 0, false,
                                          active && cfg->mode == PRESSURE_DRY_RUN, &reason);
                } else
                        continue;
                if (r < 0)
                        return r;
        }
        return 0;
}

int pressure_controller_tick(PressureController *c, uint64_t now_usec, const PressureConfig config[_RES_MAX],
                             const PressureSignal signal[_RES_MAX], const PressureUnit *units,
                             size_t n_units, PressureResult *ret) {
        _cleanup_(decisions_done) Decisions out = {};
        _cleanup_free_ size_t *order = NULL;
        _cleanup_free_ PressureResource *want_frozen = NULL;
        PressureController next;
        uint64_t next_tick = NEVER;
        int r;

        if (!c || !config || !signal || !ret || (!units && n_units > 0))
                return -EINVAL;
        for (size_t i = 0; i < n_units; i++)
                if (!units[i].name || !units[i].name[0])
                        return -EINVAL;

        order = calloc(n_units ?: 1, sizeof(size_t));
        want_frozen = calloc(n_units ?: 1, sizeof(PressureResource));
        if (!order || !want_frozen)
                return -ENOMEM;
        for (size_t i = 0; i < n_units; i++) {
                order[i] = i;
                want_frozen[i] = _RES_MAX;
        }
        qsort_r(order, n_units, sizeof(size_t), compare_units, (void *)units);

        /* Work on a copy so that a failure leaves the controller as it was. */
        next = *c;
        for (PressureResource res = 0; res < _RES_MAX; res++) {
                uint64_t t;
                r = tick_resource(&next, res, now_usec, &config[res], &signal[res], units, order, n_units,
                                  &out, want_frozen, &t);
                if (r < 0)
                        return r;
                next_tick = u64_min(next_tick, t);
        }

        r = decide_freeze(c, &next, config, units, order, n_units, want_frozen, &out);
        if (r < 0)
                return r;

        *c = next;
        *ret = (PressureResult){
                .decisions = TAKE_PTR(out.items),
                .n_decisions = out.n,
                .next_tick_usec = next_tick,
        };
        out = (Decisions){};
        for (PressureResource res = 0; res < _RES_MAX; res++)
                ret->phase[res] = next.res[res].phase;
        return 0;
}
