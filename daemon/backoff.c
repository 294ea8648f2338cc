/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "backoff.h"

DriftDecision drift_backoff_seen(DriftBackoff *b, uint64_t now_usec) {
        DriftDecision d = {};

        if (b->last_drift_usec == 0 || now_usec - b->last_drift_usec > DRIFT_QUIET_USEC)
                /* first change, or the first after a quiet spell: not a fight (yet) */
                *b = (DriftBackoff){.fight_start_usec = now_usec};
        b->last_drift_usec = now_usec;
        b->n_drifts++;

        if (b->interval_usec == 0) {
                d.assert_at_usec = now_usec;
                b->interval_usec = DRIFT_BACKOFF_MIN_USEC;
        } else if (b->last_assert_usec > now_usec)
                /* a re-assert is already scheduled: this change is part of the same round */
                d.assert_at_usec = b->last_assert_usec;
        else {
                d.assert_at_usec = b->last_assert_usec + b->interval_usec;
                if (d.assert_at_usec < now_usec)
                        d.assert_at_usec = now_usec;
                b->interval_usec = b->interval_usec * 2 > DRIFT_BACKOFF_MAX_USEC ? DRIFT_BACKOFF_MAX_USEC
                                                                                 : b->interval_usec * 2;
        }
        b->last_assert_usec = d.assert_at_usec;

        /* the first change gets its line; then one summary line per interval */
        if (b->n_drifts == 1 ||
            (b->n_drifts > b->n_logged && now_usec - b->last_log_usec >= DRIFT_LOG_INTERVAL_USEC)) {
                d.log = true;
                b->n_logged = b->n_drifts;
                b->last_log_usec = now_usec;
        }
        d.n_drifts = b->n_drifts;
        d.span_usec = now_usec - b->fight_start_usec;
        d.interval_usec = b->interval_usec;
        return d;
}
