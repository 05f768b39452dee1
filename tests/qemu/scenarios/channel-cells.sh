# Channels between two non-root cells (Documentation/channels.md): cells
# "channel-ping" (CPU 2) and "channel-pong" (CPU 3) share channel 2, 1 MiB at
# 0x3e900000 mapped into both (cells/channel-pair). Both run
# inmates/demos/channel-echo sleeping on their doorbells with 60 s
# deadlines, so every wait ends only by the other cell's
# BH_HC_CHANNEL_NOTIFY, which the hypervisor delivers as a fixed IPI to the
# peer's CPU. ping formats the channel and sends 12 transactions of 1 B ..
# 1 MiB, checks every echo byte for byte, then sends "stop": both report
# their doorbells and no wait ended by its deadline. Each saw the other's
# state with BH_HC_CHANNEL_PEER_STATE (pong not started yet: shut down, 2;
# ping running: 0). Then both run again with `pci`: each finds channel 2 as
# an OS would, on its virtual PCI device (00:10.0, 1234:bc01: region from
# BAR0, doorbell vector through the device's MSI, rings and the peer's state
# through its registers, no channel hypercall), and 4 more round trips pass,
# again woken only by doorbells. Destroying them gives the root its CPUs
# back.
#
# timeout: 300
# smp: 4
# variants: max max,-x2apic
# hvlog: \[channel-ping\] channel-echo: ping: 12 round trips ok
# hvlog: \[channel-ping\] channel-echo: ping: 4 round trips ok
# hvlog-reject: inmate: unexpected interrupt
. /harness/lib.sh

bh=/sys/devices/bulkhead
ping_cfg=/cells/cells/channel-pair/ping.cell
pong_cfg=/cells/cells/channel-pair/pong.cell

console_has() { grep -qE "$1" "$bh/console"; }

ktap_plan 14
ktap_check "insmod bulkhead.ko" insmod /lib/modules/bulkhead.ko
ktap_check "enable" bulkhead enable /cells/configs/x86/qemu-pc.cell
ktap_check "create channel-ping and channel-pong" \
	sh -c "bulkhead cell create $ping_cfg && bulkhead cell create $pong_cfg"
ktap_check "load both (ping=12 doorbell; doorbell)" \
	sh -c "bulkhead cell load channel-ping /inmates/channel-echo.bin --args 'id=2 ping=12 doorbell' &&
	       bulkhead cell load channel-pong /inmates/channel-echo.bin --args 'id=2 doorbell'"
# ping first: it formats the channel before pong opens it.
start_both() {
	_ready=$(grep -c '\[channel-ping\] channel-echo: ping: ready' "$bh/console")
	bulkhead cell start channel-ping &&
		wait_until 100 sh -c "[ \$(grep -c '\[channel-ping\] channel-echo: ping: ready' $bh/console) -gt $_ready ]" &&
		bulkhead cell start channel-pong
}
ktap_check "start ping, then pong" start_both
ktap_check "ping: 12 round trips of 1 B .. 1 MiB ok, woken only by doorbells" \
	wait_until 1200 console_has '\[channel-ping\] channel-echo: ping: 12 round trips ok, [1-9][0-9]* doorbells, 0 waits ended by their deadline'
ktap_check "pong: stop after 12 echoes, woken only by doorbells" \
	wait_until 100 console_has '\[channel-pong\] channel-echo: stop after 12 transactions, [1-9][0-9]* doorbells, 0 waits ended by their deadline'
if console_has '\[channel-ping\] channel-echo: channel 2 .* peer state 2;' &&
	console_has '\[channel-pong\] channel-echo: channel 2 .* peer state 0;'; then
	ktap_ok "each saw the other's state (pong shut down: 2; ping running: 0)"
else
	ktap_diag_file $bh/console 30
	ktap_fail "each saw the other's state (pong shut down: 2; ping running: 0)"
fi
ktap_check "load both again with pci (ping=4 doorbell pci; doorbell pci)" \
	sh -c "bulkhead cell load channel-ping /inmates/channel-echo.bin --args 'id=2 ping=4 doorbell pci' &&
	       bulkhead cell load channel-pong /inmates/channel-echo.bin --args 'id=2 doorbell pci'"
ktap_check "start ping, then pong" start_both
ktap_check "both found channel 2 on PCI device 00:10.0 with the region as BAR0" sh -c \
	"grep -qE '\[channel-ping\] channel-echo: channel 2 is PCI device 00:10.0 \(0x1234:0xbc01\) of cell [0-9]+: BAR0 0x2000000 \(\+0x100000\), peer cell [0-9]+' $bh/console &&
	 grep -qE '\[channel-pong\] channel-echo: channel 2 is PCI device 00:10.0 \(0x1234:0xbc01\) of cell [0-9]+: BAR0 0x2000000 \(\+0x100000\), peer cell [0-9]+' $bh/console"
ktap_check "ping (pci): 4 round trips ok, woken only by doorbells through the device" \
	wait_until 1200 console_has '\[channel-ping\] channel-echo: ping: 4 round trips ok, [1-9][0-9]* doorbells, 0 waits ended by their deadline'
ktap_check "each read the other's state from the device (shut down: 2; running: 0)" sh -c \
	"grep -q '\[channel-ping\] channel-echo: channel 2 .* peer state 2 (from the device)' $bh/console &&
	 grep -q '\[channel-pong\] channel-echo: channel 2 .* peer state 0 (from the device)' $bh/console"
ktap_check "destroy both and disable" \
	sh -c "bulkhead cell destroy channel-ping && bulkhead cell destroy channel-pong && bulkhead disable"
ktap_done
