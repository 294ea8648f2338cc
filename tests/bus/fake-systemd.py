#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A stand-in for PID 1's org.freedesktop.systemd1 on a private bus, for the
systemd backend tests: ListUnits, per-unit GetAll, Subscribe, SetUnitProperties
(recorded to a JSON-lines log and written into the fake cgroup tree as systemd
would), the UnitNew/UnitRemoved/JobRemoved/Reloading signals and PropertiesChanged
as PID 1 sends it (all of an interface's properties at each change); a stopped
unit is unloaded shortly after and loaded again by a GetAll or a set, as PID 1
does. A test
interface (test.FakeSystemd) lets the test add/remove units and simulate a
daemon-reload.

usage: fake-systemd.py BUS_ADDRESS CGROUP_ROOT CALL_LOG UNITS_JSON
UNITS_JSON: [{"name", "slice", "user", "main_pid", "unit_file": {"cpu.weight": "100", ...}}]
"""

import json
import os
import shutil
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

BUS_NAME = "org.freedesktop.systemd1"
MANAGER_PATH = "/org/freedesktop/systemd1"
MANAGER_IFACE = "org.freedesktop.systemd1.Manager"
U64_MAX = 2**64 - 1


def path_encode(name):
    # sd_bus_path_encode(): every byte but [A-Za-z0-9] becomes _XX
    out = []
    for b in name.encode():
        c = chr(b)
        out.append(c if c.isascii() and c.isalnum() else "_%02x" % b)
    return MANAGER_PATH + "/unit/" + "".join(out)


def size_text(v):
    return "max" if v == U64_MAX else str(v)


def file_writes(name, value):
    """What systemd writes into the cgroup for one SetUnitProperties entry."""
    v = int(value) if isinstance(value, (dbus.UInt64, dbus.Int32, int)) else value
    if name == "CPUWeight":
        return {"cpu.weight": str(100 if v == U64_MAX else v)}
    if name == "IOWeight":
        return {"io.weight": "default %d" % (100 if v == U64_MAX else v)}
    if name in ("MemoryMin", "MemoryLow", "MemoryHigh", "MemoryMax"):
        return {"memory." + name[6:].lower(): size_text(v)}
    if name == "MemorySwapMax":
        return {"memory.swap.max": size_text(v)}
    if name == "TasksMax":
        return {"pids.max": size_text(v)}
    if name == "IOReadBandwidthMax":
        # the list as it is after this entry; an empty one clears it (one line per device)
        # systemd reads /dev/block/MAJ:MIN as the number (and cannot stat a bare MAJ:MIN)
        return {"io.max": "\n".join("%s rbps=%d" % (d.removeprefix("/dev/block/"), b) for d, b in v)}
    if name == "CPUQuotaPerSecUSec":
        return {"cpu.max": "max 100000" if v == U64_MAX else "%d 100000" % (v * 100000 // 1000000)}
    return {}


class Unit(dbus.service.Object):
    def __init__(self, fake, spec):
        self.fake = fake
        self.spec = spec
        self.path = path_encode(spec["name"])
        self.loaded = True
        self.getall_calls = 0
        super().__init__(fake.conn, self.path)

    def load(self):
        # PID 1 loads a unit that a client asks about (and unloads it again
        # when it is inactive and nothing refers to it)
        self.getall_calls += 1
        if self.loaded:
            return
        self.loaded = True
        self.fake.manager.UnitNew(self.spec["name"], dbus.ObjectPath(self.path))
        # an inactive unit nothing refers to goes again once the call is done:
        # PID 1's garbage collection wins the race against the client's next
        # call under load, so the fake lets it win always
        self.unload()

    def unload(self):
        if self.loaded and self.spec.get("state") == "inactive":
            self.loaded = False
            self.fake.manager.UnitRemoved(self.spec["name"], dbus.ObjectPath(self.path))
        return False  # a GLib one-shot

    @dbus.service.signal("org.freedesktop.DBus.Properties", signature="sa{sv}as")
    def PropertiesChanged(self, interface, changed, invalidated):
        pass

    def changed(self):
        # like PID 1: every emits-change property of the interface, changed or not
        s = self.spec
        self.PropertiesChanged("org.freedesktop.systemd1.Unit", {
            "ActiveState": dbus.String(s.get("state", "active")),
            "SubState": dbus.String("running" if s.get("state", "active") == "active" else "dead"),
            "Requires": dbus.Array([], signature="s"),
        }, dbus.Array([], signature="s"))
        self.PropertiesChanged("org.freedesktop.systemd1.Service", {
            "MainPID": dbus.UInt32(s.get("main_pid", 0)),
            "StatusText": dbus.String(""),
        }, dbus.Array([], signature="s"))

    def cgroup(self):
        if "cgroup" in self.spec:
            return self.spec["cgroup"]
        return "/" + self.spec["slice"] + "/" + self.spec["name"]

    @dbus.service.method("org.freedesktop.DBus.Properties", in_signature="s", out_signature="a{sv}")
    def GetAll(self, interface):
        self.load()
        s = self.spec
        return {
            "Id": dbus.String(s["name"]),
            "ActiveState": dbus.String(s.get("state", "active")),
            "Slice": dbus.String(s["slice"]),
            "ControlGroup": dbus.String(self.cgroup()),
            "User": dbus.String(s.get("user", "")),
            "MainPID": dbus.UInt32(s.get("main_pid", 0)),
            "CPUWeight": dbus.UInt64(U64_MAX),
        }


class Manager(dbus.service.Object):
    def __init__(self, fake):
        self.fake = fake
        super().__init__(fake.conn, MANAGER_PATH)

    @dbus.service.method(MANAGER_IFACE, in_signature="", out_signature="")
    def Subscribe(self):
        self.fake.subscribed = True

    @dbus.service.method(MANAGER_IFACE, in_signature="", out_signature="a(ssssssouso)")
    def ListUnits(self):
        return [(u.spec["name"], "", "loaded", u.spec.get("state", "active"), "running", "",
                 dbus.ObjectPath(u.path), dbus.UInt32(0), "", dbus.ObjectPath("/"))
                for u in self.fake.units.values()]

    @dbus.service.method(MANAGER_IFACE, in_signature="sba(sv)", out_signature="",
                         async_callbacks=("reply", "reply_error"))
    def SetUnitProperties(self, name, runtime, props, reply, reply_error):
        # FAKE_SYSTEMD_REPLY_DELAY_MS: PID 1 busy, the reply comes late (a call in flight)
        delay = int(os.environ.get("FAKE_SYSTEMD_REPLY_DELAY_MS", "0"))
        try:
            self.set_unit_properties(name, runtime, props)
        except dbus.exceptions.DBusException as e:
            reply_error(e)
            return
        if delay <= 0:
            reply()
            return
        GLib.timeout_add(delay, lambda: reply() and False)

    def set_unit_properties(self, name, runtime, props):
        unit = self.fake.units.get(str(name))
        if unit is None:
            raise dbus.exceptions.DBusException("Unit %s not loaded." % name,
                                                name="org.freedesktop.systemd1.NoSuchUnit")
        unit.load()
        unit.getall_calls -= 1  # counted as a load, not a GetAll
        entries = []
        for pname, value in props:
            if pname == "OOMScoreAdjust":
                raise dbus.exceptions.DBusException("Cannot set property OOMScoreAdjust, or unknown property.",
                                                    name="org.freedesktop.DBus.Error.PropertyReadOnly")
            if isinstance(value, dbus.Array):
                value = [list(x) if isinstance(x, dbus.Struct) else int(x) for x in value]
                value = [[str(a), int(b)] for a, b in value] if value and isinstance(value[0], list) else value
            else:
                value = int(value)
            entries.append([str(pname), value])
            for f, content in file_writes(str(pname), value).items():
                self.fake.write_later(unit, f, content)
        with open(self.fake.call_log, "a") as log:
            log.write(json.dumps({"unit": str(name), "runtime": bool(runtime), "props": entries}) + "\n")
        unit.changed()

    @dbus.service.signal(MANAGER_IFACE, signature="so")
    def UnitNew(self, name, path):
        pass

    @dbus.service.signal(MANAGER_IFACE, signature="so")
    def UnitRemoved(self, name, path):
        pass

    @dbus.service.signal(MANAGER_IFACE, signature="uoss")
    def JobRemoved(self, job_id, job, unit, result):
        pass

    @dbus.service.signal(MANAGER_IFACE, signature="b")
    def Reloading(self, active):
        pass

    # --- test controls ---
    @dbus.service.method("test.FakeSystemd", in_signature="s", out_signature="")
    def AddUnit(self, spec_json):
        unit = self.fake.add(json.loads(spec_json))
        self.UnitNew(unit.spec["name"], dbus.ObjectPath(unit.path))
        self.JobRemoved(dbus.UInt32(1), dbus.ObjectPath(MANAGER_PATH + "/job/1"), unit.spec["name"], "done")

    @dbus.service.method("test.FakeSystemd", in_signature="s", out_signature="")
    def RemoveUnit(self, name):
        unit = self.fake.units.pop(str(name))
        unit.remove_from_connection()
        self.UnitRemoved(name, dbus.ObjectPath(unit.path))

    @dbus.service.method("test.FakeSystemd", in_signature="s", out_signature="")
    def StopUnit(self, name):
        # stopped but still loaded (as systemd keeps it, drop-ins and all):
        # the cgroup goes, SetUnitProperties still works
        unit = self.fake.units[str(name)]
        unit.spec["state"] = "inactive"
        shutil.rmtree(self.fake.root + unit.cgroup())
        unit.changed()
        self.JobRemoved(dbus.UInt32(3), dbus.ObjectPath(MANAGER_PATH + "/job/3"), unit.spec["name"], "done")
        self.fake.schedule_gc(unit)

    @dbus.service.method("test.FakeSystemd", in_signature="s", out_signature="u")
    def GetAllCalls(self, name):
        return dbus.UInt32(self.fake.units[str(name)].getall_calls)

    @dbus.service.method("test.FakeSystemd", in_signature="s", out_signature="")
    def RestartUnit(self, name):
        # a new cgroup instance that starts with the unit's runtime drop-ins
        # applied, i.e. with the values last set through SetUnitProperties
        unit = self.fake.units[str(name)]
        path = self.fake.root + unit.cgroup()
        os.rename(path, path + ".old")
        shutil.copytree(path + ".old", path)
        shutil.rmtree(path + ".old")
        self.JobRemoved(dbus.UInt32(2), dbus.ObjectPath(MANAGER_PATH + "/job/2"), unit.spec["name"], "done")

    @dbus.service.method("test.FakeSystemd", in_signature="", out_signature="")
    def DaemonReload(self):
        # like systemd: put the unit-file values back into every cgroup
        self.Reloading(True)
        for unit in self.fake.units.values():
            for f, content in unit.spec.get("unit_file", {}).items():
                self.fake.write(unit, f, content)
        self.Reloading(False)


class Fake:
    def __init__(self, address, root, call_log):
        self.root = root
        self.call_log = call_log
        self.units = {}
        self.subscribed = False
        self.conn = dbus.bus.BusConnection(address)
        self.name = dbus.service.BusName(BUS_NAME, self.conn)
        self.manager = Manager(self)

    def schedule_gc(self, unit):
        GLib.idle_add(unit.unload)  # PID 1 collects at once, before the next client call

    def write_later(self, unit, f, content):
        # PID 1 answers first and writes the cgroup from its realize queue;
        # FAKE_SYSTEMD_WRITE_DELAY_MS makes that "later" long
        delay = int(os.environ.get("FAKE_SYSTEMD_WRITE_DELAY_MS", "0"))
        if delay <= 0:
            self.write(unit, f, content)
            return
        def late():
            self.write(unit, f, content)
            return False
        GLib.timeout_add(delay, late)

    def write(self, unit, f, content):
        if not os.path.isdir(self.root + unit.cgroup()):
            return  # a stopped unit: systemd keeps the value for its next start
        path = self.root + unit.cgroup() + "/" + f
        with open(path, "w") as fh:
            fh.write(content + "\n")

    def add(self, spec):
        unit = Unit(self, spec)
        self.units[spec["name"]] = unit
        return unit


def main():
    address, root, call_log, units_json = sys.argv[1:5]
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    fake = Fake(address, root, call_log)
    with open(units_json) as fh:
        for spec in json.load(fh):
            fake.add(spec)
    print("ready", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
