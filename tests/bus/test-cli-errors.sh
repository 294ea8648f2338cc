#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# cgpolicyctl failures: one clear line naming what was wrong, systemctl's exit
# codes (1 failure, 4 no such unit), and no file changed.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-api.sh"

make_tree db.service
start_daemon
api_allow_others
expect_ok ctl set-property db.service MemoryHigh=1G
expect_file "$SLICE/db.service/memory.high" 1073741824
snap=$T/before
snapshot "$snap"

# expected exit code | output must contain | arguments (eval'ed)
while IFS='|' read -r code what args; do
        [[ -z $code || $code == \#* ]] && continue
        eval "argv=($args)"
        expect_fail_with "$what" ctl "${argv[@]}"
        ((LAST_RC == code)) || fail "cgpolicyctl $args: exit $LAST_RC, expected $code: $LAST_OUT"
        [[ $(wc -l <<<"$LAST_OUT") -eq 1 ]] || fail "cgpolicyctl $args: not one line: $LAST_OUT"
        expect_unchanged "$snap"
        echo "ok: cgpolicyctl $args → $code: $LAST_OUT"
done <<'EOT'
1|Invalid MemoryHigh= value "12X"|set-property db.service CPUWeight=300 MemoryHigh=12X
1|CPUWeight|set-property db.service CPUWeight=0x10
1|CPUWeight|set-property db.service CPUWeight=10001
1|TasksMax|set-property db.service TasksMax=-1
1|AllowedCPUs|set-property db.service AllowedCPUs=3-x
1|Invalid CPUWeight= value "300 ": trailing whitespace|set-property db.service "CPUWeight=300 "
1|Invalid CPUQuota= value "infinity"|set-property db.service CPUQuota=infinity
1|Invalid CPUQuota= value "0.005%": too many digits|set-property db.service CPUQuota=0.005%
1|TasksMax= value "100%" out of range|set-property db.service TasksMax=100%
1|Invalid MemoryMin= value "1G 512M "|set-property db.service "MemoryMin=1G 512M "
1|IOReadBandwidthMax|set-property db.service "IOReadBandwidthMax=sda 1M"
1|OOMScoreAdjust|set-property db.service OOMScoreAdjust=-500
1|Unknown property "Bogus"|set-property db.service Bogus=1
1|Invalid assignment "CPUWeight"|set-property db.service CPUWeight
1|Invalid assignment "=5"|set-property db.service =5
1|Too few arguments|set-property db.service
1|Unknown property "Bogus"|revert db.service Bogus
4|nope.service is not managed|set-property nope.service CPUWeight=300
4|nope.service|show nope.service
4|nope.service|explain nope.service
4|nope.service|revert nope.service
4|nope.service|set-property --dry-run nope.service CPUWeight=300
1|Unknown command verb "frobnicate"|frobnicate
1|Unknown option "--frob"|--frob list
1|Too many arguments|explain db.service web.service
1|Unknown --json= mode "xml"|--json=xml list
EOT

# Not root: refused, one line, exit 1.
expect_fail_with "Access denied" as_nobody "$CGPOLICYCTL" --bus-address="$BUS_ADDRESS" --no-ask-password \
        set-property db.service MemoryHigh=2G
((LAST_RC == 1)) || fail "access denied: exit $LAST_RC"
expect_unchanged "$snap"

# No daemon on the bus: exit 1, says so.
stop_daemon TERM || fail "daemon exited with $?"
snapshot "$snap"
expect_fail_with "cgpolicyd is not running" ctl list
((LAST_RC == 1)) || fail "daemon not running: exit $LAST_RC"
expect_fail_with "Failed to connect" "$CGPOLICYCTL" --bus-address=unix:path=/nonexistent/bus list
((LAST_RC == 1)) || fail "no bus: exit $LAST_RC"
expect_unchanged "$snap"
echo "ok: cgpolicyctl errors"
