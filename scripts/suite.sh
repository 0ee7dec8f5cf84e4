#!/bin/sh
# scripts/suite.sh BUILD ASAN_BUILD JOBS -- writes BUILD/suite, the ctest `make test` runs:
# BUILD's tests, the test asan_build (builds ASAN_BUILD with JOBS jobs), and a copy of
# ASAN_BUILD's tests renamed asan:NAME (ctest keys labels, costs and filters by name, so
# the two trees' lua_where must not share one), each needing the fixture asan_build.
# ASAN_BUILD must be configured (cmake -S . -B ASAN_BUILD -DBQW_SANITIZE=ON); its
# tests' working directories are explicit (cmake/sanitized_tests.cmake), so the copy can
# live in BUILD/suite/asan.
set -eu
[ $# -eq 3 ] || { echo "usage: scripts/suite.sh BUILD ASAN_BUILD JOBS" >&2; exit 2; }
build=$(cd "$1" && pwd)
asan=$(cd "$2" && pwd)
jobs=$3
suite=$build/suite
[ -f "$asan/CTestTestfile.cmake" ] || { echo "suite.sh: $asan is not configured" >&2; exit 2; }
rm -rf "$suite"
mkdir -p "$suite/asan"
(cd "$asan" && find . -name CTestTestfile.cmake -not -path './suite/*') | while read -r f; do
  mkdir -p "$suite/asan/$(dirname "$f")"
  sed -e 's/^add_test(\([^ ]*\) /add_test(asan:\1 /' \
    -e 's/^set_tests_properties(\([^ ]*\) PROPERTIES/set_tests_properties(asan:\1 PROPERTIES/' \
    "$asan/$f" >"$suite/asan/$f"
done
cmake=$(command -v cmake)
cat >"$suite/CTestTestfile.cmake" <<EOT
# written by scripts/suite.sh (make test): $build and $asan in one ctest
add_test(asan_build "$cmake" "--build" "$asan" "-j" "$jobs")
set_tests_properties(asan_build PROPERTIES FIXTURES_SETUP asan_build COST 1000 TIMEOUT 1800 LABELS "build;asan")
subdirs("$build" "asan")
EOT
