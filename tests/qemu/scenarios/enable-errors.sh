# Every way `bulkhead enable` can fail gives its reason, and Linux keeps
# running natively: the CLI exits 1 with the driver's message as its one
# line on stderr, the kernel log carries the message (and the hypervisor's
# own reason per CPU when the hypervisor refused), /sys/devices/bulkhead/
# enabled stays 0, no CPU shows bulkhead in CPUID, a workload on every CPU
# gives its native results, and enable works once the cause is gone.
#
#   max           SVM held by "KVM" (tests/modules/fake_kvm.ko sets
#                 EFER.SVME on every CPU, then on CPU 2 only, so that CPUs
#                 0, 1, 3 enter and must back out) -> EBUSY; hypervisor
#                 memory not reserved (not-reserved.cell) -> the memmap= to
#                 add; config CPUs != online CPUs (cpus-mismatch.cell, and
#                 CPU 3 taken offline) -> EINVAL; hypervisor image missing
#                 -> ENOENT; truncated, signature byte flipped, size field
#                 wrong -> EINVAL
#   max,-svm      no SVM -> ENODEV
#   max,-npt      SVM without nested paging -> EIO
#   max@nomemmap  booted without memmap=: the QEMU PC's own config is
#                 refused with the memmap= to add
#
# timeout: 120
# smp: 4
# variants: max max,-svm max,-npt max@nomemmap
# variant-memmap: nomemmap none
. /harness/lib.sh

cell=/cells/configs/x86/qemu-pc.cell
fixtures=/cells/tests/configs/driver
firmware=/lib/firmware/bulkhead.bin
good_image=/root/bulkhead.bin.good
ncpus=$(grep -c ^processor /proc/cpuinfo)
cpus=$(seq 0 $((ncpus - 1)))
variant=${bh_variant:-max}
refusal="the hypervisor refused to start"

# refused DESC EXIT STDERR [DMESG...] -- CMD ARGS...
# CMD exits with EXIT, prints exactly the line STDERR on stderr and nothing
# on stdout; the kernel log gains every DMESG (fixed strings; one containing
# @CPU@ stands for one line per CPU); the hypervisor stays disabled. The new
# kernel log lines stay in $KTAP_DIR/r.dmesg.
refused() {
	_desc=$1 _want_rc=$2 _want_err=$3
	shift 3
	: >"$KTAP_DIR/want.dmesg"
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		case $1 in
		*@CPU@*) for _c in $cpus; do printf '%s\n' "$1" | sed "s/@CPU@/$_c/g"; done ;;
		*) printf '%s\n' "$1" ;;
		esac >>"$KTAP_DIR/want.dmesg"
		shift
	done
	shift
	_n0=$(dmesg | wc -l)
	"$@" </dev/null >"$KTAP_DIR/r.out" 2>"$KTAP_DIR/r.err"
	_rc=$?
	dmesg | tail -n +$((_n0 + 1)) >"$KTAP_DIR/r.dmesg"
	_why=""
	[ $_rc -eq "$_want_rc" ] || _why="exit status $_rc, expected $_want_rc"
	if [ "$(cat "$KTAP_DIR/r.err")" != "$_want_err" ]; then
		_why="${_why:+$_why; }stderr is not exactly: $_want_err"
	fi
	[ -s "$KTAP_DIR/r.out" ] && _why="${_why:+$_why; }unexpected stdout"
	while IFS= read -r _l; do
		grep -qF -- "$_l" "$KTAP_DIR/r.dmesg" || _why="${_why:+$_why; }kernel log lacks: $_l"
	done <"$KTAP_DIR/want.dmesg"
	_en=$(cat /sys/devices/bulkhead/enabled)
	[ "$_en" = 0 ] || _why="${_why:+$_why; }/sys/devices/bulkhead/enabled is $_en"
	if [ -z "$_why" ]; then
		ktap_ok "$_desc"
	else
		ktap_fail "$_desc" "$_why"
		ktap_diag "stdout:"
		ktap_diag_file "$KTAP_DIR/r.out" 5
		ktap_diag "stderr:"
		ktap_diag_file "$KTAP_DIR/r.err" 5
		ktap_diag "new kernel log lines:"
		ktap_diag_file "$KTAP_DIR/r.dmesg" 20
	fi
}

# enable_refused DESC CONFIG ERRNO_TEXT ERRNO MESSAGE [DMESG...]: the driver
# refuses `bulkhead enable CONFIG` with MESSAGE and -ERRNO.
enable_refused() {
	_d=$1 _cfg=$2 _text=$3 _errno=$4 _msg=$5
	shift 5
	refused "$_d" 1 "bulkhead: enable refused: $_msg ($_text)" "bulkhead: $_msg ($_errno)" "$@" \
		-- bulkhead enable "$_cfg"
}

# One job per CPU index 0..ncpus-1 (pinned round-robin to the online CPUs,
# so the results do not depend on how many are online).
workload() { /tests/bh_workload verify -j "$ncpus" -n 3 | sed 's/ seconds=.*//'; }

# Linux runs natively: no online CPU shows bulkhead in CPUID, and the
# workload gives the native results.
runs_natively() {
	for _c in $cpus; do
		[ "$(cat /sys/devices/system/cpu/cpu$_c/online 2>/dev/null || echo 1)" = 1 ] || continue
		_p=$(taskset -c "$_c" /tests/cpuid_probe)
		echo "cpu$_c: $_p"
		case $_p in *vendor=bulkhead*) return 1 ;; esac
	done
	workload >"$KTAP_DIR/w.out" 2>&1
	cmp -s "$KTAP_DIR/w.out" "$KTAP_DIR/ref" && return 0
	echo "workload results differ from the first native run:"
	cat "$KTAP_DIR/w.out" "$KTAP_DIR/ref"
	return 1
}

enable_disable() {
	bulkhead enable $cell && [ "$(cat /sys/devices/bulkhead/enabled)" = 1 ] &&
		taskset -c 0 /tests/cpuid_probe | grep 'vendor=bulkhead' &&
		bulkhead disable && [ "$(cat /sys/devices/bulkhead/enabled)" = 0 ]
}
rmmod_fake_kvm_then_enable() { rmmod fake_kvm && enable_disable; }
online_cpu3_then_enable() { echo 1 >/sys/devices/system/cpu/cpu3/online && enable_disable; }
good_image_then_enable() { cp $good_image $firmware && enable_disable; }

# The u64 at OFFSET of FILE, decimal.
u64_at() { od -An -t u8 -j "$2" -N 8 "$1" | tr -d ' '; }
# Write the u64 VALUE at OFFSET of FILE, little-endian.
put_u64() {
	_v=$3 _i=0 _s=""
	while [ $_i -lt 8 ]; do
		_s="$_s\\$(printf '%03o' $((_v & 255)))"
		_v=$((_v >> 8))
		_i=$((_i + 1))
	done
	printf "$_s" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
# The driver's message for a loaded image of SIZE bytes whose header is
# HEADER_FILE's.
corrupt_message() {
	printf 'bulkhead.bin is corrupt: %s bytes, header says file %s, core %s, entry 0x%x' \
		"$2" "$(u64_at "$1" 16)" "$(u64_at "$1" 24)" "$(u64_at "$1" 32)"
}

kernel_log_clean() {
	! dmesg | grep -E 'BUG:|WARNING:|Oops|soft lockup|hard LOCKUP|rcu.*stall|Call Trace'
}

case $variant in
max) ktap_plan 29 ;;
*) ktap_plan 6 ;;
esac

ktap_check "insmod bulkhead.ko" insmod /lib/modules/bulkhead.ko
workload >"$KTAP_DIR/ref" 2>&1
if grep -q ' errors=0$' "$KTAP_DIR/ref"; then
	ktap_ok "native workload on $ncpus CPUs: $(cat "$KTAP_DIR/ref")"
else
	ktap_fail "native workload on $ncpus CPUs"
	ktap_diag_file "$KTAP_DIR/ref"
fi

case $variant in
max,-svm)
	enable_refused "no SVM: ENODEV; every CPU says why" $cell "No such device" -19 \
		"$refusal: no AMD SVM" "CPU @CPU@: no AMD SVM"
	ktap_check "Linux keeps running natively" runs_natively
	;;
max,-npt)
	enable_refused "SVM without nested paging: EIO; every CPU says why" $cell "Input/output error" -5 \
		"$refusal: SVM without nested paging" "CPU @CPU@: SVM without nested paging"
	ktap_check "Linux keeps running natively" runs_natively
	;;
max@nomemmap)
	enable_refused "booted without memmap=: EINVAL naming the memmap= to add" $cell "Invalid argument" -22 \
		'hypervisor memory [0x3b000000, +0x1000000) is Linux RAM: reserve it by adding memmap=0x1000000$0x3b000000 to the kernel command line'
	ktap_check "Linux keeps running natively" runs_natively
	;;
max)
	# --- SVM held by someone else -------------------------------------------------
	ktap_check "fake_kvm sets EFER.SVME on every CPU" insmod /lib/modules/tests/fake_kvm.ko
	enable_refused "SVM in use on every CPU: EBUSY; every CPU says why" $cell "Device or resource busy" -16 \
		"$refusal: SVM is in use (EFER.SVME set: is kvm_amd loaded?)" \
		"CPU @CPU@: SVM is in use (EFER.SVME set: is kvm_amd loaded?)"
	ktap_check "Linux keeps running natively" runs_natively
	ktap_check "rmmod fake_kvm: enable and disable work" rmmod_fake_kvm_then_enable

	ktap_check "fake_kvm sets EFER.SVME on CPU 2 only" insmod /lib/modules/tests/fake_kvm.ko cpu=2
	enable_refused "SVM in use on CPU 2: EBUSY; CPU 2 says why" $cell "Device or resource busy" -16 \
		"$refusal: SVM is in use (EFER.SVME set: is kvm_amd loaded?)" \
		"CPU 2: SVM is in use (EFER.SVME set: is kvm_amd loaded?)" "CPU 2: initialisation failed (EBUSY)"
	ktap_expect_fail "no other CPU was refused: CPUs 0, 1, 3 backed out" \
		grep -E 'CPU [013]: (SVM is in use|initialisation failed)' "$KTAP_DIR/r.dmesg"
	ktap_check "Linux keeps running natively on every CPU" runs_natively
	ktap_check "rmmod fake_kvm: enable and disable work" rmmod_fake_kvm_then_enable

	# --- hypervisor memory not reserved -------------------------------------------
	enable_refused "memory not reserved: EINVAL naming the memmap= to add" \
		$fixtures/not-reserved.cell "Invalid argument" -22 \
		'hypervisor memory [0x20000000, +0x1000000) is Linux RAM: reserve it by adding memmap=0x1000000$0x20000000 to the kernel command line'
	ktap_check "Linux keeps running natively" runs_natively

	# --- root cell CPUs != online CPUs --------------------------------------------
	enable_refused "config with CPUs 0-1 of 4 online: EINVAL" \
		$fixtures/cpus-mismatch.cell "Invalid argument" -22 \
		"root_cell.cpu_set: CPU 2 is absent in the config but online in Linux; the root cell must own exactly the online CPUs"
	ktap_check "Linux keeps running natively" runs_natively
	ktap_check "CPU 3 goes offline" sh -c 'echo 0 >/sys/devices/system/cpu/cpu3/online'
	enable_refused "CPU 3 offline, config with CPUs 0-3: EINVAL" $cell "Invalid argument" -22 \
		"root_cell.cpu_set: CPU 3 is present in the config but offline in Linux; the root cell must own exactly the online CPUs"
	ktap_check "Linux keeps running natively on CPUs 0-2" runs_natively
	ktap_check "CPU 3 back online: enable and disable work" online_cpu3_then_enable

	# --- the hypervisor image -----------------------------------------------------
	cp $firmware $good_image
	size=$(stat -c %s $good_image)
	mv $firmware /root/bulkhead.bin.away
	enable_refused "image missing: ENOENT" $cell "No such file or directory" -2 \
		"hypervisor image bulkhead.bin not found: install it in /lib/firmware"
	ktap_check "Linux keeps running natively" runs_natively

	head -c 64 $good_image >$firmware
	enable_refused "image truncated to 64 bytes (less than its header): EINVAL" $cell "Invalid argument" -22 \
		"bulkhead.bin is not a bulkhead hypervisor image (bad signature)"

	head -c $((size / 2)) $good_image >$firmware
	enable_refused "image truncated to half its size: EINVAL with the sizes" $cell "Invalid argument" -22 \
		"$(corrupt_message $good_image $((size / 2)))"

	cp $good_image $firmware
	printf 'X' | dd of=$firmware bs=1 seek=2 conv=notrunc 2>/dev/null
	enable_refused "image with a flipped signature byte: EINVAL" $cell "Invalid argument" -22 \
		"bulkhead.bin is not a bulkhead hypervisor image (bad signature)"

	cp $good_image $firmware
	put_u64 $firmware 16 $((size + 4096))
	enable_refused "image whose size field is wrong: EINVAL with the sizes" $cell "Invalid argument" -22 \
		"$(corrupt_message $firmware "$size")"
	ktap_check "Linux keeps running natively" runs_natively
	ktap_check "good image back: enable and disable work" good_image_then_enable
	;;
esac

ktap_expect_output "/sys/devices/bulkhead/enabled is 0" '^0$' cat /sys/devices/bulkhead/enabled
ktap_check "the kernel log has no BUG, WARNING, Oops, lockup or RCU stall" kernel_log_clean
ktap_done
