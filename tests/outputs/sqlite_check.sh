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
# the indexes are external content over records and measures, consistent with them
for t in records_fts measures_fts; do
  sqlite3 -cmd ".load $ext" "$db" "INSERT INTO $t($t) VALUES('integrity-check')" || fail "$t integrity-check"
  sqlite3 "$db" "SELECT sql FROM sqlite_master WHERE name = '$t'" | grep -q "content=\"${t%_fts}\", content_rowid=\"id\"" ||
    fail "$t is not an external-content index of ${t%_fts}"
done

# --fts trigram: SQLite's own tokenizer, no extension; 3+ character queries only
tdb="$work/trigram.sqlite"
rm -f "$tdb"
"$bqw" export --format sqlite --fts trigram -o "$tdb"
q=乡村振兴
want=$("$bqw" search "$q" --json --limit 100000 | jq '[.hits[] | select(.field == "measure")] | length')
got=$(sqlite3 "$tdb" "SELECT count(*) FROM measures_fts WHERE measures_fts MATCH '\"$q\"'")
[ "$want" -gt 0 ] && [ "$got" = "$want" ] || fail "trigram measures_fts MATCH '$q': $got rows, bqw search finds $want"
[ "$(sqlite3 "$tdb" "SELECT count(*) FROM measures_fts WHERE measures_fts MATCH '振兴'")" = 0 ] ||
  fail "trigram matched a 2-character query: the documented limit changed"
# --fts none: no FTS tables at all
"$bqw" export --format sqlite --fts none -o "$work/none.sqlite"
[ "$(sqlite3 "$work/none.sqlite" "SELECT count(*) FROM sqlite_master WHERE name LIKE '%fts%'")" = 0 ] || fail "--fts none"
if "$bqw" export --format sqlite --fts bad -o "$work/bad.sqlite" 2>"$work/err"; then fail "--fts bad accepted"; fi

# sqlite-utils (Debian's): search finds the indexes through their content= link, as
# Datasette's search box does; tables --counts needs the extension for the bqw indexes
# and none for the trigram ones
if command -v sqlite-utils >/dev/null; then
  for q in 振兴 振興 城乡融合; do
    want=$("$bqw" search "$q" --json --limit 100000 | jq '[.hits[] | select(.field == "measure")] | length')
    got=$(sqlite-utils search --load-extension "$ext.so" "$db" measures "$q" | jq length)
    [ "$got" = "$want" ] || fail "sqlite-utils search measures $q: $got rows, bqw search finds $want"
  done
  got=$(sqlite-utils search --load-extension "$ext.so" "$db" records 振兴 | jq length)
  [ "$got" -gt 0 ] || fail "sqlite-utils search records 振兴: $got"
  sqlite-utils tables --counts --load-extension "$ext.so" "$db" | jq -e '.[] | select(.table == "measures_fts") | .count == '"$measures" >/dev/null ||
    fail "sqlite-utils tables --counts --load-extension"
  sqlite-utils tables --counts "$tdb" | jq -e '.[] | select(.table == "records") | .count == '"$all" >/dev/null ||
    fail "sqlite-utils tables --counts on the trigram database"
  got=$(sqlite-utils search "$tdb" measures 乡村振兴 | jq length)
  [ "$got" -gt 0 ] || fail "sqlite-utils search on the trigram database: $got"
  # without the extension the plain tables still count and query
  [ "$(sqlite-utils query "$db" "SELECT count(*) AS n FROM records" | jq '.[0].n')" = "$all" ] ||
    fail "sqlite-utils query without the extension"
  [ "$(sqlite-utils rows "$db" measures | jq length)" = "$measures" ] || fail "sqlite-utils rows without the extension"
fi
echo "sqlite ok ($n measures match 振兴 and 振興)"
