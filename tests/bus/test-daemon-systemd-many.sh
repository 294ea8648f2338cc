#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The systemd backend with more units than dbus-daemon lets one connection wait
# for (128 pending replies, as on the system bus): discovery (one GetAll each)
# and the applies (one SetUnitProperties each) are held to a budget of calls in
# flight, so none fails, at start and again after a daemon-reload.
source "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
"$PY" -c 'import dbus.service, gi' 2>/dev/null || { echo "SKIP: python3-dbus/python3-gi missing"; exit 77; }

N=300
make_tree
units="["
for i in $(seq 1 $N); do
        make_cgroup_dir "$SLICE/u$i.service"
        units+="{ \"name\": \"u$i.service\", \"slice\": \"system.slice\" },"
done
units+='{ "name": "system.slice", "slice": "-.slice", "cgroup": "/system.slice" } ]'
printf '%s\n' "$units" >"$T/units.json"
policy 50-test.json '{ "policies": [ { "name": "all", "match": { "unit": "u*.service" }, "properties": { "CPUWeight": 321 } } ] }'
start_bus
CALLS=$T/calls.log
: >"$CALLS"
"$PY" "$(dirname "$0")/fake-systemd.py" "$BUS_ADDRESS" "$ROOT" "$CALLS" "$T/units.json" >"$T/fake.log" 2>&1 &
CHILD_PIDS+=($!)
wait_for 10 grep -qs ready "$T/fake.log" || fail "fake systemd did not start: $(cat "$T/fake.log")"
DBUS_SYSTEM_BUS_ADDRESS=$BUS_ADDRESS start_daemon --backend=systemd
all_applied() {
        local i
        for i in $(seq 1 $N); do
                [[ $(cat "$SLICE/u$i.service/cpu.weight") == 321 ]] || return 1
        done
}
wait_for $((20 * SLOW)) all_applied || fail "not every unit applied: $(grep -c . "$CALLS") calls"
! grep -qi 'pending replies\|ListUnits failed\|GetAll failed\|SetUnitProperties failed' "$LOG" ||
        fail "calls failed: $(grep -i 'pending replies\|failed' "$LOG" | head -3)"
! grep -q 'maximum number of pending replies' "$T/bus.log" || fail "dbus-daemon refused calls: $(tail -n 2 "$T/bus.log")"
echo "start: $N units applied, $(wc -l <"$CALLS") SetUnitProperties calls, none refused"
fake() {
        busctl --address="$BUS_ADDRESS" call org.freedesktop.systemd1 /org/freedesktop/systemd1 test.FakeSystemd "$@"
}
mark=$(log_lines)
fake DaemonReload
wait_for $((3 * SLOW)) log_since "$mark" 'systemd reloaded' || fail "Reloading not noticed"
wait_for $((20 * SLOW)) all_applied || fail "not every unit re-asserted after daemon-reload"
sleep 1
! log_since "$mark" 'pending replies|ListUnits failed|SetUnitProperties failed' || fail "calls failed after daemon-reload"
! grep -q 'maximum number of pending replies' "$T/bus.log" || fail "dbus-daemon refused calls after daemon-reload"
stop_daemon TERM || fail "daemon exited with $?"
echo "daemon-reload: all re-asserted, none refused"
