#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Issue 9 item 2: on stop, oom_score_adj originals go back only to processes that
# are still in the unit and are the process that was recorded. A process that
# moved to another unit keeps the value its new owner gave it; a PID whose
# record is of an earlier process (start time differs, as after PID reuse) gets
# its own original back, not the earlier process's.
source "$(dirname "$0")/lib.sh"

make_tree db.service other.service
policy 50-test.json '{ "policies": [
  { "name": "db", "match": { "unit": "db.service" }, "properties": { "OOMScoreAdjust": 321 } } ] }'

spawn_child; a=$CHILD
spawn_child; b=$CHILD
spawn_child; d=$CHILD
for p in $a $b $d; do echo 0 >/proc/"$p"/oom_score_adj; done
printf '%s\n' "$a" "$b" "$d" >"$SLICE/db.service/cgroup.procs"
# a record left by an earlier daemon for an earlier process that had d's PID
cat >"$RUNTIME_DIR/originals.json" <<EOJ
{ "units": { "db.service": { "cgroup-id": $(stat -c %i "$SLICE/db.service"),
  "files": { "oom_score_adj:$d": "777 1\n" } } } }
EOJ

start_daemon
for p in $a $b $d; do expect_file /proc/"$p"/oom_score_adj 321; done

# b moves to other.service, whose owner sets its own value
printf '%s\n' "$a" "$d" >"$SLICE/db.service/cgroup.procs"
printf '%s\n' "$b" >"$SLICE/other.service/cgroup.procs"
echo 500 >/proc/"$b"/oom_score_adj
sleep 0.3

stop_daemon TERM || fail "daemon exited with $?"
file_is /proc/"$a"/oom_score_adj 0 || fail "PID $a (still in the unit) not restored: $(cat /proc/"$a"/oom_score_adj)"
file_is /proc/"$b"/oom_score_adj 500 ||
        fail "PID $b moved out of the unit, yet its oom_score_adj became $(cat /proc/"$b"/oom_score_adj) on stop (expected 500, its new owner's)"
file_is /proc/"$d"/oom_score_adj 0 ||
        fail "PID $d got $(cat /proc/"$d"/oom_score_adj) on stop, expected its own original 0 (the record was of an earlier process)"
echo "ok: stop restored PID $a, left moved PID $b at 500, gave PID $d its own original (not the earlier process's 777)"
