#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# End-to-end tests of `cgpolicyctl check`: exit codes, file:line:column lines on
# stderr, directory precedence, --explain tables and --json.
# Usage: check-cli.sh CGPOLICYCTL SOURCE_ROOT
set -u

# `meson test --wrapper=valgrind` runs this script's bash under valgrind, which
# then reports bash's own leaks. Re-run natively and put valgrind on cgpolicyctl
# instead (valgrind does not follow exec); -q keeps stderr comparable, and a
# valgrind error shows as exit 99, which no expectation accepts.
if [[ ${LD_PRELOAD:-} == *vgpreload* && -z ${CHECK_CLI_REEXEC:-} ]]; then
        export CHECK_CLI_REEXEC=1
        export CGPOLICYCTL_WRAPPER=${CGPOLICYCTL_WRAPPER:-valgrind -q --error-exitcode=99 --leak-check=full}
        exec env -u LD_PRELOAD "$BASH" "$0" "$@"
fi
CGPOLICYCTL_WRAPPER=${CGPOLICYCTL_WRAPPER:-}

CTL=${1:?usage: check-cli.sh CGPOLICYCTL SOURCE_ROOT}
ROOT=${2:?usage: check-cli.sh CGPOLICYCTL SOURCE_ROOT}
# meson passes the binary relative to the build directory; we cd below.
case $CTL in /*) ;; *) CTL=$PWD/$CTL ;; esac
cd "$ROOT/tests/unit" || exit 1

TMP=$(mktemp -d /tmp/check-cli.XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT
failed=0
n=0

# run EXPECTED_RC ARGS...: runs `cgpolicyctl check ARGS`, keeps stdout/stderr in $TMP/out, $TMP/err.
run() {
        local want=$1
        shift
        n=$((n + 1))
        $CGPOLICYCTL_WRAPPER "$CTL" check "$@" >"$TMP/out" 2>"$TMP/err"
        local rc=$?
        if [ "$rc" != "$want" ]; then
                echo "FAIL: check $* exited $rc, expected $want" >&2
                sed 's/^/  stderr: /' "$TMP/err" >&2
                failed=1
                return 1
        fi
        return 0
}

# expect_line FILE LINE: FILE (out or err) has exactly this line.
expect_line() {
        if ! grep -qxF -- "$2" "$TMP/$1"; then
                echo "FAIL (test $n): std$1 lacks the line: $2" >&2
                sed "s/^/  std$1: /" "$TMP/$1" >&2
                failed=1
        fi
}

expect_empty() {
        if [ -s "$TMP/$1" ]; then
                echo "FAIL (test $n): std$1 should be empty" >&2
                sed "s/^/  std$1: /" "$TMP/$1" >&2
                failed=1
        fi
}

expect_lines() {
        local got
        got=$(wc -l <"$TMP/$1")
        if [ "$got" != "$2" ]; then
                echo "FAIL (test $n): std$1 has $got lines, expected $2" >&2
                failed=1
        fi
}

EX=$ROOT/policies

# Valid files: exit 0, silent.
run 0 "$EX/database-vs-batch.json" "$EX/critical-isolation.json" && { expect_empty out; expect_empty err; }
# the issue's and README's own command: every *.json in policies/ is a policy
run 0 "$EX"/*.json && { expect_empty out; expect_empty err; }

# One bad file: exit 1, one exact file:line:column line.
run 1 policies/bad/unknown-property.json && {
        expect_line err 'policies/bad/unknown-property.json:2:17: unknown property "MemoryHihg" (did you mean "MemoryHigh"?)'
        expect_lines err 1
}
run 1 policies/bad/syntax.json && expect_line err "policies/bad/syntax.json:3:19: '}' expected near '\"match\"'"

# A bad file among good ones still fails, and every error is listed in order.
run 1 "$EX/database-vs-batch.json" policies/bad/multiple-errors.json && {
        expect_line err 'policies/bad/multiple-errors.json:2:49: unknown class "x" (expected protected, sheddable or normal)'
        expect_line err "policies/bad/multiple-errors.json:3:34: invalid pattern \"[\" in \"unit\": unbalanced '['"
        expect_line err 'policies/bad/multiple-errors.json:3:52: "priority" must be an integer'
        expect_lines err 3
}

# Duplicates across files name both places.
run 1 policies/bad/dup-across-a.json policies/bad/dup-across-b.json &&
        expect_line err 'policies/bad/dup-across-b.json:3:14: duplicate policy name "shared" (first defined at policies/bad/dup-across-a.json:2:11)'

# Missing file.
run 1 policies/bad/no-such-file.json &&
        expect_line err 'policies/bad/no-such-file.json: Failed to open: No such file or directory'

# Usage errors.
run 1 && expect_line err 'check: at least one policy FILE or DIR is required.'
run 1 --user batch "$EX/database-vs-batch.json"
run 1 --no-such-option "$EX/database-vs-batch.json"
run 0 --help && grep -q -- '--explain' "$TMP/out" || { echo "FAIL: --help" >&2; failed=1; }

# Directories: the earlier directory wins on the same file name (the broken
# lower copy is never read); a symlink to /dev/null masks.
mkdir -p "$TMP/etc" "$TMP/lib"
echo '{"policies": [{"name": "web", "match": {"unit": "web.service"}, "properties": {"CPUWeight": 300}}]}' >"$TMP/etc/50-web.json"
echo '{ broken' >"$TMP/lib/50-web.json"
echo '{ broken' >"$TMP/lib/60-masked.json"
ln -s /dev/null "$TMP/etc/60-masked.json"
run 0 "$TMP/etc" "$TMP/lib" --explain web.service && {
        expect_line out "web    0        -     $TMP/etc/50-web.json:1"
        expect_line out 'CPUWeight 300   policy web'
}
# Swapped precedence reaches the broken copies.
run 1 "$TMP/lib" "$TMP/etc" && expect_line err "$TMP/lib/50-web.json:1:3: string or '}' expected near 'broken'"

# --explain: matching policies and an aligned table of resolved values.
run 0 "$EX/database-vs-batch.json" "$EX/critical-isolation.json" --explain postgresql-14.service && {
        expect_line out 'Class: protected'
        expect_line out 'POLICY   PRIORITY CLASS     FILE'
        expect_line out "database 100      protected $EX/database-vs-batch.json:4"
        expect_line out 'PROPERTY       VALUE LAYER  SOURCE'
        expect_line out 'CPUWeight      800   policy database'
        expect_line out 'MemoryLow      8G    policy database'
        expect_line out 'OOMScoreAdjust -900  policy database'
        expect_empty err
}
run 0 "$EX/database-vs-batch.json" --explain batch-7.service --user batch &&
        { expect_line out 'MemoryMax 1G    policy batch'; expect_line out 'Pressure floor: MemoryHigh=256M'; }
run 0 "$EX/critical-isolation.json" --explain system.slice && {
        expect_line out 'Slice: -.slice'
        expect_line out 'MemoryHigh 1G    policy system-slice-cap'
}
run 0 "$EX/database-vs-batch.json" --explain nginx.service && expect_line out 'No policy matches nginx.service.'
# --no-legend drops the table headers (and the widths they forced).
run 0 "$EX/database-vs-batch.json" --explain db.service --no-legend --no-pager && {
        expect_line out 'CPUWeight      800  policy database'
        if grep -q '^PROPERTY\|^POLICY' "$TMP/out"; then
                echo "FAIL (test $n): --no-legend printed a header" >&2
                failed=1
        fi
}
# --slice decides slice matches.
echo '{"policies": [{"name": "b", "match": {"slice": "batch.slice"}, "properties": {"TasksMax": 50}}]}' >"$TMP/slice.json"
run 0 "$TMP/slice.json" --explain x.service && expect_line out 'No policy matches x.service.'
run 0 "$TMP/slice.json" --explain x.service --slice batch.slice && expect_line out 'TasksMax 50    policy b'

# --json: machine-readable, errors included.
if command -v python3 >/dev/null; then
        run 0 --json "$EX/database-vs-batch.json" --explain db.service &&
                python3 - "$TMP/out" <<'PY' || { echo "FAIL: --json explain" >&2; failed=1; }
import json, sys
j = json.load(open(sys.argv[1]))
assert j["Valid"] is True and j["Errors"] == [] and j["Policies"] == 2, j
e = j["Explain"]
assert e["Class"] == "protected" and [p["Name"] for p in e["Policies"]] == ["database"], e
props = {p["Property"]: p for p in e["Properties"]}
assert props["CPUWeight"]["Value"] == "800" and props["CPUWeight"]["Layer"] == "policy", props
assert props["CPUWeight"]["Source"] == "database", props
PY
        run 0 --json=pretty "$EX/critical-isolation.json" && {
                expect_line out '  "Valid": true,'
                python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TMP/out" || { echo "FAIL: --json=pretty" >&2; failed=1; }
        }
        run 0 --json=short "$EX/critical-isolation.json" && expect_lines out 1
        run 1 --json=long "$EX/critical-isolation.json" &&
                expect_line err 'Unknown --json= mode "long": expected short, pretty or off.'
        run 1 --json policies/bad/unknown-class.json &&
                python3 - "$TMP/out" <<'PY' || { echo "FAIL: --json errors" >&2; failed=1; }
import json, sys
j = json.load(open(sys.argv[1]))
assert j["Valid"] is False, j
(e,) = j["Errors"]
assert (e["File"], e["Line"], e["Column"]) == ("policies/bad/unknown-class.json", 2, 11), e
assert 'unknown class "sheddible"' in e["Message"], e
PY
fi

echo "check-cli: $n runs, $([ $failed = 0 ] && echo ok || echo FAILED)"
exit $failed
