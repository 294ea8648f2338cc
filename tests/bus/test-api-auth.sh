#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Authorization, with the shipped bus policy (dbus/org.cgpolicy1.conf) in force
# and no polkit on the bus: uid 65534 may read everything and is refused every
# write (AccessDenied, nothing changes); root may write.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-api.sh"
: "${PROJECT_SOURCE_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"

make_tree db.service
policy 50-test.json '{ "policies": [ { "name": "db", "match": { "unit": "db.service" }, "properties": { "CPUWeight": 800 } } ] }'
start_system_like_bus
start_daemon
api_allow_others
expect_file "$SLICE/db.service/cpu.weight" 800
DB=/org/cgpolicy1/unit/db_2eservice

nobody_gcall() {
        local method=$1
        shift
        as_nobody gdbus call --address "$BUS_ADDRESS" --dest org.cgpolicy1 --object-path /org/cgpolicy1 \
                --method "org.cgpolicy1.Manager.$method" "$@" 2>&1
}

# Reads: open to everyone.
expect_ok nobody_gcall ListUnits
[[ $LAST_OUT == *db.service* ]] || fail "ListUnits as nobody: $LAST_OUT"
expect_ok nobody_gcall GetUnit "'db.service'"
expect_ok nobody_gcall Explain "'db.service'"
expect_ok nobody_gcall CheckPolicy "'{ \"policies\": [] }'"
expect_ok as_nobody busctl --address="$BUS_ADDRESS" get-property org.cgpolicy1 $DB org.cgpolicy1.Unit CPUWeight
[[ $LAST_OUT == "t 800" ]] || fail "get-property as nobody: $LAST_OUT"
expect_ok as_nobody busctl --address="$BUS_ADDRESS" introspect org.cgpolicy1 $DB
expect_ok as_nobody busctl --address="$BUS_ADDRESS" tree org.cgpolicy1
expect_ok as_nobody gdbus call --address "$BUS_ADDRESS" --dest org.cgpolicy1 --object-path /org/cgpolicy1 \
        --method org.freedesktop.DBus.Properties.GetAll org.cgpolicy1.Manager
expect_ok as_nobody "$CGPOLICYCTL" --bus-address="$BUS_ADDRESS" --no-pager show db.service
expect_ok as_nobody "$CGPOLICYCTL" --bus-address="$BUS_ADDRESS" --no-pager status
echo "ok: reads as uid 65534"

# A write by root first, so a revert has something to drop.
expect_ok gcall SetUnitProperties "'db.service'" true "[('MemoryHigh', <@t 1073741824>)]"
expect_file "$SLICE/db.service/memory.high" 1073741824
snap=$T/before
snapshot "$snap"

# Writes as nobody: the daemon asks polkit, which is not there → AccessDenied.
expect_fail_with org.cgpolicy1.Error.AccessDenied nobody_gcall SetUnitProperties "'db.service'" false \
        "[('CPUWeight', <@t 300>)]"
expect_fail_with org.cgpolicy1.Error.AccessDenied nobody_gcall SetUnitProperties "'db.service'" true \
        "[('MemoryHigh', <@t 2147483648>), ('TasksMax', <@t 50>)]"
expect_fail_with org.cgpolicy1.Error.AccessDenied nobody_gcall RevertUnitProperties "'db.service'" "@as []"
expect_fail_with org.cgpolicy1.Error.AccessDenied nobody_gcall RevertUnitProperties "'db.service'" "['MemoryHigh']"
expect_fail_with org.cgpolicy1.Error.AccessDenied nobody_gcall Reload
# Property writes: refused by the bus policy before reaching the daemon.
expect_fail_with AccessDenied as_nobody gdbus call --address "$BUS_ADDRESS" --dest org.cgpolicy1 \
        --object-path $DB --method org.freedesktop.DBus.Properties.Set org.cgpolicy1.Unit CPUWeight "<@t 5>"
# And the CLI says so in one line, exit 1.
expect_fail_with "Access denied" as_nobody "$CGPOLICYCTL" --bus-address="$BUS_ADDRESS" --no-ask-password \
        set-property db.service CPUWeight=300
((LAST_RC == 1)) || fail "cgpolicyctl exit code for access denied is $LAST_RC, expected 1"
[[ $(wc -l <<<"$LAST_OUT") -eq 1 ]] || fail "more than one line: $LAST_OUT"
expect_fail_with "Access denied" as_nobody "$CGPOLICYCTL" --bus-address="$BUS_ADDRESS" revert db.service
expect_fail_with "Access denied" as_nobody "$CGPOLICYCTL" --bus-address="$BUS_ADDRESS" reload
expect_unchanged "$snap"
echo "ok: writes as uid 65534 refused, nothing changed"

# Bad input from nobody is still answered with what is wrong (validation comes first).
expect_fail_with org.cgpolicy1.Error.InvalidValue nobody_gcall SetUnitProperties "'db.service'" false \
        "[('CPUWeight', <@t 0>), ('IOWeight', <@t 0>)]"
expect_fail_with org.cgpolicy1.Error.NoSuchUnit nobody_gcall SetUnitProperties "'nope.service'" false \
        "[('CPUWeight', <@t 300>)]"

# Root: the same writes go through.
expect_ok gcall SetUnitProperties "'db.service'" false "[('CPUWeight', <@t 300>)]"
expect_file "$SLICE/db.service/cpu.weight" 300
expect_ok gcall RevertUnitProperties "'db.service'" "@as []"
expect_file "$SLICE/db.service/cpu.weight" 800
expect_file "$SLICE/db.service/memory.high" max
expect_ok gcall Reload
echo "ok: writes as root"

# With polkit on the bus (a fake one that takes a second to answer): the daemon
# asks it with the caller's bus name, the action and the details, keeps serving
# others while it waits, and does what polkit says.
start_fake_polkit yes 1
snapshot "$snap"
as_nobody gdbus call --address "$BUS_ADDRESS" --dest org.cgpolicy1 --object-path /org/cgpolicy1 \
        --method org.cgpolicy1.Manager.SetUnitProperties "'db.service'" false \
        "[('CPUWeight', <@t 444>), ('TasksMax', <@t 44>)]" >"$T/nobody-set.out" 2>&1 &
setter=$!
wait_for 5 test -s "$POLKIT_LOG" || fail "the daemon did not ask polkit"
start=$(now_ms)
expect_ok bctl call org.cgpolicy1 /org/cgpolicy1 org.cgpolicy1.Manager ListUnits
took=$(($(now_ms) - start))
((took < 700 * SLOW)) || fail "ListUnits took ${took} ms while polkit was thinking: the daemon blocked"
file_is "$SLICE/db.service/cpu.weight" 800 || fail "changed before polkit answered"
wait "$setter" || fail "write allowed by polkit failed: $(cat "$T/nobody-set.out")"
expect_file "$SLICE/db.service/cpu.weight" 444
expect_file "$SLICE/db.service/pids.max" 44
q=$(head -n1 "$POLKIT_LOG")
[[ $(python3 -c 'import json,sys; q=json.loads(sys.argv[1]); print(q["kind"], q["action"], q["details"]["unit"], q["details"]["property"], q["subject"]["name"][:1], q["flags"])' "$q") == \
        "system-bus-name org.cgpolicy1.manage db.service CPUWeight,TasksMax : 0" ]] || fail "polkit query: $q"
echo "ok: polkit yes → allowed, asked with unit and properties, daemon not blocked (${took} ms)"

set_polkit_mode no
snapshot "$snap"
expect_fail_with org.cgpolicy1.Error.AccessDenied nobody_gcall SetUnitProperties "'db.service'" false \
        "[('CPUWeight', <@t 555>)]"
expect_fail_with org.cgpolicy1.Error.AccessDenied nobody_gcall Reload
set_polkit_mode challenge
expect_fail_with org.freedesktop.DBus.Error.InteractiveAuthorizationRequired nobody_gcall RevertUnitProperties \
        "'db.service'" "@as []"
expect_unchanged "$snap"
(($(wc -l <"$POLKIT_LOG") == 4)) || fail "expected 4 polkit queries: $(cat "$POLKIT_LOG")"
# Root is never asked about.
expect_ok gcall SetUnitProperties "'db.service'" false "[('CPUWeight', <@t 333>)]"
(($(wc -l <"$POLKIT_LOG") == 4)) || fail "root's call went to polkit"
echo "ok: polkit no/challenge → refused, nothing changed"

daemon_alive || fail "daemon died"
stop_daemon TERM || fail "daemon exited with $?"
