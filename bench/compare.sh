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
# best wall time, the best CPU time (user + system, which other processes on a shared
# machine disturb less) and the peak RSS of each, new/base (CPU), and each build's CPU
# time as a multiple of its own `bqw stats` in the same run (the issue's "within 3x
# stats"). Ratios of one run, never absolute limits: nothing here fails on a figure.
set -eu

. "$(dirname "$0")/common.sh"
build=build
base=548b587
repeat=3
sizes="10 100"

while [ $# -gt 0 ]; do
  case $1 in
  --base) base=$2; shift 2 ;;
  --repeat) repeat=$2; shift 2 ;;
  --sizes) sizes=$2; shift 2 ;;
  -h | --help) usage; exit 0 ;;
  -*) bad_option "$1" ;;
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

# One command per line: the arguments after `bqw` (--data FILE follows them).
commands='stats
facet city
facet region --by kind
list
list --sort city
list --json
view table
view table --columns id,city,years,measures --sort region
export --format csv
export --format csv --sort city
export --format ndjson --sort=-year'

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bqw-compare.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

run() { # exe args... -> "wall-seconds KB cpu-seconds" of one run (output to /dev/null)
  exe=$1
  shift
  /usr/bin/time -f "%e %M %U %S" -o "$tmp/t" "$exe" "$@" >/dev/null 2>"$tmp/err" || {
    echo "compare.sh: $exe $* failed:" >&2
    tail -3 "$tmp/err" >&2
    echo "- - -"
    return 0
  }
  tail -1 "$tmp/t" | awk '{ print $1, $2, $3 + $4 }'
}

best() { # "s KB cpu" lines on stdin -> "min s, max KB, min cpu"
  awk '$1 != "-" { if (s == "" || $1 < s) s = $1; if ($2 > k) k = $2; if (c == "" || $3 < c) c = $3 }
    END { print (s == "" ? "-" : s), (k == "" ? "-" : k), (c == "" ? "-" : c) }'
}

echo "bqw commands: $(git -C "$root" rev-parse --short HEAD) ($build) against $rev ($dir/build)"
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), best of $repeat alternating runs"
for size in $sizes; do
  input=$(corpus "$size")
  mb=$(($(wc -c <"$input") / 1048576))
  echo
  printf '%s MB (%s)\n' "$mb" "$input"
  printf '%-50s %7s %7s %8s %7s %8s %8s %8s %7s %7s\n' command "base s" "new s" "base cpu" "new cpu" new/base "base MB" "new MB" base/st new/st
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
      echo "$3 $6" >"$tmp/stats"
    fi
    set -- "$@" $(cat "$tmp/stats")
    awk -v c="$cmd" -v os="$1" -v ok="$2" -v oc="$3" -v ns="$4" -v nk="$5" -v nc="$6" -v bs="$7" -v bn="$8" 'BEGIN {
      r = (oc > 0 && nc != "-") ? sprintf("%.2fx", nc / oc) : "-"
      printf "%-50s %7s %7s %8s %7s %8s %8.1f %8.1f %6.2fx %6.2fx\n", c, os, ns, oc, nc, r, ok / 1024, nk / 1024,
        (bs > 0 && oc != "-" ? oc / bs : 0), (bn > 0 && nc != "-" ? nc / bn : 0)
    }'
  done
done
echo
echo "(times in seconds: wall, then CPU = user + system; new/base and /st are of CPU; the"
echo " issue's targets: RSS <= 2.5x the input, list and view table within 3x stats)"
