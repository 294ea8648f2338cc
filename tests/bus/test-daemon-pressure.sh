#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The pressure loop end to end: pressure on the protected unit squeezes the
# sheddable unit's memory.high step by step down to its floor and raises the
# protected unit's memory.low toward its usage; once calm for `hold`, both go
# back to their configured values and the loop goes quiet. Pressure on the
# slice alone is worth one step before anything is squeezed, none after.
# (A plain file tree has no PSI triggers: rewriting a memory.pressure file
# stands in.) The host has swap here; batch-2 loses it (memory.swap.max 0)
# after the onset step, and is then held to the headroom (test-daemon-headroom.sh).
source "$(dirname "$0")/lib.sh"

make_tree batch-1.service batch-2.service db.service
printf 'MemTotal: 16777216 kB\nMemAvailable: 8388608 kB\nSwapTotal: 1048576 kB\n' >"$T/meminfo"
export CGPOLICYD_MEMINFO=$T/meminfo
printf '536870912\n' >"$SLICE/batch-1.service/memory.current" # 512M
# batch-2: 480M of its 512M are anonymous and there is no swap for it: a squeeze
# must stop at anon + 32M = 512M, where memory.high still reclaims something
printf '536870912\n' >"$SLICE/batch-2.service/memory.current"
printf 'anon 503316480\nfile 33554432\n' >"$SLICE/batch-2.service/memory.stat"
printf 'max\n' >"$SLICE/batch-2.service/memory.swap.max" # 0 after the onset step below
printf '314572800\n' >"$SLICE/db.service/memory.current"      # 300M
policy 50-test.json '{ "policies": [
  { "name": "batch", "class": "sheddable", "match": { "unit": "batch-*.service" },
    "properties": { "CPUWeight": 20 }, "pressure": { "floor": { "MemoryHigh": "400M" } } },
  { "name": "db", "class": "protected", "match": { "unit": "db.service" },
    "properties": { "MemoryLow": "100M" } } ],
  "pressure": { "memory": { "trigger": "some 150ms 1s", "calm": "some avg10<5", "hold": "1s",
                            "interval": "200ms", "step": "10%", "mode": "throttle" } } }'

psi() { # psi AVG10 [DIR]: the protected unit's memory.pressure, or DIR's
        printf 'some avg10=%s avg60=0.00 avg300=0.00 total=1000\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n' \
                "$1" >"${2:-$SLICE/db.service}/memory.pressure"
}

start_daemon
expect_file "$SLICE/batch-1.service/cpu.weight" 20
expect_file "$SLICE/db.service/memory.low" 104857600
file_is "$SLICE/batch-1.service/memory.high" max || fail "squeezed without pressure"
# once batch-2 may not swap: 8G available + 480M anon - 100M claimed - reserve
# (2% of 16G), page aligned
cap=$(((8589934592 + 503316480 - 104857600 - 17179869184 * 200 / 10000) / 4096 * 4096))

# the slice stalls but the protected unit does not: before anything is squeezed
# that is a shortage protection pushes onto everyone else, worth one step; after
# it, the slice's stall includes the batch we hold back: hold, squeeze no further
mark=$(log_lines)
psi 0.00
psi 80.00 "$SLICE"
wait_for $((3 * SLOW)) bash -c "[[ \$(cat '$SLICE/batch-1.service/memory.high') =~ ^[0-9]+\$ ]]" ||
        fail "no step on the slice's pressure with nothing squeezed yet"
log_since "$mark" 'batch-1.service: MemoryHigh .*memory some avg10=80.00% in the slice > trigger 15%, nothing squeezed yet' ||
        fail "onset step not explained: $(log_since "$mark" 'MemoryHigh')"
onset=$(cat "$SLICE/batch-1.service/memory.high")
sleep 1
file_is "$SLICE/batch-1.service/memory.high" "$onset" ||
        fail "squeezed again on the slice's pressure while the protected unit was calm: $(cat "$SLICE/batch-1.service/memory.high")"
psi 0.00 "$SLICE"
printf '0\n' >"$SLICE/batch-2.service/memory.swap.max"

# pressure on the protected unit: 60% stalled, far above the trigger's 150ms/1s
mark=$(log_lines)
psi 60.00
wait_for $((3 * SLOW)) bash -c "[[ \$(cat '$SLICE/batch-1.service/memory.high') =~ ^[0-9]+\$ ]]" ||
        fail "memory.high not lowered under pressure"
first=$(cat "$SLICE/batch-1.service/memory.high")
((first < 536870912 && first % 4096 == 0)) || fail "first step $first not below usage or not page aligned"
echo "first step: memory.high $first"
# further steps each interval, never below the floor (400M = 419430400)
wait_for $((5 * SLOW)) file_is "$SLICE/batch-1.service/memory.high" 419430400 || fail "floor not reached: $(cat "$SLICE/batch-1.service/memory.high")"
sleep 0.6
file_is "$SLICE/batch-1.service/memory.high" 419430400 || fail "went below the floor"
file_is "$SLICE/batch-2.service/memory.high" 536870912 ||
        fail "batch-2 memory.high $(cat "$SLICE/batch-2.service/memory.high"), not held at its anonymous usage + 32M"
log_since 0 'batch-2.service: MemoryHigh .* held at anonymous usage 480M' || fail "anon hold not explained"
low=$(cat "$SLICE/db.service/memory.low")
((low > 104857600 && low <= 314572800)) || fail "protected memory.low $low not raised toward usage"
log_since "$mark" 'batch-1.service: MemoryHigh .* → ' || fail "decision not logged"

# calm for `hold`: relax back to the configured values, then idle
mark=$(log_lines)
psi 0.00
wait_for $((8 * SLOW)) file_is "$SLICE/batch-1.service/memory.high" max || fail "memory.high not given back: $(cat "$SLICE/batch-1.service/memory.high")"
wait_for $((8 * SLOW)) file_is "$SLICE/batch-2.service/memory.high" "$cap" || fail "batch-2 memory.high not given back to its headroom $cap: $(cat "$SLICE/batch-2.service/memory.high")"
expect_file "$SLICE/db.service/memory.low" 104857600 $((8 * SLOW))
if [[ -z $CGPOLICYD_WRAPPER ]]; then
        sleep 0.5
        before=$(awk '/^voluntary_ctxt_switches/ { print $2 }' /proc/"$DAEMON_PID"/status)
        sleep 1.5
        after=$(awk '/^voluntary_ctxt_switches/ { print $2 }' /proc/"$DAEMON_PID"/status)
        [[ $before == "$after" ]] || fail "pressure loop keeps waking up ($((after - before))) after relaxing"
fi

# mode dry-run: decisions are made and announced, nothing is written
sed -i 's/"mode": "throttle"/"mode": "dry-run"/' "$POLICY_DIR/50-test.json"
kill -HUP "$DAEMON_PID"
wait_for $((2 * SLOW)) log_since "$(($(log_lines) - 5))" 'Policies reloaded' || fail "reload failed"
mark=$(log_lines)
psi 70.00
wait_for $((3 * SLOW)) log_since "$mark" 'batch-1.service: MemoryHigh .*dry run, not written' ||
        fail "dry-run decision not announced"
sleep 0.5
file_is "$SLICE/batch-1.service/memory.high" max || fail "dry-run mode wrote memory.high"
psi 0.00

# each tick's cost, as the daemon measured it (bench/pressure-daemon.py reads it)
ticks=$("$CGPOLICYCTL" --bus-address="$BUS_ADDRESS" metrics | sed -n 's/^cgpolicyd_pressure_tick_seconds_count \([0-9]*\)$/\1/p')
((${ticks:-0} > 0)) || fail "no pressure tick counted in cgpolicyd_pressure_tick_seconds: '${ticks}'"
echo "pressure ticks measured: $ticks"
stop_daemon TERM || fail "daemon exited with $?"
file_is "$SLICE/batch-1.service/memory.high" max || fail "memory.high not restored"
