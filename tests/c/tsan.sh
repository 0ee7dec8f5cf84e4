#!/bin/sh
# Builds tests/c/test_code_threads.c and the core with clang's ThreadSanitizer and runs
# its cases: bqw_dataset_set_codebook racing readers on other threads must show no data
# race. TSan cannot share a build with ASan, so it builds its own (ctest
# c_code_threads_tsan in the gcc build runs it, with the core's sources as CMake lists them):
#   sh tests/c/tsan.sh BUILD_DIR CORE_SOURCE...
#   (a configured build, whose gen/ holds the tables; the sources relative to the top)
# Prints "tsan ok" when every case passes with no report.
set -eu
[ $# -ge 2 ] || { echo "usage: tsan.sh BUILD_DIR CORE_SOURCE... (ctest -R c_code_threads_tsan)" >&2; exit 2; }
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$1" && pwd)
shift
out="$build/tsan"
mkdir -p "$out"
core=""
for f in "$@"; do
  core="$core $src/$f"
done
# shellcheck disable=SC2086
clang -std=gnu11 -D_GNU_SOURCE -DBQW_SOURCE_DIR="\"$src\"" -g -O1 -fsanitize=thread \
  -Wall -Wextra -Werror -I"$src/core" -I"$build/gen" -I"$src/tests/c" \
  "$src/tests/c/test_code_threads.c" $core \
  "$build/gen/embedded_data.c" \
  $(pkg-config --cflags --libs libutf8proc libuv uuid) -lpthread -lm -o "$out/test_code_threads"
for case in set_while_reading retired_until_alone; do
  TSAN_OPTIONS="halt_on_error=1 exitcode=66" "$out/test_code_threads" "$case"
done
echo "tsan ok"
