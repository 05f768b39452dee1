# Development smoke test: enable, a little work, disable.
# timeout: 120
. /harness/lib.sh
ktap_plan 5
ktap_check "insmod" insmod /lib/modules/bulkhead.ko
ktap_check "enable" bulkhead enable /cells/configs/x86/qemu-pc.cell
dmesg | tail -20
ktap_expect_output "cpuid shows bulkhead" 'vendor=bulkhead' /tests/cpuid_probe
ktap_check "work" sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do ls /proc >/dev/null; done'
ktap_check "disable" bulkhead disable
dmesg | tail -10
ktap_done
