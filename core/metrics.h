/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The metrics exposition, pure: plain data in (MetricsSnapshot, filled by the
 * daemon from its state), text out, no I/O. Two formats with the same series
 * and values:
 *   - OpenMetrics 1.0 (application/openmetrics-text): `cgpolicyctl metrics`;
 *   - the Prometheus text format 0.0.4: what node_exporter's textfile collector
 *     and `promtool check metrics` read. Their parser takes an OpenMetrics
 *     counter (TYPE foo, sample foo_total) as two families, the second untyped,
 *     so the textfile gets this one.
 * Names follow the Prometheus rules: cgpolicyd_ prefix, base units (bytes,
 * seconds, ratios) in the name, _total on counters. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pressure.h"
#include "property.h"
#include "psi.h"

typedef enum MetricsFormat {
        METRICS_OPENMETRICS,
        METRICS_PROMETHEUS,
        _METRICS_FORMAT_MAX,
        _METRICS_FORMAT_INVALID = -1,
} MetricsFormat;

/* "openmetrics", "prometheus" */
const char *metrics_format_to_string(MetricsFormat f);
MetricsFormat metrics_format_from_string(const char *s);

/* What one pressure decision did, for the decisions counter: squeeze, relax
 * (MemoryHigh/CPUWeight/IOWeight lowered/raised), protect, unprotect (MemoryLow
 * raised/lowered), freeze, thaw. */
typedef enum MetricsAction {
        METRICS_ACTION_SQUEEZE,
        METRICS_ACTION_RELAX,
        METRICS_ACTION_PROTECT,
        METRICS_ACTION_UNPROTECT,
        METRICS_ACTION_FREEZE,
        METRICS_ACTION_THAW,
        _METRICS_ACTION_MAX,
} MetricsAction;

const char *metrics_action_to_string(MetricsAction a);
MetricsAction metrics_decision_action(const PressureDecision *d);

/* Upper bounds (seconds) of the histogram buckets; +Inf is implicit. */
#define METRICS_N_BUCKETS 15
extern const double metrics_bucket_bounds[METRICS_N_BUCKETS];

typedef struct MetricsHistogram {
        uint64_t bucket[METRICS_N_BUCKETS + 1]; /* not cumulative; the last one is +Inf */
        uint64_t count;
        uint64_t sum_usec;
} MetricsHistogram;

void metrics_histogram_observe(MetricsHistogram *h, uint64_t usec);

/* The unit of measure a property's value is exposed in, which names its family:
 * cgpolicyd_property_{desired,applied}_<unit>. METRICS_KIND_NONE: not exposed as a
 * number (CPU/NUMA sets, per-device values). */
typedef enum MetricsKind {
        METRICS_KIND_NONE,
        METRICS_KIND_BYTES,
        METRICS_KIND_SECONDS,
        METRICS_KIND_RATIO,
        METRICS_KIND_WEIGHT,
        METRICS_KIND_TASKS,
        METRICS_KIND_SCORE,
        _METRICS_KIND_MAX,
} MetricsKind;

MetricsKind metrics_property_kind(const Property *p);
/* v in base units (bytes, seconds, CPU-seconds per second); +Inf for infinity.
 * Returns -EINVAL for values that are no number (reset, sets, devices). */
int metrics_property_value(const Property *p, const PropValue *v, double *ret);

typedef struct MetricsProp {
        bool managed;      /* some layer sets it: the property's series are exposed */
        bool has_desired;
        double desired;
        bool has_applied;
        double applied;
        int status;        /* index into MetricsSnapshot.status_names; -1 none */
        uint64_t reassertions; /* drift re-assertions */
} MetricsProp;

typedef struct MetricsUnit {
        const char *name;
        MetricsProp props[_PROP_MAX];
        bool has_memory_current;
        uint64_t memory_current;
        PsiPressure psi[_RES_MAX];
        bool throttled;
} MetricsUnit;

typedef struct MetricsSnapshot {
        const MetricsUnit *units;
        size_t n_units;
        const char *const *status_names; /* NULL-terminated: the read-back states ("ok", ...) */
        uint64_t decisions[_RES_MAX][_METRICS_ACTION_MAX];
        uint64_t authorization_denials;
        uint64_t reloads_succeeded, reloads_failed;
        uint64_t policy_generation; /* 1 for the set loaded at start, +1 per successful reload */
        MetricsHistogram apply_latency;     /* change requested → written */
        MetricsHistogram pressure_reaction; /* PSI trigger → squeeze written */
        MetricsHistogram pressure_tick;     /* one tick of the pressure loop, reads and writes included */
} MetricsSnapshot;

/* Renders s in format f into a malloc'ed string. Returns 0, -ENOMEM, -EINVAL. */
int metrics_render(const MetricsSnapshot *s, MetricsFormat f, char **ret);
