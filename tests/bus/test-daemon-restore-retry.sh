#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A restore that fails at stop keeps the recorded original (issue 9, item 9): the
# next start puts it back, instead of the unit keeping the daemon's value for ever.
source "$(dirname "$0")/lib.sh"

make_tree db.service
printf '250\n' >"$SLICE/db.service/cpu.weight"
policy 50-test.json '{ "policies": [
  { "name": "db", "match": { "unit": "db.service" }, "properties": { "CPUWeight": 800 } } ] }'

start_daemon
expect_file "$SLICE/db.service/cpu.weight" 800
# make the write back fail: cpu.weight becomes something that cannot be opened for writing
mv "$SLICE/db.service/cpu.weight" "$T/cpu.weight.ours"
mkdir "$SLICE/db.service/cpu.weight"
stop_daemon TERM || fail "daemon exited with $?"
grep -q '"cpu.weight": "250' "$RUNTIME_DIR/originals.json" ||
        fail "original dropped after a failed restore: $(cat "$RUNTIME_DIR/originals.json")"
grep -q 'db.service: restoring cpu.weight to "250" failed, keeping the original to retry' "$LOG" ||
        fail "failed restore not reported"

# the file is back with the daemon's value; the policy no longer manages the unit
rmdir "$SLICE/db.service/cpu.weight"
mv "$T/cpu.weight.ours" "$SLICE/db.service/cpu.weight"
policy 50-test.json '{ "policies": [] }'
start_daemon
expect_file "$SLICE/db.service/cpu.weight" 250
stop_daemon TERM || fail "daemon exited with $?"
echo "ok: failed restore kept the original; the next start restored cpu.weight 800 -> 250"
