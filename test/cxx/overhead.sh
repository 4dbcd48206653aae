#!/bin/sh
# SPDX-License-Identifier: MIT
#
# shmring::ring<T> costs what the C inline calls cost: callgrind counts the
# instructions of N push+pop pairs in a C loop and in the same loop written
# with the C++ wrapper (test/cxx/overhead.cpp), for N1 and N2 iterations;
# the difference over N2 - N1 is the cost of one pair, setup and the call
# into the loop cancelling out. Instruction counts are deterministic (not a
# timing); the test fails if the C++ pair costs more than the C pair.
#
#   overhead.sh VALGRIND OVERHEAD_EXE
set -eu
[ $# -eq 2 ] || { echo "usage: $0 VALGRIND EXE" >&2; exit 2; }
valgrind=$1 exe=$2
n1=2000 n2=22000
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

# ir MODE LANG N: instructions inside the loop function.
ir() {
	fn=overhead_c_loop
	[ "$2" = cxx ] && fn=overhead_cxx_loop
	"$valgrind" --tool=callgrind --toggle-collect="$fn" \
		--callgrind-out-file="$tmp/cg.$1.$2.$3" --log-file="$tmp/log" "$exe" "$1" "$2" "$3" ||
		{ cat "$tmp/log" >&2; echo "FAIL: $exe $1 $2 $3" >&2; exit 1; }
	sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$tmp/cg.$1.$2.$3"
}

printf '%-6s %14s %14s\n' mode "C pair" "C++ pair"
for mode in fast8 n1 mpmc; do
	c1=$(ir $mode c $n1) c2=$(ir $mode c $n2)
	x1=$(ir $mode cxx $n1) x2=$(ir $mode cxx $n2)
	c=$(awk -v a="$c1" -v b="$c2" -v n="$((n2 - n1))" 'BEGIN { printf "%.2f", (b - a) / n }')
	x=$(awk -v a="$x1" -v b="$x2" -v n="$((n2 - n1))" 'BEGIN { printf "%.2f", (b - a) / n }')
	printf '%-6s %14s %14s\n' $mode "$c" "$x"
	if awk -v c="$c" -v x="$x" 'BEGIN { exit !(x > c) }'; then
		echo "FAIL: $mode: the C++ wrapper costs $x instructions per pair, C $c"
		status=1
	fi
done
exit $status
