#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# SIGKILL-restart loop with persistent and runtime overrides: each round sets a
# persistent override (acknowledged before the kill), then races a runtime
# override and a revert against a SIGKILL 0-60 ms later, and starts again.
# After every restart: every acknowledged override is in force (the cgroup file
# and the state file), an unacknowledged one is either fully there or fully
# absent, no temp file of an interrupted write is left, no state file was found
# corrupt. KILLS (default 20 in the bus suite; the soak suite runs 150).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-api.sh"

KILLS=${KILLS:-20}
make_tree db.service web.service
printf '250\n' >"$SLICE/db.service/cpu.weight"
policy 50-test.json '{ "policies": [
  { "name": "web", "match": { "unit": "web.service" }, "properties": { "CPUWeight": 300 } } ] }'

acked_rt=max   # last acknowledged runtime TasksMax of web.service
lost=0 raced=0
for ((i = 1; i <= KILLS; i++)); do
        touch "$T/start.$i"
        start_daemon
        # what the previous round acknowledged is in force after the restart
        if ((i > 1)); then
                expect_file "$SLICE/db.service/cpu.weight" $((100 + i - 1))
                cur=$(cat "$SLICE/web.service/pids.max")
                [[ $cur == "$acked_rt" || $cur == "$pending_rt" ]] ||
                        { lost=$((lost + 1)); fail "round $i: web pids.max $cur, acknowledged $acked_rt (pending $pending_rt)"; }
                acked_rt=$cur   # what is in force now is what the next round must keep
        fi
        # temp files of writes interrupted before this start (the daemon that is
        # running may be in the middle of one of its own, as under ASan in round 1)
        leftover=$(find "$STATE_DIR" "$RUNTIME_DIR" -name '*.json.??????' ! -newer "$T/start.$i" | wc -l)
        ((leftover == 0)) || fail "round $i: $leftover temp files left after start"
        ! grep -q 'corrupt-' "$LOG" || fail "round $i: a state file was found corrupt"

        expect_ok ctl set-property db.service CPUWeight=$((100 + i))
        pending_rt=$((1000 + i))
        ( ctl set-property --runtime web.service TasksMax=$pending_rt >/dev/null 2>&1 && echo ok >"$T/rt.$i" ) &
        rt=$!
        sleep "0.0$((RANDOM % 6))"
        kill -KILL "$DAEMON_PID"
        wait "$DAEMON_PID" 2>/dev/null || true
        DAEMON_PID=
        wait "$rt" 2>/dev/null || true
        if [[ -e $T/rt.$i ]]; then acked_rt=$pending_rt; else raced=$((raced + 1)); fi
        grep -q "\"CPUWeight\": \"$((100 + i))\"" "$STATE_DIR/overrides.json" ||
                { lost=$((lost + 1)); fail "round $i: acknowledged persistent override not in overrides.json"; }
done
start_daemon
expect_file "$SLICE/db.service/cpu.weight" $((100 + KILLS))
stop_daemon TERM || fail "daemon exited with $?"
expect_file "$SLICE/db.service/cpu.weight" 250
expect_file "$SLICE/web.service/cpu.weight" 100
echo "ok: $KILLS SIGKILLs, $((KILLS - raced)) runtime sets acknowledged before the kill, $raced raced it; lost: $lost"
