#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Damaged state files (issue 9, items 8 and 11): a persistent overrides.json with
# a syntax error is kept aside, never overwritten by the next set-property; a FIFO
# named overrides.json does not hang start-up; temp files of interrupted atomic
# writes are removed, nothing else is.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-api.sh"

make_tree db.service db2.service
policy 50-test.json '{ "policies": [
  { "name": "db", "match": { "unit": "db*.service" }, "properties": { "CPUWeight": 800 } } ] }'
# line 3 lacks a comma: the admin's other overrides are in this file
cat >"$STATE_DIR/overrides.json" <<'EOJ'
{ "units": {
    "db.service": { "CPUWeight": "300" }
    "db2.service": { "CPUWeight": "222" } } }
EOJ
cp "$STATE_DIR/overrides.json" "$T/damaged.copy"
mkfifo "$RUNTIME_DIR/overrides.json"
echo '{ "units": {} }' >"$STATE_DIR/overrides.json.Ab12Cd"
echo '{ "units": {} }' >"$RUNTIME_DIR/originals.json.XyZ789"
echo 'not ours' >"$STATE_DIR/overrides.json.keep-me"

start_daemon   # hung for ever on the FIFO before

grep -Eq "State file $STATE_DIR/overrides.json: $STATE_DIR/overrides.json:[0-9]+:[0-9]+: .*kept as $STATE_DIR/overrides.json.corrupt-" "$LOG" ||
        fail "syntax error not reported with file:line:column and where the file was kept"
grep -q "State file $RUNTIME_DIR/overrides.json: is not a regular file; kept as" "$LOG" ||
        fail "FIFO state file not reported"
aside=$(ls "$STATE_DIR"/overrides.json.corrupt-*) || fail "damaged overrides.json not kept aside"
cmp -s "$aside" "$T/damaged.copy" || fail "kept copy differs from the damaged file"
[[ -p $(ls "$RUNTIME_DIR"/overrides.json.corrupt-*) ]] || fail "FIFO not moved aside"

# the unparsable layer is not applied, the policy is
expect_file "$SLICE/db.service/cpu.weight" 800

# a persistent set-property writes a new file and leaves the kept copy alone
expect_ok ctl set-property db2.service CPUWeight=250
expect_file "$SLICE/db2.service/cpu.weight" 250
grep -q '"CPUWeight": "250"' "$STATE_DIR/overrides.json" || fail "new override not saved"
cmp -s "$aside" "$T/damaged.copy" || fail "kept copy of the damaged file was changed"

# interrupted writes' temp files are gone, a look-alike that is not one stays
[[ ! -e $STATE_DIR/overrides.json.Ab12Cd && ! -e $RUNTIME_DIR/originals.json.XyZ789 ]] ||
        fail "stale temp files of interrupted writes left in place"
[[ -e $STATE_DIR/overrides.json.keep-me ]] || fail "a file that is not our temp file was removed"
grep -q "Removed 1 temporary file(s) left in $STATE_DIR" "$LOG" || fail "temp file removal not logged"

stop_daemon TERM || fail "daemon exited with $?"
echo "ok: damaged and FIFO state files kept aside, start-up did not hang, temp files cleaned"
