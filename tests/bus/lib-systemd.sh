# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced after lib.sh: a stand-in for PID 1 (fake-systemd.py) on the private bus
# that knows db.service in system.slice. Its calls are logged to $CALLS.
#   start_fake_systemd [VAR=VALUE...]  env for fake-systemd.py (FAKE_SYSTEMD_*_DELAY_MS)
PY=/usr/bin/python3
"$PY" -c 'import dbus.service, gi' 2>/dev/null || { echo "SKIP: python3-dbus/python3-gi missing"; exit 77; }
CALLS=$T/calls.log

start_fake_systemd() {
	[[ -f $T/units.json ]] || cat >"$T/units.json" <<EOJ
[ { "name": "db.service", "slice": "system.slice" },
  { "name": "system.slice", "slice": "-.slice", "cgroup": "/system.slice" } ]
EOJ
	[[ -n $BUS_ADDRESS ]] || start_bus
	: >"$CALLS"
	env "$@" "$PY" "$BUS_TESTS_DIR/fake-systemd.py" "$BUS_ADDRESS" "$ROOT" "$CALLS" "$T/units.json" >"$T/fake.log" 2>&1 &
	CHILD_PIDS+=($!)
	wait_for 10 grep -qs ready "$T/fake.log" || fail "fake systemd did not start: $(cat "$T/fake.log")"
}
