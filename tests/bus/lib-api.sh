#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Helpers for the API and CLI tests, on top of lib.sh (source that first).
#   ctl ARGS...              cgpolicyctl against the private bus
#   bctl ARGS...             busctl against the private bus
#   gcall METHOD ARGS...     gdbus call on the manager; prints "GDBus.Error:NAME: message" on failure
#   as_nobody CMD...         run as uid/gid 65534 with no groups
#   snapshot FILE            checksums of every file of the fake tree and the state dirs
#   expect_unchanged FILE    the tree and state are as in FILE
#   expect_fail_with WHAT CMD...   CMD fails and its output contains WHAT
#   api_interface_xml PATH IFACE   introspection XML of one interface, as shipped in dbus/

: "${CGPOLICYCTL:?CGPOLICYCTL must point to the cgpolicyctl binary}"

ctl() {
        "$CGPOLICYCTL" --bus-address="$BUS_ADDRESS" --no-pager --no-ask-password "$@"
}

bctl() {
        busctl --address="$BUS_ADDRESS" "$@"
}

gcall() {
        local method=$1
        shift
        gdbus call --address "$BUS_ADDRESS" --dest org.cgpolicy1 --object-path /org/cgpolicy1 \
                --method "org.cgpolicy1.Manager.$method" "$@" 2>&1
}

# Lets another uid reach the bus socket in the (0700) temp dir; nothing else in
# it becomes writable.
api_allow_others() {
        chmod 0711 "$T"
        [[ -S $T/bus.sock ]] && chmod 0777 "$T/bus.sock"
        return 0
}

as_nobody() {
        setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

snapshot() {
        (cd "$T" && find cgroup state runtime -type f -print0 2>/dev/null | sort -z | xargs -0 -r md5sum) >"$1"
}

expect_unchanged() {
        local now
        now=$(mktemp "$T/snap.XXXXXX")
        snapshot "$now"
        if ! cmp -s "$1" "$now"; then
                diff "$1" "$now" >&2 || true
                fail "files changed although the request was refused"
        fi
        rm -f "$now"
}

# expect_fail_with WHAT CMD...: CMD exits non-zero and prints WHAT (stdout+stderr).
expect_fail_with() {
        local what=$1 out rc=0
        shift
        out=$("$@" 2>&1) || rc=$?
        ((rc != 0)) || fail "\"$*\" succeeded, expected failure with \"$what\": $out"
        [[ $out == *"$what"* ]] || fail "\"$*\" failed (rc=$rc) without \"$what\": $out"
        LAST_OUT=$out
        LAST_RC=$rc
}

# expect_ok CMD...: CMD succeeds; its output is in LAST_OUT.
expect_ok() {
        local rc=0
        LAST_OUT=$("$@" 2>&1) || rc=$?
        ((rc == 0)) || fail "\"$*\" failed (rc=$rc): $LAST_OUT"
}

# The <interface name="IFACE"> element of PATH's introspection data, wrapped
# in a <node> as dbus-1/interfaces files are.
api_interface_xml() {
        local path=$1 iface=$2
        echo '<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"'
        echo '"http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">'
        echo '<node>'
        bctl introspect --xml-interface org.cgpolicy1 "$path" |
                awk -v want="$iface" '
                        /<interface name="/ { keep = index($0, "\"" want "\"") > 0 }
                        keep { print }
                        /<\/interface>/ { keep = 0 }'
        echo '</node>'
}
