# A PCI device given to a cell: QEMU's edu card at 00:05.0 (BAR0 1 MiB at
# 0xfea00000). With the plain system config (edu not among the root's
# pci_devices) the cell is refused and the device stays Linux's. With
# tests/configs/driver/qemu-pc-edu the cell "edu" (cells/edu) takes it: the
# device leaves Linux, a PCI rescan cannot bring it back, and the root reads
# it as absent through ports 0xcf8/0xcfc and ECAM (tests/modules/root_probe
# pcihidden). Before that, while edu is the root's, the root cannot enable
# its MSI towards CPU 3 while a cell owns that CPU (root_probe msi).
# inmates/demos/pci-edu then finds exactly its one device on bus
# 0, sizes the BAR, computes 10! on the card and takes MSIs to its own CPU.
# Three forbidden config writes (moving the BAR, an MSI to a root CPU, a
# write to the root's host bridge) each fail the cell with the reason; the
# device works again after each restart, and after destroy it is Linux's
# again with its BAR where it was.
#
# timeout: 300
# smp: 4
# variants: max max,-x2apic
# qemu: -device edu,addr=0x5
# hvlog: bulkhead: cell "edu" \(id 1\) created on 1 CPUs
# hvlog: root cell: CPU [0-9]+: config read of PCI 00:05\.0 offset 0x0, a device of another cell: reads as absent
# hvlog: root cell: CPU [0-9]+: ECAM write at 0xb0028004, a device of another cell: dropped
# hvlog: root cell: CPU [0-9]+: config write of PCI 00:05\.0 offset 0x42 value 0x[0-9a-f]+ dropped: an MSI to a CPU outside the cell
# hvlog-reject: inmate: unexpected interrupt
. /harness/lib.sh

bh=/sys/devices/bulkhead
edu=/sys/bus/pci/devices/0000:00:05.0
edu_in_linux() { [ -e "$edu" ] && [ "$(cat "$edu/vendor")" = 0x1234 ] && [ "$(cat "$edu/device")" = 0x11e8 ]; }
edu_where_it_was() { edu_in_linux && [ "$(head -n 1 "$edu/resource" | cut -d' ' -f1)" = 0x00000000fea00000 ]; }
edu_gone() { [ ! -e "$edu" ]; }

# run ARGS: load pci-edu with ARGS and start it.
run() { bulkhead cell load edu /inmates/pci-edu.bin --args "$1" && bulkhead cell start edu; }

# attack NAME REASON_ERE: 2 results.
attack() {
	run "attack=$1" >"$KTAP_DIR/attack.out" 2>&1
	wait_until 100 state_is edu failed
	ktap_expect_output "attack $1: the cell failed" '^failed$' cell_state edu
	ktap_expect_output "attack $1: the reason names it" "$2" cell_reason edu
}

ktap_plan 31
ktap_check "Linux sees the edu card with BAR0 at 0xfea00000" edu_where_it_was
ktap_check "insmod and enable (plain config)" sh -c \
	'insmod /lib/modules/bulkhead.ko && bulkhead enable /cells/configs/x86/qemu-pc.cell'
ktap_expect_fail "a cell with a device the root's config does not list is refused" \
	bulkhead cell create /cells/cells/edu/edu.cell
ktap_expect_output "the reason names the device" "not a device of the root cell's pci_devices" \
	sh -c 'bulkhead cell create /cells/cells/edu/edu.cell 2>&1'
ktap_check "the device is still Linux's, BAR0 where it was" edu_where_it_was
ktap_check "disable; enable with the root listing edu" sh -c \
	'bulkhead disable && bulkhead enable /cells/tests/configs/driver/qemu-pc-edu.cell'

# While edu is the root's, its MSI may only reach the root's CPUs: with CPU 3
# in the demo cell, the root cannot aim it there.
ktap_check "create the demo cell (CPU 3)" bulkhead cell create /cells/cells/demo/demo.cell
ktap_check "the root's MSI to CPU 3 is dropped, to its own CPU kept" sh -c \
	'insmod /lib/modules/tests/root_probe.ko action=msi && rmmod root_probe || { dmesg | grep root_probe: | tail -3; false; }'
dmesg | grep 'root_probe: msi' | tail -n 1 >"$KTAP_DIR/probe.txt"
ktap_diag_file "$KTAP_DIR/probe.txt"
ktap_check "destroy the demo cell" bulkhead cell destroy demo

ktap_check "create the edu cell" bulkhead cell create /cells/cells/edu/edu.cell
ktap_check "the device left Linux" edu_gone
echo 1 >/sys/bus/pci/rescan
ktap_check "a PCI rescan does not find it" edu_gone
ktap_check "the root reads it as absent through the ports and ECAM" sh -c \
	'insmod /lib/modules/tests/root_probe.ko action=pcihidden && rmmod root_probe || { dmesg | grep root_probe: | tail -3; false; }'
dmesg | grep 'root_probe: pcihidden' | tail -n 1 >"$KTAP_DIR/probe.txt"
ktap_diag_file "$KTAP_DIR/probe.txt"

ktap_check "load and start pci-edu" run ""
wait_until 100 state_is edu "shut down"
bulkhead console >"$KTAP_DIR/run1"
ktap_expect_output "the inmate ended normally" '^shut down$' cell_state edu
ktap_expect_output "the cell sees exactly one function on bus 0: the edu card" \
	'pci-edu: 1 function visible on bus 0' cat "$KTAP_DIR/run1"
ktap_expect_output "the BAR sizes to 1 MiB at 0xfea00000" 'BAR0 0xfea00000 size 1024 KiB' cat "$KTAP_DIR/run1"
ktap_expect_output "the card computed 10!" 'the card computed 10! = 3628800' cat "$KTAP_DIR/run1"
ktap_expect_output "an MSI to the cell's own CPU arrived" 'pci-edu: MSI when 5! was done: 120' cat "$KTAP_DIR/run1"
ktap_expect_output "pci-edu: done" 'pci-edu: done' cat "$KTAP_DIR/run1"

attack bar-move 'moving a BAR'
attack msi-foreign 'an MSI to a CPU outside the cell'
attack foreign-write 'a config write to a PCI device that is not the cell.s'

ktap_check "after the attacks the device works again" sh -c \
	'bulkhead cell load edu /inmates/pci-edu.bin && bulkhead cell start edu'
wait_until 100 state_is edu "shut down"
ktap_expect_output "  ...to the end" '^shut down$' cell_state edu

ktap_check "destroy the cell" bulkhead cell destroy edu
ktap_check "the device is Linux's again, BAR0 where it was" edu_where_it_was
ktap_check "disable" bulkhead disable
ktap_done
