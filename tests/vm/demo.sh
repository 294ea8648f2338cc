#!/bin/bash
# Quick start #1: on a fresh Debian 12 machine, as root,
#   bash tests/vm/demo.sh
# installs what it needs, builds cgpolicyd into build-demo (once), boots the
# test-bed VM (real systemd 252, cgroup v2, 2 NUMA nodes) and runs
# guest/demo-in-guest.sh there: db.service and batch-1.service under the
# database-vs-batch policy, each value before and after (cgroup files, systemd,
# /proc) with the policy that set it, set-property and revert, a short pressure
# episode (guest/demo-pressure.sh), and systemctl stop cgpolicyd restoring every
# original. Build output goes to a log file. Exit 0 = all held.
#
# Environment: CGPOLICYD_DEMO_BUILD build directory (default: <repo>/build-demo),
#              CGPOLICYD_DEMO_TIMEOUT seconds for the VM (default 1200),
#              CGPOLICYD_DEMO_LOG the build's log (default /var/tmp/cgpolicyd-demo-build.log).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=SCRIPTDIR/lib-host.sh
. "$here/lib-host.sh"

[[ $EUID -eq 0 ]] || vm_die "run me as root: the VM image is built with mmdebstrap and shared over 9p"
build=${CGPOLICYD_DEMO_BUILD:-$repo/build-demo}
timeout=${CGPOLICYD_DEMO_TIMEOUT:-1200}

# Packages, compiler and installer speak to the log file, not to the screen.
share=$(mktemp -d /var/tmp/cgpolicyd-demo.XXXXXX)
chmod 0755 "$share"
buildlog=${CGPOLICYD_DEMO_LOG:-/var/tmp/cgpolicyd-demo-build.log}
vm_log "installing missing packages and building into $build (log: $buildlog)"
{
	bash "$repo/tests/install-deps.sh"
	if [[ ! -f $build/build.ninja ]]; then
		# the guest's layout: /usr, /etc, /var (the project's defaults, stated anyway)
		meson setup "$build" "$repo" --prefix=/usr --sysconfdir=/etc --localstatedir=/var -Dvm-tests=false
	fi
	ninja -C "$build"
	"$here/install-into-share.sh" --no-rebuild "$build" "$share"
} >"$buildlog" 2>&1 || vm_die "the build failed; the last lines of $buildlog:
$(tail -n 20 "$buildlog")"
# bold headings in the guest's output only for a terminal
[[ -t 1 ]] && touch "$share/color"
# What the guest should read back: the policy's values per unit, highest
# priority last, sizes in bytes (systemd's K/M/G/T are base 1024).
python3 - "$repo/policies/database-vs-batch.json" db.service batch-1.service >"$share/expected.txt" <<'PY'
import fnmatch, json, sys
pol = json.load(open(sys.argv[1]))["policies"]
mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
def norm(v):
    v = str(v)
    return str(int(v[:-1]) * mult[v[-1]]) if v[-1:] in mult else v
for unit in sys.argv[2:]:
    props = {}
    for p in sorted(pol, key=lambda p: p.get("priority", 0)):
        pats = p["match"].get("unit", [])
        pats = [pats] if isinstance(pats, str) else pats
        if any(fnmatch.fnmatchcase(unit, g) for g in pats):
            props.update(p["properties"])
    for k, v in props.items():
        print(unit, k, norm(v))
PY
# The demo is the guest's whole job: it takes run-in-guest.sh's place.
install -m 0755 "$here/guest/demo-in-guest.sh" "$share/run-in-guest.sh"
install -m 0755 "$here/guest/demo-pressure.sh" "$share/demo-pressure.sh"

rc=0
"$here/run-vm.sh" --numa --timeout "$timeout" "$share" || rc=$?
if ((rc == 0)); then
	rm -rf "$share"
	vm_log "demo finished: every value held, and every original came back"
else
	vm_log "demo failed (exit $rc); logs kept in $share (guest.log, console.log)"
fi
exit "$rc"
