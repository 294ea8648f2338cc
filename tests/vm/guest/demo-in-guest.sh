#!/bin/bash
# The demo, inside the test-bed guest (run by demo.sh as the share's
# run-in-guest.sh): policies/database-vs-batch.json on db.service (User=postgres)
# and batch-1.service (User=nobody). Shows each value before the daemon and
# after, read from the cgroup files, systemd and /proc, with the policy that set
# it; a set-property and its revert; a short memory-pressure episode as
# `cgpolicyctl monitor` prints it (demo-pressure.sh); and `systemctl stop
# cgpolicyd` giving every original back. Exit 0 = every value held.
set -euo pipefail

share=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
policy_src=/usr/share/doc/cgpolicyd/examples/database-vs-batch.json
policy=/etc/cgpolicyd/policies.d/database-vs-batch.json
units=(db.service batch-1.service)
cg=/sys/fs/cgroup/system.slice

# bold headings only when the host's stdout is a terminal (demo.sh says so)
if [[ -e $share/color ]]; then bold=$'\033[1m' plain=$'\033[0m'; else bold="" plain=""; fi
section() { printf '\n%s### %s%s\n' "$bold" "$*" "$plain"; }
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

section "2. the services: plain units in system.slice, started before the daemon"
id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
printf '[Service]\nUser=postgres\nExecStart=/bin/sleep infinity\n' >/run/systemd/system/db.service
printf '[Service]\nUser=nobody\nExecStart=/bin/sleep infinity\n' >/run/systemd/system/batch-1.service
systemctl daemon-reload
systemctl start "${units[@]}"
for u in "${units[@]}"; do
	printf '%-16s %s as User=%s, cgroup %s\n' "$u" "$(systemctl is-active "$u")" "$(systemctl show -P User "$u")" \
		"$(systemctl show -P ControlGroup "$u")"
done

# What to read back (worked out from the policy file on the host by demo.sh: the
# guest's python3-minimal has no json module): "UNIT PROPERTY VALUE" lines.
[[ -s $share/expected.txt ]] || die "$share/expected.txt is missing (run me through demo.sh)"
declare -A file=([CPUWeight]=cpu.weight [IOWeight]=io.weight [MemoryLow]=memory.low [MemoryHigh]=memory.high
	[MemoryMax]=memory.max [MemoryMin]=memory.min [TasksMax]=pids.max)
# read_value UNIT PROPERTY: where the kernel keeps it (OOMScoreAdjust: the main process)
where() { [[ $2 == OOMScoreAdjust ]] && echo "/proc/$(systemctl show -P MainPID "$1")/oom_score_adj" || echo "$cg/$1/${file[$2]}"; }
read_value() { local v; v=$(cat "$(where "$1" "$2")" 2>/dev/null) || v=-; echo "${v#default }"; }
declare -A before=() sd_before=()
while read -r unit prop _; do
	before[$unit $prop]=$(read_value "$unit" "$prop")
	sd_before[$unit $prop]=$(systemctl show -P "$prop" "$unit")
done <"$share/expected.txt"
# restored UNIT PROPERTY NOW: systemd's value as before, and the file's; a file
# that did not exist may stay once systemd has turned the controller on for a
# sibling, holding the kernel's default (100 for the weights)
restored() {
	[[ $(systemctl show -P "$2" "$1") == "${sd_before[$1 $2]}" ]] || return 1
	[[ $3 == "${before[$1 $2]}" ]] || [[ ${before[$1 $2]} == - && $3 == 100 && $2 == *Weight ]]
}

section "3. start cgpolicyd"
run systemctl start cgpolicyd.service
systemctl --no-pager status cgpolicyd.service | head -n 5 || true
applied() { [[ $(cat $cg/db.service/cpu.weight 2>/dev/null) == 800 && $(cat $cg/batch-1.service/cpu.weight 2>/dev/null) == 20 ]]; }
wait_for 120 applied || echo "demo: the values did not arrive within 120 s (see below)"

section "4. what cgpolicyd says"
run cgpolicyctl --no-pager list
run cgpolicyctl --no-pager status db.service

section "5. before and after, read from the files themselves"
bad=0
fmt='%-16s %-15s %-56s %-11s %-11s %-15s %-17s %s\n'
# shellcheck disable=SC2059
printf "$fmt" UNIT PROPERTY FILE BEFORE AFTER "systemctl show" "SET BY" OK
while read -r unit prop want; do
	after=$(read_value "$unit" "$prop")
	sd=$(systemctl show -P "$prop" "$unit")
	by=$(cgpolicyctl --no-pager --no-legend explain "$unit" | awk -v p="$prop" '$1 == p { print $3 }')
	ok=yes
	[[ $after == "$want" && ($sd == "$want" || $prop == OOMScoreAdjust) ]] || { ok=NO; bad=1; }
	# shellcheck disable=SC2059
	printf "$fmt" "$unit" "$prop" "$(where "$unit" "$prop")" "${before[$unit $prop]}" "$after" "$sd" "$by" "$ok"
done <"$share/expected.txt"
echo "(- : no such file: systemd enables a controller for a unit only when one of its settings needs it."
echo " OOMScoreAdjust is no run-time property of systemd: cgpolicyd writes each process's oom_score_adj,"
echo " systemctl show keeps the unit's own.)"

section "6. a run-time change and its revert"
run cgpolicyctl set-property --runtime batch-1.service CPUWeight=50
wait_for 60 grep -qx 50 $cg/batch-1.service/cpu.weight || bad=1
echo "cpu.weight: $(cat $cg/batch-1.service/cpu.weight), systemctl show CPUWeight: $(systemctl show -P CPUWeight batch-1.service)"
cgpolicyctl --no-pager explain batch-1.service | awk 'NR == 1 || $1 == "CPUWeight"'
run cgpolicyctl revert batch-1.service
wait_for 60 grep -qx 20 $cg/batch-1.service/cpu.weight || bad=1
echo "cpu.weight: $(cat $cg/batch-1.service/cpu.weight) again, from $(cgpolicyctl --no-pager --no-legend explain batch-1.service | awk '$1 == "CPUWeight" { print $3 }')"

section "7. a short memory-pressure episode, as cgpolicyctl monitor prints it"
bash "$share/demo-pressure.sh" || bad=1

section "8. systemctl stop cgpolicyd: every original back"
run systemctl stop cgpolicyd.service
# shellcheck disable=SC2059
printf "$fmt" UNIT PROPERTY FILE BEFORE NOW "systemctl show" "(before)" OK
while read -r unit prop _; do
	now=$(read_value "$unit" "$prop")
	ok=yes
	restored "$unit" "$prop" "$now" || { ok=NO; bad=1; }
	# shellcheck disable=SC2059
	printf "$fmt" "$unit" "$prop" "$(where "$unit" "$prop")" "${before[$unit $prop]}" "$now" \
		"$(systemctl show -P "$prop" "$unit")" "(${sd_before[$unit $prop]})" "$ok"
done <"$share/expected.txt"
# batch-2, started while the daemon ran: the files as they were at its start
b2="cpu.weight=$(cat $cg/batch-2.service/cpu.weight) io.weight=$(cat $cg/batch-2.service/io.weight)"
b2+=" memory.max=$(cat $cg/batch-2.service/memory.max) memory.high=$(cat $cg/batch-2.service/memory.high)"
echo "batch-2.service: $b2 (systemctl show: CPUWeight=$(systemctl show -P CPUWeight batch-2.service)" \
	"MemoryMax=$(systemctl show -P MemoryMax batch-2.service) MemoryHigh=$(systemctl show -P MemoryHigh batch-2.service))"
[[ $b2 == "cpu.weight=100 io.weight=default 100 memory.max=max memory.high=max" ]] || bad=1
left=$(find /run/systemd/system.control -name '50-*.conf' 2>/dev/null)
[[ -z $left ]] || { echo "drop-ins left behind: $left"; bad=1; }
echo "runtime drop-ins left in /run/systemd/system.control: ${left:-none}"

systemctl stop "${units[@]}" batch-2.service 2>/dev/null
echo
if ((bad)); then
	echo "DEMO: something did not hold (rows marked NO, or above)"
	exit 1
fi
echo "DEMO: every value read back as the policy says, and every original back after the stop"
