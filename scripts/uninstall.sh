#!/bin/sh
# make uninstall: removes exactly the files CMake's last install listed (under $DESTDIR
# when set), then the directories of bqw's own left empty: those below the prefix with a
# "bqw" component (share/bqw/plugins/view, lib/lua/5.4/bqw), never share/man/man1 & co.
set -eu
manifest=$1
[ -s "$manifest" ] || { echo "uninstall: $manifest not found: nothing was installed from this build" >&2; exit 1; }
prefix=$(awk '{ n = split($0, p, "/"); if (NR == 1) { m = n - 1; for (i = 1; i <= m; i++) c[i] = p[i] }
  else { for (i = 1; i <= m && i < n; i++) if (c[i] != p[i]) break; m = i - 1 } }
  END { s = ""; for (i = 2; i <= m; i++) s = s "/" c[i]; print s }' "$manifest")
while IFS= read -r f || [ -n "$f" ]; do
  path="${DESTDIR:-}$f"
  if [ -e "$path" ] || [ -L "$path" ]; then
    rm -f "$path"
    echo "removed $path"
  fi
done < "$manifest"
sed 's|/[^/]*$||' "$manifest" | sort -u | while IFS= read -r d; do
  while [ "${#d}" -gt "${#prefix}" ]; do
    case "${d#"$prefix"}/" in */bqw*/*) echo "$d" ;; esac
    d=${d%/*}
  done
done | sort -u | awk '{ print length($0) "\t" $0 }' | sort -rn | cut -f2- |
  while IFS= read -r d; do rmdir "${DESTDIR:-}$d" 2>/dev/null || true; done
