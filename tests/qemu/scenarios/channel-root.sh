# Channels between the root and a cell (Documentation/channels.md), root side.
# Enable with a system config that has channel 1 to "channel-echo"
# (tests/configs/driver/qemu-pc-channel.derive), which creates
# /dev/bulkhead-channel1; with no peer yet a write fails with EPIPE. Create
# cells/channel-echo and run inmates/demos/channel-echo in it, which echoes
# every transaction; it sees the root running and gets its bad hypercall
# arguments refused (vector 7: EINVAL, unknown channel: ENOENT).
#   - Transactions of 1 B, 100 B, 4096 B, 4097 B, 64 KiB and 1 MiB of random
#     bytes come back byte for byte (cmp and sha256).
#   - poll() reports nothing for 300 ms without data and POLLIN after a
#     write; mmap() shows the header the root formatted
#     (tests/kselftest/channel_poll.c).
#   - Bad input is refused with a clear error and changes nothing: empty
#     write EINVAL, 1 MiB + 1 EMSGSIZE, a read buffer smaller than the
#     transaction EMSGSIZE with the transaction still there.
#   - The inmate counted the root's doorbells (BH_HC_CHANNEL_NOTIFY).
#   - Peer shut down: a read times out (ETIMEDOUT, channel_timeout_ms=2000).
#   - (A peer destroyed in the middle of a transaction: channel-peer-death.)
#   - The peer destroyed and created again sleeps on its doorbell
#     (60 s deadlines): 4097 B and 1 MiB round trips complete only because
#     the root rings it whenever it asked (wake flags), and no wait ends by
#     its deadline. The "stop" transaction ends the inmate; after disable
#     the device is gone.
#
# timeout: 400
# smp: 4
# variants: max max,-x2apic
# hvlog: cell "channel-echo" \(id 1\) created on 1 CPUs
# hvlog: \[channel-echo\] channel-echo: stop after 2 transactions
# hvlog-reject: inmate: unexpected interrupt
. /harness/lib.sh

bh=/sys/devices/bulkhead
sys_cfg=/cells/tests/configs/driver/qemu-pc-channel.cell
cell_cfg=/cells/cells/channel-echo/channel-echo.cell
dev=/dev/bulkhead-channel1
sizes="1 100 4096 4097 65536 1048576"

console_has() { grep -qE "$1" "$bh/console"; }
uptime_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }

# round_trip N: send N random bytes, receive the echo, compare.
round_trip() {
	head -c "$1" /dev/urandom >/tmp/in.$1 &&
		bulkhead channel send 1 /tmp/in.$1 &&
		bulkhead channel recv 1 /tmp/out.$1 &&
		cmp /tmp/in.$1 /tmp/out.$1 &&
		[ "$(sha256sum </tmp/in.$1)" = "$(sha256sum </tmp/out.$1)" ]
}


# start_echo "ARGS": create, load and start channel-echo with boot arguments ARGS.
start_echo() {
	bulkhead cell create $cell_cfg &&
		bulkhead cell load channel-echo /inmates/channel-echo.bin --args "$1" &&
		bulkhead cell start channel-echo &&
		wait_until 200 console_after "[channel-echo] inmate: args \"$1\"" 'channel-echo: ready'
}

ktap_plan 22
ktap_check "insmod bulkhead.ko channel_timeout_ms=2000" insmod /lib/modules/bulkhead.ko channel_timeout_ms=2000
ktap_check "enable ($sys_cfg)" bulkhead enable "$sys_cfg"
ktap_check "$dev exists after enable" test -c $dev
ktap_check "no peer yet: send fails with EPIPE" expect_errno EPIPE bulkhead channel send 1 /proc/version

ktap_check "create, load and start channel-echo" start_echo "run=1"
if ! console_has 'channel-echo: channel 1 .* peer state 0; bad vector -> -22, bad id -> -2'; then
	ktap_diag_file $bh/console 20
	ktap_fail "the inmate sees the root running and its bad hypercall arguments refused"
else
	ktap_ok "the inmate sees the root running and its bad hypercall arguments refused"
fi

for n in $sizes; do
	ktap_check "round trip of $n random bytes, byte for byte" round_trip $n
done

# poll() (timer-driven) and mmap() of the device: tests/kselftest/channel_poll.c.
ktap_check "poll and mmap of $dev (header R=64 of 4096-byte slots)" /tests/channel_poll $dev 4096 64

: >/tmp/empty
ktap_check "an empty send fails with EINVAL" expect_errno EINVAL bulkhead channel send 1 /tmp/empty
head -c 1048577 /dev/urandom >/tmp/big
ktap_check "a send of 1 MiB + 1 fails with EMSGSIZE" expect_errno EMSGSIZE bulkhead channel send 1 /tmp/big
head -c 100 /dev/urandom >/tmp/in.small
small_buffer() {
	bulkhead channel send 1 /tmp/in.small &&
		expect_errno EMSGSIZE bulkhead channel recv 1 /tmp/out.small --buffer 99 &&
		bulkhead channel recv 1 /tmp/out.small --buffer 100 &&
		cmp /tmp/in.small /tmp/out.small
}
ktap_check "a read buffer too small: EMSGSIZE, the echo still there, then intact" small_buffer
ktap_check "after the bad input, a 4097-byte round trip still works" round_trip 4097
ktap_check "the inmate counted the root's doorbells" \
	console_has 'channel-echo: echoed 4097 bytes \(transaction [0-9]+, doorbells [1-9][0-9]*\)'

# A peer that does not run: the read waits for its timeout.
timed_out() {
	bulkhead cell shutdown channel-echo || return 1
	_t0=$(uptime_ms)
	expect_errno ETIMEDOUT bulkhead channel recv 1 /tmp/none || return 1
	_dt=$(($(uptime_ms) - _t0))
	echo "returned after $_dt ms"
	[ $_dt -ge 1500 ] && [ $_dt -lt 6000 ]
}
ktap_check "peer shut down: a read fails with ETIMEDOUT after about 2 s" timed_out

# The re-created peer sleeps on its doorbell with 60 s deadlines: the root's
# writes and reads (timeout raised to 10 s) only complete if the root rings
# it for every slot it asked for, and none of its waits may end by its
# deadline.
doorbell_echo() {
	echo 10000 >/sys/module/bulkhead/parameters/channel_timeout_ms
	bulkhead cell destroy channel-echo && start_echo "run=3 doorbell" && round_trip 4097 && round_trip 1048576 &&
		printf stop >/tmp/stop && bulkhead channel send 1 /tmp/stop &&
		wait_until 100 console_has 'channel-echo: stop after 2 transactions, [1-9][0-9]* doorbells, 0 waits ended by their deadline'
}
ktap_check "a re-created peer gets a fresh channel, sleeps on its doorbell, 'stop' ends it" doorbell_echo
ktap_check "destroy channel-echo and disable" sh -c "bulkhead cell destroy channel-echo && bulkhead disable"
ktap_check "$dev is gone after disable" sh -c "! test -e $dev"
ktap_done
