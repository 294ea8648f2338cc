#!/bin/bash
# Part of the demo (demo-in-guest.sh runs it while cgpolicyd runs with the
# database-vs-batch policy): a short memory-pressure episode. db.service gets a
# protection that fits this 2 GiB guest (set-property --runtime MemoryLow=600M;
# the policy's 8G is a real database host's); batch-2.service (sheddable) reads
# a file larger than the room that leaves, so it stalls on memory; the pressure
# loop squeezes it (MemoryHigh lowered step by step, never below the policy's
# floor), and once the batch goes quiet and pressure stays calm it gets its room
# back. batch-2 is left running, quiet. Printed: the Rebalanced signals as `cgpolicyctl monitor` shows them,
# and memory.high over time. Exit 1 when no squeeze or no relaxation is seen.
set -euo pipefail

cg=/sys/fs/cgroup/system.slice
dir=/var/tmp/demo-batch
mon=/tmp/demo-monitor.txt
monitor_pid=""
# batch-2 stays (quiet): demo-in-guest.sh stops it after cgpolicyd, whose stop
# gives it its own values back as it does for every unit it manages
cleanup() {
	set +e
	[[ -n $monitor_pid ]] && kill "$monitor_pid" 2>/dev/null
	cgpolicyctl revert db.service MemoryLow >/dev/null
}
trap cleanup EXIT
high() { cat $cg/batch-2.service/memory.high 2>/dev/null || echo -; }
mib() { [[ $1 =~ ^[0-9]+$ ]] && echo "$(($1 >> 20))M" || echo "$1"; }
state() { busctl get-property org.cgpolicy1 /org/cgpolicy1 org.cgpolicy1.Manager RebalanceState | cut -d'"' -f2; }
# until SECONDS CMD...: poll every 2 s, printing memory.high and PSI as it goes
until_traced() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		((SECONDS < end)) || return 1
		printf '  %4ss  batch-2 memory.high %-6s  system.slice memory %s  db memory %s  loop %s\n' \
			$((SECONDS - t0)) "$(mib "$(high)")" "$(awk '/^some/ { print $2 }' $cg/memory.pressure)" \
			"$(awk '/^some/ { print $2 }' $cg/db.service/memory.pressure)" "$(state)"
		sleep 2
	done
}

printf '\n# cgpolicyctl set-property --runtime db.service MemoryLow=600M\n'
cgpolicyctl set-property --runtime db.service MemoryLow=600M
cgpolicyctl monitor --no-pager >"$mon" 2>&1 &
monitor_pid=$!

# The batch: writes a 1 GiB file, then reads it through again and again while
# $dir/run exists (page cache it keeps losing to its own limit: memory stall).
mkdir -p "$dir" && chown nobody: "$dir" && touch "$dir/run"
cat >/run/demo-batch.py <<'PY'
import os, sys
d = sys.argv[1]
with open(d + "/data", "wb") as f:
    for _ in range(1024):
        f.write(b"\1" * (1 << 20))
fd = os.open(d + "/data", os.O_RDONLY)
while True:
    while os.path.exists(d + "/run"):
        for off in range(0, 1 << 30, 1 << 20):
            os.pread(fd, 1 << 20, off)
    os.system("sleep 1")
PY
printf '[Service]\nUser=nobody\nExecStart=/usr/bin/python3 /run/demo-batch.py %s\n' "$dir" >/run/systemd/system/batch-2.service
systemctl daemon-reload
t0=$SECONDS
printf '\n# systemctl start batch-2.service   (reads a 1 GiB file over and over)\n'
systemctl start batch-2.service
squeezed() { grep -q 'Rebalanced batch-2.service MemoryHigh' "$mon"; }
until_traced 150 squeezed || { echo "demo: no squeeze of batch-2 within 150 s"; cat "$mon"; exit 1; }
until_traced 30 false || true # a few more steps
printf '\n# rm %s/run   (the batch goes quiet)\n' "$dir"
rm -f "$dir/run"
relaxed() { [[ $(state) == idle ]]; }
until_traced 150 relaxed || { echo "demo: the pressure loop did not go idle within 150 s"; cat "$mon"; exit 1; }
printf '  %4ss  batch-2 memory.high %s, loop %s\n' $((SECONDS - t0)) "$(mib "$(high)")" "$(state)"

printf '\n# cgpolicyctl monitor (its Rebalanced lines)\n'
grep 'Rebalanced' "$mon"
printf '\ndb.service memory.events while the batch was squeezed: %s\n' "$(tr '\n' ' ' <$cg/db.service/memory.events)"
