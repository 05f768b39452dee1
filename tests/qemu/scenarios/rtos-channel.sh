# The bulkhead RTOS talking to the root over a channel (Documentation/
# rtos-kernel.md, "Channels"). Enable with the system config that has
# channel 3 to "rtos-channel" (tests/configs/driver/qemu-pc-rtos-channel.derive),
# create cells/rtos-channel and boot the RTOS with the channel's values and
# a request/reply service task on a VCPU of its own (C 2 ms every 10 ms):
# it answers every transaction with the case of its ASCII letters swapped,
# a request larger than its 64 KiB buffer with an error text, "stop" by
# ending. The root is `bulkhead channel send/recv`.
#   - Before any traffic the task tries what its kernel must refuse and
#     reports the answers: the channel open twice (EBUSY), an unknown id
#     (ENOENT), a bad handle (EBADF), a kernel pointer and its own read-only
#     code as buffers (EFAULT), an empty and a 1 MiB + 1 transaction (EINVAL,
#     EMSGSIZE), a non-blocking receive of nothing (EAGAIN).
#   - Requests of 1 B, 100 B, 4096 B, 4097 B, 16 KiB and 64 KiB of random
#     bytes come back transformed, compared with `tr` byte for byte: the
#     task processed every byte, across one to 16 slots of 4 KiB and
#     several kernel entries of at most 8 KiB each.
#   - A request of 64 KiB + 1 is refused by the task (EMSGSIZE on its
#     receive, nothing consumed): it discards it and replies an error text;
#     the next request works. The root's own refusals: a receive with
#     nothing sent times out (ETIMEDOUT), a 1 MiB + 1 send is EMSGSIZE.
#   - The task sleeps on the doorbell (vector 0x40, 60 s timeouts): every
#     wait must end by a ring, none by its timer. "stop" ends it; the
#     kernel ends the cell ("shut down").
#   - Re-created without a doorbell vector, the kernel polls every 1 ms
#     for the waiting task: 4097 B and 64 KiB round trips still work.
#   - Alongside the demonstration task set (2 s, traced), the service's VCPU
#     is admitted with the four periodic tasks (the overloading fifth is
#     still refused) and answers 64 KiB twice and 4097 B; no deadline is
#     missed, and on the host check-trace.py recomputes the run from its
#     trace, the service VCPU's budget bounds included.
#   - Boot arguments that do not fit: a doorbell vector 7 and a channel id
#     the cell's config lacks (the hypervisor says ENOENT) are refused by
#     name, and the cell ends as failed.
#
# -icount as in rtos-taskset: the cell's clock advances with the
# instructions it executes, so that the task set's deadlines are the
# scheduler's to keep, not the busy host's.
#
# timeout: 300
# qemu: -icount shift=0,sleep=off
# host-check: inmates/rtos/kernel/tools/check-trace.py
# hvlog: \[rtos-channel\] rtos: every thread has ended
# hvlog: \[rtos-channel\] vcpu chan3 admitted: C 1000 us T 20000 us
# hvlog: \[rtos-channel\] vcpu logger admitted: C 12000 us T 50000 us
# hvlog: \[rtos-channel\] vcpu extra refused: ENOSPC: not schedulable
# hvlog-reject: inmate: unexpected interrupt
# hvlog-reject: KERNEL EXCEPTION
. /harness/lib.sh

bh=/sys/devices/bulkhead
sys_cfg=/cells/tests/configs/driver/qemu-pc-rtos-channel.cell
cell_cfg=/cells/cells/rtos-channel/rtos-channel.cell
dev=/dev/bulkhead-channel3
channel=3,0x2000000,0x100000,4096
common="run=0 tasks=0 bench=0 rogue=0 service=3,2000,10000"

console_has() { grep -qE "$1" "$bh/console"; }


# start_rtos "ARGS": create, load and start the cell; wait for the service.
start_rtos() {
	bulkhead cell create $cell_cfg &&
		bulkhead cell load rtos-channel /inmates/rtos.bin --args "$1" &&
		bulkhead cell start rtos-channel &&
		wait_until 300 console_after "[rtos-channel] inmate: args \"$1\"" 'task chan3: ready'
}

# request N: N random bytes; the reply must be them with letters' case swapped.
request() {
	head -c "$1" /dev/urandom >/tmp/in.$1 &&
		tr 'a-zA-Z' 'A-Za-z' </tmp/in.$1 >/tmp/want.$1 &&
		bulkhead channel send 3 /tmp/in.$1 &&
		bulkhead channel recv 3 /tmp/out.$1 &&
		cmp /tmp/want.$1 /tmp/out.$1 &&
		! cmp -s /tmp/in.$1 /tmp/out.$1
}

# reply_is TEXT REPLY: send TEXT, the reply is exactly REPLY.
reply_is() {
	printf '%s' "$1" >/tmp/text.in &&
		bulkhead channel send 3 /tmp/text.in &&
		bulkhead channel recv 3 /tmp/text.out &&
		echo "reply: $(cat /tmp/text.out)" &&
		[ "$(cat /tmp/text.out)" = "$2" ]
}

ktap_plan 31
ktap_check "insmod bulkhead.ko channel_timeout_ms=2000" insmod /lib/modules/bulkhead.ko channel_timeout_ms=2000
ktap_check "enable ($sys_cfg)" bulkhead enable "$sys_cfg"
ktap_check "$dev exists after enable" test -c $dev

ktap_check "create, load and start the RTOS with channel 3 and its service" \
	start_rtos "$common channel=$channel,0x40"
ktap_check "the kernel found channel 3 in the cell's config (peer: the root, running)" \
	console_has 'rtos: channel 3 at 0x2000000 \(\+0x100000\), 64 slots of 4096 bytes, doorbell vector 64, peer state 0'
ktap_check "the service VCPU was admitted with its budget and period" \
	console_has 'vcpu chan3 admitted: C 2000 us T 10000 us'
ktap_check "the kernel refused the task's bad calls, each with its errno" \
	console_has 'task chan3: channel 3 open; refused: open again -16, unknown id -2, bad handle -9, kernel pointer -14, read-only buffer -14, empty -22, 1 MiB \+ 1 -90; nothing waiting -11'

ktap_check "1 byte: 'a' comes back as 'A'" reply_is a A
for n in 100 4096 4097 16384 65536; do
	ktap_check "request of $n random bytes: the reply is it case-swapped, byte for byte" request $n
done
ktap_check "the task logged each request it answered" \
	console_has 'task chan3: request 6: 65536 bytes, answered'

head -c 65537 /dev/urandom >/tmp/big
too_big() {
	bulkhead channel send 3 /tmp/big && bulkhead channel recv 3 /tmp/big.out &&
		echo "reply: $(cat /tmp/big.out)" &&
		[ "$(cat /tmp/big.out)" = "error: EMSGSIZE: request of 65537 bytes, buffer 65536" ]
}
ktap_check "64 KiB + 1: the task refuses it (EMSGSIZE), drops it, replies an error" too_big
ktap_check "the task logged the refusal" \
	console_has 'task chan3: refused a request of 65537 bytes \(buffer 65536\), error reply sent'
ktap_check "after the refusal, a 4097-byte request still works" request 4097
ktap_check "a receive with nothing sent fails with ETIMEDOUT" expect_errno ETIMEDOUT bulkhead channel recv 3 /tmp/none
head -c 1048577 /dev/urandom >/tmp/huge
ktap_check "a send of 1 MiB + 1 fails with EMSGSIZE" expect_errno EMSGSIZE bulkhead channel send 3 /tmp/huge
ktap_check "'stop': the service answers and ends" reply_is stop 'stopped after 7 requests'
ktap_check "the task's waits all ended by the doorbell, none by its timer" \
	wait_until 100 console_has 'rtos: channel 3 closed: 9 transactions received, 9 sent; [1-9][0-9]* doorbells, [1-9][0-9]* waits ended by the doorbell, 0 by their timer'
ktap_check "with its last thread ended, the RTOS ended the cell (shut down)" \
	wait_until 100 sh -c "bulkhead cell list | grep -qE '^ *[0-9]+ +rtos-channel +shut down +3 '"
ktap_check "destroy the cell" bulkhead cell destroy rtos-channel

# No doorbell vector: the kernel wakes the waiting task every chanpoll ms.
polled() {
	start_rtos "$common chanpoll=1000 channel=$channel" &&
		console_has 'rtos: channel 3 at 0x2000000 \(\+0x100000\), 64 slots of 4096 bytes, doorbell vector 0' &&
		request 4097 && request 65536 && reply_is stop 'stopped after 2 requests' &&
		wait_until 100 console_has 'rtos: channel 3 closed: 3 transactions received, 3 sent; 0 doorbells, 0 waits ended by the doorbell, [1-9][0-9]* by their timer'
}
ktap_check "re-created without a doorbell, polling: 4097 B and 64 KiB round trips, 'stop'" polled
ktap_check "destroy the cell" bulkhead cell destroy rtos-channel

# Alongside the demonstration task set, for 2 s of cell time with the
# execution trace: the service's VCPU (C 1 ms every 20 ms) is admitted with
# the four periodic tasks, the fifth ("extra") is still refused, requests
# are answered while the tasks run, and no deadline is missed. The host
# check (check-trace.py) recomputes the run from its trace: every task's
# periods, and for the service's VCPU too the bounds of its budget (at most
# C + o in any window of T from an anchor): the kernel's copying is charged
# to it. The tasks' per-period lines push the early lines out of the 4 KiB
# console ring at once, so the root does not wait for the service to be
# ready: its first request waits in the channel.
alongside() {
	bulkhead cell create $cell_cfg &&
		bulkhead cell load rtos-channel /inmates/rtos.bin \
			--args "run=2000 trace=1 bench=0 rogue=0 service=3,1000,20000 channel=$channel,0x40" &&
		bulkhead cell start rtos-channel &&
		echo 30000 >/sys/module/bulkhead/parameters/channel_timeout_ms &&
		request 65536 && request 65536 && request 4097 &&
		echo 2000 >/sys/module/bulkhead/parameters/channel_timeout_ms
}
ktap_check "alongside the task set: 64 KiB twice and 4097 B answered" alongside
# Then the root keeps still until the run is over (under -icount its work
# would count as time lost in the cell).
sleep 3
WAIT_STEP=0.5 wait_until 240 console_has 'rtos: done'
ktap_expect_output "the task set next to the service: no deadline miss, extra refused" \
	'rtos: done: 2000 ms, 0 deadline misses, 1 VCPU refused' cat "$bh/console"
ktap_check "shut down and destroy the cell" \
	sh -c "bulkhead cell shutdown rtos-channel && bulkhead cell destroy rtos-channel"

# Boot arguments that do not match the cell: the kernel names them and stops.
bad_args() {
	bulkhead cell create $cell_cfg &&
		bulkhead cell load rtos-channel /inmates/rtos.bin --args "$common channel=$channel,7" &&
		bulkhead cell start rtos-channel &&
		wait_until 100 console_has 'rtos: bad argument channel=3,0x2000000,0x100000,4096,7: want ID,ADDRESS' &&
		bulkhead cell destroy rtos-channel &&
		bulkhead cell create $cell_cfg &&
		bulkhead cell load rtos-channel /inmates/rtos.bin --args "run=0 tasks=0 channel=5,0x2000000,0x100000,4096" &&
		bulkhead cell start rtos-channel &&
		wait_until 100 console_has "rtos: channel 5: not in the cell's config \(peer state -2\)" &&
		wait_until 100 sh -c "bulkhead cell list | grep -qE '^ *[0-9]+ +rtos-channel +failed +3 '"
}
ktap_check "a doorbell vector 7, a channel the config lacks: refused by name, the cell fails" bad_args
ktap_check "destroy the cell; CPU 3 back in Linux" \
	sh -c "bulkhead cell destroy rtos-channel && grep -qx 0-3 /sys/devices/system/cpu/online"
ktap_check "disable; $dev is gone" sh -c "bulkhead disable && ! test -e $dev"
ktap_done
