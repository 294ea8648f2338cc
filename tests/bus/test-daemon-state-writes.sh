#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Regression guard for issue 10 (not a timing test): count the saves of
# originals.json. Start-up appends each batch of units to originals.log
# (apply-queue.c: 128 units a batch) and saves once; shutdown once in all
# (not one per restored file); a cgroup's oom_score_adj originals once (not one
# per PID).
source "$(dirname "$0")/lib.sh"

command -v strace >/dev/null || { echo "strace missing (tests/install-deps.sh installs it)"; exit 77; }
[[ -z $CGPOLICYD_WRAPPER ]] || { echo "skipped under $CGPOLICYD_WRAPPER"; exit 77; }

# LeakSanitizer cannot run under ptrace; the other tests cover leaks
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

N=300
units=()
for i in $(seq 1 $N); do units+=("u$i.service"); done
make_tree "${units[@]}"
for i in 1 2 3 4 5 6; do spawn_child; done
printf '%s\n' "${CHILD_PIDS[@]}" >"$SLICE/u1.service/cgroup.procs"
policy 50-test.json '{ "policies": [
  { "name": "all", "match": { "unit": "u*.service" },
    "properties": { "CPUWeight": 800, "MemoryHigh": "1G", "TasksMax": 50, "IOWeight": 300 } },
  { "name": "oom", "match": { "unit": "u1.service" }, "properties": { "OOMScoreAdjust": 300 } } ] }'

saves() { grep -c "rename(\"$RUNTIME_DIR/originals.json\.[A-Za-z0-9]*\", \"$RUNTIME_DIR/originals.json\")" "$T/strace.log" || true; }

CGPOLICYD_WRAPPER="strace -f -qq -e trace=rename -o $T/strace.log" start_daemon
for u in "${units[@]}"; do expect_file "$SLICE/$u/pids.max" 50 30; done
for pid in "${CHILD_PIDS[@]}"; do expect_file "/proc/$pid/oom_score_adj" 300 10; done
at_start=$(saves)
# batches append to originals.log (daemon/state-log.c), the drained queue saves
# once; u1's PIDs may come after it (one more). Before the log: one save per
# batch of 128, each of the whole file, O(N²) bytes at start-up.
limit=2
appends=$(grep -c "Appended to $RUNTIME_DIR/originals.log" "$LOG" || true)
echo "start-up: $at_start saves of originals.json and $appends appends to originals.log for $N units"
((at_start <= limit)) || fail "start-up saved originals.json $at_start times for $N units (at most $limit)"
((appends >= (N + 127) / 128)) || fail "$appends appends to originals.log for $N units: fewer than its batches"

# SIGTERM to strace would only detach it: signal the daemon, then wait for strace
tracer=$DAEMON_PID
daemon=$(tr -d " " </proc/"$tracer"/task/"$tracer"/children)
kill -TERM "$daemon"
wait "$tracer" || fail "daemon exited with $?"
DAEMON_PID=
check_log_clean || fail "sanitizer report"
at_stop=$(($(saves) - at_start))
((at_stop <= 1)) || fail "shutdown saved originals.json $at_stop times (at most 1)"
file_is "$SLICE/u$N.service/pids.max" max || fail "not restored on stop"
for pid in "${CHILD_PIDS[@]}"; do file_is "/proc/$pid/oom_score_adj" 0 || fail "oom_score_adj not restored"; done
echo "ok: originals.json saved $at_start times for $N units (4 files each, 6 PIDs), $at_stop at shutdown"
