# Harness self-test: the scenario hangs (the runner must kill QEMU after the
# timeout and report fail).
# smp: 1
# timeout: 25
# shellcheck source=tests/qemu/lib.sh
. /harness/lib.sh
ktap_plan 1
ktap_ok "about to hang"
echo "@@BH@@ hanging"
sleep 100000
ktap_done
