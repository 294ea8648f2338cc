#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Helpers for the API and CLI tests, on top of lib.sh (source that first).
#   ctl ARGS...              cgpolicyctl against the private bus ($CGPOLICYCTL_WRAPPER in front)
#   bctl ARGS...             busctl against the private bus
#   gcall METHOD ARGS...     gdbus call on the manager; prints "GDBus.Error:NAME: message" on failure
#   as_nobody CMD...         run as uid/gid 65534 with no groups
#   snapshot FILE            checksums of every file of the fake tree and the state dirs
#   expect_unchanged FILE    the tree and state are as in FILE
#   expect_fail_with WHAT CMD...   CMD fails and its output contains WHAT
#   api_interface_xml PATH IFACE   introspection XML of one interface, as shipped in dbus/

: "${CGPOLICYCTL:?CGPOLICYCTL must point to the cgpolicyctl binary}"

# CGPOLICYCTL_WRAPPER: like CGPOLICYD_WRAPPER, e.g. valgrind, for the CLI.
ctl() {
        ${CGPOLICYCTL_WRAPPER:-} "$CGPOLICYCTL" --bus-address="$BUS_ADDRESS" --no-pager --no-ask-password "$@"
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

# start_system_like_bus: a private bus with the system bus's default-deny rules
# (as Debian's /usr/share/dbus-1/system.conf) plus our dbus/org.cgpolicy1.conf,
# so the shipped bus policy is what decides. Call before start_daemon.
start_system_like_bus() {
        cat >"$T/bus.conf" <<EOC
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$T/bus.sock</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Monitoring"/>
  </policy>
  <!-- What polkitd's own package installs, so a (fake) polkit can serve. -->
  <policy user="root">
    <allow own="org.freedesktop.PolicyKit1"/>
  </policy>
  <policy context="default">
    <allow send_destination="org.freedesktop.PolicyKit1" send_interface="org.freedesktop.PolicyKit1.Authority"/>
  </policy>
  <include>$PROJECT_SOURCE_ROOT/dbus/org.cgpolicy1.conf</include>
</busconfig>
EOC
        dbus-daemon --config-file="$T/bus.conf" --nofork --print-address=1 >"$T/bus.address" 2>"$T/bus.log" &
        BUS_PID=$!
        wait_for 5 test -s "$T/bus.address" || fail "private dbus-daemon did not start: $(cat "$T/bus.log")"
        BUS_ADDRESS=$(head -n1 "$T/bus.address")
        export DBUS_SESSION_BUS_ADDRESS=$BUS_ADDRESS
}

# start_fake_polkit MODE [DELAY]: tests/bus/fake-polkit.py answering MODE
# (yes/no/challenge; change it later with set_polkit_mode); queries are logged
# as JSON lines to $POLKIT_LOG.
POLKIT_LOG=
start_fake_polkit() {
        POLKIT_LOG=$T/polkit-calls.jsonl
        : >"$POLKIT_LOG"
        set_polkit_mode "$1"
        : >"$T/polkit.out"
        /usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/fake-polkit.py" "$BUS_ADDRESS" "$T/polkit-mode" \
                "$POLKIT_LOG" "${2:-0}" >"$T/polkit.out" 2>&1 &
        CHILD_PIDS+=($!)
        wait_for 10 grep -q ready "$T/polkit.out" || fail "fake polkit did not start: $(cat "$T/polkit.out")"
}
set_polkit_mode() {
        printf '%s\n' "$1" >"$T/polkit-mode"
}

# flood_py: path of a copy of flood.py that other uids can read. The checkout may
# sit in a directory only root can enter (a clone into a mktemp -d); $T is made
# passable by api_allow_others.
flood_py() {
        [[ -f $T/flood.py ]] || install -m 0644 "$BUS_TESTS_DIR/flood.py" "$T/flood.py"
        echo "$T/flood.py"
}
