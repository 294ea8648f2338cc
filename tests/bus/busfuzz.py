#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A D-Bus method fuzzer for org.cgpolicy1 (dfuzzer is not packaged in Debian;
this uses python3-dbus only). Every method of every interface the daemon's
objects introspect (org.cgpolicy1.Manager, org.cgpolicy1.Unit, Properties,
Introspectable, Peer, ObjectManager) is called with random arguments: most
calls with the method's own signature and random values (unit and property
names drawn from the real ones, mutated, or random; variants of random type),
the rest with a random wrong signature. Each call must be answered within
TIMEOUT seconds by a reply or by a named error; no answer, a disconnect or the
name vanishing is a failure.

usage: busfuzz.py BUS_ADDRESS CALLS SEED OUTFILE
Writes JSON to OUTFILE: {"calls": N, "replies": N, "errors": {"NAME": N},
"failures": [...], "methods": {"IFACE.METHOD": N}}; exits 1 on any failure.
"""

import json
import random
import sys
import time

import dbus

DEST = "org.cgpolicy1"
TIMEOUT = 10.0

PROPS = ["CPUWeight", "CPUQuota", "CPUQuotaPeriodSec", "AllowedCPUs", "AllowedMemoryNodes", "MemoryMin",
         "MemoryLow", "MemoryHigh", "MemoryMax", "MemorySwapMax", "IOWeight", "IODeviceWeight",
         "IOReadBandwidthMax", "IOWriteBandwidthMax", "IOReadIOPSMax", "IOWriteIOPSMax",
         "IODeviceLatencyTargetSec", "TasksMax", "OOMScoreAdjust", "CPUQuotaPerSecUSec",
         "CPUQuotaPeriodUSec", "IODeviceLatencyTargetUSec"]
BASIC = "ybnqiuxtdsogh"


def rand_str(rng):
    k = rng.random()
    if k < 0.2:
        return ""
    if k < 0.4:
        return "".join(rng.choice("abc.-_@\\:/ 0123456789") for _ in range(rng.randint(1, 40)))
    if k < 0.5:
        return "x" * rng.choice([255, 256, 1024, 70000])
    if k < 0.7:
        return "".join(chr(rng.randint(1, 0x2FFF)) for _ in range(rng.randint(1, 20)))
    return rng.choice(["/dev/null", "/dev/sda 1M", "max", "infinity", "-1", "0", "18446744073709551615",
                       "1G 512M", "50%", "0-3", "1-0", "*.service", "{}", '{"policies": []}',
                       '{"policies": [{"name": "x", "match": {"unit": "*"}, "properties": {"CPUWeight": 1}}]}'])


class Gen:
    def __init__(self, rng, units):
        self.rng = rng
        self.units = units

    def unit_name(self):
        r = self.rng.random()
        if r < 0.6 and self.units:
            return self.rng.choice(self.units)
        if r < 0.8 and self.units:
            u = list(self.rng.choice(self.units))
            if u:
                u[self.rng.randrange(len(u))] = chr(self.rng.randint(32, 126))
            return "".join(u)
        return rand_str(self.rng)

    def prop_name(self):
        return self.rng.choice(PROPS) if self.rng.random() < 0.8 else rand_str(self.rng)

    def value(self, sig, depth=0, hint=None):
        rng = self.rng
        c = sig[0]
        if c == "y":
            return dbus.Byte(rng.randint(0, 255))
        if c == "b":
            return dbus.Boolean(rng.random() < 0.5)
        if c == "n":
            return dbus.Int16(rng.randint(-2**15, 2**15 - 1))
        if c == "q":
            return dbus.UInt16(rng.randint(0, 2**16 - 1))
        if c == "i":
            return dbus.Int32(rng.choice([0, -1, 1, -1000, 1000, -2**31, 2**31 - 1, rng.randint(-2**31, 2**31 - 1)]))
        if c == "u":
            return dbus.UInt32(rng.choice([0, 1, 2**32 - 1, rng.randint(0, 2**32 - 1)]))
        if c == "x":
            return dbus.Int64(rng.choice([0, -1, 2**63 - 1, -2**63, rng.randint(-2**63, 2**63 - 1)]))
        if c == "t":
            return dbus.UInt64(rng.choice([0, 1, 100, 10000, 2**64 - 1, 2**63, rng.randint(0, 2**64 - 1)]))
        if c == "d":
            return dbus.Double(rng.choice([0.0, -1.0, 1e308, float("inf"), float("nan"), rng.random()]))
        if c == "s":
            if hint == "unit":
                return dbus.String(self.unit_name())
            if hint == "prop":
                return dbus.String(self.prop_name())
            if hint == "iface":
                return dbus.String(rng.choice(["org.cgpolicy1.Manager", "org.cgpolicy1.Unit", "", "x.y"]))
            return dbus.String(rand_str(rng))
        if c == "o":
            return dbus.ObjectPath(rng.choice(["/", "/org/cgpolicy1", "/org/cgpolicy1/unit/db_2eservice",
                                               "/org/cgpolicy1/unit/x", "/a/b"]))
        if c == "g":
            return dbus.Signature(rng.choice(["", "s", "a{sv}", "(ii)"]))
        if c == "h":
            return dbus.types.UnixFd(sys.stdin.fileno()) if hasattr(dbus.types, "UnixFd") else dbus.Int32(0)
        if c == "v":
            inner = self.rand_sig(depth + 1)
            v = self.value(inner, depth + 1)
            return self.variant(v, inner)
        if c == "a":
            elem = sig[1:]
            n = self.rng.choice([0, 1, 1, 2, 3, 8]) if depth < 3 else 0
            if elem.startswith("{"):
                k, vs = split_dict(elem)
                d = dbus.Dictionary({}, signature=k + vs)
                for _ in range(n):
                    d[self.value(k, depth + 1)] = self.value(vs, depth + 1)
                return d
            if elem == "y":
                return dbus.ByteArray(bytes(rng.randint(0, 255) for _ in range(n)))
            # SetUnitProperties' a(sv): property names that exist, values of any type
            sub_hint = "prop" if elem == "(sv)" else ("prop" if hint == "props" else None)
            return dbus.Array([self.value(elem, depth + 1, sub_hint) for _ in range(n)], signature=elem)
        if c == "(":
            fields = split_struct(sig)
            vals = []
            for i, f in enumerate(fields):
                vals.append(self.value(f, depth + 1, hint if i == 0 else None))
            return dbus.Struct(vals, signature="".join(fields))
        raise ValueError(sig)

    def variant(self, v, sig):
        # python-dbus puts a value in a variant when the signature says v
        return v

    def rand_sig(self, depth=0):
        rng = self.rng
        k = rng.random()
        if depth > 2 or k < 0.6:
            return rng.choice(BASIC[:-1])
        if k < 0.8:
            return "a" + self.rand_sig(depth + 1)
        if k < 0.9:
            return "a{s" + self.rand_sig(depth + 1) + "}"
        return "(" + "".join(self.rand_sig(depth + 1) for _ in range(rng.randint(1, 3))) + ")"


def split_one(sig):
    """first complete type of sig, rest"""
    c = sig[0]
    if c == "a":
        t, rest = split_one(sig[1:])
        return "a" + t, rest
    if c in "({":
        close = ")" if c == "(" else "}"
        depth = 0
        for i, ch in enumerate(sig):
            if ch in "({":
                depth += 1
            elif ch in ")}":
                depth -= 1
                if depth == 0:
                    return sig[:i + 1], sig[i + 1:]
        raise ValueError(sig)
    return c, sig[1:]


def split_all(sig):
    out = []
    while sig:
        t, sig = split_one(sig)
        out.append(t)
    return out


def split_struct(sig):
    return split_all(sig[1:-1])


def split_dict(elem):
    inner = split_all(elem[1:-1])
    return inner[0], inner[1]


def introspect(bus, path):
    import xml.etree.ElementTree as ET
    xml = bus.call_blocking(DEST, path, "org.freedesktop.DBus.Introspectable", "Introspect", "", [],
                            timeout=TIMEOUT)
    root = ET.fromstring(str(xml))
    methods = []
    for iface in root.findall("interface"):
        for m in iface.findall("method"):
            ins = "".join(a.get("type") for a in m.findall("arg") if a.get("direction", "in") == "in")
            names = [a.get("name") or "" for a in m.findall("arg") if a.get("direction", "in") == "in"]
            methods.append((iface.get("name"), m.get("name"), ins, names))
    return methods


def hint_for(name, method):
    if name in ("name", "unit"):
        return "unit"
    if name in ("properties", "property") and method == "RevertUnitProperties":
        return "props"
    if name in ("interface_name", "interface"):
        return "iface"
    if name in ("property_name", "property"):
        return "prop"
    return None


def main():
    address, calls, seed, outfile = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    rng = random.Random(seed)
    bus = dbus.bus.BusConnection(address)
    units = [str(u[0]) for u in bus.call_blocking(DEST, "/org/cgpolicy1", "org.cgpolicy1.Manager", "ListUnits",
                                                    "", [], timeout=TIMEOUT)]
    paths = ["/org/cgpolicy1"] + [str(u[3]) for u in bus.call_blocking(
        DEST, "/org/cgpolicy1", "org.cgpolicy1.Manager", "ListUnits", "", [], timeout=TIMEOUT)][:3]
    targets = []
    for p in paths:
        for iface, meth, sig, names in introspect(bus, p):
            targets.append((p, iface, meth, sig, names))
    gen = Gen(rng, units)
    res = {"calls": 0, "replies": 0, "errors": {}, "failures": [], "methods": {}, "wrong_signature": 0}
    t0 = time.time()
    for i in range(calls):
        path, iface, meth, sig, names = targets[i % len(targets)] if i < len(targets) else rng.choice(targets)
        if rng.random() < 0.25:
            # wrong signature: another random one (or none, or one argument too many)
            k = rng.random()
            if k < 0.3:
                wsig = ""
            elif k < 0.6:
                wsig = sig + rng.choice(BASIC[:-1])
            else:
                wsig = "".join(gen.rand_sig() for _ in range(rng.randint(1, 3)))
            if wsig == sig:
                wsig = sig + "s"
            args = [gen.value(t) for t in split_all(wsig)]
            use_sig = wsig
            res["wrong_signature"] += 1
        else:
            ts = split_all(sig)
            args = [gen.value(t, 0, hint_for(names[j] if j < len(names) else "", meth)) for j, t in enumerate(ts)]
            use_sig = sig
        if meth == "Reload" and rng.random() < 0.9:
            continue  # every reload re-applies every unit: keep them a few
        key = iface + "." + meth
        res["methods"][key] = res["methods"].get(key, 0) + 1
        res["calls"] += 1
        try:
            bus.call_blocking(DEST, path, iface, meth, use_sig, args, timeout=TIMEOUT)
            res["replies"] += 1
        except dbus.exceptions.DBusException as e:
            name = e.get_dbus_name() or ""
            if name in ("org.freedesktop.DBus.Error.NoReply", "org.freedesktop.DBus.Error.ServiceUnknown",
                        "org.freedesktop.DBus.Error.NameHasNoOwner", "org.freedesktop.DBus.Error.Disconnected",
                        "org.freedesktop.DBus.Error.Timeout") or not name:
                res["failures"].append({"call": key, "signature": use_sig, "args": repr(args)[:300],
                                        "error": name, "message": str(e)[:300]})
                if len(res["failures"]) > 5:
                    break
            else:
                res["errors"][name] = res["errors"].get(name, 0) + 1
        except (TypeError, ValueError, OverflowError) as e:
            # python-dbus could not marshal it: not sent, not counted
            res["calls"] -= 1
            res["methods"][key] -= 1
    res["seconds"] = round(time.time() - t0, 1)
    with open(outfile, "w") as f:
        json.dump(res, f, indent=1, sort_keys=True)
    sys.exit(1 if res["failures"] else 0)


if __name__ == "__main__":
    main()
