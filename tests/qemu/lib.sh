# shellcheck shell=sh
# bulkhead QEMU harness: guest-side KTAP helpers (busybox ash).
#
# Scenarios source this file (it lives at /harness/lib.sh in the initramfs):
#
#   . /harness/lib.sh
#   ktap_plan 3
#   ktap_check "module loads" insmod /bulkhead.ko
#   ktap_expect_fail "bad config refused" bulkhead enable /configs/bad.cell
#   ktap_expect_output "one cell listed" '^root' bulkhead cell list
#   ktap_done
#
# Every line meant for the host starts with "@@KTAP@@ " (results, plan,
# diagnostics) or "@@BH@@ " (harness events), so that the host can pick them
# out of a serial log that also carries kernel messages. The host passes a
# run iff the DONE marker appeared, the plan appeared, the number of results
# equals the plan and every result is ok (or skip) -- see README.md.
#
# Results are numbered through a counter file, so the helpers also work from
# subshells and pipelines.

KTAP_DIR=${KTAP_DIR:-/tmp/.ktap}
mkdir -p "$KTAP_DIR"
[ -f "$KTAP_DIR/n" ] || echo 0 >"$KTAP_DIR/n"

# Print one host-visible line. printf writes it with a single write(2).
_ktap_emit() {
	printf '@@KTAP@@ %s\n' "$*"
	printf '%s\n' "$*" >>"$KTAP_DIR/log"
}

_ktap_next() {
	_ktap_n=0
	read -r _ktap_n <"$KTAP_DIR/n" || _ktap_n=0
	_ktap_n=$((_ktap_n + 1))
	echo "$_ktap_n" >"$KTAP_DIR/n"
}

# A description on one line and without '#', which starts a KTAP directive.
_ktap_desc() {
	printf '%s' "$*" | tr '\n#' ' _'
}

# ktap_diag MESSAGE...: a diagnostic line ("# ...") for each line of MESSAGE.
ktap_diag() {
	printf '%s\n' "$*" | while IFS= read -r _l; do _ktap_emit "# $_l"; done
}

# ktap_diag_file FILE [MAXLINES]: the last MAXLINES (default 30) lines of FILE
# as diagnostics.
ktap_diag_file() {
	[ -s "$1" ] || return 0
	tail -n "${2:-30}" "$1" | while IFS= read -r _l; do _ktap_emit "#   $_l"; done
}

# ktap_plan N: the number of results the scenario will report.
ktap_plan() {
	echo "$1" >"$KTAP_DIR/plan"
	_ktap_emit "KTAP version 1"
	_ktap_emit "1..$1"
}

# ktap_ok DESC
ktap_ok() {
	_ktap_next
	_ktap_emit "ok $_ktap_n $(_ktap_desc "$1")"
}

# ktap_fail DESC [REASON]
ktap_fail() {
	_ktap_next
	_ktap_emit "not ok $_ktap_n $(_ktap_desc "$1")"
	[ $# -lt 2 ] || ktap_diag "$2"
	echo "$_ktap_n" >>"$KTAP_DIR/failed"
}

# ktap_skip DESC [REASON]
ktap_skip() {
	_ktap_next
	_ktap_emit "ok $_ktap_n $(_ktap_desc "$1") # SKIP ${2:-}"
}

# ktap_result DESC STATUS: ok if STATUS is 0.
ktap_result() {
	if [ "$2" -eq 0 ]; then ktap_ok "$1"; else ktap_fail "$1" "status $2"; fi
}

# Run CMD ARGS... with stdin from /dev/null, output in $KTAP_DIR/out; sets
# _ktap_rc.
_ktap_run() {
	_ktap_rc=0
	"$@" </dev/null >"$KTAP_DIR/out" 2>&1 || _ktap_rc=$?
}

# ktap_check DESC CMD ARGS...: ok iff CMD exits 0. On failure the command's
# exit status and the end of its output become diagnostics.
ktap_check() {
	_ktap_d=$1
	shift
	_ktap_run "$@"
	if [ "$_ktap_rc" -eq 0 ]; then
		ktap_ok "$_ktap_d"
	else
		ktap_fail "$_ktap_d" "'$*' exited with status $_ktap_rc"
		ktap_diag_file "$KTAP_DIR/out"
	fi
}

# ktap_expect_fail DESC CMD ARGS...: ok iff CMD exits non-zero.
ktap_expect_fail() {
	_ktap_d=$1
	shift
	_ktap_run "$@"
	if [ "$_ktap_rc" -ne 0 ]; then
		ktap_ok "$_ktap_d"
	else
		ktap_fail "$_ktap_d" "'$*' succeeded but was expected to fail"
		ktap_diag_file "$KTAP_DIR/out"
	fi
}

# ktap_expect_output DESC PATTERN CMD ARGS...: ok iff the output (stdout and
# stderr) of CMD matches the extended regular expression PATTERN. The exit
# status of CMD does not matter (use it to check error messages too).
ktap_expect_output() {
	_ktap_d=$1
	_ktap_p=$2
	shift 2
	_ktap_run "$@"
	if grep -qE -- "$_ktap_p" "$KTAP_DIR/out"; then
		ktap_ok "$_ktap_d"
	else
		ktap_fail "$_ktap_d" "output of '$*' (status $_ktap_rc) does not match /$_ktap_p/"
		ktap_diag_file "$KTAP_DIR/out"
	fi
}

# ktap_bail REASON: give up; the host reports the run as failed.
ktap_bail() {
	_ktap_emit "Bail out! $*"
	exit 1
}

# wait_until N CMD...: run CMD (output discarded) every WAIT_STEP seconds
# (default 0.1), at most N times, until it succeeds; the status is CMD's
# last. Every wait of a scenario is bounded this way.
wait_until() {
	_wu_n=$1
	shift
	while [ "$_wu_n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep "${WAIT_STEP:-0.1}"
		_wu_n=$((_wu_n - 1))
	done
	"$@" >/dev/null 2>&1
}

# wait_pids SECONDS PID...: wait for these background children, each at
# most SECONDS. Status 0 if all ended with 0, 1 if one ended otherwise, 2 if
# one still runs: it is described as diagnostics (state, wchan, kernel
# stack) and all CPUs' backtraces go to the kernel log (sysrq l), and it is
# left running. A plain "wait" on a process stuck in the kernel would hold
# the scenario until the runner's timeout, with nothing to say why.
_pid_ended() {
	_pe_s=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -z "$_pe_s" ] || [ "$_pe_s" = Z ]
}
wait_pids() {
	_wp_t=$1
	shift
	_wp_rc=0
	for _wp_p in "$@"; do
		if wait_until $((_wp_t * 10)) _pid_ended "$_wp_p"; then
			wait "$_wp_p" || [ $_wp_rc -eq 2 ] || _wp_rc=1
			continue
		fi
		_wp_rc=2
		ktap_diag "pid $_wp_p still runs after ${_wp_t} s: $(tr '\0' ' ' <"/proc/$_wp_p/cmdline" 2>/dev/null)"
		ktap_diag "  stat $(cat "/proc/$_wp_p/stat" 2>/dev/null)"
		ktap_diag "  wchan $(cat "/proc/$_wp_p/wchan" 2>/dev/null)"
		cat "/proc/$_wp_p/stack" >"$KTAP_DIR/stack" 2>/dev/null && ktap_diag_file "$KTAP_DIR/stack" 20
		{ echo 1 >/proc/sys/kernel/sysrq && echo l >/proc/sysrq-trigger; } 2>/dev/null
	done
	return $_wp_rc
}

# counter_set FILE N / counter_get FILE: a number one process writes while
# others read it. The writer renames a complete file into place: a plain
# "echo N >FILE" truncates first, and a reader between the truncation and
# the write would see an empty file (which $((...)) takes for 0).
counter_set() {
	echo "$2" >"$1.new" && mv -f "$1.new" "$1"
}
counter_get() {
	if [ -e "$1" ]; then cat "$1"; else echo 0; fi
}

# --- cells in sysfs ---------------------------------------------------------------
# cell_dir NAME: /sys/devices/bulkhead/cells/<id> of the cell named NAME;
# cell_state / cell_reason NAME: its state and failure reason; state_is NAME
# STATE: whether it is in STATE (for wait_until).
cell_dir() {
	for _d in /sys/devices/bulkhead/cells/*; do
		[ "$(cat "$_d/name" 2>/dev/null)" = "$1" ] && { echo "$_d"; return 0; }
	done
	return 1
}
cell_state() { _cd=$(cell_dir "$1") && cat "$_cd/state"; }
cell_reason() { _cd=$(cell_dir "$1") && cat "$_cd/reason"; }
state_is() { [ "$(cell_state "$1")" = "$2" ]; }

# console_after MARKER ERE: in the hypervisor console, a line matching ERE
# follows the last line that contains the fixed string MARKER.
console_after() {
	M=$1 P=$2 awk 'index($0, ENVIRON["M"]) { f = 1; seen = 0; next }
		f && $0 ~ ENVIRON["P"] { seen = 1 } END { exit !seen }' /sys/devices/bulkhead/console
}

# expect_errno NAME CMD...: CMD fails and names NAME (e.g. ETIMEDOUT).
expect_errno() {
	_want=$1
	shift
	_out=$("$@" 2>&1) && { echo "succeeded: $_out"; return 1; }
	echo "$_out"
	echo "$_out" | grep -q "($_want)"
}

# --- the root workload ---------------------------------------------------------
# Scenarios that must show the root undisturbed (cell lifecycles, failing
# cells, dying channel peers) run rounds of bh_workload verify (fork, exec,
# files, a checksum; tests/kselftest/bh_workload.c) on the root's CPUs 0-1
# in the background, each round compared with a checksum taken natively:
#
#   workload_ref=$(root_workload_ref)     # before enable
#   root_workload &                       # rounds until root_workload_stop
#   wl_pid=$!
#   ... $(wl_count) ... wl_fine ...
#   root_workload_stop
#
# Rounds with another checksum or an error go to $KTAP_DIR/wl.err.
workload_ref=""
root_workload_round() { taskset -c 0,1 /tests/bh_workload verify -j 2 -n 2 -s 32 2>&1; }
root_workload_ref() { root_workload_round | sed -n 's/.*checksum=\([0-9a-f]*\) .*/\1/p'; }
root_workload() {
	_wl_n=0
	while [ ! -e "$KTAP_DIR/wl.stop" ]; do
		_wl_o=$(root_workload_round)
		case $_wl_o in
		*"checksum=$workload_ref errors=0"*) _wl_n=$((_wl_n + 1)); counter_set "$KTAP_DIR/wl.count" "$_wl_n" ;;
		*) echo "$_wl_o" >>"$KTAP_DIR/wl.err" ;;
		esac
		sleep 0.2
	done
}
wl_count() { counter_get "$KTAP_DIR/wl.count"; }
wl_fine() { [ ! -s "$KTAP_DIR/wl.err" ]; }
root_workload_stop() {
	touch "$KTAP_DIR/wl.stop"
	wait "$wl_pid"
}

# ktap_done: summary, kernel taint and the final marker. Call it last.
ktap_done() {
	_ktap_n=0
	read -r _ktap_n <"$KTAP_DIR/n" || _ktap_n=0
	_ktap_plan=none
	[ -f "$KTAP_DIR/plan" ] && read -r _ktap_plan <"$KTAP_DIR/plan"
	_ktap_f=0
	[ -f "$KTAP_DIR/failed" ] && _ktap_f=$(wc -l <"$KTAP_DIR/failed")
	_ktap_t=0
	# Not "read": busybox reads byte by byte, and a sysctl read at an offset
	# returns only what is left of the number formatted from scratch ("1").
	[ -r /proc/sys/kernel/tainted ] && _ktap_t=$(cat /proc/sys/kernel/tainted)
	_ktap_emit "# summary: plan $_ktap_plan, $_ktap_n results, $_ktap_f failed"
	printf '@@BH@@ tainted %s\n' "$_ktap_t"
	printf '@@BH@@ BULKHEAD-SCENARIO-DONE\n'
}
