#!/bin/bash
# The inmates booted bare in QEMU (multiboot, TCG), reported as KTAP.
#
#   tests/qemu/bare/tests.sh [options] [FILTER]
#
# Every test boots one inmate from build/inmates with tests/qemu/bare/run-inmate.sh
# and passes on the explicit markers the inmate prints (each run bounded by
# its timeout). CPU models: "max" (the x2apic flag is there, but the firmware
# leaves the APIC in xAPIC mode; apic=x2apic makes the inmate switch) and
# "max,-x2apic". FILTER (an extended regex) runs only the tests whose
# description matches it.
# Options (as tests/qemu/run-scenario.sh, so that scripts/check.sh nests it):
#   --num N        number of this group's result line (default 1)
#   --indent STR   prefix of every output line
#   --no-header    no "KTAP version 1"/"1..1" and no final "P passed, F failed"
#   --result FILE  write "passed=P failed=F skipped=S" (leaf counts) to FILE
#   --list         print the test descriptions and exit
# Environment: as run-inmate.sh (BH_INMATES, BH_QEMU, BH_QEMU_LOCK,
# BH_TIMEOUT_FACTOR). Logs: build/inmates/logs/T<n>/.
# Exit status: 0 if every test passed (skips pass), 1 otherwise.
set -euo pipefail
# Braces: bash reads the whole script before running it, so editing the file
# (or a git checkout) while a long run is under way cannot break that run.
{

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../../.." && pwd)
runner=$here/run-inmate.sh

num=1 indent="" header=1 result_file="" list=0 filter=""
while [[ $# -gt 0 ]]; do
	case $1 in
	--num) num=$2; shift 2 ;;
	--indent) indent=$2; shift 2 ;;
	--no-header) header=0; shift ;;
	--result) result_file=$2; shift 2 ;;
	--list) list=1; shift ;;
	-h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "$0: unknown option $1" >&2; exit 2 ;;
	*) filter=$1; shift ;;
	esac
done

# --- the tests ---------------------------------------------------------------
descs=() argvs=()
add() { # DESCRIPTION RUNNER-ARGS...
	local d=$1
	shift
	[[ -n $filter && ! $d =~ $filter ]] && return 0
	descs+=("$d")
	argvs+=("$(printf '%q ' "$@")")
}
# Every run: the library booted through multiboot, and no exception or panic
# unless the test provokes one.
booted=(--expect '^inmate: booted bare \(multiboot\)')
clean=(--reject '^inmate: (EXCEPTION|PANIC)' --reject 'unexpected interrupt')
exit0=(--expect '^inmate: exit 0$')

beats=(--expect '^hello: Hello from bare metal' --expect '^hello: heartbeat 1/3 at '
	--expect '^hello: heartbeat 2/3 at ' --expect '^hello: heartbeat 3/3 at ' --expect '^hello: done$')
add "hello: greeting, boot arguments, 3 heartbeats, done (max)" \
	--cpu max --timeout 60 "${booted[@]}" "${clean[@]}" "${exit0[@]}" "${beats[@]}" \
	--expect '^hello: boot arguments "beats=3 x=y"$' --expect '^inmate: console COM1 0x3f8, APIC xapic ' \
	hello beats=3 x=y
add "hello: 3 heartbeats; apic=x2apic refused without x2APIC (max,-x2apic)" \
	--cpu max,-x2apic --timeout 60 "${booted[@]}" "${clean[@]}" "${exit0[@]}" "${beats[@]}" \
	--expect '^inmate: apic=x2apic: this CPU has no x2APIC, staying in xapic$' \
	hello beats=3 apic=x2apic
add "hello: 3 other CPUs enter through the 16-bit cell reset entry, xAPIC ICR (max, smp 4)" \
	--cpu max --smp 4 --timeout 60 "${booted[@]}" "${clean[@]}" "${exit0[@]}" \
	--expect '^hello: smp-selftest: 4 CPUs started through the 16-bit cell entry path$' \
	--expect '^hello: CPU 3: APIC id [0-9]+ \(parked\)$' \
	hello beats=1 smp-selftest
add "hello: 3 other CPUs enter through the 16-bit cell reset entry, x2APIC ICR (max, smp 4)" \
	--cpu max --smp 4 --timeout 60 "${booted[@]}" "${clean[@]}" "${exit0[@]}" \
	--expect '^inmate: console COM1 0x3f8, APIC x2apic ' \
	--expect '^hello: smp-selftest: 4 CPUs started through the 16-bit cell entry path$' \
	hello beats=1 smp-selftest apic=x2apic

summary='^apic-timer: round 1: ticks 1000 missed [0-9]+ min_ns [0-9]+ avg_ns [0-9]+ max_ns [0-9]+ p50_ns [0-9]+ p99_ns [0-9]+ p999_ns [0-9]+ unmeasured [0-9]+$'
timer=(--expect "$summary" --expect '^apic-timer: round 1 latency histogram \([0-9]+ ticks, '
	--expect '^apic-timer:  +[0-9.]+ \.\. +[0-9.]+ us +[0-9]+ #+$'
	--expect '^apic-timer: round 1 latency min [0-9.]+ us, avg [0-9.]+ us, max [0-9.]+ us, median [0-9.]+ us, 99% [0-9.]+ us$'
	--expect '^apic-timer: done$')
add "apic-timer: 1000 periodic ticks at 1 kHz, histogram, max latency; xAPIC as the firmware left it (max)" \
	--cpu max --timeout 90 "${booted[@]}" "${clean[@]}" "${exit0[@]}" "${timer[@]}" \
	--expect '^apic-timer: periodic LAPIC timer \(xapic\), 1000 Hz' \
	apic-timer ticks=1000
add "apic-timer: 1000 periodic ticks, xAPIC (max,-x2apic)" \
	--cpu max,-x2apic --timeout 90 "${booted[@]}" "${clean[@]}" "${exit0[@]}" "${timer[@]}" \
	--expect '^apic-timer: periodic LAPIC timer \(xapic\), 1000 Hz' \
	apic-timer ticks=1000
add "apic-timer: 1000 periodic ticks, x2APIC enabled by the inmate (max)" \
	--cpu max --timeout 90 "${booted[@]}" "${clean[@]}" "${exit0[@]}" "${timer[@]}" \
	--expect '^apic-timer: periodic LAPIC timer \(x2apic\), 1000 Hz' \
	apic-timer ticks=1000 apic=x2apic
add "apic-timer: 1000 one-shot ticks, x2APIC (max)" \
	--cpu max --timeout 90 "${booted[@]}" "${clean[@]}" "${exit0[@]}" "${timer[@]}" \
	--expect '^apic-timer: one-shot LAPIC timer \(x2apic\), 1000 Hz' \
	apic-timer ticks=1000 mode=oneshot apic=x2apic
add "apic-timer: 1000 one-shot ticks, xAPIC (max,-x2apic)" \
	--cpu max,-x2apic --timeout 90 "${booted[@]}" "${clean[@]}" "${exit0[@]}" "${timer[@]}" \
	--expect '^apic-timer: one-shot LAPIC timer \(xapic\), 1000 Hz' \
	apic-timer ticks=1000 mode=oneshot
add "apic-timer: TSC-deadline mode, or its absence reported (max)" \
	--cpu max --timeout 90 "${booted[@]}" "${clean[@]}" \
	--expect "^apic-timer: (round 1: ticks 1000 |this CPU has no TSC-deadline timer)" \
	apic-timer ticks=1000 mode=deadline

probe=("${booted[@]}" --reject '^inmate: PANIC')
for a in write-outside read-hypervisor pio msr; do
	add "isolation-probe: $a announces itself (max)" --cpu max --timeout 60 "${probe[@]}" \
		--expect "^probe: about to $a\$" isolation-probe $a
done
# Bare, every APIC id but our own is nobody: an INIT to id 0 would reset this
# very CPU (and end QEMU under -no-reboot at a moment that races the harness).
add "isolation-probe: ipi announces itself (max)" --cpu max --timeout 60 "${probe[@]}" \
	--expect '^probe: about to ipi$' isolation-probe ipi dest=7
add "isolation-probe: ipi in x2APIC mode announces itself (max)" --cpu max --timeout 60 "${probe[@]}" \
	--expect '^inmate: console COM1 0x3f8, APIC x2apic ' --expect '^probe: about to ipi$' \
	isolation-probe ipi apic=x2apic dest=7
add "isolation-probe: triple-fault announces itself and resets the machine (max)" \
	--cpu max --timeout 60 "${probe[@]}" --expect '^probe: about to triple-fault$' --expect-reset \
	--reject 'triple-fault was NOT stopped' isolation-probe triple-fault
add "isolation-probe: page-fault is reported with vector, error code, RIP, CR2 (max,-x2apic)" \
	--cpu max,-x2apic --timeout 60 "${probe[@]}" --expect '^probe: about to page-fault$' \
	--expect '^inmate: EXCEPTION vector 14 \(#PF page fault\) error 0x[0-9a-f]+ at RIP 0x[0-9a-f]+ on APIC 0$' \
	--expect '^inmate:   CS 0x18 .* CR2 0x100000000 ' --expect '^inmate: halted$' \
	--reject 'page-fault was NOT stopped' isolation-probe page-fault
add "isolation-probe: an unknown action prints the usage and exits 2 (max)" \
	--cpu max --timeout 60 "${probe[@]}" "${clean[@]}" --expect '^probe: usage: .* write-outside ' \
	--expect '^inmate: exit 2$' isolation-probe no-such-action

if ((list)); then
	printf '%s\n' "${descs[@]}"
	exit 0
fi

# --- run ---------------------------------------------------------------------
emit() { printf '%s%s\n' "$indent" "$*"; }
((header)) && { emit "KTAP version 1"; emit "1..1"; }
emit "    KTAP version 1"
emit "    # Subtest: bare-inmates"
emit "    1..${#descs[@]}"
passed=0 failed=0 skipped=0
for i in "${!descs[@]}"; do
	n=$((i + 1))
	desc=${descs[i]//#/_}
	logdir=$src/build/inmates/logs/T$n
	eval "set -- ${argvs[i]}"
	out=$("$runner" --log "$logdir" "$@" 2>&1) && rc=0 || rc=$?
	verdict=$(grep -E '^(PASS|FAIL): ' <<<"$out" | tail -n 1 || true)
	if ((rc == 0)) && grep -q 'this CPU has no TSC-deadline timer' "$logdir/serial.log" 2>/dev/null; then
		emit "    ok $n $desc # SKIP the emulated CPU has no TSC-deadline timer"
		skipped=$((skipped + 1))
	elif ((rc == 0)); then
		emit "    ok $n $desc"
		emit "    # ${verdict#PASS: }"
		passed=$((passed + 1))
	else
		emit "    not ok $n $desc"
		while IFS= read -r l; do
			[[ -n $l ]] && emit "    # ${l#\# }"
		done <<<"$out"
		failed=$((failed + 1))
	fi
done
status=0
((failed)) && status=1
emit "$( ((status == 0)) && echo ok || echo not ok) $num bare-inmates"
[[ -n $result_file ]] && echo "passed=$passed failed=$failed skipped=$skipped" >"$result_file"
if ((header)); then
	((skipped)) && emit "# $skipped skipped (counted as passed)"
	emit "$((passed + skipped)) passed, $failed failed"
fi
exit "$status"
}
