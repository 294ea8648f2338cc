#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Latency benchmark (issue 10): cgpolicyd's D-Bus calls, each against the bus
floor measured in the same run. Same test bed as bench/scale.py (imported from
it): the cgroupfs backend on a fake cgroup tree on tmpfs, a private
dbus-daemon, --units units (default 100) under system.slice and the 4-property
policy matching all of them; READY=1 through NOTIFY_SOCKET.

1. In one long-lived sd-bus client (bench/bus-latency, built by meson), --calls
   calls of each kind, interleaved (after 100 unmeasured rounds): Peer.Ping (the floor),
   Properties.Get of a configured and of an effective property, GetAll, Explain,
   SetUnitProperties answered without a write (same value), runtime and
   persistent (a new CPUWeight each call). One line per kind:
     BENCH kind=call call=K calls=N p50_us p99_us mean_us max_us over_ping_us ratio_vs_ping
   over_ping_us = p50 - ping's p50; ratio_vs_ping = p50 / ping's p50.
2. As processes, --runs runs each, interleaved: `busctl call ... Peer.Ping`
   (the floor of a process), `busctl call ... SetUnitProperties` and
   `cgpolicyctl set-property` doing the same persistent Set (a new value each run):
     BENCH kind=process cmd=C runs=N median_ms p90_ms ratio_vs_busctl_ping [ratio_vs_busctl_set]
Figures only: nothing about timing is asserted; a failed call ends the run.
Usage: bench/latency.py --cgpolicyd BIN --cgpolicyctl BIN --bus-latency BIN [--units N] [--calls N] [--runs N]
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scale  # noqa: E402  the test bed: fake tree, private bus, READY=1


def pct(xs, p):
    xs = sorted(xs)
    k = max(1, -(-len(xs) * p // 100))  # nearest rank
    return xs[k - 1]


def calls(r, args, unit, runtime_unit, noop_unit):
    out = subprocess.run([args.bus_latency, r.address, unit, "--runtime-unit", runtime_unit, "--noop-unit", noop_unit,
                          "--calls", str(args.calls)], env=r.env, stdout=subprocess.PIPE, check=True,
                         text=True).stdout
    rows = []
    for line in out.splitlines():
        kv = dict(f.split("=", 1) for f in line.split())
        rows.append(kv)
    ping = float(next(kv for kv in rows if kv["kind"] == "ping")["p50_us"])
    for kv in rows:
        p50 = float(kv["p50_us"])
        print("BENCH kind=call call=%s units=%d calls=%s p50_us=%s p99_us=%s mean_us=%s max_us=%s "
              "over_ping_us=%.1f ratio_vs_ping=%.2f"
              % (kv["kind"], r.n, kv["calls"], kv["p50_us"], kv["p99_us"], kv["mean_us"], kv["max_us"],
                 p50 - ping, p50 / ping if ping > 0 else 0), flush=True)


def processes(r, args, unit):
    addr = "--address=" + r.address
    cmds = {
        "busctl-ping": lambda i: ["busctl", addr, "call", "org.cgpolicy1", "/org/cgpolicy1",
                                  "org.freedesktop.DBus.Peer", "Ping"],
        "busctl-set": lambda i: ["busctl", addr, "call", "org.cgpolicy1", "/org/cgpolicy1", "org.cgpolicy1.Manager",
                                 "SetUnitProperties", "sba(sv)", unit, "false", "1", "CPUWeight", "t",
                                 str(500 + i % 2)],
        "cgpolicyctl-set": lambda i: [args.cgpolicyctl, "--bus-address=" + r.address, "set-property", unit,
                                      "CPUWeight=%d" % (600 + i % 2)],
    }
    times = {k: [] for k in cmds}
    for i in range(args.runs + 5):  # interleaved, so drift hits all alike; 5 unmeasured
        for k, f in cmds.items():
            cmd = f(i)
            t0 = time.monotonic()
            subprocess.run(cmd, env=r.env, stdout=subprocess.DEVNULL, check=True)
            dt = (time.monotonic() - t0) * 1000
            if i >= 5:
                times[k].append(dt)
    # the last Set held: the file has the value of the last cgpolicyctl run
    want = str(600 + (args.runs + 4) % 2)
    got = scale.read(os.path.join(r.slice, unit, "cpu.weight")).strip()
    if got != want:
        sys.exit("%s: cpu.weight is %s after the last set-property, not %s" % (unit, got, want))
    med = {k: statistics.median(v) for k, v in times.items()}
    for k, v in times.items():
        extra = " ratio_vs_busctl_set=%.2f" % (med[k] / med["busctl-set"]) if k == "cgpolicyctl-set" else ""
        print("BENCH kind=process cmd=%s units=%d runs=%d median_ms=%.2f p90_ms=%.2f ratio_vs_busctl_ping=%.2f%s"
              % (k, r.n, len(v), med[k], pct(v, 90), med[k] / med["busctl-ping"], extra), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cgpolicyd", required=True)
    ap.add_argument("--cgpolicyctl", required=True)
    ap.add_argument("--bus-latency", required=True, help="bench/bus-latency as built")
    ap.add_argument("--units", type=int, default=100)
    ap.add_argument("--calls", type=int, default=2000, help="calls per kind in the long-lived client")
    ap.add_argument("--runs", type=int, default=200, help="runs per command in the process comparison")
    ap.add_argument("--log-level", default="info")
    ap.add_argument("--wrapper", default="")
    ap.add_argument("--tmpdir", default="/dev/shm" if os.path.isdir("/dev/shm") else None)
    args = ap.parse_args()
    args.idle = 0
    r = scale.Run(args, args.units)
    try:
        start_ms, _ = r.start()
        if not r.all_hold(range(1, args.units + 1), "pids.max", "50"):
            sys.exit("not every unit was applied at READY")
        print("BENCH kind=latency-setup units=%d start_ms=%d" % (args.units, start_ms), flush=True)
        calls(r, args, "u1.service", "u2.service", "u4.service")
        # the runtime and persistent Sets took: the files hold the last values
        last = 100 + args.calls - 1  # bus-latency's warm-up rounds + calls
        for u, want in (("u2.service", 201 + last % 2), ("u1.service", 301 + last % 2), ("u4.service", 400)):
            got = scale.read(os.path.join(r.slice, u, "cpu.weight")).strip()
            if got != str(want):
                sys.exit("%s: cpu.weight is %s after the calls, not %d" % (u, got, want))
        processes(r, args, "u3.service")
        if r.daemon.poll() is not None:
            sys.exit("cgpolicyd exited during the run")
    finally:
        r.close()


if __name__ == "__main__":
    main()
