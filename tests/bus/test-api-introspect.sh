#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The shipped introspection XML (dbus/org.cgpolicy1.*.xml) is what the running
# daemon says; regenerate with dbus/update-xml.sh BUILDDIR when it is not.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-api.sh"
: "${PROJECT_SOURCE_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"

make_tree xml.service
start_daemon

api_interface_xml /org/cgpolicy1 org.cgpolicy1.Manager >"$T/Manager.xml"
api_interface_xml /org/cgpolicy1/unit/xml_2eservice org.cgpolicy1.Unit >"$T/Unit.xml"
grep -q '<method name="SetUnitProperties">' "$T/Manager.xml" || fail "live Manager introspection lacks methods"
grep -q '<property name="EffectiveMemoryHigh" type="t"' "$T/Unit.xml" || fail "live Unit introspection incomplete"
# every decision has its signal: drift re-assertions too (issue 11 item 8)
for sig in UnitNew UnitRemoved Rebalanced Reasserted PolicyReloaded; do
        grep -q "<signal name=\"$sig\">" "$T/Manager.xml" || fail "no $sig signal"
done
python3 - "$T/Manager.xml" <<'PY' || fail "Reasserted has not the arguments (s unit, s property, s found, s value, s reason)"
import sys, xml.etree.ElementTree as ET
sig = ET.parse(sys.argv[1]).find(".//signal[@name='Reasserted']")
assert [(a.get("type"), a.get("name")) for a in sig.findall("arg")] == \
        [("s", "unit"), ("s", "property"), ("s", "found"), ("s", "value"), ("s", "reason")]
PY
for i in Manager Unit; do
        diff -u "$PROJECT_SOURCE_ROOT/dbus/org.cgpolicy1.$i.xml" "$T/$i.xml" >&2 ||
                fail "dbus/org.cgpolicy1.$i.xml is out of date: run dbus/update-xml.sh BUILDDIR"
done

# Standard interfaces are there, for busctl and friends.
expect_ok bctl introspect org.cgpolicy1 /org/cgpolicy1/unit/xml_2eservice
for iface in org.freedesktop.DBus.Properties org.freedesktop.DBus.Introspectable org.freedesktop.DBus.Peer; do
        [[ $LAST_OUT == *"$iface"* ]] || fail "no $iface"
done
# The unit node is listed by the enumerator.
expect_ok bctl introspect --xml-interface org.cgpolicy1 /org/cgpolicy1/unit
[[ $LAST_OUT == *'<node name="xml_2eservice"/>'* ]] || fail "unit not enumerated: $LAST_OUT"
# An object for a unit that is not managed does not exist.
expect_fail_with "" bctl get-property org.cgpolicy1 /org/cgpolicy1/unit/nope_2eservice org.cgpolicy1.Unit Id
echo "ok: introspection matches dbus/*.xml"

stop_daemon TERM || fail "daemon exited with $?"
