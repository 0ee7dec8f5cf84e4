#!/bin/sh
# Builds tests/c/test_code_threads.c and the core with clang's ThreadSanitizer and runs
# its cases: bqw_dataset_set_codebook racing readers on other threads must show no data
# race. TSan cannot share a build with ASan, so it builds its own (ctest
# c_code_threads_tsan in the gcc build runs it):
#   sh tests/c/tsan.sh BUILD_DIR   (a configured build: its gen/ holds the tables)
# Prints "tsan ok" when every case passes with no report.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
out="$build/tsan"
mkdir -p "$out"
# shellcheck disable=SC2046
clang -std=gnu11 -D_GNU_SOURCE -DBQW_SOURCE_DIR="\"$src\"" -g -O1 -fsanitize=thread \
  -Wall -Wextra -Werror -I"$src/core" -I"$build/gen" -I"$src/tests/c" \
  "$src/tests/c/test_code_threads.c" \
  $(sed -n '/^add_library(bqw_objs OBJECT/,/^  .*convert_table.h)$/p' "$src/CMakeLists.txt" |
    grep -o 'core/[a-z_]*\.c' | sed "s|^|$src/|") \
  "$build/gen/embedded_data.c" \
  $(pkg-config --cflags --libs libutf8proc libuv uuid) -lpthread -lm -o "$out/test_code_threads"
for case in set_while_reading retired_until_alone; do
  TSAN_OPTIONS="halt_on_error=1 exitcode=66" "$out/test_code_threads" "$case"
done
echo "tsan ok"
