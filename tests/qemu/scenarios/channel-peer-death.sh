# A channel's peer cell is destroyed in the middle of a transaction
# (issue #6, Documentation/channels.md): the side that survives learns it
# well within its timeout, and nothing else is disturbed.
#
# Root and cell (channel 1 to cells/channel-echo, the root's device with
# channel_timeout_ms=10000):
#   - write: the cell takes 64 KiB of a 1 MiB transaction and hangs
#     (channel-echo stall-rx=65536), the root's write waits for free slots;
#     the cell is destroyed: the write fails with EPIPE, timed from the
#     start of the destroy.
#   - read: the cell echoes 64 KiB of 1 MiB and hangs (stall=65536), the
#     root's read waits for the rest; destroyed: EPIPE, timed.
#   - a peer created afterwards starts on a fresh channel: 4097 B and 1 MiB
#     round trips, byte for byte.
# Cell and cell (channel 2, cells/channel-pair, both polling): ping
# (channel-echo ping=6 watch timeout=20000) asks for pong's state
# (BH_HC_CHANNEL_PEER_STATE) between 1 ms slices of its waits.
#   - send: pong takes 64 KiB of ping's 1 MiB transaction and hangs; pong is
#     destroyed; ping reports "peer gone (state 4)" within its timeout,
#     keeps running (heartbeats after it) and is destroyed normally.
#   - receive: pong echoes 64 KiB of 1 MiB and hangs; the same.
# Nothing else disturbed: a root workload (bh_workload verify on CPUs 0-1)
# gives the right checksum throughout and finishes rounds after every
# death; the hypervisor's page pool (mem_pool_used), the online CPUs and
# the cell list are back at their baseline; no cell failed and no
# interrupt arrived where none was expected (hypervisor log, Linux's log).
#
# timeout: 600
# smp: 4
# hvlog: \[channel-ping\] channel-echo: ping 5: send of 1048576 bytes: peer gone \(state 4\)
# hvlog: \[channel-ping\] channel-echo: ping 5: receive of 1048576 bytes: peer gone \(state 4\)
# hvlog-reject: inmate: unexpected interrupt
# hvlog-reject: FAILED on CPU
. /harness/lib.sh

bh=/sys/devices/bulkhead
sys_cfg=/cells/tests/configs/driver/qemu-pc-channel.cell
echo_cfg=/cells/cells/channel-echo/channel-echo.cell
ping_cfg=/cells/cells/channel-pair/ping.cell
pong_cfg=/cells/cells/channel-pair/pong.cell
root_timeout_ms=10000
ping_timeout_ms=20000

console_has() { grep -qE "$1" "$bh/console"; }
uptime_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }
online() { cat /sys/devices/system/cpu/online; }
pool_used() { cat $bh/mem_pool_used; }

# run_cell NAME CFG ARGS READY_ERE: create, load channel-echo with ARGS, start,
# wait until its output after these arguments matches READY_ERE.
run_cell() {
	bulkhead cell create "$2" &&
		bulkhead cell load "$1" /inmates/channel-echo.bin --args "$3" &&
		bulkhead cell start "$1" &&
		wait_until 200 console_after "[$1] inmate: args \"$3\"" "$4"
}

# The root workload must finish a round after each death (within 60 s).
deaths_without_progress=""
wl_past() { [ "$(wl_count)" -gt "$1" ]; }
wl_progress() {
	wait_until 600 wl_past "$(wl_count)" || deaths_without_progress="$deaths_without_progress $1"
}

# --- root and cell -----------------------------------------------------------------

# root_death KIND CMD ARGS STALL_ERE: start channel-echo with ARGS, run the
# root's CMD (send or recv of 1 MiB) in the background, wait until the cell
# hangs mid-transaction (STALL_ERE), destroy it; CMD must fail with EPIPE
# within 2 s of the start of the destroy, far below its 10 s timeout.
root_death() {
	run_cell channel-echo $echo_cfg "$3" 'channel-echo: ready' || return 1
	head -c 1048576 /dev/urandom >/tmp/$1.data
	if [ "$1" = read ]; then
		bulkhead channel send 1 /tmp/$1.data || return 1
	fi
	rm -f /tmp/$1.end
	(
		# send reads the file, recv writes it
		bulkhead channel $2 1 /tmp/$1.data >/tmp/$1.log 2>&1
		echo "$? $(uptime_ms)" >/tmp/$1.end
	) &
	_job=$!
	wait_until 200 console_after "[channel-echo] inmate: args \"$3\"" "$4" || { echo "the cell did not stall"; return 1; }
	sleep 0.5
	[ ! -e /tmp/$1.end ] || { echo "the root's $2 ended before the destroy: $(cat /tmp/$1.log)"; return 1; }
	_t0=$(uptime_ms)
	bulkhead cell destroy channel-echo || return 1
	_t1=$(uptime_ms)
	wait $_job
	read -r _rc _t2 </tmp/$1.end
	cat /tmp/$1.log
	echo "$2: status $_rc, $((_t2 - _t0)) ms after the destroy began (the destroy took $((_t1 - _t0)) ms)"
	echo "$((_t2 - _t0))" >/tmp/$1.ms
	[ "$_rc" -ne 0 ] && grep -q '(EPIPE)' /tmp/$1.log && [ $((_t2 - _t0)) -lt 2000 ]
}

# round_trip N: send N random bytes, receive the echo, compare.
round_trip() {
	head -c "$1" /dev/urandom >/tmp/rt.$1 &&
		bulkhead channel send 1 /tmp/rt.$1 &&
		bulkhead channel recv 1 /tmp/rt.out.$1 &&
		cmp /tmp/rt.$1 /tmp/rt.out.$1
}
fresh_peer() {
	run_cell channel-echo $echo_cfg "run=3" 'channel-echo: ready' &&
		round_trip 4097 && round_trip 1048576 &&
		printf stop >/tmp/stop && bulkhead channel send 1 /tmp/stop &&
		wait_until 100 console_after '[channel-echo] inmate: args "run=3"' 'channel-echo: stop after 2 transactions' &&
		bulkhead cell destroy channel-echo
}

# --- cell and cell -------------------------------------------------------------------

ping_args="id=2 ping=6 watch timeout=$ping_timeout_ms"

# cell_death WHAT PONG_ARGS STALL_ERE: four results. ping sends 1 B .. 64 KiB
# and 1 MiB (the sixth, "ping 5"); pong (PONG_ARGS) hangs in the middle of
# the 1 MiB transaction; destroying it ends ping's WHAT with "peer gone".
cell_death() {
	_what=$1 _pa=$2 _stall=$3
	_marker="[channel-ping] inmate: args \"$ping_args\""
	if bulkhead cell create $ping_cfg && bulkhead cell create $pong_cfg &&
		bulkhead cell load channel-ping /inmates/channel-echo.bin --args "$ping_args" &&
		bulkhead cell load channel-pong /inmates/channel-echo.bin --args "$_pa" &&
		bulkhead cell start channel-ping &&
		wait_until 100 console_after "$_marker" 'channel-echo: ping: ready' &&
		bulkhead cell start channel-pong &&
		wait_until 300 console_after "[channel-pong] inmate: args \"$_pa\"" "$_stall"; then
		ktap_ok "$_what: ping and pong ($_pa) started, pong hangs in ping's 1 MiB transaction"
	else
		ktap_fail "$_what: ping and pong ($_pa) started, pong hangs in ping's 1 MiB transaction"
		bulkhead console | tail -n 12 >"$KTAP_DIR/con"
		ktap_diag_file "$KTAP_DIR/con" 12
	fi
	sleep 0.5
	_gone="channel-echo: ping 5: $_what of 1048576 bytes: peer gone \\(state 4\\) after [0-9]+ ms of its $ping_timeout_ms ms timeout"
	_t0=$(uptime_ms)
	bulkhead cell destroy channel-pong >"$KTAP_DIR/d.out" 2>&1
	_drc=$?
	_t1=$(uptime_ms)
	WAIT_STEP=0.02 wait_until 200 console_after "$_marker" "$_gone"
	_t2=$(uptime_ms)
	_line=$(grep -E "^\[channel-ping\] $_gone" "$bh/console" | tail -n 1)
	_waited=$(echo "$_line" | sed -n 's/.* after \([0-9]*\) ms of its .*/\1/p')
	if [ $_drc -eq 0 ] && console_after "$_marker" "$_gone" && [ $((_t2 - _t0)) -lt 2000 ] &&
		[ "${_waited:-$ping_timeout_ms}" -lt $ping_timeout_ms ]; then
		ktap_ok "$_what: pong destroyed; ping's $_what ends with peer gone $((_t2 - _t0)) ms after the destroy began (destroy $((_t1 - _t0)) ms; ping waited $_waited of its $ping_timeout_ms ms)"
	else
		ktap_fail "$_what: pong destroyed; ping's $_what ends with peer gone within 2 s" \
			"destroy status $_drc ($(cat "$KTAP_DIR/d.out")); $((_t2 - _t0)) ms; line '$_line'"
		bulkhead console | tail -n 12 >"$KTAP_DIR/con"
		ktap_diag_file "$KTAP_DIR/con" 12
	fi
	wl_progress "cell-$_what"

	# ping runs on: heartbeats after the error, state running.
	_alive="channel-echo: ping: alive after the peer's death, heartbeat 3$"
	if wait_until 100 console_after "$_marker" "$_alive" &&
		bulkhead cell list --json | grep -qF '"name":"channel-ping","state":"running"'; then
		ktap_ok "$_what: ping keeps running after the error (3 heartbeats, state running)"
	else
		ktap_fail "$_what: ping keeps running after the error (3 heartbeats, state running)" "$(bulkhead cell list --json 2>&1)"
	fi
	ktap_check "$_what: ping destroyed normally, CPUs 2 and 3 back in Linux" \
		sh -c 'bulkhead cell destroy channel-ping && test "$(cat /sys/devices/system/cpu/online)" = 0-3'
}

# --- the scenario ----------------------------------------------------------------

ktap_plan 18
ktap_check "insmod bulkhead.ko channel_timeout_ms=$root_timeout_ms" \
	insmod /lib/modules/bulkhead.ko channel_timeout_ms=$root_timeout_ms
workload_ref=$(root_workload_ref)
ktap_check "enable ($sys_cfg)" bulkhead enable "$sys_cfg"
pool_base=$(pool_used)
list_base=$(bulkhead cell list --json 2>&1)
dmesg_base=$(dmesg | wc -l)
ktap_diag "baseline: mem_pool_used $pool_base, online $(online)"
root_workload &
wl_pid=$!

ktap_check "root write of 1 MiB, the cell hangs after taking 64 KiB, is destroyed: EPIPE within 2 s (timeout $root_timeout_ms ms)" \
	root_death write send "run=1 stall-rx=65536" 'channel-echo: stalling after receiving 65536 of 1048576 bytes'
ktap_diag "write: EPIPE $(cat /tmp/write.ms 2>/dev/null) ms after the destroy began"
wl_progress root-write
ktap_check "root read of a 1 MiB echo, the cell hangs after 64 KiB of it, is destroyed: EPIPE within 2 s (timeout $root_timeout_ms ms)" \
	root_death read recv "run=2 stall=65536" 'channel-echo: stalling after 65536 of 1048576 bytes'
ktap_diag "read: EPIPE $(cat /tmp/read.ms 2>/dev/null) ms after the destroy began"
wl_progress root-read
ktap_check "a peer created afterwards starts on a fresh channel: 4097 B and 1 MiB round trips, stop, destroy" fresh_peer

cell_death send "id=2 stall-rx=65536" 'channel-echo: stalling after receiving 65536 of 1048576 bytes'
cell_death receive "id=2 stall=65536" 'channel-echo: stalling after 65536 of 1048576 bytes'

root_workload_stop
if wl_fine && [ -n "$workload_ref" ] && [ -z "$deaths_without_progress" ]; then
	ktap_ok "root workload (bh_workload verify on CPUs 0-1): $(wl_count) rounds, every checksum $workload_ref, rounds after each of the 4 deaths"
else
	ktap_fail "root workload (bh_workload verify on CPUs 0-1): every round right, rounds after each death" \
		"reference '$workload_ref', $(wl_count) rounds; no round after:${deaths_without_progress:- -}"
	ktap_diag_file "$KTAP_DIR/wl.err" 10
fi
ktap_result "mem_pool_used back at the baseline ($pool_base pages; now $(pool_used))" \
	"$([ "$(pool_used)" -eq "$pool_base" ] && echo 0 || echo 1)"
ktap_result "online CPUs (0-3) and cell list back at the baseline" \
	"$([ "$(online)" = 0-3 ] && [ "$(bulkhead cell list --json 2>&1)" = "$list_base" ] && echo 0 || echo 1)"
# A doorbell or other IPI that reached Linux instead of a cell shows here.
if dmesg | tail -n +$((dmesg_base + 1)) | grep -iE 'spurious|unexpected irq|No irq handler|illegal vector' >"$KTAP_DIR/irq"; then
	ktap_fail "Linux logged no stray interrupt"
	ktap_diag_file "$KTAP_DIR/irq" 10
else
	ktap_ok "Linux logged no stray interrupt"
fi
ktap_check "disable" bulkhead disable
ktap_done
