# Enable and disable: Linux becomes the root cell on every CPU, runs a real
# workload there with exactly the results it gets natively, sees bulkhead in
# CPUID only while the hypervisor runs, and gets every CPU back on disable;
# then 20 enable/disable cycles in the same boot, the workload checked in
# each.
#
# The workload (one job per CPU, each pinned to its CPU):
#   /tests/bh_workload verify  fork + exec of a static child that writes
#       seeded data to tmpfs; the parent regenerates it, reads the file back
#       with read() and mmap() and folds the hashes into a checksum
#       (tests/kselftest/bh_workload.c);
#   shell_workload             busybox seq | sort | gzip into tmpfs, read
#       back through gunzip, one sha256 over everything.
# Both outputs are compared with the same workload run natively before the
# first enable.
#
# timeout: 360
# smp: 4
# variants: max max,-x2apic max,-la57 max@ir
# variant-qemu: ir -device intel-iommu,intremap=on,eim=on
# hvlog: host tables and root cell NPT built
# hvlog: CPU 3: disable
. /harness/lib.sh

cell=/cells/configs/x86/qemu-pc.cell
cycles=20
ncpus=$(grep -c ^processor /proc/cpuinfo)
cpus=$(seq 0 $((ncpus - 1)))

uptime_s() { cut -d' ' -f1 /proc/uptime; }

# shell_workload N: on every CPU, N busybox pipelines through tmpfs; one
# sha256 over all of them.
shell_workload() {
	_d=/tmp/shell-workload
	rm -rf $_d
	mkdir -p $_d
	for _c in $cpus; do
		taskset -c "$_c" sh -c '
			c=$1 n=$2 d=$3 i=0
			while [ $i -lt $n ]; do
				seq $c 7 $((3000 + 100 * i)) | sort -r | gzip -1 >$d/$c.$i.gz || echo "gzip failed"
				i=$((i + 1))
			done
			i=0
			while [ $i -lt $n ]; do gunzip -c $d/$c.$i.gz; i=$((i + 1)); done | sha256sum >$d/$c.sum
		' sh "$_c" "$1" $_d &
	done
	wait
	printf 'shell n=%s sha256=%s\n' "$1" "$(cat $_d/*.sum | sha256sum | cut -c1-64)"
	rm -rf $_d
}

# workload N: both workloads, their results (no timings) on stdout.
workload() {
	/tests/bh_workload verify -n "$1" | sed 's/ seconds=.*//'
	shell_workload "$1"
}

# workload_matches N REFERENCE: the workload's results equal REFERENCE.
workload_matches() {
	workload "$1" >"$KTAP_DIR/workload.out" 2>&1
	if cmp -s "$KTAP_DIR/workload.out" "$2"; then
		return 0
	fi
	echo "results differ from the native run:"
	cat "$KTAP_DIR/workload.out"
	echo "native:"
	cat "$2"
	return 1
}

cpuid_all() {
	for _c in $cpus; do
		printf 'cpu%s: %s\n' "$_c" "$(taskset -c "$_c" /tests/cpuid_probe)"
	done
}

# Every CPU reports the hypervisor bit, the vendor "bulkhead" and no SVM.
cpuid_shows_bulkhead() {
	_out=$(cpuid_all)
	echo "$_out"
	[ "$(echo "$_out" | grep -c ': hypervisor-bit=1 vendor=bulkhead svm=0$')" -eq "$ncpus" ]
}

# No CPU reports bulkhead, every CPU reports SVM (QEMU's own CPUID: the
# hypervisor bit is set and the vendor is TCG's).
cpuid_shows_native() {
	_out=$(cpuid_all)
	echo "$_out"
	! echo "$_out" | grep -q 'vendor=bulkhead' &&
		[ "$(echo "$_out" | grep -c ' svm=1$')" -eq "$ncpus" ]
}

enabled_is() {
	_v=$(cat /sys/devices/bulkhead/enabled)
	[ "$_v" = "$1" ] || { echo "/sys/devices/bulkhead/enabled is '$_v', expected $1"; return 1; }
}

enable() {
	_out=$(bulkhead enable $cell 2>&1)
	_rc=$?
	echo "$_out"
	[ $_rc -eq 0 ] && [ "$_out" = "bulkhead: enabled" ] && enabled_is 1
}

disable() {
	_out=$(bulkhead disable 2>&1)
	_rc=$?
	echo "$_out"
	[ $_rc -eq 0 ] && [ "$_out" = "bulkhead: disabled" ] && enabled_is 0
}

# Nothing of the hypervisor is left in Linux: memory region released,
# mapping gone.
nothing_left() {
	enabled_is 0 || return 1
	if grep -i bulkhead /proc/iomem; then
		echo "hypervisor memory still claimed in /proc/iomem"
		return 1
	fi
	if grep bh_map_hypervisor_memory /proc/vmallocinfo; then
		echo "hypervisor memory still mapped"
		return 1
	fi
}

# Every CPU counted CPUID exits (cpuid_all ran on each).
every_cpu_counts_exits() {
	for _c in $cpus; do
		_f=/sys/devices/bulkhead/cpus/cpu$_c/vmexits_cpuid
		_n=$(cat "$_f" 2>&1)
		echo "cpu$_c: vmexits_cpuid $_n"
		[ "$_n" -gt 0 ] 2>/dev/null || return 1
	done
}

# LOC (local APIC timer) counts per CPU, one line.
loc_counts() { grep '^ *LOC:' /proc/interrupts | awk -v n="$ncpus" '{ for (i = 2; i < 2 + n; i++) printf "%s ", $i }'; }

# timer_ticks_on_every_cpu BEFORE AFTER
timer_ticks_on_every_cpu() {
	echo "LOC before: $1"
	echo "LOC after:  $2"
	echo "$1 / $2" | awk '{ n = (NF - 1) / 2; for (i = 1; i <= n; i++) if ($(n + 1 + i) <= $i) exit 1 }'
}

# One enable/disable cycle with the short workload; reports one result.
cycle() {
	_k=$1
	_t0=$(uptime_s)
	{
		echo "cycle $_k: enable"
		enable &&
			echo "cycle $_k: CPUID under the hypervisor" && cpuid_shows_bulkhead &&
			echo "cycle $_k: workload" && workload_matches 3 "$KTAP_DIR/ref.short" &&
			echo "cycle $_k: disable" && disable &&
			echo "cycle $_k: CPUID native" && cpuid_shows_native &&
			nothing_left
	} >"$KTAP_DIR/cycle.out" 2>&1
	_rc=$?
	_t1=$(uptime_s)
	if [ $_rc -eq 0 ]; then
		ktap_ok "cycle $_k of $cycles: enable, CPUID bulkhead, workload matches native, disable, CPUID native ($(awk -v a="$_t0" -v b="$_t1" 'BEGIN { printf "%.1f", b - a }') s)"
	else
		ktap_fail "cycle $_k of $cycles: enable, CPUID bulkhead, workload matches native, disable, CPUID native"
		ktap_diag_file "$KTAP_DIR/cycle.out" 40
		# Leave the hypervisor off for the next cycle.
		[ "$(cat /sys/devices/bulkhead/enabled 2>/dev/null)" = 1 ] && bulkhead disable >/dev/null 2>&1
	fi
}

ktap_plan $((16 + cycles))

ktap_check "insmod bulkhead.ko" insmod /lib/modules/bulkhead.ko

# --- natively: the reference results ------------------------------------------
ktap_diag "$ncpus CPUs; native reference runs"
workload 20 >"$KTAP_DIR/ref.full" 2>&1
workload 3 >"$KTAP_DIR/ref.short" 2>&1
if grep -q ' errors=0$' "$KTAP_DIR/ref.full" && grep -q ' errors=0$' "$KTAP_DIR/ref.short" &&
	grep -q '^shell n=20 sha256=' "$KTAP_DIR/ref.full" &&
	workload_matches 3 "$KTAP_DIR/ref.short" >"$KTAP_DIR/repeat.out" 2>&1; then
	ktap_ok "native workload on $ncpus CPUs: no errors, results repeatable"
	ktap_diag_file "$KTAP_DIR/ref.full"
else
	ktap_fail "native workload on $ncpus CPUs: no errors, results repeatable"
	ktap_diag_file "$KTAP_DIR/ref.full"
	ktap_diag_file "$KTAP_DIR/repeat.out"
fi
ktap_check "natively no CPU shows bulkhead in CPUID, every CPU has SVM" cpuid_shows_native

# --- enabled ----------------------------------------------------------------------
ktap_check "enable: exit 0, 'bulkhead: enabled', sysfs enabled=1" enable
ktap_expect_output "the kernel log names the root cell and all CPUs" \
	"bulkhead: enabled: root cell \"qemu-pc\" on $ncpus CPUs" dmesg
ktap_check "every CPU shows hypervisor-bit=1 vendor=bulkhead svm=0" cpuid_shows_bulkhead
ktap_check "the hypervisor counted CPUID exits on every CPU" every_cpu_counts_exits
loc_before=$(loc_counts)
t0=$(uptime_s)
ktap_check "full workload on every CPU: same results as native" workload_matches 20 "$KTAP_DIR/ref.full"
t1=$(uptime_s)
ktap_diag "full workload under the hypervisor: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
ktap_check "the local timer kept ticking on every CPU" timer_ticks_on_every_cpu "$loc_before" "$(loc_counts)"

# --- disabled ---------------------------------------------------------------------
ktap_check "disable: exit 0, 'bulkhead: disabled', sysfs enabled=0" disable
ktap_check "nothing left: memory region released, mapping gone" nothing_left
ktap_check "natively again: no CPU shows bulkhead, every CPU has SVM" cpuid_shows_native
ktap_check "full workload natively after disable: same results" workload_matches 20 "$KTAP_DIR/ref.full"

# --- cycles -------------------------------------------------------------------------
t0=$(uptime_s)
k=1
while [ $k -le $cycles ]; do
	cycle $k
	k=$((k + 1))
done
t1=$(uptime_s)
ktap_diag "$cycles cycles: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"

ktap_check "rmmod bulkhead after $cycles cycles" rmmod bulkhead
ktap_check "online CPUs unchanged" sh -c "[ \$(grep -c ^processor /proc/cpuinfo) -eq $ncpus ]"
ktap_expect_fail "the kernel log has no BUG, WARNING, Oops, lockup or RCU stall" \
	sh -c "dmesg | grep -E 'BUG:|WARNING:|Oops|soft lockup|hard LOCKUP|rcu.*stall|hung_task|Call Trace'"
ktap_done
