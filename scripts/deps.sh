#!/usr/bin/env bash
# Install what bulkhead needs to build and test, with apt-get. Idempotent: when
# everything is present it only checks, in well under a second.
set -euo pipefail

packages=(
  build-essential g++ gcc make cmake bc kmod cpio gzip xz-utils
  busybox-static linux-image-amd64 linux-headers-amd64
  python3 python3-jinja2 python3-kconfiglib
  googletest libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev libzydis-dev
  clang libclang-rt-14-dev
)
qemu_min_major=10

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

qemu_ok=0
if command -v qemu-system-x86_64 >/dev/null 2>&1; then
  major=$(qemu-system-x86_64 --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p' | head -1)
  [ "${major:-0}" -ge "$qemu_min_major" ] && qemu_ok=1
fi

if [ ${#missing[@]} -eq 0 ] && [ $qemu_ok -eq 1 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "deps: missing packages (${missing[*]:-} ${qemu_ok/0/qemu-system-x86>=$qemu_min_major}); run 'make deps' as root" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# QEMU >= 10 (TCG with x2APIC) comes from bookworm-backports.
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo "deps: adding Debian bookworm-backports to apt's sources"
  cat > /etc/apt/sources.list.d/bulkhead-bookworm-backports.sources <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
echo "deps: installing ${missing[*]:-} ${qemu_ok/1/}${qemu_ok/0/qemu-system-x86 (bookworm-backports)}"
apt-get update -o Acquire::Retries=3 >/dev/null
if [ ${#missing[@]} -gt 0 ]; then
  apt-get install -y --no-install-recommends "${missing[@]}"
fi
if [ $qemu_ok -eq 0 ]; then
  apt-get install -y --no-install-recommends -t bookworm-backports qemu-system-x86
fi
