#!/usr/bin/env bash
# make demo: boot the QEMU virtual PC, run the demo scenario, and show its
# transcript (the guest's shell session without kernel noise) and the
# hypervisor's console.
set -euo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
status=0
"$src/tests/qemu/run-scenario.sh" demo >"$src/build/qemu/demo.ktap" 2>&1 || status=$?
log=$src/build/qemu/demo/console.log
echo "=== the virtual PC's shell (tests/qemu/scenarios/demo.sh) ==="
sed -n '/@@DEMO@@/s/.*@@DEMO@@ \{0,1\}//p' "$log"
echo
echo "=== the hypervisor's console (second serial port) ==="
cat "$src/build/qemu/demo/hypervisor.log"
echo
tail -n 1 "$src/build/qemu/demo.ktap"
if [ "$status" -ne 0 ]; then
  echo "demo: the scenario failed; full report in build/qemu/demo.ktap, logs in build/qemu/demo/" >&2
fi
exit "$status"
