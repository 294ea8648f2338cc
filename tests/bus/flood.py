#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Sends COUNT calls of org.cgpolicy1.Manager.METHOD at once on one connection
(with the allow-interactive-authorization flag, as cgpolicyctl on a terminal
does) and keeps OUTFILE up to date with how they were answered, as JSON:
{"sent": N, "answered": N, "ok": N, "errors": {"NAME": N, ...}}.
Exits when all are answered or after WAIT seconds. With SUSTAIN=SECONDS in the
environment, each successful reply is followed by one more call for that long,
so that the flood stays in flight however fast the daemon answers.

usage: flood.py BUS_ADDRESS COUNT WAIT OUTFILE METHOD ARGS
  ARGS: the call's arguments as one GVariant tuple text, e.g. "('db.service', false, [('CPUWeight', <@t 444>)])",
        or @FILE: a file with one string, sent as the only argument (CheckPolicy's document),
        ("{i}" in it is replaced by the call's number, 0 to COUNT-1, "{v}" by the
        call's entry in $VALUES, comma-separated),
        or big-set: a valid SetUnitProperties of about 17 MB (256 times IOReadBandwidthMax
        with 256 devices of 250-character names)
"""

import json
import os
import sys
import time

from gi.repository import Gio, GLib

address, count, wait, outfile, method, args = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), \
    sys.argv[4], sys.argv[5], sys.argv[6]

conn = Gio.DBusConnection.new_for_address_sync(
    address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
    None, None)
if args == "big-set":
    devs = [("/dev/" + "x" * 240 + "%05d" % i, 1) for i in range(256)]
    props = [("IOReadBandwidthMax", GLib.Variant("a(st)", devs))] * 256
    params = GLib.Variant("(sba(sv))", ("db.service", False, props))
elif args.startswith("@"):
    with open(args[1:]) as f:
        params = GLib.Variant("(s)", (f.read(),))
elif "{i}" not in args and "{v}" not in args:
    params = GLib.Variant.parse(None, args, None, None)
state = {"sent": 0, "answered": 0, "ok": 0, "errors": {}}
loop = GLib.MainLoop()
values = os.environ.get("VALUES", "").split(",")
sustain_until = time.monotonic() + float(os.environ.get("SUSTAIN", "0"))


def send():
    global params
    i = state["sent"]
    if "{i}" in args or "{v}" in args:
        params = GLib.Variant.parse(None, args.replace("{i}", str(i % count)).replace("{v}", values[i % len(values)]),
                                    None, None)
    conn.call("org.cgpolicy1", "/org/cgpolicy1", "org.cgpolicy1.Manager", method, params, None,
              Gio.DBusCallFlags.ALLOW_INTERACTIVE_AUTHORIZATION, 600 * 1000, None, done, None)
    state["sent"] += 1


def save():
    tmp = outfile + ".tmp"
    with open(tmp, "w") as f:
        json.dump(state, f)
    os.rename(tmp, outfile)


def done(c, res, _):
    try:
        c.call_finish(res)
        state["ok"] += 1
        if time.monotonic() < sustain_until:
            send()
    except GLib.Error as e:
        name = Gio.DBusError.get_remote_error(e) or e.message
        state["errors"][name] = state["errors"].get(name, 0) + 1
    state["answered"] += 1
    save()
    if state["answered"] == state["sent"] and time.monotonic() >= sustain_until:
        loop.quit()


for _ in range(count):
    send()
save()
GLib.timeout_add(int(wait * 1000), loop.quit)
loop.run()
save()
