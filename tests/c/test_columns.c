/*
 * test_columns.c -- the schema's column sets (bqw_schema_columns) and the rows
 * bqw_record_value gives a record and its measures: each set names real fields once,
 * NDJSON orders every row key, the flat sets keep to their shape; a record row has the
 * record's list of its measures and no measure field, a measure row the reverse, and a
 * field a kind does not have is NONE.
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

int main(void) {
  column_sets();
  rows();
  return check_report("columns");
}
