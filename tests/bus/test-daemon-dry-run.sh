#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# --dry-run decides and logs, writes nothing (no cgroup file, no state file).
source "$(dirname "$0")/lib.sh"

make_tree db.service
spawn_child
printf '%s\n' "$CHILD" >"$SLICE/db.service/cgroup.procs"
orig_oom=$(cat /proc/"$CHILD"/oom_score_adj)
policy 50-test.json '{ "policies": [
  { "name": "db", "match": { "unit": "db.service" }, "properties": { "CPUWeight": 800, "OOMScoreAdjust": 123 } } ] }'

start_daemon --dry-run
add_unit db2.service
wait_for $((2 * SLOW)) grep -q 'db.service: would set CPUWeight=800' "$LOG" || fail "dry run decision not logged"
sleep 0.3
file_is "$SLICE/db.service/cpu.weight" 100 || fail "dry run wrote cpu.weight"
file_is /proc/"$CHILD"/oom_score_adj "$orig_oom" || fail "dry run wrote oom_score_adj"
[[ ! -e "$RUNTIME_DIR/originals.json" ]] || fail "dry run wrote originals"
stop_daemon TERM || fail "daemon exited with $?"
file_is "$SLICE/db.service/cpu.weight" 100 || fail "dry run stop wrote cpu.weight"
