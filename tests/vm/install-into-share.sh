#!/bin/bash
# Install a host build tree into a VM share: SHAREDIR/destdir gets the
# `meson install` output, SHAREDIR/guest-install.sh puts it onto the guest's /.
#
# Usage: install-into-share.sh [--no-rebuild] BUILDDIR SHAREDIR
# Configure the build for the guest's layout: meson setup --prefix=/usr
# (meson then uses sysconfdir=/etc, localstatedir=/var by itself).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/lib-host.sh
. "$here/lib-host.sh"

opts=(--quiet)
if [[ ${1-} == --no-rebuild ]]; then opts+=(--no-rebuild); shift; fi
(($# == 2)) || vm_die "usage: install-into-share.sh [--no-rebuild] BUILDDIR SHAREDIR"
build=$(realpath -e "$1")
share=$(realpath -e "$2")

# A build for another prefix installs fine and then silently is not where
# systemd, D-Bus and the daemon look: say so, loudly, but let the run show it.
python3 - "$build" <<'EOF' || vm_log "warning: could not read $build's options (meson introspect)"
import json, subprocess, sys
opts = json.loads(subprocess.check_output(["meson", "introspect", "--buildoptions", sys.argv[1]]))
have = {o["name"]: o["value"] for o in opts}
for name, want in (("prefix", "/usr"), ("sysconfdir", "/etc"), ("localstatedir", "/var")):
    if have.get(name) != want:
        print(f"install-into-share.sh: warning: {name} is {have.get(name)!r}, the guest wants {want!r}"
              f" (meson setup --prefix=/usr)", file=sys.stderr)
EOF

rm -rf "$share/destdir"
meson install -C "$build" "${opts[@]}" --destdir "$share/destdir" >&2
install -m 0755 "$here/guest-install.sh" "$share/guest-install.sh"
vm_log "installed $(find "$share/destdir" ! -type d | wc -l) files into $share/destdir"
