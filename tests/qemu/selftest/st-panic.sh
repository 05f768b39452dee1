# Harness self-test: the kernel panics (panic=-1 and -no-reboot end QEMU;
# the runner must report fail with the panic message).
# smp: 1
# timeout: 120
# shellcheck source=tests/qemu/lib.sh
. /harness/lib.sh
ktap_plan 2
ktap_ok "before the crash"
echo c >/proc/sysrq-trigger
ktap_ok "never reached"
ktap_done
