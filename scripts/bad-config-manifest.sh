#!/usr/bin/env bash
# Print the negative config corpus as the driver ABI test's manifest:
#   name <TAB> system|cell <TAB> run|skip <TAB> expected message part
# A config runs against the driver unless it needs companions (check-with:),
# which only an enabled system has, or says "driver: skip".
set -euo pipefail
for src in "$1"/*.c; do
  name=$(basename "$src" .c)
  expect=$(sed -n 's|^/\* expect: \(.*\) \*/$|\1|p' "$src")
  kind=cell
  grep -q 'base-system.h' "$src" && kind=system
  run=run
  grep -qE '^/\* (check-with|driver: skip)' "$src" && run=skip
  printf '%s\t%s\t%s\t%s\n' "$name" "$kind" "$run" "$expect"
done
