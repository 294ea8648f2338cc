#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Regenerates org.cgpolicy1.Manager.xml and org.cgpolicy1.Unit.xml from the
# running vtables: starts cgpolicyd on a private bus with a fake cgroup tree
# (one unit), introspects, and keeps only our own interface.
#   dbus/update-xml.sh BUILDDIR
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: update-xml.sh BUILDDIR}
export CGPOLICYD=$(realpath "$build/daemon/cgpolicyd")
export CGPOLICYCTL=$(realpath "$build/cli/cgpolicyctl")

# lib.sh sets traps and a temp dir; run it in a subshell so its exit handling stays there.
(
        source "$here/../tests/bus/lib.sh"
        source "$here/../tests/bus/lib-api.sh"
        make_tree xml.service
        start_daemon
        api_interface_xml /org/cgpolicy1 org.cgpolicy1.Manager >"$here/org.cgpolicy1.Manager.xml"
        api_interface_xml /org/cgpolicy1/unit/xml_2eservice org.cgpolicy1.Unit >"$here/org.cgpolicy1.Unit.xml"
)
echo "Updated $here/org.cgpolicy1.Manager.xml and $here/org.cgpolicy1.Unit.xml"
