#!/usr/bin/zsh -f
# SPDX-License-Identifier: LGPL-2.1-or-later
# What zsh's completion offers after each LINE, as typing LINE then TAB in an
# interactive zsh would: the candidates one per line (sorted, duplicates
# dropped), then "--". The completion functions come from FPATH_DIR only.
# Usage: zsh-complete.zsh FPATH_DIR LINE...
# An interactive shell on a pty (zsh/zpty), since completion needs the line
# editor; a compadd wrapper records the matches that each call adds.
zmodload zsh/zpty || exit 77
dir=${1:?usage: zsh-complete.zsh FPATH_DIR LINE...}
shift
out=$(mktemp) || exit 1
trap 'zpty -d cap 2>/dev/null; rm -f $out' EXIT

zpty cap zsh -f -i || exit 1
# drain the pty, so that the shell never blocks on a full terminal
drain() { local junk; while zpty -rt cap junk 2>/dev/null; do :; done; }
# wait_marks N: until $out holds N lines "--", at most 20 s
wait_marks() {
        local -i i
        local -a marks
        for (( i = 0; i < 400; i++ )); do
                drain
                marks=(${(M)${(f)"$(<$out)"}:#--})
                (( $#marks >= $1 )) && return 0
                sleep 0.05
        done
        print -u2 "zsh-complete: no answer from the completion (line: $line): $(<$out)"
        exit 1
}

# One line each: the inner shell reads them as typed commands.
zpty -w cap "PS1= PS2= RPS1=; bindkey -e"
zpty -w cap "fpath=(${(q)dir} \$fpath); autoload -U compinit; compinit -u -D"
zpty -w cap "OUT=${(q)out}"
zpty -w cap 'compadd() { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi; local -a hits; builtin compadd -A hits "$@"; (( $#hits )) && print -rl -- $hits >>$OUT; builtin compadd "$@"; }'
# TAB: the usual completion, then the end mark; nothing inserted or listed
zpty -w cap '_cap_complete() { _main_complete; print -r -- -- >>$OUT; compstate[insert]=; compstate[list]=; }'
zpty -w cap "zle -C cap-complete complete-word _cap_complete; bindkey '^I' cap-complete"
zpty -w cap 'print -r -- -- >>$OUT'
wait_marks 1
: >$out
# zle throws away what was typed ahead of its prompt: let it come up first
sleep 0.5
drain

typeset -i n=0
for line in "$@"; do
        zpty -w -n cap "$line"$'\t'
        wait_marks $(( ++n ))
        zpty -w -n cap $'\C-u'
        sleep 0.1
done
drain
# the blocks, each sorted on its own
local -a block
for l in "${(@f)$(<$out)}"; do
        if [[ $l == -- ]]; then
                print -rl -- ${(ou)block} --
                block=()
        else
                block+=($l)
        fi
done
