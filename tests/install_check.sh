#!/bin/sh
# Installs the build into a scratch prefix and runs the installed bqw from elsewhere,
# with the source tree's Lua hidden from it: the installed layout must stand alone.
set -eu
build=$1
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
cd /
out=$(BQW_LUA_DIR= "$prefix/bin/bqw" stats --json)
expected='{"provincial_documents":21,"provincial_measures":31,"city_entries":21,"city_measures":32,"guiding_documents":1,"targets":3,"meetings":10,"measures":63}'
[ "$out" = "$expected" ] || { echo "installed bqw printed: $out" >&2; exit 1; }
LUA_CPATH="$prefix/lib/lua/5.4/?.so;;" LUA_PATH="$prefix/share/bqw/lua/?.lua;$prefix/share/bqw/lua/?/init.lua;;" \
  lua5.4 -e 'assert(require("bqw").load():stats().measures == 63)'
[ -f "$prefix/include/bqw.h" ] && ls "$prefix"/lib/libbqw.so* >/dev/null
echo "install ok"
