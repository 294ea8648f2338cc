#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every cgpolicyctl command against a private bus and a fake tree, human and
# --json output.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-api.sh"
: "${PROJECT_SOURCE_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"

json_ok() { python3 -c 'import json,sys; json.load(sys.stdin)' <<<"$1" || fail "not JSON: $1"; }
# json_get JSON PYTHON-EXPR: evaluates EXPR on the parsed document `d`.
json_get() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"; }

make_tree db.service web.service
policy 50-test.json '{ "policies": [
  { "name": "db", "class": "protected", "match": { "unit": "db.service" }, "properties": { "IOWeight": 800 } } ] }'
start_daemon
expect_file "$SLICE/db.service/io.weight" "default 800"

# The must-show: set-property changes the files; busctl reads t 300.
expect_ok ctl set-property db.service CPUWeight=300 MemoryHigh=1G
expect_file "$SLICE/db.service/cpu.weight" 300
expect_file "$SLICE/db.service/memory.high" 1073741824
expect_ok bctl get-property org.cgpolicy1 /org/cgpolicy1/unit/db_2eservice org.cgpolicy1.Unit CPUWeight
[[ $LAST_OUT == "t 300" ]] || fail "busctl get-property CPUWeight: $LAST_OUT"
echo "ok: set-property db.service CPUWeight=300 MemoryHigh=1G → cpu.weight 300, memory.high 1073741824, busctl: $LAST_OUT"

# A step of one is a change although the read back tolerates ±1 (kernel
# rounding of cpu.weight): it must be written, not reported ok and skipped.
expect_ok ctl set-property db.service CPUWeight=301
expect_file "$SLICE/db.service/cpu.weight" 301
expect_ok ctl set-property db.service CPUWeight=300
expect_file "$SLICE/db.service/cpu.weight" 300
echo "ok: CPUWeight 300 → 301 → 300 written each time"

# CPUWeight=idle lives in cpu.idle; cpu.weight keeps its number meanwhile. The
# effective value is read from both: idle, and the set counts as applied.
expect_ok ctl set-property db.service CPUWeight=idle
expect_file "$SLICE/db.service/cpu.idle" 1
expect_file "$SLICE/db.service/cpu.weight" 300
expect_ok ctl show db.service -p CPUWeight,EffectiveCPUWeight
[[ $LAST_OUT == $'CPUWeight=idle\nEffectiveCPUWeight=idle' ]] || fail "show after CPUWeight=idle: $LAST_OUT"
expect_ok ctl explain db.service
grep -Eq '^CPUWeight +idle +persistent +ok +idle$' <<<"$LAST_OUT" || fail "explain CPUWeight=idle: $LAST_OUT"
expect_ok ctl set-property db.service CPUWeight=300
expect_file "$SLICE/db.service/cpu.idle" 0
expect_ok ctl show db.service -p CPUWeight -p EffectiveCPUWeight
[[ $LAST_OUT == $'CPUWeight=300\nEffectiveCPUWeight=300' ]] || fail "show after idle → 300: $LAST_OUT"
echo "ok: CPUWeight=idle reads back idle from cpu.idle (cpu.weight still 300), and back to 300"

# --runtime lands in the runtime layer, on top.
expect_ok ctl set-property --runtime db.service CPUWeight=50 TasksMax=100 AllowedCPUs=0-1 \
        "IOReadBandwidthMax=8:0 10M"
expect_file "$SLICE/db.service/cpu.weight" 50
expect_file "$SLICE/db.service/pids.max" 100
expect_file "$SLICE/db.service/cpuset.cpus" 0-1
expect_file "$SLICE/db.service/io.max" "8:0 rbps=10000000" # bandwidth is base 1000, as systemd

# An empty value resets the property in that layer: a persistent reset over the
# policy's IOWeight brings back the default, and MemoryHigh= drops to "max".
expect_ok ctl set-property db.service IOWeight= MemoryHigh=
expect_file "$SLICE/db.service/io.weight" "default 100"
expect_file "$SLICE/db.service/memory.high" max
expect_ok ctl explain db.service
# (a reset in a layer holds the default, as systemd's D-Bus value says)
grep -Eq '^IOWeight +100 +persistent ' <<<"$LAST_OUT" || fail "explain after reset: $LAST_OUT"
expect_ok ctl revert db.service IOWeight
expect_file "$SLICE/db.service/io.weight" "default 800"
expect_ok ctl set-property db.service MemoryHigh=1G
expect_file "$SLICE/db.service/memory.high" 1073741824

# --dry-run: previews, changes nothing.
snap=$T/before
snapshot "$snap"
expect_ok ctl set-property --dry-run db.service MemoryHigh=2G CPUWeight=60
[[ $LAST_OUT == *"MemoryHigh: 1G (persistent) → 2G (persistent)"* ]] || fail "dry-run preview: $LAST_OUT"
[[ $LAST_OUT == *"CPUWeight: 50 (runtime) → 60 (persistent), but the higher layer stays in force"* ]] ||
        fail "dry-run preview of an overridden property: $LAST_OUT"
[[ $LAST_OUT == *"Dry run: nothing changed."* ]] || fail "dry-run: $LAST_OUT"
expect_unchanged "$snap"

# list
expect_ok ctl list
[[ $LAST_OUT == *"UNIT"*"CLASS"*"POLICIES"* ]] || fail "list header: $LAST_OUT"
grep -Eq '^db\.service +protected +db$' <<<"$LAST_OUT" || fail "list row: $LAST_OUT"
[[ $LAST_OUT == *"3 units listed."* ]] || fail "list footer: $LAST_OUT"
expect_ok ctl list --no-legend
[[ $LAST_OUT != *UNIT* && $LAST_OUT != *listed* ]] || fail "--no-legend: $LAST_OUT"
[[ $(wc -l <<<"$LAST_OUT") -eq 3 ]] || fail "--no-legend rows: $LAST_OUT"
expect_ok ctl list --json
json_ok "$LAST_OUT"
[[ $(json_get "$LAST_OUT" '[u["Class"] for u in d if u["Id"]=="db.service"][0]') == protected ]] ||
        fail "list --json: $LAST_OUT"

# show
expect_ok ctl show db.service
for l in Id=db.service ControlGroup=/system.slice/db.service Class=protected Policies=db CPUWeight=50 \
        EffectiveCPUWeight=50 MemoryHigh=1073741824 EffectiveMemoryHigh=1073741824 IOWeight=800 TasksMax=100 \
        AllowedCPUs=0-1 "IOReadBandwidthMax=8:0 10000000" Throttled=no; do
        grep -qxF "$l" <<<"$LAST_OUT" || fail "show lacks $l: $LAST_OUT"
done
expect_ok ctl show db.service -p MemoryHigh
[[ $LAST_OUT == 'MemoryHigh=1073741824' ]] || fail "show -p: $LAST_OUT"
expect_ok ctl show db.service -p Id,TasksMax --property=Throttled
[[ $LAST_OUT == $'Id=db.service\nTasksMax=100\nThrottled=no' ]] || fail "show -p A,B: $LAST_OUT"
expect_ok ctl show db.service --json
json_ok "$LAST_OUT"
[[ $(json_get "$LAST_OUT" 'd["MemoryHigh"], d["EffectiveTasksMax"], d["Class"], d["Throttled"]') == \
        "('1G', '100', 'protected', False)" ]] || fail "show --json: $LAST_OUT"

# explain
expect_ok ctl explain db.service
grep -Eq '^CPUWeight +50 +runtime +ok +50$' <<<"$LAST_OUT" || fail "explain CPUWeight: $LAST_OUT"
grep -Eq '^MemoryHigh +1G +persistent +ok +1G$' <<<"$LAST_OUT" || fail "explain MemoryHigh: $LAST_OUT"
grep -Eq '^IOWeight +800 +policy:db +ok +800$' <<<"$LAST_OUT" || fail "explain IOWeight: $LAST_OUT"
expect_ok ctl explain db.service --json
json_ok "$LAST_OUT"
[[ $(json_get "$LAST_OUT" '[r["Layer"] for r in d if r["Property"]=="IOWeight"][0]') == policy:db ]] ||
        fail "explain --json: $LAST_OUT"

# revert: one property, then all.
expect_ok ctl revert db.service CPUWeight
expect_file "$SLICE/db.service/cpu.weight" 100 # both layers dropped: the unit's own value
file_is "$SLICE/db.service/memory.high" 1073741824 || fail "revert CPUWeight touched MemoryHigh"
expect_ok ctl revert db.service
expect_file "$SLICE/db.service/cpu.weight" 100
expect_file "$SLICE/db.service/memory.high" max
expect_file "$SLICE/db.service/pids.max" max

# status and pressure
expect_ok ctl status
[[ $LAST_OUT == *"Backend: cgroupfs"* && $LAST_OUT == *"Units: 3 managed"* && $LAST_OUT == *"50-test.json"* ]] ||
        fail "status: $LAST_OUT"
expect_ok ctl status --json
json_ok "$LAST_OUT"
[[ $(json_get "$LAST_OUT" 'd["Backend"], d["Units"], d["WatchedSlices"]') == "('cgroupfs', 3, ['system.slice'])" ]] ||
        fail "status --json: $LAST_OUT"
expect_ok ctl pressure
grep -Eq '^db\.service +[0-9.]+/[0-9.]+/[0-9.]+ ' <<<"$LAST_OUT" || fail "pressure: $LAST_OUT"
# each slice once (the watched slice is a unit of the list), and when it was read
[[ $(grep -c 'slice' <<<"$LAST_OUT") == 1 ]] || fail "pressure lists the slice more than once: $LAST_OUT"
grep -Eq 'read from the cgroups by the daemon at 20[0-9-]+ [0-9:]+\.[0-9]{3}\.$' <<<"$LAST_OUT" ||
        fail "pressure does not say when it was read: $LAST_OUT"
expect_ok ctl pressure --json
json_ok "$LAST_OUT"
[[ $(json_get "$LAST_OUT" '[(u["Throttled"], u["MemoryPressure"]["Avg10"]) for u in d if u["Id"]=="db.service"][0]') == \
        "(False, 0.0)" ]] || fail "pressure --json: $LAST_OUT"

# reload
policy 50-test.json '{ "policies": [ { "name": "db", "match": { "unit": "db.service" }, "properties": { "IOWeight": 600 } } ] }'
expect_ok ctl reload
expect_file "$SLICE/db.service/io.weight" "default 600"

# check works without the daemon (another engineer's verb; dispatched here).
expect_ok "$CGPOLICYCTL" check "$POLICY_DIR/50-test.json"

# monitor: prints the signal of a change made meanwhile.
"$CGPOLICYCTL" --bus-address="$BUS_ADDRESS" monitor >"$T/mon.txt" 2>&1 &
CHILD_PIDS+=($!)
wait_for 5 grep -q Monitoring "$T/mon.txt" || fail "monitor did not start"
sleep 0.3
expect_ok ctl set-property db.service MemoryLow=64M
wait_for 5 grep -q 'PropertiesChanged db.service .*MemoryLow=64M' "$T/mon.txt" || fail "monitor: $(cat "$T/mon.txt")"

# Environment instead of --bus-address; --help and --version.
expect_ok env CGPOLICY_BUS_ADDRESS="$BUS_ADDRESS" "$CGPOLICYCTL" --no-pager list --no-legend
expect_ok "$CGPOLICYCTL" --help
[[ $LAST_OUT == *set-property* && $LAST_OUT == *"-H --host"* ]] || fail "--help: $LAST_OUT"
expect_ok "$CGPOLICYCTL" --version

# Bash completion: unit names come from the running daemon, values from the known sets.
complete_line() {
        (
                export PATH=$(dirname "$CGPOLICYCTL"):$PATH CGPOLICY_BUS_ADDRESS=$BUS_ADDRESS
                source "$PROJECT_SOURCE_ROOT/shell-completion/bash/cgpolicyctl"
                compopt() { :; }
                COMP_LINE=$1 COMP_POINT=${#1}
                _cgpolicyctl
                echo "${COMPREPLY[*]}"
        )
}
[[ $(complete_line "cgpolicyctl show d") == db.service ]] || fail "completion of units: $(complete_line "cgpolicyctl show d")"
[[ $(complete_line "cgpolicyctl set-property db.service MemoryH") == MemoryHigh= ]] || fail "completion of properties"
[[ $(complete_line "cgpolicyctl set-property db.service CPUWeight=i") == idle ]] || fail "completion of values"
[[ $(complete_line "cgpolicyctl exp") == explain ]] || fail "completion of verbs"

echo "ok: all cgpolicyctl commands"
daemon_alive || fail "daemon died"
stop_daemon TERM || fail "daemon exited with $?"
