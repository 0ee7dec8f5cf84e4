/*
 * test_regressions.c -- bugs in core/ found while writing the C unit tests (against
 * commit e4cfb6f) and since fixed; each case is its own ctest (c_regress_*).
 *
 *   usage: test_regressions CASE
 */
#include "bqw.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * FIXED BUG (core/arena.c, buffer_append): appending 0 bytes to a buffer that has
 * never been allocated computes `b->data + b->len` with data == NULL and passes NULL
 * to memcpy: undefined behaviour. UBSan (the -DBQW_SANITIZE=ON build) aborts with
 * "arena.c: applying zero offset to null pointer". Reached when
 *   - a line's first character starts an NFC run (nfc_runs appends the 0 bytes
 *     before it), e.g. "e\xCC\x81" or a lone combining mark at column 1, the first
 *     time in a load that a line needs NFC;
 *   - a repair's corrupted span starts a line (apply_repairs appends the 0 bytes
 *     before the hit), e.g. a line "?qū)崿F(xiàn)對口…".
 * The results are right in an ordinary build; this case fails only under UBSan.
 */
static void null_buffer_append(void) {
  bqw_dataset *ds = NULL;
  static const char nfc[] = "e\xCC\x81 \xE7\x94\xB2\n";
  CHECK_EQ_INT(bqw_load_buffer("nfc.txt", nfc, sizeof nfc - 1, &ds), 0);
  CHECK_STR(bqw_dataset_meta(ds)->introduction, "\xC3\xA9 \xE7\x94\xB2");
  CHECK_EQ_INT(bqw_dataset_report(ds)->normalized_runs, 1);
  bqw_dataset_free(ds);

  static const char mark[] = "\xCC\x81\xE7\x94\xB2\n";
  CHECK_EQ_INT(bqw_load_buffer("mark.txt", mark, sizeof mark - 1, &ds), 0);
  CHECK_STR(bqw_dataset_meta(ds)->introduction, "\xCC\x81\xE7\x94\xB2");
  bqw_dataset_free(ds);

  static const char repair[] = "?qū)崿F(xiàn)對口幫扶\n";
  CHECK_EQ_INT(bqw_load_buffer("repair.txt", repair, sizeof repair - 1, &ds), 0);
  CHECK_STR(bqw_dataset_meta(ds)->introduction, "實現對口幫扶");
  CHECK_EQ_INT(bqw_dataset_report(ds)->repairs_applied, 1);
  bqw_dataset_free(ds);
}

/*
 * FIXED BUG (core/clean.c, validate_line): past 100 invalid sequences the loader
 * stops listing them and says "too many UTF-8 errors; the rest are counted but not
 * listed", yet report.errors stays at 100: the rest are not counted anywhere a caller
 * can see. (diag_add itself counts errors past BQW_DIAG_LIMIT in report.errors, so
 * the UTF-8 cap should too.) Input: 150 lines "甲乙丙<0xFF>"; expected
 * report.errors == 150, actual 100 at e4cfb6f (uncommitted work in core/clean.c
 * already counts them).
 */
static void utf8_error_count(void) {
  char text[150 * 12];
  size_t n = 0;
  for (int i = 0; i < 150; i++) {
    memcpy(text + n, "甲乙丙\xFF\n", 11);
    n += 11;
  }
  bqw_dataset *ds = NULL;
  CHECK_EQ_INT(bqw_load_buffer("many.txt", text, n, &ds), BQW_EENCODING);
  size_t listed = 0, notes = 0;
  for (size_t i = 0; i < bqw_diag_count(ds); i++) {
    const bqw_diag *d = bqw_diag_at(ds, i);
    listed += d->severity == BQW_ERROR;
    if (d->severity == BQW_NOTE && strstr(d->message, "too many UTF-8 errors")) {
      notes++;
      CHECK_EQ_INT(d->line, 101);
    }
  }
  CHECK_EQ_INT(listed, 100);
  CHECK_EQ_INT(notes, 1);
  CHECK_EQ_INT(bqw_dataset_report(ds)->errors, 150); /* was 100 */
  bqw_dataset_free(ds);
}

/*
 * FIXED BUG (core/clean.c, clean_text): a GB18030 file gets its one error ("looks like
 * GB18030/GBK; convert it: iconv …") and then six warnings "repair did not match" about
 * text that was never decoded; a UTF-16 file gets the one error alone. Input: the
 * GB18030 bytes of "2023年廣東省\n百縣千鎮萬村高質量發展工程\n" (as in test_utf8.c);
 * expected 1 diagnostic, actual 7 at e4cfb6f (uncommitted work in core/clean.c
 * returns before report_repairs).
 */
static void gb18030_warnings(void) {
  static const unsigned char gb[] = {
      0x32, 0x30, 0x32, 0x33, 0xc4, 0xea, 0x8f, 0x56, 0x96, 0x7c, 0xca, 0xa1, 0x0a, 0xb0,
      0xd9, 0xbf, 0x68, 0xc7, 0xa7, 0xe6, 0x82, 0xc8, 0x66, 0xb4, 0xe5, 0xb8, 0xdf, 0xd9,
      0x7c, 0xc1, 0xbf, 0xb0, 0x6c, 0xd5, 0xb9, 0xb9, 0xa4, 0xb3, 0xcc, 0x0a};
  bqw_dataset *ds = NULL;
  CHECK_EQ_INT(bqw_load_buffer("gb.txt", gb, sizeof gb, &ds), BQW_EENCODING);
  CHECK_EQ_INT(bqw_dataset_report(ds)->errors, 1);
  CHECK_EQ_INT(bqw_dataset_report(ds)->warnings, 0); /* was 6 */
  CHECK_EQ_INT(bqw_diag_count(ds), 1);               /* was 7 */
  bqw_dataset_free(ds);
}

/*
 * FIXED REGRESSION (core/index.c, push_hit): a 1- or 2-character query, answered by one
 * posting list, read the tag of every document of the list although only `limit` hits
 * are kept (p50 0.036 -> 0.093 ms for 2 characters, 0.107 -> 0.83 ms for 1,
 * bench/README.md). The list's length is the total; this case checks that the shortcut
 * keeps the total, the hits, their order and the limit right, with and without a limit,
 * for one- and two-character queries, and that longer (verified) queries count as before.
 */
static void short_query_limit(void) {
  bqw_index *ix = bqw_index_new();
  static const char *const texts[] = {"乡村振兴", "振兴乡村", "村乡", "城市"};
  for (uint64_t i = 0; i < 1000; i++) {
    const char *t = texts[i % 4];
    CHECK_EQ_INT(bqw_index_add(ix, t, strlen(t), i * 7), 0);
  }
  CHECK_EQ_INT(bqw_index_finish(ix), 0);
  static const struct {
    const char *q;
    size_t total;
  } cases[] = {{"乡", 750}, {"乡村", 500}, {"鄉村", 500}, {"城", 250}, {"乡村振兴", 250}};
  for (size_t c = 0; c < sizeof cases / sizeof *cases; c++)
    for (size_t limit = 0; limit <= 1001; limit += (limit < 4 ? 1 : 997)) {
      bqw_results *r = NULL;
      CHECK_EQ_INT(bqw_index_search(ix, cases[c].q, strlen(cases[c].q), limit, &r), 0);
      CHECK_EQ_INT(r->total, cases[c].total);
      size_t want = limit < cases[c].total ? limit : cases[c].total;
      CHECK_EQ_INT(r->count, want);
      uint64_t prev = 0;
      for (size_t h = 0; h < r->count; h++) {
        CHECK(h == 0 || r->hits[h].tag > prev);
        prev = r->hits[h].tag;
        CHECK_EQ_INT(r->hits[h].tag, (uint64_t)r->hits[h].doc * 7);
      }
      bqw_results_free(r);
    }
  bqw_index_free(ix);
}

/*
 * FIXED BUG (core/dataset.c, bqw_load_file): fopen + fread read whatever the path
 * named. A FIFO blocked the open until a writer came (forever, for `bqw check FIFO`);
 * /dev/zero grew memory without bound. Now only regular files are read, stat'ed
 * before the open, opened with O_NONBLOCK and fstat'ed again, under a size limit.
 */
static void not_regular_files(void) {
  char dir[] = "/tmp/bqw-regress-XXXXXX";
  if (!CHECK(mkdtemp(dir) != NULL))
    return;
  char fifo[64], big[64];
  snprintf(fifo, sizeof fifo, "%s/fifo", dir);
  snprintf(big, sizeof big, "%s/big.txt", dir);
  CHECK_EQ_INT(mkfifo(fifo, 0600), 0);
  alarm(10); /* a blocking open would hang the test: let it fail instead */
  static const struct {
    const char *path, *what;
  } cases[] = {
      {NULL, "(a directory)"}, {NULL, "(a FIFO)"}, {"/dev/zero", "(a character device)"}};
  for (size_t i = 0; i < 3; i++) {
    const char *path = i == 0 ? dir : i == 1 ? fifo : cases[i].path;
    bqw_dataset *ds = NULL;
    CHECK_EQ_INT(bqw_load_file(path, &ds), BQW_EIO);
    if (CHECK(ds != NULL) && CHECK_EQ_INT(bqw_diag_count(ds), 1)) {
      char buf[512], want[128];
      bqw_diag_format(ds, bqw_diag_at(ds, 0), buf, sizeof buf);
      snprintf(want, sizeof want, "%s: error: not a regular file %s", path,
               cases[i].what);
      CHECK_PREFIX(buf, want);
    }
    bqw_dataset_free(ds);
  }
  alarm(0);
  /* the size limit, checked before reading */
  size_t len;
  const unsigned char *digest = bqw_default_digest(&len);
  FILE *f = fopen(big, "wb");
  if (CHECK(f != NULL)) {
    fwrite(digest, 1, len, f);
    fclose(f);
  }
  bqw_dataset *ds = NULL;
  bqw_load_options small = {.max_size = len - 1}, exact = {.max_size = len};
  CHECK_EQ_INT(bqw_load_file_opts(big, &small, &ds), BQW_EIO);
  CHECK_CONTAINS(bqw_diag_at(ds, 0)->message, "larger than the size limit");
  bqw_dataset_free(ds);
  CHECK_EQ_INT(bqw_load_file_opts(big, &exact, &ds), 0);
  CHECK_EQ_INT(bqw_record_count(ds), 56);
  bqw_dataset_free(ds);
  /* a symlink to a regular file is fine */
  char link[64];
  snprintf(link, sizeof link, "%s/link.txt", dir);
  CHECK_EQ_INT(symlink(big, link), 0);
  CHECK_EQ_INT(bqw_load_file(link, &ds), 0);
  bqw_dataset_free(ds);
  /* a file that reports size 0 but has content (as /proc files do) is still read */
  CHECK_EQ_INT(bqw_load_file("/proc/self/status", &ds), 0);
  CHECK(bqw_dataset_report(ds)->bytes > 0);
  bqw_dataset_free(ds);
  unlink(link);
  unlink(big);
  unlink(fifo);
  rmdir(dir);
}

/*
 * FIXED BUG (core/clean.c): control characters (ESC, BEL, C1 CSI, U+202E) were
 * accepted silently and reached terminals raw. Now each line that has any gets one
 * warning at its first, in characters and bytes; the text keeps them.
 */
static void control_characters(void) {
  static const char text[] = "甲\x1b]0;title\x07乙\n"
                             "二\xC2\x9B"
                             "2J\n"
                             "三\xE2\x80\xAE"
                             "abc\n"
                             "四\t五\n";
  bqw_dataset *ds = NULL;
  CHECK_EQ_INT(bqw_load_buffer("ctl.txt", text, sizeof text - 1, &ds), 0);
  static const struct {
    unsigned line, col, byte_col;
    const char *what;
  } want[] = {{1, 2, 4, "U+001B (ESC) (and 1 more on this line)"},
              {2, 2, 4, "U+009B (CSI, a C1 control)"},
              {3, 2, 4, "U+202E (RIGHT-TO-LEFT OVERRIDE)"}};
  size_t found = 0;
  for (size_t i = 0; i < bqw_diag_count(ds); i++) {
    const bqw_diag *d = bqw_diag_at(ds, i);
    if (!strstr(d->message, "control character"))
      continue;
    if (CHECK(found < 3)) {
      CHECK_EQ_INT(d->severity, BQW_WARNING);
      CHECK_EQ_INT(d->line, want[found].line);
      CHECK_EQ_INT(d->col, want[found].col);
      CHECK_EQ_INT(d->byte_col, want[found].byte_col);
      CHECK_CONTAINS(d->message, want[found].what);
    }
    found++;
  }
  CHECK_EQ_INT(found, 3); /* TAB is text */
  CHECK_CONTAINS(bqw_dataset_meta(ds)->introduction, "\x1b]0;title\x07");
  CHECK_CONTAINS(bqw_dataset_meta(ds)->introduction, "\xE2\x80\xAE");
  bqw_dataset_free(ds);

  /* a message that quotes such a line shows its controls escaped, never raw */
  static const char quoted[] = "全省政策\n縣域\x1b發展\xE2\x80\xAE\n●《甲》\n◎乙\n";
  CHECK_EQ_INT(bqw_load_buffer("q.txt", quoted, sizeof quoted - 1, &ds), 0);
  size_t quoting = 0;
  for (size_t i = 0; i < bqw_diag_count(ds); i++) {
    const char *m = bqw_diag_at(ds, i)->message;
    CHECK(strchr(m, 0x1b) == NULL);
    CHECK(strstr(m, "\xE2\x80\xAE") == NULL);
    quoting += strstr(m, "縣域\\x1b發展<U+202E>") != NULL;
  }
  CHECK_EQ_INT(quoting, 1); /* the note on the category heading */
  bqw_dataset_free(ds);

  /* thousands of lines with controls: a hundred warnings and one note, all counted */
  size_t n = 5000;
  char *many = malloc(n * 4);
  for (size_t i = 0; i < n; i++)
    memcpy(many + i * 4,
           "a\x1b"
           "b\n",
           4);
  CHECK_EQ_INT(bqw_load_buffer("many.txt", many, n * 4, &ds), 0);
  size_t warnings = 0, notes = 0;
  for (size_t i = 0; i < bqw_diag_count(ds); i++) {
    const bqw_diag *d = bqw_diag_at(ds, i);
    warnings += d->severity == BQW_WARNING && strstr(d->message, "control character");
    notes += d->severity == BQW_NOTE && strstr(d->message, "control characters");
  }
  CHECK_EQ_INT(warnings, 100);
  CHECK_EQ_INT(notes, 1);
  CHECK(bqw_dataset_report(ds)->warnings >= n);
  bqw_dataset_free(ds);
  free(many);
}

/*
 * FIXED BUG (core/clean.c, report_repairs): a repair that matched twice was reported
 * at column 1 of its first line, not where it matched.
 */
static void repair_twice_column(void) {
  static const char text[] = "  甲乙百縣干鎮丙百縣干鎮\n";
  bqw_dataset *ds = NULL;
  CHECK_EQ_INT(bqw_load_buffer("twice.txt", text, sizeof text - 1, &ds), 0);
  const bqw_diag *twice = NULL;
  size_t notes = 0;
  for (size_t i = 0; i < bqw_diag_count(ds); i++) {
    const bqw_diag *d = bqw_diag_at(ds, i);
    if (strstr(d->message, "matched 2 times"))
      twice = d;
    if (d->severity == BQW_NOTE && strstr(d->message, "repaired \"百縣干鎮\""))
      notes++;
  }
  CHECK_EQ_INT(notes, 2);
  if (CHECK(twice != NULL)) {
    CHECK_EQ_INT(twice->line, 1);
    CHECK_EQ_INT(twice->col, 5); /* two spaces, 甲乙 */
    CHECK_EQ_INT(twice->byte_col, 9);
  }
  bqw_dataset_free(ds);
}

/*
 * Words of three characters or more are answered from the positions of their bigrams
 * (core/index.c, search_phrase), without reading the text. This checks the cases the
 * positions must get right: a word whose bigrams all occur but not in a row, a document
 * repeating a bigram more often than phrase_at reads at once (it falls back to the
 * text), odd and even lengths, spaces (not indexed, and a word never spans one), and the
 * overrides (著力 folds to 着力).
 */
static void phrase_positions(void) {
  bqw_index *ix = bqw_index_new();
  char *many = malloc(300 * 6 + 64), *scattered = malloc(300 * 6 + 64);
  many[0] = scattered[0] = 0;
  for (int i = 0; i < 300; i++) {
    strcat(many, "乡村");
    strcat(scattered, "乡村");
  }
  strcat(many, "振兴");       /* 乡村振兴 at the very end, after 300 乡村 */
  strcat(scattered, "x振兴"); /* every bigram of 乡村振兴 but 村振 */
  const char *texts[] = {many,           scattered,  "振兴乡村 振兴", "乡村 振兴",
                         "城乡村振兴路", "著力推進", "显著力量",      "乡村振兴乡村振兴"};
  size_t n = sizeof texts / sizeof *texts;
  for (size_t i = 0; i < n; i++)
    CHECK_EQ_INT(bqw_index_add(ix, texts[i], strlen(texts[i]), i), 0);
  CHECK_EQ_INT(bqw_index_finish(ix), 0);
  static const struct {
    const char *q;
    size_t total;
    uint64_t first;
  } cases[] = {
      {"乡村振兴", 3, 0},
      {"村振兴", 3, 0},
      {"乡村振", 3, 0},
      {"振兴乡村", 2, 2},
      {"兴乡村振", 1, 7},
      {"村 振", 6, 0},
      {"城乡村振兴路", 1, 4},
      {"乡村 振兴", 6, 0},
      {"着力推进", 1, 5},
      {"著力推進", 1, 5},
      {"显着力", 0, 0},
      {"显著力量", 1, 6},
      {"乡村乡村乡村乡村乡村乡村乡村乡村乡村乡村乡村乡村乡村乡村乡村乡村乡村", 2, 0}};
  for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
    bqw_results *r = NULL;
    check_context(cases[c].q);
    CHECK_EQ_INT(bqw_index_search(ix, cases[c].q, strlen(cases[c].q), 10, &r), 0);
    CHECK_EQ_INT(r->total, cases[c].total);
    if (r->count)
      CHECK_EQ_INT(r->hits[0].tag, cases[c].first);
    bqw_results_free(r);
  }
  check_context(NULL);
  bqw_index_free(ix);
  free(many);
  free(scattered);
}

int main(int argc, char **argv) {
  static const check_case cases[] = {{"null_buffer_append", null_buffer_append},
                                     {"utf8_error_count", utf8_error_count},
                                     {"gb18030_warnings", gb18030_warnings},
                                     {"short_query_limit", short_query_limit},
                                     {"not_regular_files", not_regular_files},
                                     {"control_characters", control_characters},
                                     {"repair_twice_column", repair_twice_column},
                                     {"phrase_positions", phrase_positions}};
  return CHECK_RUN_CASES(argc, argv, cases);
}
