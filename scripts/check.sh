#!/bin/bash
# The body of `make check`: host unit tests, the QEMU harness self-test, the
# inmates booted bare and every QEMU scenario, reported as one KTAP document.
#
#   scripts/check.sh [options] [SCENARIO...]
#
# SCENARIO names are tests/qemu/scenarios/NAME.sh (default: all of them, in
# name order). Options:
#   --ctest DIR       ctest build dir for the unit tests (default build/host);
#                     repeatable; --ctest none skips ctest
#   --gtest BIN       also run this GoogleTest binary directly (repeatable)
#   --no-unit         no unit tests at all
#   --no-selftest     skip the harness self-test
#   --quick-selftest  self-test without its QEMU boots (canned logs only)
#   --no-bare         skip the bare inmate boots (tests/qemu/bare/tests.sh)
#   --no-qemu         no QEMU scenarios (and no bare inmate boots)
# Environment: CHECK_SCENARIOS (space separated, instead of arguments), and
# everything run-scenario.sh and ktap.sh read (BH_PAYLOAD, BH_KERNEL,
# BH_TIMEOUT_FACTOR, BH_CTEST_JOBS, ...).
#
# Output: KTAP version 1, "1..N" (N groups), one nested subtest per group,
# then a final line exactly "P passed, F failed" counting leaf results (each
# ctest test, each self-test case, each bare inmate test, each scenario result
# including the harness verdict of every run). A copy goes to build/check/report.ktap.
# Exit status: 0 iff nothing failed.
set -euo pipefail
# Braces: bash reads the whole script before running it, so editing the file
# (or a git checkout) while a long run is under way cannot break that run.
{

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
qemu_dir=$src/tests/qemu

ctest_dirs=() gtests=() unit=1 selftest=1 selftest_args=() qemu=1 bare=1 scenarios=()
ctest_default=1
while [[ $# -gt 0 ]]; do
	case $1 in
	--ctest) ctest_default=0; [[ $2 == none ]] || ctest_dirs+=("$2"); shift 2 ;;
	--gtest) gtests+=("$2"); shift 2 ;;
	--no-unit) unit=0; shift ;;
	--no-selftest) selftest=0; shift ;;
	--quick-selftest) selftest_args+=(--quick); shift ;;
	--no-bare) bare=0; shift ;;
	--no-qemu) qemu=0; shift ;;
	-h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "$0: unknown option $1" >&2; exit 2 ;;
	*) scenarios+=("$1"); shift ;;
	esac
done
((ctest_default)) && ctest_dirs=("$src/build/host")
if [[ ${#scenarios[@]} -eq 0 && -n ${CHECK_SCENARIOS:-} ]]; then
	read -r -a scenarios <<<"$CHECK_SCENARIOS"
fi
if [[ ${#scenarios[@]} -eq 0 ]]; then
	for f in "$qemu_dir"/scenarios/*.sh; do
		[[ -e $f ]] && scenarios+=("$(basename "$f" .sh)")
	done
fi

# Each group is a command that accepts --num/--indent/--no-header/--result.
groups=()
if ((unit)); then
	for d in "${ctest_dirs[@]}"; do groups+=("$src/scripts/ktap.sh ctest $d"); done
	for b in "${gtests[@]}"; do groups+=("$src/scripts/ktap.sh gtest $b"); done
fi
((selftest)) && groups+=("$qemu_dir/selftest.sh ${selftest_args[*]}")
if ((qemu)); then
	# Inmates bare in QEMU (build/inmates/*.bin): seconds each, before the
	# virtual PC scenarios.
	((bare)) && groups+=("$qemu_dir/bare/tests.sh")
	for s in "${scenarios[@]}"; do groups+=("$qemu_dir/run-scenario.sh $s"); done
fi

report_dir=$src/build/check
mkdir -p "$report_dir"
report=$report_dir/report.ktap
exec > >(tee "$report")
tee_pid=$!

echo "KTAP version 1"
echo "1..${#groups[@]}"
passed=0 failed=0 skipped=0 status=0 k=0
t_start=$(date +%s)
for g in "${groups[@]}"; do
	k=$((k + 1))
	read -r -a cmd <<<"$g"
	res=$report_dir/result.$k
	rm -f "$res"
	t0=$(date +%s)
	rc=0
	"${cmd[@]}" --num "$k" --no-header --result "$res" || rc=$?
	if [[ -f $res ]]; then
		# shellcheck disable=SC1090 # passed=P failed=F skipped=S
		eval "$(grep -E '^passed=[0-9]+ failed=[0-9]+ skipped=[0-9]+$' "$res" | sed 's/\([a-z]*\)=/g_\1=/g')"
	else
		g_passed=0 g_failed=1 g_skipped=0
		echo "not ok $k ${cmd[0]##*/}: exited $rc without a result"
	fi
	((rc != 0 && g_failed == 0)) && g_failed=1
	((rc != 0)) && status=1
	passed=$((passed + g_passed)) failed=$((failed + g_failed)) skipped=$((skipped + g_skipped))
	echo "# ${cmd[*]##*/}: $((g_passed + g_skipped)) passed, $g_failed failed, $(($(date +%s) - t0)) s"
done
((failed)) && status=1
echo "# check took $(($(date +%s) - t_start)) s; report in ${report#"$src"/}"
((skipped)) && echo "# $skipped skipped (counted as passed)"
echo "$((passed + skipped)) passed, $failed failed"
exec >&-
wait "$tee_pid" 2>/dev/null || true
exit "$status"
}
