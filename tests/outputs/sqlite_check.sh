#!/bin/sh
# `bqw export --format sqlite` read by the stock sqlite3 shell: the plain tables open
# without the extension; with `.load bqw_sqlite` the FTS5 tables count what `bqw
# search` finds, in measures and in the other fields, in either script.
# usage: sqlite_check.sh BQW_EXE EXTENSION(path without .so) WORKDIR
set -eu
bqw=$1
ext=$2
work=$3
mkdir -p "$work"
db="$work/digest.sqlite"
rm -f "$db"
"$bqw" export --format sqlite -o "$db"
fail() { echo "sqlite_check: $*" >&2; exit 1; }

measures=$("$bqw" stats --json | jq .measures)
all=$("$bqw" list --json | jq length)
got=$(sqlite3 "$db" 'SELECT count(*) FROM records')
[ "$got" = "$all" ] || fail "records: $got rows, bqw list has $all"
[ "$(sqlite3 "$db" 'SELECT count(*) FROM measures')" = "$measures" ] || fail "measures"
[ "$(sqlite3 "$db" "SELECT value FROM meta WHERE key = 'measures'")" = "$measures" ] || fail "meta"
[ "$(sqlite3 "$db" 'PRAGMA foreign_key_check' | wc -l)" = 0 ] || fail "foreign keys"
[ "$(sqlite3 "$db" "SELECT count(*) FROM issuers WHERE issuer = '广东省交通运输厅'")" -ge 1 ] || fail "issuers"
[ "$(sqlite3 "$db" "SELECT count(*) FROM mentions m JOIN records r ON r.id = m.record_id WHERE m.place = '深汕合作区'")" -ge 1 ] ||
  fail "mentions"
# without the extension the FTS tables say what they need
if sqlite3 "$db" "SELECT count(*) FROM measures_fts WHERE measures_fts MATCH '振兴'" 2>"$work/err"; then
  fail "measures_fts answered without the tokenizer"
fi
grep -q "no such tokenizer: bqw" "$work/err" || fail "unexpected error: $(cat "$work/err")"

for q in 振兴 振興 县 乡村振兴 鄉村振興 发展 城乡融合 着力 2025 深汕; do
  hits=$("$bqw" search "$q" --json --limit 100000)
  want=$(echo "$hits" | jq '[.hits[] | select(.field == "measure")] | length')
  got=$(sqlite3 -cmd ".load $ext" "$db" "SELECT count(*) FROM measures_fts WHERE measures_fts MATCH '\"$q\"'")
  [ "$got" = "$want" ] || fail "measures_fts MATCH '$q': $got rows, bqw search finds $want measures"
  want=$(echo "$hits" | jq '[.hits[] | select(.field != "measure") | .id] | unique | length')
  got=$(sqlite3 -cmd ".load $ext" "$db" "SELECT count(*) FROM records_fts WHERE records_fts MATCH '\"$q\"'")
  [ "$got" = "$want" ] || fail "records_fts MATCH '$q': $got rows, bqw search finds $want records"
done
n=$(sqlite3 -cmd ".load $ext" "$db" "SELECT count(*) FROM measures_fts WHERE measures_fts MATCH '振兴'")
m=$(sqlite3 -cmd ".load $ext" "$db" "SELECT count(*) FROM measures_fts WHERE measures_fts MATCH '振興'")
[ "$n" -gt 0 ] && [ "$n" = "$m" ] || fail "振兴 $n, 振興 $m"
echo "sqlite ok ($n measures match 振兴 and 振興)"
