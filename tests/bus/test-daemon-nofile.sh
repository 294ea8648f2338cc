#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Issue 10: one descriptor per unit. The daemon raises its soft RLIMIT_NOFILE to
# the hard one (the unit's LimitNOFILE=), so a soft limit below the unit count
# loses no unit; and running out for real is an error naming the limit and the
# unit, not a debug line, while the units it could open stay managed.
source "$(dirname "$0")/lib.sh"

[[ -z $CGPOLICYD_WRAPPER ]] || { echo "skipped under $CGPOLICYD_WRAPPER (it holds descriptors of its own)"; exit 77; }

N=300
units=()
for i in $(seq 1 $N); do units+=("u$i.service"); done
make_tree "${units[@]}"
policy 50-test.json '{ "policies": [ { "name": "all", "match": { "unit": "u*.service" },
  "properties": { "TasksMax": 50 } } ] }'
start_bus

# soft 100, hard 600: the daemon takes the hard limit and manages all 300
ulimit -Sn 100 && ulimit -Hn 600 || { echo "cannot lower RLIMIT_NOFILE here"; exit 77; }
start_daemon
for u in "${units[@]}"; do expect_file "$SLICE/$u/pids.max" 50 30; done
grep -q "Out of file descriptors" "$LOG" && fail "ran out of descriptors with a hard limit of 600 for $N units"
stop_daemon || fail "daemon exited with $?"
for u in "${units[@]}"; do file_is "$SLICE/$u/pids.max" max || fail "$u not restored"; done
echo "ok: soft limit 100, hard 600: all $N units managed"

# hard 150: some units cannot be opened; each is an error line, the rest is managed
mark=$(log_lines)
ulimit -Hn 150
start_daemon
wait_for 10 log_since "$mark" '<?3?>?.*Out of file descriptors \(RLIMIT_NOFILE 150, [0-9]+ units\): u[0-9]+\.service is not managed; raise LimitNOFILE=' ||
	fail "no error line naming the limit and the unit"
count() {
	errors=$(tail -n +"$((mark + 1))" "$LOG" | grep -c "Out of file descriptors")
	managed=$(grep -lx 50 "$SLICE"/u*.service/pids.max | wc -l)
	((managed > 0 && managed + errors >= N))
}
wait_for 30 count || { count; fail "$((N - managed - errors)) units neither managed nor reported ($managed managed, $errors errors)"; }
echo "hard limit 150: $managed units managed, $errors error lines"
daemon_alive || fail "daemon died when out of descriptors"
stop_daemon || fail "daemon exited with $?"
echo "ok: out of descriptors is an error per unit left unmanaged"
