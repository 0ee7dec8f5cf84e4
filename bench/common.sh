# bench/common.sh -- what the bench scripts that take options share; each sources it
# after set -eu: . "$(dirname "$0")/common.sh". Sets here (bench/) and root (the source
# tree); defines usage and bad_option.
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
