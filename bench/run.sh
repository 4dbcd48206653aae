#!/bin/sh
# Build the Release "bench" preset and run shmbench; arguments go to shmbench
# (e.g. --quick for the CI smoke run, --rounds 9, --case mpmc).
# Results: table on stdout; runs.csv, summary.csv and plot.png in
# $SHMBENCH_OUT (default build/bench-out). Exit status is shmbench's.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SHMBENCH_BUILD_DIR:-$root/build/bench}
out=${SHMBENCH_OUT:-$root/build/bench-out}
cd "$root"
cmake --preset bench -B "$build" >/dev/null
cmake --build "$build" -j2 --target shmbench >/dev/null
exec "$build/bench/shmbench" --out "$out" "$@"
