#!/bin/sh
# bench/ingest.sh [BASE [HOSTS [ROUNDS]]]: instructions per batch through
# ingest (overrides, catalog, alert engine, RRD queue), per batch made
# from the munin client's cached config and freed again, and per alert sweep,
# this tree against BASE (a git revision, default main) side by side.
#
# Both builds run bench/ingest_bench.c (this tree's copy; BASE is cloned
# into a temporary directory and built there) under callgrind, which
# counts instructions: deterministic on a shared, noisy machine, where a
# wall-clock figure would not be.  HOSTS guests (default 1000) x 5
# services (21 fields), ROUNDS measured polls of each (default 3).
# QUEUE=N sets the RRD writer's queue (default 64, where most values are
# refused; a QUEUE above HOSTS x (ROUNDS + 1) x 21 queues every value).
set -eu
base=${1:-main}
hosts=${2:-1000}
rounds=${3:-3}
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/drover-ingest-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

command -v valgrind >/dev/null || { echo "needs valgrind" >&2; exit 1; }

# this tree
make -C "$top" -s bench/ingest_bench >/dev/null

# the baseline, with this tree's benchmark program
git clone -q "$top" "$tmp/base"
git -C "$tmp/base" checkout -q "$base"
cp "$top/bench/ingest_bench.c" "$tmp/base/bench/"
if ! grep -q ingest_bench "$tmp/base/Makefile.am"; then
	cat >>"$tmp/base/Makefile.am" <<'EOF'
EXTRA_PROGRAMS += bench/ingest_bench
bench_ingest_bench_SOURCES = bench/ingest_bench.c
bench_ingest_bench_LDADD = libdrover.a $(DEP_LIBS)
EOF
fi
(cd "$tmp/base" && autoreconf -fi >/dev/null 2>&1 && ./configure -q &&
	make -s -j2 bench/ingest_bench >/dev/null 2>&1) ||
	{ echo "cannot build $base" >&2; exit 1; }

# Inclusive instructions of one function from a callgrind profile.
incl() {
	callgrind_annotate --inclusive=yes "$1" 2>/dev/null |
		awk -v f="$2" '$0 ~ f" \\[" || $0 ~ ":"f" " { gsub(",", "", $1); print $1; exit }'
}

run() { # dir label
	valgrind --tool=callgrind --callgrind-out-file="$tmp/$2.out" \
		--toggle-collect=bench_ingest --toggle-collect=bench_tick \
		--toggle-collect=bench_replay --toggle-collect=bench_done \
		"$1/bench/ingest_bench" "$hosts" "$rounds" "${QUEUE:-64}" >"$tmp/$2.log" 2>&1
}
run "$tmp/base" before
run "$top" after
grep '^ingest_bench:' "$tmp/after.log"

batches=$((hosts * rounds))
bi=$(incl "$tmp/before.out" bench_ingest)
ai=$(incl "$tmp/after.out" bench_ingest)
bt=$(incl "$tmp/before.out" bench_tick)
at=$(incl "$tmp/after.out" bench_tick)
br=$(( $(incl "$tmp/before.out" bench_replay) + $(incl "$tmp/before.out" bench_done) ))
ar=$(( $(incl "$tmp/after.out" bench_replay) + $(incl "$tmp/after.out" bench_done) ))
echo "base: $base ($(git -C "$tmp/base" rev-parse --short HEAD)), this tree: $(git -C "$top" rev-parse --short HEAD)$(git -C "$top" diff --quiet HEAD -- . || echo '+changes')"
awk -v bi="$bi" -v ai="$ai" -v bt="$bt" -v at="$at" -v n="$batches" \
	-v r="$rounds" -v br="$br" -v ar="$ar" 'BEGIN {
	printf "%-28s %14s %14s %7s\n", "instructions", "before", "after", "ratio"
	printf "%-28s %14.0f %14.0f %7.3f\n", "per batch (ingest_batch)", bi / n, ai / n, ai / bi
	printf "%-28s %14.0f %14.0f %7.3f\n", "per batch (replay+free)", br / n, ar / n, ar / br
	printf "%-28s %14.0f %14.0f %7.3f\n", "per sweep (alerts_tick)", bt / r, at / r, at / bt
}'
