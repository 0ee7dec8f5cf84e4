/*
 * test_fts5.c -- the "bqw" FTS5 tokenizer (sqlite/bqw_fts5.c) agrees with bqw's own
 * index: for every query, the rows an FTS5 table using it matches are the documents
 * bqw_index_search finds, over the same texts. Covers one- and two-character queries
 * (which SQLite's trigram tokenizer cannot answer), longer ones, Traditional against
 * Simplified, full-width against ASCII, case, and the curated overrides (著力/着力).
 */
#include "bqw.h"
#include "bqw_fts5.h"
#include "check.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

static const char *const texts[] = {
    "全面推进乡村振兴，扎实推动县镇村高质量发展。",
    "鄉村振興取得決定性進展，城鄉區域發展更加協調。",
    "到2025年，园区平均ＧＤＰ超400亿元。",
    "GDP growth in the county; gdp per capita.",
    "著力推进强县兴镇富村。",
    "着力提升县城综合承载能力",
    "振",
    "兴振",
    "城乡 融合 发展",
};
#define NTEXTS (sizeof texts / sizeof *texts)

static const char *const queries[] = {
    "振兴", "振興",     "振",   "兴",   "乡村振兴", "鄉村振興", "县",   "GDP",
    "gdp",  "ＧＤＰ",   "D",    "着力", "著力",     "融合",     "城乡", "兴振",
    "发展", "县城综合", "2025", "年，", "不存在",   "城乡融合",
};
#define NQUERIES (sizeof queries / sizeof *queries)

static int fts_count(sqlite3 *db, const char *q) {
  sqlite3_stmt *st = NULL;
  int n = -1;
  /* the query as one FTS5 string, so punctuation and digits need no syntax */
  char *sql = sqlite3_mprintf("SELECT count(*) FROM t WHERE t MATCH '\"%q\"'", q);
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    n = sqlite3_column_int(st, 0);
  else
    fprintf(stderr, "sqlite: %s\n", sqlite3_errmsg(db));
  sqlite3_finalize(st);
  sqlite3_free(sql);
  return n;
}

int main(void) {
  sqlite3 *db = NULL;
  CHECK_EQ_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
  CHECK_EQ_INT(bqw_sqlite_register(db), SQLITE_OK);
  CHECK_EQ_INT(sqlite3_exec(db, "CREATE VIRTUAL TABLE t USING fts5(x, tokenize='bqw')",
                            NULL, NULL, NULL),
               SQLITE_OK);
  bqw_index *ix = bqw_index_new();
  for (size_t i = 0; i < NTEXTS; i++) {
    char *sql = sqlite3_mprintf("INSERT INTO t(x) VALUES (%Q)", texts[i]);
    CHECK_EQ_INT(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_free(sql);
    CHECK_EQ_INT(bqw_index_add(ix, texts[i], strlen(texts[i]), i), 0);
  }
  CHECK_EQ_INT(bqw_index_finish(ix), 0);
  int nonzero = 0;
  for (size_t q = 0; q < NQUERIES; q++) {
    check_context(queries[q]);
    bqw_results *r = NULL;
    CHECK_EQ_INT(bqw_index_search(ix, queries[q], strlen(queries[q]), 100, &r), 0);
    int want = r ? (int)r->total : -1;
    CHECK_EQ_INT(fts_count(db, queries[q]), want);
    nonzero += want > 0;
    bqw_results_free(r);
  }
  check_context(NULL);
  /* the cases that matter, spelled out: two characters, either script, width, case */
  CHECK_EQ_INT(fts_count(db, "振兴"), 2);
  CHECK_EQ_INT(fts_count(db, "振興"), 2);
  /* the full-width text and the English one */
  CHECK_EQ_INT(fts_count(db, "ＧＤＰ"), 2);
  CHECK(nonzero >= 15);
  /* bqw_fold: offsets of each character, Traditional and full-width folded */
  const char *s = "振興ＧＤＰ";
  int32_t cp[32];
  uint32_t at[33];
  size_t n = bqw_fold(s, strlen(s), cp, at);
  CHECK_EQ_INT(n, 5);
  CHECK_EQ_INT(cp[1], 0x5174); /* 興 -> 兴 */
  CHECK_EQ_INT(cp[2], 'g');
  CHECK_EQ_INT(at[2], 6);
  CHECK_EQ_INT(at[5], strlen(s));
  bqw_index_free(ix);
  sqlite3_close(db);
  return check_report("fts5");
}
