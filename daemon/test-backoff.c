/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Re-assert backoff against another writer (daemon/backoff.c). */

#include <stdio.h>

#include "backoff.h"
#include "tests.h"

#define SEC 1000000ULL
#define MS 1000ULL

/* A writer that changes the file 1 ms after each of our re-asserts, and also
 * every 2 ms in between, for `seconds`: how many re-asserts and log lines. */
static void fight(DriftBackoff *b, uint64_t start, uint64_t seconds, unsigned *ret_asserts, unsigned *ret_logs) {
        uint64_t next_assert = UINT64_MAX;
        unsigned asserts = 0, logs = 0;

        for (uint64_t t = start; t < start + seconds * SEC; t += 2 * MS) {
                if (next_assert <= t) {
                        asserts++; /* we write; the writer answers within the same 2 ms */
                        next_assert = UINT64_MAX;
                }
                DriftDecision d = drift_backoff_seen(b, t);
                logs += d.log;
                if (d.assert_at_usec <= t)
                        asserts++;
                else
                        next_assert = d.assert_at_usec;
        }
        *ret_asserts = asserts;
        *ret_logs = logs;
}

static void test_first_change_at_once(void) {
        DriftBackoff b = {};
        DriftDecision d = drift_backoff_seen(&b, 100 * SEC);

        ASSERT_EQ_U64(d.assert_at_usec, 100 * SEC);
        ASSERT_TRUE(d.log);
        ASSERT_EQ_INT(d.n_drifts, 1);
        /* a lone change much later is again put back at once, with its own line */
        d = drift_backoff_seen(&b, 200 * SEC);
        ASSERT_EQ_U64(d.assert_at_usec, 200 * SEC);
        ASSERT_TRUE(d.log);
        ASSERT_EQ_INT(d.n_drifts, 1);
}

static void test_fight_backs_off(void) {
        DriftBackoff b = {};
        unsigned asserts, logs;

        /* 5 s of a writer loop (2500 changes): re-asserts at 0, 1, 3 s; one line */
        fight(&b, 10 * SEC, 5, &asserts, &logs);
        ASSERT_EQ_INT(asserts, 3);
        ASSERT_EQ_INT(logs, 1);
        ASSERT_EQ_INT(b.n_drifts, 2500);

        /* an hour of it: the wait grows to its cap, a line per 10 s at most */
        b = (DriftBackoff){};
        fight(&b, 10 * SEC, 3600, &asserts, &logs);
        ASSERT_TRUE(asserts <= 20);
        ASSERT_TRUE(logs <= 3600 / 10 + 1);
        ASSERT_EQ_U64(b.interval_usec, DRIFT_BACKOFF_MAX_USEC);
}

static void test_summary_line(void) {
        DriftBackoff b = {};
        DriftDecision d = {};

        for (uint64_t t = 0; t <= 12 * SEC; t += 100 * MS) {
                d = drift_backoff_seen(&b, SEC + t);
                if (t > 0 && d.log)
                        break;
        }
        /* the second line comes 10 s in and counts what happened meanwhile */
        ASSERT_TRUE(d.log);
        ASSERT_EQ_INT(d.n_drifts, 101);
        ASSERT_EQ_U64(d.span_usec, 10 * SEC);
        ASSERT_TRUE(d.interval_usec >= 8 * SEC);
}

static void test_quiet_resets(void) {
        DriftBackoff b = {};
        unsigned asserts, logs;

        fight(&b, SEC, 20, &asserts, &logs);
        ASSERT_TRUE(b.interval_usec > DRIFT_BACKOFF_MIN_USEC);
        /* after a quiet spell, a change is put back at once again */
        DriftDecision d = drift_backoff_seen(&b, (21 + 31) * SEC);
        ASSERT_EQ_U64(d.assert_at_usec, 52 * SEC);
        ASSERT_EQ_INT(d.n_drifts, 1);
}

int main(void) {
        test_first_change_at_once();
        test_fight_backs_off();
        test_summary_line();
        test_quiet_resets();
        printf("test-backoff: all passed\n");
        return 0;
}
