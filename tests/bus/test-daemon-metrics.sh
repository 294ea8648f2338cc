#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Metrics end to end: --metrics-file is kept current after changes (apply,
# drift re-assertion, refused call, reloads, a pressure step) and left alone
# while nothing happens; Debian's prometheus-node-exporter reads it through its
# textfile collector and a scrape finds the series with their types and values;
# promtool check metrics passes on it; `cgpolicyctl metrics` prints the same in
# OpenMetrics (checked by prometheus_client's strict parser when installed).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-api.sh"
: "${PROJECT_SOURCE_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"

NODE_EXPORTER=$(command -v prometheus-node-exporter || true)
PROMTOOL=$(command -v promtool || true)
if [[ -z $NODE_EXPORTER || -z $PROMTOOL ]] && [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        log "installing prometheus-node-exporter and prometheus (tests/install-deps.sh lists them)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
                prometheus-node-exporter prometheus >"$T/apt.log" 2>&1 || true
        NODE_EXPORTER=$(command -v prometheus-node-exporter || true)
        PROMTOOL=$(command -v promtool || true)
fi
if [[ -z $NODE_EXPORTER || -z $PROMTOOL ]]; then
        echo "SKIP: prometheus-node-exporter/promtool cannot be installed here" >&2
        exit 77
fi

make_tree db.service batch.service
printf 'MemTotal: 16777216 kB\nMemAvailable: 8388608 kB\nSwapTotal: 1048576 kB\n' >"$T/meminfo"
export CGPOLICYD_MEMINFO=$T/meminfo
printf '536870912\n' >"$SLICE/batch.service/memory.current"
good='{ "policies": [
  { "name": "batch", "class": "sheddable", "match": { "unit": "batch.service" },
    "properties": { "CPUWeight": 20 }, "pressure": { "floor": { "MemoryHigh": "400M" } } },
  { "name": "db", "class": "protected", "match": { "unit": "db.service" },
    "properties": { "CPUWeight": 800, "MemoryMax": "2G", "CPUQuota": "50%" } } ],
  "pressure": { "memory": { "trigger": "some 150ms 1s", "calm": "some avg10<5", "hold": "1s",
                            "interval": "200ms", "step": "10%", "mode": "throttle" } } }'
policy 50-test.json "$good"
TEXTFILE_DIR=$T/textfile
PROM=$TEXTFILE_DIR/cgpolicyd.prom
mkdir -p "$TEXTFILE_DIR"
start_system_like_bus
start_daemon --metrics-file="$PROM" --metrics-interval=0.3
api_allow_others
expect_file "$SLICE/db.service/cpu.weight" 800

has() { grep -qxF -- "$2" "$1" 2>/dev/null; }
expect_series() { # expect_series LINE: the file gets LINE (a whole line) soon
        wait_for $((5 * SLOW)) has "$PROM" "$1" || fail "$PROM lacks \"$1\": $(grep -F "${1%% *}" "$PROM" | head -5)"
}

expect_series 'cgpolicyd_property_desired_weight{unit="db.service",property="CPUWeight"} 800'
expect_series 'cgpolicyd_property_applied_weight{unit="db.service",property="CPUWeight"} 800'
expect_series 'cgpolicyd_property_desired_bytes{unit="db.service",property="MemoryMax"} 2147483648'
expect_series 'cgpolicyd_property_desired_ratio{unit="db.service",property="CPUQuota"} 0.5'
expect_series 'cgpolicyd_property_readback{unit="db.service",property="CPUWeight",status="ok"} 1'
expect_series 'cgpolicyd_memory_current_bytes{unit="batch.service"} 536870912'
expect_series 'cgpolicyd_policy_generation 1'
expect_series 'cgpolicyd_units 3'
echo "ok: the metrics file holds the managed values"

# nothing happens, nothing is written: same inode, same mtime over 3 intervals
sleep 0.5
before=$(stat -c '%i %y' "$PROM")
sleep 1
[[ $(stat -c '%i %y' "$PROM") == "$before" ]] || fail "metrics file rewritten while nothing changed"
echo "ok: no rewrite while idle"

# drift: re-asserted, counted
printf '300\n' >"$SLICE/db.service/cpu.weight"
expect_file "$SLICE/db.service/cpu.weight" 800
expect_series 'cgpolicyd_drift_reassertions_total{unit="db.service",property="CPUWeight"} 1'
[[ $(stat -c '%i %y' "$PROM") != "$before" ]] || fail "metrics file not rewritten after a change"
echo "ok: drift re-assertion counted"

# a refused call (uid 65534, no polkit on the bus)
expect_fail_with "" as_nobody "$CGPOLICYCTL" --bus-address="$BUS_ADDRESS" --no-ask-password \
        set-property db.service CPUWeight=1
expect_series 'cgpolicyd_authorization_denials_total 1'
echo "ok: authorization denial counted"

# reloads: a bad file fails (the set stays, generation too), a good one succeeds
policy 60-bad.json '{ "policies": [ { "name": 1 } ] }'
expect_fail_with "" "$CGPOLICYCTL" --bus-address="$BUS_ADDRESS" reload
expect_series 'cgpolicyd_policy_reloads_total{result="failure"} 1'
expect_series 'cgpolicyd_policy_generation 1'
rm "$POLICY_DIR/60-bad.json"
expect_ok "$CGPOLICYCTL" --bus-address="$BUS_ADDRESS" reload
expect_series 'cgpolicyd_policy_reloads_total{result="success"} 1'
expect_series 'cgpolicyd_policy_generation 2'
echo "ok: reload results and generation"

# pressure on the protected unit: the batch is squeezed, counted, timed
printf 'some avg10=80.00 avg60=0.00 avg300=0.00 total=1500000\nfull avg10=2.50 avg60=0.00 avg300=0.00 total=250000\n' \
        >"$SLICE/db.service/memory.pressure"
wait_for $((5 * SLOW)) bash -c "[[ \$(cat '$SLICE/batch.service/memory.high') =~ ^[0-9]+\$ ]]" ||
        fail "batch not squeezed under pressure"
expect_series 'cgpolicyd_throttled{unit="batch.service"} 1'
expect_series 'cgpolicyd_pressure_some_avg10_ratio{unit="db.service",resource="memory"} 0.8'
expect_series 'cgpolicyd_pressure_full_avg10_ratio{unit="db.service",resource="memory"} 0.025'
expect_series 'cgpolicyd_pressure_some_stall_seconds_total{unit="db.service",resource="memory"} 1.5'
wait_for $((5 * SLOW)) grep -Eq '^cgpolicyd_pressure_decisions_total\{resource="memory",action="squeeze"\} [1-9]' "$PROM" ||
        fail "no squeeze counted: $(grep decisions_total "$PROM")"
wait_for $((5 * SLOW)) grep -Eq '^cgpolicyd_pressure_reaction_seconds_count [1-9]' "$PROM" ||
        fail "no pressure reaction timed: $(grep reaction_seconds_count "$PROM")"
grep -Eq '^cgpolicyd_apply_latency_seconds_count [1-9]' "$PROM" || fail "no apply latency observed"
grep -Eq '^cgpolicyd_apply_latency_seconds_bucket\{le="\+Inf"\} [1-9]' "$PROM" || fail "no +Inf bucket"
echo "ok: pressure step counted and timed"
# calm again, so that the daemon's stop has nothing pending
printf '%s\n' "$PSI_TEXT" >"$SLICE/db.service/memory.pressure"

# promtool's linter: names, types, units, _total
"$PROMTOOL" check metrics <"$PROM" >"$T/promtool.out" 2>&1 || fail "promtool check metrics: $(cat "$T/promtool.out")"
echo "ok: promtool check metrics passes"

# the CLI: OpenMetrics by default, the file's own format on request
expect_ok "$CGPOLICYCTL" --bus-address="$BUS_ADDRESS" metrics
printf '%s\n' "$LAST_OUT" >"$T/om.txt"
[[ $(tail -n1 "$T/om.txt") == "# EOF" ]] || fail "OpenMetrics output does not end with # EOF"
has "$T/om.txt" '# TYPE cgpolicyd_drift_reassertions counter' || fail "OpenMetrics counter family named with _total"
has "$T/om.txt" '# UNIT cgpolicyd_memory_current_bytes bytes' || fail "no # UNIT line"
has "$T/om.txt" 'cgpolicyd_drift_reassertions_total{unit="db.service",property="CPUWeight"} 1' ||
        fail "OpenMetrics output lacks the drift counter"
if /usr/bin/python3 -c 'import prometheus_client.openmetrics.parser' 2>/dev/null; then
        /usr/bin/python3 - "$T/om.txt" <<'EOP' || fail "prometheus_client rejects the OpenMetrics output"
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
fams = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1]).read())}
assert fams["cgpolicyd_drift_reassertions"].type == "counter", fams["cgpolicyd_drift_reassertions"]
assert fams["cgpolicyd_apply_latency_seconds"].type == "histogram"
assert fams["cgpolicyd_memory_current_bytes"].unit == "bytes"
print("# prometheus_client parsed %d families" % len(fams), file=sys.stderr)
EOP
        echo "ok: OpenMetrics output parses strictly"
fi
expect_ok "$CGPOLICYCTL" --bus-address="$BUS_ADDRESS" metrics prometheus
printf '%s\n' "$LAST_OUT" >"$T/prom.txt"
has "$T/prom.txt" '# TYPE cgpolicyd_drift_reassertions_total counter' || fail "metrics prometheus: wrong counter TYPE"
expect_fail_with "" "$CGPOLICYCTL" --bus-address="$BUS_ADDRESS" metrics json

# node_exporter on loopback, a free port, only the textfile collector
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$NODE_EXPORTER" --web.listen-address="127.0.0.1:$port" --collector.disable-defaults --collector.textfile \
        --collector.textfile.directory="$TEXTFILE_DIR" >"$T/node-exporter.log" 2>&1 &
CHILD_PIDS+=("$!")
scrape() { curl -fsS --max-time 2 "http://127.0.0.1:$port/metrics" >"$T/scrape.txt" 2>/dev/null; }
wait_for $((10 * SLOW)) scrape || fail "node_exporter did not answer: $(tail -5 "$T/node-exporter.log")"
for line in \
        '# TYPE cgpolicyd_property_desired_weight gauge' \
        'cgpolicyd_property_desired_weight{property="CPUWeight",unit="db.service"} 800' \
        '# TYPE cgpolicyd_drift_reassertions_total counter' \
        'cgpolicyd_drift_reassertions_total{property="CPUWeight",unit="db.service"} 1' \
        '# TYPE cgpolicyd_apply_latency_seconds histogram' \
        '# TYPE cgpolicyd_pressure_reaction_seconds histogram' \
        '# TYPE cgpolicyd_pressure_some_stall_seconds_total counter' \
        'cgpolicyd_property_desired_bytes{property="MemoryMax",unit="db.service"} 2.147483648e+09' \
        'cgpolicyd_authorization_denials_total 1' \
        'cgpolicyd_policy_generation 2' \
        'cgpolicyd_throttled{unit="batch.service"} 1' \
        'node_textfile_scrape_error 0'; do
        has "$T/scrape.txt" "$line" || fail "scrape lacks \"$line\": $(grep -F "${line%% *}" "$T/scrape.txt" | head -3)"
done
grep -q '^cgpolicyd_apply_latency_seconds_bucket{le="+Inf"} [1-9]' "$T/scrape.txt" || fail "scrape lacks the histogram"
echo "ok: node_exporter's textfile collector serves $(grep -c '^cgpolicyd_' "$T/scrape.txt") cgpolicyd series"

stop_daemon TERM || fail "daemon exited with $?"
