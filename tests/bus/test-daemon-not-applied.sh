#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Issue 9 item 7: a value that cannot take effect is not a silent success. The
# call fails with org.cgpolicy1.Error.NotApplied naming the property and the
# real cause (cgpolicyctl says so and exits non-zero); Explain gives the same
# cause once ("not-applied: why", no doubled prefix); the override stays saved
# and a cause that may pass is retried with backoff until it takes:
#   - a block device that does not exist (not "io.max absent")
#   - a cgroup file that cannot be written (a directory in its place)
#   - originals.json not saved for want of space (ENOSPC on a 64 KiB tmpfs),
#     which must be blamed on originals.json, not on memory.max
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-api.sh"

TINY=$T/tiny
mkdir -p "$TINY"
mount -t tmpfs -o size=64k,mode=0700 cgpolicyd-test "$TINY" || { echo "SKIP: cannot mount a tmpfs"; exit 77; }
trap 'rc=$?; umount -l "$TINY" 2>/dev/null; (exit $rc); cleanup' EXIT
RUNTIME_DIR=$TINY/runtime

make_tree db.service
policy 50-test.json '{ "policies": [] }'
start_daemon

# 1. no such device
out=$(gcall SetUnitProperties db.service false "[('IOReadBandwidthMax', <[('/dev/nonexistent', uint64 1000000)]>)]") || true
[[ $out == *'GDBus.Error:org.cgpolicy1.Error.NotApplied:'* ]] || fail "no NotApplied error: $out"
expect_fail_with 'Cannot find block device "/dev/nonexistent"' ctl set-property db.service 'IOReadBandwidthMax=/dev/nonexistent 2M'
[[ $LAST_OUT == *"not applied"* && $LAST_OUT == *IOReadBandwidthMax* ]] || fail "CLI does not say it did not take: $LAST_OUT"
grep -q '"IOReadBandwidthMax"' "$STATE_DIR/overrides.json" || fail "the override was not kept"
expect_ok ctl explain db.service
line=$(grep '^IOReadBandwidthMax' <<<"$LAST_OUT")
[[ $line == *"not-applied: Cannot find block device"* ]] || fail "explain gives the wrong reason: $line"
[[ $line != *"not applied:"* ]] || fail "explain doubles the prefix: $line"
[[ $line != *"io.max absent"* ]] || fail "explain blames io.max: $line"
wait_for $((5 * SLOW)) grep -q 'db.service: retrying in 2 s (attempt 2 failed)' "$LOG" || fail "device failure not retried with backoff"
expect_ok ctl revert db.service IOReadBandwidthMax

# 2. an unwritable cgroup file: retried, and taken once the file is writable again
mv "$SLICE/db.service/pids.max" "$T/pids.max"
mkdir "$SLICE/db.service/pids.max"
mark=$(log_lines)
expect_fail_with 'pids.max not recorded, not changing it: Is a directory' ctl set-property db.service TasksMax=50
rmdir "$SLICE/db.service/pids.max"
mv "$T/pids.max" "$SLICE/db.service/pids.max"
expect_file "$SLICE/db.service/pids.max" 50 $((4 * SLOW))
log_since "$mark" 'db.service: retrying in 1 s' || fail "no retry after a failed write"
expect_ok ctl explain db.service
[[ $(grep '^TasksMax' <<<"$LAST_OUT") == *" ok "* || $(grep '^TasksMax' <<<"$LAST_OUT") != *not-applied* ]] ||
        fail "TasksMax still not applied after the retry: $LAST_OUT"

# 3. originals.json cannot be saved (ENOSPC): memory.max is not blamed, the
#    value is not written without its original, and it takes once there is room
dd if=/dev/zero of="$TINY/fill" bs=4k 2>/dev/null || true
expect_fail_with "not saved to $RUNTIME_DIR/originals.json" ctl set-property db.service MemoryMax=1G
[[ $LAST_OUT == *"No space left on device"* ]] || fail "ENOSPC not named: $LAST_OUT"
[[ $LAST_OUT != *"writing memory.max failed"* ]] || fail "memory.max blamed for a state-file failure: $LAST_OUT"
file_is "$SLICE/db.service/memory.max" max || fail "memory.max written although its original could not be saved"
rm -f "$TINY/fill"
expect_file "$SLICE/db.service/memory.max" 1073741824 $((6 * SLOW))
grep -q '"memory.max": "max' "$RUNTIME_DIR/originals.json" || fail "original of memory.max not saved after the retry"

stop_daemon TERM || fail "daemon exited with $?"
expect_file "$SLICE/db.service/memory.max" max
echo "ok: not-applied values fail the call with the real cause, are kept and retried until they take"
