#!/bin/sh
# Build the Release "bench" preset and run shmbench, then msgbench (message
# rings and byte streams; skipped when a --case is given). Arguments go to
# shmbench (e.g. --quick for the CI smoke run, --rounds 9, --case mpmc);
# msgbench gets --quick when shmbench does.
# Results: tables on stdout; runs.csv, summary.csv and plot.png in
# $SHMBENCH_OUT (default build/bench-out), msgbench's table in msgbench.txt
# there. Exit status: 0 when every run of both verified its messages.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SHMBENCH_BUILD_DIR:-$root/build/bench}
out=${SHMBENCH_OUT:-$root/build/bench-out}
cd "$root"
cmake --preset bench -B "$build" >/dev/null
cmake --build "$build" -j2 --target shmbench msgbench >/dev/null
rc=0
"$build/bench/shmbench" --out "$out" "$@" || rc=$?
quick= ; only_case=
for a in "$@"; do
	case $a in
	--quick) quick=--quick ;;
	--case|--case=*) only_case=1 ;;
	esac
done
if [ -z "$only_case" ]; then
	mkdir -p "$out"
	# The pipeline's status is tee's: keep msgbench's in a file.
	{ "$build/bench/msgbench" $quick; echo $? >"$out/msgbench.rc"; } | tee "$out/msgbench.txt"
	[ "$(cat "$out/msgbench.rc")" = 0 ] || rc=1
fi
exit $rc
