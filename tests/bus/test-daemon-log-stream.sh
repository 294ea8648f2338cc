#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# "<N>" priority prefixes only when stderr is the journal: JOURNAL_STREAM names
# stderr's device and inode (as systemd sets it for a service). A file, a
# terminal, or a JOURNAL_STREAM inherited by a process whose stderr went
# elsewhere get plain text.
source "$(dirname "$0")/lib.sh"

out=$T/stderr.txt
# an error at option parsing is logged and exits at once: no bus needed
run_bad() { "$CGPOLICYD" --no-such-option 2>>"$out" || true; }

: >"$out"
run_bad
grep -qx 'Unknown option "--no-such-option"; see --help.' "$out" || fail "plain file: $(cat "$out")"

: >"$out"
JOURNAL_STREAM=$(stat -c '%d:%i' "$out") run_bad
grep -qx '<3>Unknown option "--no-such-option"; see --help.' "$out" || fail "journal stream: $(cat "$out")"

: >"$out"
JOURNAL_STREAM=$(stat -c '%d:%i' "$LOG" 2>/dev/null || (: >"$LOG"; stat -c '%d:%i' "$LOG")) run_bad
grep -qx 'Unknown option "--no-such-option"; see --help.' "$out" || fail "inherited, other file: $(cat "$out")"

: >"$out"
JOURNAL_STREAM=garbage run_bad
grep -qx 'Unknown option "--no-such-option"; see --help.' "$out" || fail "garbage JOURNAL_STREAM: $(cat "$out")"

# a terminal: script(1) gives the daemon a pty as stderr
if command -v script >/dev/null; then
        script -qec "$CGPOLICYD --no-such-option" /dev/null >"$T/tty.txt" 2>&1 </dev/null || true
        grep -q 'Unknown option' "$T/tty.txt" || fail "no output on the terminal: $(cat "$T/tty.txt")"
        ! grep -q '<3>' "$T/tty.txt" || fail "priority prefix on a terminal: $(cat "$T/tty.txt")"
fi
echo "ok: <N> prefixes only on the journal stream"
