# Harness self-test: one result is "not ok" (the runner must report fail).
# smp: 1
# timeout: 120
# shellcheck source=tests/qemu/lib.sh
. /harness/lib.sh
ktap_plan 2
ktap_ok "this one passes"
ktap_check "this one fails" false
ktap_done
