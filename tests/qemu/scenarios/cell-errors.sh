# Cell requests that must be refused: each is refused with a clear message
# (the CLI's exit status and stderr, the driver's dmesg line, the
# hypervisor's console line where the hypervisor is the one that refuses)
# and changes nothing: `bulkhead cell list --json` (which holds the cells'
# states), Linux's online CPUs, the hypervisor's mem_pool_used and the
# bulkhead lines of /proc/iomem are the same before and after.
#
# With cell "rt" (tests/configs/good/rt.c: CPU 2, RAM 0x3c000000 +8 MiB), the
# configs of tests/configs/bad/ that are written against it:
#   overlapping memory  cell-overlaps-other-cell  driver: overlaps cell "rt"
#   CPU 0               cell-cpu0                 CLI (exit 2): never reaches the driver
#   CPU in use          cell-cpu-in-use           driver: CPU 2 used by cell "rt"
#   duplicate name      cell-duplicate-name       driver
# and one for the virtual PC's layout:
#   outside RAM         tests/configs/driver/cell-outside-ram.c: the driver
#                       claims the range and takes CPU 3 from Linux; the
#                       hypervisor refuses; CPU 3 and the range come back
# With "demo" running hello and "second" created: an image outside loadable
# memory (hello.bin@0x2000000: demo keeps running), a file that is not an
# inmate, demo created twice, loading / starting / shutting down / destroying
# a cell that does not exist, disabling while cells exist ("destroy them
# first"). With the hypervisor disabled: creating, loading, starting a cell
# and listing the cells.
#
# timeout: 200
# smp: 4
# hvlog: bulkhead: cell create refused: memory_regions\[0\]: RAM region \[0x80000000, \+0x100000\) is outside RAM
. /harness/lib.sh

bh=/sys/devices/bulkhead
bad=/cells/tests/configs/bad
demo_cfg=/cells/cells/demo/demo.cell
second_cfg=/cells/cells/second/second.cell

# snapshot FILE: what a refused request must leave as it was.
snapshot() {
	{
		echo "list: $(bulkhead cell list --json 2>&1)"
		echo "online: $(cat /sys/devices/system/cpu/online)"
		echo "mem_pool_used: $(cat $bh/mem_pool_used 2>&1)"
		echo "enabled: $(cat $bh/enabled 2>&1)"
		grep -i bulkhead /proc/iomem | sed 's/^ */iomem: /'
	} >"$1"
}

# refused DESC RC STDERR_ERE DMESG_ERE CONSOLE_ERE CMD...: two results.
#   1. CMD exits with status RC, prints nothing on stdout, its stderr matches
#      STDERR_ERE; the kernel log's new lines match DMESG_ERE ("none": no new
#      bulkhead line at all); CONSOLE_ERE ("-": not checked) matches one more
#      line of the hypervisor console than before.
#   2. nothing changed (snapshot).
refused() {
	desc=$1 want_rc=$2 err_re=$3 dmesg_re=$4 con_re=$5
	shift 5
	snapshot "$KTAP_DIR/before"
	n0=$(dmesg | wc -l)
	c0=0
	[ "$con_re" = - ] || c0=$(bulkhead console 2>/dev/null | grep -cE -- "$con_re")
	rc=0
	"$@" </dev/null >"$KTAP_DIR/stdout" 2>"$KTAP_DIR/stderr" || rc=$?
	dmesg | tail -n +$((n0 + 1)) >"$KTAP_DIR/dmesg.all"
	grep bulkhead "$KTAP_DIR/dmesg.all" >"$KTAP_DIR/dmesg.new"
	snapshot "$KTAP_DIR/after"
	why=""
	[ "$rc" -eq "$want_rc" ] || why="exit status $rc, expected $want_rc"
	[ -s "$KTAP_DIR/stdout" ] && why="$why; stdout not empty: $(head -c 200 "$KTAP_DIR/stdout")"
	grep -qE -- "$err_re" "$KTAP_DIR/stderr" || why="$why; stderr does not match /$err_re/"
	if [ "$dmesg_re" = none ]; then
		[ -s "$KTAP_DIR/dmesg.new" ] && why="$why; the driver logged something: $(head -n 2 "$KTAP_DIR/dmesg.new" | tr '\n' ' ')"
	elif ! grep -qE -- "$dmesg_re" "$KTAP_DIR/dmesg.new"; then
		why="$why; no new kernel log line matches /$dmesg_re/"
	fi
	if [ "$con_re" != - ]; then
		c1=$(bulkhead console 2>/dev/null | grep -cE -- "$con_re")
		[ "$c1" -gt "$c0" ] || why="$why; no new hypervisor console line matches /$con_re/"
	fi
	if [ -z "$why" ]; then
		ktap_ok "$desc: refused (exit $rc): $(head -n 1 "$KTAP_DIR/stderr")"
	else
		ktap_fail "$desc: refused with a clear message" "${why#; }"
		ktap_diag "stderr: $(cat "$KTAP_DIR/stderr")"
		ktap_diag_file "$KTAP_DIR/dmesg.new" 5
	fi
	if cmp -s "$KTAP_DIR/before" "$KTAP_DIR/after"; then
		ktap_ok "$desc: nothing changed"
	else
		diff "$KTAP_DIR/before" "$KTAP_DIR/after" >"$KTAP_DIR/diff"
		ktap_fail "$desc: nothing changed"
		ktap_diag_file "$KTAP_DIR/diff"
	fi
}

ktap_plan 43
ktap_check "insmod bulkhead.ko" insmod /lib/modules/bulkhead.ko
ktap_check "enable" bulkhead enable /cells/configs/x86/qemu-pc.cell
ktap_check "create rt (tests/configs/good/rt.c: CPU 2)" bulkhead cell create /cells/tests/configs/good/rt.cell

# --- configs that clash with rt, or with the system ------------------------------
refused "memory overlapping another cell's" 1 \
	'cell create refused: cell "second": memory_regions\[0\] \[0x3c400000, \+0x100000\) overlaps memory of cell "rt"' \
	'bulkhead: cell "second": memory_regions\[0\] .* overlaps memory of cell "rt"' - \
	bulkhead cell create $bad/cell-overlaps-other-cell.cell
refused "CPU 0" 2 'cell-cpu0.cell: cpu_set: CPU 0 belongs to the root cell' none - \
	bulkhead cell create $bad/cell-cpu0.cell
refused "a CPU already in use" 1 'cell create refused: cell "second": CPU 2 is already used by cell "rt"' \
	'bulkhead: cell "second": CPU 2 is already used by cell "rt"' - \
	bulkhead cell create $bad/cell-cpu-in-use.cell
refused "a duplicate name" 1 'cell create refused: a cell named "rt" already exists' \
	'bulkhead: a cell named "rt" already exists' - \
	bulkhead cell create $bad/cell-duplicate-name.cell
ktap_check "destroy rt" bulkhead cell destroy rt

# --- requests about cells --------------------------------------------------------
ktap_check "create demo and second, start demo with hello" sh -c \
	"bulkhead cell create $demo_cfg && bulkhead cell create $second_cfg &&
	 bulkhead cell load demo /inmates/hello.bin --args beats=0 && bulkhead cell start demo"
sleep 1
refused "an image outside loadable memory (hello.bin@0x2000000)" 1 \
	'cell load refused: cell "demo": image 0 \[0x2000000, \+0x[0-9a-f]+\) is not inside a loadable region' \
	'bulkhead: cell "demo": image 0 \[0x2000000, .* is not inside a loadable region' - \
	bulkhead cell load demo /inmates/hello.bin@0x2000000
refused "a file that is not an inmate, without an address" 2 'demo.cell: not a bulkhead inmate \(no inmate header\): give IMAGE@ADDRESS' none - \
	bulkhead cell load demo $demo_cfg
refused "demo created twice" 1 'cell create refused: a cell named "demo" already exists' \
	'bulkhead: a cell named "demo" already exists' - \
	bulkhead cell create $demo_cfg
refused "loading a cell that does not exist" 1 'cell load refused: no cell named "nosuch"' \
	'bulkhead: no cell named "nosuch"' - bulkhead cell load nosuch /inmates/hello.bin
refused "starting a cell that does not exist" 1 'cell start refused: no cell named "nosuch"' \
	'bulkhead: no cell named "nosuch"' - bulkhead cell start nosuch
refused "shutting down and destroying a cell that does not exist" 1 'cell destroy refused: no cell named "nosuch"' \
	'bulkhead: no cell named "nosuch"' - sh -c 'bulkhead cell shutdown nosuch 2>/dev/null; [ $? -eq 1 ] && bulkhead cell destroy nosuch'
refused "disable while cells exist" 1 \
	'disable refused: 2 cells still exist \("demo", "second"\): destroy them first \(Device or resource busy\)' \
	'bulkhead: 2 cells still exist' - bulkhead disable
demo_state() { cell_state demo; }
ktap_expect_output "...demo still running" '^running$' demo_state

ktap_check "shut down and destroy demo and second" sh -c \
	'bulkhead cell shutdown demo && bulkhead cell destroy demo && bulkhead cell destroy second'
# --- refused by the hypervisor -------------------------------------------------
# The driver claims the range and takes CPU 3 from Linux first; the
# hypervisor, which knows the system's RAM, refuses; the driver must give
# both back. CPU 3 never left the root: Linux's INIT parks it in the
# hypervisor, its SIPI starts it again.
refused "a RAM region outside RAM (refused by the hypervisor)" 1 \
	'cell create refused: cell create refused by the hypervisor: cell create refused: memory_regions\[0\]: RAM region \[0x80000000, \+0x100000\) is outside RAM' \
	'bulkhead: cell create refused by the hypervisor: .*outside RAM' \
	'^bulkhead: cell create refused: memory_regions\[0\]: RAM region \[0x80000000, \+0x100000\) is outside RAM$' \
	bulkhead cell create /cells/tests/configs/driver/cell-outside-ram.cell
ktap_expect_output "...CPU 3 had gone offline for it" 'CPU 3 is now offline' cat "$KTAP_DIR/dmesg.all"
ktap_expect_output "...and a process pinned to CPU 3 runs there again" '^3$' \
	sh -c "taskset -c 3 cat /proc/self/stat | cut -d' ' -f39"
ktap_check "disable" bulkhead disable

# --- the hypervisor is disabled ----------------------------------------------------
refused "creating a cell while the hypervisor is disabled" 1 \
	'cell create refused: cell "demo": the hypervisor is not enabled \(run .bulkhead enable. first\)' \
	'bulkhead: cell "demo": the hypervisor is not enabled' - bulkhead cell create $demo_cfg
refused "loading a cell while the hypervisor is disabled" 1 'cell load refused: the hypervisor is not enabled' \
	'bulkhead: the hypervisor is not enabled' - bulkhead cell load demo /inmates/hello.bin
refused "starting a cell while the hypervisor is disabled" 1 'cell start refused: the hypervisor is not enabled' \
	'bulkhead: the hypervisor is not enabled' - bulkhead cell start demo
refused "listing the cells while the hypervisor is disabled" 1 'the hypervisor is not enabled' none - \
	bulkhead cell list
online_all() {
	for c in 1 2 3; do
		[ "$(cat /sys/devices/system/cpu/cpu$c/online)" = 1 ] || echo 1 >/sys/devices/system/cpu/cpu$c/online || return 1
	done
	[ "$(cat /sys/devices/system/cpu/online)" = 0-3 ]
}
ktap_check "without the hypervisor, every CPU is online (again)" online_all
ktap_done
