#!/bin/sh
# bench/run.sh -- the load benchmark: generate the corpus when missing, then run
# bench_load on it. `make bench` calls it after building the bench_load target.
#
#   bench/run.sh [--size MB] [--repeat N] [--json] [--callgrind] [BUILD_DIR]
#
# BUILD_DIR defaults to build. --size picks the corpus (default 100: bench/out/corpus-100mb.txt).
# --callgrind also counts instructions of one load and of the NFC baseline under
# valgrind --tool=callgrind, on a 10 MB corpus (callgrind runs ~50x slower); skipped otherwise.
set -eu

. "$(dirname "$0")/common.sh"
build=build
size=100
repeat=3
json=
callgrind=

while [ $# -gt 0 ]; do
  case $1 in
  --size) size=$2; shift 2 ;;
  --repeat) repeat=$2; shift 2 ;;
  --json) json=--json; shift ;;
  --callgrind) callgrind=1; shift ;;
  -h | --help) usage; exit 0 ;;
  -*) bad_option "$1" ;;
  *) build=$1; shift ;;
  esac
done

case $build in /*) ;; *) build=$(pwd)/$build ;; esac
bench=$build/bench/bench_load
if [ ! -x "$bench" ]; then
  echo "run.sh: $bench not built; run: cmake --build $build --target bench_load" >&2
  exit 2
fi
lua=$(command -v lua5.4 || command -v lua || true)
[ -n "$lua" ] || { echo "run.sh: lua5.4 not found" >&2; exit 2; }

input=$(corpus "$size")
[ -z "$json" ] && echo "$ $bench --repeat $repeat $input"
"$bench" --repeat "$repeat" $json "$input"

if [ -n "$callgrind" ]; then
  command -v valgrind >/dev/null || { echo "run.sh: valgrind not found" >&2; exit 2; }
  small=$(corpus 10)
  out=$root/bench/out
  echo
  echo "callgrind on $small (instructions, one run each; files in $out):"
  for ph in nfc load_buf; do
    # bench_load forks one child per phase; callgrind follows them and writes one file per pid.
    rm -f "$out"/callgrind."$ph".*
    valgrind --tool=callgrind --trace-children=yes --callgrind-out-file="$out/callgrind.$ph.%p" \
      "$build/bench/bench_load" --repeat 1 --only "$ph" "$small" >/dev/null 2>"$out/callgrind.$ph.log"
    for f in "$out"/callgrind."$ph".[0-9]*; do
      ir=$(callgrind_annotate "$f" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }')
      case $ir in '' | 0) ;; *) printf '  %-9s %15s Ir  (%s)\n' "$ph" "$ir" "$f" ;; esac
    done
  done
  echo "  read one with: callgrind_annotate --inclusive=yes FILE | head -40"
fi
