#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Units vanishing at any moment (before, during, right after apply) are skipped
# quietly; the daemon keeps working for the units that stay.
source "$(dirname "$0")/lib.sh"

make_tree db.service
policy 50-test.json '{ "policies": [
  { "name": "all", "match": { "unit": "*.service" }, "properties": { "CPUWeight": 700, "MemoryHigh": "1G", "TasksMax": 99 } } ] }'
journal_stderr # "<N>" prefixes: the warnings are told apart below
start_daemon
expect_file "$SLICE/db.service/cpu.weight" 700

# removed while running
rm -rf "$SLICE/db.service"
sleep 0.2
daemon_alive || fail "daemon died when a unit was removed"

# churn: units appear and disappear immediately. A real cgroup vanishes at once
# (rmdir), never file by file as "rm -rf" would do here, so move it out first.
for i in $(seq 1 40); do
        add_unit "churn$i.service"
        mv "$SLICE/churn$i.service" "$STAGING/gone$i.service"
        if ((i % 2)); then
                rm -rf "$STAGING/gone$i.service"
        fi
done
sleep 0.5
daemon_alive || fail "daemon died during unit churn"
! grep -q '^<[0-3]>' "$LOG" || fail "vanishing units produced errors: $(grep '^<[0-3]>' "$LOG" | head -3)"
! grep -Eq '^<4>(churn|gone)' "$LOG" || fail "vanishing units produced warnings: $(grep -E '^<4>(churn|gone)' "$LOG" | head -3)"

# a slice moved away with its units: all of them are gone, none left behind
make_cgroup_dir "$STAGING/system-x.slice/inner.service"
mv "$STAGING/system-x.slice" "$SLICE/system-x.slice"
expect_file "$SLICE/system-x.slice/inner.service/cpu.weight" 700
mv "$SLICE/system-x.slice" "$STAGING/system-x.slice"
sleep 0.3
echo 5 >"$STAGING/system-x.slice/inner.service/cpu.weight"
sleep 0.3
file_is "$STAGING/system-x.slice/inner.service/cpu.weight" 5 || fail "a unit of a removed slice is still managed"

# still serving new units
add_unit late.service
expect_file "$SLICE/late.service/cpu.weight" 700
# a unit that comes back under the same name is a new instance
add_unit db.service
expect_file "$SLICE/db.service/cpu.weight" 700

stop_daemon TERM || fail "daemon exited with $?"
file_is "$SLICE/db.service/cpu.weight" 100 || fail "db.service not restored"
