#!/bin/bash
# The shipped critical-isolation policy on a 2-node NUMA guest (node 0 = CPU 0,
# node 1 = CPU 1): critical.service is pinned to CPU 1 and memory node 1
# (cpuset.*.effective and systemctl show agree), system.slice is held to
# MemoryHigh=1G; stopping the daemon gives system.slice its old limit back.
# cgtest-timeout: 400
# shellcheck source=SCRIPTDIR/../lib.sh
. "$CGTEST_LIB"

policy=/etc/cgpolicyd/policies.d/critical-isolation.json
unit=critical.service
cleanup() {
	set +e
	systemctl stop cgpolicyd.service "$unit" cgtest-critical-ctl.service 2>/dev/null
	rm -f "$policy" "/run/systemd/system/$unit"
	rm -rf /var/lib/cgpolicyd/* /run/cgpolicyd/* "/run/systemd/system.control/$unit.d"
	# whatever the daemon left on system.slice must not limit later scenarios
	systemctl revert system.slice >/dev/null 2>&1
	systemctl daemon-reload
}
trap cleanup EXIT

((CGTEST_NUMA_NODES >= 2)) || skip "needs a 2-node NUMA guest (run-vm.sh --numa)"
assert_eq "$(cat /sys/devices/system/node/node1/cpulist)" 1 "CPUs of NUMA node 1"

mkdir -p /etc/cgpolicyd/policies.d
install -m 0644 /usr/share/doc/cgpolicyd/examples/critical-isolation.json "$policy"
printf '[Service]\nExecStart=/bin/sleep infinity\n' >"/run/systemd/system/$unit"
systemctl daemon-reload
systemctl start "$unit"
pid=$(show "$unit" MainPID)
high_before=$(cgfile /system.slice memory.high)
assert_eq "$high_before" max "system.slice memory.high before"
assert_eq "$(show "$unit" AllowedCPUs)" "" "AllowedCPUs before"

systemctl start cgpolicyd.service

# shellcheck disable=SC2016 # eval'ed by wait_until
wait_until '[[ $(cgfile '"$unit"' cpuset.cpus.effective 2>/dev/null) == 1 ]]' 90
# shellcheck disable=SC2016
wait_until '[[ $(cgfile /system.slice memory.high) == 1073741824 ]]' 90
assert_eq "$(cgfile "$unit" cpuset.cpus)" 1 "cpuset.cpus"
assert_eq "$(cgfile "$unit" cpuset.cpus.effective)" 1 "cpuset.cpus.effective"
assert_eq "$(cgfile "$unit" cpuset.mems)" 1 "cpuset.mems"
assert_eq "$(cgfile "$unit" cpuset.mems.effective)" 1 "cpuset.mems.effective"
assert_eq "$(show "$unit" AllowedCPUs)" 1 "systemctl show AllowedCPUs"
assert_eq "$(show "$unit" AllowedMemoryNodes)" 1 "systemctl show AllowedMemoryNodes"
assert_eq "$(cgfile "$unit" cpu.weight)" 1000 "cpu.weight"
assert_eq "$(cgfile "$unit" memory.low)" 536870912 "memory.low"
assert_eq "$(show "$unit" CPUWeight)" 1000 "systemctl show CPUWeight"
assert_eq "$(show "$unit" MemoryLow)" 536870912 "systemctl show MemoryLow"
# shellcheck disable=SC2016
wait_until '[[ $(cat /proc/'"$pid"'/oom_score_adj) == -1000 ]]' 60
# The kernel really keeps the process there.
assert_eq "$(taskset -pc "$pid" | sed 's/.*: //')" 1 "affinity of $unit's PID $pid"
assert_eq "$(sed -n 's/^Mems_allowed_list:\s*//p' "/proc/$pid/status")" 1 "Mems_allowed_list of PID $pid"

assert_eq "$(cgfile /system.slice memory.high)" 1073741824 "/system.slice memory.high"
assert_eq "$(show system.slice MemoryHigh)" 1073741824 "systemctl show system.slice MemoryHigh"
# Other units in system.slice keep both CPUs.
assert_eq "$(cgfile /system.slice cpuset.cpus.effective)" 0-1 "/system.slice cpuset.cpus.effective"

explain=$(cgpolicyctl explain "$unit" --no-pager)
printf '%s\n' "$explain"
assert_contains "$explain" critical "explain names the policy"

# The daemon's stop puts back what it found: the properties unset in systemd.
# Kernel 6.1 refuses to empty the cpuset of a populated cgroup (ENOSPC), so PID 1
# cannot widen a running unit's CPUs again; a control unit that systemctl itself
# pins and unpins shows what systemd alone does, and the daemon must match it.
ctl=cgtest-critical-ctl.service
systemd-run --quiet --unit="$ctl" -p AllowedCPUs=1 -p AllowedMemoryNodes=1 sleep infinity
ctl_pid=$(show "$ctl" MainPID)
systemctl set-property --runtime "$ctl" AllowedCPUs= AllowedMemoryNodes=
systemctl stop cgpolicyd.service
# shellcheck disable=SC2016
wait_until '[[ $(cgfile /system.slice memory.high) == max ]]' 60
assert_eq "$(show system.slice MemoryHigh)" infinity "systemctl show system.slice MemoryHigh after the daemon stopped"
# shellcheck disable=SC2016
wait_until '[[ $(show '"$unit"' AllowedCPUs) == "" && $(show '"$unit"' AllowedMemoryNodes) == "" ]]' 60
assert_eq "$(show "$unit" CPUWeight)" "[not set]" "CPUWeight after the daemon stopped"
assert_eq "$(show "$unit" MemoryLow)" 0 "MemoryLow after the daemon stopped"
assert_eq "$(cat "/proc/$pid/oom_score_adj")" 0 "oom_score_adj after the daemon stopped"
cpus=$(taskset -pc "$pid" | sed 's/.*: //')
ctl_cpus=$(taskset -pc "$ctl_pid" | sed 's/.*: //')
log "running processes after unpinning: $unit on CPUs $cpus, systemctl's own $ctl on CPUs $ctl_cpus"
assert_eq "$cpus" "$ctl_cpus" "CPUs of $unit vs a unit unpinned by systemctl alone"
systemctl stop "$ctl"
# A new process of the unit gets both CPUs and both nodes again.
systemctl restart "$unit"
pid=$(show "$unit" MainPID)
assert_eq "$(taskset -pc "$pid" | sed 's/.*: //')" "$(taskset -pc 1 | sed 's/.*: //')" "CPUs of $unit after a restart (PID 1's)"
assert_eq "$(sed -n 's/^Mems_allowed_list:\s*//p' "/proc/$pid/status")" 0-1 "memory nodes of $unit after a restart"
