#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Values as systemd 252's set-property takes them (issue 9 item 6), end to end:
# the CLI accepts them, the daemon writes what systemd writes, and Explain says
# ok where the file is as systemd leaves it (clamped quota periods, an empty
# AllowedCPUs). Device assignments add to or update the list, as in systemd;
# only the empty one clears it. Device names resolve as systemd resolves them.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-api.sh"

# A fake sysfs (vdb is 254:16) and udev database (254:32 is "by-label/data").
mkdir -p "$T/sys/class/block/vdb" "$T/udev"
echo 254:16 >"$T/sys/class/block/vdb/dev"
printf 'S:disk/by-label/data\nS:disk/by-uuid/1234\nE:ID_FS_TYPE=ext4\n' >"$T/udev/b254:32"
export CGPOLICYD_SYSFS=$T/sys CGPOLICYD_UDEV_DATA=$T/udev

make_tree db.service
start_daemon
D=$SLICE/db.service

# no_not_applied: Explain reports no value as not applied.
no_not_applied() {
        expect_ok ctl explain db.service
        ! grep -q 'not-applied' <<<"$LAST_OUT" || fail "explain after $1: $LAST_OUT"
}

expect_ok ctl set-property db.service CPUWeight=+300 "MemoryMin=1G 512M" MemoryLow=1.5
expect_file "$D/cpu.weight" 300
expect_file "$D/memory.min" 1610612736
expect_file "$D/memory.low" 1
no_not_applied "CPUWeight=+300, MemoryMin=1G 512M, MemoryLow=1.5"
echo "ok: CPUWeight=+300, MemoryMin=1G 512M, MemoryLow=1.5 (= 1 byte) as systemd takes them"

# systemd clamps the period to 1ms..1s and raises it for a quota under 1ms per period.
expect_ok ctl set-property db.service CPUQuota=50% CPUQuotaPeriodSec=500us
expect_file "$D/cpu.max" "1000 2000"
no_not_applied "CPUQuotaPeriodSec=500us"
expect_ok ctl set-property db.service CPUQuotaPeriodSec=2s
expect_file "$D/cpu.max" "500000 1000000"
no_not_applied "CPUQuotaPeriodSec=2s"
expect_ok ctl set-property db.service CPUQuotaPeriodSec=0
expect_file "$D/cpu.max" "1000 2000"
no_not_applied "CPUQuotaPeriodSec=0"
expect_ok ctl set-property db.service CPUQuota= CPUQuotaPeriodSec=20ms
expect_file "$D/cpu.max" "max 100000"
no_not_applied "CPUQuotaPeriodSec=20ms without a quota"
echo "ok: CPUQuotaPeriodSec=500us/2s/0 clamped as systemd does, and reported applied"

expect_ok ctl set-property db.service AllowedCPUs=1,,0
expect_file "$D/cpuset.cpus" 0-1
expect_ok ctl set-property db.service AllowedCPUs=1-0
expect_file "$D/cpuset.cpus" ""
no_not_applied "AllowedCPUs=1-0"
echo "ok: AllowedCPUs=1,,0 is 0-1, AllowedCPUs=1-0 empty, both applied"

# A quota only D-Bus can give (1µs/s, 0.0001%) is kept across a restart.
expect_ok gcall SetUnitProperties db.service false "[('CPUQuotaPerSecUSec', <@t 1>)]"
expect_file "$D/cpu.max" "1000 1000000"
stop_daemon TERM || fail "daemon exited with $?"
start_daemon
expect_file "$D/cpu.max" "1000 1000000"
expect_ok ctl show db.service -p CPUQuota
[[ $LAST_OUT == "CPUQuota=0.0001%" ]] || fail "CPUQuota after restart: $LAST_OUT"
echo "ok: CPUQuotaPerSecUSec=1 from D-Bus survives a restart"

# Devices: each assignment adds or updates one device's entry. (The fake io.max
# keeps only the last line written, so the names here lead to one disk, 254:16.)
# show_bw WHAT [ENTRY...]: show lists exactly these entries, one a line as systemctl does.
show_bw() {
        local what=$1 want="" e
        shift
        for e in "$@"; do want+="${want:+$'\n'}IOReadBandwidthMax=$e"; done
        [[ $# -gt 0 ]] || want="IOReadBandwidthMax="
        expect_ok ctl show db.service -p IOReadBandwidthMax
        [[ $LAST_OUT == "$want" ]] || fail "IOReadBandwidthMax after $what: \"$LAST_OUT\", expected \"$want\""
}
expect_ok ctl set-property db.service "IOReadBandwidthMax=/dev/vdb 1M"
expect_file "$D/io.max" "254:16 rbps=1000000"
expect_ok ctl set-property db.service "IOReadBandwidthMax=/dev/block/254:16 1G 500M"
expect_file "$D/io.max" "254:16 rbps=1500000000"
show_bw "a second entry" "/dev/vdb 1000000" "/dev/block/254:16 1500000000"
expect_ok ctl set-property db.service "IOReadBandwidthMax=/dev/vdb 2M"
expect_file "$D/io.max" "254:16 rbps=2000000"
show_bw "an update" "/dev/block/254:16 1500000000" "/dev/vdb 2000000"
no_not_applied "two entries"
expect_ok ctl set-property db.service "IOReadBandwidthMax=" "IOReadBandwidthMax=/dev/vdb 5M"
expect_file "$D/io.max" "254:16 rbps=5000000"
show_bw "clear, then one" "/dev/vdb 5000000"
expect_ok ctl set-property db.service "IOReadBandwidthMax="
expect_file "$D/io.max" "254:16 rbps=max"
show_bw "clear"
echo "ok: device assignments add or update entries; only the empty one clears"

# udev's names (PrivateDevices=yes hides them in /dev) are found in its database.
add_unit web.service
expect_ok ctl set-property web.service "IODeviceWeight=/dev/disk/by-label/data 300"
expect_file "$SLICE/web.service/io.weight" "254:32 300"
expect_fail_with 'Cannot find block device "/dev/disk/by-label/nope"' \
        ctl set-property web.service "IODeviceWeight=/dev/disk/by-label/nope 300"
echo "ok: /dev/disk/by-label/data is 254:32, an unknown label is named"

# A path on a mounted file system stands for the disk it is on (when it has one).
dev=$(stat -c '%d' "$T")
maj=$((dev >> 8 & 0xfff)) min=$(((dev & 0xff) | (dev >> 12 & 0xfff00)))
if ((maj != 0)); then
        expect_ok ctl set-property db.service "IOWriteIOPSMax=$T 1K"
        expect_file "$D/io.max" "$maj:$min wiops=1000"
        echo "ok: a directory resolves to its file system's disk ($maj:$min)"
else
        expect_fail_with "not applied" ctl set-property db.service "IOWriteIOPSMax=$T 1K"
        echo "ok: a directory on a file system without a disk (major 0) is refused with a reason"
fi

stop_daemon TERM || fail "daemon exited with $?"
echo "ok: set-property values as systemd's"
