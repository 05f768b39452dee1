# Harness self-test: the scenario of the replayed (canned) console logs.
# It never boots; run-scenario.sh parses BH_REPLAY_CONSOLE instead.
# shellcheck source=tests/qemu/lib.sh
. /harness/lib.sh
ktap_done
