#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The systemd backend against a stand-in for PID 1 (fake-systemd.py) on the
# private bus: discovery by ListUnits/UnitNew/UnitRemoved with User= and main
# PID matching, one async SetUnitProperties per unit (runtime=true, never
# OOMScoreAdjust), re-assertion after Reloading, restore through systemd on stop.
source "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
"$PY" -c 'import dbus.service, gi' 2>/dev/null || { echo "SKIP: python3-dbus/python3-gi missing"; exit 77; }

make_tree db.service web.service
make_cgroup_dir "$ROOT/user.slice/alice.service"
make_cgroup_dir "$SLICE/system-getty.slice/getty@tty1.service"
spawn_child
DBPID=$CHILD
spawn_child
WEBPID=$CHILD
printf '%s\n' "$DBPID" >"$SLICE/db.service/cgroup.procs"
printf '%s\n' "$WEBPID" >"$SLICE/web.service/cgroup.procs"
orig_oom=$(cat /proc/"$DBPID"/oom_score_adj)

cat >"$T/units.json" <<EOJ
[ { "name": "db.service", "slice": "system.slice", "user": "postgres", "main_pid": $DBPID,
    "unit_file": { "cpu.weight": "100" } },
  { "name": "web.service", "slice": "system.slice", "main_pid": $WEBPID },
  { "name": "alice.service", "slice": "user.slice", "user": "postgres" },
  { "name": "getty@tty1.service", "slice": "system-getty.slice", "cgroup": "/system.slice/system-getty.slice/getty@tty1.service" },
  { "name": "system.slice", "slice": "-.slice", "cgroup": "/system.slice" } ]
EOJ
policy 50-test.json '{ "policies": [
  { "name": "db", "match": { "unit": "db.service", "user": "postgres" },
    "properties": { "CPUWeight": 800, "MemoryHigh": "1G", "TasksMax": 100, "OOMScoreAdjust": 222 } },
  { "name": "alice", "match": { "unit": "alice.service" }, "properties": { "CPUWeight": 5 } },
  { "name": "web", "match": { "unit": "web.service", "exe": "*/sleep" }, "properties": { "CPUWeight": 300 } },
  { "name": "web-wrong-user", "match": { "unit": "web.service", "user": "nobody" }, "properties": { "MemoryMax": "1M" } },
  { "name": "web-root", "match": { "unit": "web.service", "user": "root" }, "properties": { "TasksMax": 77 } },
  { "name": "new", "match": { "unit": "new.service" }, "properties": { "CPUWeight": 555 } },
  { "name": "getty", "match": { "unit": "getty@*.service" }, "properties": { "TasksMax": 12 } } ] }'

start_bus
CALLS=$T/calls.log
: >"$CALLS"
"$PY" "$(dirname "$0")/fake-systemd.py" "$BUS_ADDRESS" "$ROOT" "$CALLS" "$T/units.json" >"$T/fake.log" 2>&1 &
CHILD_PIDS+=($!)
wait_for 10 grep -qs ready "$T/fake.log" || fail "fake systemd did not start: $(cat "$T/fake.log")"

fake() {
        busctl --address="$BUS_ADDRESS" call org.freedesktop.systemd1 /org/freedesktop/systemd1 test.FakeSystemd "$@"
}
calls_for() { grep -c "\"unit\": \"$1\"" "$CALLS" || true; }
getalls() { fake GetAllCalls s "$1" | awk '{print $2}'; }

DBUS_SYSTEM_BUS_ADDRESS=$BUS_ADDRESS start_daemon --backend=systemd

expect_file "$SLICE/db.service/cpu.weight" 800
expect_file "$SLICE/db.service/memory.high" 1073741824
expect_file "$SLICE/db.service/pids.max" 100
expect_file /proc/"$DBPID"/oom_score_adj 222
expect_file "$SLICE/web.service/cpu.weight" 300
expect_file "$SLICE/system-getty.slice/getty@tty1.service/pids.max" 12
file_is "$SLICE/web.service/memory.max" max || fail "policy for another User= applied to web.service"
# an empty User= is root: "user": "root" matches it
expect_file "$SLICE/web.service/pids.max" 77

# one call per unit, all properties in it, runtime=true, OOMScoreAdjust never through systemd
[[ $(calls_for db.service) == 1 ]] || fail "expected one SetUnitProperties for db.service: $(cat "$CALLS")"
grep '"unit": "db.service"' "$CALLS" | grep -q '"runtime": true' || fail "not runtime=true"
for p in CPUWeight MemoryHigh TasksMax; do
        grep '"unit": "db.service"' "$CALLS" | grep -q "\"$p\"" || fail "$p missing from the call"
done
! grep -q OOMScoreAdjust "$CALLS" || fail "OOMScoreAdjust went through systemd"
[[ $(calls_for alice.service) == 0 ]] || fail "a unit outside the watched slice was touched"

# A device list goes to PID 1 as a clear and then the entries, in one call:
# systemd adds each entry to the unit's list, so one we dropped would stay.
# A bare MAJ:MIN goes as /dev/block/MAJ:MIN, which PID 1 reads as the number.
# (The fake io.max takes the list as a whole.)
last_call() { grep "\"unit\": \"$1\"" "$CALLS" | tail -n 1; }
last_call_has() { last_call "$1" | grep -qF -- "$2"; }
ctl() { "$CGPOLICYCTL" --bus-address="$BUS_ADDRESS" --no-pager --no-ask-password "$@"; }
ctl set-property --runtime web.service "IOReadBandwidthMax=8:0 1M" || fail "IOReadBandwidthMax=8:0 1M"
ctl set-property --runtime web.service "IOReadBandwidthMax=8:16 2M" || fail "IOReadBandwidthMax=8:16 2M"
expect_file "$SLICE/web.service/io.max" $'8:0 rbps=1000000\n8:16 rbps=2000000'
wait_for $((2 * SLOW)) last_call_has web.service '["IOReadBandwidthMax", []], ["IOReadBandwidthMax", [["/dev/block/8:0", 1000000], ["/dev/block/8:16", 2000000]]]' ||
        fail "device list not sent as clear + entries: $(last_call web.service)"
ctl set-property --runtime web.service "IOReadBandwidthMax=" || fail "IOReadBandwidthMax="
wait_for $((2 * SLOW)) last_call_has web.service '"props": [["IOReadBandwidthMax", []]]' ||
        fail "empty device list not sent as one clear: $(last_call web.service)"
expect_file "$SLICE/web.service/io.max" ""

# UnitNew
make_cgroup_dir "$SLICE/new.service"
fake AddUnit s '{ "name": "new.service", "slice": "system.slice" }'
expect_file "$SLICE/new.service/cpu.weight" 555

# daemon-reload puts unit-file values back; Reloading(false) makes us re-assert
mark=$(log_lines)
g0=$(getalls db.service)
fake DaemonReload
wait_for $((3 * SLOW)) log_since "$mark" 'systemd reloaded' || fail "Reloading not noticed"
expect_file "$SLICE/db.service/cpu.weight" 800
[[ $(calls_for db.service) -ge 2 ]] || fail "no re-assertion call after daemon-reload"
# the re-assertion makes PID 1 send PropertiesChanged with nothing we read in
# it: one GetAll (the re-listing), not one more per signal
sleep 0.5
g1=$(getalls db.service)
((g1 - g0 <= 1)) || fail "$((g1 - g0)) GetAll of db.service after one daemon-reload (PropertiesChanged answered with GetAll)"

# a restart: new cgroup instance carrying our runtime drop-ins; the originals
# must stay those of the first instance
fake RestartUnit s db.service
sleep 0.5
expect_file "$SLICE/db.service/cpu.weight" 800
grep -q '"cpu.weight": "100' "$RUNTIME_DIR/originals.json" || fail "originals lost or overwritten on restart: $(cat "$RUNTIME_DIR/originals.json")"
# the new instance is watched: a foreign write into it is put back
sleep 3.5 # past the settle time of the re-apply
echo 50 >"$SLICE/db.service/cpu.weight"
wait_for $((10 * SLOW)) file_is "$SLICE/db.service/cpu.weight" 800 || fail "drift in the restarted db.service not re-asserted"

# a unit that stops stays loaded in systemd with our runtime values: at our stop
# they must go back too, or its next start gets them without us
fake StopUnit s new.service
wait_for $((3 * SLOW)) log_since 0 'Unit new.service is gone' || fail "stop of new.service not noticed"
# PID 1 unloads the stopped unit; asking about it loads it again (UnitNew), and
# answering that UnitNew with a GetAll kept PID 1 busy for ever in the VM
g0=$(getalls new.service)
sleep 1
g1=$(getalls new.service)
((g1 - g0 <= 1)) || fail "$((g1 - g0)) GetAll of the stopped new.service in 1 s: a load/unload loop with PID 1"
new_calls=$(calls_for new.service)
# UnitRemoved
fake RemoveUnit s web.service
sleep 0.3
daemon_alive || fail "daemon died on UnitRemoved"

ncalls=$(wc -l <"$CALLS")
stop_daemon TERM || fail "daemon exited with $?"
expect_file "$SLICE/db.service/cpu.weight" 100
expect_file "$SLICE/db.service/memory.high" max
file_is /proc/"$DBPID"/oom_score_adj "$orig_oom" || fail "oom_score_adj not restored"
[[ $(calls_for new.service) -gt $new_calls ]] || fail "the stopped new.service kept our values in systemd: $(grep new.service "$CALLS")"
grep '"unit": "new.service"' "$CALLS" | tail -n 1 | grep -q '"CPUWeight", 100' ||
        fail "new.service not given its original CPUWeight: $(grep new.service "$CALLS" | tail -n 1)"
tail -n +"$((ncalls + 1))" "$CALLS" | grep '"unit": "db.service"' | grep -q '"CPUWeight", 100' || fail "restore did not go through SetUnitProperties: $(tail -n 3 "$CALLS")"
echo "systemd backend: $(wc -l <"$CALLS") SetUnitProperties calls"
