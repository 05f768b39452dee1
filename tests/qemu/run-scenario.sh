#!/bin/bash
# Run one QEMU scenario on the virtual PC and report it as KTAP.
#
#   tests/qemu/run-scenario.sh [options] NAME|PATH/TO/SCENARIO.sh
#
# NAME is tests/qemu/scenarios/NAME.sh (with --bench: tests/qemu/bench/NAME.sh).
# The scenario's leading comment block may set (see README.md): timeout, cpu,
# smp, mem, machine, memmap, append, qemu, variants, variant-qemu,
# variant-append, variant-memmap, hvlog, hvlog-reject, host-check, allow-taint.
# Lines the guest prints as "@@BENCH@@ TEXT" (benchmark figures) are kept in
# LOGDIR/bench.txt and shown as "# TEXT" after the run's results.
# Options:
#   --bench        NAME is a benchmark, tests/qemu/bench/NAME.sh (make bench)
# Options (for scripts/check.sh, which
# nests scenarios into its own KTAP document):
#   --num N        number of this scenario's result line (default 1)
#   --indent STR   prefix of every output line (default none)
#   --no-header    do not print "KTAP version 1" / "1..1" / the summary line
#   --result FILE  write "passed=P failed=F skipped=S" (leaf counts) to FILE
#
# Environment:
#   BH_QEMU_OUT      log root (default build/qemu); logs go to OUT/NAME[/VARIANT]
#   BH_PAYLOAD       payload dir copied into the initramfs (default build/qemu/payload)
#   BH_KERNEL        kernel image (default: newest /boot/vmlinuz-*-amd64)
#   BH_QEMU          QEMU binary (default qemu-system-x86_64)
#   BH_TIMEOUT_FACTOR  multiply every scenario timeout by this integer (default 1)
#   BH_QEMU_LOCK     lock file serialising QEMU boots machine-wide
#                    (default /tmp/bulkhead-qemu.lock; "none" disables)
#   BH_VARIANTS      override the scenario's variants (space separated CPU models)
#   BH_REPLAY_CONSOLE, BH_REPLAY_HVLOG, BH_REPLAY_RC
#                    harness self-test only: do not boot, parse this console
#                    log (and hypervisor log) as if QEMU had exited with RC
#
# Exit status: 0 if every variant passed, 1 if any failed, 2 on usage errors.
set -euo pipefail
# Braces: bash reads the whole script before running it, so editing the file
# (or a git checkout) while a long run is under way cannot break that run.
{

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)

num=1 indent="" header=1 result_file="" bench=0 args=()
while [[ $# -gt 0 ]]; do
	case $1 in
	--num) num=$2; shift 2 ;;
	--indent) indent=$2; shift 2 ;;
	--no-header) header=0; shift ;;
	--result) result_file=$2; shift 2 ;;
	--bench) bench=1; shift ;;
	-h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	--) shift; args+=("$@"); break ;;
	-*) echo "$0: unknown option $1" >&2; exit 2 ;;
	*) args+=("$1"); shift ;;
	esac
done
[[ ${#args[@]} -eq 1 ]] || { echo "usage: $0 [--bench] [--num N] [--indent STR] [--no-header] [--result FILE] NAME" >&2; exit 2; }

arg=${args[0]}
if [[ $arg == */* || $arg == *.sh ]]; then
	script=$arg
	name=$(basename "$arg" .sh)
elif ((bench)); then
	script=$here/bench/$arg.sh
	name=$arg
else
	script=$here/scenarios/$arg.sh
	name=$arg
fi
[[ -f $script ]] || { echo "$0: no scenario '$arg' ($script)" >&2; exit 2; }
script=$(cd "$(dirname "$script")" && pwd)/$(basename "$script")

out_root=${BH_QEMU_OUT:-$src/build/qemu}
payload=${BH_PAYLOAD:-$src/build/qemu/payload}
qemu=${BH_QEMU:-qemu-system-x86_64}
factor=${BH_TIMEOUT_FACTOR:-1}
lock=${BH_QEMU_LOCK:-/tmp/bulkhead-qemu.lock}
kernel=${BH_KERNEL:-$(find /boot -maxdepth 1 -name 'vmlinuz-*-amd64' 2>/dev/null | sort -V | tail -n 1)}

# --- scenario header ---------------------------------------------------------
opt_timeout=180 opt_cpu=max opt_smp=4 opt_mem=1G opt_append="" opt_variants=""
opt_qemu="" opt_machine=q35 opt_allow_taint=0 opt_host_check="" opt_memmap='64M$0x3b000000'
hvlog_patterns=() hvlog_rejects=()
declare -A variant_qemu=() variant_append=() variant_memmap=()
while IFS= read -r line; do
	[[ $line == '#!'* || -z ${line//[[:space:]]/} ]] && continue
	[[ $line == '#'* ]] || break
	if [[ $line =~ ^#[[:space:]]*([a-z-]+):[[:space:]]*(.*[^[:space:]])[[:space:]]*$ ]]; then
		key=${BASH_REMATCH[1]} val=${BASH_REMATCH[2]}
		case $key in
		timeout) opt_timeout=$val ;;
		cpu) opt_cpu=$val ;;
		smp) opt_smp=$val ;;
		mem) opt_mem=$val ;;
		append) opt_append+=" $val" ;;
		variants) opt_variants=$val ;;
		qemu) opt_qemu+=" $val" ;;
		machine) opt_machine=$val ;;
		memmap) opt_memmap=$val ;;
		allow-taint) opt_allow_taint=$val ;;
		hvlog) hvlog_patterns+=("$val") ;;
		hvlog-reject) hvlog_rejects+=("$val") ;;
		host-check) opt_host_check=$val ;;
		variant-qemu)
			[[ $val =~ ^([A-Za-z0-9_-]+)[[:space:]]+(.*)$ ]] &&
				variant_qemu[${BASH_REMATCH[1]}]+=" ${BASH_REMATCH[2]}" ;;
		variant-append)
			[[ $val =~ ^([A-Za-z0-9_-]+)[[:space:]]+(.*)$ ]] &&
				variant_append[${BASH_REMATCH[1]}]+=" ${BASH_REMATCH[2]}" ;;
		variant-memmap)
			[[ $val =~ ^([A-Za-z0-9_-]+)[[:space:]]+([^[:space:]]+)$ ]] &&
				variant_memmap[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]} ;;
		esac
	fi
done <"$script"
[[ -n ${BH_VARIANTS:-} ]] && opt_variants=$BH_VARIANTS
[[ $opt_timeout =~ ^[0-9]+$ ]] || { echo "$0: $name: bad timeout '$opt_timeout'" >&2; exit 2; }
timeout_s=$((opt_timeout * factor))

# --- output helpers ------------------------------------------------------------
emit() { printf '%s%s\n' "$indent" "$*"; }
passed=0 failed=0 skipped=0

# Bad kernel taint bits: 5 (B, bad page), 7 (D, oops/die), 9 (W, warning),
# 14 (L, soft lockup), minus what the scenario allows.
taint_bad_mask=$(((32 | 128 | 512 | 16384) & ~opt_allow_taint))
taint_letters() {
	local t=$1 s="" bit l=PFSRMBUDAWCIOELKXT
	for ((bit = 0; bit < ${#l}; bit++)); do ((t >> bit & 1)) && s+=${l:bit:1}; done
	printf '%s' "${s:-none}"
}

# run_variant LABEL VARIANT CPU LOGDIR INDENT NUM [EXTRA_QEMU_ARGS [EXTRA_APPEND [MEMMAP]]]
# Boots QEMU once, parses the console log and prints a nested KTAP subtest
# (results + one harness result) at INDENT+4, then "ok|not ok NUM LABEL" at
# INDENT. MEMMAP is the reservation (default the scenario's; "none": no
# memmap= at all). Updates passed/failed/skipped; returns 0 if the run passed.
run_variant() {
	local label=$1 variant=$2 cpu=$3 dir=$4 ind=$5 n=$6 vqemu=${7:-} vappend=${8:-} memmap=${9:-$opt_memmap}
	local sub="$ind    "
	mkdir -p "$dir"
	local con=$dir/console.log hv=$dir/hypervisor.log
	rm -f "$con" "$hv" "$dir/dmesg.log" "$dir/qemu.cmd" "$dir/qemu.stderr" "$dir/bench.txt"
	: >"$hv"

	local reason="" kver
	kver=$(basename "$kernel")
	kver=${kver#vmlinuz-}
	local append="console=ttyS0,115200 quiet loglevel=3 panic=-1"
	[[ $memmap != none ]] && append+=" memmap=$memmap"
	append+=" bh_scenario=$name bh_variant=${variant:-default} bh_cpu=$cpu bh_smp=$opt_smp bh_kver=$kver${opt_append}${vappend}"
	local -a cmd=(
		"$qemu" -accel tcg -machine "$opt_machine" -cpu "$cpu" -smp "$opt_smp" -m "$opt_mem"
		-nodefaults -nographic -no-reboot -nic none
		-chardev "file,id=con,path=${con//,/,,}" -serial chardev:con
		-chardev "file,id=hvcon,path=${hv//,/,,}" -serial chardev:hvcon
		-kernel "$kernel" -initrd "$initrd" -append "$append"
	)
	local -a extra=()
	# shellcheck disable=SC2206 # word splitting of "# qemu:" is intended
	[[ -n $opt_qemu$vqemu ]] && extra=($opt_qemu $vqemu)
	# @LOGDIR@: this run's log directory, e.g. for a file-backed serial port.
	cmd+=("${extra[@]//@LOGDIR@/$dir}")
	# A monitor socket: shortly before the timeout, the harness asks QEMU
	# where every vCPU is (monitor-dump.py), so that a hang says where.
	cmd+=(-monitor "unix:$dir/monitor.sock,server,nowait")
	{
		printf '%q ' timeout --kill-after=10 "$timeout_s" "${cmd[@]}"
		echo
	} >"$dir/qemu.cmd"

	emit "$ind# $name${variant:+/$variant}: ${BH_REPLAY_CONSOLE:+replaying a canned log instead of }booting (cpu $cpu, smp $opt_smp, mem $opt_mem, timeout ${timeout_s}s)"
	local t0 t1 rc=0
	if [[ $lock != none && -z ${BH_REPLAY_CONSOLE:-} ]]; then
		exec {lockfd}>>"$lock"
		if ! flock -n "$lockfd"; then
			emit "$ind# waiting for another QEMU run to finish ($lock: $(cat "$lock.owner" 2>/dev/null || echo '?'))"
			flock "$lockfd"
		fi
		echo "pid $$ $name${variant:+/$variant} since $(date +%T), timeout ${timeout_s}s" >"$lock.owner" 2>/dev/null || true
	fi
	t0=$(date +%s.%N)
	if [[ -n ${BH_REPLAY_CONSOLE:-} ]]; then
		# Harness self-test: parse a canned console log instead of booting.
		cp "$BH_REPLAY_CONSOLE" "$con"
		[[ -n ${BH_REPLAY_HVLOG:-} ]] && cp "$BH_REPLAY_HVLOG" "$hv"
		rc=${BH_REPLAY_RC:-0}
	else
		rm -f "$dir/registers.log"
		timeout --kill-after=10 "$timeout_s" "${cmd[@]}" </dev/null >"$dir/qemu.stderr" 2>&1 &
		local qemu_pid=$! dump_pid
		# One process that sleeps, then asks: killing it ends it at once.
		# It must not keep the QEMU lock open (the lock is the fd's).
		if [[ -n ${lockfd:-} ]]; then
			/usr/bin/python3 "$here/monitor-dump.py" --after $((timeout_s > 20 ? timeout_s - 8 : timeout_s / 2)) \
				"$dir/monitor.sock" >"$dir/registers.log" 2>&1 {lockfd}>&- &
		else
			/usr/bin/python3 "$here/monitor-dump.py" --after $((timeout_s > 20 ? timeout_s - 8 : timeout_s / 2)) \
				"$dir/monitor.sock" >"$dir/registers.log" 2>&1 &
		fi
		dump_pid=$!
		wait "$qemu_pid" || rc=$?
		kill "$dump_pid" 2>/dev/null || true
		wait "$dump_pid" 2>/dev/null || true
		rm -f "$dir/monitor.sock"
	fi
	t1=$(date +%s.%N)
	if [[ $lock != none && -z ${BH_REPLAY_CONSOLE:-} ]]; then
		exec {lockfd}>&-
	fi
	local wall
	wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')

	# --- parse the console log ---
	local plan="" done=0 taint="" bail="" boot="" end="" exit_rc="" panic="" seq_err=""
	local -a res_status=() res_desc=() res_diag=()
	local -a pre_diag=()
	local line body cur=-1
	: >"$dir/dmesg.log"
	if [[ -f $con ]]; then
		while IFS= read -r line || [[ -n $line ]]; do
			line=${line//$'\r'/}
			if [[ $line == *'@@KTAP@@ '* ]]; then
				body=${line#*@@KTAP@@ }
				if [[ $body =~ ^1\.\.([0-9]+) ]]; then
					plan=${BASH_REMATCH[1]}
				elif [[ $body =~ ^(not\ ok|ok)\ ([0-9]+)(\ (.*))?$ ]]; then
					local st=${BASH_REMATCH[1]} num=${BASH_REMATCH[2]} d=${BASH_REMATCH[4]}
					if [[ $num -ne $((${#res_status[@]} + 1)) ]]; then
						seq_err="result $num out of sequence (expected $((${#res_status[@]} + 1)))"
					fi
					if [[ $st == ok && $d =~ \#[[:space:]]*[Ss][Kk][Ii][Pp] ]]; then st=skip; fi
					res_status+=("$st")
					res_desc+=("$d")
					res_diag+=("")
					cur=$((${#res_status[@]} - 1))
				elif [[ $body == '#'* ]]; then
					if ((cur >= 0)); then
						res_diag[cur]+="$body"$'\n'
					else
						pre_diag+=("$body")
					fi
				elif [[ $body == 'Bail out!'* ]]; then
					bail=${body#Bail out!}
				fi
			elif [[ $line == *'@@DMESG@@ '* ]]; then
				printf '%s\n' "${line#*@@DMESG@@ }" >>"$dir/dmesg.log"
			elif [[ $line == *'@@BENCH@@ '* ]]; then
				printf '%s\n' "${line#*@@BENCH@@ }" >>"$dir/bench.txt"
			elif [[ $line == *'@@BH@@ '* ]]; then
				body=${line#*@@BH@@ }
				case $body in
				BULKHEAD-SCENARIO-DONE*) done=1 ;;
				tainted\ *) taint=${body#tainted }; taint=${taint%% *} ;;
				init\ uptime=*) boot=${body#init uptime=}; boot=${boot%% *} ;;
				scenario-exit\ *)
					exit_rc=${body#*rc=}; exit_rc=${exit_rc%% *}
					end=${body#*uptime=}; end=${end%% *} ;;
				esac
			elif [[ $line == *'Kernel panic - not syncing'* && -z $panic ]]; then
				panic=${line#*Kernel panic - not syncing}
				panic=${panic#: }
			fi
		done <"$con"
	fi

	# --- verdict ---
	local nres=${#res_status[@]} i nfail=0
	for ((i = 0; i < nres; i++)); do
		[[ ${res_status[i]} == "not ok" ]] && nfail=$((nfail + 1))
	done
	if [[ $rc -eq 124 || $rc -eq 137 ]]; then
		reason="timeout after ${timeout_s}s"
	elif [[ -n $panic ]]; then
		reason="kernel panic: $panic"
	elif [[ $rc -ne 0 ]]; then
		reason="qemu exited with status $rc"
	fi
	[[ -n $panic && $reason != kernel\ panic* ]] && reason+="; kernel panic: $panic"
	local -a why=()
	[[ -n $reason ]] && why+=("$reason")
	[[ -n $bail ]] && why+=("bail out:$bail")
	((done)) || why+=("no BULKHEAD-SCENARIO-DONE marker")
	if [[ -z $plan ]]; then
		why+=("no plan line")
	elif ((nres != plan)); then
		why+=("$nres results but plan 1..$plan")
	fi
	[[ -n $seq_err ]] && why+=("$seq_err")
	((nfail)) && why+=("$nfail of $nres results not ok")
	if [[ -n $taint ]] && ((taint & taint_bad_mask)); then
		why+=("kernel tainted $taint ($(taint_letters "$taint")): oops, warning, lockup or bad page")
	fi
	local pat
	for pat in "${hvlog_patterns[@]}"; do
		grep -E -- "$pat" <(tr -d '\r' <"$hv") >/dev/null || why+=("hypervisor.log does not match /$pat/")
	done
	for pat in "${hvlog_rejects[@]}"; do
		if grep -E -- "$pat" <(tr -d '\r' <"$hv") >/dev/null; then
			why+=("hypervisor.log matches rejected /$pat/: $(tr -d '\r' <"$hv" | grep -Em1 -- "$pat")")
		fi
	done

	# --- host-side check (# host-check: SCRIPT LOGDIR) ---
	# Runs after a complete guest run; its KTAP result lines ("ok N desc",
	# "not ok N desc", "# diag") follow the guest's results, its output is
	# kept in host-check.log.
	if [[ -n $opt_host_check ]]; then
		if [[ -z $plan || $nres -ne $plan || $done -eq 0 ]]; then
			why+=("host check $opt_host_check not run: the guest run is incomplete")
		else
			local hrc=0 hn=0 hfail=0
			(cd "$src" && BH_VARIANT=${variant:-default} "$src/$opt_host_check" "$dir") \
				>"$dir/host-check.log" 2>&1 </dev/null || hrc=$?
			while IFS= read -r line || [[ -n $line ]]; do
				if [[ $line =~ ^(not\ ok|ok)\ [0-9]+(\ (.*))?$ ]]; then
					res_status+=("${BASH_REMATCH[1]}")
					res_desc+=("host: ${BASH_REMATCH[3]}")
					res_diag+=("")
					hn=$((hn + 1))
					[[ ${BASH_REMATCH[1]} == "not ok" ]] && hfail=$((hfail + 1))
				elif [[ $line == '#'* ]] && ((hn > 0)); then
					res_diag[${#res_status[@]} - 1]+="$line"$'\n'
				fi
			done <"$dir/host-check.log"
			((hn)) || why+=("host check $opt_host_check reported no result (exit status $hrc, see host-check.log)")
			((hrc != 0 && hfail == 0 && hn > 0)) && why+=("host check $opt_host_check exited with status $hrc")
			((hfail)) && why+=("$hfail of $hn host check results not ok")
			nres=${#res_status[@]}
		fi
	fi

	# --- report ---
	local total=$nres
	[[ -n $plan ]] && ((plan > total)) && total=$plan
	emit "${sub}KTAP version 1"
	emit "$sub# Subtest: $label"
	emit "${sub}1..$((total + 1))"
	for d in "${pre_diag[@]}"; do emit "$sub$d"; done
	for ((i = 0; i < nres; i++)); do
		case ${res_status[i]} in
		ok) emit "${sub}ok $((i + 1)) ${res_desc[i]}"; passed=$((passed + 1)) ;;
		skip) emit "${sub}ok $((i + 1)) ${res_desc[i]}"; skipped=$((skipped + 1)) ;;
		*) emit "${sub}not ok $((i + 1)) ${res_desc[i]}"; failed=$((failed + 1)) ;;
		esac
		if [[ -n ${res_diag[i]} ]]; then
			while IFS= read -r d; do emit "$sub$d"; done <<<"${res_diag[i]%$'\n'}"
		fi
	done
	for ((i = nres + 1; i <= total; i++)); do
		emit "${sub}not ok $i (no result: the scenario stopped before reporting it)"
		failed=$((failed + 1))
	done
	if [[ -s $dir/bench.txt ]]; then
		emit "$sub# figures (${dir#"$src"/}/bench.txt):"
		while IFS= read -r d; do emit "$sub#   $d"; done <"$dir/bench.txt"
	fi
	local timing="boot ${boot:-?}s, scenario end ${end:-?}s (guest uptime), wall ${wall}s"
	local ok=0
	if [[ ${#why[@]} -eq 0 ]]; then
		emit "${sub}ok $((total + 1)) harness: DONE marker, plan $plan, all results reported, taint ${taint:-?}; $timing"
		passed=$((passed + 1))
	else
		local whys
		whys=$(printf '%s; ' "${why[@]}")
		emit "${sub}not ok $((total + 1)) harness: ${whys%; }"
		emit "$sub# $timing; scenario exit status ${exit_rc:-?}"
		emit "$sub# logs: ${dir#"$src"/}/{console.log,hypervisor.log,dmesg.log,qemu.cmd}"
		if [[ -s $dir/qemu.stderr ]]; then
			while IFS= read -r d; do emit "$sub# qemu: $d"; done < <(tail -n 5 "$dir/qemu.stderr")
		fi
		if [[ -s $dir/registers.log ]]; then
			# One line per vCPU: where it was before the kill.
			emit "$sub# vCPUs before the timeout (registers.log):"
			while IFS= read -r d; do emit "$sub#   $d"; done < <(awk '/^CPU#/ { cpu = $1 } /^RIP=/ { rip = $1 " " $4 " " $NF } /^CR0=/ { print cpu, rip, $3 }' "$dir/registers.log" | head -n 16)
		fi
		emit "$sub# last console lines:"
		if [[ -f $con ]]; then
			while IFS= read -r d; do emit "$sub#   $d"; done < <(tr -d '\r' <"$con" | grep -v -e '@@DMESG@@' -e '@@KTAP@@' | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/\x1bc//g' | grep -v '^[[:space:]]*$' | tail -n 12)
		fi
		failed=$((failed + 1))
		ok=1
	fi
	emit "$ind$([[ $ok -eq 0 ]] && echo ok || echo not ok) $n $label"
	return $ok
}

# --- build the initramfs and run ------------------------------------------------
logroot=$out_root/$name
((bench)) && logroot=$out_root/bench/$name
mkdir -p "$logroot" "$payload"
initrd=$logroot/initramfs.cpio.gz

((header)) && { emit "KTAP version 1"; emit "1..1"; }
status=0
prep_err=""
if [[ -n ${BH_REPLAY_CONSOLE:-} ]]; then
	: # replay: nothing to boot
elif [[ -z $kernel || ! -r $kernel ]]; then
	prep_err="no readable kernel (BH_KERNEL='${BH_KERNEL:-}', /boot/vmlinuz-*-amd64)"
elif ! command -v "$qemu" >/dev/null; then
	prep_err="no $qemu"
elif ! "$here/mkinitramfs.sh" "$initrd" "$payload" "$script" >"$logroot/mkinitramfs.log" 2>&1; then
	prep_err="mkinitramfs failed: $(tail -n 3 "$logroot/mkinitramfs.log" | tr '\n' ' ')"
fi

if [[ -n $prep_err ]]; then
	emit "    KTAP version 1"
	emit "    # Subtest: $name"
	emit "    1..1"
	emit "    not ok 1 harness: $prep_err"
	emit "not ok $num $name"
	failed=1
	status=1
elif [[ -z $opt_variants ]]; then
	# One run: the scenario's results are the subtests of NAME.
	run_variant "$name" "" "$opt_cpu" "$logroot" "" "$num" || status=1
else
	read -r -a variants <<<"$opt_variants"
	emit "    KTAP version 1"
	emit "    # Subtest: $name"
	emit "    1..${#variants[@]}"
	k=0
	for v in "${variants[@]}"; do
		k=$((k + 1))
		# CPU[@TAG]: TAG's QEMU arguments come from "# variant-qemu: TAG ARGS".
		vcpu=${v%%@*} vtag="" vq="" va="" vm=""
		[[ $v == *@* ]] && vtag=${v#*@}
		if [[ -n $vtag && -z ${variant_qemu[$vtag]:-}${variant_append[$vtag]:-}${variant_memmap[$vtag]:-} ]]; then
			emit "        KTAP version 1"
			emit "        # Subtest: $v"
			emit "        1..1"
			emit "        not ok 1 harness: no '# variant-qemu|variant-append|variant-memmap: $vtag ...' line for variant $v"
			emit "    not ok $k $v"
			failed=$((failed + 1))
			status=1
			continue
		fi
		if [[ -n $vtag ]]; then
			vq=${variant_qemu[$vtag]:-} va=${variant_append[$vtag]:-} vm=${variant_memmap[$vtag]:-}
		fi
		run_variant "$v" "$v" "$vcpu" "$logroot/${v//,/_}" "    " "$k" "$vq" "$va" "$vm" || status=1
	done
	emit "$([[ $status -eq 0 ]] && echo ok || echo not ok) $num $name"
fi

if [[ -n $result_file ]]; then
	echo "passed=$passed failed=$failed skipped=$skipped" >"$result_file"
fi
if ((header)); then
	((skipped)) && emit "# $skipped skipped (counted as passed)"
	emit "$((passed + skipped)) passed, $failed failed"
fi
exit "$status"
}
