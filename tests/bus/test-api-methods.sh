#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every org.cgpolicy1.Manager method and the Unit properties, called with busctl
# and gdbus only (no cgpolicyctl), against a fake cgroup tree.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-api.sh"

make_tree db.service web.service
policy 50-test.json '{ "policies": [
  { "name": "db", "class": "protected", "match": { "unit": "db.service" },
    "properties": { "CPUWeight": 800, "IOWeight": 800 } },
  { "name": "web", "class": "sheddable", "match": { "unit": "web*.service" }, "properties": { "TasksMax": 200 } } ] }'
start_daemon
expect_file "$SLICE/db.service/cpu.weight" 800
DB=/org/cgpolicy1/unit/db_2eservice

# ListUnits: (id, class, policies, path) for every unit, sorted.
expect_ok bctl call org.cgpolicy1 /org/cgpolicy1 org.cgpolicy1.Manager ListUnits
[[ $LAST_OUT == 'a(ssso) 3 "db.service" "protected" "db" "'$DB'" "system.slice" "normal" "" "/org/cgpolicy1/unit/system_2eslice" "web.service" "sheddable" "web" "/org/cgpolicy1/unit/web_2eservice"' ]] ||
        fail "ListUnits: $LAST_OUT"

# GetUnit
expect_ok bctl call org.cgpolicy1 /org/cgpolicy1 org.cgpolicy1.Manager GetUnit s db.service
[[ $LAST_OUT == "o \"$DB\"" ]] || fail "GetUnit: $LAST_OUT"

# Names with characters outside [A-Za-z0-9] are escaped as sd_bus_path_encode() does.
add_unit 'getty@tty1.service'
wait_for 5 bctl get-property org.cgpolicy1 /org/cgpolicy1/unit/getty_40tty1_2eservice org.cgpolicy1.Unit Id \
        >/dev/null 2>&1 || fail "no object for getty@tty1.service"
expect_ok bctl call org.cgpolicy1 /org/cgpolicy1 org.cgpolicy1.Manager GetUnit s getty@tty1.service
[[ $LAST_OUT == 'o "/org/cgpolicy1/unit/getty_40tty1_2eservice"' ]] || fail "GetUnit of an instance: $LAST_OUT"
expect_ok bctl get-property org.cgpolicy1 /org/cgpolicy1/unit/getty_40tty1_2eservice org.cgpolicy1.Unit Id
[[ $LAST_OUT == 's "getty@tty1.service"' ]] || fail "Id of an instance: $LAST_OUT"
rm -rf "$SLICE/getty@tty1.service"
wait_for 5 bash -c "! busctl --address='$BUS_ADDRESS' get-property org.cgpolicy1 /org/cgpolicy1/unit/getty_40tty1_2eservice org.cgpolicy1.Unit Id >/dev/null 2>&1" ||
        fail "object of a removed unit still answers"

# ObjectManager: every unit with its properties in one call.
expect_ok gdbus call --address "$BUS_ADDRESS" --dest org.cgpolicy1 --object-path /org/cgpolicy1 \
        --method org.freedesktop.DBus.ObjectManager.GetManagedObjects
for want in "objectpath '$DB'" "'Id': <'db.service'>" "'Class': <'protected'>" "'EffectiveCPUWeight': <uint64 800>" \
        "'/org/cgpolicy1/unit/web_2eservice': {"; do
        [[ $LAST_OUT == *"$want"* ]] || fail "GetManagedObjects lacks $want"
done

# busctl tree shows one object per unit (node enumerator).
expect_ok bctl tree org.cgpolicy1
for p in $DB /org/cgpolicy1/unit/web_2eservice /org/cgpolicy1/unit/system_2eslice; do
        [[ $LAST_OUT == *"$p"* ]] || fail "busctl tree lacks $p: $LAST_OUT"
done

# Unit properties: identity, provenance, desired and effective values.
expect_ok bctl get-property org.cgpolicy1 $DB org.cgpolicy1.Unit Id ControlGroup Class Policies CPUWeight \
        EffectiveCPUWeight IOWeight MemoryHigh Throttled
expected='s "db.service"
s "/system.slice/db.service"
s "protected"
as 1 "db"
t 800
t 800
t 800
t 18446744073709551615
b false'
[[ $LAST_OUT == "$expected" ]] || fail "unit properties: $LAST_OUT"
for p in MemoryPressure CPUPressure IOPressure; do
        expect_ok bctl get-property org.cgpolicy1 $DB org.cgpolicy1.Unit $p
        [[ $LAST_OUT == "(dddt) "* ]] || fail "$p: $LAST_OUT"
done
expect_ok bctl get-property org.cgpolicy1 $DB org.cgpolicy1.Unit MemoryCurrent
[[ $LAST_OUT == "t "* ]] || fail "MemoryCurrent: $LAST_OUT"

# Every table property exists with systemd's signature.
expect_ok bctl introspect org.cgpolicy1 $DB org.cgpolicy1.Unit
for sig in "CPUWeight property t" "CPUQuotaPerSecUSec property t" "CPUQuotaPeriodUSec property t" \
        "AllowedCPUs property ay" "AllowedMemoryNodes property ay" "MemoryMin property t" "MemoryLow property t" \
        "MemoryHigh property t" "MemoryMax property t" "MemorySwapMax property t" "IOWeight property t" \
        "IODeviceWeight property a(st)" "IOReadBandwidthMax property a(st)" "IOWriteBandwidthMax property a(st)" \
        "IOReadIOPSMax property a(st)" "IOWriteIOPSMax property a(st)" "IODeviceLatencyTargetUSec property a(st)" \
        "TasksMax property t" "OOMScoreAdjust property i" "EffectiveMemoryHigh property t" \
        "MemoryPressure property (dddt)" "Throttled property b"; do
        read -r name kind type <<<"$sig"
        grep -Eq "^\.$name +$kind +\S+ " <<<"$LAST_OUT" || fail "no $name"
        grep -Eq "^\.$name +$kind +$(printf '%s' "$type" | sed 's/[()]/\\&/g') " <<<"$LAST_OUT" ||
                fail "$name is not $type: $(grep "^\.$name " <<<"$LAST_OUT")"
done

# Manager properties.
expect_ok bctl get-property org.cgpolicy1 /org/cgpolicy1 org.cgpolicy1.Manager Backend CgroupRoot WatchedSlices \
        PressureMode RebalanceState
expected="s \"cgroupfs\"
s \"$ROOT\"
as 1 \"system.slice\"
s \"off\"
s \"idle\""
[[ $LAST_OUT == "$expected" ]] || fail "manager properties: $LAST_OUT"
expect_ok bctl get-property org.cgpolicy1 /org/cgpolicy1 org.cgpolicy1.Manager Version PolicyFiles MemoryPressure
[[ $LAST_OUT == *"$POLICY_DIR/50-test.json"* && $LAST_OUT == *"(dddt) "* ]] || fail "manager: $LAST_OUT"

# SetUnitProperties (persistent): files change, properties follow, a state file appears.
expect_ok bctl call org.cgpolicy1 /org/cgpolicy1 org.cgpolicy1.Manager SetUnitProperties 'sba(sv)' db.service false 3 \
        CPUWeight t 300 MemoryHigh t 1073741824 AllowedCPUs ay 1 12
expect_file "$SLICE/db.service/cpu.weight" 300
expect_file "$SLICE/db.service/memory.high" 1073741824
expect_file "$SLICE/db.service/cpuset.cpus" 2-3
expect_ok bctl get-property org.cgpolicy1 $DB org.cgpolicy1.Unit CPUWeight MemoryHigh EffectiveMemoryHigh AllowedCPUs
[[ $LAST_OUT == $'t 300\nt 1073741824\nt 1073741824\nay 1 12' ]] || fail "after set: $LAST_OUT"
[[ -n $(ls -A "$STATE_DIR") ]] || fail "persistent set wrote nothing to $STATE_DIR"

# Device lists in systemd's a(st).
expect_ok bctl call org.cgpolicy1 /org/cgpolicy1 org.cgpolicy1.Manager SetUnitProperties 'sba(sv)' web.service true 1 \
        IOReadBandwidthMax 'a(st)' 1 8:0 1048576
expect_file "$SLICE/web.service/io.max" "8:0 rbps=1048576"
expect_ok bctl get-property org.cgpolicy1 /org/cgpolicy1/unit/web_2eservice org.cgpolicy1.Unit IOReadBandwidthMax
[[ $LAST_OUT == 'a(st) 1 "8:0" 1048576' ]] || fail "IOReadBandwidthMax: $LAST_OUT"

# Runtime layer on top of persistent; Explain names the layer and the policy.
expect_ok bctl call org.cgpolicy1 /org/cgpolicy1 org.cgpolicy1.Manager SetUnitProperties 'sba(sv)' db.service true 1 \
        CPUWeight t 250
expect_file "$SLICE/db.service/cpu.weight" 250
expect_ok gcall Explain "'db.service'"
for row in "('CPUWeight', '250', 'runtime', 'ok')" "('IOWeight', '800', 'policy:db', 'ok')" \
        "('MemoryHigh', '1G', 'persistent', 'ok')" "('MemoryMax', '', 'none', 'unmanaged')"; do
        [[ $LAST_OUT == *"$row"* ]] || fail "Explain lacks $row: $LAST_OUT"
done

# RevertUnitProperties: one property, then everything.
expect_ok bctl call org.cgpolicy1 /org/cgpolicy1 org.cgpolicy1.Manager RevertUnitProperties sas db.service 1 CPUWeight
expect_file "$SLICE/db.service/cpu.weight" 800
file_is "$SLICE/db.service/memory.high" 1073741824 || fail "revert of CPUWeight touched MemoryHigh"
expect_ok bctl call org.cgpolicy1 /org/cgpolicy1 org.cgpolicy1.Manager RevertUnitProperties sas db.service 0
expect_file "$SLICE/db.service/memory.high" max
expect_file "$SLICE/db.service/cpuset.cpus" ""
expect_ok bctl get-property org.cgpolicy1 $DB org.cgpolicy1.Unit MemoryHigh
[[ $LAST_OUT == "t 18446744073709551615" ]] || fail "MemoryHigh after revert: $LAST_OUT"

# Reload picks up a changed policy.
policy 50-test.json '{ "policies": [ { "name": "db", "match": { "unit": "db.service" }, "properties": { "CPUWeight": 600 } } ] }'
expect_ok bctl call org.cgpolicy1 /org/cgpolicy1 org.cgpolicy1.Manager Reload
expect_file "$SLICE/db.service/cpu.weight" 600
expect_ok bctl get-property org.cgpolicy1 $DB org.cgpolicy1.Unit Class
[[ $LAST_OUT == 's "normal"' ]] || fail "Class after reload: $LAST_OUT"

# CheckPolicy: empty for a good document, file:line:column diagnostics for a bad one; nothing applied.
expect_ok bctl call org.cgpolicy1 /org/cgpolicy1 org.cgpolicy1.Manager CheckPolicy s \
        '{ "policies": [ { "name": "x", "match": { "unit": "db.service" }, "properties": { "CPUWeight": 5 } } ] }'
[[ $LAST_OUT == "as 0" ]] || fail "CheckPolicy of a good document: $LAST_OUT"
expect_ok bctl call org.cgpolicy1 /org/cgpolicy1 org.cgpolicy1.Manager CheckPolicy s \
        '{ "policies": [ { "name": "x", "match": { "unit": "db.service" }, "properties": { "MemoryHigh": "12X" } } ] }'
[[ $LAST_OUT == "as 1 "*MemoryHigh*12X* ]] || fail "CheckPolicy of a bad document: $LAST_OUT"
file_is "$SLICE/db.service/cpu.weight" 600 || fail "CheckPolicy changed something"

daemon_alive || fail "daemon died"
stop_daemon TERM || fail "daemon exited with $?"
