#!/bin/bash
# What the counters cost: the same sources built twice, with the counters
# (as shipped) and without them (-DSHMRING_PVT_NO_STATS -DSHMRING_PVT_NO_LAPS:
# no slow-path counting, no n-1 lap word; a measurement build only, its
# counts are wrong).
#
#   bench/stats_cost.sh [ROUNDS]
#
# 1. callgrind (bench/callgrind.sh's machinery, Release, -march=x86-64-v3):
#    instructions per push+pop pair, single and burst of 32, for each build.
# 2. throughput: shmbench cases (SHMBENCH_STATS_CASE, default "spsc": the SPSC
#    ones) for shmring only, the two
#    builds run alternately ROUNDS times (default 3) under the same load;
#    prints the medians' ratio per case (with / without). Report `uptime`
#    with the figures: on a loaded machine the ratio is noise-bound.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-3}
case=${SHMBENCH_STATS_CASE:-spsc}  # shmbench --case: which cases to time
out=${SHMBENCH_STATS_OUT:-$root/build/stats-cost}
cd "$root"
mkdir -p "$out"
v3="-march=x86-64-v3"
off="-DSHMRING_PVT_NO_STATS=1 -DSHMRING_PVT_NO_LAPS=1"

uptime
for variant in with without; do
	flags=$v3
	[ "$variant" = without ] && flags="$v3 $off"
	build=$root/build/cg-$variant
	# As bench/callgrind.sh runs it, with this variant's flags (that script
	# re-applies the preset's flags, so it is not called here).
	cmake --preset callgrind -B "$build" -DCMAKE_C_FLAGS="$flags" \
		-DCMAKE_CXX_FLAGS="$flags" >/dev/null
	cmake --build "$build" -j2 --target shmbench >/dev/null
	rm -rf "$out/cg-$variant"
	mkdir -p "$out/cg-$variant"
	valgrind --tool=callgrind --collect-atstart=no \
		--callgrind-out-file="$out/cg-$variant/cg.out" \
		--log-file="$out/cg-$variant/valgrind.log" \
		"$build/bench/shmbench" --callgrind "$out/cg-$variant/cg.out" >/dev/null
	mv "$out/cg-$variant/cg.out.csv" "$out/cg-$variant/callgrind.csv"
done
echo "callgrind: instructions per push+pop pair (burst: per element), 8-byte elements"
printf '%-22s %-8s %10s %10s %8s\n' impl mode with without diff
join -t, <(grep '^shmring' "$out/cg-with/callgrind.csv" | cut -d, -f1-3 | sed 's/,/:/' | sort) \
	<(grep '^shmring' "$out/cg-without/callgrind.csv" | cut -d, -f1-3 | sed 's/,/:/' | sort) |
	awk -F, '{ split($1, k, ":"); printf "%-22s %-8s %10.2f %10.2f %+8.2f\n", k[1], k[2], $2, $3, $2 - $3 }'

for variant in with without; do
	flags=""
	[ "$variant" = without ] && flags=$off
	cmake --preset bench -B "$root/build/tp-$variant" -DCMAKE_C_FLAGS="$flags" >/dev/null
	cmake --build "$root/build/tp-$variant" -j2 --target shmbench >/dev/null
done
i=1
while [ "$i" -le "$rounds" ]; do
	for variant in with without; do
		"$root/build/tp-$variant/bench/shmbench" --rounds 1 --impl shmring --case "$case" \
			--out "$out/tp-$variant-$i" >/dev/null
	done
	i=$((i + 1))
done
uptime
echo "throughput: median over $rounds alternating runs (Mmsg/s, or ns for latency cases), with / without"
python3 - "$out" "$rounds" <<'PY'
import csv, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
def load(variant):
    v = {}
    for i in range(1, rounds + 1):
        with open("%s/tp-%s-%d/runs.csv" % (out, variant, i)) as f:
            for row in csv.DictReader(f):
                if row.get("status") != "ok" or not row["impl"].startswith("shmring"):
                    continue
                key = (row["case"], row["impl"], row["unit"])
                v.setdefault(key, []).append(float(row["v50"]))
    return v
w, wo = load("with"), load("without")
print("%-28s %-20s %-6s %8s %8s %7s" % ("case", "impl", "unit", "with", "without", "ratio"))
for key in sorted(set(w) & set(wo)):
    a, b = statistics.median(w[key]), statistics.median(wo[key])
    print("%-28s %-20s %-6s %8.2f %8.2f %7.3f" % (key + (a, b, a / b if b else float("nan"))))
PY
