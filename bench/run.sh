#!/bin/sh
# Build the Release "bench" preset and run shmbench; arguments go to shmbench
# (e.g. --quick for the CI smoke run, --rounds 9, --case mpmc). Then the
# broadcast bench, shmbench_bcast (--quick passed on; SHMBENCH_BCAST=0 skips
# it, SHMBENCH_BCAST_ARGS adds arguments).
# Results: table on stdout; runs.csv, summary.csv and plot.png in
# $SHMBENCH_OUT (default build/bench-out). Exit status is shmbench's.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SHMBENCH_BUILD_DIR:-$root/build/bench}
out=${SHMBENCH_OUT:-$root/build/bench-out}
cd "$root"
cmake --preset bench -B "$build" >/dev/null
cmake --build "$build" -j2 --target shmbench shmbench_bcast >/dev/null
status=0
"$build/bench/shmbench" --out "$out" "$@" || status=$?
if [ "${SHMBENCH_BCAST:-1}" != 0 ]; then
	quick=
	for a in "$@"; do [ "$a" = --quick ] && quick=--quick; done
	# shellcheck disable=SC2086
	mkdir -p "$out"
	"$build/bench/shmbench_bcast" $quick ${SHMBENCH_BCAST_ARGS:-} >"$out/bcast.txt" ||
		status=1
	cat "$out/bcast.txt"
fi
exit $status
