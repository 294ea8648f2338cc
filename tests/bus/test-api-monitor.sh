#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Signals: busctl monitor and cgpolicyctl monitor see PropertiesChanged after a
# set-property (only the properties that changed), UnitNew/UnitRemoved when a
# cgroup comes and goes, PolicyReloaded after Reload.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-api.sh"

make_tree db.service
start_daemon

busctl --address="$BUS_ADDRESS" monitor org.cgpolicy1 >"$T/busctl-monitor.txt" 2>&1 &
CHILD_PIDS+=($!)
"$CGPOLICYCTL" --bus-address="$BUS_ADDRESS" monitor >"$T/ctl-monitor.txt" 2>&1 &
CHILD_PIDS+=($!)
"$CGPOLICYCTL" --bus-address="$BUS_ADDRESS" --json monitor >"$T/ctl-monitor.json" 2>&1 &
CHILD_PIDS+=($!)
wait_for 5 grep -q Monitoring "$T/ctl-monitor.txt" || fail "cgpolicyctl monitor did not start"
wait_for 5 test -s "$T/busctl-monitor.txt" || fail "busctl monitor did not start"
sleep 0.5

# set-property → PropertiesChanged naming CPUWeight and EffectiveCPUWeight with the new value.
expect_ok ctl set-property db.service CPUWeight=300
expect_file "$SLICE/db.service/cpu.weight" 300
wait_for 5 grep -q 'PropertiesChanged db.service .*CPUWeight=300' "$T/ctl-monitor.txt" ||
        fail "cgpolicyctl monitor: no PropertiesChanged: $(cat "$T/ctl-monitor.txt")"
grep 'PropertiesChanged db.service' "$T/ctl-monitor.txt" | grep -q 'EffectiveCPUWeight=300' ||
        fail "no EffectiveCPUWeight in $(cat "$T/ctl-monitor.txt")"
# Nothing else changed, so nothing else is announced.
if grep 'PropertiesChanged db.service' "$T/ctl-monitor.txt" | grep -q 'MemoryHigh='; then
        fail "MemoryHigh announced although it did not change: $(cat "$T/ctl-monitor.txt")"
fi
wait_for 5 grep -q 'Member=PropertiesChanged' "$T/busctl-monitor.txt" ||
        fail "busctl monitor: no PropertiesChanged: $(cat "$T/busctl-monitor.txt")"
grep -A30 'Member=PropertiesChanged' "$T/busctl-monitor.txt" | grep -q '"CPUWeight"' ||
        fail "busctl monitor: PropertiesChanged without CPUWeight"
grep -q 'Path=/org/cgpolicy1/unit/db_2eservice' "$T/busctl-monitor.txt" || fail "busctl monitor: wrong path"
echo "ok: PropertiesChanged after set-property"

# A no-op set announces nothing.
n=$(grep -c PropertiesChanged "$T/ctl-monitor.txt")
expect_ok ctl set-property db.service CPUWeight=300
sleep 0.5
(($(grep -c PropertiesChanged "$T/ctl-monitor.txt") == n)) || fail "a no-op set emitted PropertiesChanged"

# UnitNew / UnitRemoved.
add_unit web.service
wait_for 5 grep -q 'UnitNew web.service /org/cgpolicy1/unit/web_2eservice' "$T/ctl-monitor.txt" ||
        fail "no UnitNew: $(cat "$T/ctl-monitor.txt")"
wait_for 5 grep -q 'Member=UnitNew' "$T/busctl-monitor.txt" || fail "busctl monitor: no UnitNew"
wait_for 5 grep -q 'Member=InterfacesAdded' "$T/busctl-monitor.txt" || fail "busctl monitor: no InterfacesAdded"
rm -rf "$SLICE/web.service"
wait_for 5 grep -q 'UnitRemoved web.service' "$T/ctl-monitor.txt" ||
        fail "no UnitRemoved: $(cat "$T/ctl-monitor.txt")"
wait_for 5 grep -q 'Member=InterfacesRemoved' "$T/busctl-monitor.txt" || fail "busctl monitor: no InterfacesRemoved"
echo "ok: UnitNew/UnitRemoved (and ObjectManager's InterfacesAdded/Removed)"

# PolicyReloaded.
policy 50-test.json '{ "policies": [ { "name": "db", "match": { "unit": "db.service" }, "properties": { "IOWeight": 700 } } ] }'
expect_ok ctl reload
wait_for 5 grep -q 'PolicyReloaded' "$T/ctl-monitor.txt" || fail "no PolicyReloaded"
wait_for 5 grep -q 'PropertiesChanged db.service .*IOWeight=700' "$T/ctl-monitor.txt" ||
        fail "no IOWeight change after reload: $(cat "$T/ctl-monitor.txt")"
grep 'PropertiesChanged db.service .*IOWeight=700' "$T/ctl-monitor.txt" | grep -q 'Policies=' ||
        fail "Policies not announced after reload"
echo "ok: PolicyReloaded"

# Memory use and pressure: announced at most once a second per unit, and the
# latest value is not lost (a timer sends it when the second is over).
for i in 1 2 3 4 5 6 7 8; do
        printf '%s\n' $((i * 1048576)) >"$SLICE/db.service/memory.current"
        expect_ok ctl set-property db.service CPUWeight=$((200 + 10 * i)) # read back reads memory.current too
        sleep 0.1
done
wait_for 5 grep -q 'PropertiesChanged db.service MemoryCurrent=8388608' "$T/ctl-monitor.txt" ||
        fail "latest MemoryCurrent never announced: $(grep MemoryCurrent "$T/ctl-monitor.txt")"
# (each line starts with the date and the time)
grep 'PropertiesChanged db.service MemoryCurrent=' "$T/ctl-monitor.txt" | cut -d' ' -f2 >"$T/mc-times"
python3 - "$T/mc-times" <<'PY' || fail "MemoryCurrent announced more than once a second: $(grep MemoryCurrent "$T/ctl-monitor.txt")"
import sys
def sec(t):
    h, m, s = t.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)
ts = [sec(l.strip()) for l in open(sys.argv[1]) if l.strip()]
assert len(ts) >= 2, ts
assert all(b - a >= 0.95 for a, b in zip(ts, ts[1:])), ts
PY
# One announcement per value: a late (timer) one must not repeat what an
# immediate one already sent.
grep 'PropertiesChanged db.service MemoryCurrent=' "$T/ctl-monitor.txt" | cut -d' ' -f5 | uniq -d | grep -q . &&
        fail "a MemoryCurrent value announced twice: $(grep MemoryCurrent "$T/ctl-monitor.txt")"
# Units found before the bus objects exist are not announced (that was -ENOENT
# for every unit at start-up, system.slice included).
grep -q 'Failed to emit' "$LOG" && fail "emitting failed: $(grep 'Failed to emit' "$LOG")"
echo "ok: pressure/memory announcements rate-limited ($(wc -l <"$T/mc-times") in $(head -c8 "$T/mc-times")..$(tail -n1 "$T/mc-times"))"

# --json: one parseable object per line.
wait_for 5 grep -q '"Signal":"PolicyReloaded"' "$T/ctl-monitor.json" || fail "no JSON PolicyReloaded"
grep -q '"Signal":"PropertiesChanged".*"CPUWeight":"300"' "$T/ctl-monitor.json" ||
        fail "no JSON PropertiesChanged: $(cat "$T/ctl-monitor.json")"
while read -r line; do
        python3 -c 'import json,sys; json.loads(sys.argv[1])' "$line" || fail "not JSON: $line"
done <"$T/ctl-monitor.json"
echo "ok: monitor --json"

daemon_alive || fail "daemon died"
stop_daemon TERM || fail "daemon exited with $?"
