#!/usr/bin/env bash
# compare.sh — benchstat of two saved result files.
#
# usage: benchmarks/compare.sh [NEW [BASE]]   (or NEW=... BASE=... in the environment)
#   NEW   default: the newest raw result in benchmarks/results/ (a file written by
#         run.sh, i.e. with a "bench-args:" header; the saved *-benchstat.txt
#         tables and other notes are skipped)
#   BASE  default: the newest raw result in benchmarks/results/ older than NEW
#         (by name, which starts with the UTC time) that ran the same -bench
#         pattern, else the newest older one with a benchmark in common
# NEW and BASE may be any files (paths relative to the current folder).
# Extra benchstat arguments can be passed in BENCHSTAT_FLAGS.
set -euo pipefail

abs() { if [ -n "$1" ]; then (cd "$(dirname "$1")" 2>/dev/null && echo "$PWD/$(basename "$1")") || echo "$1"; fi; }
new=$(abs "${1:-${NEW:-}}")
base=$(abs "${2:-${BASE:-}}")
for f in $new $base; do
	if [ ! -f "$f" ]; then
		echo "bench-compare: no such result file: $f" >&2
		exit 2
	fi
done

root=$(git rev-parse --show-toplevel)
cd "$root"

# pattern prints the -bench pattern recorded in a result file's header.
pattern() { sed -n "s/^bench-args: -bench '\([^']*\)'.*/\1/p" "$1" | head -n 1; }

# names prints the benchmark names of a result file, sorted.
names() { awk '/^Benchmark/ {print $1}' "$1" | sort -u; }

# raw lists the raw results in benchmarks/results/, oldest first.
raw() {
	for f in benchmarks/results/*.txt; do
		case $f in *-benchstat.txt) continue ;; esac
		if grep -q '^bench-args:' "$f"; then echo "$f"; fi
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
	# Older than NEW by name (the names start with the UTC time).
	older() { raw | while read -r f; do
		if [[ "$(basename "$f")" < "$(basename "$new")" ]]; then echo "$f"; fi
	done; }
	want=$(pattern "$new")
	base=$(older | while read -r f; do
		if [ "$(pattern "$f")" = "$want" ]; then echo "$f"; fi
	done | tail -n 1)
	if [ -z "$base" ]; then
		base=$(older | while read -r f; do
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
