# Cell lifecycle: two cells, "demo" (CPU 3, hello) and "second" (CPU 2,
# apic-timer), go through 20 cycles of create, load, start, (each one's output
# of this cycle appears in the hypervisor console, state running), shut down,
# destroy. Afterwards the hypervisor's page pool use (mem_pool_used), Linux's
# online CPUs, the bulkhead lines of /proc/iomem and `bulkhead cell list
# --json` are back at their baseline (taken after enable, before the first
# cycle), and a root workload (bh_workload verify on CPUs 0-1, same checksum
# as natively before enable) ran without an error throughout. Then: a failed
# cell (isolation-probe "pio") is destroyed and created again and runs hello;
# `cell list --json` is checked at each state change, in the guest (expected
# states) and on the host (tests/qemu/host/cell-json.sh: strict JSON parse).
#
# Variants: the APIC modes. max: Linux and the cells in xAPIC mode (every
# APIC write of a cell exits and is decoded); max@ir: Linux in x2APIC mode,
# and so the cells' CPUs too (Linux leaves them in x2APIC when it offlines
# them). The inmates' own report of the mode ("APIC xapic id 3" /
# "APIC x2apic id 3") is checked against the variant.
#
# Cycles: "# append: cycles=N" (default 20).
#
# timeout: 420
# smp: 4
# variants: max max@ir
# variant-qemu: ir -device intel-iommu,intremap=on,eim=on
# append: cycles=20
# host-check: tests/qemu/host/cell-json.sh
# hvlog: bulkhead: cell "demo" \(id 1\) created on 1 CPUs
# hvlog: bulkhead: cell "demo" FAILED on CPU 3: write of I/O port 0x3f8 is not permitted
# hvlog-reject: inmate: unexpected interrupt
. /harness/lib.sh

cycles=${cycles:-20}
bh=/sys/devices/bulkhead
demo_cfg=/cells/cells/demo/demo.cell
second_cfg=/cells/cells/second/second.cell
# The @ir variants have an Intel IOMMU, whose registers the root needs
# (tests/configs/driver/qemu-pc-iommu.derive).
case ${bh_variant:-max} in
*@ir) apic_mode=x2apic sys_cfg=/cells/tests/configs/driver/qemu-pc-iommu.cell ;;
*) apic_mode=xapic sys_cfg=/cells/configs/x86/qemu-pc.cell ;;
esac

# --- helpers -------------------------------------------------------------------





# snapshot FILE: everything a cycle must leave as it found it (the page
# pool's use is followed on its own, in pool.log).
snapshot() {
	{
		echo "online $(cat /sys/devices/system/cpu/online)"
		grep -i bulkhead /proc/iomem | sed 's/^ */iomem /'
		echo "list $(bulkhead cell list --json 2>&1)"
	} >"$1"
}

# json_check LABEL EXPECT: print the cell list as JSON for the host check
# (EXPECT is "name=state,..." in id order) and check the states here too.
json_check() {
	_j=$(bulkhead cell list --json 2>&1)
	printf '@@CELLJSON@@ %s %s %s\n' "$1" "$2" "$_j"
	_bad=""
	_ifs=$IFS
	IFS=,
	for _e in $2; do
		_n=${_e%%=*} _s=${_e#*=}
		echo "$_j" | grep -qF "\"name\":\"$_n\",\"state\":\"$_s\"" || _bad="$_bad $_n!=$_s"
	done
	IFS=$_ifs
	_count=$(echo "$_j" | grep -o '"id":' | wc -l)
	_want=$(echo "$2" | tr ',' '\n' | wc -l)
	[ "$_count" -eq "$_want" ] || _bad="$_bad count=$_count!=$_want"
	if [ -z "$_bad" ]; then
		ktap_ok "cell list --json: $1 ($2)"
	else
		ktap_fail "cell list --json: $1 ($2)" "mismatch:$_bad; got $_j"
	fi
}

# step DESC CMD...: run CMD; on failure note why (for the cycle's result).
step() {
	_sd=$1
	shift
	if ! "$@" >"$KTAP_DIR/step.out" 2>&1; then
		why="$_sd failed ($(tail -n 3 "$KTAP_DIR/step.out" | tr '\n' ' '))"
		return 1
	fi
}
check() {
	_sd=$1
	shift
	"$@" >/dev/null 2>&1 || { why="$_sd"; return 1; }
}

pool_used() { cat $bh/mem_pool_used; }
pool_note() { echo "$1 $(pool_used)" >>"$KTAP_DIR/pool.log"; }

# --- one cycle -------------------------------------------------------------------

cycle() {
	i=$1
	why=""
	dargs="beats=0 cycle=$i"
	sargs="hz=1000 ticks=500 rounds=0 cycle=$i"
	pool_note "cycle $i: before"
	step "create demo" bulkhead cell create $demo_cfg &&
		step "create second" bulkhead cell create $second_cfg &&
		pool_note "cycle $i: created" &&
		check "CPUs 2 and 3 left Linux (online: $(cat /sys/devices/system/cpu/online))" \
			test "$(cat /sys/devices/system/cpu/online)" = "0-1" &&
		check "demo not 'shut down' after create" state_is demo "shut down" &&
		step "load demo" bulkhead cell load demo /inmates/hello.bin --args "$dargs" &&
		step "load second" bulkhead cell load second /inmates/apic-timer.bin --args "$sargs" &&
		pool_note "cycle $i: loaded" &&
		step "start demo" bulkhead cell start demo &&
		step "start second" bulkhead cell start second &&
		check "no heartbeat of demo after its arguments \"$dargs\" within 10 s" \
			wait_until 100 console_after "[demo] inmate: args \"$dargs\"" '^\[demo\] hello: heartbeat [0-9]+ at' &&
		check "no apic-timer round of second after its arguments \"$sargs\" within 10 s" \
			wait_until 100 console_after "[second] inmate: args \"$sargs\"" '^\[second\] apic-timer: round [0-9]+: ticks 500 ' &&
		check "demo not running (state $(cell_state demo))" state_is demo running &&
		check "second not running (state $(cell_state second))" state_is second running &&
		step "shutdown demo" bulkhead cell shutdown demo &&
		step "shutdown second" bulkhead cell shutdown second &&
		check "demo not 'shut down' after shutdown" state_is demo "shut down" &&
		check "second not 'shut down' after shutdown" state_is second "shut down" &&
		step "destroy demo" bulkhead cell destroy demo &&
		step "destroy second" bulkhead cell destroy second &&
		pool_note "cycle $i: destroyed" &&
		check "CPUs not back in Linux (online: $(cat /sys/devices/system/cpu/online))" \
			test "$(cat /sys/devices/system/cpu/online)" = "0-3" &&
		snapshot "$KTAP_DIR/after" &&
		check "not back at the baseline: $(diff "$KTAP_DIR/baseline" "$KTAP_DIR/after" | grep '^[-+][^-+]' | tr '\n' ' ')" \
			cmp -s "$KTAP_DIR/baseline" "$KTAP_DIR/after"
}

# Best effort, so that the next cycle starts clean after a failure.
cleanup_cells() {
	for c in demo second; do
		if cell_dir "$c" >/dev/null; then
			bulkhead cell shutdown "$c" >/dev/null 2>&1
			bulkhead cell destroy "$c" >/dev/null 2>&1
		fi
	done
}

# --- the scenario ----------------------------------------------------------------

ktap_plan $((cycles + 22))
ktap_check "insmod bulkhead.ko" insmod /lib/modules/bulkhead.ko

# The reference checksum, natively.
workload_ref=$(root_workload_ref)
ktap_check "enable ($sys_cfg)" bulkhead enable "$sys_cfg"
snapshot "$KTAP_DIR/baseline"
pool_baseline=$(pool_used)
ktap_diag "baseline: mem_pool_used $pool_baseline; $(tr '\n' ';' <"$KTAP_DIR/baseline")"

root_workload &
wl_pid=$!
t0=$(cut -d' ' -f1 /proc/uptime)
wl_before=$(wl_count)

i=1
while [ $i -le "$cycles" ]; do
	c0=$(cut -d' ' -f1 /proc/uptime)
	if cycle $i; then
		c1=$(cut -d' ' -f1 /proc/uptime)
		ktap_ok "cycle $i: create, load, start, output, running, shut down, destroy both cells; back at the baseline ($(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.1f", b - a }') s)"
	else
		ktap_fail "cycle $i" "$why"
		bulkhead console | tail -n 12 >"$KTAP_DIR/con"
		ktap_diag_file "$KTAP_DIR/con" 12
		cleanup_cells
	fi
	if [ $i -eq 1 ]; then
		# The APIC mode the inmates found, from the first cycle's output.
		bulkhead console >"$KTAP_DIR/con1"
	fi
	i=$((i + 1))
done
t1=$(cut -d' ' -f1 /proc/uptime)
wl_after=$(wl_count)
ktap_diag "$cycles cycles in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s; root workload rounds meanwhile: $((wl_after - wl_before))"

ktap_expect_output "the inmates ran in $apic_mode mode (variant ${bh_variant:-max})" \
	"^\[(demo|second)\] inmate: console hypercall, APIC $apic_mode id [23]," cat "$KTAP_DIR/con1"

snapshot "$KTAP_DIR/after"
# The page pool: every page back, after the first cycle as after the last
# (PageTable::unmap frees the tables it empties, map merges a split range
# back into a large page: hypervisor/arch/x86/paging.cpp).
pool_base=$pool_baseline
pool_end=$(pool_used)
pool_first=$(sed -n 's/^cycle 1: destroyed //p' "$KTAP_DIR/pool.log")
ktap_diag "mem_pool_used in cycle 1: $(grep '^cycle 1:' "$KTAP_DIR/pool.log" | sed 's/^cycle 1: //' | tr '\n' ';')"
ktap_diag "mem_pool_used after each cycle: $(sed -n 's/^cycle [0-9]*: destroyed //p' "$KTAP_DIR/pool.log" | tr '\n' ' ')"
ktap_result "mem_pool_used does not grow over the cycles (after cycle 1: ${pool_first:-?}, after cycle $cycles: $pool_end)" \
	"$([ -n "$pool_first" ] && [ "$pool_end" -eq "$pool_first" ] && echo 0 || echo 1)"
ktap_result "mem_pool_used back at the baseline ($pool_base pages; now $pool_end)" \
	"$([ "$pool_end" -eq "$pool_base" ] && echo 0 || echo 1)"
ktap_expect_output "online CPUs back at the baseline (0-3)" '^online 0-3$' cat "$KTAP_DIR/after"
ktap_result "bulkhead lines of /proc/iomem and cell list --json back at the baseline" \
	"$(cmp -s "$KTAP_DIR/baseline" "$KTAP_DIR/after" && echo 0 || echo 1)"
if ! cmp -s "$KTAP_DIR/baseline" "$KTAP_DIR/after"; then
	diff "$KTAP_DIR/baseline" "$KTAP_DIR/after" >"$KTAP_DIR/d"
	ktap_diag_file "$KTAP_DIR/d"
fi
json_check "after the cycles" "qemu-pc=running"

# --- a failed cell is destroyed and created again ----------------------------------
ktap_check "create demo and second" sh -c "bulkhead cell create $demo_cfg && bulkhead cell create $second_cfg"
ktap_check "load isolation-probe 'pio' into demo, hello into second" sh -c \
	"bulkhead cell load demo /inmates/isolation-probe.bin --args pio &&
	 bulkhead cell load second /inmates/hello.bin --args 'beats=0 failed-cell=1'"
json_check "created and loaded" "qemu-pc=running,demo=shut down,second=shut down"
bulkhead cell start second >/dev/null 2>&1
bulkhead cell start demo >/dev/null 2>&1
wait_until 100 state_is demo failed
ktap_expect_output "demo failed: its OUTB to COM1 was stopped" '^write of I/O port 0x3f8 is not permitted' cell_reason demo
json_check "demo failed and second running" "qemu-pc=running,demo=failed,second=running"
ktap_check "the failed cell is destroyed (CPU 3 back in Linux)" sh -c \
	'bulkhead cell destroy demo && test "$(cat /sys/devices/system/cpu/online)" = "0-1,3"'
ktap_check "...and created again, loaded with hello and started" sh -c \
	"bulkhead cell create $demo_cfg && bulkhead cell load demo /inmates/hello.bin --args 'beats=0 recreated=1' &&
	 bulkhead cell start demo"
both_beat() {
	console_after '[demo] inmate: args "beats=0 recreated=1"' '^\[demo\] hello: heartbeat [0-9]+ at' &&
		console_after '[second] inmate: args "beats=0 failed-cell=1"' '^\[second\] hello: heartbeat [0-9]+ at'
}
ktap_check "the re-created cell runs (heartbeat) and second still runs" wait_until 100 both_beat
json_check "both running" "qemu-pc=running,demo=running,second=running"
bulkhead cell shutdown demo >/dev/null 2>&1
bulkhead cell shutdown second >/dev/null 2>&1
json_check "both shut down" "qemu-pc=running,demo=shut down,second=shut down"
ktap_check "destroy both" sh -c 'bulkhead cell destroy demo && bulkhead cell destroy second'
snapshot "$KTAP_DIR/after"
ktap_result "CPUs, /proc/iomem, cell list and mem_pool_used ($(pool_used)) as before the failed-cell round ($pool_end)" \
	"$(cmp -s "$KTAP_DIR/baseline" "$KTAP_DIR/after" && [ "$(pool_used)" -eq "$pool_end" ] && echo 0 || echo 1)"

# --- the root workload -------------------------------------------------------------
root_workload_stop
if ! wl_fine; then
	ktap_fail "root workload (bh_workload verify on CPUs 0-1): every round right" "reference checksum $workload_ref"
	ktap_diag_file "$KTAP_DIR/wl.err" 10
elif [ -z "$workload_ref" ] || [ $((wl_after - wl_before)) -lt 3 ]; then
	ktap_fail "root workload (bh_workload verify on CPUs 0-1): every round right" \
		"reference '$workload_ref', only $((wl_after - wl_before)) rounds during the cycles ($wl_before -> $wl_after), $(wl_count) in all"
else
	ktap_ok "root workload (bh_workload verify on CPUs 0-1): $(wl_count) rounds, every checksum $workload_ref, $((wl_after - wl_before)) during the cycles"
fi
ktap_check "disable" bulkhead disable
ktap_done
