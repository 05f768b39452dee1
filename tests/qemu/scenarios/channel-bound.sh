# Issue #6's channel-bound (Documentation/channel-bound.md section 11): the
# measured round trip of a cell-to-cell channel against its computed
# worst case. Cells "channel-ping" (CPU 2) and "channel-pong" (CPU 3) share
# channel 2 (cells/channel-pair), both running inmates/demos/channel-echo,
# both polling (no doorbell), each alone on its CPU with no budget
# enforcement: VCPUs with C = T, the degenerate case of the bound where the
# budget gaps vanish.
#
# ping (bench=10000) first calibrates, on a loopback channel in its own
# memory, the per-slot and per-byte costs and the empty poll iteration (the
# maxima of 2000 repetitions) and prints sigma, delta, lambda with a margin
# of 1/4; then, with pong echoing (quiet, K = 0), it times 10^4 round trips
# of 64 B and 10^4 of 8 KiB (two slots of B = 4096 each way) with the TSC
# and prints min/median/p99/max. Here, in the guest, `bulkhead bound
# channel` computes Δwc from the printed parameters and each measured
# maximum must be at most Δwc; both are printed.
#
# -icount (as rtos-taskset, whose header says why): the cells' TSC advances
# with executed instructions, so a busy host does not stretch a round trip.
# With -icount, TCG runs all CPUs in one thread and one clock, so the
# root's CPUs executing would count in a cell's round trip: the root sits
# in one sleep while the round trips run (no process started, no console
# read), and only then waits, bounded, for the markers.
#
# timeout: 300
# smp: 4
# qemu: -icount shift=0,sleep=off
# variants: max
# hvlog: \[channel-ping\] channel-bound: done
# hvlog-reject: inmate: unexpected interrupt
. /harness/lib.sh

bh=/sys/devices/bulkhead
ping_cfg=/cells/cells/channel-pair/ping.cell
pong_cfg=/cells/cells/channel-pair/pong.cell

console_has() { grep -qE "$1" "$bh/console"; }
console_line() { grep -E "$1" "$bh/console" | tail -n 1; }

ktap_plan 9
ktap_check "insmod bulkhead.ko" insmod /lib/modules/bulkhead.ko
ktap_check "enable" bulkhead enable /cells/configs/x86/qemu-pc.cell
ktap_check "create channel-ping and channel-pong" \
	sh -c "bulkhead cell create $ping_cfg && bulkhead cell create $pong_cfg"
ktap_check "load both (bench=10000; quiet)" \
	sh -c "bulkhead cell load channel-ping /inmates/channel-echo.bin --args 'id=2 bench=10000' &&
	       bulkhead cell load channel-pong /inmates/channel-echo.bin --args 'id=2 quiet'"
# ping calibrates (the root asleep) and formats the channel before pong
# opens it.
start_both() {
	bulkhead cell start channel-ping && sleep 2 &&
		wait_until 300 console_has '\[channel-ping\] channel-echo: ping: ready' &&
		bulkhead cell start channel-pong
}
ktap_check "calibrate in ping, then start pong" start_both
# The round trips take well under a second of (instruction) time; the root
# stays idle meanwhile, then polls for the end.
sleep 3
WAIT_STEP=1
ktap_check "ping: 2 x 10^4 round trips done, pong stopped" \
	wait_until 300 console_has '\[channel-pong\] channel-echo: stop after [0-9]+ transactions'

params=$(console_line '\[channel-ping\] channel-bound: parameters')
ktap_diag "$(console_line '\[channel-ping\] channel-bound: calibration')"
ktap_diag "$params"
field() { printf '%s\n' "$params" | sed -n "s/.* $1=\([0-9/]*\).*/\1/p"; }
sigma=$(field sigma)
delta=$(field delta)
lambda=$(field lambda)

# check_size N: Δwc for N = M bytes from the printed parameters (C = T:
# no budget gaps; any C = T gives the same bound), against the maximum.
check_size() {
	line=$(console_line "\\[channel-ping\\] channel-bound: N=M=$1 ")
	max=$(printf '%s\n' "$line" | sed -n 's/.*(max_ns=\([0-9]*\)).*/\1/p')
	bound=$(bulkhead bound channel --Cs 1000 --Ts 1000 --Cr 1000 --Tr 1000 \
		--N "$1" --M "$1" --K 0 --ds "$delta" --dr "$delta" --B 4096 \
		--fs "$sigma" --fr "$sigma" --ls "$lambda" --lr "$lambda" |
		sed -n 's/^worst-case round trip: \([0-9]*\)$/\1/p')
	ktap_diag "$line"
	if [ -n "$max" ] && [ -n "$bound" ] && [ -n "$sigma" ] && [ -n "$delta" ] &&
		[ -n "$lambda" ] && [ "$max" -le "$bound" ]; then
		printf '@@BH@@ channel-bound: N=M=%s: measured max %s ns <= computed bound %s ns\n' \
			"$1" "$max" "$bound"
		ktap_ok "N = M = $1 B: measured max $max ns <= bound $bound ns"
	else
		ktap_fail "N = M = $1 B: measured max ${max:-?} ns <= bound ${bound:-?} ns"
	fi
}
check_size 64
check_size 8192
ktap_check "destroy both and disable" \
	sh -c "bulkhead cell destroy channel-ping && bulkhead cell destroy channel-pong && bulkhead disable"
ktap_done
