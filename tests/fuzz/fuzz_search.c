/*
 * fuzz_search.c -- libFuzzer harness for the query path: any bytes as a search query
 * (plain and pinyin) over the shipped digest, each hit's field text and match spans;
 * the same bytes as a text to match a fixed query in.
 */
#include "bqw.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bqw_dataset *digest(void) {
  static bqw_dataset *ds; /* loaded once: the harness is a test, not the library */
  if (!ds && (bqw_load_default(&ds) != 0 || bqw_dataset_index(ds) != 0))
    abort();
  return ds;
}

static void hits(bqw_dataset *ds, const char *q, size_t qlen, int pinyin) {
  bqw_results *res = NULL;
  int rc = pinyin ? bqw_dataset_search_pinyin(ds, q, qlen, 20, &res)
                  : bqw_dataset_search(ds, q, qlen, 20, &res);
  if (rc != 0) {
    if (rc != BQW_EINVAL || res)
      __builtin_trap();
    return;
  }
  if (res->count > res->total || res->count > 20)
    __builtin_trap();
  for (size_t i = 0; i < res->count; i++) {
    size_t rec, item;
    bqw_field field;
    bqw_tag_split(res->hits[i].tag, &rec, &field, &item);
    const char *t = bqw_field_text(ds, rec, field, item);
    if (!t)
      __builtin_trap();
    bqw_span spans[16];
    size_t n = pinyin ? bqw_pinyin_spans(t, strlen(t), q, qlen, spans, 16)
                      : bqw_match_spans(t, strlen(t), q, qlen, spans, 16);
    for (size_t k = 0; k < n && k < 16; k++)
      if (spans[k].start > spans[k].end || spans[k].end > strlen(t))
        __builtin_trap();
  }
  bqw_results_free(res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bqw_dataset *ds = digest();
  const char *q = (const char *)data;
  hits(ds, q, size, 0);
  hits(ds, q, size, 1);
  /* the input as the text: spans of a fixed query must lie inside it */
  bqw_span spans[16];
  size_t n = bqw_match_spans(q, size, "乡村 振兴", strlen("乡村 振兴"), spans, 16);
  for (size_t k = 0; k < n && k < 16; k++)
    if (spans[k].start > spans[k].end || spans[k].end > size)
      __builtin_trap();
  size_t w = bqw_display_width(q, size, 2), used;
  size_t fit = bqw_fit_width(q, size, w / 2, 1, &used);
  if (fit > size)
    __builtin_trap();
  return 0;
}
