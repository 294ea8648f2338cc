#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Without swap a sheddable unit's MemoryHigh is held to what the protected units
# leave: MemAvailable + its anon - their protection - reserve (layer "hierarchy",
# source "headroom"). It follows the claims (a protected unit leaving, an
# override), not the unit's own growth, never goes below the floor, is not set
# with swap or in mode off, and is restored on stop. ($CGPOLICYD_MEMINFO stands in for /proc/meminfo.)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-api.sh"

M=1048576
meminfo() { # meminfo AVAILABLE_MIB [SWAP_KB]
        printf 'MemTotal: 2097152 kB\nMemAvailable: %s kB\nSwapTotal: %s kB\n' $(($1 * 1024)) "${2:-0}" >"$T/meminfo"
}
meminfo 1600
export CGPOLICYD_MEMINFO=$T/meminfo

make_tree batch.service db.service web.service
printf 'anon %s\nfile 0\n' $((100 * M)) >"$SLICE/batch.service/memory.stat"
policy 50-test.json '{ "policies": [
  { "name": "db", "class": "protected", "match": { "unit": "db.service" }, "properties": { "MemoryLow": "400M" } },
  { "name": "batch", "class": "sheddable", "match": { "unit": "batch.service" }, "properties": { "CPUWeight": 20 } } ],
  "pressure": { "memory": { "trigger": "some 150ms 1s", "mode": "throttle" } } }'
start_daemon
# 1600M available + 100M anon - 400M claimed - 128M reserve (2% of 2G is less)
expect_file "$SLICE/batch.service/memory.high" $(((1600 + 100 - 400 - 128) * M))
file_is "$SLICE/web.service/memory.high" max || fail "a unit of no class got a headroom limit"
file_is "$SLICE/db.service/memory.high" max || fail "the protected unit got a headroom limit"
explain=$(ctl explain batch.service)
echo "$explain"
[[ $explain == *MemoryHigh*hierarchy*headroom* ]] || fail "explain does not say where MemoryHigh comes from"

# a bigger claim (runtime override on db) lowers it, down to the floor (64M)
ctl set-property --runtime db.service MemoryLow=1400M || fail "set-property failed"
expect_file "$SLICE/batch.service/memory.high" $(((1600 + 100 - 1400 - 128) * M))
ctl set-property --runtime db.service MemoryLow=1600M || fail "set-property failed"
expect_file "$SLICE/batch.service/memory.high" $((64 * M))
# the batch grows by 300M, MemAvailable falls by as much: the limit stays;
# MemAvailable moving by less than 16M moves nothing
ctl revert db.service || fail "revert failed"
expect_file "$SLICE/batch.service/memory.high" $(((1600 + 100 - 400 - 128) * M))
printf 'anon %s\nfile 0\n' $((400 * M)) >"$SLICE/batch.service/memory.stat"
meminfo 1290
kill -HUP "$DAEMON_PID"
sleep 0.5
file_is "$SLICE/batch.service/memory.high" $(((1600 + 100 - 400 - 128) * M)) ||
        fail "the limit moved with the unit's own growth: $(cat "$SLICE/batch.service/memory.high")"
printf 'anon %s\nfile 0\n' $((100 * M)) >"$SLICE/batch.service/memory.stat"
meminfo 1600
ctl revert db.service || fail "revert failed"
expect_file "$SLICE/batch.service/memory.high" $(((1600 + 100 - 400 - 128) * M))

# the protected unit leaves: nothing claimed, no limit
mv "$SLICE/db.service" "$STAGING/db.service"
expect_file "$SLICE/batch.service/memory.high" max
mv "$STAGING/db.service" "$SLICE/db.service"
expect_file "$SLICE/batch.service/memory.high" $(((1600 + 100 - 400 - 128) * M))

# with swap, anonymous memory can make room: the pressure loop's job, no limit
meminfo 1600 1048576
kill -HUP "$DAEMON_PID"
expect_file "$SLICE/batch.service/memory.high" max
# unless the unit may not swap
printf '0\n' >"$SLICE/batch.service/memory.swap.max"
kill -HUP "$DAEMON_PID"
expect_file "$SLICE/batch.service/memory.high" $(((1600 + 100 - 400 - 128) * M))

# mode off: no limit
meminfo 1600
sed -i 's/"mode": "throttle"/"mode": "off"/' "$POLICY_DIR/50-test.json"
kill -HUP "$DAEMON_PID"
expect_file "$SLICE/batch.service/memory.high" max
sed -i 's/"mode": "off"/"mode": "throttle"/' "$POLICY_DIR/50-test.json"
kill -HUP "$DAEMON_PID"
expect_file "$SLICE/batch.service/memory.high" $(((1600 + 100 - 400 - 128) * M))

stop_daemon TERM || fail "daemon exited with $?"
file_is "$SLICE/batch.service/memory.high" max || fail "memory.high not restored: $(cat "$SLICE/batch.service/memory.high")"
echo "headroom: held, followed the claims, off with swap and in mode off, restored"
