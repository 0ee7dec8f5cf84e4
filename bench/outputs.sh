#!/bin/sh
# bench/outputs.sh -- issue 12's outputs on a generated digest: wall time and peak RSS
# (GNU time's %M) of the load alone (stats), facets counted in C and in Lua, the
# overview, the csv export unsorted and sorted (by the core), the xlsx and sqlite exports
# and the report, one run each, side by side in one run so the ratios to the load compare.
#
#   bench/outputs.sh [--size MB] [BUILD_DIR]      (default: 100 MB, build)
set -eu

. "$(dirname "$0")/common.sh"
build=build
size=100
while [ $# -gt 0 ]; do
  case $1 in
  --size) size=$2; shift 2 ;;
  -h | --help) usage; exit 0 ;;
  -*) bad_option "$1" ;;
  *) build=$1; shift ;;
  esac
done
case $build in /*) ;; *) build=$root/$build ;; esac
bqw=$build/bqw
[ -x "$bqw" ] || { echo "outputs.sh: $bqw not built; run make" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "outputs.sh: needs GNU time (Debian: time)" >&2; exit 2; }

corpus=$root/bench/out/corpus-${size}mb.txt
if [ ! -s "$corpus" ]; then
  echo "outputs.sh: generating $corpus" >&2
  lua5.4 "$root/bench/gen_corpus.lua" "$size" "$corpus" >&2
fi
bytes=$(wc -c <"$corpus")
# a generated corpus is at most its size, so up to 1024 MB the default --max-size 1G
# takes it; the limit is raised for a larger one only
limit=$((bytes > 1073741824 ? 2 * bytes : 1073741824))
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

run() { # label, then the bqw arguments
  label=$1
  shift
  /usr/bin/time -f "%e %M" -o "$out/time" "$bqw" "$@" --data "$corpus" --max-size "$limit" >/dev/null
  awk -v l="$label" -v b="$bytes" '{ printf "%-42s %8.2f s %9.1f MB  %5.2fx input\n", l, $1, $2 / 1024, $2 * 1024 / b }' "$out/time"
}

echo "bqw outputs on $corpus ($(awk -v b="$bytes" 'BEGIN { printf "%.1f MB", b / 1048576 }'))"
run "stats --json (the load)" stats --json
run "facet region (C)" facet region
run "facet issuer --where kind=document (C)" facet issuer --where kind=document
run "facet region --where text~振兴 (C, since 0d2fac6)" facet region --where 'text~振兴'
run "overview" overview
run "export csv" export --format csv -o "$out/x.csv"
run "export csv --sort city" export --format csv --sort city -o "$out/y.csv"
run "export csv --sort=region,-year" export --format csv --sort=region,-year -o "$out/y.csv"
run "export xlsx" export --format xlsx -o "$out/x.xlsx"
run "export sqlite" export --format sqlite -o "$out/x.sqlite"
run "report" report -o "$out/x.html"
