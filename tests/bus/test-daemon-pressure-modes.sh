#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Dry-run and off are honest: a reload into mode dry-run while a unit is
# squeezed gives the unit its configured value back (dry-run writes nothing, so
# nothing of ours may stay in force), and the dry-run episode then plays out
# step by step in a shadow instead of announcing its first step forever.
source "$(dirname "$0")/lib.sh"

make_tree batch-1.service db.service
printf '1073741824\n' >"$SLICE/batch-1.service/memory.current" # 1G
write_policy() { # MODE
        policy 50-test.json '{ "policies": [
  { "name": "batch", "class": "sheddable", "match": { "unit": "batch-*.service" },
    "pressure": { "floor": { "MemoryHigh": "100M" } } },
  { "name": "db", "class": "protected", "match": { "unit": "db.service" } } ],
  "pressure": { "memory": { "trigger": "some 150ms 1s", "calm": "some avg10<5", "hold": "30s",
                            "interval": "200ms", "step": "10%", "mode": "'"$1"'" } } }'
}
psi() { # AVG10, on the protected unit
        printf 'some avg10=%s avg60=0.00 avg300=0.00 total=1000\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n' \
                "$1" >"$SLICE/db.service/memory.pressure"
}
reload() {
        local mark
        mark=$(log_lines)
        kill -HUP "$DAEMON_PID"
        wait_for $((2 * SLOW)) log_since "$mark" 'Policies reloaded' || fail "reload failed"
}

write_policy throttle
start_daemon
psi 60.00
wait_for $((3 * SLOW)) bash -c "[[ \$(cat '$SLICE/batch-1.service/memory.high') =~ ^[0-9]+\$ ]]" ||
        fail "not squeezed under pressure"
echo "squeezed: memory.high $(cat "$SLICE/batch-1.service/memory.high")"

# into dry-run while squeezed: the squeeze is released at once
mark=$(log_lines)
write_policy dry-run
reload
wait_for $((3 * SLOW)) file_is "$SLICE/batch-1.service/memory.high" max ||
        fail "reload into dry-run left the unit squeezed: memory.high $(cat "$SLICE/batch-1.service/memory.high")"
log_since "$mark" 'batch-1.service: releasing the MemoryHigh adjustment' || fail "release not logged"

# pressure goes on: dry-run decisions step down in the shadow (distinct values)
mark=$(log_lines)
wait_for $((5 * SLOW)) bash -c "(( \$(tail -n +$((mark + 1)) '$LOG' | grep 'batch-1.service: MemoryHigh .*dry run' | sed 's/.*→ //; s/ .*//' | sort -u | wc -l) >= 3 ))" ||
        fail "dry-run repeats its first step: $(tail -n +$((mark + 1)) "$LOG" | grep 'dry run' | head -5)"
file_is "$SLICE/batch-1.service/memory.high" max || fail "dry-run wrote memory.high"

# off: nothing is written, and the shadow goes
write_policy off
reload
psi 0.00
sleep 0.5
file_is "$SLICE/batch-1.service/memory.high" max || fail "mode off wrote memory.high"
stop_daemon TERM || fail "daemon exited with $?"
file_is "$SLICE/batch-1.service/memory.high" max || fail "memory.high not restored"
