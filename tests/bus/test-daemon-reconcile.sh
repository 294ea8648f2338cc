#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# After SIGKILL, a restart reconciles: same values, originals kept from the
# state file (not re-read from the already changed files), so a later stop
# still restores the true originals.
source "$(dirname "$0")/lib.sh"

make_tree db.service
printf '150\n' >"$SLICE/db.service/cpu.weight"
policy 50-test.json '{ "policies": [
  { "name": "db", "match": { "unit": "db.service" }, "properties": { "CPUWeight": 800, "MemoryMax": "2G" } } ] }'

start_daemon
expect_file "$SLICE/db.service/cpu.weight" 800
expect_file "$SLICE/db.service/memory.max" 2147483648
grep -q '"cpu.weight": "150' "$RUNTIME_DIR/originals.json" || fail "original not recorded"

stop_daemon KILL || true
file_is "$SLICE/db.service/cpu.weight" 800 || fail "SIGKILL should leave values as they are"

mark=$(log_lines)
start_daemon
file_is "$SLICE/db.service/cpu.weight" 800 || fail "restart changed cpu.weight"
file_is "$SLICE/db.service/memory.max" 2147483648 || fail "restart changed memory.max"
# nothing needed writing: the cgroup already held the desired values
log_since "$mark" 'db.service: CPUWeight=800 .*wrote' && fail "restart re-wrote a value already in place"
grep -q '"cpu.weight": "150' "$RUNTIME_DIR/originals.json" || fail "original overwritten by restart"

# a second SIGKILL/restart cycle does not stack either; a unit that went away
# meanwhile has its originals forgotten (they can never be restored)
make_cgroup_dir "$SLICE/gone.service"
policy 60-gone.json '{ "policies": [
  { "name": "gone", "match": { "unit": "gone.service" }, "properties": { "TasksMax": 5 } } ] }'
kill -HUP "$DAEMON_PID"
expect_file "$SLICE/gone.service/pids.max" 5
grep -q '"gone.service"' "$RUNTIME_DIR/originals.json" || fail "gone.service originals not recorded"
stop_daemon KILL || true
rm -rf "$SLICE/gone.service"
start_daemon
grep -q '"cpu.weight": "150' "$RUNTIME_DIR/originals.json" || fail "original lost after second restart"
! grep -q '"gone.service"' "$RUNTIME_DIR/originals.json" || fail "originals of a vanished unit kept"

stop_daemon TERM || fail "daemon exited with $?"
file_is "$SLICE/db.service/cpu.weight" 150 || fail "stop restored $(cat "$SLICE/db.service/cpu.weight"), not the true original 150"
file_is "$SLICE/db.service/memory.max" max || fail "memory.max not restored"
