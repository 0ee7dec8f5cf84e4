#!/bin/sh
# The first byte of an export against the end of the load, inside one process: from the
# load's last madvise (its last large block) to the first write to stdout, and the same
# for `stats --json` beside it. Usage: bench/first_byte.sh [BUILD] [CORPUS] [REPEAT]
set -eu
build=${1:-build}
corpus=${2:-bench/out/corpus-100mb.txt}
repeat=${3:-3}
command -v strace >/dev/null || { echo "first_byte.sh: needs strace (apt-get install strace)" >&2; exit 2; }
[ -f "$corpus" ] || { echo "first_byte.sh: $corpus: no such corpus (bench/gen_corpus.lua makes one)" >&2; exit 2; }
trace=$(mktemp)
trap 'rm -f "$trace"' EXIT
gap() { # label, command words...
  label=$1
  shift
  strace -tt -e trace=madvise,write -o "$trace" "$@" 2>/dev/null | head -c 1 >/dev/null || true
  awk -v label="$label" '
    function secs(t, p) { split(t, p, ":"); return p[1] * 3600 + p[2] * 60 + p[3] }
    / madvise\(/ { last = secs($1) }
    / write\(1,/ && !first { first = secs($1) }
    END { if (first && last) printf "%-44s %4.0f ms after the last madvise\n", label, (first - last) * 1000 }
  ' "$trace"
}
i=0
while [ "$i" -lt "$repeat" ]; do
  gap "bqw export --format csv --shape measure" "$build/bqw" export --format csv --shape measure --data "$corpus"
  gap "bqw stats --json" "$build/bqw" stats --json --data "$corpus"
  i=$((i + 1))
done
