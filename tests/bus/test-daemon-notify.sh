#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# sd_notify protocol (READY, RELOADING with MONOTONIC_USEC, STOPPING, STATUS) and
# zero wake-ups while nothing happens.
source "$(dirname "$0")/lib.sh"

make_tree db.service
policy 50-test.json '{ "policies": [
  { "name": "db", "match": { "unit": "db.service" }, "properties": { "CPUWeight": 800 } } ] }'

# a datagram socket standing in for PID 1's notify socket; messages go to a file
NOTIFY=$T/notify.sock
MSGS=$T/notify.log
/usr/bin/python3 - "$NOTIFY" "$MSGS" <<'EOPY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as out:
    while True:
        # one write(2) per datagram: a reader never sees half a message
        out.write(s.recv(4096).decode().replace("\n", "|") + "\n")
        out.flush()
EOPY
CHILD_PIDS+=($!)
wait_for 5 test -S "$NOTIFY" || fail "notify listener did not start"

NOTIFY_SOCKET=$NOTIFY start_daemon
wait_for $((2 * SLOW)) grep -q 'READY=1' "$MSGS" || fail "no READY=1"
wait_for $((2 * SLOW)) grep -q 'STATUS=Managing 2 units with 1 policies (cgroupfs backend)' "$MSGS" || fail "STATUS missing: $(cat "$MSGS")"

kill -HUP "$DAEMON_PID"
wait_for $((2 * SLOW)) grep -q 'RELOADING=1|MONOTONIC_USEC=[0-9]' "$MSGS" || fail "no RELOADING=1 with MONOTONIC_USEC"
wait_for $((2 * SLOW)) bash -c "grep -A3 RELOADING '$MSGS' | grep -q '^READY=1'" || fail "no READY=1 after reload"

# idle: no wake-ups at all (no timers, no polling)
if [[ -z $CGPOLICYD_WRAPPER ]]; then
        sleep 0.5
        before=$(awk '/^voluntary_ctxt_switches/ { print $2 }' /proc/"$DAEMON_PID"/status)
        sleep 2
        after=$(awk '/^voluntary_ctxt_switches/ { print $2 }' /proc/"$DAEMON_PID"/status)
        [[ $before == "$after" ]] || fail "daemon woke up $((after - before)) times in 2 s while idle"
        echo "idle for 2 s: 0 wake-ups"
fi

stop_daemon TERM || fail "daemon exited with $?"
grep -q 'STOPPING=1' "$MSGS" || fail "no STOPPING=1"

# with a watchdog configured, pings come at least every half period
: >"$MSGS"
WATCHDOG_USEC=$((600000 * SLOW)) NOTIFY_SOCKET=$NOTIFY start_daemon
wait_for $((3 * SLOW)) bash -c "[[ \$(grep -c '^WATCHDOG=1' '$MSGS') -ge 2 ]]" || fail "no watchdog pings: $(cat "$MSGS")"
stop_daemon TERM || fail "daemon exited with $?"
