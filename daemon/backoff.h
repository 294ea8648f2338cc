/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* When to re-assert a managed file that someone else keeps rewriting (pure: the
 * caller passes the time). The first change is put back at once; if the file
 * is changed again within DRIFT_QUIET_USEC of the previous change, we are in a
 * fight and each re-assert waits twice as long as the one before (from
 * DRIFT_BACKOFF_MIN_USEC up to DRIFT_BACKOFF_MAX_USEC), so neither the journal
 * nor the CPU are flooded. A quiet spell ends the fight. While fighting, one log
 * line every DRIFT_LOG_INTERVAL_USEC says how often it happened. */

#include <stdbool.h>
#include <stdint.h>

#define DRIFT_QUIET_USEC (30ULL * 1000000ULL)
#define DRIFT_BACKOFF_MIN_USEC (1ULL * 1000000ULL)
#define DRIFT_BACKOFF_MAX_USEC (300ULL * 1000000ULL)
#define DRIFT_LOG_INTERVAL_USEC (10ULL * 1000000ULL)

typedef struct DriftBackoff {
        uint64_t last_drift_usec;  /* 0: no fight */
        uint64_t fight_start_usec;
        uint64_t last_assert_usec; /* the last re-assert we made (or scheduled) */
        uint64_t interval_usec;    /* wait before the next re-assert; 0: at once */
        unsigned n_drifts;         /* changes seen in this fight */
        unsigned n_logged;         /* of which already in a log line */
        uint64_t last_log_usec;
} DriftBackoff;

typedef struct DriftDecision {
        uint64_t assert_at_usec; /* re-assert at this time (<= now: at once) */
        bool log;                /* write a line now */
        unsigned n_drifts;       /* for the line: changes seen since the fight began */
        uint64_t span_usec;      /* ... over this long */
        uint64_t interval_usec;  /* ... and the wait between re-asserts now */
} DriftDecision;

/* Someone changed the file at now. */
DriftDecision drift_backoff_seen(DriftBackoff *b, uint64_t now_usec);
