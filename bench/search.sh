#!/bin/sh
# The search benchmark (bench/README.md, "Search benchmark"): builds bench_search,
# generates the corpus when missing, then runs the index, the peers and the conversion.
#
#   bench/search.sh [--measures N] [BUILD_DIR] [-- bench_search run options]
#
# BUILD_DIR defaults to build (configured by `make build`). --measures (default
# 1000000) picks the corpus bench/out/measures-N.txt; a smaller one gives a quick run.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
measures=1000000 build=
while [ $# -gt 0 ]; do
  case $1 in
    --measures) measures=$2; shift 2 ;;
    --) shift; break ;;
    -*) echo "search.sh: unknown option $1" >&2; exit 2 ;;
    *) build=$1; shift ;;
  esac
done
build=${build:-build}
[ -f "$build/CMakeCache.txt" ] || cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target bench_search -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
bin=$build/bench/bench_search
mkdir -p "$src/bench/out"
corpus=$src/bench/out/measures-$measures.txt
[ -s "$corpus" ] || "$bin" gen "$measures" "$corpus"
echo "bench_search run $corpus $* ($(date -u +%Y-%m-%d), $(nproc) CPUs, libbqw $(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo '?'))"
exec "$bin" run "$corpus" "$@"
