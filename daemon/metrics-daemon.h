/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The daemon's side of the metrics: the counters and histograms it keeps, a
 * snapshot of its state for the pure renderer (core/metrics.h), and the
 * textfile for node_exporter (--metrics-file): written atomically (temp file,
 * rename) after an event changed what it would say, at most once per interval;
 * nothing changes, nothing runs (no timer of its own while idle). */

#include <stdint.h>

#include <stdbool.h>

#include "manager.h"
#include "metrics.h" /* core */

typedef struct MetricsCounters {
        uint64_t decisions[_RES_MAX][_METRICS_ACTION_MAX];
        uint64_t reloads_succeeded, reloads_failed;
        uint64_t policy_generation;
        MetricsHistogram apply_latency;
        MetricsHistogram pressure_reaction;
        MetricsHistogram pressure_tick;
} MetricsCounters;

typedef struct MetricsFile MetricsFile;

/* CLOCK_MONOTONIC now, not the event loop's iteration time: the end of a latency. */
uint64_t metrics_now_usec(void);

/* Renders m's state (fresh memory.current and PSI when refresh). */
int manager_metrics_render(Manager *m, MetricsFormat f, bool refresh, char **ret);

/* Writes path now and keeps it current, at most every interval_usec. */
int metrics_file_setup(Manager *m, const char *path, uint64_t interval_usec);
void metrics_file_free(Manager *m);
