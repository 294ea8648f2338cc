#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A stand-in for polkitd's org.freedesktop.PolicyKit1 on a private bus, for the
authorization tests: CheckAuthorization answers as the file MODE_FILE says
("yes", "no" or "challenge"), after DELAY seconds (to show the daemon keeps
serving others meanwhile), and logs every query as a JSON line to CALL_LOG.
With SLOW_UID (uids, comma-separated) in the environment, only callers of those
uids wait DELAY seconds;
the others are answered at once (to hold one user's calls pending).

usage: fake-polkit.py BUS_ADDRESS MODE_FILE CALL_LOG DELAY
"""

import json
import os
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

address, mode_file, call_log, delay = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
slow_uids = os.environ.get("SLOW_UID")


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

        wait = delay
        if slow_uids is not None:
            uid = bus.get_unix_user(str(subject[1]["name"]))
            wait = delay if str(uid) in slow_uids.split(",") else 0
        GLib.timeout_add(int(wait * 1000), answer)


dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
bus = dbus.bus.BusConnection(address)
name = dbus.service.BusName("org.freedesktop.PolicyKit1", bus)
Authority(bus, "/org/freedesktop/PolicyKit1/Authority")
print("fake polkit ready", flush=True)
GLib.MainLoop().run()
