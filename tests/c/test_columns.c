/*
 * test_columns.c -- the schema's column sets (bqw_schema_columns) and the rows
 * bqw_record_value gives a record and its measures: each set names real fields once,
 * NDJSON orders every row key, the flat sets keep to their shape; a record row has the
 * record's list of its measures and no measure field, a measure row the reverse, and a
 * field a kind does not have is NONE. Also what the binding asks of the schema instead
 * of knowing it: the joiner of a list in one cell (bqw_list_joiner), the schema field
 * of a search hit (bqw_search_field), and bqw_utf8_encode.
 */
#include "bqw.h"
#include "check.h"

#include <stdbool.h>
#include <string.h>

static void column_sets(void) {
  for (int set = 0; set < BQW_COLUMNS_COUNT; set++) {
    size_t n = 0;
    const bqw_field_id *ids = bqw_schema_columns((bqw_column_set)set, &n);
    const char *name = bqw_column_set_name((bqw_column_set)set);
    check_context(name ? name : "(no name)");
    CHECK(name != NULL);
    CHECK(ids != NULL);
    CHECK(n > 0);
    bool seen[BQW_F_COUNT] = {false};
    for (size_t i = 0; i < n; i++) {
      CHECK((unsigned)ids[i] < BQW_F_COUNT);
      CHECK(!seen[ids[i]]);
      seen[ids[i]] = true;
      unsigned flags = bqw_schema_field(ids[i])->flags;
      if (set == BQW_COLUMNS_FLAT_RECORD || set == BQW_COLUMNS_TABLE_RECORD ||
          set == BQW_COLUMNS_SQLITE || set == BQW_COLUMNS_DETAIL)
        CHECK(!(flags & BQW_FLAG_MEASURE));
      if (set == BQW_COLUMNS_FLAT_MEASURE || set == BQW_COLUMNS_TABLE_MEASURE)
        CHECK(!(flags & BQW_FLAG_MEASURES));
    }
    if (set == BQW_COLUMNS_NDJSON)
      /* every key a row may have: every field but code, which the codebooks give when
       * a query or facet asks (issue 23; a row key with the exports' code columns) */
      CHECK_EQ_INT(n, BQW_F_COUNT - 1);
  }
  check_context("out of range");
  size_t n = 7;
  CHECK(bqw_schema_columns(BQW_COLUMNS_COUNT, &n) == NULL);
  CHECK_EQ_INT(n, 0);
  CHECK(bqw_column_set_name(BQW_COLUMNS_COUNT) == NULL);
}

/* The first record of a kind, or -1. */
static long first_of(const bqw_dataset *ds, bqw_kind kind) {
  for (size_t i = 0; i < bqw_record_count(ds); i++)
    if (bqw_record_at(ds, i)->kind == kind)
      return (long)i;
  return -1;
}

static void rows(void) {
  bqw_dataset *ds = NULL;
  CHECK_EQ_INT(bqw_load_default(&ds), 0);
  if (!ds)
    return;
  long doc = first_of(ds, BQW_KIND_DOCUMENT), target = first_of(ds, BQW_KIND_TARGET);
  CHECK(doc >= 0 && target >= 0);
  const bqw_record *r = bqw_record_at(ds, (size_t)doc);
  CHECK(r->measure_count >= 2);
  bqw_value v;
  check_context("a document's record row");
  CHECK_EQ_INT(bqw_record_value(ds, (size_t)doc, 0, BQW_F_MEASURES, &v), 0);
  CHECK_EQ_INT(v.type, BQW_TYPE_TEXTS);
  CHECK_EQ_INT(v.count, r->measure_count);
  CHECK_STR(bqw_value_text_at(&v, 1), r->measures[1].text);
  CHECK_EQ_INT(bqw_record_value(ds, (size_t)doc, 0, BQW_F_MEASURE_LINES, &v), 0);
  CHECK_EQ_INT(bqw_value_int_at(&v, 1), r->measures[1].line);
  CHECK_EQ_INT(bqw_record_value(ds, (size_t)doc, 0, BQW_F_MEASURE, &v), 0);
  CHECK_EQ_INT(v.type, BQW_TYPE_NONE);
  check_context("a document's measure row");
  CHECK_EQ_INT(bqw_record_value(ds, (size_t)doc, 2, BQW_F_MEASURES, &v), 0);
  CHECK_EQ_INT(v.type, BQW_TYPE_NONE);
  CHECK_EQ_INT(bqw_record_value(ds, (size_t)doc, 2, BQW_F_MEASURE, &v), 0);
  CHECK_EQ_INT(v.type, BQW_TYPE_TEXT);
  CHECK_STR(v.text, r->measures[1].text);
  CHECK_EQ_INT(v.present, BQW_PRESENT_TEXT);
  CHECK_EQ_INT(bqw_record_value(ds, (size_t)doc, 2, BQW_F_MEASURE_INDEX, &v), 0);
  CHECK_EQ_INT(v.integer, 2);
  CHECK_EQ_INT(bqw_record_value(ds, (size_t)doc, 2, BQW_F_KIND, &v), 0);
  CHECK_STR(v.text, "document"); /* the record's fields too */
  CHECK_EQ_INT(bqw_record_value(ds, (size_t)doc, r->measure_count + 1, BQW_F_KIND, &v),
               BQW_ERANGE);
  check_context("a target");
  CHECK_EQ_INT(bqw_record_value(ds, (size_t)target, 0, BQW_F_MEASURES, &v), 0);
  CHECK_EQ_INT(v.type, BQW_TYPE_NONE); /* not a kind with measures */
  CHECK_EQ_INT(bqw_record_value(ds, (size_t)target, 0, BQW_F_YEAR, &v), 0);
  CHECK_EQ_INT(v.type, BQW_TYPE_INTEGER);
  CHECK_EQ_INT(bqw_record_value(ds, (size_t)doc, 0, BQW_F_YEAR, &v), 0);
  CHECK_EQ_INT(v.type, BQW_TYPE_NONE);
  bqw_dataset_free(ds);
}

/* bqw_list_joiner: newlines only between a record's measures. */
static void joiners(void) {
  check_context("list joiners");
  CHECK_STR(bqw_list_joiner("measures", 8), "\n");
  CHECK_STR(bqw_list_joiner("measure_lines", 13), "; "); /* integers */
  CHECK_STR(bqw_list_joiner("issuers", 7), "; ");
  CHECK_STR(bqw_list_joiner("headlines", 9), "; ");
  CHECK_STR(bqw_list_joiner("measure", 7), "; ");   /* a filter word is no row key */
  CHECK_STR(bqw_list_joiner("measuresX", 8), "\n"); /* len bytes of key only */
  CHECK_STR(bqw_list_joiner("my_column", 9), "; ");
  CHECK_STR(bqw_list_joiner(NULL, 0), "; ");
}

/* bqw_search_field: each search field's schema field, its key and presentation. */
static void search_fields(void) {
  check_context("search fields");
  static const struct {
    bqw_field field;
    const char *name;
    bqw_present present;
  } want[] = {{BQW_FIELD_TITLE, "title", BQW_PRESENT_TEXT},
              {BQW_FIELD_CITY, "city", BQW_PRESENT_NAME},
              {BQW_FIELD_HEADLINE, "headline", BQW_PRESENT_TEXT},
              {BQW_FIELD_MEASURE, "measure", BQW_PRESENT_TEXT},
              {BQW_FIELD_TEXT, "text", BQW_PRESENT_TEXT},
              {BQW_FIELD_CATEGORY, "category", BQW_PRESENT_TEXT}};
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
    const bqw_field_info *fi = bqw_search_field(want[i].field);
    CHECK(fi != NULL);
    if (!fi)
      continue;
    CHECK_STR(fi->name, want[i].name);
    CHECK_EQ_INT(fi->present, want[i].present);
  }
  CHECK(bqw_search_field((bqw_field)6) == NULL);
}

/* bqw_utf8_encode: every length, at its boundaries. */
static void utf8_encode(void) {
  check_context("utf8 encode");
  static const struct {
    int32_t cp;
    const char *bytes;
  } want[] = {{0x41, "A"},
              {0x7F, "\x7F"},
              {0x80, "\xC2\x80"},
              {0x7FF, "\xDF\xBF"},
              {0x800, "\xE0\xA0\x80"},
              {0x7CA4, "粤"},
              {0xFFFD, "\xEF\xBF\xBD"},
              {0x10000, "\xF0\x90\x80\x80"},
              {0x10FFFF, "\xF4\x8F\xBF\xBF"}};
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
    char out[5] = {0};
    size_t n = bqw_utf8_encode(want[i].cp, out);
    CHECK_EQ_INT(n, strlen(want[i].bytes));
    CHECK_STR(out, want[i].bytes);
  }
}

int main(void) {
  column_sets();
  rows();
  joiners();
  search_fields();
  utf8_encode();
  return check_report("columns");
}
