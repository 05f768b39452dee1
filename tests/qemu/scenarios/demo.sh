# The demo (make demo) and its check: load the driver, validate the QEMU
# PC's config, enable the hypervisor, show that Linux now runs as the root
# cell on every CPU and what the hypervisor counts; deploy the RTOS cell
# (cells/rtos: four periodic user tasks on sporadic-server VCPUs, one
# overload refused by admission control), show its report, destroy it and
# talk to the RTOS over a channel (cells/rtos-channel: a request/reply task
# on a VCPU of its own, answering each request with its letters' case
# swapped), destroy it and disable the hypervisor again.
# Lines prefixed @@DEMO@@ are the transcript make demo prints.
#
# -icount as in rtos-taskset: the cell's clock advances with the
# instructions it executes, so a busy host cannot make the real-time cell
# miss deadlines it would meet on a real CPU.
#
# timeout: 300
# qemu: -icount shift=0,sleep=off
. /harness/lib.sh

demo() { printf '@@DEMO@@ %s\n' "$*"; }
# run CMD...: show the command and its output in the transcript.
run() {
	demo "# $*"
	"$@" >"$KTAP_DIR/demo.out" 2>&1
	_rc=$?
	while IFS= read -r line; do demo "$line"; done <"$KTAP_DIR/demo.out"
	return $_rc
}

ktap_plan 28
# The QEMU PC's config plus the root's end of channel 3 to the RTOS cell.
cfg=/cells/tests/configs/driver/qemu-pc-rtos-channel.cell

demo "bulkhead demo on $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPUs"
run insmod /lib/modules/bulkhead.ko
ktap_result "driver loaded" $?
run bulkhead config check $cfg /cells/cells/rtos-channel/rtos-channel.cell
ktap_result "the QEMU PC's config and the RTOS channel cell pass the validator" $?
run bulkhead enable $cfg
ktap_result "hypervisor enabled: Linux is the root cell" $?
run /tests/cpuid_probe
ktap_expect_output "CPUID names the hypervisor" 'vendor=bulkhead' /tests/cpuid_probe
demo "# a workload on every CPU while the hypervisor runs"
ktap_check "a workload runs on every CPU" sh -c '
	for c in $(seq 0 $(($(grep -c ^processor /proc/cpuinfo) - 1))); do
		taskset -c $c sh -c "i=0; while [ \$i -lt 300 ]; do i=\$((i+1)); done; ls / >/dev/null" &
	done; wait'
demo "# CPU hotplug is refused while the hypervisor runs"
ktap_expect_fail "a root CPU cannot go offline under the hypervisor" \
	sh -c 'echo 0 > /sys/devices/system/cpu/cpu2/online'
run bulkhead info
ktap_expect_output "info shows VM exits per CPU" 'VM exits:' bulkhead info
run bulkhead console
ktap_expect_output "the hypervisor console is readable from Linux" 'root cell NPT built' bulkhead console

demo "# a real-time cell: the bulkhead RTOS on CPU 3"
run bulkhead cell create /cells/cells/rtos/rtos.cell
ktap_result "the RTOS cell is created (CPU 3 leaves Linux)" $?
run bulkhead cell load rtos /inmates/rtos.bin --args "run=1000"
ktap_result "the RTOS image is loaded" $?
run bulkhead cell start rtos
ktap_result "the RTOS cell starts" $?
run bulkhead cell list
ktap_expect_output "cell list shows the RTOS cell running on CPU 3" '^ *[0-9]+ +rtos +running +3 ' bulkhead cell list
# The root stays idle while the task set runs (-icount: the CPUs take turns).
sleep 3
n=0
while [ $n -lt 240 ] && ! grep -q 'rtos: done' /sys/devices/bulkhead/console; do
	sleep 0.5
	n=$((n + 1))
done
bulkhead console >"$KTAP_DIR/rtos.txt" 2>&1
demo "# bulkhead console: the RTOS cell's report"
grep -E '\[rtos\] (rtos: done|vcpu .*(admitted|summary|refused))' "$KTAP_DIR/rtos.txt" | while IFS= read -r line; do
	demo "$line"
done
ktap_expect_output "the RTOS ran its task set for 1 s without a deadline miss" \
	'rtos: done: 1000 ms, 0 deadline misses, 1 VCPU refused' cat "$KTAP_DIR/rtos.txt"
ktap_expect_output "admission control refused the overloading VCPU, with its reason" \
	'vcpu extra refused: ENOSPC: not schedulable' cat "$KTAP_DIR/rtos.txt"
run bulkhead cell list
ktap_expect_output "the RTOS ended normally: cell list says shut down (from its comm page)" \
	'^ *[0-9]+ +rtos +shut down +3 ' bulkhead cell list
run sh -c 'bulkhead cell shutdown rtos && bulkhead cell destroy rtos'
ktap_result "the RTOS cell is shut down and destroyed" $?
ktap_expect_output "CPU 3 is back in Linux" '^0-3$' cat /sys/devices/system/cpu/online

demo "# the RTOS again, now with channel 3 to Linux: a request/reply task on a VCPU of its own (C 2 ms, T 10 ms)"
rtos_args="run=0 tasks=0 bench=0 rogue=0 channel=3,0x2000000,0x100000,4096,0x40 service=3,2000,10000"
run bulkhead cell create /cells/cells/rtos-channel/rtos-channel.cell
ktap_result "the RTOS channel cell is created" $?
run bulkhead cell load rtos-channel /inmates/rtos.bin --args "$rtos_args"
ktap_result "the RTOS image is loaded with the channel and its service" $?
run bulkhead cell start rtos-channel
ktap_result "the RTOS channel cell starts" $?
WAIT_STEP=0.5 wait_until 240 grep -q 'task chan3: ready' /sys/devices/bulkhead/console
ktap_result "the RTOS's service task is ready on channel 3" $?
# ask TEXT: one request from Linux, one reply from the RTOS task.
ask() {
	demo "linux -> rtos: $1"
	printf '%s' "$1" | bulkhead channel send 3 - || return 1
	_reply=$(bulkhead channel recv 3) || return 1
	demo "rtos -> linux: $_reply"
	[ "$_reply" = "$(printf '%s' "$1" | tr 'a-zA-Z' 'A-Za-z')" ]
}
demo "# bulkhead channel send 3 - ; bulkhead channel recv 3"
ok=0
for text in "hello from linux" "The RTOS Swaps The Case Of Every Letter" "request 3 of 3: 0123456789"; do
	ask "$text" || ok=1
done
ktap_result "three requests from Linux, three replies from the RTOS task, each case-swapped" $ok
run sh -c 'printf stop | bulkhead channel send 3 - && bulkhead channel recv 3 && echo'
ktap_expect_output "'stop' ends the service" '^stopped after 3 requests$' cat "$KTAP_DIR/demo.out"
WAIT_STEP=0.5 wait_until 60 grep -q '\[rtos-channel\] rtos: every thread has ended' /sys/devices/bulkhead/console
bulkhead console >"$KTAP_DIR/rtos-channel.txt" 2>&1
demo "# bulkhead console: the RTOS cell's side"
grep -E '\[rtos-channel\] (rtos: channel 3 |vcpu chan3|task chan3: (request|stop)|rtos: every thread)' \
	"$KTAP_DIR/rtos-channel.txt" | while IFS= read -r line; do
	demo "$line"
done
ktap_expect_output "the RTOS's every wait for Linux ended by the channel's doorbell" \
	'rtos: channel 3 closed: 4 transactions received, 4 sent; [1-9][0-9]* doorbells, [1-9][0-9]* waits ended by the doorbell, 0 by their timer' \
	cat "$KTAP_DIR/rtos-channel.txt"
run bulkhead cell list
ktap_expect_output "the RTOS ended by itself: shut down" '^ *[0-9]+ +rtos-channel +shut down +3 ' bulkhead cell list
run bulkhead cell destroy rtos-channel
ktap_result "the RTOS channel cell is destroyed" $?
run bulkhead disable
ktap_result "hypervisor disabled: Linux runs natively again" $?
run /tests/cpuid_probe
ktap_expect_output "CPUID shows no hypervisor after disable" 'vendor=TCG|vendor=none' /tests/cpuid_probe
ktap_done
