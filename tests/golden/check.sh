#!/bin/sh
# Compares `bqw dump` of the shipped digest with the golden JSON. Changing the golden
# file is a deliberate act: `make golden`, then review the diff before committing.
set -eu
bqw=$1 golden=$2
"$bqw" dump | diff -u "$golden" - || {
  echo "golden_json: the parsed digest differs from $golden (see diff above)." >&2
  echo "If the change is intended, run 'make golden' and review the diff." >&2
  exit 1
}
