#!/bin/sh
# The rockspec: `luarocks --lua-version 5.4 make --tree DIR` on a copy of the source tree,
# then lua5.4 with `luarocks path` requires bqw, and the tree's bqw runs. LuaRocks' server
# is out of reach in CI, so --deps-mode none (the rock needs no other: lua/bqw/vendor/).
# Usage: rock_check.sh SOURCE_DIR
set -eu
src=$1
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fail() { echo "rock check: $*" >&2; exit 1; }
mkdir "$scratch/src"
(cd "$src" && tar cf - --exclude='./build*' --exclude=./.git --exclude=./lua/bqw/core.so .) | (cd "$scratch/src" && tar xf -)
tree=$scratch/tree
(cd "$scratch/src" && luarocks --lua-version 5.4 make --tree "$tree" --deps-mode none bqw-scm-1.rockspec) \
  >"$scratch/luarocks.log" 2>&1 || { tail -30 "$scratch/luarocks.log" >&2; fail "luarocks make failed"; }
rm -rf "$scratch/src" # nothing may come from the source tree now
cd /
eval "$(luarocks --lua-version 5.4 path --tree "$tree")"
TREE="$tree" lua5.4 -e 'local bqw = require("bqw"); assert(bqw.load():stats().measures == 63)
  assert(bqw.load():view("cities", { width = 80 }), "the built-in plugins were not found")
  assert(package.searchpath("bqw", package.path):find(os.getenv("TREE"), 1, true), "bqw not from the tree")' \
  || fail "lua5.4 with luarocks path"
out=$(TREE="$tree" lua5.4 -e 'assert(package.searchpath("bqw", package.path):find(os.getenv("TREE"), 1, true)); print(require("bqw.core").lua_abi)')
[ "$out" = "Lua 5.4" ] || fail "bqw.core from the tree: $out"
out=$("$tree/bin/bqw" stats --json)
case $out in *'"measures":63}') ;; *) fail "the tree's bqw printed: $out" ;; esac
"$tree/bin/bqw" view cities --width 80 | grep -q 广州 || fail "the tree's bqw cannot find its plugins"
echo "rock ok"
