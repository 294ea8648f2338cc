/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit names as systemctl takes them (cli/unit-name.c), values as systemctl
 * show prints them (cli/show-format.c) and the property-name suggestion
 * (core/suggest.c). */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "show-format.h"
#include "suggest.h"
#include "tests.h"
#include "unit-name.h"

static void check(const char *in, bool glob, int want_r, const char *want) {
        char *out = NULL, *err = NULL;
        int r = unit_name_mangle(in, glob, "show", &out, &err);
        if (r != want_r)
                fprintf(stderr, "unit_name_mangle(\"%s\") = %d (%s), expected %d\n", in, r, err ? err : "", want_r);
        ASSERT_EQ_INT(r, want_r);
        if (r >= 0) {
                ASSERT_STREQ(out, want);
                ASSERT_TRUE(!err);
        } else {
                ASSERT_TRUE(!out);
                ASSERT_CONTAINS(err, want);
        }
        free(out);
        free(err);
}

static void test_mangle(void) {
        check("nginx", false, 0, "nginx.service");
        check("nginx.service", false, 0, "nginx.service");
        check("system.slice", false, 0, "system.slice");
        check("session-1.scope", false, 0, "session-1.scope");
        check("getty@tty1", false, 0, "getty@tty1.service");
        check("foo.bar", false, 0, "foo.bar.service"); /* not a unit type: .service, as systemctl */
        check("db*", true, 1, "db*");                  /* a glob keeps its shape */
        check("batch-[0-9].service", true, 1, "batch-[0-9].service");
        check("db*", false, -EINVAL, "\"db*\" is a glob pattern, but show takes one unit name");
        check("", true, -EINVAL, "Unit name is empty");
        check("a b", true, -EINVAL, "Invalid unit name \"a b\": ' ' is not allowed");
        check("a/b", false, -EINVAL, "'/' is not allowed");
        check("a\nb", false, -EINVAL, "character 0x0a");

        char long_name[300];
        memset(long_name, 'x', sizeof long_name - 1);
        long_name[sizeof long_name - 1] = 0;
        check(long_name, false, -EINVAL, "longer than 255 characters");
        long_name[255 - strlen(".service")] = 0; /* exactly 255 with the suffix */
        char *out = NULL, *err = NULL;
        ASSERT_EQ_INT(unit_name_mangle(long_name, false, "show", &out, &err), 0);
        ASSERT_EQ_INT((int)strlen(out), 255);
        free(out);

        ASSERT_TRUE(unit_name_is_glob("a*"));
        ASSERT_TRUE(unit_name_is_glob("a?"));
        ASSERT_TRUE(unit_name_is_glob("[ab]"));
        ASSERT_TRUE(!unit_name_is_glob("a.service"));
}

static void test_suggest(void) {
        ASSERT_STREQ(suggest_property_name("MemoryHihg"), "MemoryHigh");
        ASSERT_STREQ(suggest_property_name("cpuweight"), "CPUWeight");
        ASSERT_STREQ(suggest_property_name("IOWieght"), "IOWeight");
        ASSERT_STREQ(suggest_property_name("TaskMax"), "TasksMax");
        ASSERT_TRUE(suggest_property_name("Bogus") == NULL);
        ASSERT_TRUE(suggest_property_name("") == NULL);
        ASSERT_EQ_U64(edit_distance("kitten", "sitting"), 3);
}

static void show_is(const char *prop, const char *text, const char *want) {
        char *out = NULL;
        ASSERT_EQ_INT(show_format_text(property_by_name(prop), text, &out), 0);
        ASSERT_STREQ(out, want);
        free(out);
}

/* Values as systemctl show prints them (cli/show-format.c). */
static void test_show_format(void) {
        show_is("MemoryHigh", "1G", "1073741824");
        show_is("MemoryHigh", "infinity", "infinity");
        show_is("MemoryHigh", "", "");
        show_is("MemoryLow", "512M", "536870912");
        show_is("TasksMax", "infinity", "infinity");
        show_is("TasksMax", "100", "100");
        show_is("CPUWeight", "idle", "idle");
        show_is("CPUWeight", "", "");
        show_is("CPUQuota", "50%", "50%");
        show_is("AllowedCPUs", "0-3", "0-3");
        show_is("IOReadBandwidthMax", "8:0 10M; /dev/sda 1K", "8:0 10000000\n/dev/sda 1000");
        show_is("IOReadIOPSMax", "8:0 1K", "8:0 1000");
        show_is("IODeviceWeight", "8:0 800", "8:0 800");
        show_is("IODeviceLatencyTargetSec", "8:0 25ms; 8:16 1s", "8:0 25ms\n8:16 1s");

        PropValue unset_weight = {.u = UINT64_MAX};
        char *out = NULL;
        ASSERT_EQ_INT(show_format_value(property_by_name("IOWeight"), &unset_weight, &out), 0);
        ASSERT_STREQ(out, "");
        free(out);
}

int main(void) {
        test_show_format();
        test_mangle();
        test_suggest();
        printf("test-cli-names: all passed\n");
        return 0;
}
