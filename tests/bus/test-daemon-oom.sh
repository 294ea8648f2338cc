#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# OOMScoreAdjust lands in /proc/PID/oom_score_adj of real processes listed in the
# fake cgroup.procs, also for processes added later; stop restores them. Each
# pass that writes is one apply entry in the journal about the unit (issue 11).
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

journal_stderr
start_daemon
expect_file /proc/"$a"/oom_score_adj 321
# oom_entry PID OLD: the apply entry for one written process (export format: blank-line separated)
oom_entry() {
        awk -v RS= -v pid="$1" -v old="$2" 'index($0, "\nCGPOLICYD_PROPERTY=OOMScoreAdjust\n") &&
                index($0, "\nOBJECT_SYSTEMD_UNIT=db.service\n") && index($0, "\nCGPOLICYD_DECISION=apply\n") &&
                index($0, "\nCGPOLICYD_NEW_VALUE=321\n") && index($0, "\nCGPOLICYD_OLD_VALUE=" old "\n") &&
                index($0, "\nCGPOLICYD_REASON=policy db\n") && index($0, "(PID " pid ", was " old) { n++ }
                END { exit n != 1 }' "$JOURNAL_EXPORT"
}
wait_for $((5 * SLOW)) oom_entry "$a" "$orig_a" || fail "no journal entry for PID $a: $(cat "$JOURNAL_EXPORT")"
file_is /proc/"$b"/oom_score_adj "$orig_b" || fail "a process outside the cgroup was changed"

# a process joins later
printf '%s\n%s\n' "$a" "$b" >"$SLICE/db.service/cgroup.procs"
expect_file /proc/"$b"/oom_score_adj 321
wait_for $((5 * SLOW)) oom_entry "$b" "$orig_b" || fail "no journal entry for PID $b: $(cat "$JOURNAL_EXPORT")"

# someone else changes it: a new cgroup.procs event re-asserts
echo 0 >/proc/"$b"/oom_score_adj
printf '%s\n%s\n' "$a" "$b" >"$SLICE/db.service/cgroup.procs"
expect_file /proc/"$b"/oom_score_adj 321

stop_daemon TERM || fail "daemon exited with $?"
file_is /proc/"$a"/oom_score_adj "$orig_a" || fail "PID $a not restored: $(cat /proc/"$a"/oom_score_adj)"
file_is /proc/"$b"/oom_score_adj "$orig_b" || fail "PID $b not restored: $(cat /proc/"$b"/oom_score_adj)"
echo "oom_score_adj 321 applied to PIDs $a $b and restored to $orig_a/$orig_b"
