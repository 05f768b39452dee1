#!/bin/bash
# Build the initramfs of the QEMU virtual PC.
#
#   tests/qemu/mkinitramfs.sh OUT.cpio.gz PAYLOAD_DIR SCENARIO_SCRIPT
#
# The image holds busybox-static (with a symlink per applet), everything in
# PAYLOAD_DIR copied into the root (bulkhead.ko, bin/bulkhead, cells/, configs/,
# test programs ...; the directory may be missing or empty), the guest-side
# KTAP library as /harness/lib.sh, the scenario as /harness/scenario.sh and an
# /init that mounts the usual file systems, runs the scenario with sh and
# always ends with `poweroff -f`.
#
# Environment: BUSYBOX (default /bin/busybox, must be static).
set -euo pipefail

usage() {
	echo "usage: $0 OUT.cpio.gz PAYLOAD_DIR SCENARIO_SCRIPT" >&2
	exit 2
}
[[ $# -eq 3 ]] || usage
out=$1 payload=$2 scenario=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
busybox=${BUSYBOX:-/bin/busybox}

[[ -f $scenario ]] || { echo "$0: no scenario script '$scenario'" >&2; exit 1; }
[[ -x $busybox ]] || { echo "$0: no busybox at '$busybox' (apt-get install busybox-static)" >&2; exit 1; }
if file -L "$busybox" 2>/dev/null | grep -q 'dynamically linked'; then
	echo "$0: $busybox is dynamically linked; install busybox-static" >&2
	exit 1
fi

root=$(mktemp -d "${TMPDIR:-/tmp}/bh-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,etc,root,harness,lib/modules}
cp "$busybox" "$root/bin/busybox"
chmod 0755 "$root/bin/busybox"
# One symlink per applet, at the place busybox itself names (bin/sh, sbin/insmod, ...).
while read -r applet; do
	applet=${applet#/}
	[[ -n $applet && $applet != bin/busybox ]] || continue
	[[ -e $root/$applet || -L $root/$applet ]] && continue
	mkdir -p "$root/$(dirname "$applet")"
	ln -s /bin/busybox "$root/$applet"
done < <("$busybox" --list-full)

# Payload: copied first-level by first-level so that a payload may also bring
# its own files under bin/ etc. without clobbering the busybox links it does
# not replace.
if [[ -d $payload ]]; then
	cp -a "$payload/." "$root/"
fi

install -m 0644 "$here/lib.sh" "$root/harness/lib.sh"
install -m 0644 "$scenario" "$root/harness/scenario.sh"

cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
EOF

cat >"$root/init" <<'EOF'
#!/bin/busybox sh
# bulkhead test harness init. Never exits: PID 1 exiting panics the kernel.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
export HOME=/root
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
/bin/busybox mkdir -p /dev/pts /dev/shm
/bin/busybox mount -t devpts devpts /dev/pts 2>/dev/null
/bin/busybox mount -t tmpfs tmpfs /tmp
/bin/busybox mount -t tmpfs tmpfs /run
if [ -d /sys/kernel/debug ]; then
	/bin/busybox mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
fi
if [ -d /sys/kernel/tracing ]; then
	/bin/busybox mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
fi
/bin/busybox hostname bulkhead-qemu 2>/dev/null
cd /
read -r up _ </proc/uptime
echo "@@BH@@ init uptime=$up scenario=${bh_scenario:-?} variant=${bh_variant:-default}"
# The scenario runs in its own shell: whatever it does (exit, error, set -e),
# control comes back here.
/bin/busybox sh /harness/scenario.sh </dev/console
rc=$?
read -r up _ </proc/uptime
echo "@@BH@@ scenario-exit rc=$rc uptime=$up"
# The whole kernel log, framed so that the host can cut it out (dmesg.log).
echo "@@BH@@ dmesg-begin"
/bin/busybox dmesg 2>/dev/null | /bin/busybox sed 's/^/@@DMESG@@ /'
echo "@@BH@@ dmesg-end"
echo "@@BH@@ poweroff"
/bin/busybox sync
/bin/busybox poweroff -f
# Not reached unless poweroff failed; do not let PID 1 exit.
while :; do /bin/busybox sleep 1000; done
EOF
chmod 0755 "$root/init"

mkdir -p "$(dirname "$out")"
tmp_out="$out.tmp.$$"
(cd "$root" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 | gzip -1) >"$tmp_out"
mv -f "$tmp_out" "$out"
