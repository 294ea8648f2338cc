#!/bin/bash
# The installed unit is hardened and scores no worse than systemd-oomd's (the
# best unit of the image) in `systemd-analyze security`; the running daemon
# really is confined (read-only /, only the three capabilities it needs for
# services of any User=, no new privileges). Every other scenario ran this same
# unit, so they all passed under this hardening.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$CGTEST_LIB"

trap 'systemctl stop cgpolicyd.service 2>/dev/null || true' EXIT

exposure() { # UNIT — "Overall exposure level for UNIT: 1.5 OK"
	systemd-analyze security --no-pager "$1" | sed -n 's/^→ Overall exposure level for .*: \([0-9.]*\).*/\1/p'
}
ours=$(exposure cgpolicyd.service)
oomd=$(exposure systemd-oomd.service)
[[ $ours =~ ^[0-9]+\.[0-9]+$ ]] || fail "no exposure level for cgpolicyd.service: '$ours'"
[[ $oomd =~ ^[0-9]+\.[0-9]+$ ]] || fail "no exposure level for systemd-oomd.service: '$oomd'"
echo "systemd-analyze security: cgpolicyd.service $ours, systemd-oomd.service $oomd"
awk -v a="$ours" -v b="$oomd" 'BEGIN { exit !(a <= b) }' || fail "exposure $ours is above systemd-oomd's $oomd"
systemd-analyze security --no-pager cgpolicyd.service >"$CGTEST_ARTIFACTS/security-cgpolicyd.txt" || true

# The settings themselves, as systemd loaded them.
declare -A want=(
	[ProtectSystem]=strict [ProtectHome]=yes [NoNewPrivileges]=yes [PrivateTmp]=yes [PrivateDevices]=yes
	[PrivateNetwork]=yes [RestrictAddressFamilies]=AF_UNIX [CapabilityBoundingSet]="cap_dac_override cap_sys_ptrace cap_sys_resource"
	[ProtectKernelModules]=yes [MemoryDenyWriteExecute]=yes [RestrictRealtime]=yes [LockPersonality]=yes
	[SystemCallArchitectures]=native [Type]=notify [OOMScoreAdjust]=-900
)
for p in "${!want[@]}"; do
	assert_eq "$(show cgpolicyd.service "$p")" "${want[$p]}" "cgpolicyd.service $p"
done
[[ -n $(show cgpolicyd.service SystemCallFilter) ]] || fail "no SystemCallFilter"
# the cgroup tree, and PID 1's runtime drop-ins (removed when a squeezed unit stops)
assert_eq "$(show cgpolicyd.service ReadWritePaths)" "/sys/fs/cgroup -/run/systemd/system.control" "ReadWritePaths"

# The running process.
systemctl start cgpolicyd.service
pid=$(show cgpolicyd.service MainPID)
assert_ne "$pid" 0 "MainPID"
status=/proc/$pid/status
# CAP_DAC_OVERRIDE (bit 1), CAP_SYS_PTRACE (19), CAP_SYS_RESOURCE (24), nothing else
assert_eq "$(awk '/^CapBnd:/ {print $2}' "$status")" 0000000001080002 "CapBnd"
assert_eq "$(awk '/^NoNewPrivs:/ {print $2}' "$status")" 1 "NoNewPrivs"
assert_eq "$(awk '/^Seccomp:/ {print $2}' "$status")" 2 "Seccomp (filter mode)"
assert_eq "$(cat "/proc/$pid/oom_score_adj")" -900 "the daemon's own oom_score_adj"
# its view of the file system: / read-only, the cgroup tree writable
opts() { awk -v m="$1" '$5 == m { o = $6 } END { print o }' "/proc/$pid/mountinfo"; }
[[ $(opts /) == ro* ]] || fail "/ is not read-only for the daemon: $(opts /)"
[[ $(opts /usr) == ro* || -z $(opts /usr) ]] || fail "/usr is not read-only for the daemon"
[[ $(opts /sys/fs/cgroup) == rw* ]] || fail "/sys/fs/cgroup is not writable for the daemon: $(opts /sys/fs/cgroup)"
[[ $(opts /run/systemd/system.control) == rw* ]] || fail "/run/systemd/system.control is not writable for the daemon: '$(opts /run/systemd/system.control)'"
log "running daemon: CapBnd=cap_dac_override,cap_sys_ptrace,cap_sys_resource, NoNewPrivs, seccomp, / ro, /sys/fs/cgroup rw"
