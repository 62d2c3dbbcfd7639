#!/usr/bin/env bash
# run.sh — run the benchmarks and save the raw output, headed by a
# description of the machine, as benchmarks/results/<date>.txt (or -o FILE).
#
# usage: benchmarks/run.sh [-n COUNT] [-b BENCH_REGEXP] [-t BENCHTIME]
#                          [-c CPU] [-x TAGS] [-o FILE]
#   -n COUNT      -test.count (default 6, enough for benchstat's intervals)
#   -b REGEXP     -test.bench pattern (default .)
#   -t BENCHTIME  -test.benchtime (default 0.3s)
#   -c CPU        -test.cpu list (default 1,2: single- and two-thread rows)
#   -x TAGS       build tags, e.g. openblas (cgo + libopenblas-dev) to add
#                 the OpenBLAS variant to the same run
#   -o FILE       output file (default $RESULTS/YYYY-MM-DDTHHMM.txt, UTC, so
#                 that names sort by time, with the seconds added when that
#                 file exists: a second run in the same minute never replaces
#                 the first; RESULTS, relative to the repository root,
#                 defaults to benchmarks/results)
# Compare two saved files with
#   go tool benchstat -col /impl FILE                 (variants side by side)
#   go tool benchstat OLD.txt NEW.txt                 (two runs)
set -euo pipefail

count=6 bench=. benchtime=0.3s cpu=1,2 tags= out=
while getopts "n:b:t:c:x:o:h" opt; do
	case $opt in
	n) count=$OPTARG ;;
	b) bench=$OPTARG ;;
	t) benchtime=$OPTARG ;;
	c) cpu=$OPTARG ;;
	x) tags=$OPTARG ;;
	o) out=$OPTARG ;;
	h | *) sed -n '2,20p' "$0"; exit 2 ;;
	esac
done

root=$(git rev-parse --show-toplevel)
case $out in
"" | /*) ;;
*) out=$PWD/$out ;; # -o is relative to where run.sh was called from
esac
cd "$root/benchmarks"
default_out=
if [ -z "$out" ]; then
	dir=${RESULTS:-benchmarks/results}
	case $dir in
	/*) ;;
	*) dir=$root/$dir ;; # RESULTS is relative to the repository root
	esac
	out=$dir/$(date -u +%Y-%m-%dT%H%M).txt
	default_out=1
fi
mkdir -p "$(dirname "$out")"

# busy reports the fraction of all CPUs busy over one second.
busy() {
	local a b
	a=$(head -1 /proc/stat)
	sleep 1
	b=$(head -1 /proc/stat)
	awk -v a="$a" -v b="$b" 'BEGIN {
		split(a, x); split(b, y); tot = 0; idle = 0
		for (i = 2; i <= 9; i++) tot += y[i] - x[i]
		idle = (y[5] - x[5]) + (y[6] - x[6])
		printf "%.2f", (tot - idle) / tot }'
}

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
{
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- "$root/sim" "$root/benchmarks" || echo +dirty)"
	echo "go-version: $(go env GOVERSION)"
	echo "goamd64: $(go env GOAMD64)"
	echo "cpu-model: $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
	echo "cpu-flags-simd: $(grep -m1 -o -w -E 'avx512f|avx2|fma' /proc/cpuinfo | sort -u | tr '\n' ' ')"
	echo "nproc: $(nproc)"
	echo "build-tags: ${tags:-none}"
	echo "bench-args: -bench '$bench' -benchtime $benchtime -cpu $cpu -count $count"
	echo "busy-before: $(busy)"
} >"$tmp"
go test ${tags:+-tags "$tags"} -run '^$' -bench "$bench" -benchtime "$benchtime" \
	-cpu "$cpu" -count "$count" . | tee -a "$tmp"
echo "busy-after: $(busy)" >>"$tmp"
if [ -n "$default_out" ] && [ -e "$out" ]; then
	# Another run wrote this minute's file: keep both (the seconds sort after it).
	stem=${out%.txt}$(date -u +%S)
	out=$stem.txt
	i=2
	while [ -e "$out" ]; do
		out=$stem-$i.txt
		i=$((i + 1))
	done
fi
mv "$tmp" "$out"
trap - EXIT
echo "wrote $out" >&2
