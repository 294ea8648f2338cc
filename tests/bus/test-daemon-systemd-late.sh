#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# PID 1 answers SetUnitProperties before it writes the cgroup, and under load
# the write of one call lands after our next call (seen in the VM: "memory.low
# was changed behind our back" for values cgpolicyd wrote itself). A fake PID 1
# that writes 400 ms after its reply: two sets in a row are no drift, the file
# ends at the second value, and no call goes out beyond the two.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-api.sh"
source "$(dirname "$0")/lib-systemd.sh"

make_tree db.service
policy 50-test.json '{ "policies": [ { "name": "db", "match": { "unit": "db.service" }, "properties": { "CPUWeight": 200 } } ] }'
start_fake_systemd FAKE_SYSTEMD_WRITE_DELAY_MS=400
calls_for() { grep -c "\"unit\": \"$1\"" "$CALLS" || true; }

DBUS_SYSTEM_BUS_ADDRESS=$BUS_ADDRESS start_daemon --backend=systemd
expect_file "$SLICE/db.service/cpu.weight" 200
sleep 4 # past the settle time of the first call
[[ $(calls_for db.service) == 1 ]] || fail "expected one call at start: $(cat "$CALLS")"

mark=$(log_lines)
ctl set-property --runtime db.service CPUWeight=300 || fail "set-property CPUWeight=300 failed"
ctl set-property --runtime db.service CPUWeight=400 || fail "set-property CPUWeight=400 failed"
expect_file "$SLICE/db.service/cpu.weight" 400
sleep 4 # the late 300 has landed and been looked at again
file_is "$SLICE/db.service/cpu.weight" 400 || fail "cpu.weight is $(cat "$SLICE/db.service/cpu.weight"), not 400"
! log_since "$mark" 'behind our back' || fail "our own late write taken for drift: $(log_since "$mark" 'behind our back')"
[[ $(calls_for db.service) == 3 ]] || fail "expected 3 calls in all, got $(calls_for db.service): $(cat "$CALLS")"
ctl show db.service | grep -q '^CPUWeight=400' || fail "show: $(ctl show db.service)"

# someone else's write is still drift, seen once the settle time is over
mark=$(log_lines)
echo 50 >"$SLICE/db.service/cpu.weight"
wait_for $((6 * SLOW)) log_since "$mark" 'behind our back' || fail "a foreign write was not noticed"
expect_file "$SLICE/db.service/cpu.weight" 400
stop_daemon TERM || fail "daemon exited with $?"
