#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every benchmark in one command (issue 10 item 4): builds what they need (if
# needed), runs bench/scale.py, bench/latency.py, bench-pressure, bench/pressure-daemon.py and, with --vm
# as root, bench/set-property-vm.sh; collects their "BENCH ..." lines and writes
# the generated part of docs/performance.md (machine, date, commit, the exact
# commands, tables) to --out. Figures and ratios within one run only: nothing
# about timing is asserted, a failure is a wrong result or a crash.
#
# Usage: bench/run-all.sh [--quick] [--vm] [--build-dir DIR] [--out FILE] [--no-build]
#   --quick       scale at 10 100 1000 units with --idle 3 (default: 10 100 1000 10000, --idle 60)
#   --vm          also the VM benchmark (root only; boots the test-bed VM)
#   --build-dir   meson build directory (default: build; set up when missing)
#   --out         where the Markdown goes (default: docs/performance.md, between its
#                 generated:begin/end markers when it has them)
#   --no-build    use the binaries in the build directory as they are
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/.." && pwd)
build=$src/build out=$src/docs/performance.md
quick=false vm=false do_build=true

die() { echo "run-all: $*" >&2; exit 1; }
while (($#)); do
	case $1 in
	--quick) quick=true; shift ;;
	--vm) vm=true; shift ;;
	--no-build) do_build=false; shift ;;
	--build-dir) build=${2:?--build-dir needs a value}; shift 2 ;;
	--build-dir=*) build=${1#*=}; shift ;;
	--out) out=${2:?--out needs a value}; shift 2 ;;
	--out=*) out=${1#*=}; shift ;;
	-h|--help) sed -n '3,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
done
build=$(cd "$(dirname "$build")" && pwd)/$(basename "$build")
mkdir -p "$(dirname "$out")"

if $quick; then
	scale_units=(10 100 1000) idle=3
else
	scale_units=(10 100 1000 10000) idle=60
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/cgpolicyd-bench-all.XXXXXX")
trap 'rm -rf "$work"' EXIT
log=$work/bench.log        # every line the benchmarks print
cmds=$work/commands        # the exact commands, in order
: >"$log"
: >"$cmds"

# run CMD...: records the command, runs it in the source tree, keeps its output
run() {
	printf '%q ' "$@" | sed 's/ $//' >>"$cmds"
	echo >>"$cmds"
	echo "+ $*" >&2
	(cd "$src" && "$@") 2> >(grep -v 'Failed to set fd limit' >&2) | tee -a "$log"
}

if $do_build; then
	[[ -f $build/build.ninja ]] || run meson setup "$build"
	run ninja -C "$build" daemon/cgpolicyd cli/cgpolicyctl bench/bus-latency bench/bench-pressure
fi
for b in daemon/cgpolicyd cli/cgpolicyctl bench/bus-latency bench/bench-pressure; do
	[[ -x $build/$b ]] || die "$build/$b not built (run without --no-build)"
done
rel() { realpath --relative-to="$src" "$1"; }
d=$(rel "$build/daemon/cgpolicyd") c=$(rel "$build/cli/cgpolicyctl")

t0=$SECONDS
run python3 bench/scale.py --cgpolicyd "$d" --cgpolicyctl "$c" --idle "$idle" "${scale_units[@]}"
run python3 bench/latency.py --cgpolicyd "$d" --cgpolicyctl "$c" --bus-latency "$(rel "$build/bench/bus-latency")" \
	--units 100 --calls 2000 --runs 200
run "$(rel "$build/bench/bench-pressure")" --rounds 200 1000 10000
if $quick; then pd_units=(1000); else pd_units=(1000 10000); fi
run python3 bench/pressure-daemon.py --cgpolicyd "$d" --cgpolicyctl "$c" "${pd_units[@]}"
vm_out=
if $vm; then
	if [[ $EUID -ne 0 ]]; then
		echo "run-all: --vm needs root; the VM benchmark is left out" >&2
	else
		run bash bench/set-property-vm.sh --build-dir "$build" >"$work/vm.out"
		vm_out=$work/vm.out
	fi
fi
elapsed=$((SECONDS - t0))

commit=$(git -C "$src" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [[ -n $(git -C "$src" status --porcelain --untracked-files=no 2>/dev/null) ]]; then
	commit="$commit (plus uncommitted changes in the working tree, built as they were)"
fi
python3 "$here/report.py" --log "$log" --commands "$cmds" --commit "$commit" --elapsed "$elapsed" \
	--mode "$($quick && echo quick || echo full)" ${vm_out:+--vm-output "$vm_out"} --out "$out"
echo "run-all: wrote $out" >&2
