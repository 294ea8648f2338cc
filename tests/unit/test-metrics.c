/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The metrics exposition (core/metrics.c): names, types, values and escaping in
 * both formats, from plain data. */

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "macro.h"
#include "metrics.h"
#include "tests.h"

static const char *const statuses[] = {"pending", "ok", "not-applied", "dry-run", NULL};

static void test_values(void) {
        PropValue v = {.u = 512ULL << 20};
        double d;

        ASSERT_EQ_INT(metrics_property_kind(property_get(PROP_MEMORY_HIGH)), METRICS_KIND_BYTES);
        ASSERT_EQ_INT(metrics_property_kind(property_get(PROP_CPU_QUOTA)), METRICS_KIND_RATIO);
        ASSERT_EQ_INT(metrics_property_kind(property_get(PROP_CPU_QUOTA_PERIOD)), METRICS_KIND_SECONDS);
        ASSERT_EQ_INT(metrics_property_kind(property_get(PROP_ALLOWED_CPUS)), METRICS_KIND_NONE);
        ASSERT_EQ_INT(metrics_property_kind(property_get(PROP_IO_READ_BANDWIDTH_MAX)), METRICS_KIND_NONE);

        ASSERT_EQ_INT(metrics_property_value(property_get(PROP_MEMORY_HIGH), &v, &d), 0);
        ASSERT_TRUE(d == 536870912.0);
        v.u = UINT64_MAX;
        ASSERT_EQ_INT(metrics_property_value(property_get(PROP_MEMORY_MAX), &v, &d), 0);
        ASSERT_TRUE(isinf(d) && d > 0);
        v.u = 500000; /* CPUQuota=50% */
        ASSERT_EQ_INT(metrics_property_value(property_get(PROP_CPU_QUOTA), &v, &d), 0);
        ASSERT_TRUE(d == 0.5);
        v.u = 20000; /* CPUQuotaPeriodSec=20ms */
        ASSERT_EQ_INT(metrics_property_value(property_get(PROP_CPU_QUOTA_PERIOD), &v, &d), 0);
        ASSERT_TRUE(d == 0.02);
        v = (PropValue){.i = -900};
        ASSERT_EQ_INT(metrics_property_value(property_get(PROP_OOM_SCORE_ADJUST), &v, &d), 0);
        ASSERT_TRUE(d == -900);
        v = (PropValue){.reset = true}; /* CPUWeight= : back to 100 */
        ASSERT_EQ_INT(metrics_property_value(property_get(PROP_CPU_WEIGHT), &v, &d), 0);
        ASSERT_TRUE(d == 100);
        ASSERT_EQ_INT(metrics_property_value(property_get(PROP_ALLOWED_CPUS), &v, &d), -EINVAL);
}

static void test_actions(void) {
        PressureDecision d = {.property = PROP_MEMORY_HIGH, .old_value = 100, .new_value = 90};

        ASSERT_STREQ(metrics_action_to_string(metrics_decision_action(&d)), "squeeze");
        d.new_value = 110;
        ASSERT_STREQ(metrics_action_to_string(metrics_decision_action(&d)), "relax");
        d.property = PROP_MEMORY_LOW;
        ASSERT_STREQ(metrics_action_to_string(metrics_decision_action(&d)), "protect");
        d.property = _PROP_INVALID;
        d.new_value = 1;
        ASSERT_STREQ(metrics_action_to_string(metrics_decision_action(&d)), "freeze");
        d.new_value = 0;
        ASSERT_STREQ(metrics_action_to_string(metrics_decision_action(&d)), "thaw");
}

static void test_histogram(void) {
        MetricsHistogram h = {};

        metrics_histogram_observe(&h, 1000);     /* exactly 1 ms: le="0.001" */
        metrics_histogram_observe(&h, 1001);     /* just above: le="0.0025" */
        metrics_histogram_observe(&h, 90000000); /* 90 s: +Inf only */
        ASSERT_EQ_U64(h.bucket[0], 1);
        ASSERT_EQ_U64(h.bucket[1], 1);
        ASSERT_EQ_U64(h.bucket[METRICS_N_BUCKETS], 1);
        ASSERT_EQ_U64(h.count, 3);
        ASSERT_EQ_U64(h.sum_usec, 90002001);
}

static MetricsSnapshot sample_snapshot(MetricsUnit u[2]) {
        MetricsSnapshot s = {.units = u, .n_units = 2, .status_names = statuses};

        u[0] = (MetricsUnit){.name = "db.service", .has_memory_current = true, .memory_current = 16777216};
        u[0].props[PROP_MEMORY_HIGH] = (MetricsProp){.managed = true, .has_desired = true, .desired = 268435456,
                                                     .has_applied = true, .applied = 268435456, .status = 1,
                                                     .reassertions = 2};
        u[0].props[PROP_CPU_WEIGHT] = (MetricsProp){.managed = true, .has_desired = true, .desired = 800,
                                                    .has_applied = true, .applied = 100, .status = 2};
        u[0].psi[RES_MEMORY] = (PsiPressure){.has_some = true, .has_full = true,
                                             .some = {.avg10 = 1234, .total = 2500000},
                                             .full = {.avg10 = 50, .total = 42}};
        /* a systemd-escaped name and a quote: label escaping */
        u[1] = (MetricsUnit){.name = "a\\x2db\"c.service", .throttled = true};
        u[1].props[PROP_MEMORY_MAX] = (MetricsProp){.managed = true, .has_desired = true,
                                                    .desired = __builtin_inf(), .status = 0};
        s.decisions[RES_MEMORY][METRICS_ACTION_SQUEEZE] = 3;
        s.authorization_denials = 1;
        s.reloads_succeeded = 2;
        s.reloads_failed = 1;
        s.policy_generation = 3;
        metrics_histogram_observe(&s.apply_latency, 2000);
        return s;
}

static void test_prometheus(void) {
        MetricsUnit u[2];
        MetricsSnapshot s = sample_snapshot(u);
        _cleanup_free_ char *t = NULL;

        ASSERT_EQ_INT(metrics_render(&s, METRICS_PROMETHEUS, &t), 0);
        ASSERT_CONTAINS(t, "# HELP cgpolicyd_property_desired_bytes ");
        ASSERT_CONTAINS(t, "# TYPE cgpolicyd_property_desired_bytes gauge\n");
        ASSERT_CONTAINS(t, "cgpolicyd_property_desired_bytes{unit=\"db.service\",property=\"MemoryHigh\"} 268435456\n");
        ASSERT_CONTAINS(t, "cgpolicyd_property_desired_bytes{unit=\"a\\\\x2db\\\"c.service\",property=\"MemoryMax\"} +Inf\n");
        ASSERT_CONTAINS(t, "cgpolicyd_property_applied_weight{unit=\"db.service\",property=\"CPUWeight\"} 100\n");
        ASSERT_CONTAINS(t, "cgpolicyd_property_readback{unit=\"db.service\",property=\"CPUWeight\",status=\"not-applied\"} 1\n");
        ASSERT_CONTAINS(t, "cgpolicyd_property_readback{unit=\"db.service\",property=\"CPUWeight\",status=\"ok\"} 0\n");
        ASSERT_CONTAINS(t, "# TYPE cgpolicyd_drift_reassertions_total counter\n");
        ASSERT_CONTAINS(t, "cgpolicyd_drift_reassertions_total{unit=\"db.service\",property=\"MemoryHigh\"} 2\n");
        ASSERT_CONTAINS(t, "cgpolicyd_memory_current_bytes{unit=\"db.service\"} 16777216\n");
        ASSERT_CONTAINS(t, "cgpolicyd_pressure_some_avg10_ratio{unit=\"db.service\",resource=\"memory\"} 0.1234\n");
        ASSERT_CONTAINS(t, "cgpolicyd_pressure_full_avg10_ratio{unit=\"db.service\",resource=\"memory\"} 0.005\n");
        ASSERT_CONTAINS(t, "# TYPE cgpolicyd_pressure_some_stall_seconds_total counter\n");
        ASSERT_CONTAINS(t, "cgpolicyd_pressure_some_stall_seconds_total{unit=\"db.service\",resource=\"memory\"} 2.5\n");
        ASSERT_CONTAINS(t, "cgpolicyd_throttled{unit=\"a\\\\x2db\\\"c.service\"} 1\n");
        ASSERT_CONTAINS(t, "cgpolicyd_pressure_decisions_total{resource=\"memory\",action=\"squeeze\"} 3\n");
        ASSERT_CONTAINS(t, "cgpolicyd_pressure_decisions_total{resource=\"io\",action=\"thaw\"} 0\n");
        ASSERT_CONTAINS(t, "# TYPE cgpolicyd_apply_latency_seconds histogram\n");
        ASSERT_CONTAINS(t, "# TYPE cgpolicyd_pressure_tick_seconds histogram\n");
        ASSERT_CONTAINS(t, "cgpolicyd_apply_latency_seconds_bucket{le=\"0.001\"} 0\n");
        ASSERT_CONTAINS(t, "cgpolicyd_apply_latency_seconds_bucket{le=\"0.0025\"} 1\n");
        ASSERT_CONTAINS(t, "cgpolicyd_apply_latency_seconds_bucket{le=\"1.0\"} 1\n");
        ASSERT_CONTAINS(t, "cgpolicyd_apply_latency_seconds_bucket{le=\"+Inf\"} 1\n");
        ASSERT_CONTAINS(t, "cgpolicyd_apply_latency_seconds_sum 0.002\n");
        ASSERT_CONTAINS(t, "cgpolicyd_apply_latency_seconds_count 1\n");
        ASSERT_CONTAINS(t, "cgpolicyd_authorization_denials_total 1\n");
        ASSERT_CONTAINS(t, "cgpolicyd_policy_reloads_total{result=\"failure\"} 1\n");
        ASSERT_CONTAINS(t, "cgpolicyd_policy_generation 3\n");
        ASSERT_CONTAINS(t, "cgpolicyd_units 2\n");
        /* no applied series without a read back; no OpenMetrics-only lines */
        ASSERT_TRUE(!strstr(t, "cgpolicyd_property_applied_bytes{unit=\"a"));
        ASSERT_TRUE(!strstr(t, "# EOF"));
        ASSERT_TRUE(!strstr(t, "# UNIT"));
}

static void test_openmetrics(void) {
        MetricsUnit u[2];
        MetricsSnapshot s = sample_snapshot(u);
        _cleanup_free_ char *t = NULL;
        size_t n;

        ASSERT_EQ_INT(metrics_render(&s, METRICS_OPENMETRICS, &t), 0);
        /* counters: the family has no _total, its samples do */
        ASSERT_CONTAINS(t, "# TYPE cgpolicyd_drift_reassertions counter\n");
        ASSERT_CONTAINS(t, "cgpolicyd_drift_reassertions_total{unit=\"db.service\",property=\"MemoryHigh\"} 2\n");
        ASSERT_CONTAINS(t, "# TYPE cgpolicyd_pressure_some_stall_seconds counter\n"
                           "# UNIT cgpolicyd_pressure_some_stall_seconds seconds\n");
        ASSERT_CONTAINS(t, "# TYPE cgpolicyd_property_desired_bytes gauge\n"
                           "# UNIT cgpolicyd_property_desired_bytes bytes\n"
                           "# HELP cgpolicyd_property_desired_bytes ");
        ASSERT_CONTAINS(t, "# UNIT cgpolicyd_apply_latency_seconds seconds\n");
        ASSERT_TRUE(!strstr(t, "# UNIT cgpolicyd_property_desired_weight"));
        /* ends with # EOF, no blank line anywhere */
        n = strlen(t);
        ASSERT_TRUE(n > 6 && strcmp(t + n - 6, "# EOF\n") == 0);
        ASSERT_TRUE(!strstr(t, "\n\n"));
}

static void test_empty(void) {
        MetricsSnapshot s = {.status_names = statuses, .policy_generation = 1};
        _cleanup_free_ char *t = NULL;

        ASSERT_EQ_INT(metrics_render(&s, METRICS_PROMETHEUS, &t), 0);
        ASSERT_CONTAINS(t, "cgpolicyd_units 0\n");
        ASSERT_TRUE(!strstr(t, "cgpolicyd_property_desired_bytes"));
        ASSERT_EQ_INT(metrics_render(&s, _METRICS_FORMAT_MAX, &t), -EINVAL);
        ASSERT_EQ_INT(metrics_format_from_string("openmetrics"), METRICS_OPENMETRICS);
        ASSERT_EQ_INT(metrics_format_from_string("json"), _METRICS_FORMAT_INVALID);
}

int main(void) {
        test_values();
        test_actions();
        test_histogram();
        test_prometheus();
        test_openmetrics();
        test_empty();
        return 0;
}
