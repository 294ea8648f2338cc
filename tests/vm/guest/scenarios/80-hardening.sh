#!/bin/bash
# The installed unit is hardened and scores better than systemd-oomd's on the
# same image in `systemd-analyze security`; the running daemon really is
# confined (read-only /, only CAP_SYS_RESOURCE, no new privileges). Every other
# scenario ran this same unit, so they all passed under this hardening.
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
awk -v a="$ours" -v b="$oomd" 'BEGIN { exit !(a < b) }' || fail "exposure $ours is not below systemd-oomd's $oomd"
systemd-analyze security --no-pager cgpolicyd.service >"$CGTEST_ARTIFACTS/security-cgpolicyd.txt" || true

# The settings themselves, as systemd loaded them.
declare -A want=(
	[ProtectSystem]=strict [ProtectHome]=yes [NoNewPrivileges]=yes [PrivateTmp]=yes [PrivateDevices]=yes
	[PrivateNetwork]=yes [RestrictAddressFamilies]=AF_UNIX [CapabilityBoundingSet]=cap_sys_resource
	[ProtectKernelModules]=yes [MemoryDenyWriteExecute]=yes [RestrictRealtime]=yes [LockPersonality]=yes
	[SystemCallArchitectures]=native [Type]=notify [OOMScoreAdjust]=-900
)
for p in "${!want[@]}"; do
	assert_eq "$(show cgpolicyd.service "$p")" "${want[$p]}" "cgpolicyd.service $p"
done
[[ -n $(show cgpolicyd.service SystemCallFilter) ]] || fail "no SystemCallFilter"
assert_eq "$(show cgpolicyd.service ReadWritePaths)" /sys/fs/cgroup "ReadWritePaths"

# The running process.
systemctl start cgpolicyd.service
pid=$(show cgpolicyd.service MainPID)
assert_ne "$pid" 0 "MainPID"
status=/proc/$pid/status
assert_eq "$(awk '/^CapBnd:/ {print $2}' "$status")" 0000000001000000 "CapBnd (CAP_SYS_RESOURCE only)"
assert_eq "$(awk '/^NoNewPrivs:/ {print $2}' "$status")" 1 "NoNewPrivs"
assert_eq "$(awk '/^Seccomp:/ {print $2}' "$status")" 2 "Seccomp (filter mode)"
assert_eq "$(cat "/proc/$pid/oom_score_adj")" -900 "the daemon's own oom_score_adj"
# its view of the file system: / read-only, the cgroup tree writable
opts() { awk -v m="$1" '$5 == m { o = $6 } END { print o }' "/proc/$pid/mountinfo"; }
[[ $(opts /) == ro* ]] || fail "/ is not read-only for the daemon: $(opts /)"
[[ $(opts /usr) == ro* || -z $(opts /usr) ]] || fail "/usr is not read-only for the daemon"
[[ $(opts /sys/fs/cgroup) == rw* ]] || fail "/sys/fs/cgroup is not writable for the daemon: $(opts /sys/fs/cgroup)"
log "running daemon: CapBnd=cap_sys_resource, NoNewPrivs, seccomp, / ro, /sys/fs/cgroup rw"
