/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "property.h"

/* What "N%" means on this machine: RAM for sizes, and for TasksMax the smaller
 * of kernel.pid_max and kernel.threads-max, as systemd resolves it. One source
 * for the daemon, `cgpolicyctl check` and `set-property`, so they agree. */
void parse_context_from_system(ParseContext *ret);
