/*
 * fuzz_load.c -- libFuzzer harness for the loader: any bytes through bqw_load_buffer,
 * then everything a caller may read: records and their measures, every field of every
 * row through the schema, metadata, stats,
 * the report, every diagnostic formatted, and a search for text of the loaded records.
 */
#include "bqw.h"

#include <stdint.h>
#include <string.h>

static size_t touch(const char *s) { return s ? strlen(s) : 0; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bqw_dataset *ds = NULL;
  int rc = bqw_load_buffer("fuzz.txt", data, size, &ds);
  if (!ds)
    return 0;
  if (bqw_dataset_status(ds) != rc)
    __builtin_trap();
  size_t sum = 0;
  for (size_t i = 0; i < bqw_record_count(ds); i++) {
    const bqw_record *r = bqw_record_at(ds, i);
    sum += touch(r->section_title) + touch(r->category) + touch(r->city) +
           touch(r->region) + touch(r->headline) + touch(r->title) + touch(r->text) +
           touch(r->date);
    for (size_t k = 0; k < r->measure_count; k++)
      sum += touch(r->measures[k].text) + r->measures[k].line;
    /* every field of the schema through bqw_record_value, the derived ones (kept
     * beside the records, lists in shared pools) included, in each row of the record */
    for (size_t m = 0; m <= bqw_record_measure_rows(ds, i); m++)
      for (size_t f = 0; f < bqw_schema_count(); f++) {
        bqw_value v;
        if (bqw_record_value(ds, i, m, bqw_schema_field(f)->id, &v))
          __builtin_trap();
        if (v.type == BQW_TYPE_TEXT || v.type == BQW_TYPE_DATE)
          sum += touch(v.text);
        for (size_t k = 0; k < v.count; k++)
          sum += v.type == BQW_TYPE_TEXTS ? touch(bqw_value_text_at(&v, k))
                                          : (size_t)bqw_value_int_at(&v, k);
      }
  }
  const bqw_meta *m = bqw_dataset_meta(ds);
  sum += touch(m->introduction) + touch(m->byline) + touch(m->credits) +
         touch(m->source_note) + touch(m->source);
  bqw_stats st;
  bqw_dataset_stats(ds, &st);
  sum += bqw_dataset_report(ds)->lines + bqw_dataset_memory(ds);
  char buf[2048];
  for (size_t i = 0; i < bqw_diag_count(ds); i++) {
    const bqw_diag *d = bqw_diag_at(ds, i);
    if (d->line && (!d->col || !d->byte_col || d->byte_col < d->col))
      __builtin_trap(); /* a column in bytes is at least the one in characters */
    sum += (size_t)bqw_diag_format(ds, d, buf, sizeof buf);
  }
  /* search for the start of the first record's title or text, and a pinyin query */
  const bqw_record *r = bqw_record_at(ds, 0);
  const char *q = r ? (r->title ? r->title : r->text ? r->text : r->city) : NULL;
  if (q && *q) {
    size_t qlen = strlen(q) > 12 ? 12 : strlen(q);
    bqw_results *res = NULL;
    if (bqw_dataset_search(ds, q, qlen, 10, &res) == 0) {
      for (size_t i = 0; i < res->count; i++) {
        size_t rec, item;
        bqw_field field;
        bqw_tag_split(res->hits[i].tag, &rec, &field, &item);
        const char *t = bqw_field_text(ds, rec, field, item);
        bqw_span spans[8];
        if (t)
          sum += bqw_match_spans(t, strlen(t), q, qlen, spans, 8);
      }
      bqw_results_free(res);
    }
    res = NULL;
    if (bqw_dataset_search_pinyin(ds, "xczx", 4, 10, &res) == 0)
      bqw_results_free(res);
  }
  bqw_dataset_free(ds);
  return (int)(sum & 0);
}
