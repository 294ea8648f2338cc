#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Issue 9 item 10: RevertUnitProperties drops a unit's persistent and runtime
# overrides as one step. The daemon is SIGKILLed as it enters the 1st, 2nd, ...
# rename(2) of the revert (strace fault injection) and started again: each time
# either both overrides are still there or both are gone, never one of them.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-api.sh"

command -v strace >/dev/null || { echo "strace missing (tests/install-deps.sh installs it)"; exit 77; }
[[ -z $CGPOLICYD_WRAPPER ]] || { echo "skipped under $CGPOLICYD_WRAPPER"; exit 77; }
# LeakSanitizer cannot run under ptrace; the other tests cover leaks
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

make_tree db.service
policy 50-test.json '{ "policies": [ { "name": "db", "match": { "unit": "db.service" }, "properties": { "CPUWeight": 800 } } ] }'

has() { grep -q "\"$2\"" "$1" 2>/dev/null; }
layers() {
        local p=0 r=0
        has "$STATE_DIR/overrides.json" TasksMax && p=1
        has "$RUNTIME_DIR/overrides.json" MemoryHigh && r=1
        echo "$p$r"
}

results=()
for k in 1 2 3 4; do
        rm -f "$STATE_DIR"/* "$RUNTIME_DIR"/*
        start_daemon
        expect_ok gcall SetUnitProperties "'db.service'" false "[('TasksMax', <@t 50>)]"
        expect_ok gcall SetUnitProperties "'db.service'" true "[('MemoryHigh', <@t 1073741824>)]"
        [[ $(layers) == 11 ]] || fail "overrides not both saved: $(layers)"

        # kill the daemon as it enters its k-th rename from now on (the rename is not done)
        strace -qq -p "$DAEMON_PID" -e trace=rename -e inject=rename:signal=KILL:when=$k \
                -o "$T/strace.log" 2>"$T/strace.err" &
        tracer=$!
        CHILD_PIDS+=("$tracer")
        # strace is attached once the daemon's status names a tracer
        wait_for 10 grep -Eq '^TracerPid:[[:space:]]+[1-9]' /proc/"$DAEMON_PID"/status || fail "strace did not attach"
        gcall RevertUnitProperties "'db.service'" "@as []" >"$T/revert.out" 2>&1 || true
        wait "$DAEMON_PID" 2>/dev/null || true
        killed=1
        kill -0 "$DAEMON_PID" 2>/dev/null && killed=0
        if ((killed == 0)); then
                # fewer renames than k: the revert finished untouched
                stop_daemon TERM || fail "daemon exited with $?"
        else
                DAEMON_PID=
        fi
        wait "$tracer" 2>/dev/null || true
        after_kill=$(layers)
        start_daemon
        now=$(layers)
        results+=("kill@$k:$([[ $killed == 1 ]] && echo killed || echo ran-through):$after_kill→$now")
        [[ $now == 11 || $now == 00 ]] ||
                fail "killed at rename $k of a revert, then restarted: persistent/runtime overrides $now (half a revert); renames: $(tr '\n' ' ' <"$T/strace.log")"
        stop_daemon TERM || fail "daemon exited with $?"
done
echo "ok: ${results[*]} (persistent,runtime: 1 = override present)"
