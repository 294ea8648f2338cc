#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The pressure tick inside the daemon (issue 10 item 4c): cgpolicyd with the
cgroupfs backend on a fake tree of N units (10% protected, 80% sheddable, 10%
normal, as bench-pressure.c), memory pressure on a protected unit for a few
seconds (a rewritten memory.pressure stands in for the trigger, as in the bus
tests), then the daemon's own measure of each tick: the
cgpolicyd_pressure_tick_seconds histogram (reads, decisions and writes
included). Prints one BENCH line per N; nothing is asserted.

Usage: bench/pressure-daemon.py --cgpolicyd BIN --cgpolicyctl BIN [--seconds S] N...
"""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scale  # noqa: E402  (the fake tree, the private bus, start-up to READY=1)

POLICY = """{ "policies": [
  { "name": "db", "class": "protected", "match": { "unit": "p*.service" },
    "properties": { "MemoryLow": "100M" } },
  { "name": "batch", "class": "sheddable", "match": { "unit": "s*.service" },
    "properties": { "CPUWeight": 20 }, "pressure": { "floor": { "MemoryHigh": "64M" } } },
  { "name": "rest", "match": { "unit": "u*.service" }, "properties": { "TasksMax": 50 } } ],
  "pressure": { "memory": { "trigger": "some 150ms 1s", "calm": "some avg10<5", "hold": "1s",
                            "interval": "100ms", "step": "10%", "mode": "throttle" } } }
"""
PSI = "some avg10=%s avg60=0.00 avg300=0.00 total=1000\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"


class PressureRun(scale.Run):
    """scale.Run's tree with the units renamed into classes: p1.. protected,
    s.. sheddable, the rest u.. normal."""

    def __init__(self, args, n):
        super().__init__(args, n)
        n_prot, n_shed = max(1, n // 10), (n * 8) // 10
        self.protected = []
        for i in range(1, n + 1):
            kind = "p" if i <= n_prot else "s" if i <= n_prot + n_shed else "u"
            if kind != "u":
                os.rename(os.path.join(self.slice, "u%d.service" % i), os.path.join(self.slice, "%s%d.service" % (kind, i)))
            d = os.path.join(self.slice, "%s%d.service" % (kind, i))
            with open(os.path.join(d, "memory.current"), "w") as fh:
                fh.write("%d\n" % ((300 if kind == "p" else 512) << 20))
            if kind == "p":
                self.protected.append(d)

    def policy(self, weight):
        with open(os.path.join(self.policies, "50-bench.json"), "w") as fh:
            fh.write(POLICY)

    def metrics(self):
        out = subprocess.run([self.args.cgpolicyctl, "--bus-address=" + self.address, "metrics"], env=self.env,
                             stdout=subprocess.PIPE, check=True).stdout.decode()
        vals = {}
        for k in ("count", "sum"):
            m = re.search(r"^cgpolicyd_pressure_tick_seconds_%s (\S+)$" % k, out, re.M)
            vals[k] = float(m.group(1)) if m else 0.0
        buckets = re.findall(r'^cgpolicyd_pressure_tick_seconds_bucket\{le="([^"]+)"\} (\S+)$', out, re.M)
        return vals, [(b, float(c)) for b, c in buckets]


def bench(args, n):
    r = PressureRun(args, n)
    try:
        start_ms, _ = r.start()
        before, _ = r.metrics()
        with open(os.path.join(r.protected[0], "memory.pressure"), "w") as fh:
            fh.write(PSI % "50.00")
        time.sleep(args.seconds)
        under, buckets = r.metrics()
        with open(os.path.join(r.protected[0], "memory.pressure"), "w") as fh:
            fh.write(PSI % "0.00")
        ticks = under["count"] - before["count"]
        mean = (under["sum"] - before["sum"]) / ticks * 1000 if ticks else -1
        # the smallest bucket bound that holds half of the ticks: an upper bound of the median
        p50 = next((b for b, c in buckets if c >= under["count"] / 2), "+Inf") if ticks else "-"
        print("BENCH kind=pressure-daemon units=%d start_ms=%d seconds=%g ticks=%d mean_ms=%.2f "
              "p50_le_s=%s per_unit_us=%.2f" % (n, start_ms, args.seconds, ticks, mean, p50,
                                                mean * 1000 / n if ticks else -1))
        sys.stdout.flush()
        r.daemon.terminate()  # a profiler in --wrapper gets to write its data
        r.daemon.wait(timeout=120)
    finally:
        r.close()


def main():
    ap = scale.arg_parser([1000, 10000])
    ap.add_argument("--seconds", type=float, default=3.0, help="how long the pressure lasts")
    args = ap.parse_args()
    for n in args.units:
        bench(args, n)


if __name__ == "__main__":
    main()
