#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Someone rewrites a managed value: the daemon notices and re-asserts it, without
# looping on its own writes; unmanaged files are left alone.
source "$(dirname "$0")/lib.sh"

make_tree db.service
policy 50-test.json '{ "policies": [
  { "name": "db", "match": { "unit": "db.service" }, "properties": { "CPUWeight": 800 } } ] }'
start_daemon
expect_file "$SLICE/db.service/cpu.weight" 800

mark=$(log_lines)
start=$(now_ms)
echo 50 >"$SLICE/db.service/cpu.weight"
wait_for $((5 * SLOW)) file_is "$SLICE/db.service/cpu.weight" 800 || fail "drift not re-asserted"
echo "cpu.weight re-asserted from 50 to 800 after $(($(now_ms) - start)) ms"
log_since "$mark" 'changed behind our back' || fail "drift not logged"

# no write loop: after settling, our own writes cause no further re-asserts
sleep 0.5
n1=$(grep -c 'changed behind our back' "$LOG")
sleep 1
n2=$(grep -c 'changed behind our back' "$LOG")
[[ $n1 == "$n2" ]] || fail "daemon keeps re-asserting its own writes ($n1 → $n2)"

# an unmanaged file is nobody's business
echo 77 >"$SLICE/db.service/pids.max"
sleep 0.3
file_is "$SLICE/db.service/pids.max" 77 || fail "unmanaged pids.max was touched"

stop_daemon TERM || fail "daemon exited with $?"
# the original is the value before the daemon first changed it, not the drifted one
file_is "$SLICE/db.service/cpu.weight" 100 || fail "restored $(cat "$SLICE/db.service/cpu.weight"), expected 100"
