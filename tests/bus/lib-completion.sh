# shellcheck shell=bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# What the shell completions must offer, from the sources the CLI itself is
# built from: its --help (the verb table of cli/cgpolicyctl.c, its options) and
# docs/properties.md (the property table, checked against core/property.c by
# test-property). Sourced after lib.sh.

: "${PROJECT_SOURCE_ROOT:?PROJECT_SOURCE_ROOT must point to the source tree}"

# help_verbs: the verbs, one per line, sorted
help_verbs() {
        "$CGPOLICYCTL" --help | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit } on && /^  [a-z]/ { print $1 }' | sort
}

# help_long_options: the long options, "--name=" when they take a value, sorted
help_long_options() {
        "$CGPOLICYCTL" --help | awk '
                /^Options:/ { on = 1; next }
                on && /^$/ { exit }
                on { sub(/^ +/, ""); split($0, col, /  +/); n = split(col[1], w, / /)
                     for (i = 1; i <= n; i++) if (w[i] ~ /^--/) { o = w[i]; sub(/\[=.*/, "", o); sub(/=.*/, "=", o); print o } }' |
                sort
}

# settable_properties: what set-property takes (run-time settable), sorted
settable_properties() {
        awk -F'|' '/^\| [A-Z]/ { gsub(/ /, "", $2); gsub(/ /, "", $8); if ($8 == "yes") print $2 }' \
                "$PROJECT_SOURCE_ROOT/docs/properties.md" | sort
}

# same_lines WHAT GOT WANT: fail with a diff unless equal
same_lines() {
        [[ $2 == "$3" ]] && return 0
        fail "$1: got (<) and expected (>) differ:
$(diff <(printf '%s\n' "$2") <(printf '%s\n' "$3"))"
}
