#!/bin/bash
# Host side of the cell-uart scenario: what reached the virtual PC's COM3
# (LOGDIR/com3.log, a file-backed serial port). The root's line written
# before the cell took the UART and the one after it gave it back must be
# there, the cell's inmate output between them, and the root's line written
# while the cell owned the port must not be anywhere.
#
#   tests/qemu/host/uart-log.sh LOGDIR
set -uo pipefail

dir=${1:?usage: $0 LOGDIR}
log=$dir/com3.log
n=0 failed=0
result() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		failed=$((failed + 1))
	fi
}
text=$(tr -d '\r' <"$log" 2>/dev/null)
has() { grep -qE -- "$1" <<<"$text"; }
line_of() { grep -nE -- "$1" <<<"$text" | head -n 1 | cut -d: -f1; }

result "$([ -s "$log" ] && echo 0 || echo 1)" "COM3 wrote $log"
has '^bulkhead-root: before the cell$'; result $? "the root's line from before the cell is on COM3"
has '^inmate: console COM3 0x3e8, '; result $? "the inmate reports COM3 0x3e8 as its console"
has '^hello: heartbeat 3/3 at '; result $? "the inmate's three heartbeats are on COM3"
has '^inmate: exit 0$'; result $? "the inmate's exit is on COM3"
! has 'bulkhead-root: while the cell owns it'; result $? "nothing the root wrote while the cell owned the UART is on COM3"
has '^bulkhead-root: after the cell$'; result $? "the root's line from after the cell is on COM3"
b=$(line_of '^bulkhead-root: before the cell$') c=$(line_of '^inmate: exit 0$') a=$(line_of '^bulkhead-root: after the cell$')
result "$([ -n "$b" ] && [ -n "$c" ] && [ -n "$a" ] && [ "$b" -lt "$c" ] && [ "$c" -lt "$a" ] && echo 0 || echo 1)" \
	"in that order: root, cell, root"
echo "# COM3 log:"
sed 's/^/#   /' <<<"$text" | head -n 20
[ "$failed" -eq 0 ]
