/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* originals.log (state-log.c): the originals a batch recorded, appended. */

#include "state.h"

int state_log_append(State *s);
int state_log_replay(State *s);
