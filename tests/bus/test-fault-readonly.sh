#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A read-only state directory (a tmpfs remounted ro under the test dir): a
# persistent set-property is refused with a named error and changes nothing (no
# cgroup file, no state file), a runtime one still works, reads keep working,
# and once the directory is writable again a persistent set is saved. A state
# dir full (ENOSPC) is tested in daemon-not-applied (originals.json) and here
# for overrides.json.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-api.sh"

RO=$T/ro
mkdir -p "$RO"
mount -t tmpfs -o size=64k,mode=0700 cgpolicyd-test "$RO" || { echo "SKIP: cannot mount a tmpfs"; exit 77; }
trap 'rc=$?; umount -l "$RO" 2>/dev/null; (exit $rc); cleanup' EXIT
STATE_DIR=$RO/state
mkdir -p "$T/state"   # snapshot() looks there; the real one is checked by name
make_tree db.service
policy 50-test.json '{ "policies": [] }'
echo '{ "units": { "db.service": { "CPUWeight": "300" } } }' >"$STATE_DIR/overrides.json"
start_daemon
expect_file "$SLICE/db.service/cpu.weight" 300

mount -o remount,ro "$RO"
snapshot "$T/before"
expect_fail_with 'Cannot save persistent overrides of db.service' ctl set-property db.service CPUWeight=400
expect_unchanged "$T/before"
grep -q '"CPUWeight": "300"' "$STATE_DIR/overrides.json" || fail "overrides.json changed on a read-only dir"
expect_ok ctl set-property --runtime db.service TasksMax=77
expect_file "$SLICE/db.service/pids.max" 77
expect_ok gcall ListUnits
daemon_alive || fail "daemon died on a read-only state dir"

# full instead of read-only
mount -o remount,rw "$RO"
dd if=/dev/zero of="$RO/fill" bs=4k 2>/dev/null || true
expect_fail_with 'No space left on device' ctl set-property db.service CPUWeight=401
file_is "$SLICE/db.service/cpu.weight" 300 || fail "cpu.weight changed although the override was not saved"
grep -q '"CPUWeight": "300"' "$STATE_DIR/overrides.json" || fail "overrides.json damaged by ENOSPC: $(cat "$STATE_DIR/overrides.json")"
rm -f "$RO/fill"
expect_ok ctl set-property db.service CPUWeight=402
expect_file "$SLICE/db.service/cpu.weight" 402
grep -q '"CPUWeight": "402"' "$STATE_DIR/overrides.json" || fail "override not saved once writable"
stop_daemon TERM || fail "daemon exited with $?"
echo "ok: read-only and full state dir refuse persistent sets with a named error, nothing lost or half-written"
