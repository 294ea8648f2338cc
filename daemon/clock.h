/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The time now on a clock, in µs (0 if the clock cannot be read). */

#include <stdint.h>
#include <time.h>

#include "macro.h"

static inline uint64_t now_usec(clockid_t clock) {
        struct timespec ts;

        if (clock_gettime(clock, &ts) < 0)
                return 0;
        return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000;
}
