#!/bin/sh
# A correctness check of the benchmark path, run by ctest (no timing is asserted):
# generate a small corpus and check that the loader finds exactly the records the
# generator wrote.
set -eu
bench_load=$1 out=$2
src=$(cd "$(dirname "$0")/.." && pwd)
expected=$(lua5.4 "$src/bench/gen_corpus.lua" 2 "$out" 2>&1 | sed -n 's/.*expected: \([0-9]*\) records.* \([0-9]*\) measures$/\1 records, \2 measures/p')
[ -n "$expected" ] || { echo "smoke: the generator printed no expectation" >&2; exit 1; }
got=$("$bench_load" --repeat 1 "$out" | sed -n 's/^load *OK: \([0-9]* records, [0-9]* measures\).*/\1/p')
# a corpus of SIZE_MB is at most SIZE_MB, so `make bench-1g`'s fits the default --max-size
bytes=$(wc -c <"$out")
rm -f "$out"
[ "$bytes" -le $((2 * 1048576)) ] || { echo "smoke: a 2 MB corpus of $bytes bytes: over its size" >&2; exit 1; }
[ "$got" = "$expected" ] || { echo "smoke: expected $expected, loader found '$got'" >&2; exit 1; }
echo "smoke ok: $got"
