#!/usr/bin/env bash
# The one test command (README, .ci/run): installs dependencies, builds, runs
# every suite (unit, bus, system) in a plain build and unit+bus again under
# ASan/UBSan, then prints "N passed, N failed" summed from meson's results.
#   CGPOLICYD_SKIP_SANITIZE=1  skip the ASan/UBSan pass
#   CGPOLICYD_SUITES="unit bus" run only these suites in the plain build
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"

bash tests/install-deps.sh || exit 1

passed=0
failed=0

# meson's summary lines look like "Ok:                 12".
count() {
        local log=$1 key=$2
        sed -n "s/^${key}: *\([0-9]\+\) *\$/\1/p" "$log" | tail -n1
}

run_suites() {
        local builddir=$1
        shift
        local log
        log=$(mktemp)
        if [ ! -f "$builddir/build.ninja" ]; then
                meson setup "$builddir" "${@:2}" >/dev/null || { failed=$((failed + 1)); return; }
        fi
        if ! ninja -C "$builddir" >"$log" 2>&1; then
                cat "$log"
                echo "build in $builddir failed"
                failed=$((failed + 1))
                return
        fi
        local suites=() s
        for s in $1; do suites+=(--suite "$s"); done
        meson test -C "$builddir" --print-errorlogs "${suites[@]}" 2>&1 | tee "$log"
        # meson hides a passing test's output; the system suite's per-scenario
        # results belong in the CI log either way.
        if grep -q '^SCENARIO ' "$builddir/meson-logs/testlog.txt" 2>/dev/null; then
                echo "System scenarios (real systemd in the VM):"
                grep '^SCENARIO ' "$builddir/meson-logs/testlog.txt" | awk '!seen[$0]++' | sed 's/^/  /'
        fi
        local ok fail to unexp
        ok=$(count "$log" Ok)
        fail=$(count "$log" Fail)
        to=$(count "$log" Timeout)
        unexp=$(count "$log" 'Unexpected Pass')
        if [ -z "$ok" ]; then
                echo "no meson summary from $builddir"
                failed=$((failed + 1))
        else
                passed=$((passed + ok))
                failed=$((failed + ${fail:-0} + ${to:-0} + ${unexp:-0}))
        fi
        rm -f "$log"
}

run_suites build-ci "${CGPOLICYD_SUITES:-unit bus system}"
if [ -z "${CGPOLICYD_SKIP_SANITIZE:-}" ]; then
        run_suites build-ci-asan "unit bus" -Dvm-tests=false -Db_sanitize=address,undefined -Db_lundef=false
fi

echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
