#!/bin/sh
# Run every libFuzzer harness for a bounded time; exit non-zero if any of
# them finds a crash, a failed check, a leak or a timeout.
#
#   fuzz/run_all.sh [SECONDS] [BUILD_DIR]
#
# SECONDS: per harness (default $SHMRING_FUZZ_SECONDS, else 60).
# BUILD_DIR: a clang build with the fuzz preset (default build/fuzz, what
# `cmake --workflow --preset fuzz` makes). Each harness starts from its
# committed corpus (fuzz/corpus/<target>, read only) and writes new inputs to
# a scratch directory; crash inputs land in $SHMRING_FUZZ_ARTIFACTS (default
# build dir's fuzz/artifacts/) to be minimised and committed as regressions.
set -u
here=$(cd "$(dirname "$0")" && pwd)
secs=${1:-${SHMRING_FUZZ_SECONDS:-60}}
build=${2:-$here/../build/fuzz}
art=${SHMRING_FUZZ_ARTIFACTS:-$build/fuzz/artifacts}
status=0

mkdir -p "$art"
for t in ops attach peer msg bytes bcast bmsg; do
	bin=$build/fuzz/fuzz_$t
	if [ ! -x "$bin" ]; then
		echo "run_all.sh: $bin missing (build with: cmake --workflow --preset fuzz)" >&2
		status=1
		continue
	fi
	scratch=$(mktemp -d)
	dict=
	[ -f "$here/$t.dict" ] && dict=-dict=$here/$t.dict
	echo "== fuzz_$t: $secs s"
	# One process, one job: the machine is shared. -timeout catches hangs.
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$art/$t-" $dict "$scratch" "$here/corpus/$t" \
		>"$art/$t.log" 2>&1
	rc=$?
	grep -E "^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::(number_of_executed_units|average_exec_per_sec)" \
		"$art/$t.log"
	if [ "$rc" -ne 0 ]; then
		echo "fuzz_$t FAILED (exit $rc): see $art/$t.log" >&2
		tail -n 40 "$art/$t.log" >&2
		status=1
	fi
	rm -rf "$scratch"
done
exit $status
