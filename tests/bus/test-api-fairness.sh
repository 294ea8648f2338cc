#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Issue 9 item 4: one caller cannot queue unbounded work in front of everyone
# else. CheckPolicy from uid 65534 accepts at most 64 KiB and a few calls at once
# per uid (8, then 4/s); the rest of a flood is refused cheaply with
# LimitsExceeded and one warning, and root's calls are answered while the flood
# is in flight. A flood of persistent sets from one root connection is taken in
# turn with other callers' sets: another caller's set runs after a few of the
# flood's, not after all of them. (Counts, not timings: the figures are printed
# only.)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-api.sh"
: "${PROJECT_SOURCE_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"

make_tree db.service
policy 50-test.json '{ "policies": [ { "name": "db", "match": { "unit": "db.service" }, "properties": { "CPUWeight": 800 } } ] }'
start_system_like_bus
start_daemon
api_allow_others
expect_file "$SLICE/db.service/cpu.weight" 800
mkdir "$T/flood" && chmod 0755 "$T/flood"
chown 65534:65534 "$T/flood"

# valid policy documents: ~900 KiB and ~60 KiB
doc() {
        python3 -c '
import json, sys
n = int(sys.argv[1])
print(json.dumps({"policies": [{"name": "p%d" % i, "match": {"unit": "u%d.service" % i},
                                "properties": {"CPUWeight": 100 + i % 9000, "MemoryHigh": "1G"}} for i in range(n)]}, indent=1))' "$1"
}
doc 5000 >"$T/flood/big.json"
doc 450 >"$T/flood/small.json"
big=$(stat -c %s "$T/flood/big.json")
small=$(stat -c %s "$T/flood/small.json")
((big > 65536 && big < 1048576 && small < 65536)) || fail "document sizes $big $small"

counts() {
        python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
print(s["sent"], s["answered"], s["ok"], s["errors"].get("org.freedesktop.DBus.Error.LimitsExceeded", 0))' "$1"
}
all_sent() { [[ -s $1 ]] && read -r s _ < <(counts "$1") && ((s == 64)); }
all_answered() { [[ -s $1 ]] && read -r _ a _ < <(counts "$1") && ((a == 64)); }

# root is answered while 64 calls are in flight; returns the time taken (for the log only)
root_during_flood() {
        local out=$1 start
        wait_for $((30 * SLOW)) all_sent "$out" || fail "flood did not start"
        start=$(now_ms)
        expect_ok timeout $((60 * SLOW)) busctl --address="$BUS_ADDRESS" --timeout=$((60 * SLOW)) call \
                org.cgpolicy1 /org/cgpolicy1 org.cgpolicy1.Manager GetUnit s db.service
        ROOT_MS=$(($(now_ms) - start))
}

for kind in big small; do
        out=$T/flood/$kind.state
        as_nobody /usr/bin/python3 "$(flood_py)" "$BUS_ADDRESS" 64 $((120 * SLOW)) "$out" \
                CheckPolicy "@$T/flood/$kind.json" &
        CHILD_PIDS+=($!)
        root_during_flood "$out"
        wait_for $((120 * SLOW)) all_answered "$out" || fail "flood of $kind documents not answered: $(cat "$out")"
        read -r sent answered ok refused < <(counts "$out")
        echo "64 CheckPolicy calls of $(stat -c %s "$T/flood/$kind.json") bytes from uid 65534: $ok processed, $refused refused; root's GetUnit meanwhile took ${ROOT_MS} ms"
        case $kind in
        big) ((ok == 0 && refused == 64)) || fail "big documents from uid 65534: $ok processed, $refused refused, expected 0 and 64" ;;
        small) ((ok <= 16 && refused >= 48 && ok + refused == 64)) ||
                fail "small documents from uid 65534: $ok processed, $refused refused, expected at most 16 processed" ;;
        esac
done
n=$(grep -c 'CheckPolicy: uid 65534 is over its rate limit' "$LOG" || true)
((n == 1)) || fail "$n rate-limit warnings for one flood, expected 1"

# root is held to neither limit
/usr/bin/python3 "$(flood_py)" "$BUS_ADDRESS" 1 $((60 * SLOW)) "$T/root.state" CheckPolicy \
        "@$T/flood/big.json"
read -r _ _ ok _ < <(counts "$T/root.state")
((ok == 1)) || fail "root's CheckPolicy of the big document: $(cat "$T/root.state")"
# and uid 65534 gets its calls back after a pause
sleep 1
expect_ok as_nobody busctl --address="$BUS_ADDRESS" call org.cgpolicy1 /org/cgpolicy1 org.cgpolicy1.Manager \
        CheckPolicy s '{ "policies": [] }'
echo "ok: floods bounded, root served during them"

# root floods persistent sets on one connection (the bus lets 128 be in flight);
# another root connection's set is taken in turn, not after the whole queue
mark=$(log_lines)
# (kept in flight for 4 s: each reply is followed by another call)
SUSTAIN=4 /usr/bin/python3 "$(flood_py)" "$BUS_ADDRESS" 2000 $((120 * SLOW)) "$T/flood/sets.state" \
        SetUnitProperties "('db.service', false, [('CPUWeight', <@t 1{i}>)])" &
CHILD_PIDS+=($!)
wait_for $((30 * SLOW)) test -s "$T/flood/sets.state" || fail "set flood did not start"
start=$(now_ms)
expect_ok gcall SetUnitProperties "'db.service'" false "[('TasksMax', <@t 99>)]"
other_ms=$(($(now_ms) - start))
all_done() { [[ -s $1 ]] && read -r s a _ < <(counts "$1") && ((s == a)) && ! kill -0 "$2" 2>/dev/null; }
flooder=${CHILD_PIDS[-1]}
wait_for $((120 * SLOW)) all_done "$T/flood/sets.state" "$flooder" ||
        fail "set flood not answered: $(cat "$T/flood/sets.state")"
flood_log=$T/flood/sets.log
tail -n +"$((mark + 1))" "$LOG" >"$flood_log"
total=$(grep -c 'Set CPUWeight on db.service' "$flood_log" || true)
before=$(sed -n '/Set TasksMax on db.service/q;p' "$flood_log" | grep -c 'Set CPUWeight on db.service' || true)
# of those: after the daemon had read the other caller's call (and queued it)
waited=$(sed -n '/Set TasksMax on db.service/q;/Queued TasksMax on db.service/,$p' "$flood_log" |
        grep -c 'Set CPUWeight on db.service' || true)
echo "root set flood: $total sets done, $before before another caller's set, $waited of them after it was read (it took ${other_ms} ms); $(cat "$T/flood/sets.state")"
((total - before >= 32)) || fail "the flood was over before the other caller's set ran ($before before, $total in all)"
((waited <= 8)) || fail "$waited of the flood's sets ran between reading another caller's set and running it, expected a few (taken in turn)"

# one caller's calls keep their order: a set that would be a no-op on the state
# before its caller's queued ones is not answered (and skipped) ahead of them
values=$(seq -s, 500 539),310
for round in 1 2 3; do
        expect_ok gcall SetUnitProperties "'db.service'" false "[('CPUWeight', <@t 310>)]"
        # another connection keeps the queues busy, so that the calls below wait their turn
        /usr/bin/python3 "$(flood_py)" "$BUS_ADDRESS" 2000 $((60 * SLOW)) "$T/flood/busy.state" \
                SetUnitProperties "('db.service', false, [('TasksMax', <@t 1{i}>)])" &
        busy=$!
        CHILD_PIDS+=("$busy")
        wait_for $((30 * SLOW)) test -s "$T/flood/busy.state" || fail "busy flood did not start"
        VALUES=$values /usr/bin/python3 "$(flood_py)" "$BUS_ADDRESS" 41 $((60 * SLOW)) \
                "$T/flood/order.state" SetUnitProperties "('db.service', false, [('CPUWeight', <@t {v}>)])"
        read -r _ answered ok _ < <(counts "$T/flood/order.state")
        ((answered == 41 && ok == 41)) || fail "pipelined sets: $(cat "$T/flood/order.state")"
        wait "$busy" || true
        file_is "$SLICE/db.service/cpu.weight" 310 ||
                fail "41 sets pipelined on one connection, the last 310: cpu.weight is $(cat "$SLICE/db.service/cpu.weight") (a later call was answered ahead of earlier ones)"
done
echo "ok: 41 sets pipelined on one connection (500..539, 310) end at 310 (3 rounds)"

daemon_alive || fail "daemon died"
stop_daemon TERM || fail "daemon exited with $?"
