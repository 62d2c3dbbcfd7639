#!/usr/bin/env bash
# compare.sh — benchstat of two saved result files.
#
# usage: benchmarks/compare.sh [--pair] [NEW [BASE]]   (or NEW=... BASE=... in the environment)
#   NEW   default: the newest raw result in benchmarks/results/ (a file written by
#         run.sh, i.e. with a "bench-args:" header; the saved *-benchstat.txt
#         tables and other notes are skipped) that has a BASE; a newer one
#         with nothing to compare against (a one-off pattern) is skipped, and
#         said so
#   BASE  default: the newest raw result in benchmarks/results/ older than NEW
#         (by name, which starts with the UTC time) that ran the same -bench
#         pattern, else the newest older one with a benchmark in common
#   --pair  print "BASE NEW" (paths) instead of running benchstat
# NEW and BASE may be any files (paths relative to the current folder).
# RESULTS (default benchmarks/results) is the folder searched, relative to the
# repository root. Extra benchstat arguments can be passed in BENCHSTAT_FLAGS.
set -euo pipefail

pair_only=
if [ "${1:-}" = "--pair" ]; then
	pair_only=1
	shift
fi

abs() { if [ -n "$1" ]; then (cd "$(dirname "$1")" 2>/dev/null && echo "$PWD/$(basename "$1")") || echo "$1"; fi; }
new=$(abs "${1:-${NEW:-}}")
base=$(abs "${2:-${BASE:-}}")
for f in "$new" "$base"; do
	if [ -n "$f" ] && [ ! -f "$f" ]; then
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

results=${RESULTS:-benchmarks/results}

# raw lists the raw results in $results, oldest first.
raw() {
	for f in "$results"/*.txt; do
		[ -f "$f" ] || continue
		case $f in *-benchstat.txt) continue ;; esac
		if grep -q '^bench-args:' "$f"; then echo "$f"; fi
	done | sort
}

# base_of prints the default BASE of the result $1, or nothing.
base_of() {
	local n=$1 want b
	want=$(pattern "$n")
	# Older than n by name (the names start with the UTC time).
	older() { raw | while read -r f; do
		if [[ "$(basename "$f")" < "$(basename "$n")" ]]; then echo "$f"; fi
	done; }
	b=$(older | while read -r f; do
		if [ "$(pattern "$f")" = "$want" ]; then echo "$f"; fi
	done | tail -n 1)
	if [ -z "$b" ]; then
		b=$(older | while read -r f; do
			if [ -n "$(comm -12 <(names "$f") <(names "$n") | head -n 1)" ]; then echo "$f"; fi
		done | tail -n 1)
	fi
	echo "$b"
}

if [ -z "$new" ]; then
	newest=$(raw | tail -n 1)
	if [ -z "$newest" ]; then
		echo "bench-compare: no saved results in $results (run make bench first)" >&2
		exit 2
	fi
	if [ -n "$base" ]; then
		new=$newest # BASE given: the newest raw result
	else
		# The newest raw result that has something to compare against.
		while read -r f; do
			b=$(base_of "$f")
			if [ -n "$b" ]; then
				new=$f base=$b
				break
			fi
		done < <(raw | sort -r)
	fi
	if [ -z "$new" ]; then
		echo "bench-compare: no two saved results in $results have a benchmark in common; choose with NEW=FILE BASE=FILE" >&2
		exit 2
	fi
	if [ "$new" != "$newest" ]; then
		echo "# the newest result, $newest, has no earlier result to compare with: comparing $new" >&2
	fi
fi
if [ -z "$base" ]; then
	base=$(base_of "$new")
	if [ -z "$base" ]; then
		echo "bench-compare: no earlier result has a benchmark in common with $new; choose one with BASE=FILE" >&2
		exit 2
	fi
fi
if [ -n "$pair_only" ]; then
	echo "$base $new"
	exit 0
fi
echo "# go tool benchstat $base $new" >&2
exec go tool benchstat ${BENCHSTAT_FLAGS:-} "$base" "$new"
