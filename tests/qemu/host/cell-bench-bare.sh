#!/bin/bash
# Host side of the cell benchmark (tests/qemu/bench/cell.sh):
#
#   tests/qemu/host/cell-bench-bare.sh LOGDIR
#
# Boots the apic-timer inmate the benchmark ran in a cell (same image, same
# arguments, as read from LOGDIR/bench.txt) bare in the same emulator:
# tests/qemu/bare/run-inmate.sh with the variant's -cpu, 4 CPUs and 1 GiB like
# the virtual PC, plus apic=x2apic when the cell ran in x2APIC mode. Then
# compares the two latency distributions (all rounds together: min, average,
# max, the histogram buckets holding the median and the 99th percentile) and
# appends the bare figures and the ratios cell/bare to LOGDIR/bench.txt (the
# runner shows them with the benchmark's figures). Prints KTAP results: the
# bare run passed, both distributions were read. Figures only: the ratio is
# not asserted (target: average <= 1.5x).
#
# Alone, after a `make bench T=cell` run:
#   BH_VARIANT=max tests/qemu/host/cell-bench-bare.sh build/qemu/bench/cell/max
# Environment: BH_VARIANT (max, max@ir; from the runner), BH_PAYLOAD (where
# inmates/apic-timer.bin is; default build/qemu/payload).
set -uo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
dir=${1:?usage: $0 LOGDIR}
variant=${BH_VARIANT:-max}
cpu=${variant%@*}
[[ $cpu == default ]] && cpu=max
bin=${BH_PAYLOAD:-$src/build/qemu/payload}/inmates/apic-timer.bin
figures=$dir/bench.txt
n=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
notok() { n=$((n + 1)); echo "not ok $n $1"; shift; for d in "$@"; do echo "# $d"; done; }
fig() { echo "$*" >>"$figures"; echo "# $*"; }

head=$(grep -m1 '^cell apic-timer hz=' "$figures" 2>/dev/null)
args=$(sed -n 's/^cell apic-timer \(hz=[^(]*[^( ]\) *(.*/\1/p' <<<"$head")
mode=$(sed -n 's/^cell apic-timer .*(\([a-z0-9]*\)):$/\1/p' <<<"$head")
if [[ -z $args || -z $mode ]]; then
	notok "the cell's apic-timer figures are in bench.txt" "no line 'cell apic-timer hz=... (MODE):' in $figures"
	exit 1
fi
bare_args=$args
[[ $mode == x2apic ]] && bare_args+=" apic=x2apic"

load=$(cut -d' ' -f1-3 /proc/loadavg)
out=$("$src/tests/qemu/bare/run-inmate.sh" --cpu "$cpu" --smp 4 --mem 1G --timeout 180 --log "$dir/bare" \
	--expect '^apic-timer: done' --expect "LAPIC timer \\($mode\\)" "$bin" $bare_args 2>&1)
rc=$?
if ((rc != 0)); then
	notok "apic-timer ran bare ($cpu, $bare_args)" "$(head -n 1 <<<"$out")"
	sed 's/^/# /' <<<"$out" | tail -n 15
	exit 1
fi
ok "apic-timer ran bare: $(grep -m1 '^PASS' <<<"$out")"

# The bare inmate's lines, in the cell figures' form.
tr -d '\r' <"$dir/bare/serial.log" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1bc//g' |
	grep -E '^apic-timer: (round [0-9]+: ticks| +[0-9.]+ \.\.)' | sed 's/^apic-timer: /bare apic-timer: /' >"$dir/bare/figures.txt"
fig "bare apic-timer $bare_args ($mode; run-inmate.sh --cpu $cpu --smp 4 --mem 1G; host load average before: $load):"
while IFS= read -r line; do fig "$line"; done <"$dir/bare/figures.txt"

# Both distributions, all rounds together; buckets are keyed by their lower
# bound (us).
summary=$(cat "$figures" | awk '
	/^(cell|bare) apic-timer: round [0-9]+: ticks/ {
		s = $1
		t = ms = mn = av = mx = p50 = p99 = ""
		for (i = 1; i <= NF; i++) {
			if ($i == "p50_ns") p50 = $(i + 1)
			if ($i == "p99_ns") p99 = $(i + 1)
			if ($i == "ticks") t = $(i + 1)
			if ($i == "missed") ms = $(i + 1)
			if ($i == "min_ns") mn = $(i + 1)
			if ($i == "avg_ns") av = $(i + 1)
			if ($i == "max_ns") mx = $(i + 1)
		}
		if (av == "") next  # a round without a measured latency
		ticks[s] += t; missed[s] += ms; sum[s] += av * t
		if (!(s in min) || mn + 0 < min[s]) min[s] = mn + 0
		if (mx + 0 > max[s]) max[s] = mx + 0
		# the inmate'"'"'s exact per-round percentiles, when it prints them
		if (p50 != "") {
			if (!(s in p50lo) || p50 + 0 < p50lo[s]) p50lo[s] = p50 + 0
			if (p50 + 0 > p50hi[s]) p50hi[s] = p50 + 0
			if (!(s in p99lo) || p99 + 0 < p99lo[s]) p99lo[s] = p99 + 0
			if (p99 + 0 > p99hi[s]) p99hi[s] = p99 + 0
		}
		next
	}
	/^(cell|bare) apic-timer: +[0-9.]+ \.\./ {
		s = $1; lo = $3; hi = $5; c = $7
		if (hi == "max") { c = $7 }
		key = s SUBSEP lo
		if (!(key in count)) { nb[s]++; lows[s, nb[s]] = lo; high[key] = hi }
		count[key] += c
		next
	}
	# The p-quantile (us), interpolated linearly inside its histogram bucket
	# (the open last bucket ends at the maximum).
	function pct(s, p,   i, j, k, tmp, acc, tot, lo, hi, c) {
		for (i = 1; i <= nb[s]; i++) order[i] = lows[s, i] + 0
		for (i = 1; i <= nb[s]; i++) for (j = i + 1; j <= nb[s]; j++) if (order[j] < order[i]) { tmp = order[i]; order[i] = order[j]; order[j] = tmp }
		tot = 0
		for (i = 1; i <= nb[s]; i++) tot += count[s, sprintf("%.1f", order[i])]
		acc = 0
		for (i = 1; i <= nb[s]; i++) {
			k = sprintf("%.1f", order[i])
			c = count[s, k]
			if (acc + c >= p * tot) {
				lo = order[i]
				hi = high[s, k] == "max" ? max[s] / 1000 : high[s, k] + 0
				if (lo < min[s] / 1000) lo = min[s] / 1000
				if (hi > max[s] / 1000) hi = max[s] / 1000
				return lo + (hi - lo) * (p * tot - acc) / c
			}
			acc += c
		}
		return 0
	}
	END {
		if (!ticks["cell"] || !ticks["bare"]) { print "MISSING"; exit }
		for (s in ticks) avg[s] = sum[s] / ticks[s]
		printf "latency, all rounds: cell %d ticks (%d missed), bare %d ticks (%d missed)\n", ticks["cell"], missed["cell"], ticks["bare"], missed["bare"]
		printf "latency min us: cell %.3f, bare %.3f, ratio %.2f\n", min["cell"] / 1000, min["bare"] / 1000, min["bare"] ? min["cell"] / min["bare"] : 0
		printf "latency avg us: cell %.3f, bare %.3f, ratio %.2f (target <= 1.5)\n", avg["cell"] / 1000, avg["bare"] / 1000, avg["cell"] / avg["bare"]
		printf "latency max us: cell %.3f, bare %.3f, ratio %.2f\n", max["cell"] / 1000, max["bare"] / 1000, max["cell"] / max["bare"]
		c50 = pct("cell", 0.5); b50 = pct("bare", 0.5); c99 = pct("cell", 0.99); b99 = pct("bare", 0.99)
		printf "latency median us (interpolated in its histogram bucket): cell %.1f, bare %.1f, ratio %.2f\n", c50, b50, b50 ? c50 / b50 : 0
		printf "latency 99th percentile us (likewise): cell %.0f, bare %.0f, ratio %.2f\n", c99, b99, b99 ? c99 / b99 : 0
		if (("cell" in p50lo) && ("bare" in p50lo))
			printf "per-round medians us (exact, from the inmate): cell %.1f-%.1f, bare %.1f-%.1f; per-round 99th percentiles us: cell %.0f-%.0f, bare %.0f-%.0f\n", p50lo["cell"] / 1000, p50hi["cell"] / 1000, p50lo["bare"] / 1000, p50hi["bare"] / 1000, p99lo["cell"] / 1000, p99hi["cell"] / 1000, p99lo["bare"] / 1000, p99hi["bare"] / 1000
	}')
if [[ $summary == MISSING || -z $summary ]]; then
	notok "both latency distributions read" "cell or bare round lines missing (see $figures)"
	exit 1
fi
while IFS= read -r line; do fig "$line"; done <<<"$summary"
ok "both latency distributions read: $(grep '^latency avg' <<<"$summary"); $(grep '^latency median' <<<"$summary" | sed 's/ (interpolated[^)]*)//')"
