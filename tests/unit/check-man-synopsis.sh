#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The verbs as the man page's SYNOPSIS names them, as `cgpolicyctl --help`
# lists them, and as the code takes them (argument counts) agree; every verb has
# an entry under COMMANDS, and the shell completions offer exactly these verbs.
# Usage: check-man-synopsis.sh CGPOLICYCTL SOURCE_ROOT
set -u
CTL=${1:?usage: check-man-synopsis.sh CGPOLICYCTL SOURCE_ROOT}
ROOT=${2:?usage: check-man-synopsis.sh CGPOLICYCTL SOURCE_ROOT}
case $CTL in /*) ;; *) CTL=$PWD/$CTL ;; esac
MAN=$ROOT/man/cgpolicyctl.1
failed=0
bad() {
        echo "FAIL: $*" >&2
        failed=1
}

# "verb args" per SYNOPSIS line: .B cgpolicyctl / .RI [ OPTIONS ...] / .B VERB / [.RI "ARGS"] / .br
man_forms=$(awk '
        /^\.SH SYNOPSIS/ { on = 1; next }
        /^\.SH / { on = 0 }
        !on { next }
        /^\.B cgpolicyctl$/ { verb = ""; args = ""; next }
        /^\.B / && verb == "" { verb = $2; next }
        /^\.RI "/ { a = $0; sub(/^\.RI "/, "", a); sub(/"$/, "", a); args = a; next }
        /^\.br/ && verb != "" { print verb (args != "" ? " " args : ""); verb = "" }' "$MAN")
[[ -n $man_forms ]] || bad "no verbs found in the SYNOPSIS of $MAN"

# "  verb ARGS   description" under "Commands:", up to the blank line.
help_out=$("$CTL" --help) || bad "cgpolicyctl --help failed"
help_forms=$(awk '
        /^Commands:/ { on = 1; next }
        on && /^$/ { exit }
        on && /^  [a-z]/ {
                line = substr($0, 3); split(line, parts, /  +/); print parts[1] }' <<<"$help_out")

if [[ $man_forms != "$help_forms" ]]; then
        bad "man SYNOPSIS and --help disagree:"
        diff <(echo "$man_forms") <(echo "$help_forms") | sed 's/^/  /' >&2
fi

verbs=$(cut -d' ' -f1 <<<"$man_forms")

# The code: a verb exists, and takes as many arguments as the SYNOPSIS says.
# Against a bus that does not exist, so nothing is ever changed.
export CGPOLICY_BUS_ADDRESS=unix:path=/nonexistent/cgpolicy-test-bus
while read -r verb args; do
        [[ $verb == check ]] && continue # its own parser, files; tested by check-cli.sh
        read -ra words <<<"$args"
        min=0 unbounded=0
        for w in "${words[@]}"; do
                [[ $w == \[* ]] || min=$((min + 1))
                [[ $w == *... || $w == *...\] ]] && unbounded=1
        done
        sample=() # plausible arguments: unit names, assignments
        for ((i = 0; i < min + 3; i++)); do
                if [[ $verb == set-property && $i -gt 0 ]]; then sample+=(CPUWeight=100); else sample+=(x.service); fi
        done
        out=$("$CTL" --no-pager "$verb" "${sample[@]:0:min}" 2>&1)
        [[ $out == *"Unknown command verb"* ]] && bad "\"$verb\" is in the man page but not in the code: $out"
        [[ $out == *"Too few"* || $out == *"Too many"* ]] && bad "\"$verb\" with $min argument(s) refused: $out"
        if ((min > 0)); then
                out=$("$CTL" --no-pager "$verb" "${sample[@]:0:min-1}" 2>&1)
                [[ $out == *"Too few arguments"* ]] || bad "\"$verb\" with $((min - 1)) argument(s) accepted: $out"
        fi
        out=$("$CTL" --no-pager "$verb" "${sample[@]:0:min+3}" 2>&1)
        if ((unbounded)); then
                [[ $out == *"Too many"* ]] && bad "\"$verb\" takes more arguments, the code refuses: $out"
        else
                [[ $out == *"Too many arguments"* ]] || bad "\"$verb\" takes $min argument(s), the code takes more: $out"
        fi
done <<<"$man_forms"

# Each verb has a COMMANDS entry (.TP, then a line naming it first).
for v in $verbs; do
        awk -v v="$v" '
                /^\.SH COMMANDS/ { on = 1; next }
                /^\.SH / { on = 0 }
                on && prev == ".TP" { split($0, w, /[ "]+/); if (w[2] == v) found = 1 }
                { prev = $0 }
                END { exit !found }' "$MAN" || bad "no COMMANDS entry for \"$v\" in $MAN"
done

# The completions offer these verbs, no more, no fewer.
want=$(tr ' ' '\n' <<<"$verbs" | sort | tr '\n' ' ')
bash_verbs=$(sed -n 's/^ *local verbs="\(.*\)"$/\1/p' "$ROOT/shell-completion/bash/cgpolicyctl" | tr ' ' '\n' | sort | tr '\n' ' ')
[[ $bash_verbs == "$want" ]] || bad "bash completion verbs \"$bash_verbs\" are not \"$want\""
if [[ -f $ROOT/shell-completion/zsh/_cgpolicyctl ]]; then
        zsh_verbs=$(sed -n "s/^ *'\([a-z-]*\):.*/\1/p" "$ROOT/shell-completion/zsh/_cgpolicyctl" | sort | tr '\n' ' ')
        [[ $zsh_verbs == "$want" ]] || bad "zsh completion verbs \"$zsh_verbs\" are not \"$want\""
fi

((failed == 0)) && echo "ok: SYNOPSIS, --help, the code and the completions agree on: $(echo $verbs)"
exit $failed
