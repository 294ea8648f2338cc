#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Override layers from the state files: persistent over policy, runtime over
# persistent; kept for units that come and go; a bad stored entry is skipped.
source "$(dirname "$0")/lib.sh"

make_tree db.service
policy 50-test.json '{ "policies": [
  { "name": "db", "match": { "unit": "db*.service" }, "properties": { "CPUWeight": 800, "TasksMax": 50, "MemoryHigh": "1G" } } ] }'
cat >"$STATE_DIR/overrides.json" <<'EOJ'
{ "units": { "db.service": { "CPUWeight": "300", "TasksMax": "70" },
             "db2.service": { "CPUWeight": "222", "Bogus": "1", "MemoryHigh": "12X" } } }
EOJ
cat >"$RUNTIME_DIR/overrides.json" <<'EOJ'
{ "units": { "db.service": { "CPUWeight": "400" }, "broken.service": 7 } }
EOJ
# a damaged originals file: the good entry is used, the rest ignored
cat >"$RUNTIME_DIR/originals.json" <<'EOJ'
{ "units": { "junk.service": "x", "db.service": { "cgroup-id": "wrong type", "files": 3 } } }
EOJ

start_daemon
expect_file "$SLICE/db.service/cpu.weight" 400      # runtime
expect_file "$SLICE/db.service/pids.max" 70         # persistent
expect_file "$SLICE/db.service/memory.high" 1073741824 # policy

# a unit appearing later gets its stored override; the bad entries are skipped with a warning
add_unit db2.service
expect_file "$SLICE/db2.service/cpu.weight" 222
expect_file "$SLICE/db2.service/memory.high" 1073741824
grep -q 'Ignoring stored override Bogus for db2.service' "$LOG" || fail "unknown stored property not reported"
grep -q 'Ignoring stored override for db2.service: .*12X' "$LOG" || fail "bad stored value not reported"

grep -q 'Ignoring entry "broken.service"' "$LOG" || fail "damaged runtime entry not reported"
stop_daemon TERM || fail "daemon exited with $?"
# stop restores values but keeps the overrides for next time
grep -q '"CPUWeight": "300"' "$STATE_DIR/overrides.json" || fail "persistent overrides lost on stop"
file_is "$SLICE/db.service/cpu.weight" 100 || fail "not restored on stop"
