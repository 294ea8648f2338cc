#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The bash completion (issue 11 item 11), as bash calls it: sourced into a
# non-interactive bash, COMP_WORDS/COMP_CWORD/COMP_LINE/COMP_POINT set, then
# _cgpolicyctl. Its candidates: the verbs and options of --help, the managed
# units of the daemon the command line names (a running one on a private bus),
# the run-time settable properties of docs/properties.md, values after '='.
# BASH_COMPLETION=FILE tests another completion file (to see this test fail).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-api.sh"
source "$(dirname "$0")/lib-completion.sh"
COMPLETION=${BASH_COMPLETION:-$PROJECT_SOURCE_ROOT/shell-completion/bash/cgpolicyctl}
CTL_DIR=$(cd "$(dirname "$CGPOLICYCTL")" && pwd)

make_tree db.service web.service batch-1.service
policy 50-test.json '{ "policies": [
  { "name": "db", "class": "protected", "match": { "unit": "db.service" }, "properties": { "CPUWeight": 800 } } ] }'
start_daemon

# complete_line LINE: the candidates (sorted), as TAB at the end of LINE gives them.
# compopt, which works only while readline completes, is recorded instead.
complete_line() {
        (
                set +euo pipefail
                PATH=$CTL_DIR:$PATH
                # shellcheck disable=SC2317 # called by the completion
                compopt() { printf '%s\n' "$*" >>"$T/compopt"; }
                # shellcheck disable=SC1090
                source "$COMPLETION"
                COMP_LINE=$1 COMP_POINT=${#1} COMP_TYPE=9 COMP_KEY=9
                read -ra COMP_WORDS <<<"$1"
                [[ $1 == *' ' ]] && COMP_WORDS+=("")
                COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
                COMPREPLY=()
                _cgpolicyctl cgpolicyctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
                ((${#COMPREPLY[@]})) && printf '%s\n' "${COMPREPLY[@]}" | sort
        ) 2>"$T/complete.err"
        [[ -s $T/complete.err ]] && fail "completing \"$1\" printed: $(cat "$T/complete.err")"
        return 0
}
# expect LINE WANT: the candidates for LINE are WANT (newline-separated, sorted)
expect() { same_lines "completion of \"$1\"" "$(complete_line "$1")" "$2"; }

export CGPOLICY_BUS_ADDRESS=$BUS_ADDRESS
units=$(ctl list --no-legend | awk '{ print $1 }' | sort)
[[ $units == $'batch-1.service\ndb.service\nsystem.slice\nweb.service' ]] || fail "list: $units"

expect 'cgpolicyctl ' "$(help_verbs)"
expect 'cgpolicyctl s' $'set-property\nshow\nstatus'
expect 'cgpolicyctl --no-pager re' $'reload\nrevert'
echo "ok: the verbs of --help"

want=$(help_long_options)
got=$(complete_line 'cgpolicyctl --')
missing=$(comm -23 <(echo "$want") <(echo "$got"))
[[ -z $missing ]] || fail "options of --help not offered: $missing"
expect 'cgpolicyctl --no-p' --no-pager
: >"$T/compopt"
expect 'cgpolicyctl --bus' --bus-address=
grep -qx -- '-o nospace' "$T/compopt" || fail "no nospace after --bus-address="
echo "ok: every long option of --help ($(wc -l <<<"$want"))"

for v in show status explain revert set-property list pressure; do
        expect "cgpolicyctl $v " "$units"
done
expect 'cgpolicyctl show d' db.service
expect 'cgpolicyctl explain db.service ' ""
echo "ok: unit names from the running daemon"

# the daemon the command line names, not the environment's
unset CGPOLICY_BUS_ADDRESS
expect "cgpolicyctl --bus-address=$BUS_ADDRESS show " "$units"
expect "cgpolicyctl --bus-address $BUS_ADDRESS --no-legend set-property " "$units"
export CGPOLICY_BUS_ADDRESS=unix:path=$T/no-such-bus
expect 'cgpolicyctl show ' ""
export CGPOLICY_BUS_ADDRESS=$BUS_ADDRESS
echo "ok: unit names from the bus of --bus-address, none (and no message) without a daemon"

props=$(settable_properties)
: >"$T/compopt"
expect 'cgpolicyctl set-property db.service ' "$(sed 's/$/=/' <<<"$props")"
grep -qx -- '-o nospace' "$T/compopt" || fail "no nospace after PROPERTY="
expect 'cgpolicyctl set-property --runtime db.service CPUWeight=800 MemoryH' MemoryHigh=
# bash breaks words at '=' (COMP_WORDBREAKS): readline replaces only what follows it
expect 'cgpolicyctl set-property db.service MemoryHigh=' $'1G\n2G\n50%\n512M\ninfinity'
expect 'cgpolicyctl set-property db.service CPUWeight=i' idle
expect 'cgpolicyctl revert db.service ' "$props"
expect 'cgpolicyctl revert db.service IOR' $'IOReadBandwidthMax\nIOReadIOPSMax'
echo "ok: the $(wc -l <<<"$props") run-time settable properties of docs/properties.md, and values"

# show -p: names that show prints
shown=$(ctl show db.service | cut -d= -f1 | sort)
for p in $(complete_line 'cgpolicyctl show db.service -p '); do
        grep -qx "$p" <<<"$shown" || fail "show -p offers $p, which show does not print"
done
expect 'cgpolicyctl show -P MemoryC' MemoryCurrent
echo "ok: -p/-P offer names that show prints"

mkdir "$T/pdir" && touch "$T/pdir/10-a.json" "$T/pdir/20-b.json"
expect "cgpolicyctl check $T/pdir/" "$T/pdir/10-a.json
$T/pdir/20-b.json"
echo "ok: check takes files"

stop_daemon TERM || fail "daemon exited with $?"
expect 'cgpolicyctl show ' ""
expect 'cgpolicyctl ' "$(help_verbs)"
echo "ok: without a daemon, verbs still and no units"
