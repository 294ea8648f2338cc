/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Table-driven tests of the property table (core/property.c): parse, format,
 * round trips, cgroup writes, read-back parsing and satisfaction. */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "macro.h"
#include "property.h"
#include "tests.h"
#include "value.h"

static const ParseContext ctx = { .ram_bytes = 8ULL << 30, .tasks_limit = 4194304 };

/* What systemd 252 exposes on D-Bus (org.freedesktop.systemd1(5), dbus-cgroup.c,
 * dbus-execute.c), the cgroup file each lands in, and the controller. */
static const struct {
        PropertyId id;
        const char *name, *dbus_name, *signature, *file, *controller;
        bool runtime;
} expected_table[] = {
        { PROP_CPU_WEIGHT, "CPUWeight", "CPUWeight", "t", "cpu.weight", "cpu", true },
        { PROP_CPU_QUOTA, "CPUQuota", "CPUQuotaPerSecUSec", "t", "cpu.max", "cpu", true },
        { PROP_CPU_QUOTA_PERIOD, "CPUQuotaPeriodSec", "CPUQuotaPeriodUSec", "t", "cpu.max", "cpu", true },
        { PROP_ALLOWED_CPUS, "AllowedCPUs", "AllowedCPUs", "ay", "cpuset.cpus", "cpuset", true },
        { PROP_ALLOWED_MEMORY_NODES, "AllowedMemoryNodes", "AllowedMemoryNodes", "ay", "cpuset.mems", "cpuset", true },
        { PROP_MEMORY_MIN, "MemoryMin", "MemoryMin", "t", "memory.min", "memory", true },
        { PROP_MEMORY_LOW, "MemoryLow", "MemoryLow", "t", "memory.low", "memory", true },
        { PROP_MEMORY_HIGH, "MemoryHigh", "MemoryHigh", "t", "memory.high", "memory", true },
        { PROP_MEMORY_MAX, "MemoryMax", "MemoryMax", "t", "memory.max", "memory", true },
        { PROP_MEMORY_SWAP_MAX, "MemorySwapMax", "MemorySwapMax", "t", "memory.swap.max", "memory", true },
        { PROP_IO_WEIGHT, "IOWeight", "IOWeight", "t", "io.weight", "io", true },
        { PROP_IO_DEVICE_WEIGHT, "IODeviceWeight", "IODeviceWeight", "a(st)", "io.weight", "io", true },
        { PROP_IO_READ_BANDWIDTH_MAX, "IOReadBandwidthMax", "IOReadBandwidthMax", "a(st)", "io.max", "io", true },
        { PROP_IO_WRITE_BANDWIDTH_MAX, "IOWriteBandwidthMax", "IOWriteBandwidthMax", "a(st)", "io.max", "io", true },
        { PROP_IO_READ_IOPS_MAX, "IOReadIOPSMax", "IOReadIOPSMax", "a(st)", "io.max", "io", true },
        { PROP_IO_WRITE_IOPS_MAX, "IOWriteIOPSMax", "IOWriteIOPSMax", "a(st)", "io.max", "io", true },
        { PROP_IO_DEVICE_LATENCY_TARGET, "IODeviceLatencyTargetSec", "IODeviceLatencyTargetUSec", "a(st)",
          "io.latency", "io", true },
        { PROP_TASKS_MAX, "TasksMax", "TasksMax", "t", "pids.max", "pids", true },
        { PROP_OOM_SCORE_ADJUST, "OOMScoreAdjust", "OOMScoreAdjust", "i", NULL, NULL, false },
};

static void test_table(void) {
        ASSERT_EQ_INT(ELEMENTSOF(expected_table), _PROP_MAX);
        for (size_t i = 0; i < ELEMENTSOF(expected_table); i++) {
                const Property *p = property_get(expected_table[i].id);
                ASSERT_TRUE(p);
                ASSERT_EQ_INT(p->id, expected_table[i].id);
                ASSERT_STREQ(p->name, expected_table[i].name);
                ASSERT_STREQ(p->dbus_name, expected_table[i].dbus_name);
                ASSERT_STREQ(p->signature, expected_table[i].signature);
                ASSERT_TRUE(streq_ptr(p->cgroup_file, expected_table[i].file));
                ASSERT_TRUE(streq_ptr(controller_to_string(p->controller), expected_table[i].controller));
                ASSERT_EQ_INT(p->runtime_settable, expected_table[i].runtime);
                ASSERT_TRUE(p->summary && *p->summary);
                ASSERT_TRUE(p->default_text);
                ASSERT_TRUE(property_by_name(p->name) == p);
                ASSERT_TRUE(property_by_name(p->dbus_name) == p);
                ASSERT_TRUE(property_by_dbus_name(p->dbus_name) == p);
                if (expected_table[i].controller)
                        ASSERT_EQ_INT(controller_from_string(expected_table[i].controller), p->controller);

                /* The default parses in the property's own syntax (as our own
                 * text: CPUQuota's "infinity" is what show prints, not input). */
                PropValue v;
                char *err = NULL;
                ParseContext own = ctx;
                own.own_text = true;
                ASSERT_EQ_INT(prop_value_parse(p, p->default_text, &own, &v, &err), 0);
                ASSERT_TRUE(!err);
                prop_value_done(&v);
        }
        ASSERT_TRUE(!property_get(_PROP_MAX));
        ASSERT_TRUE(!property_get(_PROP_INVALID));
        ASSERT_TRUE(!property_by_name("cpuweight")); /* case matters, as in systemd */
        ASSERT_TRUE(!property_by_name("BlockIOWeight"));
        ASSERT_TRUE(!property_by_name(NULL));
        ASSERT_TRUE(!property_by_dbus_name("CPUQuota")); /* unit-file name, not a D-Bus one */
        ASSERT_EQ_INT(controller_from_string("blkio"), CTRL_NONE);

        /* Resets as SetUnitProperties takes them (systemd's cgroup_context_init). */
        ASSERT_EQ_U64(property_get(PROP_CPU_WEIGHT)->dbus_reset, UINT64_MAX);
        ASSERT_EQ_U64(property_get(PROP_IO_WEIGHT)->dbus_reset, UINT64_MAX);
        ASSERT_EQ_U64(property_get(PROP_CPU_QUOTA)->dbus_reset, UINT64_MAX);
        ASSERT_EQ_U64(property_get(PROP_CPU_QUOTA_PERIOD)->dbus_reset, UINT64_MAX);
        ASSERT_EQ_U64(property_get(PROP_MEMORY_MIN)->dbus_reset, 0);
        ASSERT_EQ_U64(property_get(PROP_MEMORY_LOW)->dbus_reset, 0);
        ASSERT_EQ_U64(property_get(PROP_MEMORY_HIGH)->dbus_reset, UINT64_MAX);
        ASSERT_EQ_U64(property_get(PROP_MEMORY_MAX)->dbus_reset, UINT64_MAX);
        ASSERT_EQ_U64(property_get(PROP_MEMORY_SWAP_MAX)->dbus_reset, UINT64_MAX);
        ASSERT_EQ_U64(property_get(PROP_TASKS_MAX)->dbus_reset, UINT64_MAX);
}

typedef struct {
        PropertyId id;
        const char *in, *canon;
} GoodCase;

static const GoodCase good[] = {
        { PROP_CPU_WEIGHT, "800", "800" },
        { PROP_CPU_WEIGHT, " 1", "1" },
        { PROP_CPU_WEIGHT, "+300", "300" }, /* systemd's safe_atou64() takes a '+' */
        { PROP_CPU_WEIGHT, "10000", "10000" },
        { PROP_CPU_WEIGHT, "idle", "idle" },
        { PROP_CPU_WEIGHT, "", "" },
        { PROP_CPU_QUOTA, "50%", "50%" },
        { PROP_CPU_QUOTA, "200%", "200%" },
        { PROP_CPU_QUOTA, "12.5%", "12.5%" },
        { PROP_CPU_QUOTA, "+50%", "50%" },
        { PROP_CPU_QUOTA, "0.01%", "0.01%" },
        { PROP_CPU_QUOTA, "", "" },
        { PROP_CPU_QUOTA_PERIOD, "100ms", "100ms" },
        { PROP_CPU_QUOTA_PERIOD, "1s", "1s" },
        { PROP_CPU_QUOTA_PERIOD, "1ms", "1ms" },
        { PROP_CPU_QUOTA_PERIOD, "0.25s", "250ms" },
        { PROP_CPU_QUOTA_PERIOD, "infinity", "infinity" },
        /* systemd takes any period and clamps it to 1ms..1s when writing cpu.max */
        { PROP_CPU_QUOTA_PERIOD, "500us", "500us" },
        { PROP_CPU_QUOTA_PERIOD, "2s", "2s" },
        { PROP_CPU_QUOTA_PERIOD, "0", "0" },
        { PROP_ALLOWED_CPUS, "0-3,8", "0-3,8" },
        { PROP_ALLOWED_CPUS, "2 3", "2-3" },
        { PROP_ALLOWED_CPUS, "  ", "" },
        /* systemd's parse_cpu_set(): empty elements skipped, a reversed range adds nothing */
        { PROP_ALLOWED_CPUS, "1,,0", "0-1" },
        { PROP_ALLOWED_CPUS, "1-0", "" },
        { PROP_ALLOWED_MEMORY_NODES, "1", "1" },
        { PROP_ALLOWED_MEMORY_NODES, "0-1", "0-1" },
        { PROP_MEMORY_MIN, "0", "0" },
        { PROP_MEMORY_MIN, "1G", "1G" },
        /* systemd's parse_size(): several parts, and a fraction without unit is cut to bytes */
        { PROP_MEMORY_MIN, "1G 512M", "1536M" },
        { PROP_MEMORY_MIN, "1.5", "1" },
        { PROP_MEMORY_LOW, "8G", "8G" },
        { PROP_MEMORY_LOW, "50%", "4G" },
        { PROP_MEMORY_HIGH, "1G", "1G" },
        { PROP_MEMORY_HIGH, "1.5G", "1536M" },
        { PROP_MEMORY_HIGH, "1073741825", "1073741825" },
        { PROP_MEMORY_HIGH, "infinity", "infinity" },
        { PROP_MEMORY_MAX, "1G", "1G" },
        { PROP_MEMORY_MAX, "100%", "8G" },
        { PROP_MEMORY_SWAP_MAX, "0", "0" },
        { PROP_MEMORY_SWAP_MAX, "infinity", "infinity" },
        { PROP_IO_WEIGHT, "800", "800" },
        { PROP_IO_WEIGHT, "", "" },
        { PROP_IO_DEVICE_WEIGHT, "/dev/sda 200", "/dev/sda 200" },
        { PROP_IO_DEVICE_WEIGHT, "8:0 100; 8:16 50", "8:0 100; 8:16 50" },
        { PROP_IO_DEVICE_WEIGHT, "8:0 100;8:0 300", "8:0 300" },
        { PROP_IO_READ_BANDWIDTH_MAX, "/dev/sda 10M", "/dev/sda 10M" },
        { PROP_IO_READ_BANDWIDTH_MAX, "8:0 1500", "8:0 1500" },
        { PROP_IO_READ_BANDWIDTH_MAX, "8:0 1.5K", "8:0 1500" },
        { PROP_IO_READ_BANDWIDTH_MAX, "8:0 infinity", "8:0 infinity" },
        { PROP_IO_WRITE_BANDWIDTH_MAX, "/dev/sdb 1G", "/dev/sdb 1G" },
        { PROP_IO_WRITE_BANDWIDTH_MAX, "/dev/vda 1G 500M", "/dev/vda 1500M" },
        { PROP_IO_READ_BANDWIDTH_MAX, "/dev/block/254:0 1M", "/dev/block/254:0 1M" },
        { PROP_IO_READ_IOPS_MAX, "8:0 1K", "8:0 1K" },
        { PROP_IO_READ_IOPS_MAX, "8:0 1.5", "8:0 1" }, /* parse_size(), as systemd: cut to 1 */
        { PROP_IO_WRITE_IOPS_MAX, "8:0 500", "8:0 500" },
        { PROP_IO_DEVICE_LATENCY_TARGET, "/dev/sda 25ms", "/dev/sda 25ms" },
        { PROP_IO_DEVICE_LATENCY_TARGET, "/dev/sda 1.5s", "/dev/sda 1s500ms" },
        { PROP_IO_DEVICE_LATENCY_TARGET, "", "" },
        { PROP_TASKS_MAX, "4096", "4096" },
        { PROP_TASKS_MAX, "infinity", "infinity" },
        { PROP_TASKS_MAX, "10%", "419430" },
        { PROP_TASKS_MAX, "+4096", "4096" },
        { PROP_TASKS_MAX, "99.99%", "4193884" },
        { PROP_OOM_SCORE_ADJUST, "-900", "-900" },
        { PROP_OOM_SCORE_ADJUST, "+5", "5" },
        { PROP_OOM_SCORE_ADJUST, "1000", "1000" },
};

static void test_parse_good(void) {
        bool covered[_PROP_MAX] = {};

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                const Property *p = property_get(good[i].id);
                PropValue v, back, copy;
                char *err = NULL, *s = NULL, *s2 = NULL;

                int r = prop_value_parse(p, good[i].in, &ctx, &v, &err);
                if (r < 0)
                        fprintf(stderr, "%s=%s: %s\n", p->name, good[i].in, strna(err));
                ASSERT_EQ_INT(r, 0);
                ASSERT_TRUE(!err);
                ASSERT_EQ_INT(prop_value_format(p, &v, &s), 0);
                ASSERT_STREQ(s, good[i].canon);
                ASSERT_EQ_INT(v.reset, *good[i].canon == 0);

                /* Round trip: the canonical text parses to an equal value and formats the same. */
                ASSERT_EQ_INT(prop_value_parse(p, s, &ctx, &back, &err), 0);
                ASSERT_TRUE(prop_value_equal(p, &v, &back));
                ASSERT_EQ_INT(prop_value_format(p, &back, &s2), 0);
                ASSERT_STREQ(s2, s);

                ASSERT_EQ_INT(prop_value_copy(&copy, &v), 0);
                ASSERT_TRUE(prop_value_equal(p, &copy, &v));

                covered[p->id] = true;
                free(s);
                free(s2);
                prop_value_done(&v);
                prop_value_done(&back);
                prop_value_done(&copy);
        }
        for (size_t i = 0; i < _PROP_MAX; i++)
                ASSERT_TRUE(covered[i]);
}

static void test_values(void) {
        PropValue v;
        char *err = NULL;

        /* Spot checks of what the values hold. */
        ASSERT_EQ_INT(prop_value_parse(property_get(PROP_CPU_QUOTA), "20%", &ctx, &v, &err), 0);
        ASSERT_EQ_U64(v.u, 200000); /* µs per second, as CPUQuotaPerSecUSec */
        ASSERT_EQ_INT(prop_value_parse(property_get(PROP_IO_READ_BANDWIDTH_MAX), "/dev/sda 1K", &ctx, &v, &err), 0);
        ASSERT_EQ_U64(v.n_devs, 1);
        ASSERT_EQ_U64(v.devs[0].value, 1000); /* base 1000, as systemd */
        prop_value_done(&v);
        ASSERT_EQ_INT(prop_value_parse(property_get(PROP_IO_DEVICE_LATENCY_TARGET), "8:0 25ms", &ctx, &v, &err), 0);
        ASSERT_EQ_U64(v.devs[0].value, 25000);
        prop_value_done(&v);
        ASSERT_EQ_INT(prop_value_parse(property_get(PROP_CPU_WEIGHT), "idle", &ctx, &v, &err), 0);
        ASSERT_EQ_U64(v.u, 0);
        ASSERT_EQ_INT(prop_value_parse(property_get(PROP_ALLOWED_CPUS), "9", &ctx, &v, &err), 0);
        ASSERT_EQ_U64(v.mask_size, 2);
        ASSERT_EQ_INT(v.mask[1], 0x02);
        prop_value_done(&v);

        /* Equality: values differ, resets differ from values, empty sets are resets. */
        PropValue a, b;
        const Property *p = property_get(PROP_MEMORY_HIGH);
        ASSERT_EQ_INT(prop_value_parse(p, "1G", &ctx, &a, &err), 0);
        ASSERT_EQ_INT(prop_value_parse(p, "1024M", &ctx, &b, &err), 0);
        ASSERT_TRUE(prop_value_equal(p, &a, &b));
        ASSERT_EQ_INT(prop_value_parse(p, "2G", &ctx, &b, &err), 0);
        ASSERT_TRUE(!prop_value_equal(p, &a, &b));
        ASSERT_EQ_INT(prop_value_parse(p, "", &ctx, &b, &err), 0);
        ASSERT_TRUE(!prop_value_equal(p, &a, &b));
        PropValue empty = {};
        ASSERT_TRUE(prop_value_equal(property_get(PROP_ALLOWED_CPUS), &empty, &b));
        p = property_get(PROP_IO_DEVICE_WEIGHT);
        ASSERT_EQ_INT(prop_value_parse(p, "8:0 1; 8:16 2", &ctx, &a, &err), 0);
        ASSERT_EQ_INT(prop_value_parse(p, "8:16 2; 8:0 1", &ctx, &b, &err), 0);
        ASSERT_TRUE(prop_value_equal(p, &a, &b));
        prop_value_done(&b);
        ASSERT_EQ_INT(prop_value_parse(p, "8:16 2; 8:0 3", &ctx, &b, &err), 0);
        ASSERT_TRUE(!prop_value_equal(p, &a, &b));
        prop_value_done(&a);
        prop_value_done(&b);
}

typedef struct {
        PropertyId id;
        const char *in;
        int r;
        const char *bad; /* the text the message must quote */
} BadCase;

static const BadCase bad[] = {
        { PROP_CPU_WEIGHT, "0", -ERANGE, "0" },
        { PROP_CPU_WEIGHT, "10001", -ERANGE, "10001" },
        { PROP_CPU_WEIGHT, "abc", -EINVAL, "abc" },
        { PROP_CPU_WEIGHT, "-1", -EINVAL, "-1" },
        { PROP_CPU_WEIGHT, "300 ", -EINVAL, "300 " }, /* systemd refuses trailing whitespace */
        { PROP_CPU_WEIGHT, "0x12c", -EINVAL, "0x12c" },
        { PROP_CPU_QUOTA, "0%", -ERANGE, "0%" },
        { PROP_CPU_QUOTA, "50", -EINVAL, "50" },
        { PROP_CPU_QUOTA, "-1%", -EINVAL, "-1%" },
        { PROP_CPU_QUOTA, "0.005%", -EINVAL, "0.005%" }, /* systemd: two decimals at most */
        { PROP_CPU_QUOTA, "infinity", -EINVAL, "infinity" },
        { PROP_CPU_QUOTA, "0.00%", -ERANGE, "0.00%" },
        { PROP_CPU_QUOTA_PERIOD, "-5ms", -EINVAL, "-5ms" },
        { PROP_CPU_QUOTA_PERIOD, "x", -EINVAL, "x" },
        { PROP_ALLOWED_CPUS, "1-", -EINVAL, "1-" },
        { PROP_ALLOWED_CPUS, "9000", -ERANGE, "9000" },
        { PROP_ALLOWED_MEMORY_NODES, "a", -EINVAL, "a" },
        { PROP_MEMORY_MIN, "-1", -EINVAL, "-1" },
        { PROP_MEMORY_LOW, "101%", -ERANGE, "101%" },
        { PROP_MEMORY_HIGH, "12X", -EINVAL, "12X" },
        { PROP_MEMORY_HIGH, "0", -ERANGE, "0" },
        { PROP_MEMORY_MAX, "0", -ERANGE, "0" },
        { PROP_MEMORY_MAX, "16E", -ERANGE, "16E" },
        { PROP_MEMORY_MIN, "1G 512M ", -EINVAL, "1G 512M " },
        { PROP_MEMORY_MIN, "512M 1G", -EINVAL, "512M 1G" },
        { PROP_MEMORY_MAX, "1G ", -EINVAL, "1G " },
        { PROP_MEMORY_SWAP_MAX, "1KB", -EINVAL, "1KB" },
        { PROP_IO_WEIGHT, "idle", -EINVAL, "idle" },
        { PROP_IO_WEIGHT, "0", -ERANGE, "0" },
        { PROP_IO_DEVICE_WEIGHT, "/dev/sda 0", -ERANGE, "/dev/sda 0" },
        { PROP_IO_DEVICE_WEIGHT, "/dev/sda", -EINVAL, "/dev/sda" },
        { PROP_IO_DEVICE_WEIGHT, "sda 100", -EINVAL, "sda 100" },
        { PROP_IO_DEVICE_WEIGHT, "/dev/sda 100;", -EINVAL, "/dev/sda 100;" },
        { PROP_IO_READ_BANDWIDTH_MAX, "/dev/sda 0", -ERANGE, "/dev/sda 0" },
        { PROP_IO_READ_BANDWIDTH_MAX, "/dev/sda 10%", -EINVAL, "/dev/sda 10%" },
        { PROP_IO_READ_BANDWIDTH_MAX, "/dev/sda -1", -EINVAL, "/dev/sda -1" },
        { PROP_IO_WRITE_BANDWIDTH_MAX, "/dev/sda 10X", -EINVAL, "/dev/sda 10X" },
        { PROP_IO_READ_IOPS_MAX, "8:0 1.5x", -EINVAL, "8:0 1.5x" },
        { PROP_IO_WRITE_IOPS_MAX, "4096:0 1", -ERANGE, "4096:0 1" },
        { PROP_IO_DEVICE_LATENCY_TARGET, "/dev/sda 1x", -EINVAL, "/dev/sda 1x" },
        { PROP_IO_DEVICE_LATENCY_TARGET, "/dev/sda -5ms", -EINVAL, "/dev/sda -5ms" },
        { PROP_TASKS_MAX, "0", -ERANGE, "0" },
        { PROP_TASKS_MAX, "-1", -EINVAL, "-1" },
        { PROP_TASKS_MAX, "18446744073709551615", -ERANGE, "18446744073709551615" },
        { PROP_TASKS_MAX, "101%", -ERANGE, "101%" },
        { PROP_TASKS_MAX, "100%", -ERANGE, "100%" }, /* systemd's TasksMaxScale must be below 100% */
        { PROP_TASKS_MAX, "0%", -ERANGE, "0%" },
        { PROP_TASKS_MAX, "4096 ", -EINVAL, "4096 " },
        { PROP_OOM_SCORE_ADJUST, "1001", -ERANGE, "1001" },
        { PROP_OOM_SCORE_ADJUST, "-1001", -ERANGE, "-1001" },
        { PROP_OOM_SCORE_ADJUST, "x", -EINVAL, "x" },
};

static void test_parse_bad(void) {
        bool covered[_PROP_MAX] = {};

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                const Property *p = property_get(bad[i].id);
                PropValue v = { .u = 4242 };
                char *err = NULL, quoted[256], name[64];

                int r = prop_value_parse(p, bad[i].in, &ctx, &v, &err);
                if (r != bad[i].r)
                        fprintf(stderr, "%s=%s: %d %s\n", p->name, bad[i].in, r, strna(err));
                ASSERT_EQ_INT(r, bad[i].r);
                ASSERT_EQ_U64(v.u, 4242); /* untouched */
                ASSERT_TRUE(err);
                snprintf(name, sizeof name, "%s=", p->name);
                snprintf(quoted, sizeof quoted, "\"%s\"", bad[i].bad);
                ASSERT_CONTAINS(err, name);
                ASSERT_CONTAINS(err, quoted);
                ASSERT_CONTAINS(err, r == -ERANGE ? "out of range" : "Invalid");
                covered[p->id] = true;
                free(err);
        }
        for (size_t i = 0; i < _PROP_MAX; i++)
                ASSERT_TRUE(covered[i]);

        /* The exact wording for the two examples everyone will see first. */
        PropValue v;
        char *err = NULL;
        ASSERT_EQ_INT(prop_value_parse(property_get(PROP_MEMORY_HIGH), "12X", &ctx, &v, &err), -EINVAL);
        ASSERT_STREQ(err, "Invalid MemoryHigh= value \"12X\": trailing characters after number");
        free(err);
        ASSERT_EQ_INT(prop_value_parse(property_get(PROP_CPU_WEIGHT), "0", &ctx, &v, &err), -ERANGE);
        ASSERT_STREQ(err, "CPUWeight= value \"0\" out of range 1..10000 or idle");
        free(err);
        ASSERT_EQ_INT(prop_value_parse(property_get(PROP_IO_WEIGHT), "0", &ctx, &v, &err), -ERANGE);
        ASSERT_STREQ(err, "IOWeight= value \"0\" out of range 1..10000");
        free(err);

        /* The empty-entry message quotes the whole (escaped) text. */
        ASSERT_EQ_INT(prop_value_parse(property_get(PROP_IO_READ_BANDWIDTH_MAX), "8:0 1;\t", &ctx, &v, &err),
                      -EINVAL);
        ASSERT_STREQ(err, "Invalid IOReadBandwidthMax= value \"8:0 1;\\x09\": empty entry between ';'");
        free(err);

        /* Control characters are escaped, quotes too. */
        ASSERT_EQ_INT(prop_value_parse(property_get(PROP_MEMORY_MAX), "1\n\"2", &ctx, &v, &err), -EINVAL);
        ASSERT_CONTAINS(err, "\"1\\x0a\\\"2\"");
        free(err);

        /* Percentages need the context; without it they are refused, not guessed. */
        ASSERT_EQ_INT(prop_value_parse(property_get(PROP_MEMORY_MAX), "50%", NULL, &v, &err), -EINVAL);
        ASSERT_CONTAINS(err, "MemoryMax=");
        free(err);
        ASSERT_EQ_INT(prop_value_parse(property_get(PROP_TASKS_MAX), "10%", NULL, &v, &err), -EINVAL);
        ASSERT_CONTAINS(err, "TasksMax=");
        free(err);

        /* No message wanted: still the errno. */
        ASSERT_EQ_INT(prop_value_parse(property_get(PROP_MEMORY_MAX), "x", &ctx, &v, NULL), -EINVAL);
        ASSERT_EQ_INT(prop_value_parse(property_get(PROP_MEMORY_MAX), NULL, &ctx, &v, NULL), -EINVAL);

        /* Huge input is refused. */
        size_t n = 70000;
        char *huge = malloc(n + 1);
        ASSERT_TRUE(huge);
        memset(huge, '1', n);
        huge[n] = 0;
        ASSERT_EQ_INT(prop_value_parse(property_get(PROP_ALLOWED_CPUS), huge, &ctx, &v, NULL), -EINVAL);
        free(huge);

        /* Too many device entries. */
        char buf[300 * 8] = "";
        for (int i = 0; i < 300; i++)
                snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s8:%d 1", i ? ";" : "", i);
        ASSERT_EQ_INT(prop_value_parse(property_get(PROP_IO_DEVICE_WEIGHT), buf, &ctx, &v, &err), -EINVAL);
        ASSERT_CONTAINS(err, "IODeviceWeight=");
        free(err);
}

/* A fake resolver: sda (and its partition sda1) is 8:0, sdb is 8:16. */
static int fake_resolve(const char *device, unsigned *ret_major, unsigned *ret_minor, void *userdata) {
        unsigned *calls = userdata;
        if (calls)
                (*calls)++;
        if (streq(device, "/dev/sda") || streq(device, "/dev/sda1")) {
                *ret_major = 8;
                *ret_minor = 0;
                return 0;
        }
        if (streq(device, "/dev/sdb")) {
                *ret_major = 8;
                *ret_minor = 16;
                return 0;
        }
        if (streq(device, "/dev/tty"))
                return -ENOTBLK;
        return -ENOENT;
}

typedef struct {
        PropertyId id;
        const char *in, *old;
        uint64_t period, quota;
        const char *writes; /* "file=content|file=content" */
} WriteCase;

#define INF UINT64_MAX

static const WriteCase writes[] = {
        { PROP_CPU_WEIGHT, "800", NULL, INF, INF, "cpu.idle=0|cpu.weight=800" },
        { PROP_CPU_WEIGHT, "idle", NULL, INF, INF, "cpu.idle=1" },
        { PROP_CPU_WEIGHT, "", NULL, INF, INF, "cpu.idle=0|cpu.weight=100" },
        { PROP_CPU_QUOTA, "50%", NULL, INF, INF, "cpu.max=50000 100000" },
        { PROP_CPU_QUOTA, "200%", NULL, 1000000, INF, "cpu.max=2000000 1000000" },
        { PROP_CPU_QUOTA, "", NULL, 50000, INF, "cpu.max=max 100000" },
        { PROP_CPU_QUOTA, "0.5%", NULL, INF, INF, "cpu.max=1000 200000" },    /* period raised for ≥1ms quota */
        { PROP_CPU_QUOTA, "0.01%", NULL, INF, INF, "cpu.max=1000 1000000" },  /* period capped at 1s */
        { PROP_CPU_QUOTA_PERIOD, "10ms", NULL, INF, 500000, "cpu.max=5000 10000" },
        { PROP_CPU_QUOTA_PERIOD, "", NULL, INF, INF, "cpu.max=max 100000" },
        { PROP_CPU_QUOTA_PERIOD, "1s", NULL, INF, INF, "cpu.max=max 100000" }, /* no quota: default period */
        { PROP_ALLOWED_CPUS, "0-3,8", NULL, INF, INF, "cpuset.cpus=0-3,8" },
        { PROP_ALLOWED_CPUS, "", NULL, INF, INF, "cpuset.cpus=" },
        { PROP_ALLOWED_MEMORY_NODES, "1", NULL, INF, INF, "cpuset.mems=1" },
        { PROP_MEMORY_MIN, "1G", NULL, INF, INF, "memory.min=1073741824" },
        { PROP_MEMORY_MIN, "", NULL, INF, INF, "memory.min=0" },
        { PROP_MEMORY_LOW, "", NULL, INF, INF, "memory.low=0" },
        { PROP_MEMORY_LOW, "8G", NULL, INF, INF, "memory.low=8589934592" },
        { PROP_MEMORY_HIGH, "infinity", NULL, INF, INF, "memory.high=max" },
        { PROP_MEMORY_HIGH, "", NULL, INF, INF, "memory.high=max" },
        { PROP_MEMORY_MAX, "1G", NULL, INF, INF, "memory.max=1073741824" },
        { PROP_MEMORY_SWAP_MAX, "0", NULL, INF, INF, "memory.swap.max=0" },
        { PROP_IO_WEIGHT, "800", NULL, INF, INF, "io.weight=default 800" },
        { PROP_IO_WEIGHT, "", NULL, INF, INF, "io.weight=default 100" },
        { PROP_IO_DEVICE_WEIGHT, "/dev/sda 200", NULL, INF, INF, "io.weight=8:0 200" },
        { PROP_IO_DEVICE_WEIGHT, "/dev/sda 200", "/dev/sdb 50", INF, INF, "io.weight=8:0 200|io.weight=8:16 default" },
        { PROP_IO_DEVICE_WEIGHT, "8:0 200", "/dev/sda 100", INF, INF, "io.weight=8:0 200" }, /* same disk */
        { PROP_IO_DEVICE_WEIGHT, "", "/dev/sda 100; /dev/sdb 5", INF, INF, "io.weight=8:0 default|io.weight=8:16 default" },
        { PROP_IO_READ_BANDWIDTH_MAX, "/dev/sda 10M", NULL, INF, INF, "io.max=8:0 rbps=10000000" },
        { PROP_IO_READ_BANDWIDTH_MAX, "/dev/sda 10M", "8:16 5M", INF, INF, "io.max=8:0 rbps=10000000|io.max=8:16 rbps=max" },
        { PROP_IO_READ_BANDWIDTH_MAX, "", "/dev/sda 1M", INF, INF, "io.max=8:0 rbps=max" },
        { PROP_IO_READ_BANDWIDTH_MAX, "/dev/sda infinity", NULL, INF, INF, "io.max=8:0 rbps=max" },
        { PROP_IO_READ_BANDWIDTH_MAX, "8:0 1M", "/dev/gone 1M", INF, INF, "io.max=8:0 rbps=1000000" }, /* vanished */
        { PROP_IO_WRITE_BANDWIDTH_MAX, "8:0 1K", NULL, INF, INF, "io.max=8:0 wbps=1000" },
        { PROP_IO_READ_IOPS_MAX, "8:0 1K", NULL, INF, INF, "io.max=8:0 riops=1000" },
        { PROP_IO_WRITE_IOPS_MAX, "/dev/sda1 300", NULL, INF, INF, "io.max=8:0 wiops=300" }, /* partition → disk */
        { PROP_IO_DEVICE_LATENCY_TARGET, "/dev/sda 25ms", NULL, INF, INF, "io.latency=8:0 target=25000" },
        { PROP_IO_DEVICE_LATENCY_TARGET, "/dev/sda 25ms", "/dev/sdb 10ms", INF, INF,
          "io.latency=8:0 target=25000|io.latency=8:16 target=max" },
        { PROP_TASKS_MAX, "4096", NULL, INF, INF, "pids.max=4096" },
        { PROP_TASKS_MAX, "infinity", NULL, INF, INF, "pids.max=max" },
        { PROP_TASKS_MAX, "", NULL, INF, INF, "pids.max=max" },
        { PROP_OOM_SCORE_ADJUST, "-900", NULL, INF, INF, "" },
};

static char *join_writes(const CgroupWrite *w, size_t n) {
        size_t len = 1;
        for (size_t i = 0; i < n; i++)
                len += strlen(w[i].file) + strlen(w[i].content) + 2;
        char *s = malloc(len);
        ASSERT_TRUE(s);
        s[0] = 0;
        for (size_t i = 0; i < n; i++) {
                if (i)
                        strcat(s, "|");
                strcat(s, w[i].file);
                strcat(s, "=");
                strcat(s, w[i].content);
        }
        return s;
}

static void test_cgroup_writes(void) {
        bool covered[_PROP_MAX] = {};

        for (size_t i = 0; i < ELEMENTSOF(writes); i++) {
                const Property *p = property_get(writes[i].id);
                PropValue v, old;
                CgroupWrite *w = NULL;
                size_t n = 0;
                char *err = NULL;

                ASSERT_EQ_INT(prop_value_parse(p, writes[i].in, &ctx, &v, &err), 0);
                if (writes[i].old)
                        ASSERT_EQ_INT(prop_value_parse(p, writes[i].old, &ctx, &old, &err), 0);
                int r = property_cgroup_writes(p, &v, writes[i].old ? &old : NULL, writes[i].period, writes[i].quota,
                                               fake_resolve, NULL, &w, &n, &err);
                if (r < 0)
                        fprintf(stderr, "%s=%s: %s\n", p->name, writes[i].in, strna(err));
                ASSERT_EQ_INT(r, 0);
                char *s = join_writes(w, n);
                ASSERT_STREQ(s, writes[i].writes);
                for (size_t j = 0; j < n; j++)
                        ASSERT_EQ_INT(w[j].prop, p->id);
                covered[p->id] = true;
                free(s);
                cgroup_writes_free(w, n);
                prop_value_done(&v);
                if (writes[i].old)
                        prop_value_done(&old);
        }
        for (size_t i = 0; i < _PROP_MAX; i++)
                ASSERT_TRUE(covered[i]);

        /* MAJ:MIN needs no resolver; a path does. */
        const Property *p = property_get(PROP_IO_DEVICE_WEIGHT);
        PropValue v;
        CgroupWrite *w = NULL;
        size_t n = 0;
        char *err = NULL;
        unsigned calls = 0;

        ASSERT_EQ_INT(prop_value_parse(p, "8:0 5", &ctx, &v, &err), 0);
        ASSERT_EQ_INT(property_cgroup_writes(p, &v, NULL, INF, INF, fake_resolve, &calls, &w, &n, &err), 0);
        ASSERT_EQ_INT(calls, 0);
        cgroup_writes_free(w, n);
        ASSERT_EQ_INT(property_cgroup_writes(p, &v, NULL, INF, INF, NULL, NULL, &w, &n, &err), 0);
        cgroup_writes_free(w, n);
        prop_value_done(&v);

        ASSERT_EQ_INT(prop_value_parse(p, "/dev/sda 5", &ctx, &v, &err), 0);
        w = (CgroupWrite *) 1;
        ASSERT_EQ_INT(property_cgroup_writes(p, &v, NULL, INF, INF, NULL, NULL, &w, &n, &err), -ENODEV);
        ASSERT_TRUE(w == (CgroupWrite *) 1);
        ASSERT_CONTAINS(err, "/dev/sda");
        ASSERT_CONTAINS(err, "IODeviceWeight=");
        free(err);
        err = NULL;
        prop_value_done(&v);

        ASSERT_EQ_INT(prop_value_parse(p, "/dev/sda 5; /dev/nope 7", &ctx, &v, &err), 0);
        ASSERT_EQ_INT(property_cgroup_writes(p, &v, NULL, INF, INF, fake_resolve, NULL, &w, &n, &err), -ENOENT);
        ASSERT_CONTAINS(err, "\"/dev/nope\"");
        free(err);
        err = NULL;
        prop_value_done(&v);

        ASSERT_EQ_INT(prop_value_parse(p, "/dev/tty 5", &ctx, &v, &err), 0);
        ASSERT_EQ_INT(property_cgroup_writes(p, &v, NULL, INF, INF, fake_resolve, NULL, &w, &n, &err), -ENOTBLK);
        ASSERT_CONTAINS(err, "/dev/tty");
        free(err);
        prop_value_done(&v);
}

typedef struct {
        PropertyId id;
        const char *content;
        int r;
        const char *canon; /* formatted value when r == 0 */
} CgroupCase;

static const CgroupCase cgroup_cases[] = {
        { PROP_CPU_WEIGHT, "800\n", 0, "800" },
        { PROP_CPU_WEIGHT, "0\n", 0, "idle" },
        { PROP_CPU_WEIGHT, "10001\n", -EINVAL, NULL },
        { PROP_CPU_WEIGHT, "abc", -EINVAL, NULL },
        { PROP_CPU_WEIGHT, "", -EINVAL, NULL },
        { PROP_CPU_QUOTA, "50000 100000\n", 0, "50%" },
        { PROP_CPU_QUOTA, "max 100000\n", 0, "infinity" },
        { PROP_CPU_QUOTA, "50000", -EINVAL, NULL },
        { PROP_CPU_QUOTA, "50000 0", -EINVAL, NULL },
        { PROP_CPU_QUOTA, "x 100000", -EINVAL, NULL },
        { PROP_CPU_QUOTA, "1 2 3", -EINVAL, NULL },
        { PROP_CPU_QUOTA_PERIOD, "max 100000\n", 0, "" }, /* no quota: no period in force */
        { PROP_CPU_QUOTA_PERIOD, "50000 250000\n", 0, "250ms" },
        { PROP_CPU_QUOTA_PERIOD, "max max", -EINVAL, NULL },
        { PROP_ALLOWED_CPUS, "0-3,8\n", 0, "0-3,8" },
        { PROP_ALLOWED_CPUS, "\n", 0, "" },
        { PROP_ALLOWED_CPUS, "3-x\n", -EINVAL, NULL },
        { PROP_ALLOWED_MEMORY_NODES, "0\n", 0, "0" },
        { PROP_ALLOWED_MEMORY_NODES, "0-x\n", -EINVAL, NULL },
        { PROP_MEMORY_MIN, "0\n", 0, "0" },
        { PROP_MEMORY_LOW, "8589934592\n", 0, "8G" },
        { PROP_MEMORY_HIGH, "max\n", 0, "infinity" },
        { PROP_MEMORY_HIGH, "1073741824\n", 0, "1G" },
        { PROP_MEMORY_HIGH, "1G\n", -EINVAL, NULL },
        { PROP_MEMORY_MAX, "-1\n", -EINVAL, NULL },
        { PROP_MEMORY_SWAP_MAX, "max\n", 0, "infinity" },
        { PROP_MEMORY_SWAP_MAX, "", -EINVAL, NULL },
        { PROP_IO_WEIGHT, "default 100\n8:0 200\n", 0, "100" },
        { PROP_IO_WEIGHT, "default 800\n", 0, "800" },
        { PROP_IO_WEIGHT, "8:0 200\ndefault 100\n", -EINVAL, NULL },
        { PROP_IO_WEIGHT, "default x\n", -EINVAL, NULL },
        { PROP_IO_WEIGHT, "default 100\n8:0\n", -EINVAL, NULL },
        { PROP_IO_WEIGHT, "", -EINVAL, NULL },
        { PROP_IO_DEVICE_WEIGHT, "default 100\n8:0 200\n8:16 50\n", 0, "8:0 200; 8:16 50" },
        { PROP_IO_DEVICE_WEIGHT, "default 100\n", 0, "" },
        { PROP_IO_DEVICE_WEIGHT, "default 100\n8:0\n", -EINVAL, NULL },
        { PROP_IO_DEVICE_WEIGHT, "default 100\nsda 5\n", -EINVAL, NULL },
        { PROP_IO_DEVICE_WEIGHT, "default 100\n8:0 0\n", -EINVAL, NULL },
        { PROP_IO_DEVICE_WEIGHT, "default 100\n8:0 5 6\n", -EINVAL, NULL },
        { PROP_IO_READ_BANDWIDTH_MAX,
          "8:0 rbps=1000000 wbps=max riops=max wiops=max\n8:16 rbps=max wbps=5 riops=max wiops=max\n", 0, "8:0 1M" },
        { PROP_IO_WRITE_BANDWIDTH_MAX,
          "8:0 rbps=1000000 wbps=max riops=max wiops=max\n8:16 rbps=max wbps=5 riops=max wiops=max\n", 0, "8:16 5" },
        { PROP_IO_READ_BANDWIDTH_MAX, "", 0, "" },
        { PROP_IO_READ_BANDWIDTH_MAX, "8:0 rbps", -EINVAL, NULL },
        { PROP_IO_READ_BANDWIDTH_MAX, "8:0 rbps=x", -EINVAL, NULL },
        { PROP_IO_READ_BANDWIDTH_MAX, "x:0 rbps=1", -EINVAL, NULL },
        { PROP_IO_READ_BANDWIDTH_MAX, "8:0 rbps=1 rbps=2", -EINVAL, NULL },
        { PROP_IO_READ_BANDWIDTH_MAX, "8:0 =1", -EINVAL, NULL },
        { PROP_IO_READ_IOPS_MAX, "8:0 rbps=max wbps=max riops=1000 wiops=max\n", 0, "8:0 1K" },
        { PROP_IO_WRITE_IOPS_MAX, "8:0 rbps=max wbps=max riops=1000 wiops=max\n", 0, "" },
        { PROP_IO_DEVICE_LATENCY_TARGET, "8:0 target=25000\n", 0, "8:0 25ms" },
        { PROP_IO_DEVICE_LATENCY_TARGET, "8:0 target=abc\n", -EINVAL, NULL },
        { PROP_TASKS_MAX, "max\n", 0, "infinity" },
        { PROP_TASKS_MAX, "4096\n", 0, "4096" },
        { PROP_TASKS_MAX, "0\n", -EINVAL, NULL },
        { PROP_OOM_SCORE_ADJUST, "0", -EOPNOTSUPP, NULL },
};

static void test_parse_cgroup(void) {
        bool covered[_PROP_MAX] = {};

        for (size_t i = 0; i < ELEMENTSOF(cgroup_cases); i++) {
                const Property *p = property_get(cgroup_cases[i].id);
                PropValue v = { .u = 77 };
                int r = property_parse_cgroup(p, cgroup_cases[i].content, &v);
                if (r != cgroup_cases[i].r)
                        fprintf(stderr, "%s from \"%s\": %d\n", p->name, cgroup_cases[i].content, r);
                ASSERT_EQ_INT(r, cgroup_cases[i].r);
                covered[p->id] = true;
                if (r < 0) {
                        ASSERT_EQ_U64(v.u, 77);
                        continue;
                }
                char *s = NULL;
                ASSERT_EQ_INT(prop_value_format(p, &v, &s), 0);
                ASSERT_STREQ(s, cgroup_cases[i].canon);

                /* and what was read back is valid text of ours for the same value */
                PropValue back;
                char *err = NULL;
                ParseContext own = ctx;
                own.own_text = true;
                ASSERT_EQ_INT(prop_value_parse(p, s, &own, &back, &err), 0);
                ASSERT_TRUE(prop_value_equal(p, &v, &back));
                prop_value_done(&back);
                free(s);
                prop_value_done(&v);
        }
        for (size_t i = 0; i < _PROP_MAX; i++)
                ASSERT_TRUE(covered[i]);
}

typedef struct {
        PropertyId id;
        const char *desired, *content;
        bool ok;
} SatisfyCase;

static const SatisfyCase satisfy[] = {
        { PROP_MEMORY_HIGH, "1G", "1073741824\n", true },
        { PROP_MEMORY_HIGH, "1G", "max\n", false },
        { PROP_MEMORY_HIGH, "1000000", "999424\n", true }, /* page-rounded down */
        { PROP_MEMORY_HIGH, "1000000", "995328\n", false },
        { PROP_MEMORY_HIGH, "", "max\n", true },
        { PROP_MEMORY_HIGH, "infinity", "max\n", true },
        { PROP_MEMORY_LOW, "", "0\n", true },
        { PROP_MEMORY_LOW, "", "4096\n", false },
        { PROP_MEMORY_MIN, "1G", "1073741824\n", true },
        { PROP_MEMORY_MAX, "1G", "1073741824\n", true },
        { PROP_MEMORY_SWAP_MAX, "0", "0\n", true },
        { PROP_CPU_WEIGHT, "800", "800\n", true },
        { PROP_CPU_WEIGHT, "800", "700\n", false },
        { PROP_CPU_WEIGHT, "idle", "0\n", true },
        { PROP_CPU_WEIGHT, "idle", "1\n", false },
        { PROP_CPU_WEIGHT, "", "100\n", true },
        { PROP_CPU_QUOTA, "50%", "50000 100000\n", true },
        { PROP_CPU_QUOTA, "33.33%", "33330 100000\n", true },
        { PROP_CPU_QUOTA, "50%", "max 100000\n", false },
        { PROP_CPU_QUOTA, "50%", "40000 100000\n", false },
        { PROP_CPU_QUOTA, "", "max 100000\n", true },
        { PROP_CPU_QUOTA_PERIOD, "", "max 100000\n", true },
        /* What systemd leaves in cpu.max is what was asked for: without a quota
         * any period gives "max 100000"; with one it is clamped to 1ms..1s */
        { PROP_CPU_QUOTA_PERIOD, "10ms", "max 100000\n", true },
        { PROP_CPU_QUOTA_PERIOD, "2s", "max 100000\n", true },
        { PROP_CPU_QUOTA_PERIOD, "500us", "1000 1000\n", true },
        { PROP_CPU_QUOTA_PERIOD, "0", "1000 1000\n", true },
        { PROP_CPU_QUOTA_PERIOD, "2s", "500000 1000000\n", true },
        { PROP_CPU_QUOTA_PERIOD, "10ms", "1000 200000\n", true }, /* raised for a 0.5% quota */
        { PROP_CPU_QUOTA_PERIOD, "10ms", "500 5000\n", false },   /* someone else's period */
        { PROP_CPU_QUOTA_PERIOD, "2s", "50000 100000\n", false },
        { PROP_ALLOWED_CPUS, "1-0", "\n", true }, /* systemd: an empty set, the parent's CPUs */
        { PROP_ALLOWED_CPUS, "1,,0", "0-1\n", true },
        { PROP_ALLOWED_CPUS, "0-3", "0-3\n", true },
        { PROP_ALLOWED_CPUS, "0-3", "0-4\n", false },
        { PROP_ALLOWED_CPUS, "", "\n", true },
        { PROP_ALLOWED_MEMORY_NODES, "1", "1\n", true },
        { PROP_IO_WEIGHT, "800", "default 800\n", true },
        { PROP_IO_WEIGHT, "", "default 100\n", true },
        { PROP_IO_WEIGHT, "800", "default 100\n", false },
        { PROP_IO_DEVICE_WEIGHT, "/dev/sda 200", "default 100\n8:0 200\n", true },
        { PROP_IO_DEVICE_WEIGHT, "/dev/sda 200", "default 100\n8:0 100\n", false },
        { PROP_IO_READ_BANDWIDTH_MAX, "/dev/sda 10M", "8:0 rbps=10000000 wbps=max riops=max wiops=max\n", true },
        { PROP_IO_READ_BANDWIDTH_MAX, "/dev/sda 10M", "", false },
        { PROP_IO_READ_BANDWIDTH_MAX, "/dev/sda 10M",
          "8:0 rbps=10000000 wbps=max riops=max wiops=max\n8:16 rbps=5 wbps=max riops=max wiops=max\n", false },
        { PROP_IO_READ_BANDWIDTH_MAX, "/dev/sda infinity", "", true },
        { PROP_IO_READ_BANDWIDTH_MAX, "", "", true },
        { PROP_IO_READ_BANDWIDTH_MAX, "/dev/nope 1M", "8:0 rbps=1000000 wbps=max riops=max wiops=max\n", false },
        { PROP_IO_WRITE_BANDWIDTH_MAX, "8:0 1K", "8:0 rbps=max wbps=1000 riops=max wiops=max\n", true },
        { PROP_IO_READ_IOPS_MAX, "8:0 5", "8:0 rbps=max wbps=max riops=5 wiops=max\n", true },
        { PROP_IO_WRITE_IOPS_MAX, "8:0 5", "8:0 rbps=max wbps=max riops=5 wiops=max\n", false },
        { PROP_IO_DEVICE_LATENCY_TARGET, "/dev/sda 25ms", "8:0 target=25000\n", true },
        { PROP_IO_DEVICE_LATENCY_TARGET, "/dev/sda 0", "", true },  /* 0 = no target, as the kernel says */
        { PROP_IO_DEVICE_LATENCY_TARGET, "/dev/sda 0", "8:0 target=5\n", false },
        { PROP_IO_DEVICE_WEIGHT, "/dev/sda 100; 8:0 200", "default 100\n8:0 200\n", true }, /* same disk */
        { PROP_IO_DEVICE_WEIGHT, "/dev/sda 100; 8:0 200", "default 100\n8:0 100\n", false },
        { PROP_IO_DEVICE_WEIGHT, "/dev/sda1 7", "default 100\n8:0 7\n", true }, /* partition → disk */
        { PROP_TASKS_MAX, "4096", "4096\n", true },
        { PROP_TASKS_MAX, "4096", "4095\n", false },
        { PROP_TASKS_MAX, "", "max\n", true },
};

static void test_satisfies(void) {
        bool covered[_PROP_MAX] = {};

        for (size_t i = 0; i < ELEMENTSOF(satisfy); i++) {
                const Property *p = property_get(satisfy[i].id);
                PropValue want, have;
                char *err = NULL;

                ASSERT_EQ_INT(prop_value_parse(p, satisfy[i].desired, &ctx, &want, &err), 0);
                ASSERT_EQ_INT(property_parse_cgroup(p, satisfy[i].content, &have), 0);
                bool ok = property_cgroup_satisfies(p, &want, &have, fake_resolve, NULL);
                if (ok != satisfy[i].ok)
                        fprintf(stderr, "%s=%s vs \"%s\"\n", p->name, satisfy[i].desired, satisfy[i].content);
                ASSERT_EQ_INT(ok, satisfy[i].ok);
                covered[p->id] = true;
                prop_value_done(&want);
                prop_value_done(&have);
        }
        for (size_t i = 0; i < _PROP_MAX; i++)
                if (i != PROP_OOM_SCORE_ADJUST)
                        ASSERT_TRUE(covered[i]);

        /* OOMScoreAdjust is read from /proc by the daemon and compared as a number. */
        const Property *p = property_get(PROP_OOM_SCORE_ADJUST);
        PropValue a = { .i = -900 }, b = { .i = -900 }, c = { .i = 0 };
        ASSERT_TRUE(property_cgroup_satisfies(p, &a, &b, NULL, NULL));
        ASSERT_TRUE(!property_cgroup_satisfies(p, &a, &c, NULL, NULL));
}

/* Writes then read back of the kernel's answer must satisfy: a simulated kernel
 * that stores exactly what was written. */
static void test_write_then_read(void) {
        static const struct {
                PropertyId id;
                const char *in;
        } cases[] = {
                { PROP_CPU_QUOTA, "33.33%" }, { PROP_CPU_QUOTA, "0.5%" }, { PROP_CPU_QUOTA, "250%" },
                { PROP_MEMORY_HIGH, "1.5G" },   { PROP_ALLOWED_CPUS, "1,3-5" }, { PROP_TASKS_MAX, "77" },
                { PROP_IO_WEIGHT, "5" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const Property *p = property_get(cases[i].id);
                PropValue v, back;
                CgroupWrite *w;
                size_t n;
                char *err = NULL;

                ASSERT_EQ_INT(prop_value_parse(p, cases[i].in, &ctx, &v, &err), 0);
                ASSERT_EQ_INT(property_cgroup_writes(p, &v, NULL, INF, INF, NULL, NULL, &w, &n, &err), 0);
                ASSERT_TRUE(n >= 1);
                ASSERT_EQ_INT(property_parse_cgroup(p, w[n - 1].content, &back), 0);
                ASSERT_TRUE(property_cgroup_satisfies(p, &v, &back, NULL, NULL));
                cgroup_writes_free(w, n);
                prop_value_done(&v);
                prop_value_done(&back);
        }
}

static void test_docs(void) {
        FILE *f = fopen(PROJECT_SOURCE_ROOT "/docs/properties.md", "re");
        ASSERT_TRUE(f);
        char *buf = calloc(1, 65536);
        ASSERT_TRUE(buf);
        size_t n = fread(buf, 1, 65535, f);
        fclose(f);
        ASSERT_TRUE(n > 0);
        for (PropertyId id = 0; id < _PROP_MAX; id++) {
                const Property *p = property_get(id);
                char needle[128];
                snprintf(needle, sizeof needle, "| %s |", p->name);
                ASSERT_CONTAINS(buf, needle);
                snprintf(needle, sizeof needle, "`%s` `%s`", p->dbus_name, p->signature);
                ASSERT_CONTAINS(buf, needle);
        }
        free(buf);
}

static void test_parse_cgroup_cpu_weight(void) {
        static const struct {
                const char *weight, *idle;
                int r;
                const char *canon;
        } cases[] = {
                /* cpu.idle=1 wins over the weight the kernel keeps for later */
                { "300\n", "1\n", 0, "idle" },
                { "100\n", "1\n", 0, "idle" },
                { NULL, "1\n", 0, "idle" },
                { "300\n", "0\n", 0, "300" },
                { "300\n", NULL, 0, "300" }, /* no cpu.idle (before 5.15) */
                { "1\n", "0\n", 0, "1" },
                { NULL, "0\n", -EINVAL, NULL },
                { NULL, NULL, -EINVAL, NULL },
                { "300\n", "2\n", -EINVAL, NULL },
                { "300\n", "\n", -EINVAL, NULL },
                { "300\n", "1 x\n", -EINVAL, NULL },
                { "300\n", "11\n", -EINVAL, NULL },
                { "abc\n", "0\n", -EINVAL, NULL },
                { "abc\n", "1\n", 0, "idle" },
        };
        const Property *p = property_get(PROP_CPU_WEIGHT);

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                PropValue v = { .u = 77 };
                _cleanup_free_ char *s = NULL;
                int r = property_parse_cgroup_cpu_weight(cases[i].weight, cases[i].idle, &v);

                if (r != cases[i].r)
                        fprintf(stderr, "cpu.weight \"%s\" cpu.idle \"%s\": %d\n", strna(cases[i].weight),
                                strna(cases[i].idle), r);
                ASSERT_EQ_INT(r, cases[i].r);
                if (r < 0) {
                        ASSERT_EQ_U64(v.u, 77);
                        continue;
                }
                ASSERT_EQ_INT(prop_value_format(p, &v, &s), 0);
                ASSERT_STREQ(s, cases[i].canon);
        }

        /* what CPUWeight=idle writes reads back as satisfying it */
        PropValue idle = {}, back = {};
        CgroupWrite *w = NULL;
        size_t n = 0;
        const char *weight = "100\n", *idle_file = NULL;

        ASSERT_EQ_INT(prop_value_parse(p, "idle", &ctx, &idle, NULL), 0);
        ASSERT_EQ_INT(property_cgroup_writes(p, &idle, NULL, 0, 0, NULL, NULL, &w, &n, NULL), 0);
        for (size_t i = 0; i < n; i++)
                if (streq(w[i].file, "cpu.idle"))
                        idle_file = w[i].content;
                else if (streq(w[i].file, "cpu.weight"))
                        weight = w[i].content;
        ASSERT_TRUE(idle_file != NULL);
        ASSERT_EQ_INT(property_parse_cgroup_cpu_weight(weight, idle_file, &back), 0);
        ASSERT_TRUE(property_cgroup_satisfies(p, &idle, &back, NULL, NULL));
        cgroup_writes_free(w, n);
        prop_value_done(&idle);
        prop_value_done(&back);
}

int main(void) {
        test_table();
        test_parse_good();
        test_values();
        test_parse_bad();
        test_cgroup_writes();
        test_parse_cgroup();
        test_parse_cgroup_cpu_weight();
        test_satisfies();
        test_write_then_read();
        test_docs();
        printf("test-property: all passed\n");
        return 0;
}
