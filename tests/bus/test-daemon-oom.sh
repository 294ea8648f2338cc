#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# OOMScoreAdjust lands in /proc/PID/oom_score_adj of real processes listed in the
# fake cgroup.procs, also for processes added later; stop restores them.
source "$(dirname "$0")/lib.sh"

make_tree db.service
policy 50-test.json '{ "policies": [
  { "name": "db", "match": { "unit": "db.service" }, "properties": { "OOMScoreAdjust": 321 } } ] }'

spawn_child
a=$CHILD
spawn_child
b=$CHILD
orig_a=$(cat /proc/"$a"/oom_score_adj)
orig_b=$(cat /proc/"$b"/oom_score_adj)
printf '%s\n' "$a" >"$SLICE/db.service/cgroup.procs"

start_daemon
expect_file /proc/"$a"/oom_score_adj 321
file_is /proc/"$b"/oom_score_adj "$orig_b" || fail "a process outside the cgroup was changed"

# a process joins later
printf '%s\n%s\n' "$a" "$b" >"$SLICE/db.service/cgroup.procs"
expect_file /proc/"$b"/oom_score_adj 321

# someone else changes it: a new cgroup.procs event re-asserts
echo 0 >/proc/"$b"/oom_score_adj
printf '%s\n%s\n' "$a" "$b" >"$SLICE/db.service/cgroup.procs"
expect_file /proc/"$b"/oom_score_adj 321

stop_daemon TERM || fail "daemon exited with $?"
file_is /proc/"$a"/oom_score_adj "$orig_a" || fail "PID $a not restored: $(cat /proc/"$a"/oom_score_adj)"
file_is /proc/"$b"/oom_score_adj "$orig_b" || fail "PID $b not restored: $(cat /proc/"$b"/oom_score_adj)"
echo "oom_score_adj 321 applied to PIDs $a $b and restored to $orig_a/$orig_b"
