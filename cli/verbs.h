/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Each verb: argv[0] is the verb name, argv[1..] its positional arguments
 * (global options already parsed into `arg`, see ctl.h); returns a
 * systemctl-style exit code. verb_check gets its arguments unparsed. */
int verb_check(int argc, char *argv[]);

int verb_status(int argc, char *argv[]);
int verb_pressure(int argc, char *argv[]);
int verb_list(int argc, char *argv[]);
int verb_show(int argc, char *argv[]);
int verb_explain(int argc, char *argv[]);
int verb_set_property(int argc, char *argv[]);
int verb_revert(int argc, char *argv[]);
int verb_reload(int argc, char *argv[]);
int verb_monitor(int argc, char *argv[]);
int verb_metrics(int argc, char *argv[]);
