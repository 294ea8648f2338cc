#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every decision is a structured journal entry: apply, drift re-assertion,
# rebalance step, refused call, restore, each with its MESSAGE_ID (catalogued in
# man/cgpolicyd.8), OBJECT_SYSTEMD_UNIT= and the CGPOLICYD_* fields. The host's
# journal is not ours to write: $CGPOLICYD_JOURNAL_EXPORT takes the entries in
# the journal export format; where systemd-journal-remote is installed it turns
# them into a journal file and `journalctl --file=... -u db.service` must list
# what was done to db.service.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-api.sh"
: "${PROJECT_SOURCE_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"

make_tree db.service batch.service
printf 'MemTotal: 16777216 kB\nMemAvailable: 8388608 kB\nSwapTotal: 1048576 kB\n' >"$T/meminfo"
export CGPOLICYD_MEMINFO=$T/meminfo
printf '536870912\n' >"$SLICE/batch.service/memory.current"
policy 50-test.json '{ "policies": [
  { "name": "batch", "class": "sheddable", "match": { "unit": "batch.service" },
    "properties": { "CPUWeight": 20 }, "pressure": { "floor": { "MemoryHigh": "400M" } } },
  { "name": "db", "class": "protected", "match": { "unit": "db.service" }, "properties": { "CPUWeight": 800 } } ],
  "pressure": { "memory": { "trigger": "some 150ms 1s", "calm": "some avg10<5", "hold": "1s",
                            "interval": "200ms", "step": "10%", "mode": "throttle" } } }'
journal_stderr
start_system_like_bus
start_daemon
api_allow_others
expect_file "$SLICE/db.service/cpu.weight" 800

# entries KEY=VALUE...: the entries (JSON, one a line) whose fields hold all of these
entries() {
        python3 - "$JOURNAL_EXPORT" "$@" <<'EOP'
import json, struct, sys
data = open(sys.argv[1], "rb").read()
want = dict(a.split("=", 1) for a in sys.argv[2:])
entries, cur, i = [], {}, 0
while i < len(data):
    j = data.index(b"\n", i)
    line = data[i:j]
    if not line:
        entries.append(cur); cur = {}; i = j + 1; continue
    if b"=" in line:
        k, v = line.split(b"=", 1); i = j + 1
    else:  # binary-safe field: NAME\n, le64 size, data, \n
        k = line; n = struct.unpack("<Q", data[j + 1:j + 9])[0]
        v = data[j + 9:j + 9 + n]; i = j + 9 + n + 1
    cur[k.decode()] = v.decode()
for e in entries:
    if all(e.get(k) == v for k, v in want.items()):
        print(json.dumps(e, sort_keys=True))
EOP
}
has_entry() { [[ -n $(entries "$@") ]]; }
expect_entry() {
        wait_for $((5 * SLOW)) has_entry "$@" || fail "no journal entry with $*; entries: $(entries | tail -n 5)"
}

ID_APPLY=562db62eaf2740ee98af50f0df8d87ca
ID_REASSERT=87bc411f5d4042e2b1edd263930aa88b
ID_REBALANCE=62b49093af304130b32e541d72d9356a
ID_RESTORE=b3920793c7b44a26b7e32f8a10aef13f
ID_REFUSED=6138f76f8965447987aed37d22631f0d
for id in $ID_APPLY $ID_REASSERT $ID_REBALANCE $ID_RESTORE $ID_REFUSED; do
        grep -q "$id" "$PROJECT_SOURCE_ROOT/man/cgpolicyd.8" || fail "MESSAGE_ID $id is not in man/cgpolicyd.8"
done

expect_entry MESSAGE_ID=$ID_APPLY CGPOLICYD_DECISION=apply OBJECT_SYSTEMD_UNIT=db.service CGPOLICYD_UNIT=db.service \
        CGPOLICYD_PROPERTY=CPUWeight CGPOLICYD_OLD_VALUE=100 CGPOLICYD_NEW_VALUE=800 CGPOLICYD_LAYER=policy \
        "CGPOLICYD_REASON=policy db" PRIORITY=6 SYSLOG_IDENTIFIER=cgpolicyd
echo "ok: apply"

printf '300\n' >"$SLICE/db.service/cpu.weight"
expect_file "$SLICE/db.service/cpu.weight" 800
expect_entry MESSAGE_ID=$ID_REASSERT CGPOLICYD_DECISION=reassert OBJECT_SYSTEMD_UNIT=db.service \
        CGPOLICYD_PROPERTY=CPUWeight CGPOLICYD_OLD_VALUE=300 CGPOLICYD_NEW_VALUE=800 CGPOLICYD_LAYER=policy
echo "ok: drift re-assertion"

expect_ok "$CGPOLICYCTL" --bus-address="$BUS_ADDRESS" set-property --runtime db.service CPUWeight=600
expect_entry MESSAGE_ID=$ID_APPLY OBJECT_SYSTEMD_UNIT=db.service CGPOLICYD_PROPERTY=CPUWeight \
        CGPOLICYD_OLD_VALUE=800 CGPOLICYD_NEW_VALUE=600 CGPOLICYD_LAYER=runtime "CGPOLICYD_REASON=set-property --runtime"
echo "ok: apply of an override"

expect_fail_with "" as_nobody "$CGPOLICYCTL" --bus-address="$BUS_ADDRESS" --no-ask-password \
        set-property db.service CPUWeight=1
expect_entry MESSAGE_ID=$ID_REFUSED CGPOLICYD_DECISION=refused OBJECT_SYSTEMD_UNIT=db.service \
        CGPOLICYD_PROPERTY=CPUWeight "CGPOLICYD_LAYER=uid 65534" PRIORITY=5
echo "ok: refused call"

printf 'some avg10=80.00 avg60=0.00 avg300=0.00 total=1500000\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n' \
        >"$SLICE/db.service/memory.pressure"
expect_entry MESSAGE_ID=$ID_REBALANCE CGPOLICYD_DECISION=rebalance OBJECT_SYSTEMD_UNIT=batch.service \
        CGPOLICYD_PROPERTY=MemoryHigh CGPOLICYD_OLD_VALUE=infinity CGPOLICYD_LAYER=pressure
[[ $(entries MESSAGE_ID=$ID_REBALANCE OBJECT_SYSTEMD_UNIT=batch.service | head -n1) == *'"CGPOLICYD_REASON": "'?* ]] ||
        fail "rebalance entry without a reason"
printf '%s\n' "$PSI_TEXT" >"$SLICE/db.service/memory.pressure"
echo "ok: rebalance step"

stop_daemon TERM || fail "daemon exited with $?"
expect_entry MESSAGE_ID=$ID_RESTORE CGPOLICYD_DECISION=restore OBJECT_SYSTEMD_UNIT=db.service \
        CGPOLICYD_PROPERTY=CPUWeight CGPOLICYD_NEW_VALUE=100 CGPOLICYD_LAYER=original
echo "ok: restore at stop"

# the stderr copy of each entry carries the same MESSAGE, with its priority
msg=$(entries MESSAGE_ID=$ID_REASSERT | head -n1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["MESSAGE"])')
grep -qF "<5>$msg" "$LOG" || fail "the re-assertion's line is not in the log as \"<5>$msg\""

# as journald files them: journalctl -u db.service shows what was done to db.service
JR=/lib/systemd/systemd-journal-remote
[[ -x $JR ]] || JR=/usr/lib/systemd/systemd-journal-remote
if [[ -x $JR ]] && command -v journalctl >/dev/null; then
        "$JR" -o "$T/import.journal" - <"$JOURNAL_EXPORT" 2>"$T/import.log" || fail "journal-remote: $(cat "$T/import.log")"
        journalctl --file="$T/import.journal" -u db.service -o json --no-pager >"$T/db.json" 2>&1 ||
                fail "journalctl: $(cat "$T/db.json")"
        for id in $ID_APPLY $ID_REASSERT $ID_REFUSED $ID_RESTORE; do
                grep -q "\"MESSAGE_ID\":\"$id\"" "$T/db.json" || fail "journalctl -u db.service lacks $id"
        done
        ! grep -q '"OBJECT_SYSTEMD_UNIT":"batch.service"' "$T/db.json" || fail "journalctl -u db.service shows batch"
        echo "ok: journalctl -u db.service lists $(wc -l <"$T/db.json") entries"
fi
