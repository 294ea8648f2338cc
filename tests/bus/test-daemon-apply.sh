#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Policies reach units that exist at start, units that appear later (renamed
# into the slice), and the slice itself; unmatched units stay untouched.
source "$(dirname "$0")/lib.sh"

make_tree web.service other.service
policy 50-test.json '{ "policies": [
  { "name": "db", "match": { "unit": "db.service" }, "properties": { "CPUWeight": 800, "MemoryHigh": "1G" } },
  { "name": "web", "match": { "unit": "web*.service" }, "properties": { "CPUWeight": 300, "TasksMax": 200 } },
  { "name": "slice", "match": { "unit": "system.slice" }, "properties": { "MemoryHigh": "2G" } },
  { "name": "getty", "match": { "slice": "system-getty.slice" }, "properties": { "TasksMax": 7 } },
  { "name": "sub", "match": { "unit": "inner.scope" }, "properties": { "TasksMax": 3 } },
  { "name": "by-user", "match": { "unit": "job*.service", "user": "nobody" }, "properties": { "CPUWeight": 44 } },
  { "name": "by-exe", "match": { "unit": "job*.service", "exe": "*/sleep" }, "properties": { "TasksMax": 33 } } ] }'

start_daemon

# existing units
expect_file "$SLICE/web.service/cpu.weight" 300
expect_file "$SLICE/web.service/pids.max" 200
expect_file "$SLICE/memory.high" 2147483648
# unmatched: untouched
file_is "$SLICE/other.service/cpu.weight" 100 || fail "other.service was changed"
file_is "$SLICE/other.service/pids.max" max || fail "other.service was changed"

# a new unit: measure from the rename to the value being there
make_cgroup_dir "$STAGING/db.service"
start=$(now_ms)
mv "$STAGING/db.service" "$SLICE/db.service"
wait_for $((5 * SLOW)) file_is "$SLICE/db.service/cpu.weight" 800 || fail "db.service cpu.weight not 800"
latency=$(($(now_ms) - start))
echo "db.service cpu.weight=800 applied ${latency} ms after the directory appeared"
limit=$((1000 * SLOW))
((latency <= limit)) || fail "latency ${latency} ms > ${limit} ms"
expect_file "$SLICE/db.service/memory.high" 1073741824

# mkdir'ed (IN_CREATE) units are picked up too once their files exist
mkdir "$SLICE/web2.service"
make_cgroup_dir "$SLICE/web2.service"
# the first apply finds no files yet; the files being written re-trigger it
expect_file "$SLICE/web2.service/cpu.weight" 300

# matching by user and exe: with cgroupfs, the first process of the cgroup
# stands in for the main process (its owner for User=, its binary for exe)
setpriv --reuid=65534 --regid=65534 --clear-groups sleep 1000 </dev/null >/dev/null 2>&1 &
CHILD_PIDS+=($!)
nobody_pid=$!
wait_for 5 bash -c "[[ \$(readlink /proc/$nobody_pid/exe) == */sleep ]]" || fail "setpriv child did not exec sleep"
make_cgroup_dir "$STAGING/job1.service"
make_cgroup_dir "$STAGING/job2.service"
printf '%s\n' "$nobody_pid" >"$STAGING/job1.service/cgroup.procs"
mv "$STAGING/job1.service" "$SLICE/job1.service"
mv "$STAGING/job2.service" "$SLICE/job2.service"
expect_file "$SLICE/job1.service/cpu.weight" 44
expect_file "$SLICE/job1.service/pids.max" 33
file_is "$SLICE/job2.service/cpu.weight" 100 || fail "user policy matched a unit without processes"
# a process of another user joins job2 later: matching follows
printf '%s\n' "$nobody_pid" >"$SLICE/job2.service/cgroup.procs"
expect_file "$SLICE/job2.service/cpu.weight" 44

daemon_alive || fail "daemon died"
grep -q 'web2.service: CPUWeight=300' "$LOG" || fail "no log line for web2.service"

# nested slices hold units too (matched by their slice); a service's own
# sub-cgroups (Delegate=) are not units
make_cgroup_dir "$STAGING/system-getty.slice/getty@tty1.service"
mv "$STAGING/system-getty.slice" "$SLICE/system-getty.slice"
expect_file "$SLICE/system-getty.slice/getty@tty1.service/pids.max" 7
make_cgroup_dir "$STAGING/inner.scope"
mv "$STAGING/inner.scope" "$SLICE/web.service/inner.scope"
sleep 0.3
file_is "$SLICE/web.service/inner.scope/pids.max" max || fail "a service's sub-cgroup was managed as a unit"
stop_daemon TERM || fail "daemon exited with $?"
