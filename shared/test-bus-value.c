/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bus-value: PropValue <-> systemd's D-Bus types, round trips and the checks a
 * setter relies on. Messages are built on a bus that is never connected to a
 * peer (a socketpair nobody answers), sealed and read back. */

#define _GNU_SOURCE

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "bus-value.h"
#include "macro.h"
#include "tests.h"

static sd_bus *bus;

static sd_bus_message *new_message(void) {
        sd_bus_message *m = NULL;

        ASSERT_EQ_INT(sd_bus_message_new_method_call(bus, &m, "org.cgpolicy1", "/org/cgpolicy1",
                                                     "org.cgpolicy1.Manager", "Test"),
                      0);
        return m;
}

static void seal(sd_bus_message *m) {
        static uint64_t cookie = 1;

        ASSERT_EQ_INT(sd_bus_message_seal(m, cookie++, 0), 0);
        ASSERT_TRUE(sd_bus_message_rewind(m, true) >= 0);
}

/* Text → PropValue → variant → strict read → text. */
static void test_round_trips(void) {
        static const struct {
                const char *property, *text, *expect; /* expect: text after the trip */
        } cases[] = {
                {"CPUWeight", "300", "300"},
                {"CPUWeight", "idle", "idle"},
                {"CPUWeight", "", ""},
                {"IOWeight", "10000", "10000"},
                {"CPUQuota", "50%", "50%"},
                {"CPUQuota", "250%", "250%"},
                {"CPUQuotaPeriodSec", "100ms", "100ms"},
                {"CPUQuotaPeriodSec", "1s", "1s"},
                {"AllowedCPUs", "0-3,8", "0-3,8"},
                {"AllowedCPUs", "8191", "8191"},
                {"AllowedCPUs", "", ""},
                {"AllowedMemoryNodes", "1", "1"},
                {"MemoryHigh", "1G", "1G"},
                {"MemoryHigh", "1536M", "1536M"},
                /* systemd's reset value for limits is UINT64_MAX: it reads back as a reset */
                {"MemoryHigh", "infinity", ""},
                {"MemoryLow", "8G", "8G"},
                {"MemoryMin", "", ""},
                {"MemorySwapMax", "0", "0"},
                {"MemoryLow", "0", ""}, /* MemoryLow's reset is 0 */
                {"TasksMax", "100", "100"},
                {"OOMScoreAdjust", "-900", "-900"},
                {"OOMScoreAdjust", "1000", "1000"},
                {"IOReadBandwidthMax", "/dev/sda 10M", "/dev/sda 10M"},
                {"IOWriteIOPSMax", "8:0 1000", "8:0 1K"}, /* IOPS are base 1000 */
                {"IODeviceWeight", "8:16 200", "8:16 200"},
                {"IODeviceLatencyTargetSec", "/dev/vda 25ms", "/dev/vda 25ms"},
                {"IOReadBandwidthMax", "", ""},
        };
        const ParseContext ctx = {.ram_bytes = UINT64_C(8) << 30, .tasks_limit = 4194304};

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(prop_value_done) PropValue v = {}, back = {};
                _cleanup_free_ char *err = NULL, *text = NULL;
                const Property *p = property_by_name(cases[i].property);
                sd_bus_message *m = new_message();

                ASSERT_TRUE(p);
                ASSERT_EQ_INT(prop_value_parse(p, cases[i].text, &ctx, &v, &err), 0);
                ASSERT_EQ_INT(bus_append_prop_variant(m, p, &v), 0);
                seal(m);
                ASSERT_EQ_INT(bus_read_prop_variant(m, p, BUS_READ_STRICT, &back, &err), 0);
                ASSERT_EQ_INT(prop_value_format(p, &back, &text), 0);
                if (!streq(text, cases[i].expect)) {
                        fprintf(stderr, "%s=%s came back as \"%s\", expected \"%s\"\n", cases[i].property,
                                cases[i].text, text, cases[i].expect);
                        abort();
                }
                sd_bus_message_unref(m);
        }
}

/* What a setter must refuse, with the errno and a message naming the property and value. */
typedef enum Kind { T, I, S, AY, AST, AST_MANY } Kind;

static void test_strict_rejects(void) {
        static const struct {
                const char *property;
                Kind kind;
                uint64_t u; /* T, AST value, AY length */
                int64_t i;
                const char *dev;
                int expect_errno;
                const char *expect_message; /* NULL: accepted */
        } cases[] = {
                {"CPUWeight", T, 10001, 0, NULL, -ERANGE, "Invalid CPUWeight= value 10001: out of range"},
                {"CPUWeight", T, 0, 0, NULL, 0, NULL}, /* idle */
                {"CPUWeight", T, 1, 0, NULL, 0, NULL},
                {"IOWeight", T, 0, 0, NULL, -ERANGE, "IOWeight= value 0"},
                {"IOWeight", T, 10000, 0, NULL, 0, NULL},
                {"CPUQuotaPerSecUSec", T, 0, 0, NULL, -ERANGE, "CPUQuotaPerSecUSec= value 0"},
                /* systemd takes any period and clamps it when it writes cpu.max */
                {"CPUQuotaPeriodUSec", T, 999, 0, NULL, 0, NULL},
                {"CPUQuotaPeriodUSec", T, 0, 0, NULL, 0, NULL},
                {"CPUQuotaPeriodUSec", T, 1000, 0, NULL, 0, NULL},
                {"CPUQuotaPeriodUSec", T, 2000000, 0, NULL, 0, NULL},
                {"TasksMax", T, 0, 0, NULL, -ERANGE, "TasksMax= value 0"},
                {"MemoryHigh", T, 1, 0, NULL, 0, NULL},
                /* systemd refuses 0 for the limits; the text parser always did */
                {"MemoryHigh", T, 0, 0, NULL, -ERANGE, "Invalid MemoryHigh= value 0: out of range"},
                {"MemoryMax", T, 0, 0, NULL, -ERANGE, "Invalid MemoryMax= value 0: out of range"},
                {"MemoryMin", T, 0, 0, NULL, 0, NULL},
                {"MemoryLow", T, 0, 0, NULL, 0, NULL},
                {"MemorySwapMax", T, 0, 0, NULL, 0, NULL},
                {"OOMScoreAdjust", I, 0, 1001, NULL, -ERANGE, "OOMScoreAdjust= value 1001"},
                {"OOMScoreAdjust", I, 0, -1001, NULL, -ERANGE, "-1001"},
                {"OOMScoreAdjust", I, 0, -1000, NULL, 0, NULL},
                {"CPUWeight", S, 0, 0, "300", -ENXIO, "Wrong D-Bus type for CPUWeight="},
                {"CPUWeight", I, 0, 300, NULL, -ENXIO, "expected variant of \"t\""},
                {"AllowedCPUs", T, 3, 0, NULL, -ENXIO, "AllowedCPUs"},
                {"AllowedCPUs", AY, 1024, 0, NULL, 0, NULL},
                {"AllowedCPUs", AY, 1025, 0, NULL, -ERANGE, "AllowedCPUs"},
                {"IOReadBandwidthMax", T, 5, 0, NULL, -ENXIO, "IOReadBandwidthMax"},
                {"IOReadBandwidthMax", AST, 5, 0, "sda", -EINVAL, "device \"sda\""},
                {"IOReadBandwidthMax", AST, 5, 0, "8:0x", -EINVAL, "8:0x"},
                {"IOReadBandwidthMax", AST, 5, 0, "/dev/s da", -EINVAL, "/dev/s da"},
                {"IOReadBandwidthMax", AST, 5, 0, "", -EINVAL, "device \"\""},
                {"IOReadBandwidthMax", AST, 0, 0, "8:0", -ERANGE, "\"8:0 0\""},
                {"IOReadBandwidthMax", AST, 1, 0, "259:3", 0, NULL},
                {"IODeviceWeight", AST, 10001, 0, "/dev/sda", -ERANGE, "IODeviceWeight"},
                {"IODeviceLatencyTargetUSec", AST, 0, 0, "/dev/sda", 0, NULL},
                {"IOWriteIOPSMax", AST_MANY, 1, 0, "/dev/sd", -E2BIG, "Too many devices in IOWriteIOPSMax="},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(prop_value_done) PropValue v = {};
                _cleanup_free_ char *err = NULL;
                const Property *p = property_by_dbus_name(cases[i].property);
                sd_bus_message *m = new_message();
                int r = -EINVAL;

                ASSERT_TRUE(p);
                switch (cases[i].kind) {
                case T:
                        r = sd_bus_message_append(m, "v", "t", cases[i].u);
                        break;
                case I:
                        r = sd_bus_message_append(m, "v", "i", (int32_t)cases[i].i);
                        break;
                case S:
                        r = sd_bus_message_append(m, "v", "s", cases[i].dev);
                        break;
                case AY: {
                        uint8_t mask[2048];
                        memset(mask, 0xff, sizeof(mask));
                        r = sd_bus_message_open_container(m, 'v', "ay");
                        if (r >= 0)
                                r = sd_bus_message_append_array(m, 'y', mask, cases[i].u);
                        if (r >= 0)
                                r = sd_bus_message_close_container(m);
                        break;
                }
                case AST:
                        r = sd_bus_message_append(m, "v", "a(st)", 1, cases[i].dev, cases[i].u);
                        break;
                case AST_MANY:
                        r = sd_bus_message_open_container(m, 'v', "a(st)");
                        if (r >= 0)
                                r = sd_bus_message_open_container(m, 'a', "(st)");
                        for (unsigned k = 0; r >= 0 && k < 300; k++) {
                                char dev[32];
                                snprintf(dev, sizeof(dev), "%s%u", cases[i].dev, k);
                                r = sd_bus_message_append(m, "(st)", dev, cases[i].u);
                        }
                        if (r >= 0)
                                r = sd_bus_message_close_container(m);
                        if (r >= 0)
                                r = sd_bus_message_close_container(m);
                        break;
                }
                ASSERT_TRUE(r >= 0);
                seal(m);
                r = bus_read_prop_variant(m, p, BUS_READ_STRICT, &v, &err);
                if (r != cases[i].expect_errno || (cases[i].expect_message && !err)) {
                        fprintf(stderr, "case %zu (%s): got %d \"%s\", expected %d\n", i, cases[i].property,
                                r, strna(err), cases[i].expect_errno);
                        abort();
                }
                if (cases[i].expect_message)
                        ASSERT_CONTAINS(err, cases[i].expect_message);
                sd_bus_message_unref(m);
        }
}

/* Without BUS_READ_STRICT any well-typed value is shown as is. */
static void test_lenient(void) {
        _cleanup_(prop_value_done) PropValue v = {};
        const Property *p = property_by_name("CPUWeight");
        sd_bus_message *m = new_message();

        ASSERT_TRUE(sd_bus_message_append(m, "tay", UINT64_MAX, 0) >= 0);
        seal(m);
        ASSERT_EQ_INT(bus_read_prop_value(m, p, 0, &v, NULL), 0);
        ASSERT_TRUE(!v.reset);
        ASSERT_EQ_U64(v.u, UINT64_MAX);
        prop_value_done(&v);
        ASSERT_EQ_INT(bus_read_prop_value(m, property_by_name("AllowedCPUs"), 0, &v, NULL), 0);
        ASSERT_TRUE(!v.reset);
        ASSERT_EQ_INT(v.mask_size, 0);
        sd_bus_message_unref(m);
}

static void test_psi(void) {
        const PsiStats s = {.avg10 = 123, .avg60 = 5, .avg300 = 10000, .total = 987654321};
        sd_bus_message *m = new_message();
        double a, b, c;
        uint64_t t;

        ASSERT_EQ_INT(bus_append_psi(m, &s), 1);
        ASSERT_EQ_INT(bus_append_psi(m, NULL), 1);
        seal(m);
        ASSERT_EQ_INT(bus_read_psi(m, &a, &b, &c, &t), 0);
        ASSERT_TRUE(a > 1.2299 && a < 1.2301);
        ASSERT_TRUE(b > 0.0499 && b < 0.0501);
        ASSERT_TRUE(c > 99.99 && c < 100.01);
        ASSERT_EQ_U64(t, 987654321);
        ASSERT_EQ_INT(bus_read_psi(m, &a, &b, &c, &t), 0);
        ASSERT_EQ_U64(t, 0);
        ASSERT_TRUE(a == 0.0);
        ASSERT_EQ_INT(bus_read_psi(m, &a, &b, &c, &t), -ENXIO);
        sd_bus_message_unref(m);
}

int main(void) {
        int fd[2];

        /* A client bus on a socketpair: open enough to build messages, never answered. */
        ASSERT_EQ_INT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fd), 0);
        ASSERT_EQ_INT(sd_bus_new(&bus), 0);
        ASSERT_EQ_INT(sd_bus_set_fd(bus, fd[0], fd[0]), 0);
        ASSERT_TRUE(sd_bus_start(bus) >= 0);

        test_round_trips();
        test_strict_rejects();
        test_lenient();
        test_psi();

        sd_bus_close_unref(bus);
        close(fd[1]);
        printf("bus-value: ok\n");
        return 0;
}
