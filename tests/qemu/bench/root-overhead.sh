# Root cell overhead: the same workloads with the hypervisor disabled and
# enabled, interleaved (ABBA: odd rounds disabled first, even rounds enabled
# first) in one boot, and the VM exits per second per CPU, idle and under
# load, from /sys/devices/bulkhead/cpus/cpuN/vmexits_<reason>.
#
#   cpu   CPU-bound, no system calls      bh_workload cpu  -j 1
#   fork  fork + exec of a static binary  bh_workload fork -j 1
#   mmap  mmap 1 MiB, touch every page,   bh_workload mmap -j 1
#         munmap (page faults)
# (tests/kselftest/bh_workload.c; one job pinned to CPU 1, the other CPUs
# idle.) Printed: each run's seconds; per workload the median and range of
# the per-round ratios enabled/disabled, and the ratio of the best (fastest)
# runs, which host noise (other processes on the 2 host cores) affects
# least; VM exits per second per CPU by reason (reading the statistics is
# itself a hypercall per file: ~40 per snapshot, on the reading CPU).
# Figures only: nothing is asserted about them. Ends with the line
# "BENCH-DONE root-overhead".
#
# Run: make bench T=root-overhead
#   (= tests/qemu/run-scenario.sh --bench root-overhead); the variants are
#   the APIC modes: max (xAPIC: every APIC write of Linux exits and is
#   decoded) and max@ir (x2APIC: only ICR/LVT MSR writes exit).
#   The number of rounds is the "# append: bench_rounds=N" below.
#
# timeout: 1200
# smp: 4
# variants: max max@ir
# variant-qemu: ir -device intel-iommu,intremap=on,eim=on
# append: bench_rounds=9
. /harness/lib.sh

cell=/cells/configs/x86/qemu-pc.cell
rounds=${bench_rounds:-9}
ncpus=$(grep -c ^processor /proc/cpuinfo)
cpus=$(seq 0 $((ncpus - 1)))
stats=/sys/devices/bulkhead/cpus
reasons="total cpuid msr xapic npf pio nmi hypercall ipi other"
pin=1   # the CPU the single-job workloads run on
cpu_n=150000
fork_n=200
mmap_n=150
results=$KTAP_DIR/bench.results
exits=$KTAP_DIR/bench.exits

bench() { printf '@@BENCH@@ %s\n' "$*"; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }

# pin_exits: VM exits of CPU $pin so far, "total xapic msr cpuid" (read
# from CPU 0: each file read is a hypercall on the reading CPU).
pin_exits() {
	taskset -c 0 sh -c 'for r in total xapic msr cpuid; do read -r v <$1/vmexits_$r || v=0; printf "%s " $v; done' \
		sh "$stats/cpu$pin"
}

# run STATE WORKLOAD: one timed run; appends "WORKLOAD STATE ROUND SECONDS"
# to $results and, enabled, "WORKLOAD ROUND SECONDS TOTAL XAPIC MSR CPUID"
# (the exits of CPU $pin during the run) to $exits.
run() {
	[ "$1" = enabled ] && _e0=$(pin_exits)
	_out=$(taskset -c $pin /tests/bh_workload "$2" -j 1 -n "$(eval echo \$"$2"_n)" 2>&1 </dev/null)
	_rc=$?
	[ "$1" = enabled ] && _e1=$(pin_exits)
	case $_out in
	*seconds=*) _s=${_out#*seconds=}; _s=${_s%% *} ;;
	*) _s="" ;;
	esac
	if [ $_rc -ne 0 ] || [ -z "$_s" ]; then
		bench "round $round $1 $2: FAILED ($_out)"
		echo 1 >>"$KTAP_DIR/bench.failed"
		return
	fi
	echo "$2 $1 $round $_s" >>"$results"
	if [ "$1" = enabled ]; then
		echo "$2 $round $_s $_e0 $_e1" |
			awk '{ print $1, $2, $3, $8 - $4, $9 - $5, $10 - $6, $11 - $7 }' >>"$exits"
		bench "round $round $1 $2: $_s s, CPU $pin exits $(tail -n 1 "$exits" | cut -d' ' -f4)"
	else
		bench "round $round $1 $2: $_s s"
	fi
}

# cpuid_cost STATE: the best of 5 runs of 20000 CPUIDs on CPU $pin, in
# microseconds per CPUID.
cpuid_cost() {
	set_state "$1"
	for _i in 1 2 3 4 5; do
		taskset -c $pin /tests/bh_workload cpuid -j 1 -n 20000 </dev/null
	done | sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' | sort -n | head -n 1 |
		awk '{ printf "%.2f", $1 / 20000 * 1e6 }'
}

# set_state enabled|disabled: switch the hypervisor unless it is so already.
set_state() {
	_now=disabled
	[ "$(cat /sys/devices/bulkhead/enabled)" = 1 ] && _now=enabled
	if [ "$_now" != "$1" ]; then
		case $1 in
		enabled) _cmd="bulkhead enable $cell" ;;
		disabled) _cmd="bulkhead disable" ;;
		esac
		if ! $_cmd >"$KTAP_DIR/state.out" 2>&1; then
			bench "$_cmd FAILED: $(cat "$KTAP_DIR/state.out")"
			echo 1 >>"$KTAP_DIR/bench.failed"
		fi
	fi
	sleep 1
}

measure() {
	set_state "$1"
	for w in cpu fork mmap; do
		run "$1" $w
	done
}

# snapshot FILE: "CPU REASON COUNT" lines of every CPU.
snapshot() {
	: >"$1"
	for c in $cpus; do
		for r in $reasons; do
			read -r v <"$stats/cpu$c/vmexits_$r" 2>/dev/null || v=0
			echo "$c $r $v" >>"$1"
		done
	done
}

# rates LABEL BEFORE AFTER SECONDS: exits per second per CPU by reason.
rates() {
	awk -v label="$1" -v secs="$4" '
		NR == FNR { before[$1 " " $2] = $3; next }
		{ rate[$1, $2] = ($3 - before[$1 " " $2]) / secs; cpus[$1] = 1 }
		END {
			n = split("total cpuid msr xapic npf pio nmi hypercall ipi other", rs, " ")
			for (c in cpus) {
				line = sprintf("exits/s %s cpu%s:", label, c)
				for (i = 1; i <= n; i++)
					if (rate[c, rs[i]] >= 0.05 || rs[i] == "total")
						line = line sprintf(" %s %.1f", rs[i], rate[c, rs[i]])
				print line
			}
		}' "$2" "$3" | sort
}

ktap_plan 4
ktap_check "insmod bulkhead.ko" insmod /lib/modules/bulkhead.ko
: >"$results"
: >"$exits"
clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null)
bench "root-overhead: $(uname -r), $ncpus CPUs, cpu ${bh_cpu:-?} (variant ${bh_variant:-default}), clocksource $clocksource, $rounds rounds"
bench "workloads on CPU $pin: cpu -n $cpu_n, fork -n $fork_n, mmap -n $mmap_n (bh_workload)"

# --- overhead: interleaved rounds ------------------------------------------------
t0=$(uptime_s)
round=1
while [ $round -le "$rounds" ]; do
	if [ $((round % 2)) -eq 1 ]; then
		measure disabled
		measure enabled
	else
		measure enabled
		measure disabled
	fi
	round=$((round + 1))
done
set_state disabled
t1=$(uptime_s)

awk '
	{ t[$1, $2, $3] = $4; r[$3] = 1 }
	END {
		split("cpu fork mmap", ws, " ")
		for (i = 1; i <= 3; i++) {
			x = ws[i]; n = 0; se = 0; sd = 0; me = 0; md = 0
			for (k in r)
				if ((x, "enabled", k) in t && (x, "disabled", k) in t && t[x, "disabled", k] > 0) {
					e = t[x, "enabled", k]; d = t[x, "disabled", k]
					q[++n] = e / d
					se += e; sd += d
					if (me == 0 || e < me) me = e
					if (md == 0 || d < md) md = d
				}
			if (n == 0) { printf "%s: no complete round\n", x; continue }
			for (a = 1; a <= n; a++) for (b = a + 1; b <= n; b++) if (q[b] < q[a]) { s = q[a]; q[a] = q[b]; q[b] = s }
			med = n % 2 ? q[(n + 1) / 2] : (q[n / 2] + q[n / 2 + 1]) / 2
			printf "%-4s enabled/disabled: median of %d round ratios %.3f (range %.3f-%.3f); best runs %.3f s / %.3f s = %.3f; means %.3f s / %.3f s\n",
				x, n, med, q[1], q[n], me, md, me / md, se / n, sd / n
		}
	}' "$results" | while IFS= read -r line; do bench "$line"; done
# The cost of one VM exit round trip, from CPUID in user mode (natively a
# TCG helper, enabled an intercept), and what the exits during the enabled
# runs cost on CPU $pin at that price.
native_us=$(cpuid_cost disabled)
enabled_us=$(cpuid_cost enabled)
set_state disabled
exit_us=$(awk -v a="$native_us" -v b="$enabled_us" 'BEGIN { printf "%.2f", b - a }')
bench "CPUID on CPU $pin: natively $native_us us, enabled $enabled_us us: one VM exit round trip costs about $exit_us us"
awk -v cost="$exit_us" -v pin=$pin '
	{ s[$1] += $3; e[$1] += $4; x[$1] += $5; m[$1] += $6; c[$1] += $7; n[$1]++ }
	END {
		split("cpu fork mmap", ws, " ")
		for (i = 1; i <= 3; i++) {
			w = ws[i]
			if (!n[w] || s[w] <= 0) continue
			printf "%-4s enabled: CPU %d exits %.0f/s (xapic %.0f, msr %.0f, cpuid %.0f); at %s us each: %.2f %% of the CPU\n",
				w, pin, e[w] / s[w], x[w] / s[w], m[w] / s[w], c[w] / s[w], cost, e[w] / s[w] * cost / 1e4
		}
	}' "$exits" | while IFS= read -r line; do bench "$line"; done
ktap_result "all interleaved runs completed ($(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", b - a }') s)" \
	"$([ -s "$KTAP_DIR/bench.failed" ] && echo 1 || echo 0)"

# --- VM exits per second per CPU -------------------------------------------------
set_state enabled
sleep 1
snapshot "$KTAP_DIR/s0"
a=$(uptime_s)
sleep 10
b=$(uptime_s)
snapshot "$KTAP_DIR/s1"
rates "idle" "$KTAP_DIR/s0" "$KTAP_DIR/s1" "$(awk -v a="$a" -v b="$b" 'BEGIN { print b - a }')" |
	while IFS= read -r line; do bench "$line"; done

# Load on every CPU: a fork/exec + mmap job and a CPU-bound job per CPU.
snapshot "$KTAP_DIR/s2"
a=$(uptime_s)
/tests/bh_workload fork -j "$ncpus" -n 60 >/dev/null 2>&1 &
/tests/bh_workload mmap -j "$ncpus" -n 60 >/dev/null 2>&1 &
/tests/bh_workload cpu -j "$ncpus" -n 30000 >/dev/null 2>&1 &
wait
b=$(uptime_s)
snapshot "$KTAP_DIR/s3"
secs=$(awk -v a="$a" -v b="$b" 'BEGIN { print b - a }')
rates "load" "$KTAP_DIR/s2" "$KTAP_DIR/s3" "$secs" | while IFS= read -r line; do bench "$line"; done
bench "load: fork+exec, mmap and CPU-bound jobs on every CPU for $secs s"
ktap_check "VM exit rates read from sysfs" test -s "$KTAP_DIR/s3"
ktap_check "disable at the end" bulkhead disable
bench "BENCH-DONE root-overhead"
ktap_done
