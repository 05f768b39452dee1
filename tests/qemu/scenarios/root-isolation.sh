# The root cell is isolated: it cannot write hypervisor memory, and it
# cannot reach a CPU it does not own with INIT/SIPI, NMI or any IPI -- in
# xAPIC mode (the APIC page is write-protected; every write is decoded and
# emulated) and in x2APIC mode (the ICR MSR is intercepted), nor with an
# IOAPIC redirection entry (the IOAPIC page is write-protected too; entries
# to CPUs outside the root are written masked). Its own IPIs
# keep working, the blocked CPU is untouched and comes back online after
# disable.
#
# CPU 3 is taken offline, and the hypervisor enabled with a root cell of
# CPUs 0-2 (tests/configs/driver/root-3cpus.derive). tests/modules/root_probe.ko
# sends the IPIs with the kernel's own apic->icr_write / apic->send_IPI and
# checks the hypervisor's blocked-IPI counter; the hypervisor's console
# (COM2) must report each kind. In xAPIC mode it also runs the decoder on a
# page-crossing instruction and on one it must refuse. max,-la57 has the
# guest page walk of the decoder's instruction fetch use 4 levels, the other
# variants 5. The hypervisor-memory write comes last: it
# oopses the insmod process (taint D, 128, allowed).
#
# Also measured (diagnostics): VM exits per second per CPU, idle and under
# load, from the hypervisor's statistics.
#
# timeout: 480
# smp: 4
# variants: max max,-x2apic max,-la57 max@ir
# variant-qemu: ir -device intel-iommu,intremap=on,eim=on
# allow-taint: 128
# hvlog: bulkhead: APIC in (xAPIC|x2APIC) mode
# hvlog: blocked INIT IPI .* to physical APIC id 0x3: delivery mode never allowed
# hvlog: blocked SIPI IPI .* to physical APIC id 0x3
# hvlog: blocked NMI IPI .* to (physical APIC id 0x3|logical destination 0x8): not a CPU of the cell
# hvlog: blocked fixed IPI \(vector 0xfd.* to (physical APIC id 0x3|logical destination 0x8): not a CPU of the cell
# hvlog: write of guest-physical 0x3b000000 denied
# hvlog: IOAPIC 0xfec00000 pin [0-9]+ entry 0x3[0-9a-f]*e9 written masked: destination outside the cell
. /harness/lib.sh

probe=/lib/modules/tests/root_probe.ko
cpu3=/sys/devices/system/cpu/cpu3/online
stats=/sys/devices/bulkhead/cpus

case $bh_variant in
*@ir) mode=x2APIC ;;
*) mode=xAPIC ;;
esac

# Work on each of the root's CPUs: fork, exec, file reads (IPIs for TLB
# shootdowns and wake-ups), pinned with taskset.
workload() {
	pids=""
	for c in 0 1 2; do
		taskset -c "$c" sh -c 'for i in 1 2 3 4 5 6 7 8; do ls / >/dev/null && cat /proc/self/stat >/dev/null || exit 1; done' &
		pids="$pids $!"
	done
	wait_pids 120 $pids
}

still_offline() {
	read -r v <"$cpu3" && [ "$v" = 0 ]
}

# probe ACTION: load root_probe with ACTION and unload it again.
probe() {
	insmod "$probe" action="$1" || { dmesg | grep 'root_probe:' | tail -5; return 1; }
	rmmod root_probe
}

function_calls() {
	awk '/^ *CAL:/ { s = 0; for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i; print s }' /proc/interrupts
}

# hv_stat NAME: the sum of a per-CPU hypervisor statistic over the root's CPUs.
hv_stat() {
	s=0
	for c in 0 1 2; do
		read -r v <"$stats/cpu$c/vmexits_$1" || v=0
		s=$((s + v))
	done
	echo "$s"
}

# rates SECONDS LABEL: VM exits per second per CPU over SECONDS.
rates() {
	for c in 0 1 2; do
		for n in total xapic msr cpuid npf; do
			read -r "b_${n}_$c" <"$stats/cpu$c/vmexits_$n"
		done
	done
	t0=$(cut -d' ' -f1 /proc/uptime)
	sleep "$1"
	t1=$(cut -d' ' -f1 /proc/uptime)
	line="$2 exits/s over ${1}s ($mode):"
	for c in 0 1 2; do
		part="cpu$c"
		for n in total xapic msr cpuid npf; do
			read -r a <"$stats/cpu$c/vmexits_$n"
			eval b=\$b_${n}_$c
			part="$part $n=$(awk -v a="$a" -v b="$b" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.0f", (a - b) / (t1 - t0) }')"
		done
		line="$line  $part"
	done
	ktap_diag "$line"
}

ktap_plan 24

ktap_check "insmod bulkhead.ko" insmod /lib/modules/bulkhead.ko
ktap_check "CPU 3 taken offline" sh -c "echo 0 > $cpu3"
ktap_check "enable with a root cell of CPUs 0-2" bulkhead enable /cells/tests/configs/driver/root-3cpus.cell
ktap_expect_output "the hypervisor follows Linux's APIC mode ($mode)" "APIC in $mode mode" bulkhead console

cal0=$(function_calls)
ktap_check "the root's own IPIs work (function calls, NMIs to CPUs 0-2)" probe own
workload
cal1=$(function_calls)
ktap_diag "function-call IPIs: $cal0 before, $cal1 after"
ktap_result "function-call interrupts rise in /proc/interrupts" "$([ "${cal1:-0}" -gt "${cal0:-0}" ] && echo 0 || echo 1)"

if [ "$mode" = xAPIC ]; then
	ktap_check "xAPIC decoder: a page-crossing MOV is emulated, an XCHG refused (#GP)" probe decode
	ktap_expect_output "the refused XCHG is reported with its bytes" \
		'APIC write at RIP .* not emulated \(unsupported opcode\): bytes 87 ' bulkhead console
else
	ktap_skip "xAPIC decoder: a page-crossing MOV is emulated, an XCHG refused (#GP)" "x2APIC mode"
	ktap_skip "the refused XCHG is reported with its bytes" "x2APIC mode"
fi

ktap_check "INIT, INIT de-assert and SIPI to CPU 3 are blocked" probe init
ktap_check "the root runs on after the INIT attempt" workload
ktap_check "NMI to CPU 3 is blocked" probe nmi
ktap_check "the root runs on after the NMI attempt" workload
ktap_check "fixed IPI to CPU 3 is blocked" probe fixed
ktap_check "the root runs on after the fixed-IPI attempt" workload
ktap_check "an IOAPIC entry to CPU 3 is written masked, one to the root's own CPU as written" probe ioapic
ktap_check "CPU 3 is still offline" still_offline
blocked=$(hv_stat ipi_blocked)
ktap_diag "hypervisor statistics: $(hv_stat ipi) ICR writes, $blocked blocked"
ktap_result "the hypervisor counted the 5 blocked IPIs" "$([ "${blocked:-0}" -ge 5 ] && echo 0 || echo 1)"

# Exit rates: idle, then under load on the root's three CPUs.
rates 5 idle
load=""
for c in 0 1 2; do
	taskset -c "$c" sh -c 'while :; do ls / >/dev/null; cat /proc/self/stat >/dev/null; done' &
	load="$load $!"
done
rates 5 load
# SIGKILL: a shell busy in its loop may outlive a SIGTERM (and "wait" with it).
kill -KILL $load 2>/dev/null
# Bounded: this phase once hung until the runner's timeout.
wait_pids 60 $load
[ $? -ne 2 ] || ktap_diag "a load process did not end after SIGKILL (see above; backtraces in dmesg)"
ktap_check "the root runs on after the measurement" workload

# Last: a write to hypervisor memory. The hypervisor injects #GP, the
# kernel oopses the insmod process, nothing is written.
hv_rc=0
insmod "$probe" action=hvwrite >"$KTAP_DIR/hvwrite.out" 2>&1 || hv_rc=$?
ktap_diag "insmod action=hvwrite: status $hv_rc"
ktap_result "writing hypervisor memory kills the writer (insmod failed)" "$([ "$hv_rc" -ne 0 ] && echo 0 || echo 1)"
if dmesg | grep -q 'general protection fault' && ! dmesg | grep -q 'NOT ISOLATED'; then
	ktap_ok "the kernel reports a #GP at the write, and the write never completed"
else
	ktap_fail "the kernel reports a #GP at the write, and the write never completed"
	dmesg | grep -E 'root_probe|general protection' | tail -5 | while read -r l; do ktap_diag "$l"; done
fi
ktap_check "the root runs on after the oops" workload

ktap_check "disable (stop_machine IPIs to CPUs 0-2)" bulkhead disable
ktap_check "CPU 3 comes back online" sh -c "echo 1 > $cpu3 && grep -qx 1 $cpu3"
ktap_expect_output "a process pinned to CPU 3 runs there" '^3$' \
	sh -c "taskset -c 3 cat /proc/self/stat | cut -d' ' -f39"
ktap_done
