/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Per-uid token buckets (pure: the caller passes the time), so that one user's
 * flood of costly calls is refused cheaply instead of queueing up in front of
 * everyone else's. Each uid may spend `burst` calls at once, refilled at
 * `per_sec` a second. Buckets that are full again are forgotten, so the table
 * only holds the uids that called recently; at most RATELIMIT_UIDS_MAX of them
 * (beyond, new uids are refused until some refill: a flood from many uids then
 * limits only the newcomers, never the total work). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RATELIMIT_UIDS_MAX 256U

typedef struct RateBucket {
        uint32_t uid;
        uint64_t tokens; /* in millionths of a call */
        uint64_t last_usec;
} RateBucket;

typedef struct RateLimit {
        unsigned burst, per_sec;
        RateBucket *buckets;
        size_t n;
        uint64_t n_refused; /* since the last ratelimit_take_refused() */
} RateLimit;

#define RATELIMIT_INIT(b, p) ((RateLimit){.burst = (b), .per_sec = (p)})

/* true: the call may go ahead (one token spent); false: refused (counted). */
bool ratelimit_take(RateLimit *rl, uint32_t uid, uint64_t now_usec);
/* The refusals counted so far, and resets the count. */
uint64_t ratelimit_take_refused(RateLimit *rl);
void ratelimit_done(RateLimit *rl);
