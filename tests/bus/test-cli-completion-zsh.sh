#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The zsh completion (issue 11 item 11): it loads under compinit without a word
# on stderr, and offers in a real interactive zsh (on a pty, zsh-complete.zsh)
# what the bash one does: the verbs and options of --help, a running daemon's
# units (on the bus --bus-address names), docs/properties.md's settable
# properties, values after '='. Skipped without zsh (tests/install-deps.sh has it).
# ZSH_COMPLETION_DIR=DIR tests another _cgpolicyctl (to see this test fail).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-api.sh"
source "$(dirname "$0")/lib-completion.sh"
command -v zsh >/dev/null || {
        echo "SKIP: no zsh" >&2
        exit 77
}
DIR=${ZSH_COMPLETION_DIR:-$PROJECT_SOURCE_ROOT/shell-completion/zsh}
CTL_DIR=$(cd "$(dirname "$CGPOLICYCTL")" && pwd)
DRIVER=$BUS_TESTS_DIR/zsh-complete.zsh

# As a user would load it by hand: nothing on stdout or stderr, registered for cgpolicyctl.
out=$(cd "$T" && HOME=$T zsh -f -c 'autoload -U compinit; compinit -u -D; source "$1"; print -r -- $_comps[cgpolicyctl]' \
        zsh "$DIR/_cgpolicyctl" 2>&1)
[[ $out == _cgpolicyctl ]] || fail "sourcing _cgpolicyctl under compinit: $out"
echo "ok: loads under compinit and registers _cgpolicyctl"

make_tree db.service web.service batch-1.service
start_daemon
export CGPOLICY_BUS_ADDRESS=$BUS_ADDRESS
units=$(ctl list --no-legend | awk '{ print $1 }' | sort)

# complete LINE...: each LINE's candidates, blocks ended by "--"
complete_lines() {
        PATH=$CTL_DIR:$PATH HOME=$T zsh -f "$DRIVER" "$DIR" "$@" 2>"$T/zsh.err" ||
                fail "zsh-complete.zsh: $(cat "$T/zsh.err")"
}
# check LINE WANT ...: pairs; one zsh run for all of them
check() {
        local -a lines=() wants=()
        while (($#)); do
                lines+=("$1") wants+=("$2")
                shift 2
        done
        local got i=0 block=""
        got=$(complete_lines "${lines[@]}")
        while IFS= read -r l; do
                if [[ $l == -- ]]; then
                        same_lines "zsh completion of \"${lines[i]}\"" "${block%$'\n'}" "${wants[i]}"
                        block="" i=$((i + 1))
                else
                        block+=$l$'\n'
                fi
        done <<<"$got"
        ((i == ${#lines[@]})) || fail "zsh-complete.zsh answered $i of ${#lines[@]} lines: $got"
}

props=$(settable_properties)
check 'cgpolicyctl ' "$(help_verbs)" \
        'cgpolicyctl s' $'set-property\nshow\nstatus' \
        'cgpolicyctl --no-p' --no-pager \
        'cgpolicyctl show ' "$units" \
        'cgpolicyctl status d' db.service \
        'cgpolicyctl explain db.service ' "" \
        'cgpolicyctl set-property db.service ' "$props" \
        'cgpolicyctl set-property --runtime db.service CPUWeight=800 MemoryH' MemoryHigh \
        'cgpolicyctl set-property db.service MemoryHigh=' $'1G\n2G\n50%\n512M\ninfinity' \
        'cgpolicyctl revert db.service ' "$props" \
        'cgpolicyctl show -P MemoryC' MemoryCurrent \
        'cgpolicyctl metrics ' prometheus
echo "ok: verbs, units of the running daemon, the $(wc -l <<<"$props") settable properties, values"

# every long option of --help (zsh shows "--host=" as "--host")
want=$(help_long_options | tr -d =)
got=$(complete_lines 'cgpolicyctl --' | grep -v '^--$' | tr -d = | sort -u)
missing=$(comm -23 <(echo "$want") <(echo "$got"))
[[ -z $missing ]] || fail "zsh: options of --help not offered: $missing"
echo "ok: every long option of --help ($(wc -l <<<"$want"))"

# the daemon the command line names, not the environment's
export CGPOLICY_BUS_ADDRESS=unix:path=$T/no-such-bus
check "cgpolicyctl --bus-address=$BUS_ADDRESS show " "$units" \
        'cgpolicyctl show ' ""
echo "ok: unit names from the bus of --bus-address, none without a daemon"
