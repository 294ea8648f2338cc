#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Bad input to every state-changing method: each answered by the right named
# error naming what was wrong, and not one file of the tree or the state dirs
# changes (all or nothing across the properties of one call).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-api.sh"

make_tree db.service
policy 50-test.json '{ "policies": [ { "name": "db", "match": { "unit": "db.service" }, "properties": { "CPUWeight": 800 } } ] }'
start_daemon
expect_file "$SLICE/db.service/cpu.weight" 800
# A persistent override, so reverts have something to refuse to drop.
expect_ok gcall SetUnitProperties "'db.service'" false "[('MemoryHigh', <@t 1073741824>)]"
expect_file "$SLICE/db.service/memory.high" 1073741824

snap=$T/before
snapshot "$snap"

long=$(printf 'x%.0s' {1..300})
SET=SetUnitProperties
# expected error name | message must contain | method | gdbus arguments...
# (fields separated by '|'; the arguments are GVariant text)
while IFS='|' read -r name what method args; do
        [[ -z $name || $name == \#* ]] && continue
        eval "argv=($args)"
        expect_fail_with "$name" gcall "$method" "${argv[@]}"
        [[ $LAST_OUT == *"$what"* ]] || fail "$method $args: message lacks \"$what\": $LAST_OUT"
        expect_unchanged "$snap"
        echo "ok: $method ${args:0:100} -> $name"
done <<EOT
org.cgpolicy1.Error.NoSuchUnit|nope.service|$SET|"'nope.service'" false "[('CPUWeight', <@t 300>)]"
org.cgpolicy1.Error.NoSuchUnit|nope.service|GetUnit|"'nope.service'"
org.cgpolicy1.Error.NoSuchUnit|nope.service|Explain|"'nope.service'"
org.cgpolicy1.Error.NoSuchUnit|nope.service|RevertUnitProperties|"'nope.service'" "@as []"
org.cgpolicy1.Error.InvalidProperty|Bogus|$SET|"'db.service'" false "[('Bogus', <@t 1>)]"
org.cgpolicy1.Error.InvalidProperty|Bogus|RevertUnitProperties|"'db.service'" "['MemoryHigh', 'Bogus']"
org.freedesktop.DBus.Error.InvalidArgs|CPUWeight|$SET|"'db.service'" false "[('CPUWeight', <'300'>)]"
org.freedesktop.DBus.Error.InvalidArgs|MemoryHigh|$SET|"'db.service'" false "[('MemoryHigh', <int32 5>)]"
org.freedesktop.DBus.Error.InvalidArgs|AllowedCPUs|$SET|"'db.service'" false "[('AllowedCPUs', <'0-3'>)]"
org.freedesktop.DBus.Error.InvalidArgs|IOReadBandwidthMax|$SET|"'db.service'" false "[('IOReadBandwidthMax', <@a(ss) []>)]"
org.cgpolicy1.Error.InvalidValue|CPUWeight= value 10001|$SET|"'db.service'" false "[('CPUWeight', <@t 10001>)]"
org.cgpolicy1.Error.InvalidValue|IOWeight= value 0|$SET|"'db.service'" false "[('IOWeight', <@t 0>)]"
org.cgpolicy1.Error.InvalidValue|TasksMax= value 0|$SET|"'db.service'" false "[('TasksMax', <@t 0>)]"
org.cgpolicy1.Error.InvalidValue|MemoryMax= value 0|$SET|"'db.service'" false "[('MemoryMax', <@t 0>)]"
org.cgpolicy1.Error.InvalidValue|MemoryHigh= value 0|$SET|"'db.service'" true "[('MemoryHigh', <@t 0>)]"
org.cgpolicy1.Error.InvalidValue|CPUQuotaPerSecUSec= value 0|$SET|"'db.service'" false "[('CPUQuotaPerSecUSec', <@t 0>)]"
org.cgpolicy1.Error.InvalidValue|IOReadBandwidthMax= value "8:0 0"|$SET|"'db.service'" false "[('IOReadBandwidthMax', <[('8:0', @t 0)]>)]"
org.cgpolicy1.Error.InvalidValue|IODeviceWeight= value "8:0 0"|$SET|"'db.service'" false "[('IODeviceWeight', <[('8:0', @t 0)]>)]"
org.cgpolicy1.Error.InvalidValue|device "sda"|$SET|"'db.service'" false "[('IOReadBandwidthMax', <[('sda', @t 5)]>)]"
org.cgpolicy1.Error.InvalidValue|AllowedCPUs|$SET|"'db.service'" false "[('AllowedCPUs', <@ay [$(printf '1,%.0s' {1..1100})1]>)]"
org.cgpolicy1.Error.NotRuntimeSettable|OOMScoreAdjust|$SET|"'db.service'" false "[('OOMScoreAdjust', <-500>)]"
org.cgpolicy1.Error.InvalidValue|IOWeight= value 0|$SET|"'db.service'" false "[('CPUWeight', <@t 300>), ('MemoryHigh', <@t 5000000>), ('IOWeight', <@t 0>)]"
org.cgpolicy1.Error.InvalidProperty|Bogus|$SET|"'db.service'" true "[('CPUWeight', <@t 300>), ('Bogus', <@t 1>)]"
org.freedesktop.DBus.Error.InvalidArgs|No properties|$SET|"'db.service'" false "@a(sv) []"
org.freedesktop.DBus.Error.InvalidArgs|too long|$SET|"'$long.service'" false "[('CPUWeight', <@t 300>)]"
org.freedesktop.DBus.Error.InvalidArgs|too long|$SET|"'db.service'" false "[('$long', <@t 300>)]"
org.freedesktop.DBus.Error.InvalidArgs|too long|RevertUnitProperties|"'db.service'" "['$long']"
org.freedesktop.DBus.Error.InvalidArgs|empty|$SET|"''" false "[('CPUWeight', <@t 300>)]"
org.freedesktop.DBus.Error.LimitsExceeded|Too many properties|RevertUnitProperties|"'db.service'" "[$(printf "'MemoryHigh',%.0s" {1..256})'MemoryHigh']"
org.freedesktop.DBus.Error.LimitsExceeded|Too many properties|$SET|"'db.service'" false "[$(printf "('CPUWeight', <@t 300>),%.0s" {1..256})('CPUWeight', <@t 300>)]"
EOT

# 10,000 properties in one call (busctl takes them as repeated arguments).
args=()
for _ in $(seq 10000); do args+=(CPUWeight t 300); done
expect_fail_with "Too many properties" bctl call org.cgpolicy1 /org/cgpolicy1 org.cgpolicy1.Manager \
        SetUnitProperties 'sba(sv)' db.service false 10000 "${args[@]}"
expect_unchanged "$snap"
echo "ok: 10000 properties refused"

# Non-UTF-8 never reaches the daemon: sd-bus (and dbus-daemon) refuse such a
# message. The daemon must still be there and nothing changed.
expect_fail_with "" bctl call org.cgpolicy1 /org/cgpolicy1 org.cgpolicy1.Manager SetUnitProperties 'sba(sv)' \
        $'db\xff.service' false 1 CPUWeight t 300
expect_fail_with "" bctl call org.cgpolicy1 /org/cgpolicy1 org.cgpolicy1.Manager SetUnitProperties 'sba(sv)' \
        db.service false 1 $'CPU\xffWeight' t 300
expect_unchanged "$snap"
echo "ok: non-UTF-8 refused"

# Reload with a broken policy: PolicyInvalid with file:line:column, old policy stays.
policy 60-bad.json '{ "policies": [ { "name": "bad", "match": { "unit": "db.service" }, "properties": { "CPUWeight": "lots" } } ] }'
snapshot "$snap" # the new policy file is part of nothing we compare (policies/ is not in the snapshot)
expect_fail_with org.cgpolicy1.Error.PolicyInvalid gcall Reload
[[ $LAST_OUT == *"60-bad.json:"*CPUWeight* ]] || fail "Reload error lacks the file/property: $LAST_OUT"
expect_unchanged "$snap"
expect_ok bctl get-property org.cgpolicy1 /org/cgpolicy1/unit/db_2eservice org.cgpolicy1.Unit CPUWeight
[[ $LAST_OUT == "t 800" ]] || fail "old policy not in force after a bad reload: $LAST_OUT"
echo "ok: bad reload refused"

# Properties are read-only: Set is refused.
expect_fail_with "" bctl set-property org.cgpolicy1 /org/cgpolicy1/unit/db_2eservice org.cgpolicy1.Unit CPUWeight t 5
expect_unchanged "$snap"

daemon_alive || fail "daemon died"
stop_daemon TERM || fail "daemon exited with $?"
