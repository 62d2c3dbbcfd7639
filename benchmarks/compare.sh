#!/usr/bin/env bash
# compare.sh — benchstat of two saved result files.
#
# usage: benchmarks/compare.sh [NEW [BASE]]   (or NEW=... BASE=... in the environment)
#   NEW   default: the newest raw result in benchmarks/results/ (a file written by
#         run.sh, i.e. with a "bench-args:" header; the saved *-benchstat.txt
#         tables are skipped)
#   BASE  default: the newest raw result older than NEW that ran the same
#         -bench pattern, else the newest older one with a benchmark in common
# Extra benchstat arguments can be passed in BENCHSTAT_FLAGS.
set -euo pipefail

root=$(git rev-parse --show-toplevel)
cd "$root"
new=${1:-${NEW:-}}
base=${2:-${BASE:-}}

# pattern prints the -bench pattern recorded in a result file's header.
pattern() { sed -n "s/^bench-args: -bench '\([^']*\)'.*/\1/p" "$1" | head -n 1; }

# names prints the benchmark names of a result file, sorted.
names() { awk '/^Benchmark/ {print $1}' "$1" | sort -u; }

raw() {
	for f in benchmarks/results/*.txt; do
		case $f in *-benchstat.txt) continue ;; esac
		grep -q '^bench-args:' "$f" && echo "$f"
	done | sort
}

if [ -z "$new" ]; then
	new=$(raw | tail -n 1)
	if [ -z "$new" ]; then
		echo "bench-compare: no saved results in benchmarks/results/ (run make bench first)" >&2
		exit 2
	fi
fi
if [ -z "$base" ]; then
	want=$(pattern "$new")
	base=$(raw | awk -v n="$new" '$0 < n' | while read -r f; do
		if [ "$(pattern "$f")" = "$want" ]; then echo "$f"; fi
	done | tail -n 1)
	if [ -z "$base" ]; then
		# Else the newest older result with any benchmark in common.
		base=$(raw | awk -v n="$new" '$0 < n' | while read -r f; do
			if [ -n "$(comm -12 <(names "$f") <(names "$new") | head -n 1)" ]; then echo "$f"; fi
		done | tail -n 1)
	fi
	if [ -z "$base" ]; then
		echo "bench-compare: no earlier result has a benchmark in common with $new; choose one with BASE=FILE" >&2
		exit 2
	fi
fi
echo "# go tool benchstat $base $new" >&2
exec go tool benchstat ${BENCHSTAT_FLAGS:-} "$base" "$new"
