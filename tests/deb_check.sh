#!/bin/sh
# The .deb: CPack's DEB generator on this build, for /usr, then `dpkg -x` into a
# scratch root and the packaged bqw run from there. Usage: deb_check.sh BUILD_DIR
set -eu
build=$1
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fail() { echo "deb check: $*" >&2; exit 1; }
cpack --config "$build/CPackConfig.cmake" -G DEB -B "$scratch/out" -D CPACK_PACKAGING_INSTALL_PREFIX=/usr >"$scratch/cpack.log" 2>&1 \
  || { cat "$scratch/cpack.log" >&2; fail "cpack failed"; }
deb=$(ls "$scratch"/out/bqw_*_"$(dpkg --print-architecture)".deb) || fail "no bqw_<version>_<arch>.deb"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in liblua5.4-0 libuv1 libutf8proc2 libc6; do
  echo "$depends" | grep -q "$lib" || fail "Depends lacks $lib: $depends"
done
dpkg-deb -c "$deb" >"$scratch/contents"
grep -q '\./usr/bin/bqw$' "$scratch/contents" || fail "no /usr/bin/bqw in the package"
grep -q 'libbqw\.so\.0 ->' "$scratch/contents" || fail "no libbqw.so.0 in the package"
root=$scratch/root
dpkg -x "$deb" "$root"
cd /
out=$(BQW_LUA_DIR= "$root/usr/bin/bqw" stats --json)
expected='{"provincial_documents":21,"provincial_measures":31,"city_entries":21,"city_measures":32,"guiding_documents":1,"targets":3,"meetings":10,"measures":63}'
[ "$out" = "$expected" ] || fail "the packaged bqw printed: $out"
"$root/usr/bin/bqw" --version --verbose | grep -qx "lua files: $root/usr/share/lua/5.4" \
  || fail "the packaged bqw does not use its own Lua files: $("$root/usr/bin/bqw" --version --verbose)"
echo "deb ok: $(basename "$deb"): Depends: $depends"
