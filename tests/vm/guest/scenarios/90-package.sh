#!/bin/bash
# The Debian package as an administrator lives with it, on real systemd:
# install (enabled and started, changes no unit, bus policy live at once) →
# upgrade to a rebuilt package with a higher version (daemon restarted, policies
# and persistent/runtime overrides in force again, nothing left of the old
# daemon's settings) → remove (stopped, every unit back to its unit file's
# values, no drop-in of ours left) → purge (/var/lib/cgpolicyd and
# /run/cgpolicyd gone, the administrator's policy files kept).
# Needs the packages in the share (system-tests.sh --package); skips otherwise.
# cgtest-timeout: 900
# shellcheck source=SCRIPTDIR/../lib.sh
. "$CGTEST_LIB"

debs=${CGTEST_DEBS:-$CGTEST_SHARE/debs}
[[ -f $debs/INSTALL ]] || skip "no package in the share (system-tests.sh --package)"
[[ -f $debs/UPGRADE ]] || skip "no second, higher version in the share for the upgrade"
base=$debs/$(cat "$debs/INSTALL")
next=$debs/$(cat "$debs/UPGRADE")
v_base=$(dpkg-deb -f "$base" Version)
v_next=$(dpkg-deb -f "$next" Version)
dpkg --compare-versions "$v_next" gt "$v_base" || fail "upgrade $v_next is not newer than $v_base"

units=(cgtest-package-keep.service cgtest-package-gone.service cgtest-package-ovr.service)
keep=${units[0]} gone=${units[1]} ovr=${units[2]}
pol_keep=/etc/cgpolicyd/policies.d/90-cgtest-package-keep.json
pol_gone=/etc/cgpolicyd/policies.d/90-cgtest-package-gone.json
cleanup() {
	set +e
	systemctl stop "${units[@]}" 2>/dev/null
	rm -f "$pol_keep" "$pol_gone" "${units[@]/#//run/systemd/system/}"
	for u in "${units[@]}"; do rm -rf "/run/systemd/system.control/$u.d"; done
	# As the harness left it: the first package installed, the daemon stopped.
	if [[ $(dpkg-query -W -f '${Status} ${Version}' cgpolicyd 2>/dev/null) != "install ok installed $v_base" ]]; then
		dpkg --purge cgpolicyd >/dev/null 2>&1
		dpkg -i "$base" >/dev/null
	fi
	systemctl stop cgpolicyd.service 2>/dev/null
	rm -rf /var/lib/cgpolicyd/* /run/cgpolicyd/*
	systemctl daemon-reload
}
trap cleanup EXIT

# "ii 0.1", "rc 0.1", or none (unknown to dpkg, or known as not installed)
pkg_status() {
	local s
	s=$(dpkg-query -W -f '${db:Status-Abbrev}${Version}' cgpolicyd 2>/dev/null) || s=""
	if [[ -z $s || $s == un* || $s == pn* ]]; then echo none; else echo "$s"; fi
}
# cpu.weight, or 100 (the kernel's default) where systemd has not enabled the
# cpu controller for system.slice's children: it does so only while a unit asks.
weight() { cgfile "$1" cpu.weight 2>/dev/null || echo 100; }
# UNIT WEIGHT HIGH — the cgroup files and systemd agree on both values
holds() {
	[[ $(weight "$1") == "$2" && $(cgfile "$1" memory.high) == "$3" ]] || return 1
	local sw=$2 sh=$3
	[[ $2 == 100 ]] && sw="[not set]"
	[[ $3 == max ]] && sh=infinity
	[[ $(show "$1" CPUWeight) == "$sw" && $(show "$1" MemoryHigh) == "$sh" ]]
}
dump() { for u in "${units[@]}"; do echo "$u: cgroup $(weight "$u") $(cgfile "$u" memory.high), systemd $(show "$u" CPUWeight) $(show "$u" MemoryHigh), drop-ins: $(ls "/run/systemd/system.control/$u.d" 2>/dev/null | tr '\n' ' ')"; done; }
settle() { # TIMEOUT WHY UNIT WEIGHT HIGH [UNIT WEIGHT HIGH...]
	local end=$((SECONDS + $1)) why=$2 ok i
	shift 2
	while true; do
		ok=1
		for ((i = 1; i <= $#; i += 3)); do holds "${@:i:1}" "${@:i+1:1}" "${@:i+2:1}" || { ok=0; break; }; done
		((ok)) && return 0
		((SECONDS < end)) || { dump; fail "$why: not every unit holds ($*)"; }
		sleep 0.5
	done
}
no_dropins() { # no drop-in of cgpolicyd's left for our units
	local u
	for u in "${units[@]}"; do
		[[ -z $(ls -A "/run/systemd/system.control/$u.d" 2>/dev/null) ]] || { dump; fail "$1: drop-in left for $u"; }
	done
}

# From nothing: the harness installed the package; take it off entirely.
systemctl stop cgpolicyd.service
dpkg --purge cgpolicyd
assert_eq "$(pkg_status)" none "package state after the initial purge"
rm -rf /etc/cgpolicyd

# Three services with nothing set: systemd's defaults (cpu.weight 100, memory.high max).
for u in "${units[@]}"; do
	printf '[Service]\nExecStart=/bin/sleep infinity\n' >"/run/systemd/system/$u"
done
systemctl daemon-reload
systemctl start "${units[@]}"
settle 30 "before the install" "$keep" 100 max "$gone" 100 max "$ovr" 100 max
slice_low=$(cgfile /system.slice memory.low)
slice_min=$(cgfile /system.slice memory.min)

# --- install ---------------------------------------------------------------
log "install $v_base"
dpkg -i "$base"
assert_eq "$(pkg_status)" "ii $v_base" "package state after install"
assert_eq "$(systemctl is-enabled cgpolicyd.service)" enabled "cgpolicyd.service enabled"
assert_eq "$(show cgpolicyd.service ActiveState)" active "cgpolicyd.service started by postinst"
assert_eq "$(show cgpolicyd.service NeedDaemonReload)" no "unit file loaded"
pid=$(show cgpolicyd.service MainPID)
# the bus policy is live without a reboot: the name is taken, and alice may read
assert_eq "$(busctl status --no-pager org.cgpolicy1 | sed -n 's/^PID=//p')" "$pid" "owner of org.cgpolicy1"
as_alice cgpolicyctl status --no-pager >/dev/null || fail "alice cannot read the daemon's status after install"
[[ -d /etc/cgpolicyd/policies.d ]] || fail "/etc/cgpolicyd/policies.d not made by the package"
for f in /usr/share/man/man8/cgpolicyd.8.gz /usr/share/man/man1/cgpolicyctl.1.gz \
	/usr/share/bash-completion/completions/cgpolicyctl /usr/share/polkit-1/actions/org.cgpolicy1.policy \
	/usr/share/dbus-1/system-services/org.cgpolicy1.service /usr/share/doc/cgpolicyd/examples/database-vs-batch.json; do
	[[ -f $f ]] || fail "$f not installed"
done
# harmless: no policy, no override, so nothing changes (give it time to misbehave)
sleep 5
settle 5 "after the install (no policy)" "$keep" 100 max "$gone" 100 max "$ovr" 100 max
no_dropins "after the install"
assert_eq "$(cgfile /system.slice memory.low)" "$slice_low" "system.slice memory.low after the install"
assert_eq "$(cgfile /system.slice memory.min)" "$slice_min" "system.slice memory.min after the install"
list=$(cgpolicyctl list --no-pager --no-legend 2>&1 || true)
log "cgpolicyctl list after install: ${list:-(empty)}"

# --- policies and overrides, as an administrator sets them --------------------
cat >"$pol_keep" <<'JSON'
{ "policies": [ { "name": "cgtest-package-keep", "match": { "unit": "cgtest-package-keep.service" },
                  "properties": { "CPUWeight": 300, "MemoryHigh": "300M" } } ] }
JSON
cat >"$pol_gone" <<'JSON'
{ "policies": [ { "name": "cgtest-package-gone", "match": { "unit": "cgtest-package-gone.service" },
                  "properties": { "CPUWeight": 30, "MemoryHigh": "100M" } } ] }
JSON
cgpolicyctl check "$pol_keep" "$pol_gone" >/dev/null || fail "test policies do not pass cgpolicyctl check"
systemctl reload cgpolicyd.service
cgpolicyctl set-property "$ovr" CPUWeight=222
cgpolicyctl set-property --runtime "$ovr" MemoryHigh=200M
settle 90 "after policies and overrides" "$keep" 300 314572800 "$gone" 30 104857600 "$ovr" 222 209715200
[[ -n $(ls -A /var/lib/cgpolicyd) ]] || fail "the persistent override left nothing in /var/lib/cgpolicyd"
log "policies and overrides in force (daemon PID $pid)"

# --- upgrade ---------------------------------------------------------------
# One policy leaves the disk without a reload: only the old daemon still holds
# it. After the upgrade its unit must be back at its own values (the old
# daemon restored it on stop, the new one did not find the policy), while the
# other policy and both overrides are in force again.
rm -f "$pol_gone"
log "upgrade to $v_next"
dpkg -i "$next"
assert_eq "$(pkg_status)" "ii $v_next" "package state after the upgrade"
assert_eq "$(show cgpolicyd.service ActiveState)" active "cgpolicyd.service after the upgrade"
assert_eq "$(systemctl is-enabled cgpolicyd.service)" enabled "cgpolicyd.service enabled after the upgrade"
npid=$(show cgpolicyd.service MainPID)
assert_ne "$npid" "$pid" "MainPID after the upgrade (restarted)"
top=$(zcat /usr/share/doc/cgpolicyd/changelog.gz | sed -n 1p)
assert_contains "$top" "($v_next)" "first line of the installed changelog"
settle 90 "after the upgrade" "$keep" 300 314572800 "$gone" 100 max "$ovr" 222 209715200
[[ -z $(ls -A "/run/systemd/system.control/$gone.d" 2>/dev/null) ]] || { dump; fail "drop-in of the old daemon left for $gone"; }
log "upgraded: daemon PID $pid -> $npid, policies and overrides kept, nothing stale"

# --- remove ----------------------------------------------------------------
log "remove"
dpkg -r cgpolicyd
assert_eq "$(pkg_status)" "rc $v_next" "package state after remove"
assert_eq "$(show cgpolicyd.service LoadState)" not-found "cgpolicyd.service after remove"
[[ ! -e /usr/sbin/cgpolicyd ]] || fail "/usr/sbin/cgpolicyd still there after remove"
[[ ! -e /usr/share/dbus-1/system.d/org.cgpolicy1.conf ]] || fail "bus policy still there after remove"
assert_fails busctl status --no-pager org.cgpolicy1
settle 60 "after remove (originals back)" "$keep" 100 max "$gone" 100 max "$ovr" 100 max
no_dropins "after remove"
assert_eq "$(cgfile /system.slice memory.low)" "$slice_low" "system.slice memory.low after remove"
for u in "${units[@]}"; do
	assert_eq "$(show "$u" NeedDaemonReload)" no "$u NeedDaemonReload after remove (postrm reloaded)"
done
[[ -d /var/lib/cgpolicyd ]] || fail "remove deleted /var/lib/cgpolicyd (only purge may)"
[[ -f $pol_keep ]] || fail "remove deleted the administrator's policy"
log "removed: every unit at its unit file's values, state kept for a reinstall"

# --- purge -----------------------------------------------------------------
log "purge"
dpkg --purge cgpolicyd
assert_eq "$(pkg_status)" none "package state after purge"
[[ ! -e /var/lib/cgpolicyd ]] || fail "/var/lib/cgpolicyd still there after purge"
[[ ! -e /run/cgpolicyd ]] || fail "/run/cgpolicyd still there after purge"
[[ ! -e /etc/systemd/system/multi-user.target.wants/cgpolicyd.service ]] || fail "enable symlink left after purge"
[[ -f $pol_keep ]] || fail "purge deleted the administrator's policy file"
log "purged: state gone, the administrator's policy file kept"
