#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# D-Bus method fuzzing (busfuzz.py, python3-dbus): every method of every
# interface of the manager and unit objects, random arguments of the right and
# of wrong signatures, from root and from uid 65534. Every call is answered by
# a reply or a named error, the daemon stays up, its state files stay valid
# JSON and it starts again from them. FUZZ_CALLS (default 1500) and FUZZ_SEED
# set the run; the soak suite runs it long.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-api.sh"
PY=/usr/bin/python3
"$PY" -c "import dbus" 2>/dev/null || { echo "SKIP: python3-dbus missing (tests/install-deps.sh)"; exit 77; }

CALLS=${FUZZ_CALLS:-1500}
SEED=${FUZZ_SEED:-$RANDOM}
make_tree db.service web.service batch.service
policy 50-test.json '{ "policies": [
  { "name": "db", "match": { "unit": "db.service" }, "properties": { "CPUWeight": 800, "MemoryLow": "64M" } } ] }'
start_daemon
api_allow_others
cp "$BUS_TESTS_DIR/busfuzz.py" "$T/busfuzz.py"
chmod 0755 "$T/busfuzz.py"

log "seed $SEED, $CALLS calls as root"
"$PY" "$T/busfuzz.py" "$BUS_ADDRESS" "$CALLS" "$SEED" "$T/root.json" || fail "fuzzing as root: $(cat "$T/root.json" 2>/dev/null)"
daemon_alive || fail "daemon died while fuzzed as root (seed $SEED)"
touch "$T/nobody.json" && chmod 0666 "$T/nobody.json"
as_nobody "$PY" "$T/busfuzz.py" "$BUS_ADDRESS" $((CALLS / 3)) "$((SEED + 1))" "$T/nobody.json" ||
        fail "fuzzing as uid 65534: $(cat "$T/nobody.json" 2>/dev/null)"
daemon_alive || fail "daemon died while fuzzed as uid 65534 (seed $SEED)"
"$PY" - "$T/root.json" "$T/nobody.json" >&2 <<'EOP'
import json, sys
for f in sys.argv[1:]:
    r = json.load(open(f))
    print("#", f.rsplit("/", 1)[1], "calls", r["calls"], "replies", r["replies"], "named errors",
          sum(r["errors"].values()), "wrong signatures", r["wrong_signature"], "methods", len(r["methods"]),
          "in", r["seconds"], "s")
EOP
for f in "$STATE_DIR"/*.json "$RUNTIME_DIR"/*.json; do
        [[ -e $f ]] || continue
        jq -e . "$f" >/dev/null || fail "$f is not valid JSON after fuzzing"
done
expect_ok gcall ListUnits
stop_daemon TERM || fail "daemon exited with $? after fuzzing"
start_daemon
expect_ok gcall ListUnits
! grep -q 'corrupt-' "$LOG" || fail "a state file written under fuzzing could not be read back"
stop_daemon TERM || fail "daemon exited with $?"
echo "ok: $CALLS fuzzed calls as root and $((CALLS / 3)) as uid 65534 all answered, daemon up, state intact (seed $SEED)"
