#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Cgroup names that are not unit names (issue 9, item 13): a non-UTF-8 or
# control-character name is skipped with a warning, and ListUnits and
# GetManagedObjects keep working for every client.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-api.sh"

make_tree db.service
make_cgroup_dir "$SLICE/"$'\xff'"bad.service"
make_cgroup_dir "$SLICE/"$'ctl\x01'".service"
policy 50-test.json '{ "policies": [
  { "name": "all", "match": { "unit": "*.service" }, "properties": { "CPUWeight": 800 } } ] }'

start_daemon
expect_file "$SLICE/db.service/cpu.weight" 800
expect_ok gcall ListUnits
[[ $LAST_OUT == *db.service* ]] || fail "ListUnits lacks db.service: $LAST_OUT"
expect_ok bctl call org.cgpolicy1 /org/cgpolicy1 org.freedesktop.DBus.ObjectManager GetManagedObjects
[[ $LAST_OUT == *db_2eservice* ]] || fail "GetManagedObjects lacks db.service: $LAST_OUT"
grep -q "Skipping cgroup /system.slice/\\\\xffbad.service: not a valid unit name" "$LOG" ||
        fail "non-UTF-8 name not reported"
grep -q "Skipping cgroup /system.slice/ctl\\\\x01.service: not a valid unit name" "$LOG" ||
        fail "control-character name not reported"
file_is "$SLICE/"$'\xff'"bad.service/cpu.weight" 100 || fail "a cgroup that is not a unit was managed"

# a name that appears later is skipped the same way
make_cgroup_dir "$STAGING/"$'late\xfe'".service"
mv "$STAGING/"$'late\xfe'".service" "$SLICE/"
wait_for 5 grep -q 'Skipping cgroup .*late\\xfe.service' "$LOG" || fail "late bad name not reported"
expect_ok gcall ListUnits
stop_daemon TERM || fail "daemon exited with $?"
echo "ok: invalid cgroup names skipped with a warning; ListUnits and GetManagedObjects work"
