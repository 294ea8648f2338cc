#!/bin/bash
# Benchmark (meson test --benchmark set-property-vm): in one boot of the VM test
# bed, N=50 `systemctl set-property --runtime` (baseline) vs N
# `cgpolicyctl set-property --runtime` vs N raw `busctl call` to cgpolicyd, per
# call in ms and as ratios to systemctl, plus the daemon's VmRSS with 1 and 50
# managed units. Only ratios within one run mean anything (TCG, shared host).
#
# Usage: set-property-vm.sh [--build-dir DIR] [--timeout SEC]   (root; else skipped)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
vm=$here/../tests/vm
# shellcheck source=../tests/vm/lib-host.sh
. "$vm/lib-host.sh"

build=${MESON_BUILD_ROOT-} timeout=1800
while (($#)); do
	case $1 in
	--build-dir) build=${2:?--build-dir needs a value}; shift 2 ;;
	--timeout) timeout=${2:?--timeout needs a value}; shift 2 ;;
	*) vm_die "usage: set-property-vm.sh [--build-dir DIR] [--timeout SEC]" ;;
	esac
done
[[ -n $build ]] || vm_die "no build directory (--build-dir)"
if [[ $EUID -ne 0 ]]; then
	echo "the VM benchmark needs root (image build, 9p share); skipping"
	exit 77
fi

share=$(mktemp -d /var/tmp/cgpolicyd-bench.XXXXXX)
chmod 0755 "$share"
"$vm/install-into-share.sh" --no-rebuild "$build" "$share"
install -m 0755 "$here/guest-set-property.sh" "$share/run-in-guest.sh"

rc=0
"$vm/run-vm.sh" --timeout "$timeout" "$share" >"$share/run.log" 2>&1 || rc=$?
if ((rc != 0)); then
	cat "$share/run.log"
	vm_die "benchmark run failed (exit $rc), share kept: $share"
fi
echo "set-property over D-Bus, same VM boot (TCG), $(sed -n 's/^BENCH calls //p' "$share/guest.log") calls each:"
sed -n 's/^BENCH //p' "$share/guest.log" | awk '
	/^ms_per_call_/ { sub("ms_per_call_", ""); printf "  %-12s %8s ms/call\n", $1, $2 }
	/^ratio_/       { sub("ratio_", ""); printf "  %-28s %6s x\n", $1, $2 }
	/^rss_/ || /^managed_/ { printf "  %-28s %8s\n", $1, $2 }
	/^watched/      { printf "  %-28s %s\n", "watched slices", $2 }'
rm -rf "$share"
