# Harness self-test: as replay.sh, plus a hypervisor log expectation.
# hvlog: ^bulkhead: hypervisor enabled
# shellcheck source=tests/qemu/lib.sh
. /harness/lib.sh
ktap_done
