# Smoke test of the virtual PC itself: the kernel booted with the memmap
# reservation the hypervisor will live in, all CPUs are online, /dev is
# populated, the second serial port (the hypervisor's debug console) works,
# and the CPU model of each variant shows up as expected (APIC and paging).
#
# Linux turns x2APIC mode on only with interrupt remapping: with -cpu max
# alone it sees the x2apic flag but stays in xAPIC mode. The max@ir variant
# adds QEMU's intel-iommu with interrupt remapping and EIM, and Linux then
# runs in x2APIC mode.
#
# timeout: 150
# smp: 4
# variants: max max,-x2apic max,-la57 max@ir
# variant-qemu: ir -device intel-iommu,intremap=on,eim=on
# hvlog: ^bulkhead-harness: COM2 ok variant=
# shellcheck source=tests/qemu/lib.sh
. /harness/lib.sh

ktap_plan 14

# bh_cpu, bh_smp, bh_kver, bh_variant come from the kernel command line.
cpu=${bh_cpu:-max}
smp=${bh_smp:-4}

ktap_expect_output "kernel is the Debian kernel the module is built for (${bh_kver:-?})" \
	"^${bh_kver:-unknown}\$" uname -r
# shellcheck disable=SC2016 # a literal $ in the pattern
ktap_expect_output "memmap=64M\$0x3b000000 is on the command line" \
	'memmap=64M\$0x3b000000' cat /proc/cmdline
ktap_expect_output "/proc/iomem shows 3b000000-3effffff as Reserved" \
	'^3b000000-3effffff : Reserved$' cat /proc/iomem
ktap_expect_output "$smp CPUs online" "^0-$((smp - 1))\$" cat /sys/devices/system/cpu/online
ktap_check "/dev is populated (null, console, ttyS0, ttyS1)" \
	test -c /dev/null -a -c /dev/console -a -c /dev/ttyS0 -a -c /dev/ttyS1
ktap_check "tmpfs on /tmp, debugfs mounted" \
	sh -c 'grep -q " /tmp tmpfs " /proc/mounts && grep -q " /sys/kernel/debug debugfs " /proc/mounts'
ktap_expect_output "ttyS1 is a 16550A at port 0x2f8 (COM2)" \
	'^1: uart:16550A port:000002F8 irq:3' cat /proc/tty/driver/serial
# The host checks that this line arrived in hypervisor.log (# hvlog: above).
ktap_check "write to COM2 (ttyS1)" \
	sh -c "echo 'bulkhead-harness: COM2 ok variant=${bh_variant:-default}' >/dev/ttyS1"

case ,$cpu, in
*,-x2apic,*)
	ktap_expect_fail "no x2apic flag in /proc/cpuinfo (cpu $cpu)" grep -qw x2apic /proc/cpuinfo ;;
*)
	ktap_check "x2apic flag in /proc/cpuinfo (cpu $cpu)" grep -qw x2apic /proc/cpuinfo ;;
esac
# Linux enables x2APIC mode only with interrupt remapping (or a paravirt
# hint); under TCG without an IOMMU it stays in xAPIC mode.
ktap_diag "$(dmesg | grep -m1 -E '\] (x2apic|Switched APIC routing)' || echo 'no x2apic message')"
x2apic_mode() { dmesg | grep -q -E 'x2apic enabled|Switched APIC routing to .*x2apic'; }
case ${bh_variant:-} in
*@ir)
	ktap_check "kernel runs in x2APIC mode (interrupt remapping)" x2apic_mode ;;
*)
	ktap_expect_fail "kernel runs in xAPIC mode (no interrupt remapping)" x2apic_mode ;;
esac

case ,$cpu, in
*,-la57,*)
	ktap_expect_fail "no la57 flag: 4-level paging (cpu $cpu)" grep -qw la57 /proc/cpuinfo ;;
*)
	# Linux clears the la57 flag unless it runs 5-level paging.
	ktap_check "la57 flag: 5-level paging (cpu $cpu)" grep -qw la57 /proc/cpuinfo ;;
esac
ktap_diag "$(grep -m1 'address sizes' /proc/cpuinfo)"

ktap_check "SVM with nested paging (svm, npt flags)" \
	sh -c 'grep -qw svm /proc/cpuinfo && grep -qw npt /proc/cpuinfo'

last=$((smp - 1))
ktap_check "CPU $last goes offline" sh -c "echo 0 >/sys/devices/system/cpu/cpu$last/online"
ktap_check "CPU $last comes back online" sh -c "echo 1 >/sys/devices/system/cpu/cpu$last/online && grep -qx '0-$last' /sys/devices/system/cpu/online"

ktap_done
