# Harness self-test: as replay.sh, plus a hypervisor log expectation.
# hvlog: ^bulkhead: hypervisor enabled
# hvlog-reject: unexpected interrupt
# shellcheck source=tests/qemu/lib.sh
. /harness/lib.sh
ktap_done
