#!/bin/bash
# Side by side with systemd 252 (issue 9 item 6): each assignment goes to
# `systemctl set-property --runtime` on one unit and to `cgpolicyctl
# set-property --runtime` on its twin. Both must accept it or both refuse it,
# and then every resource file of the two cgroups must read the same. The
# values are the ones the issue found to differ, plus one of each kind.
# A table of every step goes to the artifacts (parity.tsv).
# cgtest-timeout: 900
# shellcheck source=SCRIPTDIR/../lib.sh
. "$CGTEST_LIB"

sd=cgtest-parity-sd.service
cg=cgtest-parity-cg.service
table=$CGTEST_ARTIFACTS/parity.tsv
cleanup() {
	set +e
	systemctl stop cgpolicyd.service "$sd" "$cg" 2>/dev/null
	systemctl reset-failed "$sd" "$cg" 2>/dev/null
}
trap cleanup EXIT

files=(cpu.weight cpu.idle cpu.max cpuset.cpus cpuset.mems memory.min memory.low memory.high memory.max
	memory.swap.max io.weight io.max pids.max)
snap() {
	local f
	for f in "${files[@]}"; do
		printf '%s=%s;' "$f" "$(tr '\n' ' ' 2>/dev/null <"/sys/fs/cgroup/system.slice/$1/$f" || echo '<absent>')"
	done
}
differs() {
	local f a b out=""
	for f in "${files[@]}"; do
		a=$(tr '\n' ' ' 2>/dev/null <"/sys/fs/cgroup/system.slice/$sd/$f" || echo '<absent>')
		b=$(tr '\n' ' ' 2>/dev/null <"/sys/fs/cgroup/system.slice/$cg/$f" || echo '<absent>')
		[[ $a == "$b" ]] || out+="$f: systemd '$a' cgpolicyd '$b'; "
	done
	printf '%s' "$out"
}

# Both sides apply asynchronously (PID 1 realizes a cgroup after its reply,
# cgpolicyd after its own): files that are equal at once may only be equal
# because neither has written yet. Wait until they agree twice, 1 s apart
# (at most ~20 s; not wait_until, which would end the scenario).
settle() {
	local i
	sleep 1
	for ((i = 0; i < 20; i++)); do
		if [[ -z $(differs) ]]; then
			sleep 1
			[[ -z $(differs) ]] && return 0
		fi
		sleep 0.5
	done
	return 0
}

systemd-run --quiet --unit="$sd" sleep infinity
systemd-run --quiet --unit="$cg" sleep infinity
systemctl start cgpolicyd.service
wait_until "cgpolicyctl show $cg >/dev/null 2>&1" 60

disk=/dev/vda
[[ -b $disk ]] || skip "no $disk in the guest"
majmin=$(lsblk -ndo MAJ:MIN "$disk" | tr -d ' ')
link=$(find /dev/disk -type l -lname "*/${disk#/dev/}" 2>/dev/null | sort | head -n1)
log "disk $disk is $majmin; udev link ${link:-none}"

# One step per line: assignments separated by '|'. A leading '!' marks a
# deliberate deviation (docs/properties.md): the difference is logged, not failed.
steps=(
	'CPUWeight=+300'
	'CPUWeight=300 '
	'CPUWeight= 400'
	'CPUWeight=idle'
	'!CPUWeight=0x12c'
	'MemoryMin=1G 512M'
	'MemoryMin=1.5'
	'MemoryLow=+64M'
	'MemoryHigh=1G '
	'MemoryMax=0'
	'MemoryMax=50%'
	'CPUQuota=50%|CPUQuotaPeriodSec=500us'
	'CPUQuotaPeriodSec=2s'
	'CPUQuotaPeriodSec=0'
	'CPUQuota=0.005%'
	'CPUQuota=infinity'
	'CPUQuota=12.34%'
	'CPUQuota='
	'AllowedCPUs=1,,0'
	'AllowedCPUs=1-0'
	'AllowedCPUs='
	'TasksMax=100%'
	'TasksMax=50%'
	'TasksMax=+77'
	"IOReadBandwidthMax=$disk 1G 500M"
	"IOReadBandwidthMax=/dev/block/$majmin 3M"
	"IOWriteBandwidthMax=/var/lib 2M"
	"IOReadIOPSMax=$disk 1000|IOReadIOPSMax=/dev/block/$majmin 2000"
	'!'"IOWriteIOPSMax=$disk 0"
	'!'"IOReadBandwidthMax=$disk 10M; $disk 20M"
	'IOReadBandwidthMax='
	"IODeviceWeight=$disk 200"
	'IODeviceWeight='
)
[[ -n $link ]] && steps+=("IOWriteBandwidthMax=$link 7M" 'IOWriteBandwidthMax=')
# Last: a bare MAJ:MIN does nothing in systemd, and through cgpolicyd (as
# /dev/block/MAJ:MIN) leaves an entry in PID 1's list that the other twin lacks.
# systemd writes all four io.max keys for each entry of that list, in the order
# the entries were first added, so later steps on the same disk would differ.
steps+=('!'"IOReadBandwidthMax=$majmin 5M")

printf 'assignments\tsystemctl\tcgpolicyctl\tfiles\tcgpolicyd twin after the step\n' >"$table"
bad=0
for step in "${steps[@]}"; do
	deviation=false
	[[ $step == '!'* ]] && deviation=true && step=${step#!}
	IFS='|' read -r -a assign <<<"$step"
	rs=0 rc=0
	out_sd=$(systemctl set-property --runtime "$sd" "${assign[@]}" 2>&1) || rs=$?
	out_cg=$(cgpolicyctl set-property --runtime "$cg" "${assign[@]}" 2>&1) || rc=$?
	# a value that is kept but did not take effect (the kernel refused it) is
	# accepted too, as systemctl's exit status says for the same value
	acc_sd=$((rs == 0)) acc_cg=$((rc == 0))
	[[ $rc != 0 && $out_cg == *"not applied"* ]] && acc_cg=1
	diff=""
	if ((acc_sd == acc_cg)); then
		settle
		diff=$(differs)
	fi
	verdict=same
	if ((acc_sd != acc_cg)); then
		verdict="systemctl rc=$rs ($out_sd), cgpolicyctl rc=$rc ($out_cg)"
	elif [[ -n $diff ]]; then
		verdict=$diff
	fi
	printf '%s\t%s\t%s\t%s\t%s\n' "${step//$'\t'/ }" "$rs" "$rc" "$verdict" "$(snap "$cg")" >>"$table"
	if [[ $verdict == same ]]; then
		log "same: ${assign[*]} (systemctl rc=$rs, cgpolicyctl rc=$rc)"
	elif $deviation; then
		log "deviation (documented): ${assign[*]}: $verdict"
	else
		log "DIFFERENT: ${assign[*]}: $verdict"
		bad=$((bad + 1))
	fi
	# a step both refused changes nothing; after one only one side took, its
	# properties are emptied on both, so the next steps start equal
	if ((acc_sd != acc_cg)); then
		for a in "${assign[@]}"; do
			systemctl set-property --runtime "$sd" "${a%%=*}=" >/dev/null 2>&1 || true
			cgpolicyctl set-property --runtime "$cg" "${a%%=*}=" >/dev/null 2>&1 || true
		done
		settle
	fi
done
log "final: systemd $(snap "$sd")"
log "final: cgpolicyd $(snap "$cg")"
((bad == 0)) || fail "$bad of ${#steps[@]} steps differ from systemd (table: $table)"
log "all ${#steps[@]} steps agree with systemd (documented deviations logged)"
