#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A stand-in for polkitd's org.freedesktop.PolicyKit1 on a private bus, for the
authorization tests: CheckAuthorization answers as the file MODE_FILE says
("yes", "no" or "challenge"), after DELAY seconds (to show the daemon keeps
serving others meanwhile), and logs every query as a JSON line to CALL_LOG.

usage: fake-polkit.py BUS_ADDRESS MODE_FILE CALL_LOG DELAY
"""

import json
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

address, mode_file, call_log, delay = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])


class Authority(dbus.service.Object):
    @dbus.service.method("org.freedesktop.PolicyKit1.Authority",
                         in_signature="(sa{sv})sa{ss}us", out_signature="(bba{ss})",
                         async_callbacks=("reply", "error"))
    def CheckAuthorization(self, subject, action, details, flags, cancel_id, reply, error):
        with open(mode_file) as f:
            mode = f.read().strip()
        with open(call_log, "a") as f:
            f.write(json.dumps({
                "kind": str(subject[0]),
                "subject": {str(k): str(v) for k, v in subject[1].items()},
                "action": str(action),
                "details": {str(k): str(v) for k, v in details.items()},
                "flags": int(flags),
                "mode": mode,
            }) + "\n")

        def answer():
            reply((mode == "yes", mode == "challenge", {}))
            return False

        GLib.timeout_add(int(delay * 1000), answer)


dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
bus = dbus.bus.BusConnection(address)
name = dbus.service.BusName("org.freedesktop.PolicyKit1", bus)
Authority(bus, "/org/freedesktop/PolicyKit1/Authority")
print("fake polkit ready", flush=True)
GLib.MainLoop().run()
