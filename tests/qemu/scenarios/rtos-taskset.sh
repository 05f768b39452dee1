# The bulkhead RTOS in a cell (cells/rtos, inmates/rtos.bin): four periodic
# user tasks, each in its own address space on its own VCPU (a sporadic
# server), run for 3 s of cell time; a fifth VCPU that would overload the
# cell is refused at creation. The RTOS prints per VCPU and period the
# budget consumed and whether the deadline held, then its execution trace.
#
# Checked here, from the end of the console: the run's verdict (no deadline
# miss), each VCPU's summary (missed 0), the refusal with its reason; the
# cell shuts down and gives CPU 3 back. Checked on the host, from the whole
# trace in hypervisor.log (inmates/rtos/kernel/tools/check-trace.py): every
# printed per-period figure recomputed from the raw trace, no deadline
# miss, no VCPU over C + o in any window of length T anchored at its
# wake-up or throttling (Documentation/rtos-scheduling.md section 5), the
# top VCPU's every-window bound, the long-run rate.
#
# -icount: under plain TCG the guest's clock is the host's, and a host that
# deschedules QEMU's CPU thread for milliseconds (2 shared cores) makes the
# cell see its running task execute for that long: budgets "overrun" and
# deadlines pass through no fault of the RTOS. With -icount the clock
# advances with executed instructions (1 ns each, shift=0), as a real CPU's
# would, so what is checked is the scheduler's behaviour, reproducibly.
#
# Before the task set, five threads try to leave ring 3 or their address
# space (a system call with a kernel pointer, then a kernel load; a store
# into their own code; CLI; SSE; a jump into their stack): each is killed
# with the expected exception and the kernel goes on (hvlog patterns).
#
# The cell runs in xAPIC mode (every timer and EOI write exits to the
# hypervisor and is decoded). There is no x2APIC variant (max@ir, as in the
# other cell scenarios): with -icount, QEMU 10's TCG stops with "Bad icount
# read" at the first x2APIC timer MSR access, bare as well; the RTOS's
# x2APIC path is run bare without -icount (Documentation/rtos-kernel.md).
#
# timeout: 600
# qemu: -icount shift=0,sleep=off
# host-check: inmates/rtos/kernel/tools/check-trace.py
# hvlog: \[rtos\] rtos: done: 3000 ms, 0 deadline misses, 1 VCPU refused
# hvlog: \[rtos\] task rogue-read: write\(\) of kernel memory returned -14
# hvlog: \[rtos\] rtos: thread rogue-read killed: #PF error 0x5 .*\(CR2 0x100000\)
# hvlog: \[rtos\] rtos: thread rogue-text killed: #PF error 0x7
# hvlog: \[rtos\] rtos: thread rogue-cli killed: #GP
# hvlog: \[rtos\] rtos: thread rogue-sse killed: #UD
# hvlog: \[rtos\] rtos: thread rogue-nx killed: #PF error 0x15
. /harness/lib.sh

bh=/sys/devices/bulkhead
out=/tmp/rtos-console.txt
apic_mode=xapic
sys_cfg=/cells/configs/x86/qemu-pc.cell

# wait_until (lib.sh) polls every half second here.
WAIT_STEP=0.5

ktap_plan 19
ktap_check "module loads" insmod /lib/modules/bulkhead.ko
ktap_check "enable" bulkhead enable "$sys_cfg"
ktap_check "cell create rtos" bulkhead cell create /cells/cells/rtos/rtos.cell
ktap_expect_output "CPU 3 left Linux" '^0-2$' cat /sys/devices/system/cpu/online
ktap_check "cell load rtos.bin" bulkhead cell load rtos /inmates/rtos.bin --args "run=3000 trace=1"
ktap_check "cell start" bulkhead cell start rtos
# The root stays idle while the task set runs: under -icount its CPUs share
# QEMU's one TCG thread with the cell's, so the root's work would show in
# the cell as time lost. Then poll, gently.
sleep 5
wait_until 600 grep -q 'rtos: done' "$bh/console"
ktap_result "the task set ran for 3 s and reported" $?
bulkhead console >"$out" 2>&1
ktap_diag_file "$out" 30
ktap_expect_output "the cell's timer ran in $apic_mode mode" "timer interrupts \\($apic_mode one-shot\\)" \
	cat "$out"
ktap_expect_output "no deadline miss, one VCPU refused" \
	'rtos: done: 3000 ms, 0 deadline misses, 1 VCPU refused' cat "$out"
ktap_expect_output "the overload was refused at creation, with its reason" \
	'vcpu extra refused: ENOSPC: not schedulable: with it, extra would respond in more than [0-9]+ us' cat "$out"
for v in ctrl sensor hog logger; do
	ktap_expect_output "VCPU $v: every period met its deadline" \
		"vcpu $v summary periods [1-9][0-9]* met [0-9]+ overran [0-9]+ missed 0 " cat "$out"
done
ktap_expect_output "the overrunning task was held to its budget" \
	'vcpu hog summary periods [0-9]+ met [0-9]+ overran [1-9][0-9]* missed 0 ' cat "$out"
ktap_check "cell shutdown" bulkhead cell shutdown rtos
ktap_check "cell destroy" bulkhead cell destroy rtos
ktap_expect_output "CPU 3 back in Linux" '^0-3$' cat /sys/devices/system/cpu/online
ktap_check "disable" bulkhead disable
ktap_done
