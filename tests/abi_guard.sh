#!/bin/sh
# The two Lua ABIs cannot be confused: each build of bqw/core.so, loaded by the other
# interpreter, refuses with one sentence from luaopen_bqw_core (not dlopen's
# "undefined symbol"), and every Lua C API function it calls is a weak reference
# (binding/compat.h lists them). Usage: abi_guard.sh LUA54_MODULE_DIR [LUAJIT_MODULE_DIR]
set -eu
m54=$1
mjit=${2:-}
fail() { echo "abi guard: $*" >&2; exit 1; }

strong_refs() { nm -D "$1" | awk '$1 == "U" && $2 ~ /^luaL?_/ { print $2 }'; }
for so in "$m54/bqw/core.so" ${mjit:+"$mjit/bqw/core.so"}; do
  refs=$(strong_refs "$so")
  [ -z "$refs" ] || fail "$so calls Lua functions missing from BQW_LUA_FUNCTIONS in binding/compat.h: $refs"
done

cd /
# the right interpreter loads it
LUA_CPATH="$m54/?.so" lua5.4 -e 'assert(require("bqw.core").lua_abi == "Lua 5.4")' || fail "lua5.4 cannot load $m54/bqw/core.so"

expect_refusal() { # interpreter output built_for
  case $2 in
    *"bqw/core.so was built for $3 and cannot load into this interpreter; under "*) ;;
    *) fail "$1 printed: $2" ;;
  esac
  case $2 in *"undefined symbol"*) fail "$1 got dlopen's error: $2" ;; esac
}
if command -v luajit >/dev/null; then
  out=$(LUA_CPATH="$m54/?.so" luajit -e 'local ok, e = pcall(require, "bqw.core"); print(ok, e)')
  expect_refusal luajit "$out" "Lua 5.4"
fi
if command -v nvim >/dev/null; then
  out=$(timeout 60 nvim --headless -u NONE -i NONE \
    -c "lua package.cpath='$m54/?.so;'..package.cpath; local ok, e = pcall(require, 'bqw.core'); io.stdout:write(tostring(ok), ' ', tostring(e), '\n')" \
    -c q 2>&1)
  expect_refusal nvim "$out" "Lua 5.4"
fi
if [ -n "$mjit" ]; then
  LUA_CPATH="$mjit/?.so" luajit -e 'assert(require("bqw.core").lua_abi == "Lua 5.1")' || fail "luajit cannot load $mjit/bqw/core.so"
  out=$(LUA_CPATH="$mjit/?.so" lua5.4 -e 'local ok, e = pcall(require, "bqw.core"); print(ok, e)')
  expect_refusal lua5.4 "$out" "LuaJIT (Neovim)"
fi
echo "abi guard ok"
