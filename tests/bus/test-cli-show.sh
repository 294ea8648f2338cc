#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# show as systemctl show (issue 11, item 7): -p NAME prints that property only,
# -P NAME / --value the bare value, sizes in bytes, no limit "infinity", an
# unset value empty; explain tells infinity and unset apart the same way.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-api.sh"

make_tree db.service
policy 50-test.json '{ "policies": [
  { "name": "db", "match": { "unit": "db.service" },
    "properties": { "MemoryHigh": "1G", "MemoryMax": "infinity", "TasksMax": 100, "IOWeight": 800 } } ] }'
start_daemon
expect_file "$SLICE/db.service/memory.high" 1073741824
# a plain file keeps the last of the two writes, so the daemon says the value
# did not take effect whole (NotApplied) but keeps it: what show prints is the point
out=$(ctl set-property db "IOReadBandwidthMax=8:0 10M; 8:16 1M" 2>&1) ||
        [[ $out == *"saved as a persistent override, but not applied"* ]] || fail "set-property IOReadBandwidthMax: $out"
expect_file "$SLICE/db.service/io.max" "8:16 rbps=1000000"

# show_is ARGS... -- EXPECTED
show_is() {
        local args=() want
        while [[ $1 != -- ]]; do
                args+=("$1")
                shift
        done
        want=$2
        expect_ok ctl show db "${args[@]}"
        [[ $LAST_OUT == "$want" ]] || fail "show db ${args[*]}: got \"$LAST_OUT\", expected \"$want\""
}
show_is -p MemoryHigh -- MemoryHigh=1073741824
show_is -p EffectiveMemoryHigh -- EffectiveMemoryHigh=1073741824
show_is -P MemoryHigh -- 1073741824
show_is -p MemoryHigh --value -- 1073741824
show_is -p MemoryHigh,TasksMax --value -- $'1073741824\n100'
show_is -p MemoryMax -- MemoryMax=infinity
show_is -p EffectiveMemoryMax -- EffectiveMemoryMax=infinity
show_is -p MemoryLow -- MemoryLow= # no layer sets it: empty, not 0 or infinity
show_is -p EffectiveMemoryLow -- EffectiveMemoryLow=0
show_is -p CPUWeight,EffectiveCPUWeight -- $'CPUWeight=\nEffectiveCPUWeight=100'
show_is -P CPUWeight -- ""
show_is -p MemoryCurrent -- MemoryCurrent=16777216
show_is -p CPUQuotaPerSecUSec -- CPUQuota= # systemd's D-Bus name is understood
show_is -p IOReadBandwidthMax -- $'IOReadBandwidthMax=8:0 10000000\nIOReadBandwidthMax=8:16 1000000'
show_is -P EffectiveIOReadBandwidthMax -- '8:16 1000000'
echo "ok: show -p/-P/--value print as systemctl show"

# explain: infinity is a value, unset is "-"; JSON "" for unset.
expect_ok ctl explain db
grep -Eq '^MemoryMax +infinity +policy:db +ok +infinity$' <<<"$LAST_OUT" || fail "explain MemoryMax: $LAST_OUT"
grep -Eq '^MemoryLow +- +none ' <<<"$LAST_OUT" || fail "explain of unset MemoryLow: $LAST_OUT"
expect_ok ctl show --json db -p MemoryMax,MemoryLow
[[ $LAST_OUT == '{"MemoryMax":"infinity","MemoryLow":""}' || $LAST_OUT == '{"MemoryLow":"","MemoryMax":"infinity"}' ]] ||
        fail "show --json MemoryMax,MemoryLow: $LAST_OUT"
echo "ok: infinity and unset told apart in explain and --json"

# A misspelt -p name: one line naming it, with the nearest name, exit 1.
expect_fail_with 'Unknown property "MemoryHihg" for show (did you mean "MemoryHigh"?).' ctl show db -p MemoryHihg
((LAST_RC == 1)) || fail "show -p MemoryHihg: exit $LAST_RC"
[[ $(wc -l <<<"$LAST_OUT") == 1 ]] || fail "show -p MemoryHihg: $LAST_OUT"
expect_fail_with 'did you mean "EffectiveMemoryHigh"?' ctl show db -P EffectiveMemoryHihg
expect_fail_with 'did you mean "Throttled"?' ctl show db -p Throttle
expect_fail_with 'Unknown property "Bogus" for show;' ctl show db -p Bogus
echo "ok: unknown -p names refused with a suggestion"

stop_daemon TERM || fail "daemon exited with $?"
