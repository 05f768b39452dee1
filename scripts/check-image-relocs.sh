#!/usr/bin/env bash
# The hypervisor image runs at whatever address the driver maps it, so its
# code and data may hold no absolute addresses: every relocation in a loaded
# section must be PC-relative. Absolute relocations are allowed only in the
# image header, which refers to absolute (size) symbols.
set -euo pipefail
bad=$(for obj in "$@"; do
  readelf -rW "$obj" | awk -v obj="$obj" '
    /^Relocation section/ { sec = $3; gsub(/\047/, "", sec) }
    /R_X86_64_/ && sec !~ /^\.rela\.header$/ {
      if ($3 !~ /^R_X86_64_(PC32|PLT32|PC64)$/) print obj ": " sec ": " $3 " " $5
    }'
done)
if [ -n "$bad" ]; then
  echo "hypervisor image: absolute relocations (the image must be position-independent):" >&2
  echo "$bad" >&2
  exit 1
fi
