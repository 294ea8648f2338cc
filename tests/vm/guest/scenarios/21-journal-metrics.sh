#!/bin/bash
# What an admin sees of cgpolicyd on a real host (issue 11): `journalctl -u
# db.service` shows the daemon's structured entries about db.service (MESSAGE_ID,
# OBJECT_SYSTEMD_UNIT, the CGPOLICYD_* fields), and the metrics (`cgpolicyctl
# metrics`, the --metrics-file textfile, Debian's node_exporter scraping it as
# user prometheus) carry db.service's series with values from its real cgroup.
# db.service runs as User=postgres, as PostgreSQL does.
# shellcheck source=SCRIPTDIR/../lib.sh
. "$CGTEST_LIB"

policy=/etc/cgpolicyd/policies.d/database-vs-batch.json
textdir=/var/lib/prometheus/node-exporter
prom=$textdir/cgpolicyd.prom
dropin=/run/systemd/system/cgpolicyd.service.d/50-cgtest-metrics.conf
exporter=cgtest-node-exporter.service
id_apply=562db62eaf2740ee98af50f0df8d87ca
id_restore=b3920793c7b44a26b7e32f8a10aef13f
cleanup() {
	set +e
	systemctl stop cgpolicyd.service db.service "$exporter" 2>/dev/null
	rm -f "$policy" "$dropin" "$prom" /run/systemd/system/db.service
	rm -rf /var/lib/cgpolicyd/* /run/cgpolicyd/* /run/systemd/system.control/db.service.d
	systemctl daemon-reload
}
trap cleanup EXIT

mkdir -p /etc/cgpolicyd/policies.d "$textdir" "${dropin%/*}"
install -m 0644 /usr/share/doc/cgpolicyd/examples/database-vs-batch.json "$policy"
id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
# 32 MiB of its own, so memory.current is a figure worth comparing
printf '[Service]\nUser=postgres\nExecStart=/usr/bin/python3 -c "b = bytearray(32 << 20); b[::4096] = b\\"x\\" * len(b[::4096]); import time; time.sleep(1e6)"\n' \
	>/run/systemd/system/db.service
# the textfile as README says: --metrics-file in ExecStart=, and a path the sandbox may write
printf '[Service]\nExecStart=\nExecStart=/usr/sbin/cgpolicyd --metrics-file=%s --metrics-interval=1\nReadWritePaths=%s\n' \
	"$prom" "$textdir" >"$dropin"
systemctl daemon-reload
systemctl start db.service
since=$(date '+%Y-%m-%d %H:%M:%S')
systemctl start cgpolicyd.service
# shellcheck disable=SC2016 # eval'ed by wait_until
wait_until '[[ $(cgfile db.service cpu.weight 2>/dev/null) == 800 ]]' 90
assert_eq "$(show db.service User)" postgres "db.service User="

# (a) the journal, as `journalctl -u db.service` shows it. -o verbose: one entry
# per block, its first line unindented; pick the apply of CPUWeight.
entry_of() { # PROPERTY MESSAGE_ID: the first such entry about db.service
	journalctl -u db.service --since "$since" -o verbose --no-pager 2>/dev/null | awk -v p="$1" -v id="$2" '
		function match_blk() { return blk ~ "\n    CGPOLICYD_PROPERTY=" p "\n" && blk ~ "\n    MESSAGE_ID=" id "\n" }
		/^[^ ]/ { if (match_blk()) exit; blk = "" }
		{ blk = blk $0 "\n" }
		END { if (match_blk()) printf "%s", blk }'
}
# shellcheck disable=SC2016 # eval'ed by wait_until
wait_until '[[ -n $(entry_of CPUWeight '"$id_apply"') ]]' 60
entry=$(entry_of CPUWeight "$id_apply")
log "journalctl -u db.service -o verbose, cgpolicyd's entry for CPUWeight:"
printf '%s\n' "$entry" | tee "$CGTEST_ARTIFACTS/journal-apply.txt"
for f in MESSAGE_ID=$id_apply OBJECT_SYSTEMD_UNIT=db.service CGPOLICYD_DECISION=apply CGPOLICYD_UNIT=db.service \
	CGPOLICYD_PROPERTY=CPUWeight CGPOLICYD_NEW_VALUE=800 CGPOLICYD_LAYER=policy CGPOLICYD_REASON= \
	SYSLOG_IDENTIFIER=cgpolicyd _SYSTEMD_UNIT=cgpolicyd.service _UID=0; do
	assert_contains "$entry" "    $f" "journalctl -u db.service entry"
done
for p in IOWeight MemoryLow OOMScoreAdjust; do
	[[ -n $(entry_of "$p" "$id_apply") ]] || fail "journalctl -u db.service has no apply entry for $p"
done
log "and for OOMScoreAdjust (written to each process): $(entry_of OOMScoreAdjust "$id_apply" | grep -E '^    (MESSAGE|CGPOLICYD_[A-Z_]+)=' | tr -s ' \n' ' ')"

# (b) the metrics, from the real cgroup: memory.current of db.service, at least its 32 MiB
series() { # FILE NAME{LABELS}: the value
	awk -v s="$2" '$1 == s { print $2; exit }' "$1"
}
cgpolicyctl metrics >metrics.txt
cp metrics.txt "$CGTEST_ARTIFACTS/metrics.txt"
log "cgpolicyctl metrics, db.service's series:"
grep 'unit="db.service"' metrics.txt | grep -v '_bucket' | head -n 20
mem=$(series metrics.txt 'cgpolicyd_memory_current_bytes{unit="db.service"}')
file_mem=$(cgfile db.service memory.current)
[[ -n $mem ]] || fail "cgpolicyctl metrics has no cgpolicyd_memory_current_bytes for db.service"
python3 -c "import sys; m, f = float(sys.argv[1]), float(sys.argv[2]); sys.exit(not (m >= 32 * 2**20 and 0.5 < m / f < 2))" \
	"$mem" "$file_mem" || fail "memory current of db.service: metrics say $mem, memory.current says $file_mem"
assert_eq "$(series metrics.txt 'cgpolicyd_property_applied_weight{unit="db.service",property="CPUWeight"}')" 800 \
	"metrics: applied CPUWeight of db.service"
assert_eq "$(series metrics.txt 'cgpolicyd_property_readback{unit="db.service",property="CPUWeight",status="ok"}')" 1 \
	"metrics: read-back of db.service's CPUWeight"

# the textfile: written by the sandboxed daemon, readable by others
wait_until test -s "$prom" 30
assert_eq "$(stat -c '%U %a' "$prom")" "root 644" "owner and mode of $prom"
# shellcheck disable=SC2016 # eval'ed by wait_until
wait_until '[[ -n $(series "$prom" "cgpolicyd_memory_current_bytes{unit=\"db.service\"}") ]]' 30
log "$prom: $(grep -c '^cgpolicyd_' "$prom") series, db.service's memory: $(series "$prom" 'cgpolicyd_memory_current_bytes{unit="db.service"}')"

# node_exporter's textfile collector, as user prometheus, on loopback
if ! command -v prometheus-node-exporter >/dev/null; then
	log "prometheus-node-exporter is not in the image: scrape skipped"
	exit 0
fi
systemctl stop prometheus-node-exporter.service 2>/dev/null || true
systemd-run --quiet --unit="$exporter" -p User=prometheus /usr/bin/prometheus-node-exporter \
	--web.listen-address=127.0.0.1:9109 --collector.disable-defaults --collector.textfile \
	--collector.textfile.directory="$textdir"
scrape() {
	{ exec 3<>/dev/tcp/127.0.0.1/9109; } 2>/dev/null || return 1
	printf 'GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
	sed 's/\r$//' <&3 >scrape.txt
	exec 3<&-
	grep -q '^cgpolicyd_memory_current_bytes{unit="db.service"}' scrape.txt
}
wait_until scrape 60
cp scrape.txt "$CGTEST_ARTIFACTS/scrape.txt"
grep -qx 'node_textfile_scrape_error 0' scrape.txt || fail "node_exporter: textfile scrape error: $(grep textfile scrape.txt)"
grep -qx '# TYPE cgpolicyd_memory_current_bytes gauge' scrape.txt || fail "node_exporter: no gauge TYPE for memory current"
grep -qx '# TYPE cgpolicyd_pressure_some_stall_seconds_total counter' scrape.txt || fail "node_exporter: no counter TYPE"
log "node_exporter scraped $(grep -c '^cgpolicyd_' scrape.txt) cgpolicyd series, db.service's:"
grep '^cgpolicyd_[a-z_]*{.*unit="db.service"' scrape.txt | grep -v _bucket | head -n 12

# the restore at stop is in db.service's journal too
systemctl stop cgpolicyd.service
# shellcheck disable=SC2016 # eval'ed by wait_until
wait_until '[[ -n $(entry_of CPUWeight '"$id_restore"') ]]' 60
assert_contains "$(entry_of CPUWeight "$id_restore")" "    CGPOLICYD_LAYER=original" "restore entry"
log "the restore of db.service's CPUWeight at stop is in journalctl -u db.service"
