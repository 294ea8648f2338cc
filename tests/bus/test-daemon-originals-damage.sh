#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Issue 9 item 9, second half: a damaged originals.json (a crash, then a
# truncated file) must not make the daemon record its own values as originals.
# Before: the restart recorded memory.high=2G (the daemon's own value, written
# before the crash) as "original", and the stop "restored" 2G for good. Now the
# units present at that start are marked: nothing they hold is recorded, a
# warning says so, and the stop leaves those files alone; a unit that appears
# later records its true originals as usual.
source "$(dirname "$0")/lib.sh"

make_tree db.service
printf '250\n' >"$SLICE/db.service/cpu.weight"
printf '1073741824\n' >"$SLICE/db.service/memory.high"
policy 50-test.json '{ "policies": [
  { "name": "db", "match": { "unit": "db*.service" }, "properties": { "CPUWeight": 800, "MemoryHigh": "2G" } } ] }'
start_daemon
expect_file "$SLICE/db.service/memory.high" 2147483648
stop_daemon KILL || true
echo '{ "units": { "db.serv' >"$RUNTIME_DIR/originals.json"
policy 50-test.json '{ "policies": [
  { "name": "db", "match": { "unit": "db*.service" }, "properties": { "CPUWeight": 800, "MemoryHigh": "3G" } } ] }'
start_daemon
expect_file "$SLICE/db.service/memory.high" 3221225472
grep -q "db.service: original values unknown ($RUNTIME_DIR/originals.json was damaged at start)" "$LOG" ||
        fail "unknown originals not reported"
! grep -q '"memory.high": "2147483648' "$RUNTIME_DIR/originals.json" ||
        fail "the daemon's own value recorded as the original: $(cat "$RUNTIME_DIR/originals.json")"
# a unit that appears now is new: its originals are true ones
add_unit db2.service
expect_file "$SLICE/db2.service/memory.high" 3221225472
grep -q '"db2.service"' "$RUNTIME_DIR/originals.json" || fail "a new unit's originals not recorded"
stop_daemon TERM || fail "daemon exited with $?"
[[ $(cat "$SLICE/db.service/memory.high") != 2147483648 ]] || fail "stop 'restored' the daemon's own old value"
expect_file "$SLICE/db2.service/memory.high" max
echo "ok: damaged originals.json: own values never recorded as originals; a later unit restored normally"
