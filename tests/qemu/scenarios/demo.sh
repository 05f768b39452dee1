# The demo (make demo) and its check: load the driver, validate the QEMU
# PC's config, enable the hypervisor, show that Linux now runs as the root
# cell on every CPU and what the hypervisor counts, disable it again.
# Lines prefixed @@DEMO@@ are the transcript make demo prints.
#
# timeout: 180
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

ktap_plan 10
cfg=/cells/configs/x86/qemu-pc.cell

demo "bulkhead demo on $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPUs"
run insmod /lib/modules/bulkhead.ko
ktap_result "driver loaded" $?
run bulkhead config check $cfg /cells/cells/demo/demo.cell
ktap_result "the QEMU PC's config and the demo cell pass the validator" $?
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
run bulkhead disable
ktap_result "hypervisor disabled: Linux runs natively again" $?
run /tests/cpuid_probe
ktap_expect_output "CPUID shows no hypervisor after disable" 'vendor=TCG|vendor=none' /tests/cpuid_probe
ktap_done
