/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Each verb: argv[0] is the verb name; returns a systemctl-style exit code. */
int verb_check(int argc, char *argv[]);
