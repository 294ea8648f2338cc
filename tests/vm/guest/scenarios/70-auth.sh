#!/bin/bash
# Authorization with polkit running and no rule that allows it: alice (uid 1000,
# no session) is refused every write — through cgpolicyctl and a raw busctl call —
# with an access-denied message and nothing changed; her reads work; root's
# writes work.
# cgtest-timeout: 400
# shellcheck source=SCRIPTDIR/../lib.sh
. "$CGTEST_LIB"

unit=cgtest-auth.service
cleanup() {
	set +e
	systemctl stop cgpolicyd.service "$unit" 2>/dev/null
	rm -rf "/run/systemd/system/$unit" "/run/systemd/system.control/$unit.d" /var/lib/cgpolicyd/* /run/cgpolicyd/*
	systemctl daemon-reload
}
trap cleanup EXIT

printf '[Service]\nExecStart=/bin/sleep infinity\nCPUWeight=150\n' >"/run/systemd/system/$unit"
systemctl daemon-reload
systemctl start "$unit"
systemctl start polkit.service
assert_eq "$(show polkit.service ActiveState)" active "polkit"
# no local rule grants org.cgpolicy1.manage
if grep -rls 'org.cgpolicy1' /etc/polkit-1/rules.d /usr/share/polkit-1/rules.d 2>/dev/null; then
	fail "a polkit rule mentions org.cgpolicy1"
fi

systemctl start cgpolicyd.service
wait_until "cgpolicyctl show $unit >/dev/null 2>&1" 60
# root's write; it also gives alice's revert something to revert (a no-op is not refused)
cgpolicyctl set-property --runtime "$unit" CPUWeight=66
# shellcheck disable=SC2016 # eval'ed by wait_until
wait_until '[[ $(cgfile '"$unit"' cpu.weight) == 66 ]]' 60
assert_eq "$(show "$unit" CPUWeight)" 66 "systemctl show after root's set-property"
state() { echo "$(cgfile "$unit" cpu.weight) $(show "$unit" CPUWeight) $(find /var/lib/cgpolicyd /run/cgpolicyd -type f -exec cat {} + | md5sum)"; }
before=$(state)

refused() { # WHAT CMD... — fails, says access denied, changes nothing
	local what=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	((rc != 0)) || fail "$what: alice's call succeeded: $out"
	[[ ${out,,} == *"access denied"* || ${out,,} == *"not authorized"* || ${out,,} == *"interactive authentication required"* ]] ||
		fail "$what: no access-denied message (exit $rc): $out"
	assert_eq "$(state)" "$before" "$what: state after the refused call"
	log "$what: refused (exit $rc): $(head -n1 <<<"$out")"
}
refused "cgpolicyctl set-property" as_alice cgpolicyctl --no-ask-password set-property "$unit" CPUWeight=55
refused "cgpolicyctl set-property --runtime" as_alice cgpolicyctl --no-ask-password set-property --runtime "$unit" CPUWeight=55
refused "cgpolicyctl revert" as_alice cgpolicyctl --no-ask-password revert "$unit"
refused "cgpolicyctl reload" as_alice cgpolicyctl --no-ask-password reload
refused "busctl SetUnitProperties" as_alice busctl call org.cgpolicy1 /org/cgpolicy1 org.cgpolicy1.Manager \
	SetUnitProperties 'sba(sv)' "$unit" true 1 CPUWeight t 55
refused "busctl RevertUnitProperties" as_alice busctl call org.cgpolicy1 /org/cgpolicy1 org.cgpolicy1.Manager \
	RevertUnitProperties sas "$unit" 0

# alice's reads
for cmd in status list "show $unit" "explain $unit"; do
	# shellcheck disable=SC2086 # split on purpose
	as_alice cgpolicyctl --no-pager $cmd >/dev/null || fail "alice cannot run cgpolicyctl $cmd"
done
as_alice busctl get-property org.cgpolicy1 /org/cgpolicy1/unit/cgtest_2dauth_2eservice org.cgpolicy1.Unit CPUWeight >/dev/null ||
	fail "alice cannot read a unit property"

# root's revert
cgpolicyctl revert "$unit"
# shellcheck disable=SC2016
wait_until '[[ $(cgfile '"$unit"' cpu.weight) == 150 ]]' 60
