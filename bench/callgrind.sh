#!/bin/sh
# Instructions per enqueue+dequeue under callgrind, from the "callgrind" preset
# (Release, -march=x86-64-v3: valgrind 3.19 cannot run AVX-512 code).
# Prints the table; the dumps and callgrind.csv stay in $SHMBENCH_CG_OUT
# (default build/callgrind-out).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SHMBENCH_CG_BUILD_DIR:-$root/build/callgrind}
out=${SHMBENCH_CG_OUT:-$root/build/callgrind-out}
cd "$root"
cmake --preset callgrind -B "$build" >/dev/null
cmake --build "$build" -j2 --target shmbench >/dev/null
rm -rf "$out"
mkdir -p "$out"
status=0
valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file="$out/cg.out" \
	--log-file="$out/valgrind.log" \
	"$build/bench/shmbench" --callgrind "$out/cg.out" || status=$?
mv "$out/cg.out.csv" "$out/callgrind.csv" 2>/dev/null || true
[ "$status" -eq 0 ] || echo "callgrind run failed ($status); see $out/valgrind.log" >&2
exit "$status"
