/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Diagnostics: formatting with and without positions, accumulation, cleanup. */

#include "diag.h"
#include "macro.h"
#include "tests.h"

static void test_format(void) {
        static const struct {
                const char *file;
                unsigned line, column;
                const char *message, *want;
        } cases[] = {
                {"policies.json", 12, 21, "unknown property \"MemoryHihg\"",
                 "policies.json:12:21: unknown property \"MemoryHihg\""},
                {"a.json", 3, 0, "no column", "a.json:3: no column"},
                {"a.json", 0, 0, "Failed to open: No such file or directory",
                 "a.json: Failed to open: No such file or directory"},
                /* a column without a line is meaningless and dropped */
                {"a.json", 0, 7, "whole file", "a.json: whole file"},
                {"", 1, 1, "no file", "no file"},
                {NULL, 1, 1, "no file either", "no file either"},
                {"x.json", 1, 1, "", "x.json:1:1: "},
                {"dir with space/x.json", 4294967295U, 4294967295U, "max",
                 "dir with space/x.json:4294967295:4294967295: max"},
        };
        Diags d = {};

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                ASSERT_EQ_INT(
                        diags_add(&d, cases[i].file, cases[i].line, cases[i].column, "%s", cases[i].message),
                        0);
                ASSERT_EQ_INT(d.n, i + 1);
                _cleanup_free_ char *s = diag_format(&d.items[i]);
                ASSERT_STREQ(s, cases[i].want);
        }
        diags_done(&d);
        ASSERT_EQ_INT(d.n, 0);
        ASSERT_TRUE(d.items == NULL);
        diags_done(&d); /* twice is fine */
}

static void test_printf(void) {
        Diags d = {};
        ASSERT_EQ_INT(diags_add(&d, "f.json", 2, 5, "\"%s\": value %d out of range %d..%d", "CPUWeight", 0,
                                1, 10000),
                      0);
        ASSERT_STREQ(d.items[0].file, "f.json");
        ASSERT_EQ_INT(d.items[0].line, 2);
        ASSERT_EQ_INT(d.items[0].column, 5);
        ASSERT_STREQ(d.items[0].message, "\"CPUWeight\": value 0 out of range 1..10000");

        /* Messages are copied: a '%' in data passed as an argument stays literal. */
        ASSERT_EQ_INT(diags_add(&d, "f.json", 1, 1, "%s", "100%s%n"), 0);
        ASSERT_STREQ(d.items[1].message, "100%s%n");

        /* Many entries: the array grows and keeps order. */
        for (unsigned i = 0; i < 1000; i++)
                ASSERT_EQ_INT(diags_add(&d, "g.json", i + 1, 1, "e%u", i), 0);
        ASSERT_EQ_INT(d.n, 1002);
        ASSERT_STREQ(d.items[501].message, "e499");
        ASSERT_EQ_INT(d.items[501].line, 500);
        diags_done(&d);

        ASSERT_EQ_INT(diags_add(NULL, "x", 1, 1, "y"), -EINVAL);
        ASSERT_TRUE(diag_format(NULL) == NULL);
}

int main(void) {
        test_format();
        test_printf();
        return 0;
}
