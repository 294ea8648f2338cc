#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# SIGTERM (and SIGINT) put every changed file back to what it held before.
source "$(dirname "$0")/lib.sh"

make_tree db.service web.service
# non-default originals, to tell "restored" from "reset to a default"
printf '250\n' >"$SLICE/db.service/cpu.weight"
printf '50000 100000\n' >"$SLICE/web.service/cpu.max"
printf '4294967296\n' >"$SLICE/web.service/memory.high"

snapshot() {
        for f in "$SLICE"/*/cpu.weight "$SLICE"/*/cpu.max "$SLICE"/*/memory.* "$SLICE"/*/pids.max \
                "$SLICE"/*/cpuset.cpus "$SLICE"/*/io.weight "$SLICE/memory.high"; do
                printf '%s=%s\n' "${f#"$ROOT"}" "$(cat "$f")"
        done
}
before=$(snapshot)

policy 50-test.json '{ "policies": [
  { "name": "db", "match": { "unit": "db.service" },
    "properties": { "CPUWeight": 800, "MemoryLow": "256M", "AllowedCPUs": "0-1", "IOWeight": 300,
                    "IOReadBandwidthMax": "8:0 1M" } },
  { "name": "web", "match": { "unit": "web.service" },
    "properties": { "CPUQuota": "20%", "MemoryHigh": "1G", "TasksMax": 10 } },
  { "name": "slice", "match": { "unit": "system.slice" }, "properties": { "MemoryHigh": "3G" } } ] }'

for sig in TERM INT; do
        start_daemon
        expect_file "$SLICE/db.service/cpu.weight" 800
        expect_file "$SLICE/db.service/cpuset.cpus" 0-1
        grep -q '^8:0 rbps=1000000' "$SLICE/db.service/io.max" || fail "io.max: $(cat "$SLICE/db.service/io.max")"
        expect_file "$SLICE/web.service/cpu.max" "20000 100000"
        expect_file "$SLICE/web.service/memory.high" 1073741824
        expect_file "$SLICE/memory.high" 3221225472
        [[ "$(snapshot)" != "$before" ]] || fail "nothing was applied"

        stop_daemon "$sig" || fail "daemon exited with $? on SIG$sig"
        after=$(snapshot)
        if [[ "$after" != "$before" ]]; then
                diff <(echo "$before") <(echo "$after") >&2 || true
                fail "SIG$sig did not restore the original values"
        fi
        # a device entry that was not there before is reset (the kernel then lists nothing
        # for it); IO bandwidth sizes are base 1000 as in systemd ("1M" = 1000000)
        file_is "$SLICE/db.service/io.max" "8:0 rbps=max wbps=max riops=max wiops=max" ||
                fail "io.max device entry not reset: $(cat "$SLICE/db.service/io.max")"
        : >"$SLICE/db.service/io.max"
        grep -q '"files"' "$RUNTIME_DIR/originals.json" 2>/dev/null && fail "originals left behind after SIG$sig"
        echo "SIG$sig: all files back to their original contents"
done
