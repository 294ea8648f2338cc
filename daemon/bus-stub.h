/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

/* A sealed method call carrying only what a reply to m needs: a reply names the
 * destination (m's sender) and the serial it answers, and is not sent at all
 * when m asked for none. Kept instead of m by calls answered later (polkit,
 * queued work), so that a pending call costs a few hundred bytes whatever the
 * size of its arguments. */
int bus_message_stub_new(sd_bus_message *m, sd_bus_message **ret);
