#!/bin/sh
# bench/compare.sh -- the same bqw commands on this build and on a baseline revision, side
# by side in one run: `make bench BASE=548b587` calls it.
#
#   bench/compare.sh [--base REV] [--repeat N] [--sizes "10 100"] [BUILD_DIR]
#
# The baseline is built from `git archive REV` in bench/out/base-REV (git-ignored; the
# repository, its index and its worktrees are not touched; built once, kept for the next
# run). Each command runs REPEAT times on each build, the two builds alternating run by
# run so that a burst of other work on the machine falls on both; the table gives the
# best wall time and the peak RSS of each, new/base, and each build's time as a multiple
# of its own `bqw stats` in the same run (the issue's "within 3x stats"). Ratios of one
# run, never absolute limits: nothing here fails on a figure.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=build
base=548b587
repeat=3
sizes="10 100"

while [ $# -gt 0 ]; do
  case $1 in
  --base) base=$2; shift 2 ;;
  --repeat) repeat=$2; shift 2 ;;
  --sizes) sizes=$2; shift 2 ;;
  -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  -*) echo "compare.sh: unknown option $1" >&2; exit 2 ;;
  *) build=$1; shift ;;
  esac
done
case $build in /*) ;; *) build=$(pwd)/$build ;; esac
new=$build/bqw
[ -x "$new" ] || { echo "compare.sh: $new not built; run: make build" >&2; exit 2; }
lua=$(command -v lua5.4 || command -v lua || true)
[ -n "$lua" ] || { echo "compare.sh: lua5.4 not found" >&2; exit 2; }

rev=$(git -C "$root" rev-parse --short "$base^{commit}") || {
  echo "compare.sh: $base is no commit of this repository" >&2
  exit 2
}
dir=$root/bench/out/base-$rev
old=$dir/build/bqw
if [ ! -x "$old" ]; then
  echo "compare.sh: building $rev in $dir (once)" >&2
  rm -rf "$dir"
  mkdir -p "$dir"
  git -C "$root" archive "$rev" | tar -x -C "$dir"
  cmake -S "$dir" -B "$dir/build" -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DBQW_TESTS=OFF >/dev/null
  cmake --build "$dir/build" -j 2 -- --no-print-directory >"$dir/build.log" 2>&1 || {
    tail -20 "$dir/build.log" >&2
    exit 1
  }
fi

corpus() { # size in MB -> path, generated when missing
  c=$root/bench/out/corpus-${1}mb.txt
  if [ ! -s "$c" ]; then
    echo "compare.sh: generating $c" >&2
    "$lua" "$root/bench/gen_corpus.lua" "$1" "$c" >&2
  fi
  echo "$c"
}

# One command per line: the arguments after `bqw` (--data FILE follows them).
commands='stats
facet city
facet region --by kind
list
list --sort city
list --json
view table
view table --columns id,city,region,years,measures --sort region
export --format csv
export --format csv --sort city
export --format ndjson --sort -year'

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bqw-compare.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

run() { # exe args... -> "seconds KB" of one run (output to /dev/null)
  exe=$1
  shift
  /usr/bin/time -f "%e %M" -o "$tmp/t" "$exe" "$@" >/dev/null 2>"$tmp/err" || {
    echo "compare.sh: $exe $* failed:" >&2
    tail -3 "$tmp/err" >&2
    echo "- -"
    return 0
  }
  tail -1 "$tmp/t"
}

best() { # "s KB" lines on stdin -> "min s, max KB"
  awk '$1 != "-" { if (s == "" || $1 < s) s = $1; if ($2 > k) k = $2 } END { print (s == "" ? "-" : s), (k == "" ? "-" : k) }'
}

echo "bqw commands: $(git -C "$root" rev-parse --short HEAD) ($build) against $rev ($dir/build)"
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), best of $repeat alternating runs"
for size in $sizes; do
  input=$(corpus "$size")
  mb=$(($(wc -c <"$input") / 1048576))
  echo
  printf '%s MB (%s)\n' "$mb" "$input"
  printf '%-62s %8s %8s %6s %9s %9s %7s %7s\n' command "base s" "new s" new/base "base MB" "new MB" "base/st" "new/st"
  echo "$commands" | while IFS= read -r cmd; do
    : >"$tmp/old"
    : >"$tmp/new"
    i=0
    while [ "$i" -lt "$repeat" ]; do
      # shellcheck disable=SC2086 # the command's words
      if [ $((i % 2)) -eq 0 ]; then
        run "$old" $cmd --data "$input" >>"$tmp/old"
        run "$new" $cmd --data "$input" >>"$tmp/new"
      else
        run "$new" $cmd --data "$input" >>"$tmp/new"
        run "$old" $cmd --data "$input" >>"$tmp/old"
      fi
      i=$((i + 1))
    done
    set -- $(best <"$tmp/old") $(best <"$tmp/new")
    if [ "$cmd" = stats ]; then
      echo "$1 $3" >"$tmp/stats"
    fi
    set -- "$@" $(cat "$tmp/stats")
    awk -v c="$cmd" -v os="$1" -v ok="$2" -v ns="$3" -v nk="$4" -v bs="$5" -v bn="$6" 'BEGIN {
      r = (os > 0 && ns != "-") ? sprintf("%.2fx", ns / os) : "-"
      printf "%-62s %8s %8s %6s %9.1f %9.1f %6.2fx %6.2fx\n", c, os, ns, r, ok / 1024, nk / 1024,
        (bs > 0 ? os / bs : 0), (bn > 0 ? ns / bn : 0)
    }'
  done
done
echo
echo "(RSS limit of the issue: 2.5x the input; time: list and view table within 3x stats, new/st)"
