#!/bin/sh
# The .debs: CPack's DEB generator on this build, for /usr: bqw, libbqw0, libbqw-dev.
# lintian (Debian 12's) must report no error and no warning. Then, as root, they are
# installed with dpkg -i, the README's commands run against the installed files from /,
# and the packages are purged: nothing of theirs may be left. Not root: the packages
# are unpacked with dpkg -x and the command run from there instead.
# Usage: deb_check.sh BUILD_DIR
set -eu
build=$1
scratch=$(mktemp -d)
pkgs="bqw libbqw-dev libbqw0"
installed=
cleanup() {
  if [ -n "$installed" ]; then
    # shellcheck disable=SC2086
    dpkg_locked --purge $pkgs || echo "deb check: could not purge $pkgs: dpkg --purge $pkgs" >&2
  fi
  rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
export PATH="/usr/sbin:/sbin:$PATH"
fail() { echo "deb check: $*" >&2; exit 1; }
# dpkg ARGS..., waiting while another dpkg or apt holds the lock (up to a minute)
dpkg_locked() {
  tries=0
  until dpkg "$@" >"$scratch/dpkg.log" 2>&1; do
    tries=$((tries + 1))
    if ! grep -q 'lock' "$scratch/dpkg.log" || [ $tries -ge 30 ]; then
      cat "$scratch/dpkg.log" >&2
      return 1
    fi
    sleep 2
  done
}
cpack --config "$build/CPackConfig.cmake" -G DEB -B "$scratch/out" -D CPACK_INSTALL_PREFIX=/usr \
  -D CPACK_PACKAGING_INSTALL_PREFIX=/usr >"$scratch/cpack.log" 2>&1 \
  || { cat "$scratch/cpack.log" >&2; fail "cpack failed"; }
arch=$(dpkg --print-architecture)
for p in $pkgs; do
  [ -f "$scratch/out/${p}_0.1.0_$arch.deb" ] || fail "no ${p}_0.1.0_$arch.deb: $(ls "$scratch/out")"
done
for p in $pkgs; do
  # cmake/deb_fixup.cmake rebuilds CPack's gzip draft with xz
  ar t "$scratch/out/${p}_0.1.0_$arch.deb" | grep -qx 'data.tar.xz' || fail "${p}'s data is not xz-compressed"
done
deb=$scratch/out/bqw_0.1.0_$arch.deb
lib=$scratch/out/libbqw0_0.1.0_$arch.deb
dev=$scratch/out/libbqw-dev_0.1.0_$arch.deb
depends=$(dpkg-deb -f "$deb" Depends)
for d in "libbqw0 (= 0.1.0)" liblua5.4-0 libutf8proc2 libc6; do
  echo "$depends" | grep -qF "$d" || fail "bqw's Depends lacks $d: $depends"
done
dpkg-deb -f "$lib" Depends | grep -q libuv1 || fail "libbqw0's Depends lacks libuv1"
for f in "$deb" "$lib" "$dev"; do
  size=$(dpkg-deb -f "$f" Installed-Size)
  [ "$size" -le 15360 ] || fail "$(basename "$f"): Installed-Size $size KiB > 15 MiB"
done
dpkg-deb -c "$deb" >"$scratch/contents"
grep -q '\./usr/bin/bqw$' "$scratch/contents" || fail "no /usr/bin/bqw in the package"
dpkg-deb -c "$lib" | grep -q 'libbqw\.so\.0 ->' || fail "no libbqw.so.0 in libbqw0"
# one copy of libbqw: the command, the module and the extension are small and link it
big=$(dpkg-deb -c "$deb" | awk '$3 > 2000000 { print $6 }')
[ -z "$big" ] || fail "files of bqw that carry libbqw's objects: $big"

if command -v lintian >/dev/null; then
  lintian --display-info --pedantic "$deb" "$lib" "$dev" >"$scratch/lintian" 2>&1 || true
  if grep -E '^(E|W): ' "$scratch/lintian" >&2; then
    fail "lintian reports the errors and warnings above"
  fi
  lintian_summary="lintian: $(grep -cE '^(I|P): ' "$scratch/lintian" || true) info/pedantic, no error or warning"
else
  lintian_summary="lintian not installed (scripts/deps.sh installs it): not checked"
fi

cd /
expected='{"provincial_documents":21,"provincial_measures":31,"city_entries":21,"city_measures":32,"guiding_documents":1,"targets":3,"meetings":10,"measures":63}'
if [ "$(id -u)" != 0 ]; then
  root=$scratch/root
  for f in "$deb" "$lib"; do dpkg -x "$f" "$root"; done
  out=$(LD_LIBRARY_PATH="$root/usr/lib/$(gcc -print-multiarch)" BQW_LUA_DIR='' "$root/usr/bin/bqw" stats --json)
  [ "$out" = "$expected" ] || fail "the packaged bqw printed: $out"
  echo "deb ok (unpacked, not installed: not root): $lintian_summary; Depends: $depends"
  exit 0
fi

# dpkg -i as root, one checkout at a time (other checkouts may run this test too), and
# only on a machine where none of the packages is installed already
exec 9>/tmp/bqw-deb-check.lock
flock 9
for p in $pkgs; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  case $status in
    "" | *" not-installed") ;;
    *) fail "$p is on this machine ($status); remove it (dpkg --purge $p) to run this test" ;;
  esac
done
for f in "$deb" "$lib" "$dev"; do dpkg-deb -c "$f"; done | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $6 }' >"$scratch/files"
installed=yes
dpkg_locked -i "$lib" "$dev" "$deb" || fail "dpkg -i failed"
ldconfig -p | grep -q 'libbqw.so.0 ' || fail "the ldconfig trigger did not run: libbqw.so.0 not in the loader's cache"

# the README's commands, as a user would run them, against the installed files
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
work=$scratch/work
mkdir -p "$work"
cd "$work"
out=$(env -u BQW_LUA_DIR bqw stats --json)
[ "$out" = "$expected" ] || fail "bqw stats: $out"
bqw --version --verbose | grep -qx "lua files: /usr/share/lua/5.4" || fail "bqw --version --verbose: $(bqw --version --verbose)"
bqw | grep -q 广州 || fail "bqw (the overview)"
MANWIDTH=80 man bqw 2>/dev/null | grep -q "bqw export" || fail "man bqw"
[ "$(lua5.4 -e 'print(require("bqw").load():count())')" -gt 0 ] || fail "lua5.4 -e require('bqw')"
cat >app.c <<'C'
#include <bqw.h>
#include <stdio.h>
int main(void) { printf("%s\n", bqw_version()); return 0; }
C
# shellcheck disable=SC2046
cc -o app app.c $(pkg-config --cflags --libs bqw) || fail "cc app.c \$(pkg-config --cflags --libs bqw)"
[ "$(./app)" = 0.1.0 ] || fail "the C program printed: $(./app)"
bqw export --format sqlite -o digest.sqlite
ext=/usr/lib/$(gcc -print-multiarch)/bqw/bqw_sqlite
n=$(sqlite3 -cmd ".load $ext" digest.sqlite "SELECT count(*) FROM measures_fts WHERE measures_fts MATCH '振兴'")
[ "$n" -gt 0 ] || fail "sqlite3 .load $ext: $n measures match 振兴"
bqw search 振兴 --limit 3 | grep -q 振兴 || fail "bqw search 振兴"
bqw view cities --width 80 | grep -q 广州 || fail "bqw view cities"
cd /

# dpkg --purge leaves nothing of theirs
# shellcheck disable=SC2086
dpkg_locked --purge $pkgs || fail "dpkg --purge failed"
installed=
while read -r f; do
  if [ -e "$f" ] || [ -L "$f" ]; then fail "left after purge: $f"; fi
done <"$scratch/files"
for d in /usr/share/bqw /usr/share/doc/bqw /usr/share/doc/libbqw0 /usr/share/doc/libbqw-dev \
  /usr/share/lua/5.4/bqw /usr/lib/lua/5.4/bqw "/usr/lib/$(gcc -print-multiarch)/bqw"; do
  if [ -e "$d" ]; then fail "left after purge: $d"; fi
done
if ldconfig -p | grep -q 'libbqw.so.0 '; then fail "libbqw.so.0 still in the loader's cache after purge"; fi
echo "deb ok: installed, used and purged; $lintian_summary; Depends: $depends"
