#!/bin/sh
# Runs one libFuzzer harness for SECONDS over its seed corpus (a copy: the seeds in the
# tree are never written), with its dictionary; exits non-zero on any finding (crash,
# sanitizer report, leak, timeout, out of memory) and prints the input that found it.
#   run.sh FUZZER_BINARY FUZZ_SOURCE_DIR SECONDS
set -eu
bin=$1 src=$2 seconds=${3:-60}
name=$(basename "$bin")
case $name in
fuzz_load) seeds=$src/corpus/load max_len=131072 ;;
fuzz_search) seeds=$src/corpus/search max_len=256 ;;
fuzz_where) seeds=$src/corpus/where max_len=4096 ;;
*) echo "run.sh: unknown fuzzer $name" >&2; exit 2 ;;
esac
work=$(mktemp -d "${TMPDIR:-/tmp}/bqw-$name.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus" "$work/found"
# -len_control=0 lets inputs grow past the seeds' size at once (see facts.md)
if "$bin" "$work/corpus" "$seeds" -dict="$src/bqw.dict" -max_total_time="$seconds" \
  -len_control=0 -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/found/" >"$work/log" 2>&1; then
  tail -n 12 "$work/log"
  echo "$name: no finding in ${seconds}s"
else
  tail -n 60 "$work/log"
  for f in "$work/found"/*; do
    [ -f "$f" ] || continue
    echo "$name: finding $(basename "$f") ($(wc -c <"$f") bytes):"
    od -c "$f" | head -n 20
  done
  echo "$name: FAILED"
  exit 1
fi
