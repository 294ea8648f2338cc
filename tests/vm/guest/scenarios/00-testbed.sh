#!/bin/bash
# The test bed itself: everything later scenarios take for granted.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$CGTEST_LIB"

assert_eq "$(cat /proc/1/comm)" systemd "PID 1"
assert_eq "$(stat -fc %T /sys/fs/cgroup)" cgroup2fs "/sys/fs/cgroup type"
controllers=" $(cat /sys/fs/cgroup/cgroup.controllers) "
for c in cpuset cpu io memory pids; do
	assert_contains "$controllers" " $c " "root cgroup.controllers"
done
for r in memory cpu io; do
	[[ -r /proc/pressure/$r ]] || fail "/proc/pressure/$r missing (PSI off?)"
done
[[ -r /sys/fs/cgroup/system.slice/memory.pressure ]] || fail "no per-cgroup memory.pressure"

names=$(busctl list --no-pager --no-legend)
assert_contains "$names" org.freedesktop.systemd1 "busctl list"
assert_contains "$names" org.freedesktop.DBus "busctl list"

[[ -d /sys/devices/system/node/node1 ]] || fail "no NUMA node 1 (run-vm.sh --numa?)"
assert_eq "$CGTEST_NUMA_NODES" 2 "CGTEST_NUMA_NODES"

assert_eq "$(hostname)" cgtest hostname
assert_eq "$(as_alice id -u)" 1000 "alice's uid"
for cmd in stress-ng python3 busctl pkexec setpriv; do
	command -v "$cmd" >/dev/null || fail "$cmd not installed"
done
assert_eq "$(show systemd-oomd.service LoadState)" loaded "systemd-oomd.service"
assert_eq "$(show polkit.service LoadState)" loaded "polkit.service"
ldconfig -p | grep -q libjansson.so.4 || fail "libjansson4 missing"
ldconfig -p | grep -q libcgroup.so.2 || fail "libcgroup2 missing"

# The share is writable and artifacts reach the host.
echo "written by 00-testbed in the guest" >"$CGTEST_ARTIFACTS/probe.txt"

# systemd's resource control and the helpers, end to end, in system.slice: a
# transient unit gets its cgroup files, cpuset on node 1 included.
unit=cgtest-probe.service
trap 'systemctl stop "$unit" 2>/dev/null || true' EXIT
systemd-run --quiet --unit="$unit" -p CPUWeight=50 -p MemoryHigh=100M \
	-p AllowedCPUs=1 -p AllowedMemoryNodes=1 sleep infinity
wait_until systemctl is-active -q "$unit" 30
assert_eq "$(cgfile "$unit" cpu.weight)" 50 "cpu.weight"
assert_eq "$(cgfile "$unit" memory.high)" 104857600 "memory.high"
assert_eq "$(cgfile "$unit" cpuset.cpus.effective)" 1 "cpuset.cpus.effective"
assert_eq "$(cgfile "$unit" cpuset.mems.effective)" 1 "cpuset.mems.effective"
assert_eq "$(cgfile "$(show "$unit" ControlGroup)" cpu.weight)" 50 "cpu.weight by ControlGroup"
assert_eq "$(show "$unit" CPUWeight)" 50 "CPUWeight"
assert_eq "$(show "$unit" MemoryHigh)" 104857600 "MemoryHigh"
systemctl stop "$unit"
# shellcheck disable=SC2016 # eval'ed by wait_until
wait_until '[[ ! -d /sys/fs/cgroup/system.slice/$unit ]]' 30
log "ok: systemd $(systemctl --version | awk 'NR==1 {print $2}'), controllers:$controllers"
