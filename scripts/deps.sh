#!/bin/sh
# Installs the Debian packages bqw needs, when missing. As root it runs apt-get;
# otherwise it prints the exact command to run and stops.
set -eu
PACKAGES="gcc clang clang-format make cmake pkg-config lua5.4 liblua5.4-dev libuv1-dev libutf8proc-dev uuid-dev
unicode-data bzip2 libopencc-dev opencc luajit libluajit-5.1-dev neovim lua-busted lua-luv lua-check jq python3 miller csvkit valgrind tmux
luarocks zsh man-db time libxlsxwriter-dev python3-openpyxl libsqlite3-dev sqlite3 chromium fonts-noto-cjk poppler-utils
lintian sqlite-utils pandoc libzip-dev libxml2-utils unzip"
# `deps.sh bench` adds what the benchmarks compare against.
if [ "${1:-}" = bench ]; then
  PACKAGES="$PACKAGES ripgrep sqlite3 libsqlite3-dev hyperfine linux-perf time strace"
fi
missing=""
for p in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
  echo "deps: installing:$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
  echo "deps: missing Debian packages:$missing" >&2
  echo "deps: run this, then try again:" >&2
  echo "  sudo apt-get install -y --no-install-recommends$missing" >&2
  exit 1
fi
