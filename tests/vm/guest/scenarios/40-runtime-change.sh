#!/bin/bash
# Run-time changes on real systemd: `cgpolicyctl set-property` and a raw busctl
# SetUnitProperties both reach the cgroup and `systemctl show`; a --runtime
# override survives a daemon restart but not a reboot-like loss of /run; a
# persistent one survives both; `cgpolicyctl revert` gives back the unit's own values.
# cgtest-timeout: 600
# shellcheck source=SCRIPTDIR/../lib.sh
. "$CGTEST_LIB"

unit=cgtest-runtime.service
cleanup() {
	set +e
	systemctl stop cgpolicyd.service "$unit" 2>/dev/null
	rm -rf "/run/systemd/system/$unit" "/run/systemd/system.control/$unit.d" /var/lib/cgpolicyd/* /run/cgpolicyd/*
	systemctl daemon-reload
}
trap cleanup EXIT

# The unit's own values, so that revert has something to give back.
printf '[Service]\nExecStart=/bin/sleep infinity\nCPUWeight=150\nMemoryHigh=500M\n' >"/run/systemd/system/$unit"
systemctl daemon-reload
systemctl start "$unit"
assert_eq "$(cgfile "$unit" cpu.weight)" 150 "cpu.weight of the unit file"
assert_eq "$(cgfile "$unit" memory.high)" 524288000 "memory.high of the unit file"

expect() { # CPUWEIGHT MEMORYHIGH WHY — cgroup files and systemd agree
	# shellcheck disable=SC2016 # eval'ed by wait_until
	wait_until '[[ $(cgfile '"$unit"' cpu.weight) == '"$1"' && $(cgfile '"$unit"' memory.high) == '"$2"' ]]' 90
	assert_eq "$(show "$unit" CPUWeight)" "$1" "$3: systemctl show CPUWeight"
	assert_eq "$(show "$unit" MemoryHigh)" "$2" "$3: systemctl show MemoryHigh"
	# the daemon's read back; after a revert the property is no longer its own
	[[ $3 == *revert* ]] ||
		assert_eq "$(busctl get-property org.cgpolicy1 "$upath" org.cgpolicy1.Unit EffectiveCPUWeight)" "t $1" \
			"$3: EffectiveCPUWeight on the bus"
	log "$3: cpu.weight $1, memory.high $2"
}

systemctl start cgpolicyd.service
wait_until "cgpolicyctl show $unit >/dev/null 2>&1" 60
upath=$(busctl call org.cgpolicy1 /org/cgpolicy1 org.cgpolicy1.Manager GetUnit s "$unit" | sed 's/^o "\(.*\)"$/\1/')
assert_eq "$upath" /org/cgpolicy1/unit/cgtest_2druntime_2eservice "GetUnit"

# 1. persistent, through the CLI
cgpolicyctl set-property "$unit" CPUWeight=300 MemoryHigh=1G
expect 300 1073741824 "cgpolicyctl set-property"
[[ -n $(ls -A /var/lib/cgpolicyd) ]] || fail "persistent override not stored under /var/lib/cgpolicyd"

# 2. persistent, a raw D-Bus call with systemd's own signature
busctl call org.cgpolicy1 /org/cgpolicy1 org.cgpolicy1.Manager SetUnitProperties 'sba(sv)' "$unit" false 1 CPUWeight t 200
expect 200 1073741824 "busctl SetUnitProperties"

# 3. a runtime override on top
cgpolicyctl set-property --runtime "$unit" CPUWeight=250
expect 250 1073741824 "set-property --runtime"

# 4. a daemon restart keeps both
systemctl restart cgpolicyd.service
wait_until "cgpolicyctl show $unit >/dev/null 2>&1" 60
expect 250 1073741824 "after systemctl restart cgpolicyd"
explain=$(cgpolicyctl explain "$unit" --no-pager)
assert_contains "$(grep '^CPUWeight ' <<<"$explain")" runtime "CPUWeight's layer after a daemon restart"
assert_contains "$(grep '^MemoryHigh ' <<<"$explain")" persistent "MemoryHigh's layer after a daemon restart"

# 5. reboot-like: the daemon stops (and puts the unit's values back), /run is lost
systemctl stop cgpolicyd.service
# shellcheck disable=SC2016 # eval'ed by wait_until
wait_until '[[ $(cgfile '"$unit"' cpu.weight) == 150 && $(cgfile '"$unit"' memory.high) == 524288000 ]]' 60
assert_eq "$(show "$unit" CPUWeight)" 150 "systemctl show CPUWeight while the daemon is stopped"
rm -rf /run/cgpolicyd/*
systemctl start cgpolicyd.service
wait_until "cgpolicyctl show $unit >/dev/null 2>&1" 60
expect 200 1073741824 "after losing /run: the persistent override only"
explain=$(cgpolicyctl explain "$unit" --no-pager)
printf '%s\n' "$explain"
[[ $explain != *runtime* ]] || fail "a runtime layer survived the loss of /run: $explain"

# 6. revert: the unit file's values again
cgpolicyctl revert "$unit"
expect 150 524288000 "cgpolicyctl revert"
