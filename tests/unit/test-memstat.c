/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* memory.stat and /proc/meminfo keys: exact key match, bytes, strict lines. */

#include <errno.h>
#include <stdio.h>

#include "memstat.h"
#include "tests.h"

static const char stat_text[] = "anon 1048576\n"
                                "file 4096\n"
                                "anon_thp 0\n"
                                "workingset_refault_file 17\n";

static void test_memstat(void) {
        uint64_t v = 9;

        ASSERT_EQ_INT(memstat_get(stat_text, "anon", &v), 0);
        ASSERT_EQ_U64(v, 1048576);
        ASSERT_EQ_INT(memstat_get(stat_text, "file", &v), 0);
        ASSERT_EQ_U64(v, 4096);
        ASSERT_EQ_INT(memstat_get(stat_text, "workingset_refault_file", &v), 0);
        ASSERT_EQ_U64(v, 17);
        /* a prefix of another key is not that key */
        v = 9;
        ASSERT_EQ_INT(memstat_get(stat_text, "anon_t", &v), -ENOENT);
        ASSERT_EQ_INT(memstat_get(stat_text, "workingset", &v), -ENOENT);
        ASSERT_EQ_INT(memstat_get("", "anon", &v), -ENOENT);
        ASSERT_EQ_U64(v, 9);
        ASSERT_EQ_INT(memstat_get("anon 12x\n", "anon", &v), -EINVAL);
        ASSERT_EQ_INT(memstat_get("anon \n", "anon", &v), -EINVAL);
        ASSERT_EQ_INT(memstat_get("anon -1\n", "anon", &v), -EINVAL);
        ASSERT_EQ_INT(memstat_get("anon 99999999999999999999\n", "anon", &v), -ERANGE);
        ASSERT_EQ_U64(v, 9);
        ASSERT_EQ_INT(memstat_get("file 1\nanon 5", "anon", &v), 0); /* no final newline */
        ASSERT_EQ_U64(v, 5);
        ASSERT_EQ_INT(memstat_get(NULL, "anon", &v), -EINVAL);
        ASSERT_EQ_INT(memstat_get(stat_text, "", &v), -EINVAL);
}

static void test_meminfo(void) {
        uint64_t v = 9;

        ASSERT_EQ_INT(meminfo_get("MemTotal:        2014396 kB\nSwapTotal:             0 kB\n", "SwapTotal", &v), 0);
        ASSERT_EQ_U64(v, 0);
        ASSERT_EQ_INT(meminfo_get("SwapTotal:       1024 kB\n", "SwapTotal", &v), 0);
        ASSERT_EQ_U64(v, 1048576);
        ASSERT_EQ_INT(meminfo_get("SwapTotal:       1024\n", "SwapTotal", &v), -EINVAL);
        ASSERT_EQ_INT(meminfo_get("SwapTotalX:  1 kB\n", "SwapTotal", &v), -ENOENT);
        ASSERT_EQ_INT(meminfo_get("SwapTotal: 99999999999999999999 kB\n", "SwapTotal", &v), -ERANGE);
        ASSERT_EQ_INT(meminfo_get("SwapTotal: 18014398509481984 kB\n", "SwapTotal", &v), -ERANGE);
}

int main(void) {
        test_memstat();
        test_meminfo();
        printf("test-memstat: all passed\n");
        return 0;
}
