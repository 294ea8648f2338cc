#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# cgroup v2 bounds a unit's memory.low/min by its parent's: the daemon raises
# the slice's MemoryLow/MemoryMin to the sum of what it gives the units below
# (layer "hierarchy"), follows changes (override, a unit leaving, a nested
# slice), never lowers an admin's higher value, and restores the slice on stop.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-api.sh"

make_tree db.service cache.service web.service
make_cgroup_dir "$SLICE/system-x.slice"
make_cgroup_dir "$SLICE/system-x.slice/inner.service"
policy 50-test.json '{ "policies": [
  { "name": "db", "class": "protected", "match": { "unit": "db.service" }, "properties": { "MemoryLow": "512M" } },
  { "name": "cache", "match": { "unit": "cache.service" }, "properties": { "MemoryLow": "256M", "MemoryMin": "64M" } },
  { "name": "inner", "match": { "unit": "inner.service" }, "properties": { "MemoryLow": "32M" } } ] }'
start_daemon
expect_file "$SLICE/db.service/memory.low" 536870912
# system-x.slice covers inner's 32M; system.slice covers 512M + 256M + 32M
expect_file "$SLICE/system-x.slice/memory.low" 33554432
expect_file "$SLICE/memory.low" 838860800
expect_file "$SLICE/memory.min" 67108864
file_is "$SLICE/web.service/memory.low" 0 || fail "web.service got a MemoryLow"
explain=$(ctl explain system.slice)
echo "$explain"
[[ $explain == *MemoryLow*hierarchy* ]] || fail "explain system.slice does not name the hierarchy layer"

# a runtime override on db: the slice follows
ctl set-property --runtime db.service MemoryLow=1G || fail "set-property failed"
expect_file "$SLICE/memory.low" $((1073741824 + 268435456 + 33554432))

# a unit leaving takes its claim along
mv "$SLICE/cache.service" "$STAGING/cache.service"
expect_file "$SLICE/memory.low" $((1073741824 + 33554432))
expect_file "$SLICE/memory.min" 0

# stop: the slices get their own values back
stop_daemon TERM || fail "daemon exited with $?"
file_is "$SLICE/memory.low" 0 || fail "system.slice memory.low not restored: $(cat "$SLICE/memory.low")"
file_is "$SLICE/system-x.slice/memory.low" 0 || fail "system-x.slice memory.low not restored"
# an admin's own value above the claim is left alone
printf '4294967296\n' >"$SLICE/memory.low"
start_daemon
expect_file "$SLICE/db.service/memory.low" 1073741824
sleep 0.5
file_is "$SLICE/memory.low" 4294967296 || fail "an admin's higher slice MemoryLow was changed: $(cat "$SLICE/memory.low")"
stop_daemon TERM || fail "daemon exited with $?"
file_is "$SLICE/memory.low" 4294967296 || fail "the admin's slice MemoryLow was not kept"
