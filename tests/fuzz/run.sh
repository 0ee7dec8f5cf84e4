#!/bin/sh
# Runs one libFuzzer harness for SECONDS over its seed corpus (a copy: the seeds in the
# tree are never written), with its dictionary; exits non-zero on any finding (crash,
# sanitizer report, leak, timeout, out of memory) and prints the input that found it.
# An input taking over FUZZ_TIMEOUT seconds (default 6) or the process over FUZZ_RSS_MB
# (default 1024) is a finding: a quadratic step fails here.
#   run.sh FUZZER_BINARY FUZZ_SOURCE_DIR SECONDS
set -eu
bin=$1 src=$2 seconds=${3:-60}
name=$(basename "$bin")
case $name in
fuzz_load) seeds=$src/corpus/load max_len=131072 ;;
fuzz_search) seeds=$src/corpus/search max_len=256 ;;
fuzz_where) seeds=$src/corpus/where max_len=4096 ;;
fuzz_codebook) seeds=$src/corpus/codebook max_len=8192 ;;
*) echo "run.sh: unknown fuzzer $name" >&2; exit 2 ;;
esac
work=$(mktemp -d "${TMPDIR:-/tmp}/bqw-$name.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus" "$work/found"
# -len_control=0 lets inputs grow past the seeds' size at once (see facts.md).
# Limits a step worse than linear exceeds at max_len (issue 24): the slowest linear input
# of 128 KB (65,535 one-character lines) takes ~1.3 s here (ASan, UBSan, coverage) and
# ~60 MB; before the fixes, those lines took 4 GB (append_text), and 32,767 pairs of
# combining marks (NFC) or 8,000 repairs on a line (their columns) 19-25 s. The seeds
# quadratic-*.txt are those three inputs.
timeout=${FUZZ_TIMEOUT:-6} rss_mb=${FUZZ_RSS_MB:-1024}
if "$bin" "$work/corpus" "$seeds" -dict="$src/bqw.dict" -max_total_time="$seconds" \
  -len_control=0 -max_len="$max_len" -timeout="$timeout" -rss_limit_mb="$rss_mb" \
  -malloc_limit_mb="$rss_mb" -print_final_stats=1 \
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
