#!/bin/bash
# Turn host unit-test runs into KTAP.
#
#   scripts/ktap.sh ctest DIR [options]   run `ctest --test-dir DIR`; one result per ctest test
#   scripts/ktap.sh gtest BIN [options]   run a GoogleTest binary; one result per test case
#
# Options (as in tests/qemu/run-scenario.sh, so scripts/check.sh can nest them):
#   --name NAME    name of the group (default: unit for ctest, the binary's name for gtest)
#   --num N        number of the group's result line (default 1)
#   --indent STR   prefix of every output line
#   --no-header    no "KTAP version 1"/"1..1" and no final "P passed, F failed" line
#   --result FILE  write "passed=P failed=F skipped=S" (leaf counts) to FILE
#
# Environment: BH_CTEST_JOBS (default nproc), BH_CTEST_TIMEOUT (per test,
# default 600 s), BH_CTEST_ARGS (extra ctest arguments, e.g. "-L fast").
# Full logs: DIR/Testing/Temporary/LastTest.log for ctest,
# build/check/<binary>.gtest.log for gtest.
# Exit status: 0 if everything passed (skips pass), 1 otherwise, 2 on usage errors.
set -euo pipefail
# Braces: bash reads the whole script before running it, so editing the file
# (or a git checkout) while a long run is under way cannot break that run.
{

usage() {
	sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}
[[ $# -ge 2 ]] || usage
mode=$1 target=$2
shift 2
name="" num=1 indent="" header=1 result_file=""
while [[ $# -gt 0 ]]; do
	case $1 in
	--name) name=$2; shift 2 ;;
	--num) num=$2; shift 2 ;;
	--indent) indent=$2; shift 2 ;;
	--no-header) header=0; shift ;;
	--result) result_file=$2; shift 2 ;;
	*) usage ;;
	esac
done

emit() { printf '%s%s\n' "$indent" "$*"; }
passed=0 failed=0 skipped=0
# results: "status<TAB>name" lines (status ok|not ok|skip); diags: per index
res_status=() res_name=() res_diag=()
group_error=""

add_result() { # STATUS NAME [DIAG [INDEX]]
	local i=${4:-${#res_status[@]}}
	res_status[i]=$1
	res_name[i]=$2
	res_diag[i]=${3:-}
}

run_ctest() {
	local dir=$1 out rc=0 line
	if [[ ! -f $dir/CTestTestfile.cmake ]]; then
		group_error="no CTestTestfile.cmake in $dir (is the host build configured? make host)"
		return
	fi
	out=$(mktemp)
	# shellcheck disable=SC2086 # BH_CTEST_ARGS is a list of arguments
	ctest --test-dir "$dir" -j"${BH_CTEST_JOBS:-$(nproc)}" --timeout "${BH_CTEST_TIMEOUT:-600}" \
		--no-tests=ignore ${BH_CTEST_ARGS:-} >"$out" 2>&1 || rc=$?
	local lastlog=$dir/Testing/Temporary/LastTest.log
	local re='^ *[0-9]+/[0-9]+ +Test +#([0-9]+): (.+) \.+ *(\*\*\*)?([A-Za-z][^*]*[^ ]) +[0-9.]+ sec$'
	local tname st idx
	while IFS= read -r line; do
		[[ $line =~ $re ]] || continue
		# Indexed by ctest's test number: results in a stable order.
		idx=${BASH_REMATCH[1]} tname=${BASH_REMATCH[2]} st=${BASH_REMATCH[4]}
		case $st in
		Passed) add_result ok "$tname" "" "$idx" ;;
		Skipped* | *Disabled*) add_result skip "$tname" "" "$idx" ;;
		*)
			local d="ctest: $st"
			if [[ -f $lastlog ]]; then
				d+=$'\n'$(awk -v t="$tname" '
					$0 ~ /^[0-9]+\/[0-9]+ Test: / { sub(/^[0-9]+\/[0-9]+ Test: /, ""); cur = ($0 == t); next }
					cur && /^Output:/ { grab = 1; getline; next }
					cur && /^<end of output>/ { grab = 0; cur = 0 }
					grab { print }' "$lastlog" | tail -n 40)
			fi
			add_result "not ok" "$tname" "$d" "$idx" ;;
		esac
	done <"$out"
	if [[ ${#res_status[@]} -eq 0 ]]; then
		if [[ $rc -ne 0 ]]; then
			group_error="ctest exited $rc without running tests: $(tail -n 3 "$out" | tr '\n' ' ')"
		fi
	elif [[ $rc -ne 0 ]]; then
		local i any=0
		for i in "${!res_status[@]}"; do [[ ${res_status[i]} == "not ok" ]] && any=1; done
		((any)) || add_result "not ok" "ctest exit status" "ctest exited $rc although every test passed" 100000
	fi
	rm -f "$out"
}

run_gtest() {
	local bin=$1 log rc=0 line cur="" buf=""
	if [[ ! -x $bin ]]; then
		group_error="no executable $bin"
		return
	fi
	log=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/check/$(basename "$bin").gtest.log
	mkdir -p "$(dirname "$log")"
	"$bin" --gtest_color=no >"$log" 2>&1 || rc=$?
	local re_end='^\[ +(OK|FAILED|SKIPPED) +\] ([^ ]+) \([0-9]+ ms\)'
	while IFS= read -r line; do
		if [[ $line =~ ^\[\ RUN\ +\]\ (.+)$ ]]; then
			cur=${BASH_REMATCH[1]} buf=""
		elif [[ $line =~ $re_end ]]; then
			case ${BASH_REMATCH[1]} in
			OK) add_result ok "${BASH_REMATCH[2]}" ;;
			SKIPPED) add_result skip "${BASH_REMATCH[2]}" ;;
			*) add_result "not ok" "${BASH_REMATCH[2]}" "$(printf '%s' "$buf" | tail -n 40)" ;;
			esac
			cur=""
		elif [[ -n $cur ]]; then
			buf+=$line$'\n'
		fi
	done <"$log"
	if [[ -n $cur ]]; then
		add_result "not ok" "$cur" "test did not finish: $bin exited with status $rc"$'\n'"$(printf '%s' "$buf" | tail -n 40)"
	elif [[ $rc -ne 0 ]]; then
		local i any=0
		for i in "${!res_status[@]}"; do [[ ${res_status[i]} == "not ok" ]] && any=1; done
		((any)) || add_result "not ok" "$(basename "$bin") exit status" "exited $rc; see $log"
	fi
}

case $mode in
ctest) name=${name:-unit}; run_ctest "$target" ;;
gtest) name=${name:-$(basename "$target")}; run_gtest "$target" ;;
*) usage ;;
esac

((header)) && { emit "KTAP version 1"; emit "1..1"; }
emit "    KTAP version 1"
emit "    # Subtest: $name"
status=0
if [[ -n $group_error ]]; then
	emit "    1..1"
	emit "    not ok 1 $name: $group_error"
	failed=1
	status=1
	emit "not ok $num $name"
elif [[ ${#res_status[@]} -eq 0 ]]; then
	emit "    1..0"
	emit "ok $num $name # SKIP no tests registered"
else
	emit "    1..${#res_status[@]}"
	n=0
	for i in "${!res_status[@]}"; do
		n=$((n + 1))
		desc=${res_name[i]//#/_}
		case ${res_status[i]} in
		ok) emit "    ok $n $desc"; passed=$((passed + 1)) ;;
		skip) emit "    ok $n $desc # SKIP"; skipped=$((skipped + 1)) ;;
		*)
			emit "    not ok $n $desc"
			failed=$((failed + 1))
			status=1
			if [[ -n ${res_diag[i]} ]]; then
				while IFS= read -r l; do if [[ -n $l ]]; then emit "    # $l"; fi; done <<<"${res_diag[i]}"
			fi ;;
		esac
	done
	emit "$([[ $status -eq 0 ]] && echo ok || echo not ok) $num $name"
fi
[[ -n $result_file ]] && echo "passed=$passed failed=$failed skipped=$skipped" >"$result_file"
if ((header)); then
	((skipped)) && emit "# $skipped skipped (counted as passed)"
	emit "$((passed + skipped)) passed, $failed failed"
fi
exit "$status"
}
