#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# One CLI, one set of habits (issue 11, item 10): --json keys in one style
# (PascalCase, as the D-Bus property names) in every verb, set-property and
# revert suggest the nearest property name, status exits 3 when the daemon is
# not running, and a failed reload prints one problem a line, as check does.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-api.sh"

make_tree db.service web.service
policy 50-test.json '{ "policies": [
  { "name": "db", "class": "protected", "match": { "unit": "db.service" }, "properties": { "IOWeight": 800 } } ] }'
start_daemon
expect_file "$SLICE/db.service/io.weight" "default 800"

# json_keys_ok WHAT JSON...: every key of every object is PascalCase.
json_keys_ok() {
        local what=$1
        shift
        python3 - "$what" "$@" <<'PY' || fail "JSON keys of $1 are not in one style"
import json, re, sys
what, docs = sys.argv[1], sys.argv[2:]
bad = []
def walk(v, path):
    if isinstance(v, dict):
        for k, x in v.items():
            if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", k):
                bad.append(path + "." + k)
            walk(x, path + "." + k)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            walk(x, "%s[%d]" % (path, i))
for d in docs:
    walk(json.loads(d), what)
if bad:
    print("keys not in PascalCase:", ", ".join(sorted(set(bad))), file=sys.stderr)
    sys.exit(1)
PY
}

"$CGPOLICYCTL" --bus-address="$BUS_ADDRESS" --json monitor >"$T/mon.json" 2>&1 &
CHILD_PIDS+=($!)
sleep 0.5
for v in status list "show db" "show db web" "explain db" pressure "pressure db"; do
        # shellcheck disable=SC2086
        expect_ok ctl --json $v
        json_keys_ok "$v" "$LAST_OUT"
done
expect_ok "$CGPOLICYCTL" check --json "$POLICY_DIR/50-test.json" --explain db.service
json_keys_ok "check --explain" "$LAST_OUT"
expect_ok ctl set-property db CPUWeight=300
expect_ok ctl reload
wait_for 5 grep -q PolicyReloaded "$T/mon.json" || fail "monitor --json saw no PolicyReloaded: $(cat "$T/mon.json")"
mapfile -t lines <"$T/mon.json"
json_keys_ok "monitor" "${lines[@]}"
echo "ok: --json keys in one style across status, list, show, explain, pressure, check, monitor"

snap=$T/before
snapshot "$snap"
# A misspelt property: the nearest name, as check says it of a policy; nothing changed.
expect_fail_with 'Unknown property "MemoryHihg" (did you mean "MemoryHigh"?).' ctl set-property db MemoryHihg=1G
((LAST_RC == 1)) || fail "set-property MemoryHihg: exit $LAST_RC"
[[ $(wc -l <<<"$LAST_OUT") == 1 ]] || fail "set-property MemoryHihg: $LAST_OUT"
expect_fail_with 'Unknown property "cpuweight" (did you mean "CPUWeight"?).' ctl set-property db cpuweight=5
expect_fail_with 'Unknown property "IOWieght" (did you mean "IOWeight"?).' ctl revert db IOWieght
expect_fail_with 'Unknown property "Frobnicate"; see systemd.resource-control(5)' ctl set-property db Frobnicate=1
expect_unchanged "$snap"
echo "ok: misspelt properties get the nearest name"

# A failed reload: one problem a line, the same lines as check prints.
policy 60-bad.json '{ "policies": [
  { "name": "bad", "class": "sheddible", "match": { "unit": "web.service" },
    "properties": { "CPUWeight": "lots", "MemoryHihg": "1G" } } ] }'
expect_fail_with "Failed to reload policies: Policies not reloaded, the previous ones stay in force:" ctl reload
((LAST_RC == 1)) || fail "bad reload: exit $LAST_RC"
got=$(tail -n +2 <<<"$LAST_OUT")
want=$("$CGPOLICYCTL" check "$POLICY_DIR" 2>&1) && fail "check passes the bad policy"
[[ $(wc -l <<<"$got") -ge 3 ]] || fail "bad reload: not one problem a line: $LAST_OUT"
[[ $got == "$want" ]] || fail "bad reload lines differ from check's: got \"$got\", check says \"$want\""
expect_unchanged "$snap"
rm "$POLICY_DIR/60-bad.json"
echo "ok: a failed reload prints one problem a line, as check"

# status exits 3 when the daemon is not running (as systemctl status of an inactive unit).
expect_ok ctl status
stop_daemon TERM || fail "daemon exited with $?"
expect_fail_with "cgpolicyd is not running" ctl status
((LAST_RC == 3)) || fail "status without the daemon: exit $LAST_RC, expected 3"
expect_fail_with "cgpolicyd is not running" ctl status db
((LAST_RC == 3)) || fail "status db without the daemon: exit $LAST_RC, expected 3"
expect_fail_with "cgpolicyd is not running" ctl list
((LAST_RC == 1)) || fail "list without the daemon: exit $LAST_RC, expected 1"
echo "ok: status exits 3 when the daemon is not running"
