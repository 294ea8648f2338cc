#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Issue 10 items 2-3 (not a timing test): the first discovery of a big slice
# runs from the event loop in slices (discover-cgroupfs.c, FOUND_SLICE units
# each), so the bus is served between them whatever the unit count. Seen with
# strace: the event loop waits (epoll_wait) between the opening of the first
# and of the last unit directory; a discovery done before the loop, in one
# pass, opens them all with no wait in between.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-api.sh"

command -v strace >/dev/null || { echo "strace missing (tests/install-deps.sh installs it)"; exit 77; }
[[ -z $CGPOLICYD_WRAPPER ]] || { echo "skipped under $CGPOLICYD_WRAPPER"; exit 77; }
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

N=800 # > 3 slices of 256
units=()
for i in $(seq 1 "$N"); do units+=("u$i.service"); done
make_tree "${units[@]}"
policy 50-test.json '{ "policies": [ { "name": "all", "match": { "unit": "u*.service" }, "properties": { "TasksMax": 50 } } ] }'

CGPOLICYD_WRAPPER="strace -f -qq -e trace=openat,epoll_wait -o $T/strace.log" start_daemon
tracer=$DAEMON_PID
DAEMON_PID=$(tr -d " " </proc/"$tracer"/task/"$tracer"/children)
CHILD_PIDS+=("$tracer")
# the units were not there at "running" before; now they are, and applied
[[ $(ctl list | grep -c '^u[0-9]*\.service') == "$N" ]] || fail "cgpolicyctl list: not all $N units at 'running'"
for u in u1.service "u$N.service"; do expect_file "$SLICE/$u/pids.max" 50 30; done

# unit directories are opened by absolute path, in discovery order
dirs=$(grep -nF "openat(AT_FDCWD, \"$SLICE/u" "$T/strace.log" | grep -F O_DIRECTORY | grep -vF "service/" | cut -d: -f1 || true)
first=$(head -n1 <<<"$dirs") last=$(tail -n1 <<<"$dirs")
[[ $(wc -l <<<"$dirs") == "$N" ]] || fail "expected $N unit directories opened, saw $(wc -l <<<"$dirs")"
waits=$(sed -n "${first},${last}p" "$T/strace.log" | grep -c "epoll_wait(" || true)
echo "discovery of $N units: $waits event-loop waits between the first and the last unit directory"
((waits >= 3)) || fail "discovery of $N units ran with $waits event-loop waits in between (at least 3: one per slice of 256)"

kill -TERM "$DAEMON_PID"
wait "$tracer" || fail "daemon exited with $?"
DAEMON_PID=
check_log_clean || fail "sanitizer report"
echo "ok: discovery in slices, the event loop ran $waits times meanwhile"
