/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The pure decisions of the apply step (daemon/plan.c). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "macro.h"
#include "plan.h"
#include "tests.h"

static void test_property_files(void) {
        static const struct {
                PropertyId id;
                const char *files[PLAN_MAX_FILES];
                size_t n;
        } cases[] = {
                {PROP_CPU_WEIGHT, {"cpu.weight", "cpu.idle"}, 2},
                {PROP_CPU_QUOTA, {"cpu.max"}, 1},
                {PROP_CPU_QUOTA_PERIOD, {"cpu.max"}, 1},
                {PROP_MEMORY_HIGH, {"memory.high"}, 1},
                {PROP_TASKS_MAX, {"pids.max"}, 1},
                {PROP_ALLOWED_CPUS, {"cpuset.cpus"}, 1},
                {PROP_OOM_SCORE_ADJUST, {}, 0},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const char *files[PLAN_MAX_FILES] = {};
                size_t n = plan_property_files(cases[i].id, files);

                ASSERT_EQ_INT(n, cases[i].n);
                for (size_t j = 0; j < n; j++)
                        ASSERT_STREQ(files[j], cases[i].files[j]);
        }
        /* every cgroup property names at least its table file */
        for (PropertyId id = 0; id < _PROP_MAX; id++) {
                const char *files[PLAN_MAX_FILES];
                ASSERT_EQ_INT(plan_property_files(id, files) > 0, property_get(id)->cgroup_file != NULL);
        }
}

static void test_file_claimed(void) {
        bool managed[_PROP_MAX] = {};

        ASSERT_TRUE(!plan_file_claimed("cpu.max", managed));
        ASSERT_TRUE(!plan_file_claimed("oom_score_adj:42", managed));

        /* cpu.max is shared: either property keeps it */
        managed[PROP_CPU_QUOTA_PERIOD] = true;
        ASSERT_TRUE(plan_file_claimed("cpu.max", managed));
        ASSERT_TRUE(!plan_file_claimed("cpu.weight", managed));
        ASSERT_TRUE(!plan_file_claimed("cpu.idle", managed));

        managed[PROP_CPU_WEIGHT] = true;
        ASSERT_TRUE(plan_file_claimed("cpu.idle", managed));
        ASSERT_TRUE(plan_file_claimed("cpu.weight", managed));
        ASSERT_TRUE(!plan_file_claimed("memory.high", managed));

        managed[PROP_OOM_SCORE_ADJUST] = true;
        ASSERT_TRUE(plan_file_claimed("oom_score_adj:42", managed));
        ASSERT_TRUE(!plan_file_claimed("oom_score_adj:", managed));
        ASSERT_TRUE(!plan_file_claimed("bogus", managed));
}

static void test_oom_key(void) {
        static const struct {
                const char *key;
                bool ok;
                int pid;
        } cases[] = {
                {"oom_score_adj:1", true, 1},
                {"oom_score_adj:123456", true, 123456},
                {"oom_score_adj:", false, 0},
                {"oom_score_adj:0", false, 0},
                {"oom_score_adj:-5", false, 0},
                {"oom_score_adj:12x", false, 0},
                {"oom_score_adj:99999999999999999999", false, 0},
                {"oom_score_adj:+7", false, 0},
                {"cpu.weight", false, 0},
                {"", false, 0},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                int pid = -1;

                ASSERT_EQ_INT(plan_is_oom_key(cases[i].key, &pid), cases[i].ok);
                if (cases[i].ok)
                        ASSERT_EQ_INT(pid, cases[i].pid);
                else
                        ASSERT_EQ_INT(pid, -1); /* untouched on failure */
        }
}

static void test_cpu_max(void) {
        Resolved r = {};
        uint64_t period, quota;

        plan_cpu_max(&r, &period, &quota);
        ASSERT_EQ_U64(period, 100000);
        ASSERT_EQ_U64(quota, UINT64_MAX);

        r.props[PROP_CPU_QUOTA].layer = LAYER_POLICY;
        r.props[PROP_CPU_QUOTA].value.u = 200000; /* 20% */
        plan_cpu_max(&r, &period, &quota);
        ASSERT_EQ_U64(period, 100000);
        ASSERT_EQ_U64(quota, 200000);

        r.props[PROP_CPU_QUOTA_PERIOD].layer = LAYER_RUNTIME;
        r.props[PROP_CPU_QUOTA_PERIOD].value.u = 50000;
        plan_cpu_max(&r, &period, &quota);
        ASSERT_EQ_U64(period, 50000);
        ASSERT_EQ_U64(quota, 200000);

        /* a reset in a higher layer means the default again */
        r.props[PROP_CPU_QUOTA].value.reset = true;
        r.props[PROP_CPU_QUOTA_PERIOD].value.reset = true;
        plan_cpu_max(&r, &period, &quota);
        ASSERT_EQ_U64(period, 100000);
        ASSERT_EQ_U64(quota, UINT64_MAX);
}

static void test_reason(void) {
        static const struct {
                PropertyId id;
                int error;
                bool present, controller;
                const char *effective, *desired, *want;
        } cases[] = {
                {PROP_CPU_WEIGHT, 0, true, false, "100", "800", "controller cpu not enabled"},
                {PROP_MEMORY_HIGH, -ENOENT, false, true, NULL, "1G", "memory.high absent"},
                {PROP_MEMORY_HIGH, 0, false, true, NULL, "1G", "memory.high absent"},
                {PROP_TASKS_MAX, -EINVAL, true, true, "max", "10",
                 "writing pids.max failed: Invalid argument"},
                {PROP_MEMORY_LOW, 0, true, true, "1G", "2G",
                 "value clamped: reads \"1G\", wanted \"2G\""},
                {PROP_MEMORY_LOW, 0, true, true, NULL, NULL,
                 "value clamped: reads \"n/a\", wanted \"n/a\""},
                {PROP_OOM_SCORE_ADJUST, -EACCES, true, false, NULL, "-900",
                 "writing value failed: Permission denied"},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *s =
                        plan_reason(property_get(cases[i].id), cases[i].error, NULL, cases[i].present,
                                    cases[i].controller, cases[i].effective, cases[i].desired);
                ASSERT_STREQ(s, cases[i].want);
        }
}

static void test_unit_names(void) {
        static const struct {
                const char *name;
                bool ok;
        } cases[] = {
                {"db.service", true}, {"system.slice", true}, {"session-1.scope", true}, {"a.socket", false},
                {".service", false},  {"service", false},     {"a/b.service", false},    {"", false},
                {"..slice", false},   {"x.service.d", false}, {"-.slice", true},
                {"\xff.service", false}, {"a\nb.service", false}, {"a b.service", false},
                {"caf\xc3\xa9.service", false}, {"getty@tty1.service", true}, {"a\\x2db.service", true},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                if (plan_unit_name_valid(cases[i].name) != cases[i].ok) {
                        fprintf(stderr, "unit name \"%s\": expected %d\n", cases[i].name, cases[i].ok);
                        abort();
                }
        }
        ASSERT_TRUE(!plan_unit_name_valid(NULL));
}

static void test_slice_path(void) {
        static const struct {
                const char *slice;
                int r;
                const char *path;
        } cases[] = {
                {"system.slice", 0, "/system.slice"},
                {"-.slice", 0, "/"},
                {"user-1000.slice", 0, "/user.slice/user-1000.slice"},
                {"a-b-c.slice", 0, "/a.slice/a-b.slice/a-b-c.slice"},
                {"a--b.slice", -EINVAL, NULL},
                {"-a.slice", -EINVAL, NULL},
                {"a-.slice", -EINVAL, NULL},
                {"db.service", -EINVAL, NULL},
                {"a/b.slice", -EINVAL, NULL},
                {".slice", -EINVAL, NULL},
                {"", -EINVAL, NULL},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char *path = (char *)"untouched";
                int r = plan_slice_path(cases[i].slice, &path);

                ASSERT_EQ_INT(r, cases[i].r);
                if (r == 0) {
                        ASSERT_STREQ(path, cases[i].path);
                        free(path);
                } else
                        ASSERT_STREQ(path, "untouched");
        }
}

static void test_needs_write(void) {
        static const struct {
                PropertyId id;
                const char *desired, *applied; /* policy syntax; applied NULL: unreadable */
                const char *written;           /* desired text of our last write, or NULL */
                bool expect;
        } cases[] = {
                /* ±1 is within the read back tolerance, but a new value is a new value */
                {PROP_CPU_WEIGHT, "101", "100", NULL, true},
                {PROP_CPU_WEIGHT, "101", "100", "100", true},
                {PROP_CPU_WEIGHT, "99", "100", "100", true},
                /* our write of 101 read back as 100 (kernel rounding): do not write again */
                {PROP_CPU_WEIGHT, "101", "100", "101", false},
                {PROP_CPU_WEIGHT, "100", "100", NULL, false},
                {PROP_CPU_WEIGHT, "300", "100", "300", true}, /* not satisfied: re-assert */
                {PROP_CPU_WEIGHT, "idle", "idle", NULL, false},
                {PROP_CPU_WEIGHT, "idle", "100", NULL, true},
                {PROP_CPU_WEIGHT, "100", NULL, NULL, true},
                {PROP_IO_WEIGHT, "200", "200", NULL, false},
                /* the kernel keeps pages: 1G+1 reads back as 1G */
                {PROP_MEMORY_HIGH, "1073741825", "1073741824", NULL, true},
                {PROP_MEMORY_HIGH, "1073741825", "1073741824", "1073741825", false},
                {PROP_MEMORY_HIGH, "1G", "1G", NULL, false},
                /* cpu.max conversion: 50.1% is not 50% */
                {PROP_CPU_QUOTA, "50.1%", "50%", "50%", true},
                {PROP_CPU_QUOTA, "50%", "50%", NULL, false},
                {PROP_TASKS_MAX, "100", "100", "100", false},
                {PROP_TASKS_MAX, "100", "99", "100", true},
        };
        static const ParseContext ctx = {.ram_bytes = 8ULL << 30, .tasks_limit = 4194304};

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const Property *p = property_get(cases[i].id);
                PropValue d = {}, a = {};
                _cleanup_free_ char *dt = NULL;
                bool sat = false;

                ASSERT_EQ_INT(prop_value_parse(p, cases[i].desired, &ctx, &d, NULL), 0);
                ASSERT_EQ_INT(prop_value_format(p, &d, &dt), 0);
                if (cases[i].applied) {
                        ASSERT_EQ_INT(prop_value_parse(p, cases[i].applied, &ctx, &a, NULL), 0);
                        sat = property_cgroup_satisfies(p, &d, &a, NULL, NULL);
                }
                if (plan_needs_write(p, &d, cases[i].applied ? &a : NULL, sat, dt, cases[i].written) !=
                    cases[i].expect)
                        fprintf(stderr, "case %zu: %s=%s over %s (written %s): expected %s\n", i, p->name,
                                cases[i].desired, strna(cases[i].applied), strna(cases[i].written),
                                cases[i].expect ? "a write" : "no write");
                ASSERT_EQ_INT(plan_needs_write(p, &d, cases[i].applied ? &a : NULL, sat, dt,
                                               cases[i].written),
                              cases[i].expect);
                prop_value_done(&d);
                prop_value_done(&a);
        }
}

static void test_proc_stat(void) {
        uint64_t st = 0;
        char *s;
        int v;

        /* a comm with spaces and a ')' of its own */
        ASSERT_EQ_INT(plan_proc_stat_starttime("4242 (a) b (c)) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 "
                                               "987654 12345678 100 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 "
                                               "1 0 0 0 0 0\n",
                                               &st),
                      0);
        ASSERT_EQ_U64(st, 987654);
        ASSERT_TRUE(plan_proc_stat_starttime("4242 (x) S 1 2 3", &st) < 0);
        ASSERT_TRUE(plan_proc_stat_starttime("no parenthesis", &st) < 0);
        ASSERT_TRUE(plan_proc_stat_starttime(NULL, &st) < 0);

        s = plan_oom_original_format("-17\n", 987654);
        ASSERT_STREQ(s, "-17 987654\n");
        ASSERT_EQ_INT(plan_oom_original_parse(s, &v, &st), 0);
        ASSERT_EQ_INT(v, -17);
        ASSERT_EQ_U64(st, 987654);
        free(s);
        ASSERT_TRUE(plan_oom_original_format("junk", 1) == NULL);
        /* as older versions recorded it: no start time */
        ASSERT_EQ_INT(plan_oom_original_parse("300\n", &v, &st), 0);
        ASSERT_EQ_INT(v, 300);
        ASSERT_EQ_U64(st, 0);
        ASSERT_TRUE(plan_oom_original_parse("3000\n", &v, &st) < 0);
        ASSERT_TRUE(plan_oom_original_parse("1 x\n", &v, &st) < 0);
        ASSERT_TRUE(plan_oom_original_parse("1 2 3\n", &v, &st) < 0);

        ASSERT_TRUE(plan_procs_contains("12\n345\n6\n", 345));
        ASSERT_TRUE(plan_procs_contains("12\n345\n6", 6));
        ASSERT_TRUE(!plan_procs_contains("12\n345\n6\n", 34));
        ASSERT_TRUE(!plan_procs_contains("1234\n", 123));
        ASSERT_TRUE(!plan_procs_contains("", 1));
        ASSERT_TRUE(!plan_procs_contains(NULL, 1));
}

int main(void) {
        test_proc_stat();
        test_property_files();
        test_file_claimed();
        test_oom_key();
        test_cpu_max();
        test_reason();
        test_unit_names();
        test_slice_path();
        test_needs_write();
        printf("test-plan: all passed\n");
        return 0;
}
