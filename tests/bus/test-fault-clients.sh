#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# CLIENTS (default 1000) concurrent clients, each on its own bus connection,
# all calling at once (reads, Explain, and every 10th a runtime set): every
# call is answered (a reply or a named error), the daemon stays up, an admin's
# GetUnit meanwhile stays fast, and the runtime value in force afterwards is
# one that was acknowledged. The private bus allows the connections (as a
# system bus with raised max_connections_per_user would).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-api.sh"
PY=/usr/bin/python3
"$PY" -c 'import gi' 2>/dev/null || { echo "SKIP: python3-gi missing"; exit 77; }

CLIENTS=${CLIENTS:-1000}
BUS_EXTRA_LIMITS="<limit name=\"max_connections_per_user\">$((CLIENTS + 64))</limit><limit name=\"max_completed_connections\">$((CLIENTS + 64))</limit>"
ulimit -n $((CLIENTS * 2 + 256)) 2>/dev/null || true
make_tree db.service web.service
policy 50-test.json '{ "policies": [
  { "name": "db", "match": { "unit": "db.service" }, "properties": { "CPUWeight": 800 } } ] }'
start_daemon
cp "$BUS_TESTS_DIR/clients.py" "$T/clients.py"
"$PY" "$T/clients.py" "$BUS_ADDRESS" "$CLIENTS" $((60 * SLOW)) "$T/clients.json" &
cl=$!
sleep 0.5
t0=$(now_ms)
expect_ok gcall GetUnit db.service
admin_ms=$(($(now_ms) - t0))
wait "$cl" || fail "not every client was answered: $(cat "$T/clients.json" 2>/dev/null)"
daemon_alive || fail "daemon died under $CLIENTS clients"
log "$(cat "$T/clients.json" | jq -c 'del(.acked_sets)'), admin GetUnit ${admin_ms} ms"
[[ $(jq .answered "$T/clients.json") == "$CLIENTS" ]] || fail "unanswered calls"
cur=$(cat "$SLICE/web.service/pids.max")
jq -e --argjson v "$cur" '.acked_sets | index($v) != null' "$T/clients.json" >/dev/null ||
        fail "web.service pids.max $cur is not an acknowledged value"
stop_daemon TERM || fail "daemon exited with $?"
echo "ok: $CLIENTS concurrent clients answered ($(jq -c .errors "$T/clients.json") errors), admin GetUnit ${admin_ms} ms"
