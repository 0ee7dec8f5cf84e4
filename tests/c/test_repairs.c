/*
 * test_repairs.c -- the curated repairs of data/repairs.tsv.
 *
 * On the shipped digest each of the six repairs applies exactly once and no trace of
 * the corruption (?, </span>, <) is left. A repair that matches no text, or more than
 * once, is warned about; the loader never fails over it.
 */
#include "bqw.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

#ifndef BQW_SOURCE_DIR
#error "BQW_SOURCE_DIR must name the source tree"
#endif
#define SIMPLIFIED BQW_SOURCE_DIR "/tests/fixtures/digest-simplified.txt"

static const bqw_record *record_at_line(const bqw_dataset *ds, unsigned line) {
  for (size_t i = 0; i < bqw_record_count(ds); i++)
    if (bqw_record_at(ds, i)->line == line)
      return bqw_record_at(ds, i);
  return NULL;
}

static const bqw_measure *measure_at_line(const bqw_dataset *ds, unsigned line) {
  for (size_t i = 0; i < bqw_record_count(ds); i++) {
    const bqw_record *r = bqw_record_at(ds, i);
    for (size_t k = 0; k < r->measure_count; k++)
      if (r->measures[k].line == line)
        return &r->measures[k];
  }
  return NULL;
}

/* Diagnostics of a severity whose message contains `what`. */
static size_t count_diags(const bqw_dataset *ds, bqw_severity sev, const char *what) {
  size_t n = 0;
  for (size_t i = 0; i < bqw_diag_count(ds); i++) {
    const bqw_diag *d = bqw_diag_at(ds, i);
    n += d->severity == sev && strstr(d->message, what) != NULL;
  }
  return n;
}

static const bqw_diag *find_diag(const bqw_dataset *ds, const char *what) {
  for (size_t i = 0; i < bqw_diag_count(ds); i++)
    if (strstr(bqw_diag_at(ds, i)->message, what))
      return bqw_diag_at(ds, i);
  return NULL;
}

static void check_clean(const char *what, const char *s) {
  if (!s)
    return;
  check_context(what);
  CHECK_LACKS(s, "?");
  CHECK_LACKS(s, "</span>");
  CHECK_LACKS(s, "<");
  CHECK_LACKS(s, "\xEF\xBF\xBD");
}

static void test_digest(void) {
  bqw_dataset *ds = NULL;
  CHECK_EQ_INT(bqw_load_default(&ds), 0);
  CHECK_EQ_INT(bqw_dataset_report(ds)->repairs_applied, 6);
  CHECK_EQ_INT(count_diags(ds, BQW_WARNING, "repair"), 0);

  for (size_t i = 0; i < bqw_record_count(ds); i++) {
    const bqw_record *r = bqw_record_at(ds, i);
    check_clean("title", r->title);
    check_clean("headline", r->headline);
    check_clean("text", r->text);
    for (size_t k = 0; k < r->measure_count; k++)
      check_clean("measure", r->measures[k].text);
  }
  const bqw_meta *m = bqw_dataset_meta(ds);
  check_clean("introduction", m->introduction);
  check_clean("source_note", m->source_note);
  check_context(NULL);

  const bqw_measure *me = measure_at_line(ds, 14);
  if (CHECK(me != NULL))
    CHECK_PREFIX(me->text, "實現對口幫扶協作粵東粵西粵北地區45個縣(市)全覆蓋");
  me = measure_at_line(ds, 83);
  if (CHECK(me != NULL))
    CHECK_PREFIX(me->text, "實施生態立市、工業強市");
  me = measure_at_line(ds, 100);
  if (CHECK(me != NULL))
    CHECK_PREFIX(me->text, "到2035年,縣域對全市高質量發展支撐作用更加凸顯");
  me = measure_at_line(ds, 110);
  if (CHECK(me != NULL))
    CHECK_PREFIX(me->text, "實施千億級經濟強縣培育行動");
  me = measure_at_line(ds, 123);
  if (CHECK(me != NULL)) {
    CHECK_SUFFIX(me->text, "切實將縣鎮村發展短板轉化為肇慶高質量發展潛力板。");
    CHECK_PREFIX(me->text, "一體推進富縣強鎮興村");
  }
  const bqw_record *r = record_at_line(ds, 114); /* 湛江; its headline is line 115 */
  if (CHECK(r != NULL)) {
    CHECK_STR(r->city, "湛江");
    CHECK_CONTAINS(r->headline, "百縣千鎮萬村");
    CHECK_LACKS(r->headline, "百縣干鎮");
    CHECK_CONTAINS(r->title, "關于湛江市全面推進“百縣千鎮萬村高質量發展工程”");
  }
  bqw_dataset_free(ds);
}

/* ---- buffers built from the digest ---- */

typedef struct text {
  char *data;
  size_t len;
} text;

static text replace_once(const char *hay, size_t len, const char *from, const char *to) {
  text t = {0};
  const char *hit = memmem(hay, len, from, strlen(from));
  if (!CHECK(hit != NULL))
    return t;
  size_t a = (size_t)(hit - hay), f = strlen(from), b = strlen(to);
  t.len = len - f + b;
  t.data = malloc(t.len ? t.len : 1);
  if (!CHECK(t.data != NULL))
    return (text){0};
  memcpy(t.data, hay, a);
  memcpy(t.data + a, to, b);
  memcpy(t.data + a + b, hit + f, len - a - f);
  return t;
}

/* The digest with one span already fixed: that repair does not match, the rest do. */
static void test_already_fixed(void) {
  size_t len;
  const char *digest = (const char *)bqw_default_digest(&len);
  text t = replace_once(digest, len, "?qū)崿F(xiàn)", "實現");
  if (!t.data)
    return;
  bqw_dataset *ds = NULL;
  CHECK_EQ_INT(bqw_load_buffer("fixed.txt", t.data, t.len, &ds), 0);
  CHECK_EQ_INT(bqw_dataset_report(ds)->repairs_applied, 5);
  CHECK_EQ_INT(count_diags(ds, BQW_WARNING, "did not match"), 1);
  const bqw_diag *d = find_diag(ds, "did not match");
  if (CHECK(d != NULL)) {
    CHECK_EQ_INT(d->severity, BQW_WARNING);
    CHECK_CONTAINS(d->message, "repair did not match");
    CHECK_CONTAINS(d->message, "?qū)崿F(xiàn)");
  }
  /* The text is right either way. */
  const bqw_measure *me = measure_at_line(ds, 14);
  if (CHECK(me != NULL))
    CHECK_PREFIX(me->text, "實現對口幫扶");
  CHECK_EQ_INT(bqw_dataset_report(ds)->errors, 0);
  bqw_dataset_free(ds);
  free(t.data);
}

/* A corrupted span present twice: applied to both, warned as "matched 2 times" at the
 * first line it was found on. */
static void test_twice(void) {
  size_t len;
  const char *digest = (const char *)bqw_default_digest(&len);
  /* Line 83 gains a second copy of the corrupted 實施生態 span. */
  text t = replace_once(digest, len, "?qū)嵤┥鷳B(tài)立市",
                        "?qū)嵤┥鷳B(tài)立市、?qū)嵤┥鷳B(tài)立市");
  if (!t.data)
    return;
  bqw_dataset *ds = NULL;
  CHECK_EQ_INT(bqw_load_buffer("twice.txt", t.data, t.len, &ds), 0);
  CHECK_EQ_INT(bqw_dataset_report(ds)->repairs_applied, 7);
  CHECK_EQ_INT(count_diags(ds, BQW_WARNING, "matched 2 times"), 1);
  CHECK_EQ_INT(count_diags(ds, BQW_WARNING, "did not match"), 0);
  const bqw_diag *d = find_diag(ds, "matched 2 times");
  if (CHECK(d != NULL)) {
    CHECK_EQ_INT(d->line, 83);
    CHECK_CONTAINS(d->message, "實施生態");
  }
  const bqw_measure *me = measure_at_line(ds, 83);
  if (CHECK(me != NULL))
    CHECK_PREFIX(me->text, "實施生態立市、實施生態立市、工業強市");
  bqw_dataset_free(ds);
  free(t.data);

  /* The same span on two different lines: the warning names the first. */
  const char *line14 = "◎?qū)崿F(xiàn)對口幫扶";
  t = replace_once(digest, len, "◎積極培植", "◎?qū)崿F(xiàn)積極培植"); /* line 16 */
  if (!t.data)
    return;
  CHECK_EQ_INT(bqw_load_buffer("twice.txt", t.data, t.len, &ds), 0);
  CHECK(memmem(t.data, t.len, line14, strlen(line14)) != NULL);
  d = find_diag(ds, "matched 2 times");
  if (CHECK(d != NULL))
    CHECK_EQ_INT(d->line, 14);
  me = measure_at_line(ds, 16);
  if (CHECK(me != NULL))
    CHECK_PREFIX(me->text, "實現積極培植");
  bqw_dataset_free(ds);
  free(t.data);
}

/* The Simplified fixture has no corrupted spans (nor the typo): all six are warned. */
static void test_simplified(void) {
  bqw_dataset *ds = NULL;
  CHECK_EQ_INT(bqw_load_file(SIMPLIFIED, &ds), 0);
  if (!CHECK(ds != NULL))
    return;
  CHECK_EQ_INT(bqw_dataset_report(ds)->repairs_applied, 0);
  CHECK_EQ_INT(count_diags(ds, BQW_WARNING, "repair did not match"), 6);
  CHECK(find_diag(ds, "百縣干鎮") != NULL);
  const bqw_measure *me = measure_at_line(ds, 123);
  if (CHECK(me != NULL))
    CHECK_SUFFIX(me->text, "肇庆高质量发展潜力板。");
  bqw_dataset_free(ds);
}

int main(void) {
  test_digest();
  test_already_fixed();
  test_twice();
  test_simplified();
  return check_report("test_repairs");
}
