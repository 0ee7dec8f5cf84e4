#!/bin/sh
# No code from the working directory: in a directory planted with Lua files and shared
# objects under every name bqw requires or might (dkjson, argparse, bqw, bqw.*, a
# plugins/ tree, a relative $XDG_CONFIG_HOME), every command, the Lua module (Lua 5.4
# and LuaJIT) and :Bqw in Neovim run as usual, and no planted file runs: each leaves a
# mark (a Lua file when loaded, a .so when mapped) that must not appear.
# Usage: no_cwd_code.sh BQW_EXE SOURCE_DIR BUILD_DIR
set -u
exe=$(realpath "$1") src=$(realpath "$2") build=$(realpath "$3")
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
plant=$scratch/here
marks=$scratch/marks
mkdir -p "$plant" "$marks"
failures=0
fail() {
  echo "no-cwd-code: FAIL: $*" >&2
  failures=$((failures + 1))
}

# A planted Lua file: leaves a mark, then poses as a harmless module.
plant_lua() { # relative path
  mkdir -p "$plant/$(dirname "$1")"
  cat >"$plant/$1" <<EOF
local f = io.open("$marks/" .. ("$1"):gsub("/", "_"), "w")
if f then f:write("ran\n") f:close() end
return setmetatable({}, { __index = function() return function() return {} end end })
EOF
}
for name in dkjson argparse lpeg luv bqw bqw/init bqw/cli bqw/json bqw/config bqw/plugins \
  bqw/query bqw/core bqw/nvim bqw/nvim/init bqw/vendor/dkjson bqw/vendor/argparse \
  lua/bqw/init lua/bqw/json lua/bqw/vendor/dkjson telescope health; do
  plant_lua "$name.lua"
done
for f in "$src"/lua/bqw/*.lua "$src"/lua/bqw/*/*.lua; do
  rel=${f#"$src"/lua/}
  [ -e "$plant/$rel" ] || plant_lua "$rel"
done
for kind_name in view/list view/tree view/table export/csv export/json filter/region; do
  plant_lua "plugins/$kind_name.lua"
  plant_lua "xdg/bqw/plugins/$kind_name.lua"
  plant_lua "home/.config/bqw/plugins/$kind_name.lua"
done

# A planted shared object: its constructor leaves a mark as soon as it is mapped.
cat >"$scratch/planted.c" <<EOF
#include <stdio.h>
__attribute__((constructor)) static void planted(void) {
  FILE *f = fopen("$marks/shared-object", "w");
  if (f) { fputs("ran\n", f); fclose(f); }
}
int luaopen_dkjson(void *L) { (void)L; return 0; }
EOF
if cc -shared -fPIC -o "$scratch/planted.so" "$scratch/planted.c" 2>"$scratch/cc.log"; then
  for so in dkjson.so argparse.so lpeg.so bqw.so bqw/core.so bqw/vendor/dkjson.so loadall.so; do
    mkdir -p "$plant/$(dirname "$so")"
    cp "$scratch/planted.so" "$plant/$so"
  done
else
  fail "cannot build the planted shared object: $(cat "$scratch/cc.log")"
fi

check_marks() { # what ran
  if [ -n "$(ls "$marks")" ]; then
    fail "$1 ran planted code: $(ls "$marks" | tr '\n' ' ')"
    rm -f "$marks"/*
  fi
}

cat >"$scratch/script.lua" <<'EOF'
local bqw = require("bqw")
local ds = assert(bqw.load())
assert(ds:search("振兴").total > 0 and ds:search("振興").total > 0)
print("script ok " .. ds:stats().measures)
EOF

# Every command, from the planted directory, with the environment a careless user might
# have: relative entries in LUA_PATH/LUA_CPATH, a relative $XDG_CONFIG_HOME and $HOME.
run() { # expected-status description command…
  expected=$1 what=$2
  shift 2
  (cd "$plant" && env LUA_PATH='./?.lua;./?/init.lua;;' LUA_CPATH='./?.so;;' \
    LUA_PATH_5_4='./?.lua;;' LUA_CPATH_5_4='./?.so;;' XDG_CONFIG_HOME=xdg HOME=home \
    BQW_PLUGIN_PATH= "$@") >"$scratch/out" 2>"$scratch/err"
  status=$?
  [ "$status" = "$expected" ] || fail "$what: exit $status, expected $expected: $(head -c 600 "$scratch/err")"
  check_marks "$what"
}
run 0 "bqw" "$exe"
run 0 "bqw --version --verbose" "$exe" --version --verbose
run 0 "bqw --help" "$exe" --help
run 0 "bqw overview" "$exe" overview
run 0 "bqw stats" "$exe" stats
run 0 "bqw stats --json" "$exe" stats --json
run 0 "bqw list" "$exe" list --where 'region=粤北'
run 0 "bqw list --json" "$exe" list --json
for view in list tree table timeline cities detail overview; do
  run 0 "bqw view $view" "$exe" view "$view"
done
for format in csv tsv json ndjson markdown html xlsx sqlite; do
  run 0 "bqw export --format $format" "$exe" export --format "$format" -o "$scratch/out.$format"
done
run 0 "bqw export json to stdout" "$exe" export --format json
run 0 "bqw facet region" "$exe" facet region
run 0 "bqw report" "$exe" report -o "$scratch/report.html"
run 0 "bqw plugins" "$exe" plugins
run 0 "bqw search" "$exe" search 振兴
run 0 "bqw search --json" "$exe" search --json 振兴
run 0 "bqw convert" "$exe" convert "$src/tests/fixtures/digest-simplified.txt"
run 0 "bqw dump" "$exe" dump
run 0 "bqw check" "$exe" check
run 0 "bqw run" "$exe" run "$scratch/script.lua"
grep -q "script ok 63" "$scratch/out" || fail "bqw run: $(cat "$scratch/out")"
for name in list tree table; do
  [ -f "$plant/plugins/view/$name.lua" ] || fail "planted plugin missing"
done

# The Lua module, as a user sets it up: bqw's directories put first on the path.
module_script='
local bqw = require("bqw")
local ds = assert(bqw.load())
assert(ds:search("振兴").total > 0)
assert(ds:search("振兴").total > 0)
assert(ds:export("json"):sub(1, 1) == "{" or ds:export("json"):sub(1, 1) == "[")
assert(ds:export("csv"))
assert(ds:view("tree"))
assert(ds:view_job("list"))
print("module ok")'
(cd "$plant" && XDG_CONFIG_HOME=xdg lua5.4 -e "package.path='$src/lua/?.lua;$src/lua/?/init.lua;'..package.path
  package.cpath='$build/lua/?.so;'..package.cpath" -e "$module_script") >"$scratch/out" 2>&1 \
  || fail "lua5.4 with the module: $(head -c 600 "$scratch/out")"
check_marks "the Lua module in lua5.4"
if command -v luajit >/dev/null && [ -f "$src/lua/bqw/core.so" ]; then
  (cd "$plant" && XDG_CONFIG_HOME=xdg luajit -e "package.path='$src/lua/?.lua;$src/lua/?/init.lua;'..package.path" \
    -e "$module_script") >"$scratch/out" 2>&1 || fail "luajit with the module: $(head -c 600 "$scratch/out")"
  check_marks "the Lua module in LuaJIT"
fi

# :Bqw in Neovim started in the planted directory: the view, a sort, a search, exports.
if command -v nvim >/dev/null && [ -f "$src/lua/bqw/core.so" ]; then
  (cd "$plant" && XDG_CONFIG_HOME=xdg timeout 120 nvim --headless -u NONE -i NONE --cmd "set rtp+=$src" \
    --cmd 'runtime plugin/bqw.lua' -c 'lua require("bqw.nvim").setup({})' -c Bqw \
    -c 'Bqw view table' -c 'Bqw search 振兴' -c "Bqw export csv $scratch/nvim.csv" \
    -c "Bqw export json $scratch/nvim.json" -c 'Bqw plugins' -c 'checkhealth bqw' -c 'qa!') \
    >"$scratch/out" 2>&1 || fail "nvim :Bqw: $(head -c 600 "$scratch/out")"
  [ -s "$scratch/nvim.csv" ] || fail ":Bqw export csv wrote nothing: $(head -c 600 "$scratch/out")"
  check_marks ":Bqw in Neovim"
fi

# A Neovim whose bqw lacks its C module (make nvim not run): an error naming bqw's
# directories, never the planted ./bqw/core.lua or ./bqw/core.so.
if command -v nvim >/dev/null; then
  copy=$scratch/bqw-without-core
  mkdir -p "$copy"
  (cd "$src" && tar cf - --exclude='*.so' lua plugin plugins) | (cd "$copy" && tar xf -)
  (cd "$plant" && XDG_CONFIG_HOME=xdg timeout 60 nvim --headless -u NONE -i NONE --cmd "set rtp+=$copy" \
    --cmd 'runtime plugin/bqw.lua' -c 'lua require("bqw.nvim").setup({})' -c Bqw -c 'qa!') \
    >"$scratch/out" 2>&1
  grep -q "module 'bqw.core' not found in bqw's directories" "$scratch/out" \
    || fail "nvim without bqw.core: $(head -c 600 "$scratch/out")"
  check_marks ":Bqw in Neovim without bqw.core"
fi

if [ "$failures" -eq 0 ]; then
  echo "no cwd code ok"
else
  echo "no-cwd-code: $failures failure(s)" >&2
  exit 1
fi
