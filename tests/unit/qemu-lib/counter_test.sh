# counter_set / counter_get of tests/qemu/lib.sh under a writer that never
# pauses: every read must be a whole number, never less than the one before.
# (The root workload's round counter was once written with "echo N >FILE";
# a reader between the truncation and the write got an empty string, which
# the scenario's arithmetic took for 0 rounds.)
#
# usage: busybox sh counter_test.sh tests/qemu/lib.sh
set -u
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
KTAP_DIR=$dir/ktap
. "$1" >/dev/null

f=$dir/count
(
	n=0
	while [ ! -e "$dir/stop" ]; do
		n=$((n + 1))
		counter_set "$f" "$n"
	done
) &
writer=$!

reads=3000 prev=0 bad=0 i=0
while [ $i -lt $reads ]; do
	v=$(counter_get "$f")
	case $v in
	'' | *[!0-9]*) bad=$((bad + 1)); [ $bad -le 5 ] && echo "read '$v' after $prev" ;;
	*)
		[ "$v" -ge "$prev" ] || { bad=$((bad + 1)); echo "read $v after $prev"; }
		prev=$v
		;;
	esac
	i=$((i + 1))
done
touch "$dir/stop"
wait $writer

echo "$reads reads while the writer counted to $prev: $bad bad"
# The writer must really have raced the reads, or nothing was shown.
[ "$prev" -ge 100 ] || { echo "FAIL: the writer hardly ran"; exit 1; }
[ $bad -eq 0 ] || { echo "FAIL"; exit 1; }
echo PASS
