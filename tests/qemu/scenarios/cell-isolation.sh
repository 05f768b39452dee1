# Cell isolation: a cell that breaks a rule is stopped and marked failed,
# and nobody else notices. The "probe" cell (cells/probe/probe.c: CPU 3, the
# demo's memory layout, no ports) runs inmates/demos/isolation-probe.cpp with
# one forbidden action at a time:
#
#   write-outside                  write guest-physical 0x3000000 (not its memory)
#   write-outside addr=0x3d200000  write where second's RAM is host-physically
#   read-hypervisor                read guest-physical 0x3b000000 (hypervisor memory)
#   pio                            OUTB to COM1 (0x3f8)
#   pio port=0x2f8                 OUTB to COM2, the hypervisor's console
#   msr                            WRMSR VM_HSAVE_PA
#   ipi                            INIT IPI to APIC id 0 (a root CPU)
#   ipi dest=2                     INIT IPI to APIC id 2 (second's CPU)
#   triple-fault                   empty IDT + UD2
#
# For each: the probe announced the action and never reported it done; it
# ends "failed" with the right reason in sysfs (cells/<id>/reason), in
# `bulkhead cell list` and in the hypervisor console ("cell "probe" FAILED on
# CPU 3: ..."; also required on COM2 below); meanwhile the cell "second"
# (CPU 2, hello with a heartbeat every second) stays running and its
# heartbeat count keeps rising across the failure, and a root workload
# (bh_workload verify on CPUs 0-1) keeps giving the right checksum. The failed
# cell is then destroyed (CPU 3 back in Linux) and created again. At the end
# the re-created probe cell runs hello, and after destroying both cells CPUs,
# /proc/iomem and the cell list are as before.
#
# Variants: the APIC modes (xAPIC: ICR writes decoded from the write-protected
# APIC page; x2APIC: ICR MSR writes intercepted).
#
# timeout: 300
# smp: 4
# variants: max max@ir
# variant-qemu: ir -device intel-iommu,intremap=on,eim=on
# hvlog: bulkhead: cell "probe" FAILED on CPU 3: write of guest-physical 0x3000000 outside its memory
# hvlog: bulkhead: cell "probe" FAILED on CPU 3: write of guest-physical 0x3d200000 outside its memory
# hvlog: bulkhead: cell "probe" FAILED on CPU 3: read of guest-physical 0x3b000000 outside its memory
# hvlog: bulkhead: cell "probe" FAILED on CPU 3: write of I/O port 0x3f8 is not permitted
# hvlog: bulkhead: cell "probe" FAILED on CPU 3: write of I/O port 0x2f8 is not permitted
# hvlog: bulkhead: cell "probe" FAILED on CPU 3: WRMSR of VM_HSAVE_PA is not permitted
# hvlog: bulkhead: cell "probe" FAILED on CPU 3: INIT IPI to physical APIC id 0x0: delivery mode never allowed for a cell
# hvlog: bulkhead: cell "probe" FAILED on CPU 3: INIT IPI to physical APIC id 0x2: delivery mode never allowed for a cell
# hvlog: bulkhead: cell "probe" FAILED on CPU 3: triple fault \(shutdown\)
# hvlog-reject: inmate: unexpected interrupt
. /harness/lib.sh

bh=/sys/devices/bulkhead
probe_cfg=/cells/cells/probe/probe.cell
second_cfg=/cells/cells/second/second.cell
case ${bh_variant:-max} in
*@ir) sys_cfg=/cells/tests/configs/driver/qemu-pc-iommu.cell ;;
*) sys_cfg=/cells/configs/x86/qemu-pc.cell ;;
esac

# ACTION ARGS|REASON (an ERE for cells/<id>/reason)
cases='write-outside|^write of guest-physical 0x3000000 outside its memory \(RIP 0x[0-9a-f]+\)$
write-outside addr=0x3d200000|^write of guest-physical 0x3d200000 outside its memory \(RIP 0x[0-9a-f]+\)$
read-hypervisor|^read of guest-physical 0x3b000000 outside its memory \(RIP 0x[0-9a-f]+\)$
pio|^write of I/O port 0x3f8 is not permitted \(RIP 0x[0-9a-f]+\)$
pio port=0x2f8|^write of I/O port 0x2f8 is not permitted \(RIP 0x[0-9a-f]+\)$
msr|^WRMSR of VM_HSAVE_PA is not permitted$
ipi|^INIT IPI to physical APIC id 0x0: delivery mode never allowed for a cell$
ipi dest=2|^INIT IPI to physical APIC id 0x2: delivery mode never allowed for a cell$
triple-fault|^triple fault \(shutdown\) at RIP 0x[0-9a-f]+$'
ncases=$(echo "$cases" | wc -l)

# --- helpers -------------------------------------------------------------------




# The newest heartbeat number of second (0: none yet).
heartbeat() {
	_h=$(grep -o '^\[second\] hello: heartbeat [0-9]*' "$bh/console" | tail -n 1)
	echo "${_h##* }" | grep -x '[0-9][0-9]*' || echo 0
}
heartbeat_past() { [ "$(heartbeat)" -ge "$1" ]; }

snapshot() {
	{
		echo "online $(cat /sys/devices/system/cpu/online)"
		grep -i bulkhead /proc/iomem | sed 's/^ */iomem /'
		echo "list $(bulkhead cell list --json 2>&1)"
	} >"$1"
}

# --- one forbidden action ------------------------------------------------------------

# probe_case ARGS REASON_ERE: five results.
probe_case() {
	args=$1 want=$2
	action=${args%% *}
	h0=$(heartbeat)
	w0=$(wl_count)
	bulkhead cell load probe /inmates/isolation-probe.bin --args "$args" >"$KTAP_DIR/load.out" 2>&1 &&
		bulkhead cell start probe >>"$KTAP_DIR/load.out" 2>&1
	rc=$?
	wait_until 100 state_is probe failed
	state=$(cell_state probe)
	reason=$(cell_reason probe)
	marker="[probe] inmate: args \"$args\""
	if [ $rc -ne 0 ]; then
		ktap_fail "$args: probe cell failed with the right reason" "load/start failed: $(tr '\n' ' ' <"$KTAP_DIR/load.out")"
	elif [ "$state" != failed ]; then
		ktap_fail "$args: probe cell failed with the right reason" "state '$state' after 10 s, reason '$reason'"
		bulkhead console | tail -n 8 >"$KTAP_DIR/con"
		ktap_diag_file "$KTAP_DIR/con" 8
	elif ! echo "$reason" | grep -qE -- "$want"; then
		ktap_fail "$args: probe cell failed with the right reason" "reason '$reason' does not match /$want/"
	elif ! console_after "$marker" "^\[probe\] probe: about to $action\$"; then
		ktap_fail "$args: probe cell failed with the right reason" "no 'probe: about to $action' after its arguments in the console"
	elif console_after "$marker" "was NOT stopped"; then
		ktap_fail "$args: probe cell failed with the right reason" "the probe reports that $action was NOT stopped"
	else
		ktap_ok "$args: probe cell failed: $reason"
	fi

	# cell list: "ID NAME STATE CPUS REASON"
	if bulkhead cell list 2>&1 | grep -qE "^[0-9]+ +probe +failed +3 +$(echo "$reason" | sed 's/[][\.*^$()+?{}|]/\\&/g')\$"; then
		ktap_ok "$args: cell list shows probe failed on CPU 3 with the reason"
	else
		ktap_fail "$args: cell list shows probe failed on CPU 3 with the reason" "$(bulkhead cell list 2>&1)"
	fi

	if [ -n "$reason" ] && bulkhead console | grep -qF "bulkhead: cell \"probe\" FAILED on CPU 3: $reason"; then
		ktap_ok "$args: hypervisor console: cell \"probe\" FAILED on CPU 3: $reason"
	else
		ktap_fail "$args: hypervisor console reports the failure" "no line 'cell \"probe\" FAILED on CPU 3: $reason'"
		bulkhead console | tail -n 8 >"$KTAP_DIR/con"
		ktap_diag_file "$KTAP_DIR/con" 8
	fi

	# second: two more heartbeats after the failure.
	wait_until 60 heartbeat_past $((h0 + 2))
	h1=$(heartbeat)
	s2=$(cell_state second)
	if [ "$s2" = running ] && [ "$h1" -ge $((h0 + 2)) ] && wl_fine; then
		ktap_ok "$args: second kept running (heartbeat $h0 -> $h1), root workload fine ($((w0)) -> $(wl_count) rounds)"
	else
		ktap_fail "$args: second kept running, root workload fine" \
			"second: state '$s2', heartbeat $h0 -> $h1; root workload errors: $(head -c 300 "$KTAP_DIR/wl.err" 2>/dev/null)"
	fi

	# The failed cell goes, CPU 3 returns to Linux, and the cell comes back.
	if bulkhead cell destroy probe >"$KTAP_DIR/d.out" 2>&1 &&
		[ "$(cat /sys/devices/system/cpu/online)" = "0-1,3" ] &&
		bulkhead cell create $probe_cfg >>"$KTAP_DIR/d.out" 2>&1 &&
		state_is probe "shut down" && [ "$(cat /sys/devices/system/cpu/online)" = "0-1" ]; then
		ktap_ok "$args: the failed probe cell destroyed (CPU 3 back in Linux) and created again"
	else
		ktap_fail "$args: the failed probe cell destroyed and created again" "$(tr '\n' ' ' <"$KTAP_DIR/d.out"); online $(cat /sys/devices/system/cpu/online)"
	fi
}

# --- the scenario ----------------------------------------------------------------

ktap_plan $((ncases * 5 + 11))
ktap_check "insmod bulkhead.ko" insmod /lib/modules/bulkhead.ko
workload_ref=$(root_workload_ref)
ktap_check "enable ($sys_cfg)" bulkhead enable "$sys_cfg"
snapshot "$KTAP_DIR/baseline"
root_workload &
wl_pid=$!

ktap_check "second created, loaded with hello (heartbeat forever) and started" sh -c \
	"bulkhead cell create $second_cfg && bulkhead cell load second /inmates/hello.bin --args 'beats=0' &&
	 bulkhead cell start second"
wait_until 100 heartbeat_past 1
ktap_check "probe created" bulkhead cell create $probe_cfg

t0=$(cut -d' ' -f1 /proc/uptime)
echo "$cases" >"$KTAP_DIR/cases"
while IFS='|' read -r args want; do
	probe_case "$args" "$want"
done <"$KTAP_DIR/cases"
t1=$(cut -d' ' -f1 /proc/uptime)
ktap_diag "$ncases forbidden actions in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"

# The re-created cell is a working cell.
ktap_check "the re-created probe cell runs hello" sh -c \
	"bulkhead cell load probe /inmates/hello.bin --args 'beats=0 after-the-probes=1' && bulkhead cell start probe"
probe_beats() { console_after '[probe] inmate: args "beats=0 after-the-probes=1"' '^\[probe\] hello: heartbeat [0-9]+ at'; }
if wait_until 100 probe_beats && state_is probe running; then
	ktap_ok "...with heartbeats, state running"
else
	ktap_fail "...with heartbeats, state running" "state $(cell_state probe)"
fi
ktap_check "second still running" state_is second running

ktap_check "shut down and destroy both cells" sh -c \
	'bulkhead cell shutdown probe && bulkhead cell shutdown second && bulkhead cell destroy probe && bulkhead cell destroy second'
snapshot "$KTAP_DIR/after"
if cmp -s "$KTAP_DIR/baseline" "$KTAP_DIR/after"; then
	ktap_ok "online CPUs, bulkhead lines of /proc/iomem, cell list as before"
else
	diff "$KTAP_DIR/baseline" "$KTAP_DIR/after" >"$KTAP_DIR/d"
	ktap_fail "online CPUs, bulkhead lines of /proc/iomem, cell list as before"
	ktap_diag_file "$KTAP_DIR/d"
fi

root_workload_stop
if wl_fine && [ -n "$workload_ref" ] && [ "$(wl_count)" -ge 3 ]; then
	ktap_ok "root workload (bh_workload verify on CPUs 0-1): $(wl_count) rounds, every checksum $workload_ref"
else
	ktap_fail "root workload (bh_workload verify on CPUs 0-1): every round right" "reference '$workload_ref', $(wl_count) rounds"
	ktap_diag_file "$KTAP_DIR/wl.err" 10
fi
ktap_check "disable" bulkhead disable
ktap_done
