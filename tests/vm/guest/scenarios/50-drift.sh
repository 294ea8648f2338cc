#!/bin/bash
# Drift on real systemd: a value written straight into cpu.weight / memory.high
# behind everyone's back, and a `systemctl daemon-reload` after the runtime
# drop-ins were wiped (systemd falls back to the unit file) are both noticed and
# the policy's values are re-asserted, in the cgroup and in systemd.
# cgtest-timeout: 500
# shellcheck source=SCRIPTDIR/../lib.sh
. "$CGTEST_LIB"

unit=cgtest-drift.service
policy=/etc/cgpolicyd/policies.d/50-cgtest-drift.json
cleanup() {
	set +e
	systemctl stop cgpolicyd.service "$unit" 2>/dev/null
	rm -rf "$policy" "/run/systemd/system/$unit" "/run/systemd/system.control/$unit.d" /var/lib/cgpolicyd/* /run/cgpolicyd/*
	systemctl daemon-reload
}
trap cleanup EXIT

mkdir -p /etc/cgpolicyd/policies.d
cat >"$policy" <<'JSON'
{ "policies": [ { "name": "drift", "match": { "unit": "cgtest-drift.service" },
                  "properties": { "CPUWeight": 444, "MemoryHigh": "300M" } } ] }
JSON
printf '[Service]\nExecStart=/bin/sleep infinity\nCPUWeight=150\n' >"/run/systemd/system/$unit"
systemctl daemon-reload
systemctl start "$unit"

holds() { # WHY — the policy's values, in the cgroup and in systemd
	# shellcheck disable=SC2016 # eval'ed by wait_until
	wait_until '[[ $(cgfile '"$unit"' cpu.weight) == 444 && $(cgfile '"$unit"' memory.high) == 314572800 ]]' 90
	# shellcheck disable=SC2016
	wait_until '[[ $(show '"$unit"' CPUWeight) == 444 && $(show '"$unit"' MemoryHigh) == 314572800 ]]' 60
	log "$1: cpu.weight 444, memory.high 314572800, systemd agrees"
}
journal_since() { # CURSOR — the daemon's journal lines after CURSOR
	journalctl -q --no-pager -o cat -u cgpolicyd.service --after-cursor="$1"
}
cursor() { journalctl -q -n0 --show-cursor -u cgpolicyd.service | sed -n 's/^-- cursor: //p'; }

systemctl start cgpolicyd.service
holds "initial apply"

# 1. Direct writes to the cgroup files: systemd does not see them, the daemon does.
c=$(cursor)
echo 100 >"/sys/fs/cgroup/system.slice/$unit/cpu.weight"
holds "after a direct write to cpu.weight"
echo max >"/sys/fs/cgroup/system.slice/$unit/memory.high"
holds "after a direct write to memory.high"
journalctl --sync
log "daemon said: $(journal_since "$c" | tr '\n' '|')"
[[ -n $(journal_since "$c") ]] || fail "the daemon logged nothing about the drift"

# 2. daemon-reload after the runtime drop-ins went away: systemd puts the unit
# file's CPUWeight=150 and the default memory.high back, the daemon re-asserts.
c=$(cursor)
dropins=$(ls "/run/systemd/system.control/$unit.d" 2>/dev/null || true)
log "systemd's runtime drop-ins: $(echo $dropins)"
assert_contains "$dropins" CPUWeight "runtime drop-ins the daemon made through systemd"
rm -rf "/run/systemd/system.control/$unit.d"
systemctl daemon-reload
holds "after daemon-reload"
journalctl --sync
journal_since "$c" | grep -q "reloaded" || fail "no re-assert after daemon-reload in the daemon's journal: $(journal_since "$c")"
[[ -d /run/systemd/system.control/$unit.d ]] || fail "the daemon did not re-assert through systemd (no new drop-ins)"
