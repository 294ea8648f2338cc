#!/bin/bash
# `meson test --suite system`: boot the guest once and run every scenario in
# tests/vm/guest/scenarios/ against the installed build.
#
# Usage: system-tests.sh [--build-dir DIR] [--package | --debs DIR] [--timeout SEC] [--keep]
#   --build-dir  meson build tree to install into the guest (default:
#                $MESON_BUILD_ROOT; none: only the scenarios run, nothing installed)
#   --package    install the Debian package instead (also CGTEST_INSTALL=package):
#                tests/build-deb.sh builds it from this source tree, twice (the
#                changelog's version and VERSION+vmtest1, for 90-package's upgrade)
#   --debs DIR   install the cgpolicyd_*.deb found in DIR instead (lowest version;
#                a second, higher one is 90-package's upgrade)
#   --timeout    for the whole VM run (default 2700 s, under meson's 3000 s)
#   --keep       keep the share directory (logs, journal, artifacts) even on success
# Environment: CGTEST_SCENARIOS="glob..." runs only matching scenarios (name or file
# name, e.g. "testbed 1*"); CGTEST_SCENARIO_TIMEOUT default per-scenario timeout.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/lib-host.sh
. "$here/lib-host.sh"

build=${MESON_BUILD_ROOT-} timeout=2700 keep=0 debs="" package=0
[[ ${CGTEST_INSTALL-} == package ]] && package=1
while (($#)); do
	case $1 in
	--build-dir) build=${2:?--build-dir needs a value}; shift 2 ;;
	--package) package=1; shift ;;
	--debs) debs=$(realpath -e "${2:?--debs needs a value}"); shift 2 ;;
	--timeout) timeout=${2:?--timeout needs a value}; shift 2 ;;
	--keep) keep=1; shift ;;
	*) vm_die "usage: system-tests.sh [--build-dir DIR] [--package | --debs DIR] [--timeout SEC] [--keep]" ;;
	esac
done

if [[ $EUID -ne 0 ]]; then
	echo "system tests need root (image build with mmdebstrap, 9p share); skipping"
	exit 77 # meson: skipped
fi

t0=$SECONDS
img=$("$here/build-image.sh")
t_img=$((SECONDS - t0))

# Under /var/tmp: a share can hold a few MiB of logs and should survive a reboot
# of the host when kept for a post-mortem.
share=$(mktemp -d /var/tmp/cgpolicyd-vm.XXXXXX)
chmod 0755 "$share" # guest users other than root (alice) read the share too
if ((package)) && [[ -z $debs ]]; then
	# The package is built from the source tree, not from the build directory.
	debs=$share/.debs
	mkdir -p "$debs"
	vm_need dpkg-parsechangelog:dpkg-dev
	version=$(dpkg-parsechangelog -l "$here/../../debian/changelog" -S Version)
	t_deb=$SECONDS
	"$here/../build-deb.sh" --nocheck "$debs" >"$debs/lintian-base.txt" ||
		vm_die "building the package failed (tests/build-deb.sh)"
	"$here/../build-deb.sh" --nocheck --version "$version+vmtest1" "$debs" >"$debs/lintian-upgrade.txt" ||
		vm_die "building the upgrade package failed (tests/build-deb.sh --version $version+vmtest1)"
	vm_log "packages built in $((SECONDS - t_deb)) s; lintian (errors fail the build):"
	sed 's/^/  /' "$debs/lintian-base.txt"
fi
if [[ -n $debs ]]; then
	"$here/install-into-share.sh" --deb "$debs" "$share"
elif [[ -n $build ]]; then
	# meson test has already rebuilt; a nested ninja on the same tree could race it.
	"$here/install-into-share.sh" --no-rebuild "$build" "$share"
else
	vm_log "no build directory given: nothing is installed in the guest"
fi
cp -a "$here/guest/." "$share/"
{
	printf 'CGTEST_SCENARIOS=%q\n' "${CGTEST_SCENARIOS-}"
	printf 'CGTEST_SCENARIO_TIMEOUT=%q\n' "${CGTEST_SCENARIO_TIMEOUT:-300}"
} >"$share/env"

t1=$SECONDS
rc=0
"$here/run-vm.sh" --numa --timeout "$timeout" "$share" || rc=$?
t_vm=$((SECONDS - t1))

echo
echo "===== system tests (image ${img##*/}: ${t_img}s, VM: ${t_vm}s, total: $((SECONDS - t0))s) ====="
grep -E '^(SCENARIO |SUMMARY:)' "$share/guest.log" 2>/dev/null || echo "no scenario results (see console.log)"
if ((rc != 0 || keep)); then
	echo "share kept for inspection: $share (guest.log console.log journal.txt artifacts/)"
else
	rm -rf "$share"
fi
((rc == 0)) || exit 1
