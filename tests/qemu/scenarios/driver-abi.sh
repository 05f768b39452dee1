# Driver ABI (kselftest style): bulkhead.ko loads and unloads cleanly, and
# every malformed ioctl and every negative config of the corpus is refused
# with its errno, its message (to the caller and in the kernel log), and no
# state left behind. The CLI refuses bad input with exit code 2, and the
# driver's refusals with exit code 1 and the driver's reason.
#
# timeout: 240
# smp: 4
. /harness/lib.sh

module=/lib/modules/bulkhead.ko
cells=/cells
corpus=$cells/tests/configs

# The raw-ioctl test's fixtures sit beside the corpus.
cp "$corpus/driver/"*.cell "$corpus/bad/"
cp "$cells/configs/x86/qemu-pc.cell" "$corpus/bad/valid.cell"

# Its results are known before the plan can be printed.
insmod $module >"$KTAP_DIR/insmod.out" 2>&1
insmod_rc=$?
/tests/driver_abi /tests/bad-configs.tsv "$corpus/bad" >"$KTAP_DIR/abi.out" 2>&1
abi_plan=$(sed -n 's/^plan //p' "$KTAP_DIR/abi.out")

ktap_plan $((${abi_plan:-0} + 14))

ktap_result "insmod bulkhead.ko" $insmod_rc
ktap_check "/dev/bulkhead is a character device" test -c /dev/bulkhead
ktap_expect_output "/sys/devices/bulkhead reports disabled" '^0$' cat /sys/devices/bulkhead/enabled
ktap_expect_output "the kernel log says the driver loaded" 'bulkhead: driver .* loaded' dmesg

abi_results=$(grep -cE '^(ok|not ok) ' "$KTAP_DIR/abi.out")
grep -E '^(ok|not ok) ' "$KTAP_DIR/abi.out" | while IFS= read -r line; do
	case $line in
	"ok "*) ktap_ok "${line#ok }" ;;
	*) ktap_fail "${line#not ok }" ;;
	esac
done
# A crash of the test program shows as fewer results than planned, which
# the host reports as a failure; show why.
if [ "$abi_results" -ne "${abi_plan:-0}" ]; then
	ktap_diag_file "$KTAP_DIR/abi.out"
fi

# The CLI: bad input is exit code 2 with the field named; the driver's
# refusal is exit code 1 with the driver's reason.
ktap_expect_output "CLI: config check names the field of a bad config" \
	'cpu_set: CPU 0 belongs to the root cell' bulkhead config check "$corpus/bad/cell-cpu0.cell"
ktap_check "CLI: config check accepts the QEMU PC config and the demo cell" \
	bulkhead config check "$cells/configs/x86/qemu-pc.cell" "$cells/cells/demo/demo.cell"
ktap_expect_output "CLI: enable of a malformed config exits 2 before reaching the driver" \
	'^2$' sh -c "bulkhead enable $corpus/bad/sys-hv-misaligned.cell; echo \$?"
ktap_expect_output "CLI: enable with memory not reserved exits 1 naming memmap=" \
	'memmap=0x1000000\$0x20000000' sh -c "bulkhead enable $corpus/driver/not-reserved.cell; echo rc=\$?"
ktap_expect_output "CLI: info shows the driver and a disabled hypervisor" \
	'hypervisor: +disabled' bulkhead info
ktap_expect_output "CLI: --help documents the exit codes" 'Exit codes' bulkhead --help

# Unload and load again: nothing left behind.
ktap_check "rmmod bulkhead" rmmod bulkhead
ktap_expect_fail "/sys/devices/bulkhead is gone after rmmod" test -e /sys/devices/bulkhead
ktap_expect_output "CLI without the module explains what to do" 'is bulkhead.ko loaded' bulkhead info
ktap_check "insmod again after rmmod" insmod $module
ktap_done
