#!/bin/bash
# The demo, inside the test-bed guest (run by demo.sh as the share's
# run-in-guest.sh): install the build, apply policies/database-vs-batch.json to
# db.service and batch-1.service, show what cgpolicyd says, then read every
# applied value back from where it lives — the cgroup file, systemd's view
# (`systemctl show`) and /proc/PID/oom_score_adj — and compare with the policy.
set -euo pipefail

share=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
policy_src=/usr/share/doc/cgpolicyd/examples/database-vs-batch.json
policy=/etc/cgpolicyd/policies.d/database-vs-batch.json
units=(db.service batch-1.service)

section() { printf '\n\033[1m### %s\033[0m\n' "$*"; }
run() { printf '\n# %s\n' "$*"; "$@"; }
die() { echo "demo: $*" >&2; exit 1; }
wait_for() { # SECONDS CMD... — poll every 0.2 s
	local end=$((SECONDS + $1))
	shift
	until "$@"; do ((SECONDS < end)) || return 1; sleep 0.2; done
}

if [[ -d $share/destdir ]]; then
	bash "$share/guest-install.sh" "$share/destdir" >/dev/null || die "installing the build failed"
fi
section "test bed: $(uname -r), $(systemctl --version | head -n1), $(nproc) CPUs, cgroup $(stat -fc %T /sys/fs/cgroup)"

section "1. the policy: $policy"
mkdir -p "${policy%/*}"
install -m 0644 "$policy_src" "$policy"
cat "$policy"
run cgpolicyctl check "$policy"

section "2. the services (plain units in system.slice, started before the daemon)"
for u in "${units[@]}"; do
	printf '[Unit]\nDescription=demo %s\n[Service]\nExecStart=/usr/bin/stress-ng --cpu 1 --cpu-load 3 --quiet\n' "$u" \
		>"/run/systemd/system/$u"
done
systemctl daemon-reload
systemctl start "${units[@]}"
for u in "${units[@]}"; do
	printf '%-16s %s, cgroup %s, cpu.weight before: %s\n' "$u" "$(systemctl is-active "$u")" \
		"$(systemctl show -P ControlGroup "$u")" "$(cat "/sys/fs/cgroup/system.slice/$u/cpu.weight" 2>/dev/null || echo "100 (default)")"
done

section "3. start cgpolicyd"
run systemctl start cgpolicyd.service
systemctl --no-pager status cgpolicyd.service | head -n 5 || true
applied() { [[ $(cat /sys/fs/cgroup/system.slice/db.service/cpu.weight 2>/dev/null) == 800 &&
	$(cat /sys/fs/cgroup/system.slice/batch-1.service/cpu.weight 2>/dev/null) == 20 ]]; }
wait_for 120 applied || echo "demo: the values did not arrive within 120 s (see below)"

section "4. what cgpolicyd says"
run cgpolicyctl --no-pager status
run cgpolicyctl --no-pager list
run cgpolicyctl --no-pager explain db.service
run cgpolicyctl --no-pager explain batch-1.service

section "5. the applied values, read back from their sources"
# Expected values straight from the policy file (worked out on the host by demo.sh:
# the guest's python3-minimal has no json module): "UNIT PROPERTY VALUE" lines.
[[ -s $share/expected.txt ]] || die "$share/expected.txt is missing (run me through demo.sh)"
cp "$share/expected.txt" /tmp/demo-expected
declare -A file=([CPUWeight]=cpu.weight [IOWeight]=io.weight [MemoryLow]=memory.low [MemoryHigh]=memory.high
	[MemoryMax]=memory.max [MemoryMin]=memory.min [TasksMax]=pids.max)
bad=0
fmt='%-16s %-15s %-11s %-58s %-13s %-22s %s\n'
# shellcheck disable=SC2059
printf "$fmt" UNIT PROPERTY POLICY "READ BACK FROM" CONTENTS "systemctl show" OK
while read -r unit prop want; do
	if [[ $prop == OOMScoreAdjust ]]; then
		for pid in $(cat "/sys/fs/cgroup/system.slice/$unit/cgroup.procs"); do
			got=$(cat "/proc/$pid/oom_score_adj" 2>/dev/null) || continue
			sd=$(systemctl show -P OOMScoreAdjust "$unit")
			ok=yes; [[ $got == "$want" ]] || { ok=NO; bad=1; }
			# shellcheck disable=SC2059
			printf "$fmt" "$unit" "$prop" "$want" "/proc/$pid/oom_score_adj ($(cat "/proc/$pid/comm"))" "$got" \
				"$sd (unit's own)" "$ok"
		done
		continue
	fi
	path=/sys/fs/cgroup/system.slice/$unit/${file[$prop]:-?}
	got=$(cat "$path" 2>/dev/null || echo "(missing)")
	sd=$(systemctl show -P "$prop" "$unit")
	ok=yes
	[[ ${got#default } == "$want" && $sd == "$want" ]] || { ok=NO; bad=1; }
	# shellcheck disable=SC2059
	printf "$fmt" "$unit" "$prop" "$want" "$path" "$got" "$sd" "$ok"
done </tmp/demo-expected

section "6. one run-time change: cgpolicyctl set-property --runtime batch-1.service CPUWeight=50"
cgpolicyctl set-property --runtime batch-1.service CPUWeight=50
wait_for 60 grep -qx 50 /sys/fs/cgroup/system.slice/batch-1.service/cpu.weight || bad=1
echo "cpu.weight: $(cat /sys/fs/cgroup/system.slice/batch-1.service/cpu.weight)," \
	"systemctl show CPUWeight: $(systemctl show -P CPUWeight batch-1.service)"
run cgpolicyctl --no-pager explain batch-1.service
cgpolicyctl revert batch-1.service

systemctl stop cgpolicyd.service "${units[@]}" 2>/dev/null # no "changed on disk" hints: those are the runtime drop-ins
echo
if ((bad)); then
	echo "DEMO: some values did not read back as the policy says (rows marked NO)"
	exit 1
fi
echo "DEMO: every value of the policy read back from the cgroup files, systemd and /proc"
