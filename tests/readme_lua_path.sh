#!/bin/sh
# README.md's stock-lua5.4 line ("… lua5.4 script.lua", under *Lua in five lines*), taken
# from the README and run as written from the repository root, with a script that needs
# the built-in plugins: a view, a --where filter and an export (before, such a line found
# none: 'unknown filter "region" (filters: )'). The line's build/ is this build directory.
# Usage: readme_lua_path.sh SOURCE_DIR BUILD_DIR
set -eu
src=$1
build=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fail() { echo "readme lua path: $*" >&2; exit 1; }
line=$(grep -o '^`LUA_PATH=.* lua5\.4 script\.lua`' "$src/README.md" | tr -d '`') || fail "no LUA_PATH=… lua5.4 script.lua line in README.md"
[ "$(printf '%s\n' "$line" | wc -l)" = 1 ] || fail "more than one such line in README.md: $line"
if [ "$(cd "$build" && pwd -P)" != "$(cd "$src/build" && pwd -P 2>/dev/null || true)" ]; then
  line=$(printf '%s\n' "$line" | sed "s|\$PWD/build/|$build/|g")
fi
cat >"$scratch/script.lua" <<'LUA'
local bqw = require("bqw")
local ds = assert(bqw.load())
local north = ds:query({ region = "粤北" }):count()
assert(north > 0, "no record of 粤北")
assert(table.concat(ds:view("cities", { width = 80 }).lines, "\n"):find("广州"), "the cities view")
local out = arg[1]
assert(ds:export("ndjson", { where = "region=粤北", output = out }))
local rows = 0
for _ in io.lines(out) do rows = rows + 1 end
assert(rows == north, ("ndjson with where region=粤北: %d rows, ds:query finds %d"):format(rows, north))
print("plugins ok: " .. rows .. " records of 粤北")
LUA
cd "$src"
line=$(printf '%s\n' "$line" | sed "s|script\.lua|$scratch/script.lua $scratch/north.ndjson|")
out=$(eval "$line" 2>&1) || fail "$line: $out"
case $out in
  "plugins ok: "*) echo "readme lua path ok ($out)" ;;
  *) fail "$line printed: $out" ;;
esac
