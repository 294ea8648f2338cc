#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A set that arrives while the unit's previous SetUnitProperties call to PID 1 is
# still unanswered goes out after the reply (one call at a time per unit). Until
# then it is pending, not "not applied": seen in the VM's package scenario, where
# `set-property --runtime MemoryHigh=200M` right after a persistent set failed with
# "value clamped: reads "infinity", wanted "200M"" although it was then applied.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-api.sh"
source "$(dirname "$0")/lib-systemd.sh"

make_tree db.service
start_fake_systemd FAKE_SYSTEMD_REPLY_DELAY_MS=1500

DBUS_SYSTEM_BUS_ADDRESS=$BUS_ADDRESS start_daemon --backend=systemd
ctl set-property db.service CPUWeight=222 || fail "the first set failed"
# PID 1 has not answered the first call yet: this one waits for it
out=$(ctl set-property --runtime db.service MemoryHigh=200M 2>&1) ||
	fail "a set while a call is in flight was refused: $out"
echo "show while in flight: $(ctl show db.service | grep '^MemoryHigh')"
expect_file "$SLICE/db.service/memory.high" 209715200 10
expect_file "$SLICE/db.service/cpu.weight" 222 10
[[ $(grep -c '"unit": "db.service"' "$CALLS") == 2 ]] || fail "expected 2 calls: $(cat "$CALLS")"
stop_daemon TERM || fail "daemon exited with $?"
echo "ok: a set while PID 1 has not answered the last call is pending, then applied"
