#!/bin/bash
# Boot one inmate bare in QEMU (multiboot, -kernel) and judge its serial output.
#
#   tests/qemu/bare/run-inmate.sh [options] DEMO [ARGS...]
#
# DEMO is build/inmates/DEMO.bin (or a path to a .bin); ARGS become the boot
# arguments (-append, read by the inmate from the multiboot command line).
# Options:
#   --expect REGEX   a line of the serial output must match this extended
#                    regex (repeatable; every one must match)
#   --reject REGEX   no line may match (repeatable)
#   --timeout S      bound of the QEMU run in seconds (default 60; waiting for
#                    the machine-wide QEMU lock is not counted)
#   --cpu MODEL      -cpu model (default max)
#   --smp N          CPUs (default 1)
#   --mem SIZE       RAM (default 128M)
#   --end REGEX      the inmate is over when a line matches (default
#                    '^inmate: (exit|halted)')
#   --expect-reset   QEMU must end by itself (a guest reset or shutdown with
#                    -no-reboot, e.g. a triple fault) before the timeout,
#                    without the end marker
#   --log DIR        keep serial.log, qemu.cmd, qemu.stderr here (default
#                    build/inmates/logs/DEMO)
#   --quiet          print only the verdict line
#
# The run ends as soon as the end marker appears, or every --expect has
# matched (0.5 s later, so that trailing output is judged too), or QEMU ends,
# or the timeout kills it. Verdict: PASS iff every --expect matched, no
# --reject matched, the run did not time out, and --expect-reset held.
# Output: "PASS: ..." or "FAIL: reason; ...", then (unless --quiet) "# "
# diagnostic lines: the command, and on failure the last serial lines.
#
# Environment: BH_INMATES (directory of the .bin files, default
# build/inmates), BH_QEMU (default qemu-system-x86_64), BH_QEMU_LOCK (default
# /tmp/bulkhead-qemu.lock, "none" disables), BH_TIMEOUT_FACTOR (integer).
# Exit status: 0 pass, 1 fail, 2 usage error.
set -euo pipefail
# Braces: bash reads the whole script before running it, so editing the file
# (or a git checkout) while a long run is under way cannot break that run.
{

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../../.." && pwd)

usage() {
	sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}

expects=() rejects=() timeout_s=60 cpu=max smp=1 mem=128M end_re='^inmate: (exit|halted)'
expect_reset=0 logdir="" quiet=0 positional=()
while [[ $# -gt 0 ]]; do
	case $1 in
	--expect) expects+=("$2"); shift 2 ;;
	--reject) rejects+=("$2"); shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--cpu) cpu=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--end) end_re=$2; shift 2 ;;
	--expect-reset) expect_reset=1; shift ;;
	--log) logdir=$2; shift 2 ;;
	--quiet) quiet=1; shift ;;
	-h | --help) usage ;;
	--) shift; positional+=("$@"); break ;;
	-*) echo "$0: unknown option $1" >&2; exit 2 ;;
	*) positional+=("$1"); shift ;;
	esac
done
[[ ${#positional[@]} -ge 1 ]] || usage
[[ $timeout_s =~ ^[0-9]+$ ]] || { echo "$0: bad --timeout '$timeout_s'" >&2; exit 2; }
timeout_s=$((timeout_s * ${BH_TIMEOUT_FACTOR:-1}))

demo=${positional[0]}
args="${positional[*]:1}"
if [[ $demo == */* || $demo == *.bin ]]; then
	bin=$demo
else
	bin=${BH_INMATES:-$src/build/inmates}/$demo.bin
fi
name=$(basename "$bin" .bin)
[[ -f $bin ]] || { echo "FAIL: no inmate image $bin (make inmates)"; exit 1; }
logdir=${logdir:-$src/build/inmates/logs/$name}
mkdir -p "$logdir"
log=$logdir/serial.log
rm -f "$log" "$logdir/qemu.stderr"
: >"$log"

qemu=${BH_QEMU:-qemu-system-x86_64}
lock=${BH_QEMU_LOCK:-/tmp/bulkhead-qemu.lock}
cmd=("$qemu" -accel tcg -machine q35 -cpu "$cpu" -smp "$smp" -m "$mem"
	-nodefaults -nographic -no-reboot -nic none
	-chardev "file,id=con,path=${log//,/,,}" -serial chardev:con
	-kernel "$bin" -append "$args")
printf '%q ' timeout --kill-after=5 "$timeout_s" "${cmd[@]}" >"$logdir/qemu.cmd"
echo >>"$logdir/qemu.cmd"

# Lines of the serial log without CRs and terminal escapes (SeaBIOS clears
# the screen). Matching is per line; the inmate starts its first line on a
# fresh line.
clean_log() { tr -d '\r' <"$log" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1bc//g'; }
matches() { clean_log | grep -Eq -- "$1"; }
all_expected() {
	local re
	for re in "${expects[@]}"; do matches "$re" || return 1; done
	return 0
}

if [[ $lock != none ]]; then
	exec {lockfd}>>"$lock"
	if ! flock -n "$lockfd"; then
		((quiet)) || echo "# waiting for another QEMU run ($lock: $(cat "$lock.owner" 2>/dev/null || echo '?'))"
		flock "$lockfd"
	fi
	echo "pid $$ bare inmate $name since $(date +%T), timeout ${timeout_s}s" >"$lock.owner" 2>/dev/null || true
fi

t0=$(date +%s.%N)
timeout --kill-after=5 "$timeout_s" "${cmd[@]}" </dev/null >"$logdir/qemu.stderr" 2>&1 &
qpid=$!
how="" rc=0
while :; do
	if ! kill -0 "$qpid" 2>/dev/null; then
		wait "$qpid" || rc=$?
		if [[ $rc -eq 124 || $rc -eq 137 ]]; then how=timeout; else how=exited; fi
		break
	fi
	if ((expect_reset == 0)) && { matches "$end_re" || all_expected; }; then
		sleep 0.5
		how=stopped
		kill "$qpid" 2>/dev/null || true
		wait "$qpid" 2>/dev/null || true
		break
	fi
	if ((expect_reset)) && matches "$end_re"; then
		sleep 0.2
		how=stopped
		kill "$qpid" 2>/dev/null || true
		wait "$qpid" 2>/dev/null || true
		break
	fi
	sleep 0.1
done
[[ $lock != none ]] && exec {lockfd}>&-
wall=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')

why=()
case $how in
timeout) why+=("timeout after ${timeout_s}s") ;;
exited)
	if ((expect_reset == 0)); then
		why+=("QEMU ended (status $rc) before the inmate finished")
	elif [[ $rc -ne 0 ]]; then
		why+=("QEMU exited with status $rc: $(tail -n 1 "$logdir/qemu.stderr" 2>/dev/null)")
	fi ;;
stopped)
	((expect_reset)) && why+=("the inmate ended normally, no reset") ;;
esac
for re in "${expects[@]}"; do
	matches "$re" || why+=("no line matches /$re/")
done
for re in "${rejects[@]}"; do
	if matches "$re"; then why+=("line matches rejected /$re/: $(clean_log | grep -Em1 -- "$re")"); fi
done

ended=$([[ $how == exited ]] && echo "QEMU ended by itself" || echo "$how")
if [[ ${#why[@]} -eq 0 ]]; then
	echo "PASS: $name ${args:+\"$args\" }($cpu, smp $smp): ${#expects[@]} expected lines seen, $ended, ${wall}s"
	status=0
else
	reason=$(printf '%s; ' "${why[@]}")
	echo "FAIL: $name ${args:+\"$args\" }($cpu, smp $smp): ${reason%; }"
	status=1
fi
if ((!quiet)); then
	echo "# log: ${logdir#"$src"/}/serial.log; command: ${logdir#"$src"/}/qemu.cmd"
	if ((status)); then
		clean_log | grep -v '^$' | tail -n 15 | sed 's/^/# | /'
		if [[ -s $logdir/qemu.stderr ]]; then tail -n 3 "$logdir/qemu.stderr" | sed 's/^/# qemu: /'; fi
	fi
fi
exit "$status"
}
