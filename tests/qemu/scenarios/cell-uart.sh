# A UART given to a cell: the virtual PC's third serial port, COM3 (I/O
# ports 0x3e8-0x3ef, backed by LOGDIR/com3.log on the host). The root writes
# a line to it (/dev/ttyS2); the cell "uart" (cells/uart: those 8 ports) is
# created and runs hello with uart=0x3e8, printing its boot lines and three
# heartbeats there and ending normally (state "shut down", from its comm
# page); while the cell owns the ports the root cannot reach the UART (its
# open fails or its bytes are dropped, and the hypervisor reports the denied
# port); after destroy the root writes to COM3 again. The host checks the
# order and content of com3.log (tests/qemu/host/uart-log.sh).
#
# timeout: 200
# smp: 4
# variants: max
# qemu: -chardev file,id=com3,path=@LOGDIR@/com3.log -serial chardev:com3
# host-check: tests/qemu/host/uart-log.sh
# hvlog: bulkhead: cell "uart" \(id 1\) created on 1 CPUs
# hvlog: root cell: CPU [0-9]+: port 0x3e[89a-f] (read|write) denied
# hvlog-reject: inmate: unexpected interrupt
. /harness/lib.sh

bh=/sys/devices/bulkhead

ktap_plan 10
ktap_expect_output "COM3 is ttyS2 at port 0x3e8" '^2: uart:16550A port:000003E8' cat /proc/tty/driver/serial
ktap_check "the root writes to COM3" sh -c 'echo "bulkhead-root: before the cell" > /dev/ttyS2'
ktap_check "insmod and enable" sh -c \
	'insmod /lib/modules/bulkhead.ko && bulkhead enable /cells/configs/x86/qemu-pc.cell'
ktap_check "create the uart cell (ports 0x3e8-0x3ef leave the root)" bulkhead cell create /cells/cells/uart/uart.cell
ktap_check "load hello with uart=0x3e8 and start it" sh -c \
	'bulkhead cell load uart /inmates/hello.bin --args "uart=0x3e8 beats=3" && bulkhead cell start uart'
wait_until 100 state_is uart "shut down"
ktap_expect_output "the inmate ended normally after its heartbeats" '^shut down$' cell_state uart
# The root's write may fail at open (the 8250 driver finds no UART) or
# vanish: either way it must not reach COM3 (checked on the host).
sh -c 'echo "bulkhead-root: while the cell owns it" > /dev/ttyS2' 2>/dev/null
ktap_expect_output "the root's access to the cell's UART was denied" 'port 0x3e[89a-f] (read|write) denied' \
	bulkhead console
ktap_check "destroy the uart cell (the ports go back to the root)" bulkhead cell destroy uart
ktap_check "the root writes to COM3 again" sh -c 'echo "bulkhead-root: after the cell" > /dev/ttyS2'
ktap_check "disable" bulkhead disable
ktap_done
