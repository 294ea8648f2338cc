# shellcheck shell=bash
# Helpers for guest scenarios: `. "$CGTEST_LIB"` at the top of a scenario.
# Scenarios run under `bash -euo pipefail`; a helper that finds a problem exits
# the scenario (1 = FAIL, 77 = SKIP) after saying why on stderr.

log() { printf '[%s] %s\n' "${CGTEST_SCENARIO:-?}" "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
skip() { printf 'SKIP: %s\n' "$*" >&2; exit 77; }

# assert_eq ACTUAL EXPECTED [WHAT] — same order as systemd's test helpers.
assert_eq() {
	[[ $1 == "$2" ]] || fail "${3:-value}: expected '$2', got '$1'"
}

# assert_ne ACTUAL UNEXPECTED [WHAT]
assert_ne() {
	[[ $1 != "$2" ]] || fail "${3:-value}: did not expect '$2'"
}

# assert_contains HAYSTACK NEEDLE [WHAT] — substring match.
assert_contains() {
	[[ $1 == *"$2"* ]] || fail "${3:-output}: '$2' not found in '$1'"
}

# assert_fails CMD [ARG...] — the command must exit non-zero.
assert_fails() {
	if "$@"; then fail "expected to fail: $*"; fi
}

# wait_until CMD TIMEOUT — retry CMD every 0.2 s until it succeeds; fail the
# scenario after TIMEOUT seconds. One CMD word is eval'ed (single-quote it):
#   wait_until '[[ $(show foo.service ActiveState) == active ]]' 30
# several words run as they are: wait_until systemctl is-active -q foo.service 30
# Everything is ~10x slower under TCG: be generous with TIMEOUT.
wait_until() {
	(($# >= 2)) || fail "usage: wait_until CMD [ARG...] TIMEOUT"
	local timeout=${!#} deadline
	local cmd=("${@:1:$#-1}")
	deadline=$(($(date +%s%N) + timeout * 1000000000))
	while true; do
		if ((${#cmd[@]} == 1)); then eval "${cmd[0]}" && return 0; else "${cmd[@]}" && return 0; fi
		(($(date +%s%N) < deadline)) || fail "timed out after ${timeout}s waiting for: ${cmd[*]}"
		sleep 0.2
	done
}

# cgfile UNIT FILE — contents of /sys/fs/cgroup/system.slice/UNIT/FILE.
# A UNIT starting with / is a path below /sys/fs/cgroup instead
# (cgfile /system.slice memory.high, cgfile "$(show foo.service ControlGroup)" cpu.weight).
cgfile() {
	local dir
	if [[ $1 == /* ]]; then dir=/sys/fs/cgroup$1; else dir=/sys/fs/cgroup/system.slice/$1; fi
	cat "$dir/$2"
}

# show UNIT PROP — systemd's value of one property (systemctl show -P).
show() {
	systemctl show -P "$2" "$1"
}

# as_alice CMD [ARG...] — run as the unprivileged user alice (uid 1000), no PAM,
# no session: what an ordinary local user's D-Bus call looks like to polkit.
as_alice() {
	setpriv --reuid=alice --regid=alice --init-groups \
		env HOME=/home/alice USER=alice LOGNAME=alice "$@"
}
