#!/bin/bash
# Protection and the pressure loop on real systemd, real PSI, real memory
# pressure (direction only, no timings asserted). A database-like reader
# (User=postgres, random 4 KiB preads over a page-cached file, protected) runs
# beside a batch job that grows anonymous memory toward all the guest has
# (sheddable, no swap). Shows:
# - triggers are armed on system.slice and on the protected unit although
#   systemd's discovery finds them after start-up (on the old code: never);
# - system.slice's MemoryLow is raised to cover the reader's (it is 0 on a
#   stock host, which voids every MemoryLow below it);
# - the batch is held to the headroom the reader's protection leaves (without
#   it the guest froze with PSI at 0.00%: see git log), never below its
#   anonymous usage; the reader keeps its cache and the guest stays responsive;
# - the batch stops promptly, and leaves no limit behind in systemd: no
#   drop-in, its next start is not held back; the loop goes idle;
# - the reader's trigger is re-armed when its cgroup goes and comes back;
# - stopping cgpolicyd restores everything and removes its drop-ins, so an
#   edit of the unit file and a daemon-reload win.
# Figures (reads/s, PSI, memory.high over time) go to the artifacts.
# cgtest-timeout: 900
# shellcheck disable=SC2016 # wait_until evals its single-quoted commands
# shellcheck source=SCRIPTDIR/../lib.sh
. "$CGTEST_LIB"

policy=/etc/cgpolicyd/policies.d/50-cgtest-pressure.json
data=/var/lib/cgtest-db/data
units=(cgtest-db.service cgtest-batch.service)
trace=$CGTEST_ARTIFACTS/trace.tsv
cleanup() {
	set +e
	[[ -n ${sampler-} ]] && kill "$sampler" 2>/dev/null
	systemctl stop cgpolicyd.service "${units[@]}" 2>/dev/null
	rm -rf "$policy" /var/lib/cgtest-db /run/cgtest-*.py /var/lib/cgpolicyd/* /run/cgpolicyd/*
	rm -rf "${units[@]/#//run/systemd/system/}" "${units[@]/#//run/systemd/system.control/}" \
		/run/systemd/system.control/system.slice.d
	systemctl daemon-reload
}
trap cleanup EXIT

id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres

# The reader: warm the file into the page cache, then random 4 KiB preads,
# reporting its count once a second.
mkdir -p /var/lib/cgtest-db
dd if=/dev/zero of="$data" bs=1M count=384 status=none
chown -R postgres: /var/lib/cgtest-db
# out of the cache, so that the reader's reads charge it to the reader's cgroup
sync
echo 3 >/proc/sys/vm/drop_caches
cat >/run/cgtest-reader.py <<'PY'
import os, random, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY)
size = os.fstat(fd).st_size
pages = size // 4096
for off in range(0, size, 1 << 20):
    os.pread(fd, 1 << 20, off)
n, last = 0, time.monotonic()
while True:
    os.pread(fd, 4096, random.randrange(pages) * 4096)
    n += 1
    now = time.monotonic()
    if now - last >= 1:
        with open("/run/cgtest-db/reads.tmp", "w") as f:
            f.write(f"{n}\n")
        os.rename("/run/cgtest-db/reads.tmp", "/run/cgtest-db/reads")
        last = now
PY
# The batch: grows anonymous memory 8 MiB every 0.25 s (32 MiB/s) up to argv[1]
# MiB, then holds it; a heartbeat file counts its loop iterations (progress).
cat >/run/cgtest-batch.py <<'PY'
import os, sys, time
target, chunks, beat = int(sys.argv[1]), [], 0
while True:
    if len(chunks) * 8 < target:
        chunks.append(b"\1" * (8 << 20))
    time.sleep(0.25)
    beat += 1
    with open("/run/cgtest-batch/beat.tmp", "w") as f:
        f.write(f"{beat} {len(chunks) * 8}\n")
    os.rename("/run/cgtest-batch/beat.tmp", "/run/cgtest-batch/beat")
PY
cat >/run/systemd/system/cgtest-db.service <<EOF
[Service]
User=postgres
RuntimeDirectory=cgtest-db
ExecStart=/usr/bin/python3 /run/cgtest-reader.py $data
EOF

mkdir -p /etc/cgpolicyd/policies.d
cat >"$policy" <<'JSON'
{ "policies": [
  { "name": "db", "class": "protected", "match": { "unit": "cgtest-db.service", "user": "postgres" },
    "properties": { "MemoryLow": "400M" } },
  { "name": "batch", "class": "sheddable", "match": { "unit": "cgtest-batch.service" },
    "properties": { "CPUWeight": 20 }, "pressure": { "floor": { "MemoryHigh": "64M" } } } ],
  "pressure": { "memory": { "trigger": "some 100ms 1s", "calm": "some avg10<2", "hold": "15s",
                            "interval": "2s", "step": "10%", "mode": "throttle" } } }
JSON
cgpolicyctl check "$policy" || fail "pressure policy does not pass cgpolicyctl check"
systemctl daemon-reload
systemctl start cgtest-db.service
wait_until '[[ -s /run/cgtest-db/reads ]]' 120
log "reader warm: $(cgfile cgtest-db.service memory.current) bytes, system.slice memory.low $(cgfile /system.slice memory.low)"

# the whole journal's cursor: the daemon may have no entries yet
cursor() { journalctl -q -n0 --show-cursor | sed -n 's/^-- cursor: //p'; }
journal_since() { journalctl -q --no-pager -o cat -u cgpolicyd.service --after-cursor="$1"; }
c0=$(cursor)
systemctl start cgpolicyd.service
wait_until '[[ $(cgfile cgtest-db.service memory.low) == 419430400 ]]' 90

# 1. triggers armed once discovery found the slice and the protected unit
# shellcheck disable=SC2016 # eval'ed by wait_until
wait_until 'journalctl --sync; journal_since "$c0" | grep -q "^system.slice: PSI trigger .* armed on memory.pressure"' 60
journal_since "$c0" | grep -q "^cgtest-db.service: PSI trigger .* armed on memory.pressure" ||
	fail "no PSI trigger armed on the protected unit: $(journal_since "$c0" | grep -i psi)"
log "armed: $(journal_since "$c0" | grep 'PSI trigger' | tr '\n' '|')"

# 2. the slice covers the reader's protection
wait_until '[[ $(cgfile /system.slice memory.low) -ge 419430400 ]]' 60
assert_eq "$(show system.slice MemoryLow)" "$(cgfile /system.slice memory.low)" "systemd's system.slice MemoryLow"
log "system.slice memory.low $(cgfile /system.slice memory.low) (was 0)"

# 3. real pressure: the batch grows toward everything the guest has
stat_key() { awk -v k="$2" '$1 == k { print $2 }' "/sys/fs/cgroup/system.slice/$1/memory.stat"; }
avail_mib=$(($(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo) / 1024))
target=$((avail_mib - 160))
log "MemAvailable ${avail_mib} MiB (the reader's cache included): the batch grows to ${target} MiB"
printf '[Service]\nRuntimeDirectory=cgtest-batch\nExecStart=/usr/bin/python3 /run/cgtest-batch.py %s\nTimeoutStopSec=60s\n' \
	"$target" >/run/systemd/system/cgtest-batch.service
systemctl daemon-reload
printf 'time\treads\tdb_some_avg10\tslice_some_avg10\tbatch_high\tbatch_anon\tdb_file\n' >"$trace"
sample() {
	local t0 s
	t0=$(date +%s)
	while sleep 1; do
		s=$(awk '/^some/ { sub("avg10=", "", $2); print $2 }' /sys/fs/cgroup/system.slice/cgtest-db.service/memory.pressure)
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' $(($(date +%s) - t0)) "$(cat /run/cgtest-db/reads 2>/dev/null)" "$s" \
			"$(awk '/^some/ { sub("avg10=", "", $2); print $2 }' /sys/fs/cgroup/system.slice/memory.pressure)" \
			"$(cat /sys/fs/cgroup/system.slice/cgtest-batch.service/memory.high 2>/dev/null)" \
			"$(stat_key cgtest-batch.service anon 2>/dev/null)" "$(stat_key cgtest-db.service file)" >>"$trace"
	done
}
sample &
sampler=$!
c1=$(cursor)
systemctl start cgtest-batch.service
wait_until '[[ $(cgfile cgtest-batch.service memory.high) =~ ^[0-9]+$ ]]' 60
cap=$(cgfile cgtest-batch.service memory.high)
log "batch held to the headroom: memory.high $cap ($((cap >> 20)) MiB of the ${target} MiB it wants)"
((cap <= (avail_mib - 400) << 20)) || fail "headroom $cap leaves less than the reader's 400M"
cgpolicyctl explain cgtest-batch.service | grep -q 'MemoryHigh.*hierarchy.*headroom' ||
	fail "explain does not name the headroom: $(cgpolicyctl explain cgtest-batch.service)"
assert_eq "$(show cgtest-batch.service MemoryHigh)" "$cap" "systemd's MemoryHigh of the batch"

# the batch reaches its limit and is held there; the guest keeps running
wait_until '[[ $(stat_key cgtest-batch.service anon) -ge $((cap - (64 << 20))) ]]' 300
log "batch at its limit: anon $(stat_key cgtest-batch.service anon), memory.current $(cgfile cgtest-batch.service memory.current)"
beat0=$(cat /run/cgtest-batch/beat)
lines0=$(wc -l <"$trace")
sleep 30
lines1=$(wc -l <"$trace")
log "batch heartbeat (iterations, MiB) $beat0 → $(cat /run/cgtest-batch/beat) in 30 s while held; sampler $((lines1 - lines0)) samples in 30 s"
# the sampler takes ~3 s a round under TCG, calm or not
((lines1 - lines0 >= 5)) || fail "the guest froze while the batch was held: $((lines1 - lines0)) samples in 30 s"
db_file=$(stat_key cgtest-db.service file)
log "reader's cache $((db_file >> 20)) MiB of its 384 MiB file; memory.events: $(tr '\n' ' ' </sys/fs/cgroup/system.slice/cgtest-db.service/memory.events)"
((db_file >= 360 << 20)) || fail "the reader lost its cache: $db_file bytes"
assert_eq "$(show cgtest-batch.service ActiveState)" active "the batch (no OOM kill)"
journalctl --sync
log "decisions: $(journal_since "$c1" | grep -c ' → ')"
journal_since "$c1" | grep ' → ' | head -10 | sed 's/^/  /'

# 4. the batch stops promptly and leaves nothing behind in systemd
dropin=/run/systemd/system.control/cgtest-batch.service.d/50-MemoryHigh.conf
[[ -e $dropin ]] || fail "no runtime drop-in for the batch's MemoryHigh: $(ls -R /run/systemd/system.control)"
t=$(date +%s%N)
systemctl stop cgtest-batch.service
log "batch stopped in $((($(date +%s%N) - t) / 1000000)) ms"
assert_eq "$(show cgtest-batch.service Result)" success "batch stop result"
wait_until '[[ ! -e $dropin ]]' 60
wait_until '[[ $(show cgtest-batch.service MemoryHigh) == infinity ]]' 60
log "stopped batch: drop-in gone, MemoryHigh infinity in systemd"
# its next start, with cgpolicyd not running, is not held back
# What the system bus carries while nothing should happen: a stream of calls
# to PID 1 keeps its idle-priority job queue from ever running.
bus_traffic() { # NAME — 5 s of the system bus, counted by member, into the artifacts
	timeout 5 busctl monitor --system >"$CGTEST_ARTIFACTS/bus-$1.txt" 2>&1 || true
	log "bus traffic in 5 s ($1): $(grep -o 'Member=[A-Za-z]*' "$CGTEST_ARTIFACTS/bus-$1.txt" | sort | uniq -c | sort -rn | head -8 | tr -s ' \n' ' ')"
}
bus_traffic calm
t=$(date +%s%N)
systemctl stop --no-block cgpolicyd.service
deadline=$((SECONDS + 90))
while ((SECONDS < deadline)) && [[ $(show cgpolicyd.service ActiveState) != inactive ]]; do sleep 0.2; done
if [[ $(show cgpolicyd.service ActiveState) != inactive ]]; then
	log "stop hung: $(top -bn1 | head -15 | tr '\n' '|')"
	log "jobs: $(timeout 5 systemctl list-jobs --no-pager 2>&1 | tr '\n' '|')"
	log "cgpolicyd: $(ps -o pid,stat,wchan:32,pcpu,cmd -C cgpolicyd | tr '\n' '|') pid1: $(ps -o stat,wchan:32,pcpu -p 1 | tr '\n' '|')"
	bus_traffic hung
	journalctl -u cgpolicyd.service -n 200 --no-pager >"$CGTEST_ARTIFACTS/cgpolicyd-hung.log" 2>&1
	pid=$(pidof cgpolicyd) && kill -STOP "$pid" && sleep 10 &&
		log "with cgpolicyd stopped (SIGSTOP) 10 s: $(timeout 5 systemctl list-jobs --no-pager 2>&1 | tr '\n' '|')" &&
		kill -CONT "$pid"
	fail "systemctl stop cgpolicyd hung"
fi
log "cgpolicyd stopped in $((($(date +%s%N) - t) / 1000000)) ms"
printf '[Service]\nExecStart=/bin/sleep infinity\n' >/run/systemd/system/cgtest-batch.service
systemctl daemon-reload
assert_eq "$(show cgtest-batch.service NeedDaemonReload)" no "NeedDaemonReload of the batch after daemon-reload"
systemctl start cgtest-batch.service
assert_eq "$(cgfile cgtest-batch.service memory.high)" max "batch memory.high at its next start without cgpolicyd"
systemctl stop cgtest-batch.service
kill "$sampler" 2>/dev/null || true
sampler=
systemctl start cgpolicyd.service
wait_until '[[ $(cgfile /system.slice memory.low) -ge 419430400 ]]' 60
wait_until '[[ $(busctl get-property org.cgpolicy1 /org/cgpolicy1 org.cgpolicy1.Manager RebalanceState) == "s \"idle\"" ]]' 120

# 5. the protected unit's cgroup goes and comes back: re-armed
c2=$(cursor)
systemctl restart cgtest-db.service
# shellcheck disable=SC2016 # eval'ed by wait_until
wait_until 'journalctl --sync; journal_since "$c2" | grep -q "^cgtest-db.service: PSI trigger .* armed"' 90
log "re-armed after restart: $(journal_since "$c2" | grep 'PSI trigger' | tr '\n' '|')"

# 6. stop: everything back, our drop-ins gone, and the unit file wins
systemctl stop cgpolicyd.service
assert_eq "$(cgfile /system.slice memory.low)" 0 "system.slice memory.low after stop"
assert_eq "$(cgfile cgtest-db.service memory.low)" 0 "reader memory.low after stop"
left=$(find /run/systemd/system.control -name '50-*.conf' 2>/dev/null)
[[ -z $left ]] || fail "drop-ins left behind after stop: $left"
printf 'MemoryLow=100M\n' >>/run/systemd/system/cgtest-db.service
systemctl daemon-reload
assert_eq "$(show cgtest-db.service NeedDaemonReload)" no "NeedDaemonReload of the reader"
assert_eq "$(cgfile cgtest-db.service memory.low)" 104857600 "reader memory.low after a unit file edit"
log "after stop: no drop-ins, the unit file's MemoryLow=100M took effect"
log "trace: $(wc -l <"$trace") samples in $trace"
