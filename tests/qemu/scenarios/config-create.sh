# Config generation on a target without Python: `bulkhead config collect`
# copies what bulkhead-config-create reads, the copy travels to the host as a
# base64 tar on the console, and the host check generates the system config
# from it and compares the result with configs/x86/qemu-pc.c (byte-equal
# .cell files, else a field-by-field report).
#
# timeout: 180
# host-check: tests/qemu/host/config-create.sh
. /harness/lib.sh

ktap_plan 6

ktap_check "bulkhead CLI is in the payload" test -x /bin/bulkhead
ktap_check "bulkhead config collect /tmp/collect" bulkhead config collect /tmp/collect
ktap_check "the copy holds /proc/iomem, /proc/ioports and /proc/cmdline" \
	sh -c 'for f in iomem ioports cmdline; do cmp -s /proc/$f /tmp/collect/proc/$f || { echo "proc/$f differs"; exit 1; }; done'
ktap_check "the copy holds the ACPI tables byte for byte" \
	sh -c 'n=0; for t in /sys/firmware/acpi/tables/*; do [ -f "$t" ] || continue; n=$((n + 1)); cmp "$t" "/tmp/collect/sys/firmware/acpi/tables/${t##*/}" || exit 1; done; [ $n -ge 4 ]'
ktap_check "the copy holds every PCI device's config space" \
	sh -c 'for d in /sys/bus/pci/devices/*; do cmp "$d/config" "/tmp/collect/sys/bus/pci/devices/${d##*/}/config" || exit 1; done'
ktap_expect_fail "a second collect into the same directory is refused" bulkhead config collect /tmp/collect

# The tree for the host check: sha256 first, so that the host can tell a
# transfer garbled by console messages from a bad tree.
tar -C /tmp -cf /tmp/collect.tar collect
echo "@@CONFIG-COLLECT@@ sha256 $(sha256sum </tmp/collect.tar | cut -d' ' -f1)"
echo "@@CONFIG-COLLECT@@ begin"
gzip -9 -c /tmp/collect.tar | base64
echo "@@CONFIG-COLLECT@@ end"

ktap_done
