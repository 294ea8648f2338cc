#!/bin/bash
# Guest runner, started by cgtest-run.service from the 9p share: installs the
# build (if the share has one), then runs scenarios/NN-name.sh in order.
# Prints `SCENARIO name: PASS|FAIL|SKIP` per scenario and a summary; exits 1 if
# anything failed. Not -e: one failing scenario must not stop the others.
set -uo pipefail

share=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Host-side settings (CGTEST_SCENARIOS, CGTEST_SCENARIO_TIMEOUT), written by system-tests.sh.
# shellcheck source=/dev/null
[[ -f $share/env ]] && . "$share/env"
export CGTEST_SCENARIOS # a scenario may run only when asked for by name

nodes=(/sys/devices/system/node/node[0-9]*)
export CGTEST_SHARE=$share
export CGTEST_LIB=$share/lib.sh
export CGTEST_DESTDIR=$share/destdir
export CGTEST_DEBS=$share/debs # the packages, when the host installs those
export CGTEST_NUMA_NODES=${#nodes[@]}

echo "testbed: $(uname -r), $(systemctl --version | head -1), $(nproc) CPUs, $CGTEST_NUMA_NODES NUMA nodes," \
	"$(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo) MiB, uptime $(cut -d' ' -f1 /proc/uptime) s"

pass=0 fail=0 skipped=0
result() { # NAME RESULT
	echo "SCENARIO $1: $2"
	case $2 in PASS) ((++pass)) ;; SKIP) ((++skipped)) ;; *) ((++fail)) ;; esac
}

# The Debian package if the host put one in the share, else the meson install tree.
if [[ -f $share/debs/INSTALL ]]; then
	echo "=== install (package $(cat "$share/debs/INSTALL"))"
	if bash "$share/guest-install.sh" --deb "$share/debs/$(cat "$share/debs/INSTALL")"; then
		result install PASS
	else
		result install FAIL
	fi
elif [[ -d $CGTEST_DESTDIR ]]; then
	echo "=== install"
	if bash "$share/guest-install.sh" "$CGTEST_DESTDIR"; then result install PASS; else result install FAIL; fi
fi

selected() { # NAME FILE — empty CGTEST_SCENARIOS selects everything
	[[ -z ${CGTEST_SCENARIOS-} ]] && return 0
	local pat
	for pat in $CGTEST_SCENARIOS; do
		# shellcheck disable=SC2053 # the right side is a glob on purpose
		[[ $1 == $pat || ${2##*/} == $pat ]] && return 0
	done
	return 1
}

ran=0
for f in "$share"/scenarios/[0-9][0-9]-*.sh; do
	[[ -f $f ]] || continue
	name=${f##*/}
	name=${name#[0-9][0-9]-}
	name=${name%.sh}
	selected "$name" "$f" || continue
	((++ran))
	# A scenario may ask for more time with a line "# cgtest-timeout: SEC".
	tmo=$(sed -n 's/^# *cgtest-timeout: *\([0-9][0-9]*\).*/\1/p' "$f" | head -n1)
	tmo=${tmo:-${CGTEST_SCENARIO_TIMEOUT:-300}}
	work=$(mktemp -d "/tmp/cgtest-$name.XXXXXX")
	export CGTEST_SCENARIO=$name CGTEST_WORKDIR=$work CGTEST_ARTIFACTS=$share/artifacts/$name
	mkdir -p "$CGTEST_ARTIFACTS"
	echo "=== $name (${f##*/}, timeout ${tmo}s)"
	t0=$SECONDS
	rc=0
	# stderr too: a scenario says why it failed there
	(cd "$work" && timeout -k 10 "$tmo" bash -euo pipefail "$f" </dev/null 2>&1) || rc=$?
	case $rc in
	0) res=PASS ;;
	77) res=SKIP ;;
	124 | 137) res=FAIL; echo "--- $name: killed after its ${tmo}s timeout" ;;
	*) res=FAIL ;;
	esac
	echo "--- $name: exit $rc after $((SECONDS - t0)) s"
	result "$name" "$res"
	rm -rf "$work"
	rmdir "$CGTEST_ARTIFACTS" 2>/dev/null # keep it only if the scenario left something
	systemctl reset-failed 2>/dev/null # failed units of one scenario must not confuse the next
done
((ran)) || { echo "no scenario matched '${CGTEST_SCENARIOS-}'"; ((++fail)); }

# For post-mortems on the host; the share is kept when the run fails.
journalctl -b --no-pager -o short-monotonic >"$share/journal.txt" 2>&1

echo "SUMMARY: $pass passed, $fail failed, $skipped skipped"
((fail == 0))
