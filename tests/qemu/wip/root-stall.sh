# Work in progress, not a product test (make check does not run tests/qemu/wip):
# hunting the root stall seen once in cell-lifecycle (max), where the root
# workload reported 0 rounds over 20 cell cycles.
#
#   make qemu-test T=tests/qemu/wip/root-stall.sh
#   BH_VARIANTS=max@ir make qemu-test T=tests/qemu/wip/root-stall.sh
#
# The cell-lifecycle cycle (demo on CPU 3 with hello, second on CPU 2 with
# apic-timer: create, load, start, output seen, shut down, destroy) runs
# "cycles" times under the root workload of tests/qemu/lib.sh (bh_workload
# verify on CPUs 0-1). A watchdog looks at the workload's round counter
# every second; when no round finished for "stall" seconds (a round takes
# well under a second), it dumps what could say why, once per stall: the
# workload's processes (/proc/PID/stat, wchan, stack), VM exits per CPU from
# the hypervisor twice a second apart, /proc/interrupts, the hypervisor
# console, and the kernel's backtraces of all CPUs (sysrq l) and of blocked
# tasks (sysrq w), which reach the console through dmesg below. Results: the
# cycles completed, no stall (with the longest gap between two rounds),
# every round's checksum right, and no NMI of unknown reason in Linux's log
# (the hypervisor's request NMIs leaking into the root).
#
# Findings so far (November 2026):
# - The "0 rounds" is explained by the harness: the workload's round counter
#   was written with "echo N >FILE" and read concurrently; a read between
#   the truncation and the write gives "", which $((a - b)) takes for 0.
#   Fixed in lib.sh (counter_set renames; tests/unit/qemu-lib proves it).
#   Not proven to be what happened that once: the failure message did not
#   print the total count, which would have told (it does now).
# - The hypervisor's request NMIs leak into Linux ("Uhhuh. NMI received
#   for unknown reason", a few per 100 cycles): a resent NMI that arrives
#   after its request was served is injected into the root. A fix (NMIs
#   sent under the target's request lock, pending ones taken in host mode
#   after serving) gave 2 x 100 cycles here with none and no gap of 1 s
#   between rounds, but cell-isolation (max@ir) then wedged root CPU 0 in 2
#   of 8 runs (its guest state became the host state saved at VMRUN), so it
#   was reverted (see git log); this scenario's NMI result fails until a
#   fix that does not do that lands.
#
# timeout: 1800
# smp: 4
# variants: max max@ir
# variant-qemu: ir -device intel-iommu,intremap=on,eim=on
# append: cycles=100 stall=8
. /harness/lib.sh

cycles=${cycles:-100}
stall=${stall:-8}
bh=/sys/devices/bulkhead
demo_cfg=/cells/cells/demo/demo.cell
second_cfg=/cells/cells/second/second.cell
case ${bh_variant:-max} in
*@ir) sys_cfg=/cells/tests/configs/driver/qemu-pc-iommu.cell ;;
*) sys_cfg=/cells/configs/x86/qemu-pc.cell ;;
esac

now() { cut -d' ' -f1 /proc/uptime; }

vmexits() {
	for d in "$bh"/cpus/cpu*; do
		printf '%s' "${d##*/}:"
		for f in "$d"/vmexits_*; do printf ' %s=%s' "${f##*/vmexits_}" "$(cat "$f")"; done
		echo
	done
}

# dump WHY: everything that could tell why the workload does not progress.
dump() {
	echo "@@STALL@@ $1 at uptime $(now)"
	for p in $(pgrep -f 'bh_workload|root_workload' 2>/dev/null) $(pidof bh_workload 2>/dev/null); do
		echo "@@STALL@@ pid $p: $(tr '\0' ' ' </proc/$p/cmdline 2>/dev/null)"
		echo "@@STALL@@   stat $(cat /proc/$p/stat 2>/dev/null)"
		echo "@@STALL@@   wchan $(cat /proc/$p/wchan 2>/dev/null) cpus_allowed $(grep Cpus_allowed_list /proc/$p/status 2>/dev/null)"
		sed 's/^/@@STALL@@   stack /' /proc/$p/stack 2>/dev/null
	done
	ps -o pid,ppid,stat,time,args 2>/dev/null | sed 's/^/@@STALL@@ ps /'
	vmexits | sed 's/^/@@STALL@@ vmexits /'
	sleep 1
	vmexits | sed 's/^/@@STALL@@ vmexits+1s /'
	sed 's/^/@@STALL@@ irq /' /proc/interrupts
	echo "@@STALL@@ online $(cat /sys/devices/system/cpu/online)"
	bulkhead cell list 2>&1 | sed 's/^/@@STALL@@ cells /'
	tail -n 30 "$bh/console" | sed 's/^/@@STALL@@ hv /'
	echo 1 >/proc/sys/kernel/sysrq
	echo l >/proc/sysrq-trigger
	echo w >/proc/sysrq-trigger
	dmesg | tail -n 200 | sed 's/^/@@STALL@@ dmesg /'
}

# The watchdog: the longest gap between two rounds goes to wd.maxgap; a gap
# past $stall seconds is a stall, dumped once.
watchdog() {
	_last=$(wl_count) _since=$(now) _dumped=0 _max=0
	while [ ! -e "$KTAP_DIR/wl.stop" ]; do
		sleep 1
		_c=$(wl_count) _t=$(now)
		case $_c in '' | *[!0-9]*) echo "@@STALL@@ counter read '$_c'"; continue ;; esac
		if [ "$_c" != "$_last" ]; then
			_last=$_c _since=$_t _dumped=0
			continue
		fi
		_gap=$(awk -v a="$_since" -v b="$_t" 'BEGIN { printf "%d", b - a }')
		[ "$_gap" -gt "$_max" ] && { _max=$_gap; echo "$_max" >"$KTAP_DIR/wd.maxgap"; }
		if [ "$_gap" -ge "$stall" ] && [ $_dumped -eq 0 ]; then
			_dumped=1
			echo "round $_c at cycle $(cat "$KTAP_DIR/cycle" 2>/dev/null)" >>"$KTAP_DIR/wd.stalls"
			dump "no workload round for $_gap s (rounds $_c, cycle $(cat "$KTAP_DIR/cycle" 2>/dev/null))"
		fi
	done
}

cycle() {
	dargs="beats=0 cycle=$1" sargs="hz=1000 ticks=500 rounds=0 cycle=$1"
	bulkhead cell create $demo_cfg && bulkhead cell create $second_cfg &&
		bulkhead cell load demo /inmates/hello.bin --args "$dargs" &&
		bulkhead cell load second /inmates/apic-timer.bin --args "$sargs" &&
		bulkhead cell start demo && bulkhead cell start second &&
		wait_until 100 console_after "[demo] inmate: args \"$dargs\"" '^\[demo\] hello: heartbeat [0-9]+ at' &&
		wait_until 100 console_after "[second] inmate: args \"$sargs\"" '^\[second\] apic-timer: round [0-9]+: ticks 500 ' &&
		bulkhead cell shutdown demo && bulkhead cell shutdown second &&
		bulkhead cell destroy demo && bulkhead cell destroy second &&
		test "$(cat /sys/devices/system/cpu/online)" = 0-3
}

ktap_plan 7
ktap_check "insmod bulkhead.ko" insmod /lib/modules/bulkhead.ko
workload_ref=$(root_workload_ref)
ktap_check "enable ($sys_cfg)" bulkhead enable "$sys_cfg"
root_workload &
wl_pid=$!
watchdog &
wd_pid=$!

t0=$(now) done_cycles=0 failed_at=""
i=1
while [ $i -le "$cycles" ]; do
	echo $i >"$KTAP_DIR/cycle"
	if cycle $i >"$KTAP_DIR/cycle.out" 2>&1; then
		done_cycles=$((done_cycles + 1))
	else
		failed_at=$i
		ktap_diag_file "$KTAP_DIR/cycle.out" 5
		break
	fi
	[ $((i % 10)) -eq 0 ] && ktap_diag "cycle $i at $(now) s: $(wl_count) workload rounds, longest gap $(cat "$KTAP_DIR/wd.maxgap" 2>/dev/null || echo 0) s"
	i=$((i + 1))
done
t1=$(now)
ktap_result "$done_cycles of $cycles create/start/destroy cycles in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", b - a }') s" \
	"$([ -z "$failed_at" ] && echo 0 || echo 1)"
root_workload_stop
wait $wd_pid
if [ -s "$KTAP_DIR/wd.stalls" ]; then
	ktap_fail "the root workload never stalled for ${stall} s" "$(tr '\n' ';' <"$KTAP_DIR/wd.stalls")"
else
	ktap_ok "the root workload never stalled for ${stall} s (longest gap $(cat "$KTAP_DIR/wd.maxgap" 2>/dev/null || echo 0) s, $(wl_count) rounds)"
fi
ktap_result "every workload round gave checksum $workload_ref" "$(wl_fine && [ -n "$workload_ref" ] && echo 0 || echo 1)"
ktap_diag_file "$KTAP_DIR/wl.err" 10
# Found on the way: the hypervisor's request NMIs reaching Linux.
nmis=$(dmesg | grep -c 'NMI received for unknown reason')
ktap_result "Linux got no NMI of unknown reason ($nmis)" "$([ "$nmis" -eq 0 ] && echo 0 || echo 1)"
ktap_check "disable" bulkhead disable
ktap_done
