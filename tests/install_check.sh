#!/bin/sh
# make install into a scratch prefix, then use it as a user would, from /, with the
# source tree out of reach: the installed bqw, a C program built with pkg-config,
# lua5.4 requiring the module, the man page, the completions; then make uninstall.
# Usage: install_check.sh BUILD_DIR SOURCE_DIR
set -eu
build=$1
src=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
prefix=$scratch/prefix
sqlite_ext=
# the C library goes to Debian's multiarch directory under any prefix
libdir=$prefix/lib/$(gcc -print-multiarch)
fail() { echo "install check: $*" >&2; exit 1; }
cmake --install "$build" --prefix "$prefix" >/dev/null
cd /

# the command, from any directory, with its own Lua files and plugins
out=$(BQW_LUA_DIR= "$prefix/bin/bqw" stats --json)
expected='{"provincial_documents":21,"provincial_measures":31,"city_entries":21,"city_measures":32,"guiding_documents":1,"targets":3,"meetings":10,"measures":63}'
[ "$out" = "$expected" ] || fail "installed bqw printed: $out"
where=$(BQW_LUA_DIR= "$prefix/bin/bqw" --version --verbose)
echo "$where" | grep -qx "lua files: $prefix/share/lua/5.4" || fail "bqw --version --verbose: $where"
echo "$where" | grep -qx "plugins:   $prefix/share/bqw/plugins (builtin)" || fail "bqw --version --verbose: $where"
"$prefix/bin/bqw" view cities --width 80 | grep -q 广州 || fail "bqw view cities from the installed plugins"

# the SQLite tokenizer extension, when built, is installed and loads into the stock shell
if [ -f "$build/bqw_sqlite.so" ]; then
  [ -f "$libdir/bqw/bqw_sqlite.so" ] || fail "no $libdir/bqw/bqw_sqlite.so"
  sqlite_ext=$libdir/bqw/bqw_sqlite.so
  if command -v sqlite3 >/dev/null; then
    n=$(sqlite3 -cmd ".load $libdir/bqw/bqw_sqlite" :memory: \
      "CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'bqw'); INSERT INTO t VALUES ('乡村振興');
       SELECT count(*) FROM t WHERE t MATCH '振兴'") || fail "the installed bqw_sqlite does not load"
    [ "$n" = 1 ] || fail "the installed tokenizer: 振兴 found $n rows"
  fi
fi

# the shared library: soname by major version, only the BQW_API symbols exported
[ -f "$prefix/include/bqw.h" ] || fail "no include/bqw.h"
[ -f "$prefix/include/bqw_rows.h" ] || fail "no include/bqw_rows.h (bqw.h includes it)"
[ -f "$prefix/include/bqw_code.h" ] || fail "no include/bqw_code.h (bqw.h includes it)"
[ -f "$libdir/libbqw.a" ] || fail "no $libdir/libbqw.a"
soname=$(objdump -p "$libdir/libbqw.so" | awk '$1 == "SONAME" { print $2 }')
[ "$soname" = libbqw.so.0 ] || fail "soname is '$soname'"
[ -e "$libdir/libbqw.so.0" ] || fail "no $libdir/libbqw.so.0"
# one copy of libbqw: the command, the Lua module and the SQLite extension link it,
# and find it beside themselves ($ORIGIN), without LD_LIBRARY_PATH
for f in "$prefix/bin/bqw" "$prefix/lib/lua/5.4/bqw/core.so" ${sqlite_ext:+"$sqlite_ext"}; do
  found=$(ldd "$f" | awk '$1 == "libbqw.so.0" { print $3 }')
  [ -n "$found" ] && [ "$(readlink -f "$found")" = "$(readlink -f "$libdir/libbqw.so.0")" ] ||
    fail "$f does not link $libdir/libbqw.so.0: $(ldd "$f")"
  [ "$(stat -c %s "$f")" -lt 2000000 ] || fail "$f carries its own copy of libbqw ($(stat -c %s "$f") bytes)"
done
others=$(nm -D --defined-only "$libdir/libbqw.so" | awk '$2 ~ /[TDBR]/ && $3 !~ /^bqw_/ { print $3 }')
[ -z "$others" ] || fail "libbqw.so exports symbols outside bqw_: $others"
exported=$(nm -D --defined-only "$libdir/libbqw.so" | awk '$3 ~ /^bqw_/ { print $3 }' | sort)
declared=$(sed -n 's/^BQW_API .*[ *]\(bqw_[a-z0-9_]*\)(.*/\1/p' "$prefix/include/bqw.h" \
  "$prefix/include/bqw_rows.h" "$prefix/include/bqw_code.h" | sort)
[ "$exported" = "$declared" ] || fail "exported symbols differ from BQW_API in bqw.h, bqw_rows.h and bqw_code.h: $(printf '%s\n' "$exported" "$declared" | sort | uniq -u | tr '\n' ' ')"

# a C program through pkg-config, dynamically and statically linked; bqw.pc names the
# prefix it was installed to, and passes nothing of libbqw's own dependencies' flags
export PKG_CONFIG_PATH="$libdir/pkgconfig"
cflags=$(pkg-config --cflags bqw | sed "s/ *$//")
[ "$cflags" = "-I$prefix/include" ] || fail "pkg-config --cflags bqw: $cflags"
libs=$(pkg-config --libs bqw | sed "s/ *$//")
[ "$libs" = "-L$libdir -lbqw" ] || fail "pkg-config --libs bqw: $libs"
# shellcheck disable=SC2046
cc -o "$scratch/hello" "$src/tests/install/hello.c" $(pkg-config --cflags --libs bqw) || fail "cc with pkg-config bqw"
out=$(LD_LIBRARY_PATH="$libdir" "$scratch/hello")
[ "$out" = "libbqw 0.1.0: 63 measures" ] || fail "the C program printed: $out"
# shellcheck disable=SC2046
cc -o "$scratch/hello-static" "$src/tests/install/hello.c" "$libdir/libbqw.a" $(pkg-config --cflags --libs --static bqw | sed 's/-lbqw//') \
  || fail "cc with libbqw.a"
out=$("$scratch/hello-static")
[ "$out" = "libbqw 0.1.0: 63 measures" ] || fail "the static C program printed: $out"

# lua5.4 and the installed module (a /usr/local install needs no LUA_PATH; this prefix does)
LUA_CPATH="$prefix/lib/lua/5.4/?.so" LUA_PATH="$prefix/share/lua/5.4/?.lua;$prefix/share/lua/5.4/?/init.lua;;" \
  BQW_PREFIX="$prefix" lua5.4 -e 'local bqw = require("bqw"); assert(bqw.load():stats().measures == 63)
    assert(bqw.load():view("cities", { width = 80 }), "the built-in plugins were not found")
    assert(package.searchpath("bqw", package.path):find(os.getenv("BQW_PREFIX"), 1, true))' \
  || fail "lua5.4 with the installed module"

# the man page and the completions, in their standard places
MANWIDTH=80 man -l "$prefix/share/man/man1/bqw.1.gz" 2>&1 | grep -q "bqw export" || fail "man -l bqw.1.gz"
[ -z "$(man -l -Tutf8 "$prefix/share/man/man1/bqw.1.gz" 2>&1 >/dev/null)" ] || fail "man -l bqw.1.gz warns"
grep -q '^License: Expat' "$prefix/share/doc/bqw/copyright" || fail "no share/doc/bqw/copyright"
bash -n "$prefix/share/bash-completion/completions/bqw" || fail "bash -n on the bash completion"
[ -f "$prefix/share/fish/vendor_completions.d/bqw.fish" ] || fail "no fish completion"
[ -f "$prefix/share/zsh/site-functions/_bqw" ] || fail "no zsh completion"
if command -v zsh >/dev/null; then
  zsh -n "$prefix/share/zsh/site-functions/_bqw" || fail "zsh -n on the zsh completion"
fi
complete_with() { # words...: what the installed bash completion offers for the last word
  PATH="$prefix/bin:$PATH" bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _bqw; echo "${COMPREPLY[*]}"' \
    complete "$prefix/share/bash-completion/completions/bqw" "$@"
}
[ "$(complete_with bqw vi)" = view ] || fail "bash completion of a command: $(complete_with bqw vi)"
complete_with bqw view "" | grep -qw cities || fail "bash completion of view names: $(complete_with bqw view "")"
[ "$(complete_with bqw export --shape "")" = "record measure" ] || fail "bash completion of --shape"
complete_with bqw list --where reg | grep -qx "region=" || fail "bash completion of filter keys"
# the --opt=value form (bash splits the word at "="), and facet's fields
[ "$(complete_with bqw export --format = cs)" = csv ] || fail "bash completion of --format=cs: $(complete_with bqw export --format = cs)"
complete_with bqw export --format = "" | grep -qw sqlite || fail "bash completion of --format=: $(complete_with bqw export --format = "")"
[ "$(complete_with bqw export --shape =)" = "record measure" ] || fail "bash completion of --shape=: $(complete_with bqw export --shape =)"
[ "$(complete_with bqw facet re)" = region ] || fail "bash completion of facet fields: $(complete_with bqw facet re)"
[ "$(complete_with bqw facet --where = region = 广州 ci)" = city ] ||
  fail "bash completion of a facet field after --where=region=广州: $(complete_with bqw facet --where = region = 广州 ci)"
[ -z "$(complete_with bqw facet region "")" ] || fail "bash completion offers a second facet field"
# field lists from `bqw fields`: --sort the sortable ones, --columns a comma list
[ "$(complete_with bqw list --sort ci)" = city ] || fail "bash completion of --sort: $(complete_with bqw list --sort ci)"
[ "$(complete_with bqw export --columns id,ti)" = id,title ] ||
  fail "bash completion of a --columns list: $(complete_with bqw export --columns id,ti)"
# fish and zsh offer facet's fields from `bqw fields` (those it marks facet), as bash does
grep -q "__fish_seen_subcommand_from facet' -x -a '(__bqw_facets)'" "$prefix/share/fish/vendor_completions.d/bqw.fish" ||
  fail "fish completion of facet fields"
grep -q "^function __bqw_facets" "$prefix/share/fish/vendor_completions.d/bqw.fish" || fail "fish: no __bqw_facets"
grep -q "'1:field:{_bqw_facets}'" "$prefix/share/zsh/site-functions/_bqw" || fail "zsh completion of facet fields"
grep -q "^_bqw_facets()" "$prefix/share/zsh/site-functions/_bqw" || fail "zsh: no _bqw_facets"

# make uninstall leaves the prefix as it found it
DESTDIR= sh "$src/scripts/uninstall.sh" "$build/install_manifest.txt" >/dev/null
left=$(find "$prefix" -type f -o -type l | head -5)
[ -z "$left" ] || fail "make uninstall left: $left"
left=$(find "$prefix" -type d -name '*bqw*' | head -5)
[ -z "$left" ] || fail "make uninstall left directories: $left"
echo "install ok"
