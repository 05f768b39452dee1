#!/usr/bin/env bash
# The CLI's contract on the host: exit codes (0 ok, 1 refused/failed,
# 2 invalid), one-line errors naming the problem, every negative config
# refused through the real binary. Usage: cli_test.sh BULKHEAD SRC CELLS
set -uo pipefail
bulkhead=$1 src=$2 cells=$3
failures=0 count=0

# expect CODE PATTERN -- CMD...: exit code CODE and output matching PATTERN.
expect() {
  local code=$1 pattern=$2
  shift 3
  local out rc
  out=$("$@" 2>&1)
  rc=$?
  count=$((count + 1))
  if [[ $rc -ne $code ]] || ! grep -qE -- "$pattern" <<<"$out"; then
    echo "FAIL: '$*' exited $rc (want $code), output: $out (want /$pattern/)"
    failures=$((failures + 1))
  fi
}

expect 0 'Exit codes' -- "$bulkhead" --help
expect 2 'subcommand is required' -- "$bulkhead"
expect 2 'subcommand' -- "$bulkhead" frobnicate
expect 0 'qemu-pc.cell: ok' -- "$bulkhead" config check "$cells/configs/x86/qemu-pc.cell" "$cells/cells/demo/demo.cell"
expect 2 'cannot open: No such file' -- "$bulkhead" config check /nonexistent.cell
expect 2 'not a bulkhead config' -- "$bulkhead" config check "$src/README.md"
expect 2 'is a cell config; enable takes a system config' -- "$bulkhead" enable "$cells/cells/demo/demo.cell"
expect 2 'cpu_set: must contain CPU 0' -- "$bulkhead" enable "$cells/tests/configs/bad/root-no-cpu0.cell"
expect 0 '^schedulable' -- "$bulkhead" sched check "$src/tests/sched/schedulable.txt"
expect 1 'not schedulable' -- "$bulkhead" sched check "$src/tests/sched/unschedulable.txt"
expect 2 'malformed.txt:[0-9]+:' -- "$bulkhead" sched check "$src/tests/sched/malformed.txt"
expect 0 'worst-case round trip' -- "$bulkhead" bound channel --Cs 2000 --Ts 10000 --Cr 2000 --Tr 10000 --N 64 --M 64 --K 100 --ds 1 --dr 1
expect 2 '' -- "$bulkhead" bound channel --Cs 0
# Without the driver (the host never has it loaded): the reason, exit 1.
if [[ ! -e /dev/bulkhead ]]; then
  expect 1 'is bulkhead.ko loaded' -- "$bulkhead" info
  expect 1 'is bulkhead.ko loaded' -- "$bulkhead" disable
fi

# Every negative config through the binary: exit 2 and its message.
for source in "$src"/tests/configs/bad/*.c; do
  name=$(basename "$source" .c)
  want=$(sed -n 's|^/\* expect: \(.*\) \*/$|\1|p' "$source")
  with=()
  for w in $(sed -n 's|^/\* check-with: \(.*\) \*/$|\1|p' "$source"); do
    with+=("$cells/tests/configs/good/$w.cell")
  done
  expect 2 "$(printf '%s' "$want" | sed 's/[][\.*^$(){}?+|/]/\\&/g')" -- \
    "$bulkhead" config check "${with[@]}" "$cells/tests/configs/bad/$name.cell"
done

echo "$((count - failures)) passed, $failures failed"
[[ $failures -eq 0 ]]
