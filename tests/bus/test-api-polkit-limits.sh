#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Issue 9 item 3: pending polkit queries are bounded. uid 65534 floods
# SetUnitProperties while polkit holds its answers: only POLKIT_PENDING_PER_UID
# (16) stay pending, the rest are refused at once with LimitsExceeded and one
# warning line; another user whom polkit allows still gets through (before, the
# flood filled the daemon's 128 pending-reply slots on the bus and that user was
# refused), and the daemon keeps nothing large per pending call.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-api.sh"
: "${PROJECT_SOURCE_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"

make_tree db.service
policy 50-test.json '{ "policies": [ { "name": "db", "match": { "unit": "db.service" }, "properties": { "CPUWeight": 800 } } ] }'
start_system_like_bus
start_daemon
api_allow_others
expect_file "$SLICE/db.service/cpu.weight" 800
# polkit sits on the queries of uids 65534 and 1 for 10 minutes, answers others at once
SLOW_UID=65534,1 start_fake_polkit yes 600
mkdir "$T/flood" && chmod 1777 "$T/flood"
rss_kb() { awk '/^VmRSS:/ { print $2 }' /proc/"$DAEMON_PID"/status; }

# 16 calls of ~17 MB each (256 times IOReadBandwidthMax with 256 devices) from
# uid 1: refused before polkit is asked, none kept (before: each took seconds to
# parse and was then kept whole while polkit thought; 20 took 342 MB)
rss_idle=$(rss_kb)
setpriv --reuid=1 --regid=1 --clear-groups /usr/bin/python3 "$(flood_py)" "$BUS_ADDRESS" 16 \
        $((120 * SLOW)) "$T/flood/big.json" SetUnitProperties big-set
read -r big_refused big_pending < <(python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
print(s["errors"].get("org.freedesktop.DBus.Error.LimitsExceeded", 0), s["sent"] - s["answered"])' "$T/flood/big.json")
rss_big=$(rss_kb)
echo "RSS idle ${rss_idle} kB, after 16 calls of 17 MB: ${rss_big} kB; $big_refused refused, $big_pending pending"
((big_refused == 16)) || fail "$big_refused of 16 oversized calls refused with LimitsExceeded"
# (ASan keeps freed memory in quarantine: RSS says nothing there)
if [[ $(ldd "$CGPOLICYD") != *libasan* ]]; then
        ((rss_big - rss_idle < 65536)) || fail "16 big calls grew RSS by $(((rss_big - rss_idle) / 1024)) MB"
fi
: >"$POLKIT_LOG"

N=200
flood=$T/flood/state.json
rss_before=$(rss_kb)
as_nobody /usr/bin/python3 "$(flood_py)" "$BUS_ADDRESS" $N 120 "$flood" SetUnitProperties \
        "('db.service', false, [('CPUWeight', <@t 444>)])" &
CHILD_PIDS+=($!)

# every call is either pending at polkit or answered
dispatched() {
        [[ -s $flood ]] || return 1
        local answered asked
        answered=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["answered"])' "$flood")
        asked=$(wc -l <"$POLKIT_LOG")
        ((answered + asked >= N))
}
wait_for $((30 * SLOW)) dispatched || fail "flood not dispatched: $(cat "$flood" 2>/dev/null), $(wc -l <"$POLKIT_LOG") asked"
read -r asked refused other < <(python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
e = s["errors"]
lim = e.pop("org.freedesktop.DBus.Error.LimitsExceeded", 0)
print(sys.argv[2], lim, json.dumps(e).replace(" ", "") if e or s["ok"] else "-")' "$flood" "$(wc -l <"$POLKIT_LOG")")
echo "flood of $N from uid 65534: $asked pending at polkit, $refused refused with LimitsExceeded, other answers: $other"
((asked == 16)) || fail "$asked queries of uid 65534 pending at polkit, expected 16"
((refused == N - 16)) || fail "$refused calls refused with LimitsExceeded, expected $((N - 16)); other: $other"

# a user polkit allows is not refused because of the flood
expect_ok setpriv --reuid=2 --regid=2 --clear-groups gdbus call --address "$BUS_ADDRESS" \
        --dest org.cgpolicy1 --object-path /org/cgpolicy1 --method org.cgpolicy1.Manager.SetUnitProperties \
        "'db.service'" false "[('CPUWeight', <@t 555>)]"
expect_file "$SLICE/db.service/cpu.weight" 555
# and root as well, without polkit
expect_ok gcall SetUnitProperties "'db.service'" true "[('TasksMax', <@t 77>)]"
expect_file "$SLICE/db.service/pids.max" 77

n=$(grep -c 'Too many pending authorizations' "$LOG" || true)
((n == 1)) || fail "$n warning lines for one burst, expected 1"
echo "ok: uid 2 (bin) allowed during the flood; one warning line; RSS ${rss_before} → $(rss_kb) kB"

daemon_alive || fail "daemon died"
stop_daemon TERM || fail "daemon exited with $?"
