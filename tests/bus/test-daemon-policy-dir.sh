#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Issue 9 item 11: entries named *.json in a policy directory that cannot be
# policy files (a directory, a FIFO, a dangling symlink, a symlink loop) are
# skipped with one warning each, at start and at reload; the real files load, a
# FIFO does not hang the loader, a /dev/null link still masks quietly.
source "$(dirname "$0")/lib.sh"

make_tree db.service
policy 50-test.json '{ "policies": [
  { "name": "db", "match": { "unit": "db.service" }, "properties": { "CPUWeight": 800 } } ] }'
mkdir "$POLICY_DIR/10-dir.json"
mkfifo "$POLICY_DIR/20-fifo.json"
ln -s "$T/nowhere.json" "$POLICY_DIR/30-dangling.json"
ln -s 40-loop.json "$POLICY_DIR/40-loop.json"
ln -s /dev/null "$POLICY_DIR/60-masked.json"

start_daemon
expect_file "$SLICE/db.service/cpu.weight" 800
for what in "10-dir.json: a directory" "20-fifo.json: a FIFO" "30-dangling.json: a dangling symlink" \
        "40-loop.json: a symlink loop"; do
        grep -q "Policy file $POLICY_DIR/$what, skipped" "$LOG" || fail "skipped entry not reported: $what"
done
grep -q "60-masked.json" "$LOG" && fail "a masking /dev/null link was reported as skipped"

mark=$(log_lines)
kill -HUP "$DAEMON_PID"
wait_for $((5 * SLOW)) log_since "$mark" 'Policies reloaded' || fail "reload did not finish"
log_since "$mark" "Policy file $POLICY_DIR/20-fifo.json: a FIFO, skipped" || fail "not reported again at reload"
stop_daemon TERM || fail "daemon exited with $?"
echo "ok: directory, FIFO, dangling link and symlink loop named *.json skipped with a warning each"
