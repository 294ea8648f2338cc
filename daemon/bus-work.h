/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Costly calls (state saves with fsync, cgroup writes) do not run in the order
 * they arrived but from one queue per caller, taken in turn, one call each; and
 * before each one, up to BUS_WORK_READ_AHEAD further messages are read off the
 * bus, so that cheap calls (reads, GetUnit) behind a flood are answered at once
 * and another caller's costly call waits for one of the flooder's, not for all
 * of them. A caller may have BUS_WORK_QUEUE_MAX calls queued; beyond, a call is
 * refused with LimitsExceeded. Replies to one caller keep their order. */

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "polkit.h"

#define BUS_WORK_QUEUE_MAX 128U
#define BUS_WORK_READ_AHEAD 64U

typedef struct BusWork BusWork;

/* Queues run(reply_to, userdata) for m's sender. Returns 0 queued (userdata now
 * belongs to the queue, freed with free_userdata after the run), -EBUSY refused
 * (error set; userdata stays the caller's), other negative errno. */
int bus_work_submit(BusWork **w, sd_event *event, sd_bus_message *m, polkit_run_t run, void *userdata,
                    void (*free_userdata)(void *), sd_bus_error *error);

/* Calls still queued (for tests and the status line). */
unsigned bus_work_queued(const BusWork *w);
/* Calls of this sender still queued: while there are, a later call of it must
 * not be answered ahead of them (e.g. as a no-op judged on the state before them). */
unsigned bus_work_queued_for(const BusWork *w, const char *sender);

BusWork *bus_work_free(BusWork *w);
