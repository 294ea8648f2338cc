#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# monitor shows every decision (issue 11, item 8): a drift re-assertion
# (Reasserted) and a rebalance step (Rebalanced), each with its reason, changes
# under the unit-file property names, a full timestamp on every line (date and
# offset in --json), and "unset" apart from "infinity" as show and explain.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-api.sh"

make_tree batch-1.service db.service
printf 'MemTotal: 16777216 kB\nMemAvailable: 8388608 kB\nSwapTotal: 1048576 kB\n' >"$T/meminfo"
export CGPOLICYD_MEMINFO=$T/meminfo
printf '536870912\n' >"$SLICE/batch-1.service/memory.current"
printf '314572800\n' >"$SLICE/db.service/memory.current"
policy 50-test.json '{ "policies": [
  { "name": "batch", "class": "sheddable", "match": { "unit": "batch-*.service" },
    "properties": { "CPUWeight": 20 }, "pressure": { "floor": { "MemoryHigh": "400M" } } },
  { "name": "db", "class": "protected", "match": { "unit": "db.service" }, "properties": { "CPUWeight": 800 } } ],
  "pressure": { "memory": { "trigger": "some 150ms 1s", "calm": "some avg10<5", "hold": "1s",
                            "interval": "200ms", "step": "10%", "mode": "throttle" } } }'
start_daemon
expect_file "$SLICE/db.service/cpu.weight" 800

"$CGPOLICYCTL" --bus-address="$BUS_ADDRESS" monitor >"$T/mon.txt" 2>&1 &
CHILD_PIDS+=($!)
"$CGPOLICYCTL" --bus-address="$BUS_ADDRESS" --json monitor >"$T/mon.json" 2>&1 &
CHILD_PIDS+=($!)
wait_for 5 grep -q Monitoring "$T/mon.txt" || fail "monitor did not start"
sleep 0.5
TS='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}'
mon_has() { wait_for $((5 * SLOW)) grep -Eq -- "$1" "$T/mon.txt" || fail "monitor lacks /$1/: $(cat "$T/mon.txt")"; }

# Unit-file names, not systemd's D-Bus names.
expect_ok ctl set-property db CPUQuota=50%
mon_has "^$TS PropertiesChanged db\.service .*CPUQuota=50%"
mon_has "^$TS PropertiesChanged db\.service .*EffectiveCPUQuota=50%"
grep -q PerSecUSec "$T/mon.txt" && fail "monitor prints D-Bus names: $(cat "$T/mon.txt")"
echo "ok: monitor uses unit-file names"

# A drift re-assertion, with its reason.
echo 50 >"$SLICE/db.service/cpu.weight"
expect_file "$SLICE/db.service/cpu.weight" 800 $((5 * SLOW))
# (the shell truncates before it writes: the daemon may see the empty file first)
mon_has "^$TS Reasserted db\.service CPUWeight: (50|\"\") → 800 \(cpu\.weight was changed behind our back\)$"
echo "ok: monitor shows the drift re-assertion"

# A rebalance step, with its reason.
printf 'some avg10=80.00 avg60=0.00 avg300=0.00 total=1000\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n' \
        >"$SLICE/memory.pressure"
mon_has "^$TS Rebalanced batch-1\.service MemoryHigh: [^ ]+ → [0-9.]+[KMG]? \(.*memory some avg10=80\.00%"
echo "ok: monitor shows the rebalance step"

# infinity and unset: as show and explain tell them apart.
expect_ok ctl set-property db MemoryMax=1G
mon_has "^$TS PropertiesChanged db\.service.* MemoryMax=1G"
expect_ok ctl set-property db MemoryMax=infinity
mon_has "^$TS PropertiesChanged db\.service.* MemoryMax=infinity"
expect_ok ctl show db -p MemoryMax
[[ $LAST_OUT == MemoryMax=infinity ]] || fail "show after MemoryMax=infinity: $LAST_OUT"
expect_ok ctl explain db
grep -Eq '^MemoryMax +infinity +persistent ' <<<"$LAST_OUT" || fail "explain after MemoryMax=infinity: $LAST_OUT"
# (infinity → unset is no change on the bus: both are systemd's UINT64_MAX there)
expect_ok ctl set-property db MemoryMax=2G
mon_has "^$TS PropertiesChanged db\.service.* MemoryMax=2G"
expect_ok ctl revert db MemoryMax
mon_has "^$TS PropertiesChanged db\.service.* MemoryMax=( |$)"
expect_ok ctl show db -p MemoryMax
[[ $LAST_OUT == MemoryMax= ]] || fail "show after revert: $LAST_OUT"
echo "ok: monitor prints unset empty and infinity as infinity"

# --json: the date, time and offset in each line; the same names and decisions.
wait_for 5 grep -q '"Signal":"Rebalanced"' "$T/mon.json" || fail "no JSON Rebalanced: $(cat "$T/mon.json")"
python3 - "$T/mon.json" <<'PY' || fail "monitor --json: $(cat "$T/mon.json")"
import json, re, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
for l in lines:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d\d:\d\d", l["Time"]), l
r = [l for l in lines if l["Signal"] == "Reasserted"]
assert r and r[0]["Unit"] == "db.service" and r[0]["Property"] == "CPUWeight", r
assert r[0]["Old"] in ("50", "") and r[0]["New"] == "800" and "behind our back" in r[0]["Reason"], r
b = [l for l in lines if l["Signal"] == "Rebalanced"]
assert b and b[0]["Unit"] == "batch-1.service" and b[0]["Property"] == "MemoryHigh" and b[0]["Reason"], b
c = [l["Changed"] for l in lines if l["Signal"] == "PropertiesChanged" and l["Unit"] == "db.service"]
assert any(x.get("CPUQuota") == "50%" for x in c), c
assert not any(k.endswith("PerSecUSec") for x in c for k in x), c
assert any(x.get("MemoryMax") == "" for x in c), c
PY
echo "ok: monitor --json"

stop_daemon TERM || fail "daemon exited with $?"
