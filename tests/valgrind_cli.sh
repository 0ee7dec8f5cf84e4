#!/bin/sh
# Runs the command-line paths under valgrind: no invalid access, no definite leak.
# usage: valgrind_cli.sh BQW SOURCE_DIR
set -eu
bqw=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
vg() {
  valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
    --show-leak-kinds=definite "$@" >/dev/null 2>"$tmp/vg.log" || {
    status=$?
    if [ "$status" = 99 ]; then
      echo "valgrind found errors in: $*" >&2
      cat "$tmp/vg.log" >&2
      exit 1
    fi
  }
}
vg "$bqw" check "$src/data/bqw-digest-2023.txt"
vg "$bqw" stats --json
vg "$bqw" view tree --width 80
vg "$bqw" search 乡村振兴 --limit 5
vg "$bqw" search --pinyin xczx
vg "$bqw" export --format csv -o "$tmp/out.csv"
vg "$bqw" export --format html --where 'region=粤北' -o "$tmp/out.html"
vg "$bqw" check "$src/tests/golden/check.sh"
echo "valgrind clean"
