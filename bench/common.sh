# bench/common.sh -- what the bench scripts that take options share; each sources it
# after set -eu: . "$(dirname "$0")/common.sh". Sets here (bench/) and root (the source
# tree); defines usage, bad_option and corpus.
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")

# Prints the calling script's header: its comment lines after the #! line, without "# ".
usage() {
  sed -n '2,/^[^#]/{/^#/p;}' "$0" | sed 's/^# \{0,1\}//'
}

# Reports an option the calling script does not take, and exits 2.
bad_option() {
  echo "$(basename "$0"): unknown option $1" >&2
  exit 2
}

# corpus MB: the path of the MB-megabyte corpus, generated with $lua (the script's Lua
# 5.4) when missing.
corpus() {
  c=$root/bench/out/corpus-${1}mb.txt
  if [ ! -s "$c" ]; then
    echo "$(basename "$0"): generating $c" >&2
    "$lua" "$root/bench/gen_corpus.lua" "$1" "$c" >&2
  fi
  echo "$c"
}
