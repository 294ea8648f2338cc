/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Table-driven tests of PSI parsing (core/psi.c). */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "macro.h"
#include "psi.h"
#include "tests.h"

typedef struct {
        const char *text;
        int r;
        bool has_some, has_full;
        PsiStats some, full;
} PsiCase;

static const PsiCase cases[] = {
        { "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
          "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
          0, true, true, { 0, 0, 0, 0 }, { 0, 0, 0, 0 } },
        { "some avg10=1.23 avg60=45.60 avg300=100.00 total=123456789\n"
          "full avg10=0.50 avg60=0.01 avg300=7.00 total=42\n",
          0, true, true, { 123, 4560, 10000, 123456789 }, { 50, 1, 700, 42 } },
        /* cpu.pressure before 5.13: only "some"; no trailing newline */
        { "some avg10=2.00 avg60=1.00 avg300=0.50 total=9", 0, true, false, { 200, 100, 50, 9 }, {} },
        /* fields in another order, one decimal */
        { "some total=5 avg300=0.1 avg60=0.2 avg10=0.3\n", 0, true, false, { 30, 20, 10, 5 }, {} },
        { "some avg10=0.00 avg60=0.00 avg300=0.00 total=18446744073709551615\n", 0, true, false,
          { 0, 0, 0, UINT64_MAX }, {} },
        /* bad */
        { "", -EINVAL, false, false, {}, {} },
        { "\n", -EINVAL, false, false, {}, {} },
        { "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", -EINVAL, false, false, {}, {} }, /* no some */
        { "some avg10=0.00 avg60=0.00 avg300=0.00\n", -EINVAL, false, false, {}, {} },        /* missing total */
        { "some avg10=0.00 avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", -EINVAL, false, false, {}, {} },
        { "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nsome avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
          -EINVAL, false, false, {}, {} },
        { "some avg10=0.00 avg60=0.00 avg300=0.00 total=0 extra=1\n", -EINVAL, false, false, {}, {} },
        { "some avg10=0.00 avg60=0.00 avg300=0.00 total=0 junk\n", -EINVAL, false, false, {}, {} },
        { "some avg10=0.00 avg60=0.00 avg300=0.00 total=-1\n", -EINVAL, false, false, {}, {} },
        { "some avg10=0.00 avg60=0.00 avg300=0.00 total=18446744073709551616\n", -ERANGE, false, false, {}, {} },
        { "some avg10=100.01 avg60=0.00 avg300=0.00 total=0\n", -ERANGE, false, false, {}, {} },
        { "some avg10=0.001 avg60=0.00 avg300=0.00 total=0\n", -EINVAL, false, false, {}, {} },
        { "some avg10=1. avg60=0.00 avg300=0.00 total=0\n", -EINVAL, false, false, {}, {} },
        { "some avg10=.5 avg60=0.00 avg300=0.00 total=0\n", -EINVAL, false, false, {}, {} },
        { "some avg10= avg60=0.00 avg300=0.00 total=0\n", -EINVAL, false, false, {}, {} },
        { "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n\n", -EINVAL, false, false, {}, {} },
        { "Some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", -EINVAL, false, false, {}, {} },
        { "someavg10=0.00 avg60=0.00 avg300=0.00 total=0\n", -EINVAL, false, false, {}, {} },
        { "some\tavg10=0.00 avg60=0.00 avg300=0.00 total=0\n", -EINVAL, false, false, {}, {} },
        { "some avg10=99999999999999999999 avg60=0.00 avg300=0.00 total=0\n", -ERANGE, false, false, {}, {} },
};

static void assert_stats(const PsiStats *a, const PsiStats *b) {
        ASSERT_EQ_U64(a->avg10, b->avg10);
        ASSERT_EQ_U64(a->avg60, b->avg60);
        ASSERT_EQ_U64(a->avg300, b->avg300);
        ASSERT_EQ_U64(a->total, b->total);
}

static void test_psi_parse(void) {
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                PsiPressure p = { .some.total = 4242 };
                int r = psi_parse(cases[i].text, &p);
                if (r != cases[i].r)
                        fprintf(stderr, "psi_parse(\"%s\") = %d, expected %d\n", cases[i].text, r, cases[i].r);
                ASSERT_EQ_INT(r, cases[i].r);
                if (r < 0) {
                        ASSERT_EQ_U64(p.some.total, 4242); /* untouched */
                        continue;
                }
                ASSERT_EQ_INT(p.has_some, cases[i].has_some);
                ASSERT_EQ_INT(p.has_full, cases[i].has_full);
                assert_stats(&p.some, &cases[i].some);
                if (p.has_full)
                        assert_stats(&p.full, &cases[i].full);
        }
        PsiPressure p;
        ASSERT_EQ_INT(psi_parse(NULL, &p), -EINVAL);
}

static void test_psi_trigger(void) {
        static const struct {
                const char *in;
                int r, kind;
                uint64_t stall, window;
                const char *written;
        } t[] = {
                { "some 150ms 1s", 0, 0, 150000, 1000000, "some 150000 1000000" },
                { "full 1s 10s", 0, 1, 1000000, 10000000, "full 1000000 10000000" },
                { "  some   500ms   500ms  ", 0, 0, 500000, 500000, "some 500000 500000" },
                { "some 1us 2s", 0, 0, 1, 2000000, "some 1 2000000" },
                { "some 100ms 0.5", 0, 0, 100000, 500000, "some 100000 500000" },
                { "some 150ms 499ms", -ERANGE, 0, 0, 0, NULL },  /* window below 500ms */
                { "some 150ms 11s", -ERANGE, 0, 0, 0, NULL },    /* window above 10s */
                { "some 2s 1s", -ERANGE, 0, 0, 0, NULL },        /* stall longer than window */
                { "some 0 1s", -ERANGE, 0, 0, 0, NULL },         /* no stall */
                { "some 150ms", -EINVAL, 0, 0, 0, NULL },
                { "some 150ms 1s 2s", -EINVAL, 0, 0, 0, NULL },
                { "partial 150ms 1s", -EINVAL, 0, 0, 0, NULL },
                { "SOME 150ms 1s", -EINVAL, 0, 0, 0, NULL },
                { "some 150xs 1s", -EINVAL, 0, 0, 0, NULL },
                { "some -150ms 1s", -EINVAL, 0, 0, 0, NULL },
                { "some 150ms infinity", -ERANGE, 0, 0, 0, NULL },
                { "", -EINVAL, 0, 0, 0, NULL },
                { "some 150000 1000000", -ERANGE, 0, 0, 0, NULL }, /* bare numbers are seconds */
        };
        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                int kind = 9;
                uint64_t stall = 9, window = 9;
                int r = psi_parse_trigger(t[i].in, &kind, &stall, &window);
                if (r != t[i].r)
                        fprintf(stderr, "psi_parse_trigger(\"%s\") = %d\n", t[i].in, r);
                ASSERT_EQ_INT(r, t[i].r);
                if (r < 0) {
                        ASSERT_TRUE(kind == 9 && stall == 9 && window == 9);
                        continue;
                }
                ASSERT_EQ_INT(kind, t[i].kind);
                ASSERT_EQ_U64(stall, t[i].stall);
                ASSERT_EQ_U64(window, t[i].window);
                char *s = NULL;
                ASSERT_EQ_INT(psi_format_trigger(kind, stall, window, &s), 0);
                ASSERT_STREQ(s, t[i].written);
                free(s);
        }

        char *s = NULL;
        ASSERT_EQ_INT(psi_format_trigger(2, 1000, 1000000, &s), -EINVAL);
        ASSERT_EQ_INT(psi_format_trigger(0, 0, 1000000, &s), -ERANGE);
        ASSERT_EQ_INT(psi_format_trigger(0, 1000, 100000, &s), -ERANGE);
        ASSERT_EQ_INT(psi_format_trigger(0, 2000000, 1000000, &s), -ERANGE);
        ASSERT_TRUE(!s);
}

static void test_psi_merge_max(void) {
        PsiPressure acc = {}, a = {}, b = {};

        ASSERT_EQ_INT(psi_parse("some avg10=1.00 avg60=9.00 avg300=0.00 total=50\n", &a), 0);
        ASSERT_EQ_INT(psi_parse("some avg10=7.50 avg60=2.00 avg300=0.10 total=40\n"
                                "full avg10=3.00 avg60=0.00 avg300=0.00 total=30\n",
                                &b),
                      0);
        psi_merge_max(&acc, &a);
        ASSERT_TRUE(acc.has_some && !acc.has_full);
        assert_stats(&acc.some, &a.some);
        psi_merge_max(&acc, &b);
        ASSERT_TRUE(acc.has_some && acc.has_full);
        ASSERT_EQ_U64(acc.some.avg10, 750);
        ASSERT_EQ_U64(acc.some.avg60, 900);
        ASSERT_EQ_U64(acc.some.avg300, 10);
        ASSERT_EQ_U64(acc.some.total, 50);
        assert_stats(&acc.full, &b.full);
        /* an empty read changes nothing */
        psi_merge_max(&acc, &(PsiPressure){});
        ASSERT_EQ_U64(acc.some.avg10, 750);
}

int main(void) {
        test_psi_merge_max();
        test_psi_parse();
        test_psi_trigger();
        printf("test-psi: all passed\n");
        return 0;
}
