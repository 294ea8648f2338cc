#!/bin/bash
# Boot the test image once and run SHAREDIR/run-in-guest.sh inside it.
#
# Usage: run-vm.sh [--timeout SEC] [--numa] SHAREDIR
# SHAREDIR is the guest's /mnt/host (9p). The guest writes guest.log and guest.rc
# there, qemu writes console.log. Exit code: the guest script's, or non-zero when
# the guest did not finish (timeout, crash, no guest.rc).
# Environment: CGPOLICYD_VM_ACCEL=kvm|tcg skips the KVM probe;
#              CGPOLICYD_VM_APPEND adds kernel command line arguments;
#              CGPOLICYD_VM_LOCK (default /tmp/cgpolicyd-vm.lock) serializes guests.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/lib-host.sh
. "$here/lib-host.sh"

timeout=900 numa=0
while (($#)); do
	case $1 in
	--timeout) timeout=${2:?--timeout needs a value}; shift 2 ;;
	--numa) numa=1; shift ;;
	-*) vm_die "unknown option $1" ;;
	*) break ;;
	esac
done
(($# == 1)) || vm_die "usage: run-vm.sh [--timeout SEC] [--numa] SHAREDIR"
[[ $timeout =~ ^[0-9]+$ ]] || vm_die "--timeout wants seconds, got '$timeout'"
share=$(realpath -e "$1")
[[ -f $share/run-in-guest.sh ]] || vm_die "$share/run-in-guest.sh does not exist"

vm_need qemu-system-x86_64:qemu-system-x86
# One guest at a time on this host (2 cores): wait for any other run-vm.sh
# (also while the image is built: two builds of one cache key would collide).
lock=${CGPOLICYD_VM_LOCK:-/tmp/cgpolicyd-vm.lock}
exec {lockfd}>"$lock"
if ! flock -n "$lockfd"; then
	vm_log "another VM holds $lock, waiting"
	flock "$lockfd"
fi

img=$("$here/build-image.sh")

# KVM only if a kernel really boots with it: on some hosts /dev/kvm exists but
# `-cpu host` aborts or the guest hangs early. The answer is cached per host
# kernel and qemu version, because a hanging probe costs its whole timeout.
kvm_works() {
	[[ -r /dev/kvm && -w /dev/kvm ]] || return 1
	local id stamp log rc=0
	id=$( { uname -r; qemu-system-x86_64 --version | head -1; grep -m1 'model name' /proc/cpuinfo; } | sha256sum | cut -c1-16)
	stamp=$(vm_cache_root)/kvm-probe-$id
	if [[ ! -f $stamp ]]; then
		log=$(mktemp)
		# No root fs: a working KVM reaches "Kernel panic" in about a second.
		# Subshell: keeps bash's "Aborted" job message out of the output.
		(timeout -k 2 20 qemu-system-x86_64 -accel kvm -cpu host -machine q35 -m 256M \
			-nodefaults -display none -nic none -no-reboot -serial "file:$log" \
			-kernel "$img/vmlinuz" -append "console=ttyS0 panic=-1"; true) >/dev/null 2>&1
		grep -q 'Kernel panic' "$log" || rc=1
		rm -f "$log"
		echo "$rc" >"$stamp"
		if ((rc)); then vm_log "KVM probe: does not work here, using TCG"; else vm_log "KVM probe: works"; fi
	fi
	[[ $(cat "$stamp") == 0 ]]
}

kvm=(-accel kvm -cpu host)
tcg=(-accel "tcg,thread=multi,tb-size=512" -cpu qemu64)
case ${CGPOLICYD_VM_ACCEL-} in
kvm) accel=("${kvm[@]}") ;;
tcg) accel=("${tcg[@]}") ;;
"") if kvm_works; then accel=("${kvm[@]}"); else accel=("${tcg[@]}"); fi ;;
*) vm_die "CGPOLICYD_VM_ACCEL must be kvm or tcg" ;;
esac

mem=(-m 2G)
if ((numa)); then
	for n in 0 1; do
		mem+=(-object "memory-backend-ram,id=m$n,size=1G" -numa "node,nodeid=$n,cpus=$n,memdev=m$n")
	done
fi

# panic=-1 with -no-reboot: a kernel panic ends qemu at once instead of at the timeout.
append="console=ttyS0 root=/dev/vda rw fsck.mode=skip panic=-1 systemd.unified_cgroup_hierarchy=1 psi=1 systemd.firstboot=off ${CGPOLICYD_VM_APPEND-}"

rm -f "$share/guest.rc" "$share/guest.rc.tmp" "$share/guest.log" "$share/console.log"

# One socket per vCPU: two cores of one socket on different NUMA nodes make the
# guest kernel print a WARN splat (llc-sibling not on the same node).
qemu=(qemu-system-x86_64 -machine q35 "${accel[@]}" -smp "2,sockets=2,cores=1,threads=1" "${mem[@]}"
	-nodefaults -display none -nic none -no-reboot -serial "file:$share/console.log"
	-kernel "$img/vmlinuz" -initrd "$img/initrd.img" -append "$append"
	-drive "file=$img/rootfs.img,if=virtio,format=raw,snapshot=on"
	-virtfs "local,path=$share,mount_tag=host,security_model=none")

vm_log "booting ${img##*/} (${accel[1]}, numa=$numa, timeout ${timeout}s)"
start=$SECONDS
# qemu stays in our process group (no job control here), so whoever kills the
# group, e.g. meson on its own timeout, also kills qemu; the trap covers the rest.
"${qemu[@]}" </dev/null &
qpid=$!
trap 'kill -KILL "$qpid" 2>/dev/null || true' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

timed_out=0
while kill -0 "$qpid" 2>/dev/null; do
	if ((SECONDS - start >= timeout)); then
		timed_out=1
		vm_log "guest did not power off within ${timeout}s, killing qemu (pid $qpid)"
		kill -TERM "$qpid" 2>/dev/null || true
		sleep 3
		kill -KILL "$qpid" 2>/dev/null || true
		break
	fi
	sleep 1
done
qrc=0
wait "$qpid" || qrc=$?
trap - EXIT
elapsed=$((SECONDS - start))

if [[ -f $share/guest.log ]]; then
	echo "----- guest.log -----"
	cat "$share/guest.log"
	echo "---------------------"
fi

rc=
if ((!timed_out)) && [[ -f $share/guest.rc ]]; then
	rc=$(cat "$share/guest.rc")
fi
if [[ ! $rc =~ ^[0-9]+$ ]]; then
	((timed_out)) && why="timed out" || why="qemu exited ($qrc) without a guest.rc"
	vm_log "FAILED: $why after ${elapsed}s; last console lines ($share/console.log):"
	tail -n 40 "$share/console.log" >&2 2>/dev/null || true
	((timed_out)) && exit 124
	exit 1
fi
vm_log "guest finished in ${elapsed}s with exit code $rc"
exit "$rc"
