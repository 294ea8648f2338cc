#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Harness for the bus suite: a fake cgroup v2 tree in a temp dir, a policy dir,
# a private dbus-daemon, and cgpolicyd started against them. Everything started
# here is stopped by PID on exit; nothing outside the temp dir is touched.
#
# Environment:
#   CGPOLICYD          path of the daemon (meson sets it)
#   CGPOLICYCTL        path of the CLI (meson sets it)
#   CGPOLICYD_WRAPPER  command put in front of cgpolicyd, e.g.
#                      "valgrind --error-exitcode=1 --leak-check=full"

set -euo pipefail

# `meson test --wrapper=valgrind` wraps this script's bash, not the daemon, and
# then reports bash's own leaks. Hand valgrind over to the daemon instead: the
# test re-runs natively with CGPOLICYD_WRAPPER set (valgrind does not follow exec).
if [[ ${LD_PRELOAD:-} == *vgpreload* && -z ${CGPOLICYD_REEXEC:-} ]]; then
        export CGPOLICYD_REEXEC=1
        export CGPOLICYD_WRAPPER=${CGPOLICYD_WRAPPER:-valgrind --error-exitcode=1 --leak-check=full}
        exec env -u LD_PRELOAD "$BASH" "$0" "$@"
fi
# hermetic: the daemon's stderr is a file here, never an inherited journal stream
unset JOURNAL_STREAM CGPOLICYD_JOURNAL_EXPORT
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

: "${CGPOLICYD:?CGPOLICYD must point to the cgpolicyd binary}"
CGPOLICYD_WRAPPER=${CGPOLICYD_WRAPPER:-}

T=$(mktemp -d "${TMPDIR:-/tmp}/cgpolicyd-test.XXXXXX")
ROOT=$T/cgroup
SLICE=$ROOT/system.slice
POLICY_DIR=$T/policies
STATE_DIR=$T/state
RUNTIME_DIR=$T/runtime
STAGING=$T/staging
LOG=$T/daemon.log
BUS_ADDRESS=
BUS_PID=
DAEMON_PID=
CHILD_PIDS=()

# Timing limits: a wrapper like valgrind makes everything 20-50x slower.
if [[ -n $CGPOLICYD_WRAPPER ]]; then
        SLOW=20
else
        SLOW=1
fi

log() { echo "# $*" >&2; }
fail() {
        echo "FAIL: $*" >&2
        if [[ -f $LOG ]]; then
                echo "---- daemon log ----" >&2
                tail -n 60 "$LOG" >&2
        fi
        exit 1
}

cleanup() {
        local rc=$?
        set +e
        if [[ -n $DAEMON_PID ]] && kill -0 "$DAEMON_PID" 2>/dev/null; then
                kill -TERM "$DAEMON_PID"
                wait "$DAEMON_PID" 2>/dev/null
        fi
        for p in "${CHILD_PIDS[@]}"; do
                kill -KILL "$p" 2>/dev/null
                wait "$p" 2>/dev/null
        done
        if [[ -n $BUS_PID ]]; then
                kill -TERM "$BUS_PID" 2>/dev/null
                wait "$BUS_PID" 2>/dev/null
        fi
        if [[ $rc -eq 0 ]] && ! check_log_clean; then
                rc=1
        fi
        if [[ $rc -ne 0 && -f $LOG ]]; then
                echo "---- daemon log ($LOG) ----" >&2
                tail -n 80 "$LOG" >&2
        fi
        [[ -n ${KEEP_TEST_DIR:-} ]] && { cp "$LOG" /tmp/last-daemon.log 2>/dev/null; }
        rm -rf "$T"
        exit $rc
}
trap cleanup EXIT

PSI_TEXT=$'some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0'

# make_cgroup_dir DIR: the files of a cgroup v2 directory with the kernel's defaults.
make_cgroup_dir() {
        local d=$1
        mkdir -p "$d"
        printf '100\n' >"$d/cpu.weight"
        printf 'max 100000\n' >"$d/cpu.max"
        printf '0\n' >"$d/cpu.idle"
        printf '%s\n' "$PSI_TEXT" >"$d/cpu.pressure"
        printf '0\n' >"$d/memory.min"
        printf '0\n' >"$d/memory.low"
        printf 'max\n' >"$d/memory.high"
        printf 'max\n' >"$d/memory.max"
        printf 'max\n' >"$d/memory.swap.max"
        printf '16777216\n' >"$d/memory.current"
        printf '%s\n' "$PSI_TEXT" >"$d/memory.pressure"
        printf 'default 100\n' >"$d/io.weight"
        : >"$d/io.max"
        : >"$d/io.latency"
        printf '%s\n' "$PSI_TEXT" >"$d/io.pressure"
        printf 'max\n' >"$d/pids.max"
        printf '\n' >"$d/cpuset.cpus"
        printf '\n' >"$d/cpuset.mems"
        printf '0-3\n' >"$d/cpuset.cpus.effective"
        printf '0\n' >"$d/cpuset.mems.effective"
        : >"$d/cgroup.procs"
        printf 'populated 0\nfrozen 0\n' >"$d/cgroup.events"
        printf 'cpuset cpu io memory pids\n' >"$d/cgroup.controllers"
        printf 'cpuset cpu io memory pids\n' >"$d/cgroup.subtree_control"
}

# make_tree UNIT...: root + system.slice + the given units already present.
make_tree() {
        mkdir -p "$POLICY_DIR" "$STATE_DIR" "$RUNTIME_DIR" "$STAGING"
        make_cgroup_dir "$ROOT"
        make_cgroup_dir "$SLICE"
        local u
        for u in "$@"; do
                make_cgroup_dir "$SLICE/$u"
        done
}

# add_unit NAME: builds a complete unit beside the tree and renames it into
# system.slice, as a real cgroup appears with all its files at once.
add_unit() {
        make_cgroup_dir "$STAGING/$1"
        mv "$STAGING/$1" "$SLICE/$1"
}

# policy FILE JSON
policy() {
        printf '%s\n' "$2" >"$POLICY_DIR/$1"
}

start_bus() {
        cat >"$T/bus.conf" <<EOC
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$T/bus.sock</listen>
  <auth>EXTERNAL</auth>
  <!-- as the system bus: 128 pending replies per connection, calls beyond fail -->
  <limit name="max_replies_per_connection">${BUS_MAX_REPLIES:-128}</limit>
  ${BUS_EXTRA_LIMITS:-}
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
EOC
        dbus-daemon --config-file="$T/bus.conf" --nofork --print-address=1 >"$T/bus.address" 2>"$T/bus.log" &
        BUS_PID=$!
        wait_for 5 test -s "$T/bus.address" || fail "private dbus-daemon did not start: $(cat "$T/bus.log")"
        BUS_ADDRESS=$(head -n1 "$T/bus.address")
        export DBUS_SESSION_BUS_ADDRESS=$BUS_ADDRESS
}

# start_daemon [EXTRA ARGS...]: starts cgpolicyd and waits until it is running.
start_daemon() {
        [[ -n $BUS_ADDRESS ]] || start_bus
        : >>"$LOG"
        local mark
        mark=$(wc -l <"$LOG")
        # shellcheck disable=SC2086
        $CGPOLICYD_WRAPPER "$CGPOLICYD" --backend=cgroupfs --cgroup-root="$ROOT" --bus="$BUS_ADDRESS" \
                --state-dir="$STATE_DIR" --runtime-dir="$RUNTIME_DIR" --policy-dir="$POLICY_DIR" \
                --log-level=debug "$@" >>"$LOG" 2>&1 &
        DAEMON_PID=$!
        wait_for $((10 * SLOW)) log_since "$mark" 'cgpolicyd .* running' ||
                fail "cgpolicyd did not come up"
}

# journal_stderr: the daemon started next takes its stderr ($LOG) for the
# journal, as under systemd (JOURNAL_STREAM=DEV:INO of it): "<N>" priority
# prefixes on its lines. Its structured entries go to $JOURNAL_EXPORT (journal
# export format) instead of the host's journal.
JOURNAL_EXPORT=$T/journal.export
journal_stderr() {
        : >>"$LOG"
        JOURNAL_STREAM=$(stat -c '%d:%i' "$LOG")
        export JOURNAL_STREAM
        export CGPOLICYD_JOURNAL_EXPORT=$JOURNAL_EXPORT
}

# Sanitizer and valgrind reports in the daemon's log fail the test even when
# they did not change the exit code (UBSan only prints by default).
check_log_clean() {
        [[ -f $LOG ]] || return 0
        if grep -Eq 'runtime error:|ERROR: (Address|Leak)Sanitizer|==[0-9]+== (Invalid|Conditional|Use of uninit|[0-9,]+ bytes in [0-9,]+ blocks are definitely)' "$LOG"; then
                echo "FAIL: sanitizer/valgrind report in the daemon log:" >&2
                grep -E -A5 'runtime error:|ERROR: (Address|Leak)Sanitizer|==[0-9]+== (Invalid|Conditional|Use of uninit|[0-9,]+ bytes in)' "$LOG" | head -40 >&2
                return 1
        fi
}

# stop_daemon [SIGNAL]: signals it and waits; prints nothing, returns its exit code.
stop_daemon() {
        local sig=${1:-TERM} rc=0
        kill -"$sig" "$DAEMON_PID"
        wait "$DAEMON_PID" 2>/dev/null || rc=$?
        DAEMON_PID=
        check_log_clean || return 99
        return $rc
}

daemon_alive() {
        [[ -n $DAEMON_PID ]] && kill -0 "$DAEMON_PID" 2>/dev/null
}

# log_since LINE REGEX: REGEX appears in the log after line LINE.
log_since() {
        # not grep -q: quitting early would fail tail with SIGPIPE under pipefail (big logs)
        tail -n +"$(($1 + 1))" "$LOG" | grep -E -- "$2" >/dev/null
}

log_lines() { wc -l <"$LOG"; }

# wait_for SECONDS CMD...: polls CMD every 10ms.
wait_for() {
        local limit=$1
        shift
        local end=$((SECONDS + limit + 1))
        while ((SECONDS < end)); do
                if "$@"; then
                        return 0
                fi
                sleep 0.01
        done
        return 1
}

# file_is FILE VALUE: the file's content, trailing newline stripped, equals VALUE.
file_is() {
        [[ "$(cat "$1" 2>/dev/null)" == "$2" ]]
}

# expect_file FILE VALUE [SECONDS]
expect_file() {
        local f=$1 want=$2 limit=${3:-$((2 * SLOW))}
        wait_for "$limit" file_is "$f" "$want" ||
                fail "$f is \"$(cat "$f" 2>/dev/null)\", expected \"$want\""
}

now_ms() { date +%s%3N; }

# spawn_child: a real process (sleep) whose PID the test puts in a fake
# cgroup.procs; its PID is left in $CHILD (no $(...): that would wait for it).
spawn_child() {
        sleep 1000 </dev/null >/dev/null 2>&1 &
        CHILD=$!
        CHILD_PIDS+=("$CHILD")
}
