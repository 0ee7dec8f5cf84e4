/*
 * accounted.h -- every line accounted for (issue 20): each non-empty line of a digest,
 * as the loader cleaned it, ends up in a record's field, in the dataset's meta, or in a
 * diagnostic at that line; never nowhere.
 *
 * A line is cut at its markers (● ◎ 《 》 and parentheses, which the records drop) into
 * pieces, and each piece must be found in one of:
 *  - a text field (every TEXT and TEXTS field of the schema) of the record open at the
 *    line (the last one starting at or before it), of the next one and, past `other`
 *    records, the first one after them (a section or category heading is the
 *    section_title or category of the record after it), or of
 *    the record holding the last measure that starts at or before the line (a measure,
 *    or its continuation, with an unrecognised line kept as a record of its own in
 *    between);
 *  - meta: introduction, each byline, credits, source note, source;
 *  - the message of a diagnostic at that line;
 *  - a label of data/structure.tsv (目标任务: the targets under it are its record kind).
 * A line that starts a record is whole when the record took all of it: a city's name
 * (the gazetteer's name is Simplified), a target's year line, a meeting's date line
 * (and date_to set when the line holds a range).
 * Needs core/internal.h (dataset_load_keep_lines) on the include path.
 */
#ifndef BQW_TEST_ACCOUNTED_H
#define BQW_TEST_ACCOUNTED_H

#include "check.h"
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct acc_hay {
  const char *items[256];
  size_t count;
} acc_hay;

static void acc_add(acc_hay *h, const char *s) {
  if (s && h->count < sizeof h->items / sizeof *h->items)
    h->items[h->count++] = s;
}

/* Every text of record i (record row). */
static void acc_record(acc_hay *h, const bqw_dataset *ds, size_t i) {
  for (size_t f = 0; f < bqw_schema_count(); f++) {
    const bqw_field_info *fi = bqw_schema_field(f);
    bqw_value v;
    if (bqw_record_value(ds, i, 0, fi->id, &v))
      continue;
    if (v.type == BQW_TYPE_TEXT)
      acc_add(h, v.text);
    else if (v.type == BQW_TYPE_TEXTS)
      for (size_t k = 0; k < v.count; k++)
        acc_add(h, bqw_value_text_at(&v, k));
  }
}

static int acc_found(const acc_hay *h, const char *piece, size_t len) {
  char buf[4096];
  if (len >= sizeof buf)
    len = sizeof buf - 1;
  memcpy(buf, piece, len);
  buf[len] = '\0';
  for (size_t i = 0; i < h->count; i++)
    if (strstr(h->items[i], buf))
      return 1;
  return 0;
}

static int acc_is_label(const char *s, size_t len) {
  size_t n;
  const char *t = bqw_fact_table("structure", &n);
  const char *end = t + n;
  while (t < end) {
    const char *eol = memchr(t, '\n', (size_t)(end - t));
    if (!eol)
      eol = end;
    if (!strncmp(t, "label.", 6)) {
      const char *tab = memchr(t, '\t', (size_t)(eol - t));
      if (tab && (size_t)(eol - tab - 1) == len && !memcmp(tab + 1, s, len))
        return 1;
    }
    t = eol + 1;
  }
  return 0;
}

/* Marker bytes at s: their length, or 0. */
static size_t acc_marker(const char *s, size_t left) {
  static const char *const markers[] = {"●", "◎", "《", "》", "(", ")", "（", "）"};
  for (size_t m = 0; m < sizeof markers / sizeof *markers; m++) {
    size_t n = strlen(markers[m]);
    if (left >= n && !memcmp(s, markers[m], n))
      return n;
  }
  return 0;
}

/* A date line that holds a range (a separator after its first 日). */
static int acc_range_line(const char *s) {
  const char *day = strstr(s, "日");
  return day && day[3] != '\0';
}

/* Checks the lines of the digest data[0..len) as `name` loads them; returns how many
 * lines went nowhere (each is reported). */
static int check_accounted(const char *name, const void *data, size_t len) {
  bqw_dataset *ds = NULL;
  dataset_load_keep_lines(name, data, len, &ds);
  if (!CHECK(ds != NULL))
    return 1;
  int lost = 0;
  size_t n = bqw_record_count(ds), owner = 0; /* records [0, owner) start at or before */
  const bqw_meta *m = bqw_dataset_meta(ds);
  /* by_measure[L]: 1 + the record holding the last measure starting at or before L */
  uint32_t last_line = ds->line_count ? ds->lines[ds->line_count - 1].number : 0;
  size_t *by_measure = calloc((size_t)last_line + 2, sizeof *by_measure);
  if (!CHECK(by_measure != NULL)) {
    bqw_dataset_free(ds);
    return 1;
  }
  for (size_t i = 0; i < n; i++) {
    const bqw_record *r = bqw_record_at(ds, i);
    for (size_t k = 0; k < r->measure_count; k++)
      if (r->measures[k].line <= last_line)
        by_measure[r->measures[k].line] = i + 1;
  }
  for (uint32_t line = 1; line <= last_line; line++)
    if (!by_measure[line])
      by_measure[line] = by_measure[line - 1];
  for (size_t i = 0; ds->lines && i < ds->line_count; i++) {
    const text_line *l = &ds->lines[i];
    if (!l->len)
      continue;
    while (owner < n && bqw_record_at(ds, owner)->line <= l->number)
      owner++;
    const bqw_record *r = owner ? bqw_record_at(ds, owner - 1) : NULL;
    if (r && r->line == l->number &&
        ((r->kind == BQW_KIND_CITY && r->city) ||
         (r->kind == BQW_KIND_TARGET && r->year) ||
         (r->kind == BQW_KIND_MEETING && r->date &&
          (r->date_to != NULL) == acc_range_line(l->text))))
      continue;
    acc_hay h = {{0}, 0};
    if (owner)
      acc_record(&h, ds, owner - 1);
    /* the next record, and past `other` records the first one after them */
    for (size_t k = owner; k < n && k < owner + 8; k++) {
      acc_record(&h, ds, k);
      if (bqw_record_at(ds, k)->kind != BQW_KIND_OTHER)
        break;
    }
    if (l->number <= last_line && by_measure[l->number])
      acc_record(&h, ds, by_measure[l->number] - 1);
    acc_add(&h, m->introduction);
    for (size_t k = 0; k < m->byline_count; k++)
      acc_add(&h, m->bylines[k]);
    acc_add(&h, m->credits);
    acc_add(&h, m->source_note);
    acc_add(&h, m->source);
    for (size_t k = 0; k < bqw_diag_count(ds); k++)
      if (bqw_diag_at(ds, k)->line == l->number)
        acc_add(&h, bqw_diag_at(ds, k)->message);
    const char *s = l->text, *end = l->text + l->len;
    while (s < end) {
      size_t k;
      while (s < end && (k = acc_marker(s, (size_t)(end - s))))
        s += k;
      const char *piece = s;
      while (s < end && !acc_marker(s, (size_t)(end - s)))
        s++;
      size_t plen = (size_t)(s - piece);
      while (plen && piece[0] == ' ')
        piece++, plen--;
      while (plen && piece[plen - 1] == ' ')
        plen--;
      if (!plen || acc_found(&h, piece, plen) || acc_is_label(piece, plen))
        continue;
      lost++;
      check_fail_head(__FILE__, __LINE__);
      fprintf(stderr, "%s:%u: \"%.*s\" of the line went nowhere (line: %s)\n", name,
              l->number, (int)plen, piece, l->text);
    }
  }
  if (!lost)
    check_passed_count++;
  free(by_measure);
  bqw_dataset_free(ds);
  return lost;
}

#endif /* BQW_TEST_ACCOUNTED_H */
