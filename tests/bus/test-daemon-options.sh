#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Command line: --help/--version succeed; bad options, a missing or unusable
# cgroup root exit non-zero with a message naming what was wrong.
source "$(dirname "$0")/lib.sh"

make_tree
out=$("$CGPOLICYD" --help)
for opt in --backend= --cgroup-root= --watch= --policy-dir= --state-dir= --runtime-dir= --bus= --dry-run \
        --log-level= --version; do
        grep -q -- "$opt" <<<"$out" || fail "--help does not mention $opt"
done
"$CGPOLICYD" --version | grep -Eq '^cgpolicyd [0-9]' || fail "--version output"

# expect_reject MESSAGE-REGEX ARGS...: exits non-zero, stderr matches, within 5 s
expect_reject() {
        local want=$1 rc=0 err
        shift
        # shellcheck disable=SC2086
        err=$(timeout $((5 * SLOW)) $CGPOLICYD_WRAPPER "$CGPOLICYD" "$@" 2>&1 >/dev/null) || rc=$?
        ((rc != 0)) || fail "accepted: $*"
        ((rc != 124)) || fail "hung instead of rejecting: $*"
        grep -Eq -- "$want" <<<"$err" || fail "message for '$*' was: $err (wanted /$want/)"
        # error paths free what they allocated too (meaningful with a valgrind wrapper)
        ! grep -Eq 'ERROR SUMMARY: [1-9]|runtime error:|Sanitizer' <<<"$err" || fail "memory errors on '$*': $err"
}

base=(--cgroup-root="$ROOT" --state-dir="$STATE_DIR" --runtime-dir="$RUNTIME_DIR" --policy-dir="$POLICY_DIR")
expect_reject 'Invalid --backend=bogus' "${base[@]}" --backend=bogus
expect_reject 'Invalid --watch=nginx.service' "${base[@]}" --watch=nginx.service
expect_reject 'Invalid --watch=a--b.slice' "${base[@]}" --watch=a--b.slice
expect_reject 'Invalid --log-level=loud' "${base[@]}" --log-level=loud
expect_reject 'not an absolute path' "${base[@]}" --state-dir=relative
expect_reject 'Unknown option "--frobnicate"' "${base[@]}" --frobnicate
expect_reject 'needs a value' "${base[@]}" --watch
expect_reject 'Unexpected argument "extra"' "${base[@]}" extra
expect_reject "cgroup root $T/missing: No such file" --cgroup-root="$T/missing" --state-dir="$STATE_DIR"
touch "$T/afile"
expect_reject "not a directory" --cgroup-root="$T/afile"
expect_reject "Failed to connect" "${base[@]}" --backend=cgroupfs --bus="unix:path=$T/no-such-socket"

# a broken policy at startup: refuse to start, naming the file
policy 10-bad.json '{ "policies": [ { "name": "x", "match": { "unit": "a.service" }, "properties": { "CPUWeight": "lots" } } ] }'
start_bus
expect_reject '10-bad\.json:[0-9]+:[0-9]+' "${base[@]}" --backend=cgroupfs --bus="$BUS_ADDRESS"
rm "$POLICY_DIR/10-bad.json"

# a cgroup v1 or hybrid host: the default root is checked for cgroup2
if [[ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" != cgroup2fs ]]; then
        expect_reject 'cgroup v1 or the hybrid layout' --state-dir="$STATE_DIR" --runtime-dir="$RUNTIME_DIR" \
                --policy-dir="$POLICY_DIR" --bus="$BUS_ADDRESS"
        # named explicitly, the hybrid/v1 tmpfs is refused too (it is only looked at:
        # dry run and a slice that does not exist, in case the check ever fails)
        expect_reject 'cgroup v1 or the hybrid layout' --cgroup-root=/sys/fs/cgroup --dry-run --backend=cgroupfs \
                --watch=cgpolicyd-test-none.slice --state-dir="$STATE_DIR" --runtime-dir="$RUNTIME_DIR" \
                --policy-dir="$POLICY_DIR" --bus="$BUS_ADDRESS"
else
        echo "host has cgroup2 at /sys/fs/cgroup: v1 refusal not testable here (VM suite covers it)"
fi

# a watched slice that does not exist is a warning, not a failure
start_daemon --watch=missing.slice --watch=system.slice
grep -q 'Watched slice missing.slice .* does not exist' "$LOG" || fail "missing slice not reported"
stop_daemon TERM || fail "daemon exited with $?"
