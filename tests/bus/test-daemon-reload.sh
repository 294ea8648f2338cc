#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# SIGHUP reloads: a changed policy takes effect, a broken one is rejected whole
# (the old one stays, the log says where), a removed policy gives values back.
source "$(dirname "$0")/lib.sh"

make_tree db.service web.service
policy 50-db.json '{ "policies": [
  { "name": "db", "match": { "unit": "db.service" }, "properties": { "CPUWeight": 800 } } ] }'
policy 60-web.json '{ "policies": [
  { "name": "web", "match": { "unit": "web.service" }, "properties": { "MemoryMax": "512M" } } ] }'
start_daemon
expect_file "$SLICE/db.service/cpu.weight" 800
expect_file "$SLICE/web.service/memory.max" 536870912

# changed policy
policy 50-db.json '{ "policies": [
  { "name": "db", "match": { "unit": "db.service" }, "properties": { "CPUWeight": 500, "TasksMax": 64 } } ] }'
mark=$(log_lines)
kill -HUP "$DAEMON_PID"
expect_file "$SLICE/db.service/cpu.weight" 500
expect_file "$SLICE/db.service/pids.max" 64
wait_for $((2 * SLOW)) log_since "$mark" 'Policies reloaded' || fail "no reload log line"

# broken policy: nothing changes, the log names file and position
policy 50-db.json '{ "policies": [
  { "name": "db", "match": { "unit": "db.service" }, "properties": { "CPUWeight": 100000 } } ] }'
mark=$(log_lines)
kill -HUP "$DAEMON_PID"
wait_for $((2 * SLOW)) log_since "$mark" 'previous policies stay in force' || fail "broken reload not reported"
log_since "$mark" '50-db\.json:[0-9]+' || fail "diagnostic does not name the file and line"
file_is "$SLICE/db.service/cpu.weight" 500 || fail "broken policy changed cpu.weight"
file_is "$SLICE/db.service/pids.max" 64 || fail "broken policy changed pids.max"
daemon_alive || fail "daemon died on a broken policy"

# a policy removed: its unit gets its original values back, others keep theirs
rm "$POLICY_DIR/50-db.json"
kill -HUP "$DAEMON_PID"
expect_file "$SLICE/db.service/cpu.weight" 100
expect_file "$SLICE/db.service/pids.max" max
file_is "$SLICE/web.service/memory.max" 536870912 || fail "web.service lost its value"

stop_daemon TERM || fail "daemon exited with $?"
