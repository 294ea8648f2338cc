#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Read back: a property that did not take is reported with why (controller not
# enabled → the daemon enables it in the parent first; file absent), never hidden.
source "$(dirname "$0")/lib.sh"

make_tree db.service web.service
# db.service: no cpuset controller (file and controller missing), parent lacks it too
rm "$SLICE/db.service/cpuset.cpus"
printf 'cpu io memory pids\n' >"$SLICE/db.service/cgroup.controllers"
printf 'cpu io memory pids\n' >"$SLICE/cgroup.subtree_control"
printf 'memory pids\n' >"$ROOT/cgroup.subtree_control"  # as systemd leaves it until asked
# web.service: controller listed, but the file is gone (e.g. a kernel without it)
rm "$SLICE/web.service/memory.swap.max"

policy 50-test.json '{ "policies": [
  { "name": "db", "match": { "unit": "db.service" }, "properties": { "AllowedCPUs": "0-1", "CPUWeight": 900 } },
  { "name": "web", "match": { "unit": "web.service" }, "properties": { "MemorySwapMax": "0", "TasksMax": 9 } } ] }'
start_daemon

expect_file "$SLICE/db.service/cpu.weight" 900
expect_file "$SLICE/web.service/pids.max" 9
wait_for $((2 * SLOW)) grep -q 'db.service: AllowedCPUs=0-1 not applied: controller cpuset not enabled' "$LOG" ||
        fail "missing controller not reported"
grep -q 'enabled controller cpuset in .*system.slice/cgroup.subtree_control' "$LOG" ||
        fail "the daemon did not try to enable cpuset in the parent"
grep -q '+cpuset' "$SLICE/cgroup.subtree_control" || fail "+cpuset not written to the parent's subtree_control"
# every ancestor must pass the controller down, from the root
grep -q "enabled controller cpuset in $ROOT/cgroup.subtree_control" "$LOG" || fail "cpuset not enabled in the root first"
grep -q 'web.service: MemorySwapMax=0 not applied: memory.swap.max absent' "$LOG" || fail "absent file not reported"
[[ ! -e "$SLICE/web.service/memory.swap.max" ]] || fail "the daemon created a cgroup file"

# the controller becomes available (files appear): the next event makes it take
printf 'cpuset cpu io memory pids\n' >"$SLICE/db.service/cgroup.controllers"
printf '\n' >"$SLICE/db.service/cpuset.cpus"
expect_file "$SLICE/db.service/cpuset.cpus" 0-1

stop_daemon TERM || fail "daemon exited with $?"
expect_file "$SLICE/db.service/cpuset.cpus" ""
