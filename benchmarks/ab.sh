#!/usr/bin/env bash
# ab.sh — compare the benchmarks of two git revisions honestly on a noisy
# machine: build both revisions' benchmark test binaries (git worktree into a
# temp dir, go test -c), run them interleaved COUNT times each, then feed both
# outputs to benchstat.
#
# usage: benchmarks/ab.sh [-n COUNT] [-b BENCH_REGEXP] [-t BENCHTIME] [-c CPU]
#                         [-p PKG] [-o OUTDIR] [-x TAGS] OLD_REV [NEW_REV]
#   OLD_REV, NEW_REV  any git revision; NEW_REV defaults to the working tree
#                     (uncommitted changes included)
#   -n COUNT          rounds; each round runs OLD once then NEW once (default 6)
#   -b REGEXP         -test.bench pattern (default .)
#   -t BENCHTIME      -test.benchtime (default 0.5s)
#   -c CPU            -test.cpu list, e.g. 1 or 1,2 (default 1)
#   -p PKG            package holding the benchmarks (default ./benchmarks)
#   -o OUTDIR         where old.txt and new.txt go (default a new temp dir, kept)
#   -x TAGS           build tags for both binaries, e.g. openblas
# Extra benchstat arguments can be passed in BENCHSTAT_FLAGS (for instance
# BENCHSTAT_FLAGS='-col /impl').
set -euo pipefail
# The worktrees live under a temporary directory: a go.work file above it
# (in /tmp, say) must not capture their builds.
export GOWORK=off

count=6 bench=. benchtime=0.5s cpu=1 pkg=./benchmarks outdir= tags=
while getopts "n:b:t:c:p:o:x:h" opt; do
	case $opt in
	n) count=$OPTARG ;;
	b) bench=$OPTARG ;;
	t) benchtime=$OPTARG ;;
	c) cpu=$OPTARG ;;
	p) pkg=$OPTARG ;;
	o) outdir=$OPTARG ;;
	x) tags=$OPTARG ;;
	h | *) sed -n '2,20p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] && [ $# -le 2 ] || { sed -n '2,20p' "$0"; exit 2; }
old=$1 new=${2:-}

root=$(git rev-parse --show-toplevel)
tmp=$(mktemp -d)
cleanup() {
	for w in "$tmp"/wt-*; do
		[ -d "$w" ] && git -C "$root" worktree remove --force "$w" >/dev/null 2>&1 || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
[ -n "$outdir" ] || outdir=$(mktemp -d -t ab-results-XXXXXX)
mkdir -p "$outdir"

# build REV NAME: compile the benchmark binary of REV (empty: working tree).
build() {
	local rev=$1 name=$2 src=$root
	if [ -n "$rev" ]; then
		src=$tmp/wt-$name
		git -C "$root" worktree add --detach --quiet "$src" "$rev"
	fi
	(cd "$src" && go test -c ${tags:+-tags "$tags"} -o "$tmp/$name.test" "$pkg")
	echo "built $name from ${rev:-working tree} ($(cd "$src" && git rev-parse --short HEAD))" >&2
}
build "$old" old
build "$new" new

: >"$outdir/old.txt"
: >"$outdir/new.txt"
pkgdir=$root/${pkg#./}
for i in $(seq 1 "$count"); do
	echo "round $i/$count" >&2
	for name in old new; do
		# Run from the package directory, as go test does.
		(cd "$pkgdir" && "$tmp/$name.test" -test.run '^$' -test.bench "$bench" \
			-test.benchtime "$benchtime" -test.cpu "$cpu" -test.count 1) >>"$outdir/$name.txt"
	done
done
cd "$root"
# shellcheck disable=SC2086
go tool benchstat ${BENCHSTAT_FLAGS:-} old="$outdir/old.txt" new="$outdir/new.txt"
echo "raw results: $outdir/old.txt $outdir/new.txt" >&2
