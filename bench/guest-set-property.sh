#!/bin/bash
# Guest side of set-property-vm.sh (runs as the share's run-in-guest.sh): time
# N `systemctl set-property --runtime` calls (the baseline) against N
# `cgpolicyctl set-property --runtime` and N raw `busctl call` SetUnitProperties
# to cgpolicyd, in the same boot, and the daemon's VmRSS with 1 and 50 managed
# units. Results are printed as "BENCH key value" lines.
set -euo pipefail

share=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
n=${BENCH_N:-50}
units=${BENCH_UNITS:-50}
slice=cgbench.slice # no dash: "a-b.slice" would nest under a.slice
base=cgtest-base.service # in system.slice, not watched: systemctl's own baseline
target=cgtest-bench-1.service  # watched by cgpolicyd

die() {
	echo "bench: $*" >&2
	journalctl -b --no-pager -o short-monotonic >"$share/journal.txt" 2>&1 # for the post-mortem on the host
	exit 1
}
wait_for() { # SECONDS CMD...
	local end=$((SECONDS + $1))
	shift
	until "$@"; do ((SECONDS < end)) || return 1; sleep 0.2; done
}
now() { date +%s%N; }

[[ -d $share/destdir ]] && { bash "$share/guest-install.sh" "$share/destdir" >/dev/null || die "install failed"; }
echo "testbed: $(uname -r), $(systemctl --version | head -n1), $(nproc) CPUs"

# Units: cgtest-bench-1..N in their own slice, so "managed units" is exactly what
# we started; the daemon watches only that slice (a drop-in, as an admin would).
for ((i = 1; i <= units; i++)); do
	printf '[Service]\nSlice=%s\nExecStart=/bin/sleep infinity\n' "$slice" >"/run/systemd/system/cgtest-bench-$i.service"
done
printf '[Service]\nExecStart=/bin/sleep infinity\n' >"/run/systemd/system/$base"
mkdir -p /run/systemd/system/cgpolicyd.service.d /etc/cgpolicyd/policies.d
printf '[Service]\nExecStart=\nExecStart=/usr/sbin/cgpolicyd --watch=%s\n' "$slice" \
	>/run/systemd/system/cgpolicyd.service.d/bench.conf
cat >/etc/cgpolicyd/policies.d/bench.json <<'JSON'
{ "policies": [ { "name": "bench", "match": { "unit": "cgtest-bench-*.service" },
                  "properties": { "CPUWeight": 50, "MemoryHigh": "256M" } } ] }
JSON
systemctl daemon-reload
systemctl start "$base" "$target"

managed() { busctl call org.cgpolicy1 /org/cgpolicy1 org.cgpolicy1.Manager ListUnits | awk '{print $2}'; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$(systemctl show -P MainPID cgpolicyd.service)/status"; }
weights_at() { # WEIGHT — every bench unit's cpu.weight
	local i
	for ((i = 1; i <= units; i++)); do
		[[ $(cat "/sys/fs/cgroup/$slice/cgtest-bench-$i.service/cpu.weight" 2>/dev/null) == "$1" ]] || return 1
	done
}

systemctl start cgpolicyd.service
has_units() { # N — cgpolicyd manages N bench units (the watched slice itself may be listed too)
	(($(busctl call org.cgpolicy1 /org/cgpolicy1 org.cgpolicy1.Manager ListUnits 2>/dev/null |
		grep -o '"cgtest-bench-[0-9]*\.service"' | wc -l) >= $1))
}
wait_for 120 has_units 1 || die "cgpolicyd does not manage $target"
wait_for 60 grep -qsx 50 "/sys/fs/cgroup/$slice/$target/cpu.weight" || die "policy not applied to $target"
sleep 2
echo "BENCH watched $(busctl get-property org.cgpolicy1 /org/cgpolicy1 org.cgpolicy1.Manager WatchedSlices | tr ' ' ',')"
echo "BENCH managed_units_1 $(managed)"
echo "BENCH rss_kib_1 $(rss_kib)"

# Each tool sets the value it is timed with; values change every call so no
# call is a no-op. Interleaved in two halves so drift in the VM's speed hits all.
declare -A total=([systemctl]=0 [cgpolicyctl]=0 [busctl]=0)
call() { # TOOL VALUE
	case $1 in
	systemctl) systemctl set-property --runtime "$base" "CPUWeight=$2" ;;
	cgpolicyctl) cgpolicyctl set-property --runtime "$target" "CPUWeight=$2" ;;
	busctl) busctl call org.cgpolicy1 /org/cgpolicy1 org.cgpolicy1.Manager SetUnitProperties 'sba(sv)' \
		"$target" true 1 CPUWeight t "$2" >/dev/null ;;
	esac
}
for tool in systemctl cgpolicyctl busctl; do call "$tool" 99; done # warm caches
for half in 1 2; do
	for tool in systemctl cgpolicyctl busctl; do
		t0=$(now)
		for ((i = 0; i < n / 2; i++)); do call "$tool" $((100 + half * 100 + i)); done
		total[$tool]=$((total[$tool] + $(now) - t0))
	done
done
calls=$((n / 2 * 2))
last=$((300 + n / 2 - 1)) # the value of the last call of the second half
wait_for 30 grep -qsx "$last" "/sys/fs/cgroup/$slice/$target/cpu.weight" ||
	die "cpu.weight of $target is $(cat "/sys/fs/cgroup/$slice/$target/cpu.weight"), expected $last"
[[ $(systemctl show -P CPUWeight "$base") == "$last" ]] || die "systemctl baseline did not take"
echo "BENCH calls $calls"
for tool in systemctl cgpolicyctl busctl; do
	echo "BENCH ms_per_call_$tool $(awk -v t="${total[$tool]}" -v c="$calls" 'BEGIN { printf "%.1f", t / c / 1e6 }')"
done
for tool in cgpolicyctl busctl; do
	echo "BENCH ratio_${tool}_vs_systemctl $(awk -v a="${total[$tool]}" -v b="${total[systemctl]}" 'BEGIN { printf "%.2f", a / b }')"
done

# 50 managed units.
for ((i = 2; i <= units; i++)); do systemctl start --no-block "cgtest-bench-$i.service"; done
wait_for 300 has_units "$units" || die "cgpolicyd manages $(managed) units, expected $units bench units"
cgpolicyctl revert "$target"
wait_for 300 weights_at 50 || die "not every bench unit got CPUWeight=50"
sleep 2
echo "BENCH managed_units_$units $(managed)"
echo "BENCH rss_kib_$units $(rss_kib)"
echo "BENCH rss_hwm_kib $(awk '/^VmHWM:/ {print $2}' "/proc/$(systemctl show -P MainPID cgpolicyd.service)/status")"

systemctl stop cgpolicyd.service
echo "BENCH done"
