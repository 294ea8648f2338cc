#!/bin/bash
# cgpolicyd installed as a normal service (own unit file, bus policy, polkit
# action): `systemctl start` waits for READY=1 (Type=notify), the bus name is
# taken, introspection and `cgpolicyctl status` work, for root and for alice.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$CGTEST_LIB"

trap 'systemctl stop cgpolicyd.service 2>/dev/null || true' EXIT

# What the install put where systemd, dbus-daemon and polkitd look.
assert_eq "$(show cgpolicyd.service LoadState)" loaded "cgpolicyd.service LoadState"
frag=$(show cgpolicyd.service FragmentPath)
[[ $frag == /usr/lib/systemd/system/* || $frag == /lib/systemd/system/* ]] || fail "unit file at '$frag'"
[[ -f /usr/share/dbus-1/system.d/org.cgpolicy1.conf ]] || fail "bus policy not installed"
[[ -f /usr/share/polkit-1/actions/org.cgpolicy1.policy ]] || fail "polkit action not installed"
[[ -x /usr/sbin/cgpolicyd ]] || fail "/usr/sbin/cgpolicyd missing"
command -v cgpolicyctl >/dev/null || fail "cgpolicyctl not in PATH"
assert_eq "$(show cgpolicyd.service Type)" notify "Type"
assert_eq "$(show cgpolicyd.service BusName)" org.cgpolicy1 "BusName"

# Type=notify: start returns only once the daemon sent READY=1.
systemctl start cgpolicyd.service
assert_eq "$(show cgpolicyd.service ActiveState)" active "ActiveState after start"
assert_eq "$(show cgpolicyd.service SubState)" running "SubState after start"
pid=$(show cgpolicyd.service MainPID)
assert_ne "$pid" 0 "MainPID"
assert_eq "$(cat "/proc/$pid/comm")" cgpolicyd "main process"
log "cgpolicyd active, MainPID $pid"

owner=$(busctl status --no-pager org.cgpolicy1 | sed -n 's/^PID=//p')
assert_eq "$owner" "$pid" "owner of org.cgpolicy1"

intro=$(busctl introspect --no-pager org.cgpolicy1 /org/cgpolicy1)
for want in org.cgpolicy1.Manager .SetUnitProperties .RevertUnitProperties .ListUnits .Explain \
	.Backend .Version .PolicyReloaded org.freedesktop.DBus.Properties; do
	assert_contains "$intro" "$want" "busctl introspect org.cgpolicy1 /org/cgpolicy1"
done
assert_eq "$(busctl get-property org.cgpolicy1 /org/cgpolicy1 org.cgpolicy1.Manager Backend)" \
	's "systemd"' "Backend on a systemd host"

status=$(cgpolicyctl status --no-pager)
printf '%s\n' "$status"
assert_contains "$status" "Backend: systemd" "cgpolicyctl status"
assert_contains "$status" "Cgroup root: /sys/fs/cgroup" "cgpolicyctl status"

# Reads are open to everyone (bus policy), also introspection.
as_alice cgpolicyctl status --no-pager >/dev/null || fail "alice cannot run cgpolicyctl status"
as_alice busctl introspect --no-pager org.cgpolicy1 /org/cgpolicy1 >/dev/null ||
	fail "alice cannot introspect /org/cgpolicy1"

# A clean stop: inactive, not failed.
systemctl stop cgpolicyd.service
assert_eq "$(show cgpolicyd.service ActiveState)" inactive "ActiveState after stop"
assert_eq "$(show cgpolicyd.service Result)" success "Result after stop"
