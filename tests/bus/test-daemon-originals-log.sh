#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# originals.log (daemon/state-log.c): a start-up appends each batch's originals
# to a log instead of rewriting originals.json per batch (O(N²) bytes), and
# folds it into one save when the queue drains. A SIGKILL in the middle leaves
# originals the restart must replay: otherwise it records the daemon's own
# values as originals and a stop "restores" them. A last line cut short is
# dropped; a log of another generation than originals.json is ignored.
source "$(dirname "$0")/lib.sh"

N=1500
units=()
for i in $(seq 1 "$N"); do units+=("u$i.service"); done
make_tree "${units[@]}"
for u in "${units[@]}"; do printf '150\n' >"$SLICE/$u/cpu.weight"; done
policy 50-test.json '{ "policies": [ { "name": "all", "match": { "unit": "u*.service" }, "properties": { "CPUWeight": 800 } } ] }'

# kill after the first batch was appended, before the queue drained
killed_mid=false
: >>"$LOG"
for try in 1 2 3; do
	mark=$(log_lines)
	start_daemon
	wait_for 30 log_since "$mark" "Appended to $RUNTIME_DIR/originals.log" || fail "no batch appended to originals.log"
	kill -KILL "$DAEMON_PID"
	wait "$DAEMON_PID" 2>/dev/null || true
	DAEMON_PID=
	done=$(grep -lx 800 "$SLICE"/u*.service/cpu.weight | wc -l)
	if [[ -s $RUNTIME_DIR/originals.log ]] && ((done > 0 && done < N)); then
		killed_mid=true
		break
	fi
	log "try $try: $done of $N units done when killed; again"
done
$killed_mid || fail "never killed in the middle of a start-up in 3 tries"
echo "killed with $done of $N units at 800, originals.log $(wc -l <"$RUNTIME_DIR/originals.log") lines"

mark=$(log_lines)
start_daemon
for u in u1.service "u$N.service"; do expect_file "$SLICE/$u/cpu.weight" 800 60; done
log "restart: all applied after $SECONDS s"
wait_for 60 log_since "$mark" "Saved $RUNTIME_DIR/originals.json \\($N units\\)" || fail "the log was not folded into originals.json"
[[ ! -e $RUNTIME_DIR/originals.log ]] || fail "originals.log left after the fold"
stop_daemon TERM || fail "daemon exited with $?"
wrong=$(grep -Lx 150 "$SLICE"/u*.service/cpu.weight | wc -l)
((wrong == 0)) || fail "$wrong units not restored to their true original 150 (e.g. $(grep -Lx 150 "$SLICE"/u*.service/cpu.weight | head -1))"
echo "ok: after a SIGKILL mid start-up all $N originals restored"

# a last line cut short is dropped; a log of another generation is ignored
mkdir -p "$RUNTIME_DIR"
printf '700\n' >"$SLICE/u1.service/cpu.weight" # as if we had set it
printf '{"generation": 7, "units": {}}\n' >"$RUNTIME_DIR/originals.json"
printf '{"generation": 7}\n{"unit": "u1.service", "entry": {"cgroup-id": %s, "files": {"cpu.idle": "0\\n", "cpu.weight": "150\\n"}}}\n{"unit": "u2.serv' \
	"$(stat -c %i "$SLICE/u1.service")" >"$RUNTIME_DIR/originals.log"
mark=$(log_lines)
start_daemon
log_since "$mark" "dropping its last line \\(3\\), cut short" || fail "torn last line not reported"
# what this start records must not be appended after the torn line: killed
# now, the next start must still read every original
expect_file "$SLICE/u$N.service/cpu.weight" 800 30
stop_daemon KILL || true
mark=$(log_lines)
start_daemon
log_since "$mark" "originals.log: line [0-9]+ cannot be read|original values unknown" &&
	fail "the log was damaged by appending after its torn line: $(grep -E 'cannot be read|unknown' "$LOG" | tail -2)"
stop_daemon TERM || fail "daemon exited with $?"
file_is "$SLICE/u1.service/cpu.weight" 150 || fail "u1's original from the log not restored: $(cat "$SLICE/u1.service/cpu.weight")"
file_is "$SLICE/u$N.service/cpu.weight" 150 || fail "u$N's original not restored after the second start: $(cat "$SLICE/u$N.service/cpu.weight")"

printf '700\n' >"$SLICE/u1.service/cpu.weight"
printf '{"generation": 8, "units": {}}\n' >"$RUNTIME_DIR/originals.json"
printf '{"generation": 7}\n{"unit": "u1.service", "entry": {"cgroup-id": 1, "files": {"cpu.weight": "150\\n"}}}\n' >"$RUNTIME_DIR/originals.log"
mark=$(log_lines)
start_daemon
log_since "$mark" "Ignoring $RUNTIME_DIR/originals.log: it belongs to generation 7" || fail "stale log not ignored"
stop_daemon TERM || fail "daemon exited with $?"
echo "ok: torn last line dropped, a log of an older generation ignored"
