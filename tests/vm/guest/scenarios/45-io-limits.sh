#!/bin/bash
# IO device limits through the hardened unit: cgpolicyd runs with
# PrivateDevices=yes, so /dev holds no disks and "/dev/vda" must still be
# resolved (through sysfs) for the read back to confirm the limit took.
# cgtest-timeout: 400
# shellcheck source=SCRIPTDIR/../lib.sh
. "$CGTEST_LIB"

unit=cgtest-io.service
cleanup() {
	set +e
	systemctl stop cgpolicyd.service "$unit" 2>/dev/null
	rm -rf /var/lib/cgpolicyd/* /run/cgpolicyd/*
}
trap cleanup EXIT

[[ -e /sys/class/block/vda/dev ]] || skip "no virtio disk vda in this guest"
majmin=$(cat /sys/class/block/vda/dev)

systemd-run --quiet --unit="$unit" sleep infinity
systemctl start cgpolicyd.service
wait_until "cgpolicyctl show $unit >/dev/null 2>&1" 60
assert_eq "$(show cgpolicyd.service PrivateDevices)" yes "cgpolicyd's PrivateDevices"

cgpolicyctl set-property --runtime "$unit" "IOReadBandwidthMax=/dev/vda 1M"
# shellcheck disable=SC2016 # eval'ed by wait_until
wait_until 'grep -q "^$majmin rbps=1000000 " /sys/fs/cgroup/system.slice/'"$unit"'/io.max' 90
assert_eq "$(show "$unit" IOReadBandwidthMax)" "/dev/vda 1000000" "systemctl show IOReadBandwidthMax"

# The daemon's own verdict: read back and matched against the resolved device.
explain=$(busctl call org.cgpolicy1 /org/cgpolicy1 org.cgpolicy1.Manager Explain s "$unit")
log "Explain: $explain"
[[ $explain =~ \"IOReadBandwidthMax\"\ \"[^\"]*\"\ \"[^\"]*\"\ \"ok\" ]] ||
	fail "IOReadBandwidthMax not confirmed by the read back: $explain"
log "io.max: $(cat /sys/fs/cgroup/system.slice/$unit/io.max)"
