#!/bin/sh
# Instructions per operation under callgrind, from the "callgrind" preset
# (Release, -march=x86-64-v3: valgrind 3.19 cannot run AVX-512 code):
# shmbench --callgrind (enqueue+dequeue of 8-byte elements), then msgbench
# --cg (send+receive of messages: msg, msg-mp, zero-copy, memcpy hand-off).
# Prints both tables; the dumps, callgrind.csv and msg-callgrind.csv stay in
# $SHMBENCH_CG_OUT (default build/callgrind-out). SHMBENCH_CG_ONLY=msg runs
# msgbench's table alone, =shm shmbench's alone.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SHMBENCH_CG_BUILD_DIR:-$root/build/callgrind}
out=${SHMBENCH_CG_OUT:-$root/build/callgrind-out}
only=${SHMBENCH_CG_ONLY:-}
cd "$root"
cmake --preset callgrind -B "$build" >/dev/null
cmake --build "$build" -j2 --target shmbench msgbench >/dev/null
rm -rf "$out"
mkdir -p "$out"
status=0
if [ "$only" != msg ]; then
	valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file="$out/cg.out" \
		--log-file="$out/valgrind.log" \
		"$build/bench/shmbench" --callgrind "$out/cg.out" || status=$?
	mv "$out/cg.out.csv" "$out/callgrind.csv" 2>/dev/null || true
	[ "$status" -eq 0 ] || echo "shmbench callgrind run failed ($status); see $out/valgrind.log" >&2
fi
if [ "$only" != shm ]; then
	[ "$only" = msg ] || echo
	mstatus=0
	valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file="$out/msg.out" \
		--log-file="$out/msg-valgrind.log" \
		"$build/bench/msgbench" --cg "$out/msg.out" || mstatus=$?
	mv "$out/msg.out.csv" "$out/msg-callgrind.csv" 2>/dev/null || true
	if [ "$mstatus" -ne 0 ]; then
		echo "msgbench callgrind run failed ($mstatus); see $out/msg-valgrind.log" >&2
		status=$mstatus
	fi
fi
exit "$status"
