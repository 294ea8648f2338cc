#!/bin/bash
# Install a host build into a VM share, for guest-install.sh to put onto the
# guest's / at the start of the run. Two ways:
#
#   install-into-share.sh [--no-rebuild] BUILDDIR SHAREDIR
#       SHAREDIR/destdir gets the `meson install` output of BUILDDIR. Configure
#       the build for the guest's layout: meson setup --prefix=/usr (meson then
#       uses sysconfdir=/etc, localstatedir=/var by itself).
#   install-into-share.sh --deb DEBDIR SHAREDIR
#       SHAREDIR/debs gets DEBDIR's cgpolicyd_*.deb (from tests/build-deb.sh);
#       the guest installs the lowest version with dpkg -i, and 90-package
#       upgrades to the highest one, if there are two (a file INSTALL and a file
#       UPGRADE in SHAREDIR/debs name them).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/lib-host.sh
. "$here/lib-host.sh"

if [[ ${1-} == --deb ]]; then
	(($# == 3)) || vm_die "usage: install-into-share.sh --deb DEBDIR SHAREDIR"
	debdir=$(realpath -e "$2")
	share=$(realpath -e "$3")
	mapfile -t debs < <(cd "$debdir" && ls cgpolicyd_*.deb 2>/dev/null)
	((${#debs[@]})) || vm_die "no cgpolicyd_*.deb in $debdir (tests/build-deb.sh DIR builds one)"
	# lowest and highest version, in dpkg's order
	mapfile -t sorted < <(for d in "${debs[@]}"; do printf '%s %s\n' "$(dpkg-deb -f "$debdir/$d" Version)" "$d"; done |
		sort -t' ' -k1,1V | cut -d' ' -f2)
	rm -rf "$share/debs"
	mkdir -p "$share/debs"
	cp "${debs[@]/#/$debdir/}" "$share/debs/"
	printf '%s\n' "${sorted[0]}" >"$share/debs/INSTALL"
	((${#sorted[@]} > 1)) && printf '%s\n' "${sorted[-1]}" >"$share/debs/UPGRADE"
	install -m 0755 "$here/guest-install.sh" "$share/guest-install.sh"
	vm_log "packages in $share/debs: ${sorted[*]} (the guest installs ${sorted[0]})"
	exit 0
fi

opts=(--quiet)
if [[ ${1-} == --no-rebuild ]]; then opts+=(--no-rebuild); shift; fi
(($# == 2)) || vm_die "usage: install-into-share.sh [--no-rebuild] BUILDDIR SHAREDIR"
build=$(realpath -e "$1")
share=$(realpath -e "$2")

# A build for another prefix installs fine and then silently is not where
# systemd, D-Bus and the daemon look: say so, loudly, but let the run show it.
python3 - "$build" <<'PY' || vm_log "warning: could not read $build's options (meson introspect)"
import json, subprocess, sys
opts = json.loads(subprocess.check_output(["meson", "introspect", "--buildoptions", sys.argv[1]]))
have = {o["name"]: o["value"] for o in opts}
for name, want in (("prefix", "/usr"), ("sysconfdir", "/etc"), ("localstatedir", "/var")):
    if have.get(name) != want:
        print(f"install-into-share.sh: warning: {name} is {have.get(name)!r}, the guest wants {want!r}"
              f" (meson setup --prefix=/usr)", file=sys.stderr)
PY

rm -rf "$share/destdir"
meson install -C "$build" "${opts[@]}" --destdir "$share/destdir" >&2
install -m 0755 "$here/guest-install.sh" "$share/guest-install.sh"
vm_log "installed $(find "$share/destdir" ! -type d | wc -l) files into $share/destdir"
