/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Per-uid token buckets (daemon/ratelimit.c). */

#include <stdio.h>

#include "ratelimit.h"
#include "tests.h"

#define SEC 1000000ULL

static void test_burst_then_refill(void) {
        RateLimit rl = RATELIMIT_INIT(8, 4);
        unsigned ok = 0;

        /* 64 calls at once: the burst goes through, the rest is refused */
        for (int i = 0; i < 64; i++)
                ok += ratelimit_take(&rl, 65534, 10 * SEC);
        ASSERT_EQ_INT(ok, 8);
        ASSERT_EQ_U64(ratelimit_take_refused(&rl), 56);
        ASSERT_EQ_U64(ratelimit_take_refused(&rl), 0);

        /* a quarter second later one more; half a second two */
        ASSERT_TRUE(ratelimit_take(&rl, 65534, 10 * SEC + SEC / 4));
        ASSERT_TRUE(!ratelimit_take(&rl, 65534, 10 * SEC + SEC / 4));
        ASSERT_TRUE(ratelimit_take(&rl, 65534, 10 * SEC + SEC / 2));
        /* long quiet: the full burst again, never more */
        ok = 0;
        for (int i = 0; i < 20; i++)
                ok += ratelimit_take(&rl, 65534, 100 * SEC);
        ASSERT_EQ_INT(ok, 8);
        ratelimit_done(&rl);
}

static void test_uids_apart(void) {
        RateLimit rl = RATELIMIT_INIT(2, 1);

        ASSERT_TRUE(ratelimit_take(&rl, 1000, SEC));
        ASSERT_TRUE(ratelimit_take(&rl, 1000, SEC));
        ASSERT_TRUE(!ratelimit_take(&rl, 1000, SEC));
        /* another user is not held back by the first one's flood */
        ASSERT_TRUE(ratelimit_take(&rl, 1001, SEC));
        ratelimit_done(&rl);
}

static void test_table_bounded(void) {
        RateLimit rl = RATELIMIT_INIT(2, 1);

        /* as many uids as fit, each with a spent token: all stay */
        for (uint32_t u = 0; u < RATELIMIT_UIDS_MAX; u++)
                ASSERT_TRUE(ratelimit_take(&rl, u, SEC));
        ASSERT_EQ_INT(rl.n, RATELIMIT_UIDS_MAX);
        /* a newcomer while none has refilled: refused, the table does not grow */
        ASSERT_TRUE(!ratelimit_take(&rl, 99999, SEC));
        ASSERT_EQ_INT(rl.n, RATELIMIT_UIDS_MAX);
        /* once they refilled they are forgotten and there is room */
        ASSERT_TRUE(ratelimit_take(&rl, 99999, 5 * SEC));
        ASSERT_TRUE(rl.n <= RATELIMIT_UIDS_MAX);
        ratelimit_done(&rl);
}

static void test_time_going_back(void) {
        RateLimit rl = RATELIMIT_INIT(1, 1);

        ASSERT_TRUE(ratelimit_take(&rl, 7, 10 * SEC));
        /* a clock that goes backwards refills nothing (and does not wrap) */
        ASSERT_TRUE(!ratelimit_take(&rl, 7, 5 * SEC));
        ratelimit_done(&rl);
}

int main(void) {
        test_burst_then_refill();
        test_uids_apart();
        test_table_bounded();
        test_time_going_back();
        printf("test-ratelimit: all passed\n");
        return 0;
}
