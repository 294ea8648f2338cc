#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Scale benchmark (issue 10): cgpolicyd with the cgroupfs backend on a fake
cgroup tree (on tmpfs, as cgroupfs lives in memory) and a private dbus-daemon,
N units under system.slice and a 4-property policy matching all of them.

For each N it prints one "BENCH key=value ..." line:
  start_ms      exec -> READY=1 (sent once every unit is applied)
  floor_ms      the same writes done by this script (open/write/close of the
                4 files of every unit): the I/O floor; ratio = start_ms / floor_ms
  busmax_ms     slowest Ping answered while the start-up runs (a probe every 20 ms)
  rss_kb        VmRSS after start-up; per_unit_b = (rss - rss at 10 units) / N
  idle_wakeups  context switches of the daemon over --idle seconds while nothing changes
  list_ms       ListUnits and GetManagedObjects over the bus (busctl), cgpolicyctl list
  new_ms        N/10 units appearing at once -> all applied
  reload_ms     policy changed for every unit, cgpolicyctl reload -> all rewritten
  stop_ms       SIGTERM -> exit; restored = units whose files hold their originals again
Figures only; nothing is asserted but correctness (every unit applied and restored).
Usage: bench/scale.py --cgpolicyd BIN --cgpolicyctl BIN [--idle SEC] [--wrapper CMD] N...
"""
import argparse
import math
import os
import shutil
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

FILES = {
    "cpu.weight": "100\n", "cpu.max": "max 100000\n", "cpu.idle": "0\n",
    "memory.min": "0\n", "memory.low": "0\n", "memory.high": "max\n", "memory.max": "max\n",
    "memory.swap.max": "max\n", "memory.current": "16777216\n",
    "io.weight": "default 100\n", "io.max": "", "io.latency": "", "pids.max": "max\n",
    "cpuset.cpus": "\n", "cpuset.mems": "\n", "cpuset.cpus.effective": "0-3\n",
    "cpuset.mems.effective": "0\n", "cgroup.procs": "", "cgroup.events": "populated 0\nfrozen 0\n",
    "cgroup.controllers": "cpuset cpu io memory pids\n",
    "cgroup.subtree_control": "cpuset cpu io memory pids\n",
}
PSI = "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
POLICY = """{ "policies": [ { "name": "all", "match": { "unit": "u*.service" },
  "properties": { "CPUWeight": %d, "MemoryHigh": "1G", "TasksMax": 50, "IOWeight": 300 } } ] }"""
BUS_CONF = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:path=%s</listen><auth>EXTERNAL</auth>
<limit name="max_replies_per_connection">128</limit>
<policy context="default"><allow user="*"/><allow own="*"/>
<allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/></policy>
</busconfig>"""


def make_cgroup(d):
    os.makedirs(d, exist_ok=True)
    for f, c in FILES.items():
        with open(os.path.join(d, f), "w") as fh:
            fh.write(c)
    for f in ("cpu.pressure", "memory.pressure", "io.pressure"):
        with open(os.path.join(d, f), "w") as fh:
            fh.write(PSI)


def read(path):
    with open(path) as fh:
        return fh.read()


def ms(t0, t1=None):
    return round(((t1 or time.monotonic()) - t0) * 1000)


class Run:
    def __init__(self, args, n):
        self.args, self.n = args, n
        self.t = tempfile.mkdtemp(prefix="cgpolicyd-scale.", dir=args.tmpdir)
        self.root = os.path.join(self.t, "cgroup")
        self.slice = os.path.join(self.root, "system.slice")
        self.policies = os.path.join(self.t, "policies")
        for d in ("policies", "state", "runtime", "staging"):
            os.makedirs(os.path.join(self.t, d))
        make_cgroup(self.root)
        make_cgroup(self.slice)
        for i in range(1, n + 1):
            make_cgroup(os.path.join(self.slice, "u%d.service" % i))
        self.policy(800)
        sock = os.path.join(self.t, "bus.sock")
        with open(os.path.join(self.t, "bus.conf"), "w") as fh:
            fh.write(BUS_CONF % sock)
        self.bus = subprocess.Popen(["dbus-daemon", "--config-file=" + os.path.join(self.t, "bus.conf"),
                                     "--nofork", "--print-address=1"], stdout=subprocess.PIPE)
        self.address = self.bus.stdout.readline().decode().strip()
        self.env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=self.address)
        self.daemon = None

    def policy(self, weight):
        with open(os.path.join(self.policies, "50-bench.json"), "w") as fh:
            fh.write(POLICY % weight)

    def unit_file(self, i, f):
        return os.path.join(self.slice, "u%d.service" % i, f)

    def all_hold(self, units, f, want, timeout=600):
        deadline = time.monotonic() + timeout
        for i in units:
            while read(self.unit_file(i, f)).strip() != want:
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.005)
        return True

    def busctl(self, *a, quiet=True):
        return subprocess.run(["busctl", "--address=" + self.address, *a], env=self.env,
                              stdout=subprocess.DEVNULL if quiet else subprocess.PIPE, stderr=subprocess.DEVNULL,
                              check=True)

    def ping_ms(self):
        t0 = time.monotonic()
        self.busctl("call", "org.cgpolicy1", "/org/cgpolicy1", "org.freedesktop.DBus.Peer", "Ping")
        return (time.monotonic() - t0) * 1000

    def start(self):
        nsock = os.path.join(self.t, "notify.sock")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.bind(nsock)
        s.settimeout(1)
        a = self.args
        cmd = [a.cgpolicyd, "--backend=cgroupfs", "--cgroup-root=" + self.root, "--bus=" + self.address,
               "--state-dir=" + os.path.join(self.t, "state"), "--runtime-dir=" + os.path.join(self.t, "runtime"),
               "--policy-dir=" + self.policies, "--log-level=" + a.log_level]
        cmd = shlex.split(a.wrapper) + cmd  # e.g. "valgrind --tool=massif" for a heap profile
        log = open(os.path.join(self.t, "daemon.log"), "w")
        probes, stop = [], threading.Event()

        def probe():
            # the first answer needs the name; until then a failure is not a stall
            while not stop.is_set():
                try:
                    probes.append(self.ping_ms())
                except subprocess.CalledProcessError:
                    pass
                time.sleep(0.02)

        t0 = time.monotonic()
        self.daemon = subprocess.Popen(cmd, env=dict(self.env, NOTIFY_SOCKET=nsock), stdout=log, stderr=log)
        th = threading.Thread(target=probe)
        th.start()
        ready = None
        while ready is None and time.monotonic() - t0 < 3600:
            try:
                if b"READY=1" in s.recv(4096):
                    ready = time.monotonic()
            except socket.timeout:
                if self.daemon.poll() is not None:
                    break
        stop.set()
        th.join()
        s.close()
        if ready is None:
            sys.exit("cgpolicyd never became ready (log: %s)" % log.name)
        return ms(t0, ready), round(max(probes), 1) if probes else -1

    def floor(self):
        """The writes of a start-up done here: open/write/close of 4 files per unit."""
        t0 = time.monotonic()
        for i in range(1, self.n + 1):
            for f, v in (("cpu.weight", "800"), ("memory.high", "1073741824"), ("pids.max", "50"),
                         ("io.weight", "default 300")):
                with open(self.unit_file(i, f), "w") as fh:
                    fh.write(v)
        return ms(t0)

    def status(self, key):
        with open("/proc/%d/status" % self.daemon.pid) as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        return -1

    def wakeups(self, sec):
        def ctxt():
            n = 0
            for tid in os.listdir("/proc/%d/task" % self.daemon.pid):
                with open("/proc/%d/task/%s/status" % (self.daemon.pid, tid)) as fh:
                    for line in fh:
                        if "ctxt_switches" in line:
                            n += int(line.split()[1])
            return n
        a = ctxt()
        time.sleep(sec)
        return ctxt() - a

    def timed(self, *cmd):
        t0 = time.monotonic()
        subprocess.run(cmd, env=self.env, stdout=subprocess.DEVNULL, check=True)
        return ms(t0)

    def close(self):
        if self.daemon and self.daemon.poll() is None:
            self.daemon.kill()
            self.daemon.wait()
        self.bus.terminate()
        self.bus.wait()
        shutil.rmtree(self.t, ignore_errors=True)


def bench(args, n, rss_base):
    r = Run(args, n)
    try:
        start_ms, busmax = r.start()
        units = range(1, n + 1)
        if not r.all_hold(units, "pids.max", "50"):
            sys.exit("N=%d: not every unit was applied at READY" % n)
        rss = r.status("VmRSS")
        idle = r.wakeups(args.idle)
        ping = sorted(r.ping_ms() for _ in range(5))[2]
        lu = r.timed("busctl", "--address=" + r.address, "call", "org.cgpolicy1", "/org/cgpolicy1",
                     "org.cgpolicy1.Manager", "ListUnits")
        gmo = r.timed("busctl", "--address=" + r.address, "call", "org.cgpolicy1", "/org/cgpolicy1",
                      "org.freedesktop.DBus.ObjectManager", "GetManagedObjects")
        cli = r.timed(args.cgpolicyctl, "--bus-address=" + r.address, "list")
        # N/10 new units at once: built beside the tree, renamed in
        k = max(1, n // 10)
        new = range(n + 1, n + k + 1)
        for i in new:
            make_cgroup(os.path.join(r.t, "staging", "u%d.service" % i))
        t0 = time.monotonic()
        for i in new:
            os.rename(os.path.join(r.t, "staging", "u%d.service" % i), os.path.join(r.slice, "u%d.service" % i))
        if not r.all_hold(new, "pids.max", "50"):
            sys.exit("N=%d: new units not applied" % n)
        new_ms = ms(t0)
        # reload with every unit rewritten
        r.policy(700)
        t0 = time.monotonic()
        subprocess.run([args.cgpolicyctl, "--bus-address=" + r.address, "reload"], env=r.env,
                       stdout=subprocess.DEVNULL, check=True)
        if not r.all_hold(range(1, n + k + 1), "cpu.weight", "700"):
            sys.exit("N=%d: reload did not rewrite every unit" % n)
        reload_ms = ms(t0)
        t0 = time.monotonic()
        r.daemon.send_signal(signal.SIGTERM)
        rc = r.daemon.wait()
        stop_ms = ms(t0)
        restored = sum(read(r.unit_file(i, "pids.max")).strip() == "max" for i in range(1, n + k + 1))
        floor_ms = r.floor()
        per_unit = round((rss - rss_base) * 1024 / n) if rss_base else 0
        print("BENCH units=%d start_ms=%d floor_ms=%d ratio=%.1f busmax_ms=%s ping_ms=%.1f rss_kb=%d per_unit_b=%d "
              "idle_wakeups=%d/%ds listunits_ms=%d getmanagedobjects_ms=%d cli_list_ms=%d new_units=%d new_ms=%d "
              "reload_ms=%d stop_ms=%d stop_rc=%d restored=%d/%d"
              % (n, start_ms, floor_ms, start_ms / max(floor_ms, 1), busmax, ping, rss, per_unit, idle,
                 args.idle, lu, gmo, cli, k, new_ms, reload_ms, stop_ms, rc, restored, n + k), flush=True)
        return start_ms, rss
    finally:
        r.close()


def arg_parser(default_units):
    """The options every benchmark on the fake tree takes (also bench/pressure-daemon.py)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--cgpolicyd", required=True)
    ap.add_argument("--cgpolicyctl", required=True)
    ap.add_argument("--log-level", default="info")
    ap.add_argument("--wrapper", default="", help="command line put before the daemon's (a profiler)")
    ap.add_argument("--tmpdir", default="/dev/shm" if os.path.isdir("/dev/shm") else None)
    ap.add_argument("units", nargs="*", type=int, default=default_units)
    return ap


def main():
    ap = arg_parser([10, 100, 1000])
    ap.add_argument("--idle", type=int, default=10, help="seconds of idle wake-up counting")
    args = ap.parse_args()
    # the 10-unit run gives the fixed part of RSS
    _, rss_base = bench(args, 10, 0) if args.units[0] != 10 else (0, 0)
    starts = {}
    for n in args.units:
        s, rss = bench(args, n, rss_base)
        if n == 10:
            rss_base = rss
        starts[n] = s
    ns = sorted(starts)
    if len(ns) >= 2 and starts[ns[-2]] > 0 and ns[-1] > ns[-2]:
        e = math.log(starts[ns[-1]] / starts[ns[-2]]) / math.log(ns[-1] / ns[-2])
        print("BENCH growth_exponent start %d->%d = %.2f" % (ns[-2], ns[-1], e))


if __name__ == "__main__":
    main()
