#!/bin/bash
# Crash safety: SIGKILL the daemon while it is setting up many units and right
# after a set-property, let it restart: the same values come out, overrides are
# kept, and the originals are not stacked — stopping the daemon afterwards gives
# every unit its own unit-file values back, not values of a previous daemon.
# cgtest-timeout: 900
# shellcheck source=SCRIPTDIR/../lib.sh
. "$CGTEST_LIB"

n=32
policy=/etc/cgpolicyd/policies.d/60-cgtest-crash.json
units=()
for ((i = 1; i <= n; i++)); do units+=("cgtest-crash-$i.service"); done
cleanup() {
	set +e
	systemctl stop cgpolicyd.service 2>/dev/null
	systemctl stop "${units[@]}" 2>/dev/null
	for u in "${units[@]}"; do rm -rf "/run/systemd/system/$u" "/run/systemd/system.control/$u.d"; done
	rm -rf "$policy" /var/lib/cgpolicyd/* /run/cgpolicyd/*
	systemctl daemon-reload
}
trap cleanup EXIT

mkdir -p /etc/cgpolicyd/policies.d
cat >"$policy" <<'JSON'
{ "policies": [ { "name": "crash", "match": { "unit": "cgtest-crash-*.service" },
                  "properties": { "CPUWeight": 33, "MemoryHigh": "200M" } } ] }
JSON
for u in "${units[@]}"; do
	printf '[Service]\nExecStart=/bin/sleep infinity\nCPUWeight=120\nMemoryHigh=400M\n' >"/run/systemd/system/$u"
done
systemctl daemon-reload
systemctl start "${units[@]}"

weight() { cgfile "$1" cpu.weight; }
all_hold() { # CPUWEIGHT MEMORYHIGH [UNIT=WEIGHT...] — every unit, cgroup and systemd
	local want_w=$1 want_h=$2 u w
	shift 2
	declare -A special=()
	for kv in "$@"; do special[${kv%%=*}]=${kv#*=}; done
	for u in "${units[@]}"; do
		w=${special[$u]:-$want_w}
		[[ $(cgfile "$u" cpu.weight) == "$w" && $(cgfile "$u" memory.high) == "$want_h" ]] || return 1
		[[ $(show "$u" CPUWeight) == "$w" && $(show "$u" MemoryHigh) == "$want_h" ]] || return 1
	done
}
dump() { for u in "${units[@]}"; do echo "$u: $(cgfile "$u" cpu.weight) $(cgfile "$u" memory.high) / $(show "$u" CPUWeight) $(show "$u" MemoryHigh)"; done; }
settle() { # TIMEOUT WHY ARGS... — all_hold ARGS within TIMEOUT, else show every unit and fail
	local end=$((SECONDS + $1)) why=$2
	shift 2
	until all_hold "$@"; do
		((SECONDS < end)) || { dump; fail "$why: not every unit holds $*"; }
		sleep 0.5
	done
}
restarted() { # OLDPID — systemd brought it back (Restart=on-failure), or we do
	# shellcheck disable=SC2016 # eval'ed by wait_until
	wait_until '[[ $(show cgpolicyd.service MainPID) != '"$1"' && $(show cgpolicyd.service ActiveState) != deactivating ]]' 60
	systemctl start cgpolicyd.service
	assert_eq "$(show cgpolicyd.service ActiveState)" active "cgpolicyd after the crash"
}

# 1. Killed right after READY=1, while the units are still being discovered.
systemctl start cgpolicyd.service
pid=$(show cgpolicyd.service MainPID)
systemctl kill -s KILL cgpolicyd.service
done_before=$(for u in "${units[@]}"; do weight "$u"; done | grep -cx 33 || true)
log "crash 1: killed PID $pid right after READY, $done_before of $n units done"
restarted "$pid"
settle 180 "after the first crash" 33 209715200

# 2. Killed in the middle of applying a policy change to all units: as soon as
# the first unit shows the new value.
# (a step of 1 would not do: core/property.c takes cpu.weight ±1 as satisfied)
sed -i 's/"CPUWeight": 33/"CPUWeight": 60/' "$policy"
pid=$(show cgpolicyd.service MainPID)
cgpolicyctl reload
end=$((SECONDS + 120)) # no sleep: the kill should land while the calls are in flight
until grep -qsx 60 /sys/fs/cgroup/system.slice/cgtest-crash-*.service/cpu.weight; do
	((SECONDS < end)) || fail "the reload changed no unit within 120 s"
done
systemctl kill -s KILL cgpolicyd.service
done_before=$(for u in "${units[@]}"; do weight "$u"; done | grep -cx 60 || true)
log "crash 2: killed PID $pid in the middle of a reload, $done_before of $n units done"
restarted "$pid"
settle 180 "after the second crash" 60 209715200

# 3. Killed right after a persistent and a runtime set-property.
cgpolicyctl set-property cgtest-crash-2.service CPUWeight=77
cgpolicyctl set-property --runtime cgtest-crash-3.service CPUWeight=88
pid=$(show cgpolicyd.service MainPID)
systemctl kill -s KILL cgpolicyd.service
restarted "$pid"
settle 180 "after the set-property crash" 60 209715200 cgtest-crash-2.service=77 cgtest-crash-3.service=88
log "crash 3 (right after set-property): overrides kept"

# 4. A crash with nothing to do: a restart reconciles, changes nothing.
pid=$(show cgpolicyd.service MainPID)
systemctl kill -s KILL cgpolicyd.service
restarted "$pid"
settle 180 "after the idle crash" 60 209715200 cgtest-crash-2.service=77 cgtest-crash-3.service=88

# 5. Revert the overrides: back to the policy, not to a crashed daemon's value.
cgpolicyctl revert cgtest-crash-2.service
cgpolicyctl revert cgtest-crash-3.service
settle 120 "after revert" 60 209715200

# 6. The true originals: stopping the daemon gives back the unit files' values.
systemctl stop cgpolicyd.service
settle 120 "originals after stopping the daemon (stacked?)" 120 419430400
log "after stop: every unit back at CPUWeight=120 MemoryHigh=400M"
