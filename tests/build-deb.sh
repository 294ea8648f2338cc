#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Build the Debian package from a clean copy of this tree and run lintian on it.
#
# Usage: tests/build-deb.sh [--version VERSION] [--nocheck] [--strict] OUTDIR
#   OUTDIR      gets cgpolicyd_VERSION_ARCH.deb, .changes, .buildinfo and lintian.txt
#   --version   build as VERSION: a changelog entry is added to the copy (never to
#               this tree), e.g. for the VM's upgrade scenario (0.1+vmtest1)
#   --nocheck   DEB_BUILD_OPTIONS=nocheck: skip the unit and bus suites in the build
#   --strict    lintian warnings fail too (errors always do)
# The copy holds the files git knows of plus untracked ones it does not ignore, as
# they are in the work tree: no build directory, no stale debian/ output.
# Exit code: 1 if the build fails or lintian reports an error, 77 if the
# packaging tools are missing.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/.." && pwd)
version="" nocheck=0 strict=0
usage() { echo "usage: build-deb.sh [--version VERSION] [--nocheck] [--strict] OUTDIR" >&2; exit 2; }
while (($#)); do
	case $1 in
	--version) version=${2:?--version needs a value}; shift 2 ;;
	--nocheck) nocheck=1; shift ;;
	--strict) strict=1; shift ;;
	-*) usage ;;
	*) break ;;
	esac
done
(($# == 1)) || usage
mkdir -p "$1"
out=$(cd "$1" && pwd)

# 77: meson's "skipped", for a machine without the packaging tools.
for cmd in dpkg-buildpackage dh lintian git; do
	command -v "$cmd" >/dev/null || { echo "build-deb.sh: $cmd missing (bash tests/install-deps.sh)" >&2; exit 77; }
done
git -C "$src" rev-parse --git-dir >/dev/null 2>&1 || { echo "build-deb.sh: $src is not a git checkout" >&2; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/cgpolicyd-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
tree=$tmp/cgpolicyd
mkdir "$tree"
# shellcheck disable=SC2016 # the inner sh expands $f
(cd "$src" && git ls-files -z --cached --others --exclude-standard |
	xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
	tar --null -T - -cf -) | tar -C "$tree" -xf -

if [[ -n $version ]]; then
	{
		printf 'cgpolicyd (%s) unstable; urgency=medium\n\n' "$version"
		printf '  * Rebuild as %s (tests/build-deb.sh --version).\n\n' "$version"
		printf ' -- %s  %s\n\n' "$(sed -n 's/^ -- \(.*>\)  .*/\1/p' "$tree/debian/changelog" | head -n1)" "$(date -R)"
		cat "$tree/debian/changelog"
	} >"$tmp/changelog"
	mv "$tmp/changelog" "$tree/debian/changelog"
fi

opts=${DEB_BUILD_OPTIONS-}
((nocheck)) && opts="$opts nocheck"
t0=$SECONDS
echo "build-deb.sh: building in $tree" >&2
(cd "$tree" && DEB_BUILD_OPTIONS=$opts dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1 || {
	tail -n 40 "$out/build.log" >&2
	echo "build-deb.sh: dpkg-buildpackage failed (whole log: $out/build.log)" >&2
	exit 1
}
changes=("$tmp"/cgpolicyd_*.changes)
[[ -f ${changes[0]} ]] || { echo "build-deb.sh: no .changes produced" >&2; exit 1; }
# Replace an earlier build of the same version only: OUTDIR may hold two
# versions on purpose (the VM's upgrade scenario).
built=$(cd "$tree" && dpkg-parsechangelog -S Version)
rm -f "$out/cgpolicyd_${built}_"*.deb "$out/cgpolicyd_${built}_"*.changes "$out/cgpolicyd_${built}_"*.buildinfo \
	"$out/cgpolicyd-dbgsym_${built}_"*.deb
cp "$tmp"/cgpolicyd_*.deb "$tmp"/cgpolicyd_*.changes "$tmp"/cgpolicyd_*.buildinfo "$out"/
cp "$tmp"/cgpolicyd-dbgsym_*.deb "$out"/ 2>/dev/null || true
echo "build-deb.sh: built $(cd "$tmp" && ls cgpolicyd_*.deb) in $((SECONDS - t0)) s" >&2

fail_on=error
((strict)) && fail_on=error,warning
rc=0
lintian --display-info --fail-on "$fail_on" "$out/${changes[0]##*/}" >"$out/lintian.txt" 2>&1 || rc=$?
cat "$out/lintian.txt"
if ((rc)); then
	echo "build-deb.sh: lintian failed (fail-on $fail_on)" >&2
	exit 1
fi
echo "build-deb.sh: lintian: no ${fail_on/,/ or } in $(wc -l <"$out/lintian.txt") lines of output" >&2
