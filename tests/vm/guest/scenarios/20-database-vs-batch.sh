#!/bin/bash
# The shipped database-vs-batch policy on real systemd: db.service (User=postgres,
# as PostgreSQL runs) and batch-N.service (User=nobody) get exactly the policy's
# values, in their cgroup files and in `systemctl show`; a batch unit started
# later gets them too; OOMScoreAdjust reaches every process of db, also ones
# forked or moved in after the daemon applied it; an "exe" match works for a
# service of another user.
# cgtest-timeout: 600
# shellcheck source=SCRIPTDIR/../lib.sh
. "$CGTEST_LIB"

policy=/etc/cgpolicyd/policies.d/database-vs-batch.json
exe_policy=/etc/cgpolicyd/policies.d/60-cgtest-exe.json
units=(db.service batch-1.service batch-2.service)
fifo=/run/cgtest-db/fifo
cleanup() {
	set +e
	systemctl stop cgpolicyd.service 2>/dev/null || true
	systemctl stop "${units[@]}" 2>/dev/null || true
	[[ -n ${stray-} ]] && kill "$stray" 2>/dev/null
	rm -f "$policy" "$exe_policy" /run/cgtest-db.sh "${units[@]/#//run/systemd/system/}"
	rm -rf /var/lib/cgpolicyd/* /run/cgpolicyd/* /run/systemd/system.control/{db,batch-1,batch-2}.service.d
	systemctl daemon-reload
}
trap cleanup EXIT

mkdir -p /etc/cgpolicyd/policies.d
install -m 0644 /usr/share/doc/cgpolicyd/examples/database-vs-batch.json "$policy"
cgpolicyctl check "$policy" || fail "shipped policy does not pass cgpolicyctl check"
# matched by executable: /proc/PID/exe of another user's process needs CAP_SYS_PTRACE
cat >"$exe_policy" <<'JSON'
{ "policies": [ { "name": "sleepers", "match": { "unit": "batch-*.service", "exe": "/usr/bin/sleep" },
                  "properties": { "TasksMax": 77 } } ] }
JSON
id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres

# db, as user postgres: a shell that forks a second process only when told to
# (through the FIFO), i.e. after the daemon has already written oom_score_adj.
cat >/run/cgtest-db.sh <<SH
mkfifo $fifo
sleep infinity &
read -r _ <$fifo
bash -c 'echo \$\$ >/run/cgtest-db/child; exec sleep infinity' &
wait
SH
printf '[Service]\nUser=postgres\nRuntimeDirectory=cgtest-db\nExecStart=/bin/bash /run/cgtest-db.sh\n' >/run/systemd/system/db.service
for b in batch-1 batch-2; do
	printf '[Service]\nUser=nobody\nExecStart=/bin/sleep infinity\n' >"/run/systemd/system/$b.service"
done
systemctl daemon-reload
systemctl start db.service batch-1.service
for u in db.service batch-1.service; do
	assert_eq "$(show "$u" Slice)" system.slice "$u slice"
done
# What systemd had before the daemon: the defaults, so a change is visible.
assert_eq "$(show db.service CPUWeight)" "[not set]" "db CPUWeight before"
assert_eq "$(cgfile db.service cpu.weight 2>/dev/null || echo 100)" 100 "db cpu.weight before"

systemctl start cgpolicyd.service

check_db() {
	# shellcheck disable=SC2016 # eval'ed by wait_until
	wait_until '[[ $(cgfile db.service cpu.weight 2>/dev/null) == 800 ]]' 90
	assert_eq "$(cgfile db.service cpu.weight)" 800 "db cpu.weight"
	assert_eq "$(cgfile db.service io.weight)" "default 800" "db io.weight"
	assert_eq "$(cgfile db.service memory.low)" 8589934592 "db memory.low"
	assert_eq "$(cgfile db.service memory.max)" max "db memory.max (not in the policy)"
	assert_eq "$(show db.service CPUWeight)" 800 "db systemctl show CPUWeight"
	assert_eq "$(show db.service IOWeight)" 800 "db systemctl show IOWeight"
	assert_eq "$(show db.service MemoryLow)" 8589934592 "db systemctl show MemoryLow"
	assert_eq "$(show db.service MemoryMax)" infinity "db systemctl show MemoryMax (not in the policy)"
}
check_batch() { # UNIT
	# shellcheck disable=SC2016 # eval'ed by wait_until
	wait_until '[[ $(cgfile '"$1"' cpu.weight 2>/dev/null) == 20 ]]' 90
	assert_eq "$(cgfile "$1" cpu.weight)" 20 "$1 cpu.weight"
	assert_eq "$(cgfile "$1" io.weight)" "default 20" "$1 io.weight"
	assert_eq "$(cgfile "$1" memory.max)" 1073741824 "$1 memory.max"
	assert_eq "$(cgfile "$1" pids.max)" 77 "$1 pids.max (exe match on a User=nobody service)"
	assert_eq "$(cgfile "$1" memory.low)" 0 "$1 memory.low (not in the policy)"
	assert_eq "$(show "$1" CPUWeight)" 20 "$1 systemctl show CPUWeight"
	assert_eq "$(show "$1" IOWeight)" 20 "$1 systemctl show IOWeight"
	assert_eq "$(show "$1" MemoryMax)" 1073741824 "$1 systemctl show MemoryMax"
	for pid in $(cgfile "$1" cgroup.procs); do
		assert_eq "$(cat "/proc/$pid/oom_score_adj")" 0 "$1 PID $pid oom_score_adj (not in the policy)"
	done
}
check_oom() { # every process of db.service
	local pid
	for pid in $(cgfile db.service cgroup.procs); do
		assert_eq "$(cat "/proc/$pid/oom_score_adj")" -900 "db.service PID $pid ($(cat "/proc/$pid/comm")) oom_score_adj"
	done
}

check_db
check_batch batch-1.service
# shellcheck disable=SC2016 # eval'ed by wait_until
wait_until '[[ $(cat /proc/$(show db.service MainPID)/oom_score_adj) == -900 ]]' 60
check_oom
log "db and batch-1 hold the policy's values"

assert_eq "$(show db.service User)" postgres "db.service User="
for pid in $(cgfile db.service cgroup.procs); do
	assert_eq "$(stat -c %U "/proc/$pid")" postgres "owner of db.service PID $pid"
done

# A process db forks now, after the daemon wrote oom_score_adj.
# shellcheck disable=SC2016 # eval'ed by wait_until
wait_until '[[ -p $fifo ]]' 30
echo go >"$fifo"
wait_until '[[ -s /run/cgtest-db/child ]]' 30
child=$(cat /run/cgtest-db/child)
grep -qx "$child" /sys/fs/cgroup/system.slice/db.service/cgroup.procs || fail "forked child $child not in db.service"
assert_eq "$(cat "/proc/$child/oom_score_adj")" -900 "oom_score_adj of db's later child $child"

# A process moved into db's cgroup from outside (it starts with oom_score_adj 0):
# the daemon sees cgroup.procs change and writes it too.
sleep infinity &
stray=$!
echo 0 >"/proc/$stray/oom_score_adj"
echo "$stray" >/sys/fs/cgroup/system.slice/db.service/cgroup.procs
# shellcheck disable=SC2016 # eval'ed by wait_until
wait_until '[[ $(cat /proc/$stray/oom_score_adj) == -900 ]]' 60
check_oom

# A batch unit started while the daemon runs.
systemctl start batch-2.service
check_batch batch-2.service
check_batch batch-1.service
check_db

explain=$(cgpolicyctl explain db.service --no-pager)
printf '%s\n' "$explain"
assert_contains "$explain" database "explain db.service names the policy"
list=$(cgpolicyctl list --no-pager)
for u in "${units[@]}"; do assert_contains "$list" "$u" "cgpolicyctl list"; done
