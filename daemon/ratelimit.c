/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdlib.h>

#include "ratelimit.h"

#define UNIT 1000000ULL /* one call, in tokens */

static uint64_t refilled(const RateLimit *rl, const RateBucket *b, uint64_t now_usec) {
        uint64_t cap = (uint64_t)rl->burst * UNIT;
        uint64_t dt = now_usec > b->last_usec ? now_usec - b->last_usec : 0;
        /* per_sec calls a second = per_sec tokens a microsecond; saturate early */
        uint64_t add = rl->per_sec == 0 ? 0 : dt > cap ? cap : dt * rl->per_sec;

        return b->tokens + add >= cap ? cap : b->tokens + add;
}

/* Drops the buckets that are full again: they are what a new one starts as. */
static void forget_full(RateLimit *rl, uint64_t now_usec) {
        size_t j = 0;

        for (size_t i = 0; i < rl->n; i++)
                if (refilled(rl, &rl->buckets[i], now_usec) < (uint64_t)rl->burst * UNIT)
                        rl->buckets[j++] = rl->buckets[i];
        rl->n = j;
}

bool ratelimit_take(RateLimit *rl, uint32_t uid, uint64_t now_usec) {
        RateBucket *b = NULL;

        if (rl->burst == 0)
                goto refuse;
        for (size_t i = 0; i < rl->n; i++)
                if (rl->buckets[i].uid == uid) {
                        b = &rl->buckets[i];
                        break;
                }
        if (!b) {
                if (rl->n >= RATELIMIT_UIDS_MAX)
                        forget_full(rl, now_usec);
                if (rl->n >= RATELIMIT_UIDS_MAX)
                        goto refuse;
                if (!rl->buckets) {
                        rl->buckets = calloc(RATELIMIT_UIDS_MAX, sizeof(RateBucket));
                        if (!rl->buckets)
                                goto refuse; /* no memory: the cheap answer */
                }
                b = &rl->buckets[rl->n++];
                *b = (RateBucket){.uid = uid, .tokens = (uint64_t)rl->burst * UNIT, .last_usec = now_usec};
        }

        b->tokens = refilled(rl, b, now_usec);
        b->last_usec = now_usec;
        if (b->tokens < UNIT)
                goto refuse;
        b->tokens -= UNIT;
        return true;

refuse:
        rl->n_refused++;
        return false;
}

uint64_t ratelimit_take_refused(RateLimit *rl) {
        uint64_t n = rl->n_refused;

        rl->n_refused = 0;
        return n;
}

void ratelimit_done(RateLimit *rl) {
        free(rl->buckets);
        rl->buckets = NULL;
        rl->n = 0;
}
