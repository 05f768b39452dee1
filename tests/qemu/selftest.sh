#!/bin/bash
# Self-test of the QEMU harness: proves that run-scenario.sh can fail.
#
#   tests/qemu/selftest.sh [--quick] [--num N] [--indent STR] [--no-header] [--result FILE]
#
# Two kinds of cases, each one KTAP result:
#   replay  run-scenario.sh parses a canned console log (BH_REPLAY_CONSOLE):
#           fast, covers the parser (interleaved printk, short plan, taint,
#           out-of-sequence numbers, bail out, skip, missing plan, hvlog).
#   qemu    real boots of tests/qemu/selftest/st-*.sh: a passing scenario,
#           one with "not ok", one without the DONE marker, one that hangs
#           past its timeout, one that panics the kernel.
# Each case checks the runner's exit status and the reason it prints.
# --quick runs the replay cases only. Options --num/--indent/--no-header/
# --result work as in run-scenario.sh (for scripts/check.sh).
set -euo pipefail
# Braces: bash reads the whole script before running it, so editing the file
# (or a git checkout) while a long run is under way cannot break that run.
{

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
runner=$here/run-scenario.sh
st=$here/selftest

num=1 indent="" header=1 result_file="" quick=0
while [[ $# -gt 0 ]]; do
	case $1 in
	--quick) quick=1; shift ;;
	--num) num=$2; shift 2 ;;
	--indent) indent=$2; shift 2 ;;
	--no-header) header=0; shift ;;
	--result) result_file=$2; shift 2 ;;
	*) echo "usage: $0 [--quick] [--num N] [--indent STR] [--no-header] [--result FILE]" >&2; exit 2 ;;
	esac
done

out=${BH_QEMU_OUT:-$src/build/qemu}/selftest
rm -rf "$out"
mkdir -p "$out/canned"
canned=$out/canned

# --- canned console logs (CRLF line ends, like a real serial console) ----------
crlf() { sed 's/$/\r/' >"$canned/$1"; }
crlf interleaved.log <<'EOF'
SeaBIOS (version 1.16.3)
Booting from ROM..
@@BH@@ init uptime=3.10 scenario=replay variant=default
@@KTAP@@ KTAP version 1
[    3.201] random: crng init done
@@KTAP@@ 1..3
@@KTAP@@ ok 1 first
[    3.302] a printk without its newline@@KTAP@@ ok 2 second, after a printk on the same line
@@KTAP@@ ok 3 third is split by a pr[    3.403] printk in the middle
intk
@@KTAP@@ # summary: plan 3, 3 results, 0 failed
@@BH@@ tainted 4096
@@BH@@ BULKHEAD-SCENARIO-DONE
@@BH@@ scenario-exit rc=0 uptime=3.90
[    4.000] reboot: Power down
EOF
crlf short.log <<'EOF'
@@KTAP@@ KTAP version 1
@@KTAP@@ 1..3
@@KTAP@@ ok 1 first
@@KTAP@@ ok 2 second
@@BH@@ tainted 0
@@BH@@ BULKHEAD-SCENARIO-DONE
EOF
crlf taint.log <<'EOF'
@@KTAP@@ 1..1
@@KTAP@@ ok 1 looks fine
@@BH@@ tainted 4736
@@BH@@ BULKHEAD-SCENARIO-DONE
EOF
crlf sequence.log <<'EOF'
@@KTAP@@ 1..2
@@KTAP@@ ok 1 first
@@KTAP@@ ok 1 first again
@@BH@@ tainted 0
@@BH@@ BULKHEAD-SCENARIO-DONE
EOF
crlf bail.log <<'EOF'
@@KTAP@@ 1..2
@@KTAP@@ ok 1 first
@@KTAP@@ Bail out! module did not load
@@BH@@ scenario-exit rc=1 uptime=4.00
EOF
crlf skip.log <<'EOF'
@@KTAP@@ 1..2
@@KTAP@@ ok 1 first
@@KTAP@@ ok 2 second # SKIP no IOMMU
@@BH@@ tainted 0
@@BH@@ BULKHEAD-SCENARIO-DONE
EOF
crlf noplan.log <<'EOF'
@@KTAP@@ ok 1 first
@@BH@@ tainted 0
@@BH@@ BULKHEAD-SCENARIO-DONE
EOF
crlf panic.log <<'EOF'
@@KTAP@@ 1..2
@@KTAP@@ ok 1 first
[    5.123] Kernel panic - not syncing: Fatal exception
EOF
crlf good.log <<'EOF'
@@KTAP@@ 1..1
@@KTAP@@ ok 1 first
@@BH@@ tainted 0
@@BH@@ BULKHEAD-SCENARIO-DONE
EOF
printf 'bulkhead: hypervisor enabled on 4 CPUs\n' >"$canned/hv-good.log"
printf 'bulkhead: something else\n' >"$canned/hv-bad.log"
printf 'bulkhead: hypervisor enabled on 4 CPUs\n[demo] inmate: unexpected interrupt, vector 236\n' >"$canned/hv-reject.log"

# --- cases ---------------------------------------------------------------------
# case KIND NAME SCENARIO EXPECT PATTERN [REPLAY_LOG [REPLAY_RC [HVLOG]]]
#   EXPECT pass: runner exits 0 and reports "ok 1 <scenario>"
#   EXPECT fail: runner exits 1, reports "not ok 1 <scenario>" and a
#                "not ok ... harness: ..." line matching the regex PATTERN
cases=()
add() { cases+=("$(printf '%s\x1f' "$@")"); }
add replay "interleaved printk and CRLF are tolerated" replay.sh pass '^4 passed, 0 failed' interleaved.log
add replay "fewer results than the plan fail" replay.sh fail '2 results but plan 1\.\.3' short.log
add replay "kernel taint D/W fails although all results are ok" replay.sh fail 'kernel tainted 4736 \(DWO\)' taint.log
add replay "result numbers out of sequence fail" replay.sh fail 'out of sequence' sequence.log
add replay "Bail out! fails" replay.sh fail 'bail out: module did not load' bail.log
add replay "a skipped result passes" replay.sh pass '^# 1 skipped' skip.log
add replay "results without a plan line fail" replay.sh fail 'no plan line' noplan.log
add replay "a kernel panic line fails" replay.sh fail 'kernel panic: Fatal exception' panic.log
add replay "QEMU exiting with an error fails" replay.sh fail 'qemu exited with status 1' good.log 1
add replay "hvlog expectation met passes" replay-hvlog.sh pass '^2 passed' good.log 0 hv-good.log
add replay "hvlog expectation not met fails" replay-hvlog.sh fail 'hypervisor.log does not match' good.log 0 hv-bad.log
add replay "a rejected hvlog line fails" replay-hvlog.sh fail 'hypervisor.log matches rejected /unexpected interrupt/' good.log 0 hv-reject.log
if ((!quick)); then
	add qemu "a passing scenario passes" "$st/st-pass.sh" pass '^4 passed, 0 failed'
	add qemu "a 'not ok' result fails" "$st/st-notok.sh" fail '1 of 2 results not ok'
	add qemu "a scenario without the DONE marker fails" "$st/st-nodone.sh" fail 'no BULKHEAD-SCENARIO-DONE marker'
	add qemu "a hanging scenario is killed at its timeout and fails" "$st/st-timeout.sh" fail 'timeout after 25s'
	add qemu "a kernel panic fails" "$st/st-panic.sh" fail 'kernel panic: sysrq triggered crash'
fi

emit() { printf '%s%s\n' "$indent" "$*"; }
((header)) && { emit "KTAP version 1"; emit "1..1"; }
emit "    KTAP version 1"
emit "    # Subtest: harness-selftest"
emit "    1..${#cases[@]}"
passed=0 failed=0 k=0
for c in "${cases[@]}"; do
	IFS=$'\x1f' read -r -a f <<<"$c"
	kind=${f[0]} desc=${f[1]} scen=${f[2]} expect=${f[3]} pat=${f[4]}
	log=${f[5]:-} rrc=${f[6]:-0} hvlog=${f[7]:-}
	k=$((k + 1))
	[[ $scen == /* ]] || scen=$st/$scen
	dir=$out/$k
	mkdir -p "$dir"
	env=(BH_QEMU_OUT="$dir")
	if [[ $kind == replay ]]; then
		env+=(BH_REPLAY_CONSOLE="$canned/$log" BH_REPLAY_RC="$rrc")
		[[ -n $hvlog ]] && env+=(BH_REPLAY_HVLOG="$canned/$hvlog")
	fi
	rc=0
	env "${env[@]}" "$runner" "$scen" >"$dir/runner.out" 2>&1 || rc=$?
	sname=$(basename "$scen" .sh)
	why=""
	if [[ $expect == pass ]]; then
		[[ $rc -eq 0 ]] || why="runner exited $rc, expected 0"
		[[ -z $why ]] && ! grep -q "^ok 1 $sname\$" "$dir/runner.out" && why="no 'ok 1 $sname' line"
		[[ -z $why ]] && ! grep -qE -- "$pat" "$dir/runner.out" && why="output does not match /$pat/"
	else
		[[ $rc -eq 1 ]] || why="runner exited $rc, expected 1"
		[[ -z $why ]] && ! grep -q "^not ok 1 $sname\$" "$dir/runner.out" && why="no 'not ok 1 $sname' line"
		[[ -z $why ]] && ! grep -E -- "not ok [0-9]+ harness: " "$dir/runner.out" | grep -E -- "$pat" >/dev/null &&
			why="no 'not ok ... harness:' line matching /$pat/"
	fi
	if [[ -z $why ]]; then
		emit "    ok $k $kind: $desc"
		passed=$((passed + 1))
	else
		emit "    not ok $k $kind: $desc"
		emit "    # $why; runner output (${dir#"$src"/}/runner.out):"
		while IFS= read -r l; do emit "    #   $l"; done < <(tail -n 25 "$dir/runner.out")
		failed=$((failed + 1))
	fi
done
status=0
((failed)) && status=1
emit "$([[ $status -eq 0 ]] && echo ok || echo not ok) $num harness-selftest"
[[ -n $result_file ]] && echo "passed=$passed failed=$failed skipped=0" >"$result_file"
((header)) && emit "$passed passed, $failed failed"
exit "$status"
}
