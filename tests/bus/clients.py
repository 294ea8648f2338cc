#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""COUNT concurrent clients of org.cgpolicy1, each on its own connection: all
connect first, then each sends one call at once (ListUnits, GetUnit, Explain,
a property Get, and every 10th a runtime SetUnitProperties of TasksMax with its
own value on web.service), and waits. Writes JSON to OUTFILE: {"clients": N,
"connected": N, "answered": N, "ok": N, "errors": {NAME: N}, "max_ms": F,
"p50_ms": F, "last_set": V}; "last_set" is the value of the set answered last.

usage: clients.py BUS_ADDRESS COUNT WAIT OUTFILE
"""
import json
import sys
import time

from gi.repository import Gio, GLib

address, count, wait, outfile = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
flags = Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION
conns = []
for i in range(count):
    conns.append(Gio.DBusConnection.new_for_address_sync(address, flags, None, None))
res = {"clients": count, "connected": len(conns), "answered": 0, "ok": 0, "errors": {}, "acked_sets": []}
lat = []
loop = GLib.MainLoop()


def call(i, c):
    k = i % 10
    t0 = time.monotonic()
    if k == 0:
        args = ("org.cgpolicy1.Manager", "SetUnitProperties",
                GLib.Variant("(sba(sv))", ("web.service", True, [("TasksMax", GLib.Variant("t", 1000 + i))])))
    elif k in (1, 2, 3):
        args = ("org.cgpolicy1.Manager", "ListUnits", None)
    elif k in (4, 5, 6):
        args = ("org.cgpolicy1.Manager", "GetUnit", GLib.Variant("(s)", ("db.service",)))
    elif k in (7, 8):
        args = ("org.cgpolicy1.Manager", "Explain", GLib.Variant("(s)", ("db.service",)))
    else:
        args = None

    def done(conn, result, _):
        try:
            conn.call_finish(result)
            res["ok"] += 1
            if k == 0:
                res["acked_sets"].append(1000 + i)
        except GLib.Error as e:
            name = Gio.DBusError.get_remote_error(e) or e.message
            res["errors"][name] = res["errors"].get(name, 0) + 1
        lat.append((time.monotonic() - t0) * 1000)
        res["answered"] += 1
        if res["answered"] == count:
            loop.quit()

    if args is None:
        c.call("org.cgpolicy1", "/org/cgpolicy1", "org.freedesktop.DBus.Properties", "Get",
               GLib.Variant("(ss)", ("org.cgpolicy1.Manager", "Version")), None, Gio.DBusCallFlags.NONE,
               int(wait * 1000), None, done, None)
    else:
        c.call("org.cgpolicy1", "/org/cgpolicy1", args[0], args[1], args[2], None, Gio.DBusCallFlags.NONE,
               int(wait * 1000), None, done, None)


for i, c in enumerate(conns):
    call(i, c)
GLib.timeout_add(int(wait * 1000), loop.quit)
loop.run()
lat.sort()
res["max_ms"] = round(lat[-1], 1) if lat else None
res["p50_ms"] = round(lat[len(lat) // 2], 1) if lat else None
with open(outfile, "w") as f:
    json.dump(res, f, sort_keys=True)
sys.exit(0 if res["answered"] == count else 1)
