#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmark: cold start of cgpolicyd (cgroupfs backend, fake tree, private bus) with
# N units and a 4-property policy matching all of them: start -> every unit
# applied, SIGTERM -> every unit restored, saves of originals.json, VmRSS.
# Prints "BENCH key value" lines. Figures only; nothing is asserted.
# Usage: CGPOLICYD=... CGPOLICYCTL=... bench/scale-startup.sh [N...]   (default 100 1000)
BUS_TESTS_DIR=$(cd "$(dirname "$0")/../tests/bus" && pwd)
export BUS_TESTS_DIR
# shellcheck source=../tests/bus/lib.sh
source "$BUS_TESTS_DIR/lib.sh"
SLOW=100 # start_daemon waits 10 s x SLOW for a cold start

run_one() {
        local n=$1 units=() i t0 t1 t2 rss daemon
        rm -rf "$ROOT" "$STATE_DIR" "$RUNTIME_DIR" "$POLICY_DIR" "$LOG"
        for i in $(seq 1 "$n"); do units+=("u$i.service"); done
        make_tree "${units[@]}"
        policy 50-bench.json '{ "policies": [ { "name": "all", "match": { "unit": "u*.service" },
          "properties": { "CPUWeight": 800, "MemoryHigh": "1G", "TasksMax": 50, "IOWeight": 300 } } ] }'
        t0=$(now_ms)
        CGPOLICYD_WRAPPER="strace -f -qq -e trace=rename -o $T/strace.log" start_daemon
        wait_for 3600 file_is "$SLICE/u$n.service/pids.max" 50 || fail "u$n not applied"
        for i in $(seq 1 "$n"); do wait_for 60 file_is "$SLICE/u$i.service/pids.max" 50; done
        t1=$(now_ms)
        daemon=$(tr -d ' ' </proc/"$DAEMON_PID"/task/"$DAEMON_PID"/children)
        rss=$(awk '/VmRSS/ {print $2}' /proc/"$daemon"/status)
        local saves_start
        saves_start=$(grep -c 'originals.json")' "$T/strace.log")
        kill -TERM "$daemon"
        wait "$DAEMON_PID"
        DAEMON_PID=
        t2=$(now_ms)
        echo "BENCH units $n start_to_applied_ms $((t1 - t0)) restore_ms $((t2 - t1)) rss_kb $rss originals_saves_start $saves_start originals_saves_total $(grep -c 'originals.json")' "$T/strace.log")"
}

export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
for n in "${@:-100 1000}"; do
        # shellcheck disable=SC2086
        run_one $n
done
