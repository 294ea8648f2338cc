#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Issue 11 item 9: MemoryCurrent and the pressure figures are read when asked,
# not whatever the last apply or event left; UsageTimestamp says when. Here
# the files change with no event the daemon would see (no write of ours, no
# pressure loop), so only a read at the call can show the new values.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-api.sh"

make_tree db.service
printf '1048576\n' >"$SLICE/db.service/memory.current"
policy 50-test.json '{ "policies": [ { "name": "db", "match": { "unit": "db.service" }, "properties": { "CPUWeight": 300 } } ] }'
start_daemon
expect_file "$SLICE/db.service/cpu.weight" 300
DB=/org/cgpolicy1/unit/db_2eservice

get() { bctl get-property org.cgpolicy1 "$DB" org.cgpolicy1.Unit "$1"; }
[[ $(get MemoryCurrent) == "t 1048576" ]] || fail "MemoryCurrent at start: $(get MemoryCurrent)"

# a drift check or a Set would read it again; nothing does here
printf '7340032\n' >"$SLICE/db.service/memory.current"
printf 'some avg10=12.50 avg60=0.00 avg300=0.00 total=4000\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n' \
	>"$SLICE/db.service/memory.pressure"
sleep 0.3 # past the 250 ms in which one read serves a GetAll
before=$(($(date +%s%6N) - 1000))
[[ $(get MemoryCurrent) == "t 7340032" ]] || fail "MemoryCurrent not read when asked: $(get MemoryCurrent)"
get MemoryPressure | grep -q '^(dddt) 12.5 ' || fail "MemoryPressure not read when asked: $(get MemoryPressure)"
stamp=$(get UsageTimestamp | cut -d' ' -f2)
((stamp >= before && stamp <= $(date +%s%6N))) || fail "UsageTimestamp $stamp is not the time of that read (after $before)"
echo "ok: MemoryCurrent and MemoryPressure read when asked (UsageTimestamp $stamp)"
stop_daemon TERM || fail "daemon exited with $?"
