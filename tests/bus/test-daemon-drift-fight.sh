#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Issue 9 item 5: another writer keeps rewriting a managed file. The daemon puts
# the value back at once the first time, then ever less often (1 s, 2 s, 4 s, ...)
# and logs one line, not one per change: counts of log lines and re-asserts over
# a few seconds are bounded (before: thousands of each). Once the writer stops,
# the value is back.
source "$(dirname "$0")/lib.sh"

make_tree db.service
policy 50-test.json '{ "policies": [
  { "name": "db", "match": { "unit": "db.service" }, "properties": { "CPUWeight": 800 } } ] }'
start_daemon
expect_file "$SLICE/db.service/cpu.weight" 800

mark=$(log_lines)
f=$SLICE/db.service/cpu.weight
(
        end=$((SECONDS + 4))
        n=0
        while ((SECONDS < end)); do
                echo 50 >"$f"
                n=$((n + 1))
        done
        echo "$n" >"$T/writes"
) &
writer=$!
CHILD_PIDS+=("$writer")
wait "$writer"
since() { tail -n +"$((mark + 1))" "$LOG" | grep -c -- "$1" || true; }
lines=$(since 'changed behind our back')
asserts=$(since 'wrote "800" to cpu.weight')
echo "writer: $(cat "$T/writes") writes in 4 s; daemon: $lines log lines about it, $asserts re-asserts"
((asserts >= 1)) || fail "never re-asserted"
((lines <= 3)) || fail "$lines log lines for one fight, expected at most 3"
((asserts <= 6)) || fail "$asserts re-asserts in 4 s, expected at most 6 (backing off)"

# the writer gave up: the value comes back at the next (backed-off) re-assert
expect_file "$f" 800 $((15 * SLOW))
daemon_alive || fail "daemon died"
stop_daemon TERM || fail "daemon exited with $?"
file_is "$f" 100 || fail "restored $(cat "$f"), expected 100"
