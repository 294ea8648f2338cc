#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The verbs as systemctl has them (issue 11, items 5 and 6): status [UNIT...],
# show UNIT..., list [PATTERN...], pressure [UNIT...]; unit names without a
# suffix mean .service, globs where systemctl takes them.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-api.sh"

make_tree db.service web.service batch-1.service
policy 50-test.json '{ "policies": [
  { "name": "db", "class": "protected", "match": { "unit": "db.service" }, "properties": { "IOWeight": 800 } },
  { "name": "batch", "class": "sheddable", "match": { "unit": "batch-*.service" }, "properties": { "CPUWeight": 20 } } ] }'
start_daemon
expect_file "$SLICE/db.service/io.weight" "default 800"
expect_file "$SLICE/batch-1.service/cpu.weight" 20

# status UNIT: class, policies, each managed value with its layer and read back.
expect_ok ctl status db
grep -qxF '● db.service' <<<"$LAST_OUT" || fail "status db: no header: $LAST_OUT"
grep -Eq '^ +Class: protected$' <<<"$LAST_OUT" || fail "status db: class: $LAST_OUT"
grep -Eq '^ +Policies: db$' <<<"$LAST_OUT" || fail "status db: policies: $LAST_OUT"
grep -Eq '^ +Pressure: memory [0-9.]+/[0-9.]+/[0-9.]+%' <<<"$LAST_OUT" || fail "status db: pressure: $LAST_OUT"
grep -Eq '^IOWeight +800 +policy:db +ok +800$' <<<"$LAST_OUT" || fail "status db: managed row: $LAST_OUT"
grep -q '^CPUWeight' <<<"$LAST_OUT" && fail "status db lists an unmanaged property: $LAST_OUT"
echo "ok: status db"

# A glob: each matching unit once, in a block of its own.
expect_ok ctl status 'b*' db.service 'd*'
[[ $(grep -c '^● ' <<<"$LAST_OUT") == 2 ]] || fail "status 'b*' db.service 'd*': $LAST_OUT"
grep -qxF '● batch-1.service' <<<"$LAST_OUT" || fail "status glob: $LAST_OUT"
expect_fail_with "not managed" ctl status nope
((LAST_RC == 4)) || fail "status nope: exit $LAST_RC"
echo "ok: status with globs, and a unit that is not managed"

# show UNIT...: several units, a blank line between them, as systemctl show.
expect_ok ctl show db web -p Id
[[ $LAST_OUT == $'Id=db.service\n\nId=web.service' ]] || fail "show db web -p Id: $LAST_OUT"
expect_ok ctl show 'batch-*' -p Id,Class
[[ $LAST_OUT == $'Id=batch-1.service\nClass=sheddable' ]] || fail "show 'batch-*': $LAST_OUT"
expect_ok ctl show --json db web
[[ $(python3 -c 'import json,sys; print([u["Id"] for u in json.load(sys.stdin)])' <<<"$LAST_OUT") == \
        "['db.service', 'web.service']" ]] || fail "show --json db web: $LAST_OUT"
echo "ok: show of several units and of a glob"

# list PATTERN...
expect_ok ctl list --no-legend 'b*' web
[[ $(awk '{print $1}' <<<"$LAST_OUT" | tr '\n' ' ') == "batch-1.service web.service " ]] || fail "list 'b*' web: $LAST_OUT"
expect_ok ctl list 'nothing*'
[[ $LAST_OUT == *"0 units listed."* ]] || fail "list of a glob matching nothing: $LAST_OUT"
echo "ok: list with patterns"

# pressure UNIT...
expect_ok ctl pressure --no-legend db
[[ $(wc -l <<<"$LAST_OUT") == 1 && $LAST_OUT == db.service* ]] || fail "pressure db: $LAST_OUT"
expect_ok ctl pressure --json 'batch-*'
[[ $(python3 -c 'import json,sys; print([u["Id"] for u in json.load(sys.stdin)])' <<<"$LAST_OUT") == \
        "['batch-1.service']" ]] || fail "pressure --json 'batch-*': $LAST_OUT"
echo "ok: pressure of named units"

# Suffixless names in the verbs that change things.
expect_ok ctl set-property web CPUWeight=300
expect_file "$SLICE/web.service/cpu.weight" 300
expect_ok ctl explain web
grep -Eq '^CPUWeight +300 +persistent +ok +300$' <<<"$LAST_OUT" || fail "explain web: $LAST_OUT"
expect_ok ctl set-property --dry-run web CPUWeight=200
[[ $LAST_OUT == *"CPUWeight: 300 (persistent) → 200 (persistent)"* ]] || fail "dry-run web: $LAST_OUT"
expect_ok ctl revert web
expect_file "$SLICE/web.service/cpu.weight" 100
echo "ok: set-property/explain/revert web mean web.service"

# Globs where systemctl takes none, and names systemd would refuse: one clear
# line, exit 1, nothing changed.
snap=$T/before
snapshot "$snap"
expect_fail_with '"b*" is a glob pattern, but set-property takes one unit name.' ctl set-property 'b*' CPUWeight=1
((LAST_RC == 1)) || fail "set-property glob: exit $LAST_RC"
expect_fail_with '"b*" is a glob pattern, but revert takes one unit name.' ctl revert 'b*'
expect_fail_with 'Invalid unit name "a b"' ctl show 'a b'
expect_fail_with 'Invalid unit name "x/y"' ctl status x/y
expect_fail_with 'Unit name is empty.' ctl explain ''
expect_unchanged "$snap"
echo "ok: bad unit names refused before anything is sent"

stop_daemon TERM || fail "daemon exited with $?"
