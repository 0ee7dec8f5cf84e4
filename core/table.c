/*
 * table.c -- the lines of the table view (bqw_rows.h, plugins/view/table.lua) written
 * from the records through the schema: a cell is a field's value as a record table
 * presents it in the script (a list joined by "; ", a number as digits, LF as a space),
 * or the record's label; a line is its cells padded or cut with "…" to the column
 * widths by display width (bqw_display_width, bqw_fit_width). The bytes are those of
 * table.lua's Lua path: tests/lua/views_spec.lua and stream_equal hold them equal.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The label column: a record's title or what stands for one. */
#define LABEL BQW_F_COUNT
#define ELLIPSIS "\xE2\x80\xA6"

typedef struct column {
  int field; /* a bqw_field_id, or LABEL */
  size_t width;
  int numeric; /* -1: no value met; 1: only numbers; 0: some text */
} column;

struct bqw_table {
  column *columns;
  size_t count;
  int script, ambiwidth;
  bqw_buf cell, label; /* a cell being made; a label's part */
  bool raw_lines;      /* put_text keeps LF (the list view's label, in part) */
  int rc;              /* the first error of a call */
};

static void put(bqw_table *t, bqw_buf *b, const char *p, size_t n) {
  if (!t->rc && n)
    t->rc = bqw_buf_append(b, p, n);
}

/* Appends s as presented so shows it in the table's script, LF as a space
 * (view_util.one_line). */
static void put_text(bqw_table *t, bqw_buf *b, const char *s, bqw_present present) {
  int to = bqw_present_script(present, t->script);
  size_t len = strlen(s), conv_len, from = b->len;
  char *conv;
  if (to >= 0 && bqw_convert(s, len, (bqw_script)to, &conv, &conv_len) == 0) {
    put(t, b, conv, conv_len);
    bqw_free(conv);
  } else {
    put(t, b, s, len);
  }
  for (size_t i = from; !t->rc && !t->raw_lines && i < b->len; i++)
    if (b->data[i] == '\n')
      b->data[i] = ' ';
}

static void put_int(bqw_table *t, bqw_buf *b, long long v) {
  char digits[24];
  put(t, b, digits, (size_t)snprintf(digits, sizeof digits, "%lld", v));
}

/* Appends field f of record `at` as a cell (table.lua's cell): 1 for a number, 0 for
 * text or a list, -1 when the record has no such value (nothing appended). */
static int field_cell(bqw_table *t, const bqw_dataset *ds, size_t at, bqw_field_id f,
                      bqw_buf *b) {
  bqw_value v;
  bqw_record_value(ds, at, 0, f, &v);
  switch (v.type) {
  case BQW_TYPE_NONE:
    return -1;
  case BQW_TYPE_TEXT:
  case BQW_TYPE_DATE:
    put_text(t, b, v.text, v.present);
    return 0;
  case BQW_TYPE_INTEGER:
    put_int(t, b, v.integer);
    return 1;
  case BQW_TYPE_TEXTS:
  case BQW_TYPE_INTEGERS:
    for (size_t i = 0; i < v.count; i++) {
      if (i)
        put(t, b, "; ", 2);
      if (v.type == BQW_TYPE_TEXTS)
        put_text(t, b, bqw_value_text_at(&v, i), v.present);
      else
        put_int(t, b, bqw_value_int_at(&v, i));
    }
    return 0;
  }
  return -1;
}

/* Appends the text field f of record `at`, LF kept when `keep` (as util.label keeps it
 * in a title, a city, a headline, a date; the table's cells flatten it). */
static int label_part(bqw_table *t, const bqw_dataset *ds, size_t at, bqw_field_id f,
                      bool keep, bqw_buf *b) {
  bool saved = t->raw_lines;
  t->raw_lines = keep;
  int rc = field_cell(t, ds, at, f, b);
  t->raw_lines = saved;
  return rc;
}

/* The record's label (view_util.label): a document's or the guiding document's title,
 * a city entry's city and headline, a target's year and text, a meeting's date and
 * text, else the title or the text; texts on one line (LF as a space), and with flat
 * the title, city, headline and date too. */
static void label_cell(bqw_table *t, const bqw_dataset *ds, size_t at, bool flat,
                       bqw_buf *b) {
  const bqw_record *r = bqw_record_at(ds, at);
  switch (r->kind) {
  case BQW_KIND_DOCUMENT:
  case BQW_KIND_GUIDING:
    label_part(t, ds, at, BQW_F_TITLE, !flat, b);
    break;
  case BQW_KIND_CITY:
    label_part(t, ds, at, BQW_F_CITY, !flat, b);
    put(t, b, " ", 1);
    label_part(t, ds, at, BQW_F_HEADLINE, !flat, b);
    break;
  case BQW_KIND_TARGET: {
    bqw_value v;
    bqw_record_value(ds, at, 0, BQW_F_YEAR, &v);
    put_int(t, b, v.type == BQW_TYPE_INTEGER ? v.integer : 0);
    put(t, b, "年 ", strlen("年 "));
    label_part(t, ds, at, BQW_F_TEXT, false, b);
    break;
  }
  case BQW_KIND_MEETING:
    label_part(t, ds, at, BQW_F_DATE, !flat, b);
    put(t, b, " ", 1);
    label_part(t, ds, at, BQW_F_TEXT, false, b);
    break;
  default:
    if (label_part(t, ds, at, BQW_F_TITLE, false, b) < 0)
      label_part(t, ds, at, BQW_F_TEXT, false, b);
    break;
  }
}

/* Column c's cell of record `at` into t->cell: as field_cell says. */
static int make_cell(bqw_table *t, const bqw_dataset *ds, size_t at, size_t c) {
  t->cell.len = 0;
  if (t->columns[c].field == LABEL) {
    label_cell(t, ds, at, true, &t->cell);
    return 0;
  }
  return field_cell(t, ds, at, (bqw_field_id)t->columns[c].field, &t->cell);
}

int bqw_table_new(const char *const *columns, size_t count, int script, int ambiwidth,
                  bqw_table **out) {
  if (out)
    *out = NULL;
  if (!out || !columns || !count || script < -1 || script > BQW_SCRIPT_HANT)
    return BQW_EINVAL;
  bqw_table *t = calloc(1, sizeof *t);
  column *cols = t ? calloc(count, sizeof *cols) : NULL;
  if (!cols) {
    free(t);
    return BQW_ENOMEM;
  }
  t->columns = cols;
  t->count = count;
  t->script = script;
  t->ambiwidth = ambiwidth == 2 ? 2 : 1;
  for (size_t c = 0; c < count; c++) {
    const char *name = columns[c] ? columns[c] : "";
    const bqw_field_info *fi = bqw_schema_key(name, strlen(name));
    if (!strcmp(name, "label")) {
      cols[c].field = LABEL;
    } else if (fi && (fi->flags & BQW_FLAG_RECORD)) {
      cols[c].field = (int)fi->id;
    } else {
      bqw_table_free(t);
      return BQW_EINVAL; /* no record field */
    }
    cols[c].numeric = -1;
  }
  *out = t;
  return 0;
}

void bqw_table_free(bqw_table *t) {
  if (!t)
    return;
  bqw_buf_free(&t->cell);
  bqw_buf_free(&t->label);
  free(t->columns);
  free(t);
}

int bqw_table_measure(bqw_table *t, const bqw_dataset *ds, bqw_row_walk *w) {
  if (!t || !ds || !w)
    return BQW_EINVAL;
  size_t end = row_walk_end(ds, w);
  t->rc = 0;
  w->records = 0;
  for (; w->at < end && (!w->max_records || w->records < w->max_records); w->at++) {
    size_t at;
    int hit = row_walk_record(ds, w, false, w->at, &at);
    if (hit < 0)
      return hit;
    if (!hit)
      continue;
    w->records++;
    for (size_t c = 0; c < t->count; c++) {
      column *col = &t->columns[c];
      int number = make_cell(t, ds, at, c);
      if (t->rc)
        return t->rc;
      if (number >= 0 && col->numeric != 0)
        col->numeric = number; /* the first value decides; text stays text */
      if (number < 0)
        continue;
      size_t width = number ? t->cell.len
                            : bqw_display_width(t->cell.data, t->cell.len, t->ambiwidth);
      if (width > col->width)
        col->width = width;
    }
  }
  return 0;
}

int bqw_table_column(const bqw_table *t, size_t c, size_t *width, int *numeric) {
  if (!t || c >= t->count)
    return BQW_ERANGE;
  if (width)
    *width = t->columns[c].width;
  if (numeric)
    *numeric = t->columns[c].numeric;
  return 0;
}

/* Appends n spaces to out, which has room for them. */
static void pad(bqw_buf *out, size_t n) {
  memset(out->data + out->len, ' ', n);
  out->len += n;
}

/* Appends s (len bytes) cut to `cells` with "…" when it is wider, then, unless `cut`
 * only, padded with spaces to exactly `cells` (on the left when right). */
static void fit(bqw_table *t, bqw_buf *out, const char *s, size_t len, size_t cells,
                bool right, bool cut) {
  size_t total = bqw_display_width(s, len, t->ambiwidth), used = total;
  const char *tail = "";
  if (total > cells) {
    size_t ew = bqw_display_width(ELLIPSIS, strlen(ELLIPSIS), t->ambiwidth);
    if (ew > cells)
      ew = 0;
    else
      tail = ELLIPSIS;
    len = bqw_fit_width(s, len, cells - ew, t->ambiwidth, &used);
    used += ew;
  }
  size_t gap = cut || used >= cells ? 0 : cells - used;
  if (!t->rc)
    t->rc = bqw_buf_reserve(out, len + strlen(tail) + gap);
  if (t->rc)
    return;
  if (right)
    pad(out, gap);
  put(t, out, s, len);
  put(t, out, tail, strlen(tail));
  if (!right)
    pad(out, gap);
}

int bqw_table_line(bqw_table *t, const bqw_dataset *ds, size_t at, const size_t *widths,
                   size_t n, const char *gap, bqw_buf *out) {
  if (!t || !ds || !widths || n > t->count || at >= bqw_record_count(ds) || !out)
    return BQW_EINVAL;
  t->rc = 0;
  for (size_t c = 0; c < n && !t->rc; c++) {
    if (c && gap)
      put(t, out, gap, strlen(gap));
    make_cell(t, ds, at, c);
    if (!t->rc)
      fit(t, out, t->cell.data ? t->cell.data : "", t->cell.len, widths[c],
          t->columns[c].numeric == 1, c + 1 == n && t->columns[c].numeric != 1);
  }
  return t->rc;
}

/* A line of a view: the table's columns at widths, or the list's at a width. */
typedef struct layout {
  const size_t *widths;
  size_t n, width;
  const char *gap;
} layout;

static int table_line_of(bqw_table *t, const bqw_dataset *ds, size_t at, const layout *l,
                         bqw_buf *out) {
  return bqw_table_line(t, ds, at, l->widths, l->n, l->gap, out);
}

static int list_line_of(bqw_table *t, const bqw_dataset *ds, size_t at, const layout *l,
                        bqw_buf *out) {
  return bqw_list_line(t, ds, at, l->width, out);
}

/* The lines of the records walk selects, one after another, and per line its record's
 * id and where it ends in out to ids. */
static int lines_of(bqw_table *t, const bqw_dataset *ds, bqw_row_walk *w,
                    int (*line)(bqw_table *, const bqw_dataset *, size_t, const layout *,
                                bqw_buf *),
                    const layout *l, bqw_buf *out, bqw_buf *ids) {
  if (!t || !ds || !w || !out || !ids)
    return BQW_EINVAL;
  size_t end = row_walk_end(ds, w), start = out->len;
  w->records = 0;
  for (; w->at < end && (!w->max_bytes || out->len - start < w->max_bytes) &&
         (!w->max_records || w->records < w->max_records);
       w->at++) {
    size_t at;
    int hit = row_walk_record(ds, w, false, w->at, &at);
    if (hit < 0)
      return hit;
    if (!hit)
      continue;
    int rc = line(t, ds, at, l, out);
    size_t mark[2] = {at + 1, out->len};
    if (!rc)
      rc = bqw_buf_append(ids, mark, sizeof mark);
    if (rc)
      return rc;
    w->records++;
  }
  return 0;
}

int bqw_table_lines(bqw_table *t, const bqw_dataset *ds, bqw_row_walk *w,
                    const size_t *widths, size_t n, const char *gap, bqw_buf *out,
                    bqw_buf *ids) {
  layout l = {.widths = widths, .n = n, .gap = gap};
  return lines_of(t, ds, w, table_line_of, &l, out, ids);
}

int bqw_list_line(bqw_table *t, const bqw_dataset *ds, size_t at, size_t width,
                  bqw_buf *out) {
  const bqw_record *r = ds ? bqw_record_at(ds, at) : NULL;
  if (!t || !r || !out)
    return BQW_EINVAL;
  char id[32], line[32];
  int id_len = snprintf(id, sizeof id, "%3zu ", at + 1);
  int line_len = snprintf(line, sizeof line, "L%-4u ", (unsigned)r->line);
  const char *kind = bqw_kind_name(r->kind);
  t->rc = 0;
  put(t, out, id, (size_t)id_len);
  fit(t, out, kind, strlen(kind), 9, false, false);
  put(t, out, line, (size_t)line_len);
  t->cell.len = 0;
  label_cell(t, ds, at, false, &t->cell);
  size_t used = (size_t)id_len + 9 + (size_t)line_len;
  if (!t->rc)
    fit(t, out, t->cell.data ? t->cell.data : "", t->cell.len,
        width > used ? width - used : 0, false, true);
  return t->rc;
}

int bqw_list_lines(bqw_table *t, const bqw_dataset *ds, bqw_row_walk *w, size_t width,
                   bqw_buf *out, bqw_buf *ids) {
  layout l = {.width = width};
  return lines_of(t, ds, w, list_line_of, &l, out, ids);
}
