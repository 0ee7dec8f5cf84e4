/*
 * rows.c -- the rows of an export (bqw_rows.h): CSV, TSV, NDJSON, the records of the
 * JSON document and the table rows of the Markdown and HTML documents, formatted
 * straight from the records through the schema; the first pass of a document of
 * tables (its sections); the records of a query in the order of sort keys. The bytes
 * are those the Lua path writes (plugins/export/ (csv.lua, …) through
 * lua/bqw/export_util.lua, lua/bqw/json.lua, i.e. dkjson, bqw.view_util and
 * bqw.html_util): tests/lua/rows_spec.lua and table_rows_spec.lua hold the two paths to
 * the same output, tests/c/test_rows.c the bytes of each format.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COLUMNS 64

/* A column: a schema field (bqw_field_id), or FLD_NONE for a name no row has (an
 * empty cell). */
typedef int field;
#define FLD_COUNT ((int)BQW_F_COUNT)
#define FLD_NONE FLD_COUNT

struct bqw_row_format {
  bqw_rows_format format;
  bool measure_shape, raw, all_keys, array;
  int script;
  field columns[MAX_COLUMNS]; /* CSV, TSV, tables: the cells in order */
  size_t column_count;
  bool keep[FLD_COUNT]; /* NDJSON and JSON with columns: the keys kept */
  /* from the schema, once (schema_into): per field, whether this shape's rows lack it,
   * whether its list is joined by lines, whether it is a number; the key order */
  bool skip[FLD_COUNT], by_lines[FLD_COUNT], numeric[FLD_COUNT];
  size_t name_len[FLD_COUNT]; /* each field's record key's length */
  field keys[FLD_COUNT];
  size_t key_count;
  bqw_buf cell;        /* one cell being made */
  const char *cell_of; /* the text cell holds converted to cell_to (put_json_text), or
                        * NULL: the next item of a list is often the field before it */
  int cell_to;
  buffer scratch;        /* Traditional's intermediate text (convert_append) */
  const bqw_dataset *ds; /* whose rows, during a call */
  int rc;                /* the first error of a call (sticky) */
};

static const bqw_field_info *info(field fld) { return bqw_schema_field((size_t)fld); }

/* The field a row key names, or FLD_NONE. */
static field field_of(const char *name) {
  const bqw_field_info *fi = name ? bqw_schema_key(name, strlen(name)) : NULL;
  return fi ? (field)fi->id : FLD_NONE;
}

/* ---- writing, with the call's first error kept in f->rc ---- */

static void put(bqw_row_format *f, bqw_buf *b, const char *p, size_t n) {
  if (f->rc || !n)
    return;
  if (b->cap - b->len >= n) { /* the common case, without a call */
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return;
  }
  f->rc = bqw_buf_append(b, p, n);
}
static void put_str(bqw_row_format *f, bqw_buf *b, const char *s) {
  put(f, b, s, strlen(s));
}
/* v in decimal, as "%lld" writes it. */
static void put_int(bqw_row_format *f, bqw_buf *b, long long v) {
  char digits[24], *end = digits + sizeof digits, *d = end;
  unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
  do {
    *--d = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0)
    *--d = '-';
  put(f, b, d, (size_t)(end - d));
}

/* Appends s as a field presented so shows it in the format's script (as it is when it
 * cannot be converted), converted straight into b. */
static void put_text(bqw_row_format *f, bqw_buf *b, const char *s, bqw_present present) {
  int to = bqw_present_script(present, f->script);
  size_t len = strlen(s);
  if (to >= 0 && !f->rc) {
    buffer conv = {b->data, b->len, b->cap};
    int rc = convert_append(s, len, (bqw_script)to, &conv, &f->scratch);
    b->data = conv.data;
    b->len = conv.len;
    b->cap = conv.cap;
    if (!rc)
      return;
  }
  put(f, b, s, len);
}

/* What the rows of f's shape and format need of the schema, read once: a row of the
 * measure shape has none of the record's list of its measures (a record without
 * measures included), as export_util's measure rows; JSON's keys come in the schema's
 * order, NDJSON's in its column set's. */
static void schema_into(bqw_row_format *f) {
  for (field i = 0; i < FLD_COUNT; i++) {
    const bqw_field_info *fi = info(i);
    f->skip[i] = (f->measure_shape && (fi->flags & BQW_FLAG_MEASURES)) ||
                 !(fi->flags & (BQW_FLAG_RECORD | BQW_FLAG_MEASURE)); /* code: no key */
    f->by_lines[i] = fi->type == BQW_TYPE_TEXTS && (fi->flags & BQW_FLAG_MEASURES);
    f->numeric[i] = fi->type == BQW_TYPE_INTEGER;
    f->name_len[i] = strlen(fi->name);
    f->keys[i] = i;
  }
  f->key_count = FLD_COUNT;
  if (f->format == BQW_ROWS_NDJSON) {
    const bqw_field_id *order = bqw_schema_columns(BQW_COLUMNS_NDJSON, &f->key_count);
    for (size_t i = 0; i < f->key_count; i++)
      f->keys[i] = (field)order[i];
  }
}

/* Field fld of record `at` (from 0) in row m (0: the record's row; 1..: its measure m),
 * as bqw_record_value gives it, unless the shape's rows lack it (schema_into). */
static bqw_value get(const bqw_row_format *f, size_t at, size_t m, field fld) {
  bqw_value v = {.type = BQW_TYPE_NONE};
  if (fld != FLD_NONE && !f->skip[fld])
    bqw_record_value(f->ds, at, m, (bqw_field_id)fld, &v);
  return v;
}

/* Whether a value's cell (export_util.cell) is "": conversion keeps a text empty or
 * not, and a list of two or more items is joined with a separator. */
static bool value_blank(const bqw_value *v) {
  switch (v->type) {
  case BQW_TYPE_TEXT:
  case BQW_TYPE_DATE:
    return !v->text[0];
  case BQW_TYPE_INTEGER:
    return false;
  case BQW_TYPE_TEXTS:
    return v->count == 0 || (v->count == 1 && !bqw_value_text_at(v, 0)[0]);
  case BQW_TYPE_INTEGERS:
    return v->count == 0;
  default:
    return true;
  }
}

/* ---- CSV and TSV ---- */

/* A cell as export_util.cell makes it text, into f->cell: lists joined by "; " (the
 * measures' texts by newlines), numbers as digits, absent as "". */
static void make_cell(bqw_row_format *f, const bqw_value *v, field fld) {
  bqw_buf *b = &f->cell;
  const char *sep = v->type == BQW_TYPE_TEXTS && f->by_lines[fld] ? "\n" : "; ";
  b->len = 0;
  f->cell_of = NULL;
  switch (v->type) {
  case BQW_TYPE_NONE:
    break;
  case BQW_TYPE_TEXT:
  case BQW_TYPE_DATE:
    put_text(f, b, v->text, v->present);
    break;
  case BQW_TYPE_INTEGER:
    put_int(f, b, v->integer);
    break;
  case BQW_TYPE_TEXTS:
  case BQW_TYPE_INTEGERS:
    for (size_t i = 0; i < v->count; i++) {
      if (i)
        put_str(f, b, sep);
      if (v->type == BQW_TYPE_TEXTS)
        put_text(f, b, bqw_value_text_at(v, i), v->present);
      else
        put_int(f, b, bqw_value_int_at(v, i));
    }
    break;
  }
}

static void delimited_row(bqw_row_format *f, bqw_buf *out, size_t at, size_t m) {
  bool tsv = f->format == BQW_ROWS_TSV;
  for (size_t c = 0; c < f->column_count && !f->rc; c++) {
    if (c)
      put(f, out, tsv ? "\t" : ",", 1);
    bqw_value v = get(f, at, m, f->columns[c]);
    make_cell(f, &v, f->columns[c]);
    if (!f->rc)
      f->rc = bqw_delimited_cell(out, f->cell.data, f->cell.len, tsv, f->raw);
  }
  put(f, out, tsv ? "\n" : "\r\n", tsv ? 1 : 2);
}

/* ---- JSON ---- */

/* A string converted as a field presented so is, as a JSON string. */
static void put_json_text(bqw_row_format *f, bqw_buf *out, const char *s,
                          bqw_present present) {
  int to = bqw_present_script(present, f->script);
  if (s != f->cell_of || to != f->cell_to) { /* else converted already (headlines[1]) */
    f->cell.len = 0;
    put_text(f, &f->cell, s, present);
    f->cell_of = s;
    f->cell_to = to;
  }
  if (!f->rc)
    f->rc = bqw_json_string(out, f->cell.data ? f->cell.data : "", f->cell.len);
}

static void put_json_value(bqw_row_format *f, bqw_buf *out, const bqw_value *v) {
  switch (v->type) {
  case BQW_TYPE_NONE:
    break;
  case BQW_TYPE_TEXT:
  case BQW_TYPE_DATE:
    put_json_text(f, out, v->text, v->present);
    break;
  case BQW_TYPE_INTEGER:
    put_int(f, out, v->integer);
    break;
  case BQW_TYPE_TEXTS:
  case BQW_TYPE_INTEGERS:
    put(f, out, "[", 1);
    for (size_t i = 0; i < v->count; i++) {
      if (i)
        put(f, out, ",", 1);
      if (v->type == BQW_TYPE_TEXTS)
        put_json_text(f, out, bqw_value_text_at(v, i), v->present);
      else
        put_int(f, out, bqw_value_int_at(v, i));
    }
    put(f, out, "]", 1);
    break;
  }
}

/* One row as an object: NDJSON compact on one line (its keys in the ndjson column
 * set's order), or the JSON document's record (in the schema's order), pretty-printed
 * as dkjson indents an object inside the document's records array. */
static void json_row(bqw_row_format *f, bqw_buf *out, size_t at, size_t m) {
  bool pretty = f->format == BQW_ROWS_JSON, first = true;
  put(f, out, "{", 1);
  for (size_t i = 0; i < f->key_count; i++) {
    field fld = f->keys[i];
    if (!f->all_keys && !f->keep[fld])
      continue;
    bqw_value v = get(f, at, m, fld);
    if (v.type == BQW_TYPE_NONE)
      continue;
    if (!first)
      put(f, out, ",", 1);
    first = false;
    if (pretty)
      put_str(f, out, "\n      ");
    put(f, out, "\"", 1);
    put(f, out, info(fld)->name, f->name_len[fld]);
    put(f, out, "\":", 2);
    put_json_value(f, out, &v);
  }
  if (pretty)
    put_str(f, out, "\n    ");
  put(f, out, "}", 1);
  if (!pretty && !f->array)
    put(f, out, "\n", 1);
}

/* ---- Markdown and HTML tables ---- */

/* One table row: Markdown's "| a | b |" or HTML's <tr data-id="…"><td>…</td></tr>,
 * the integer columns right-aligned in HTML (html.lua's numeric columns). */
static void table_row(bqw_row_format *f, bqw_buf *out, size_t at, size_t m) {
  bool html = f->format == BQW_ROWS_HTML;
  if (html) {
    put_str(f, out, "<tr data-id=\"");
    put_int(f, out, (long long)at + 1);
    put_str(f, out, "\">");
  } else {
    put(f, out, "|", 1);
  }
  for (size_t c = 0; c < f->column_count && !f->rc; c++) {
    field fld = f->columns[c];
    bqw_value v = get(f, at, m, fld);
    make_cell(f, &v, fld);
    if (html)
      put_str(f, out, fld != FLD_NONE && f->numeric[fld] ? "<td class=\"num\">" : "<td>");
    else
      put(f, out, " ", 1);
    if (!f->rc)
      f->rc = bqw_table_cell(out, f->cell.data, f->cell.len, html);
    put_str(f, out, html ? "</td>" : " |");
  }
  put_str(f, out, html ? "</tr>\n" : "\n");
}

/* ---- formats ---- */

int bqw_row_format_new(const bqw_row_spec *spec, bqw_row_format **out) {
  if (out)
    *out = NULL;
  if (!spec || !out || (unsigned)spec->format > BQW_ROWS_HTML || spec->script < -1 ||
      spec->script > BQW_SCRIPT_HANT || spec->column_count > MAX_COLUMNS ||
      (spec->column_count && !spec->columns))
    return BQW_EINVAL;
  bool keyed = spec->format == BQW_ROWS_NDJSON || spec->format == BQW_ROWS_JSON;
  if ((!spec->columns || spec->array) && !keyed)
    return BQW_EINVAL; /* csv, tsv, markdown and html need columns, and are no array */
  bqw_row_format *f = calloc(1, sizeof *f);
  if (!f)
    return BQW_ENOMEM;
  f->format = spec->format;
  f->measure_shape = spec->measure_shape != 0;
  f->raw = spec->raw != 0;
  f->array = spec->array != 0;
  f->script = spec->script;
  f->all_keys = !spec->columns;
  for (size_t i = 0; i < spec->column_count; i++) {
    field fld = field_of(spec->columns[i]);
    f->columns[f->column_count++] = fld;
    if (fld != FLD_NONE)
      f->keep[fld] = true;
  }
  schema_into(f);
  *out = f;
  return 0;
}

void bqw_row_format_free(bqw_row_format *f) {
  if (!f)
    return;
  bqw_buf_free(&f->cell);
  buffer_free(&f->scratch);
  free(f);
}

/* ---- walks ---- */

/* The measure rows of record `at` in the shape: 0 when it is one row of its own
 * (measure 0), else its rows are measures 1..n (bqw_record_measure_rows). */
static size_t measure_rows(const bqw_dataset *ds, bool measure_shape, size_t at) {
  return measure_shape ? bqw_record_measure_rows(ds, at) : 0;
}

/* Whether the rows of the shape are tested one by one: a query of the measure shape
 * selects measures, not records (bqw_query_match_record finds a record with one). */
static bool rows_tested(bqw_query *q, bool measure_shape) {
  return q && measure_shape && bqw_query_measure_shape(q);
}

/* The end of a walk, clamped to its positions. */
size_t row_walk_end(const bqw_dataset *ds, const bqw_row_walk *w) {
  size_t n = w->order ? w->order_count : bqw_record_count(ds);
  return w->end < n ? w->end : n;
}

/* The record at position i of the walk, and whether it is selected: 1, 0, or the
 * query's error. A walk in an order takes each record in it. */
int row_walk_record(const bqw_dataset *ds, const bqw_row_walk *w, bool tested, size_t i,
                    size_t *at) {
  *at = w->order ? w->order[i] : i;
  if (*at >= bqw_record_count(ds))
    return 0;
  if (w->order || tested || !w->query)
    return 1;
  return bqw_query_match_record(w->query, *at);
}

/* Whether row m of record at is written: 1, 0 or the query's error. */
static int row_selected(bqw_query *q, bool tested, size_t at, size_t m) {
  return tested ? bqw_query_match(q, at, m) : 1;
}

int bqw_write_rows(bqw_row_format *f, const bqw_dataset *ds, bqw_row_walk *w,
                   bqw_buf *out) {
  if (!f || !ds || !w || !out)
    return BQW_EINVAL;
  if (f->array && w->separate == 2)
    return 0; /* closed */
  size_t end = row_walk_end(ds, w), start = out->len;
  bool tested = rows_tested(w->query, f->measure_shape);
  f->ds = ds;
  f->rc = 0;
  f->cell_of = NULL; /* texts of this call's dataset only */
  w->records = w->rows = 0;
  for (; w->at < end && (!w->max_bytes || out->len - start < w->max_bytes) &&
         (!w->max_records || w->records < w->max_records);
       w->at++) {
    size_t at;
    int hit = row_walk_record(ds, w, tested, w->at, &at);
    if (hit < 0)
      return hit;
    if (!hit)
      continue;
    size_t nm = measure_rows(ds, f->measure_shape, at), written = 0;
    for (size_t j = 0; j < (nm ? nm : 1); j++) {
      size_t m = nm ? j + 1 : 0;
      int row = row_selected(w->query, tested, at, m);
      if (row < 0)
        return row;
      if (!row)
        continue;
      if (f->format == BQW_ROWS_CSV || f->format == BQW_ROWS_TSV) {
        delimited_row(f, out, at, m);
      } else if (f->format == BQW_ROWS_MARKDOWN || f->format == BQW_ROWS_HTML) {
        table_row(f, out, at, m);
      } else {
        /* JSON's rows, and an array's, are separated by ","; an array opens first */
        if ((f->format == BQW_ROWS_JSON || f->array) && w->separate)
          put(f, out, ",", 1);
        else if (f->array)
          put(f, out, "[", 1);
        w->separate = 1;
        json_row(f, out, at, m);
      }
      if (f->rc)
        return f->rc;
      written++;
    }
    w->rows += written;
    w->records += written > 0;
  }
  if (f->array && w->at >= end) { /* the end: the array closes, or is empty */
    put_str(f, out, w->separate ? "]" : "[]");
    w->separate = 2;
  }
  return f->rc;
}

int bqw_count_rows(bqw_query *q, const bqw_dataset *ds, size_t last, int measure_shape,
                   size_t *records, size_t *rows) {
  if (!ds || !records || !rows)
    return BQW_EINVAL;
  bool tested = rows_tested(q, measure_shape);
  size_t n = bqw_record_count(ds), end = last < n ? last : n;
  *records = *rows = 0;
  for (size_t i = 0; i < end; i++) {
    if (!tested && q) {
      int hit = bqw_query_match_record(q, i);
      if (hit <= 0) {
        if (hit < 0)
          return hit;
        continue;
      }
    }
    size_t k = measure_rows(ds, measure_shape, i), counted = 0;
    for (size_t j = 0; j < (k ? k : 1); j++) {
      int row = row_selected(q, tested, i, k ? j + 1 : 0);
      if (row < 0)
        return row;
      counted += (size_t)row;
    }
    *records += counted > 0;
    *rows += counted;
  }
  return 0;
}

/* ---- the sections of a document of tables ---- */

/* One section (export_util.section_passes' group); pub points into the rest. */
typedef struct section {
  bqw_table_section pub;
  char *title;
  uint32_t *ids;
  size_t id_cap;
  unsigned char filled[FLD_COUNT]; /* per candidate */
} section;

struct bqw_section_scan {
  bqw_row_format f; /* shape and script; f.cell: a heading being converted */
  field candidates[FLD_COUNT];
  size_t candidate_count;
  section **sections;
  size_t count, cap;
  const char *last_key; /* the key of the last record, as the record holds it */
  bqw_present last_kind;
  size_t last_section, records, rows;
};

int bqw_section_scan_new(int measure_shape, int script, const char *const *candidates,
                         size_t count, bqw_section_scan **out) {
  if (out)
    *out = NULL;
  if (!out || (count && !candidates) || count > FLD_COUNT || script < -1 ||
      script > BQW_SCRIPT_HANT)
    return BQW_EINVAL;
  bqw_section_scan *sc = calloc(1, sizeof *sc);
  if (!sc)
    return BQW_ENOMEM;
  sc->f.measure_shape = measure_shape != 0;
  sc->f.script = script;
  schema_into(&sc->f);
  for (size_t i = 0; i < count; i++) {
    field fld = field_of(candidates[i]);
    for (size_t c = 0; c < sc->candidate_count && fld != FLD_NONE; c++)
      if (sc->candidates[c] == fld)
        fld = FLD_NONE;
    if (fld == FLD_NONE) {
      free(sc);
      return BQW_EINVAL; /* no field, or a field twice */
    }
    sc->candidates[sc->candidate_count++] = fld;
  }
  *out = sc;
  return 0;
}

void bqw_section_scan_free(bqw_section_scan *sc) {
  if (!sc)
    return;
  for (size_t i = 0; i < sc->count; i++) {
    free(sc->sections[i]->title);
    free(sc->sections[i]->ids);
    free(sc->sections[i]);
  }
  free(sc->sections);
  bqw_buf_free(&sc->f.cell);
  buffer_free(&sc->f.scratch);
  free(sc);
}

/* A new section titled by len bytes at title, at the end of the scan's; NULL when out
 * of memory. */
static section *add_section(bqw_section_scan *sc, const char *title, size_t len) {
  section **grown = array_grow(sc->sections, sc->count, &sc->cap, sizeof *grown, 16);
  section *sec = grown ? calloc(1, sizeof *sec) : NULL;
  char *copy = sec ? malloc(len + 1) : NULL;
  if (grown)
    sc->sections = grown;
  if (!copy) {
    free(sec);
    return NULL;
  }
  memcpy(copy, title, len);
  copy[len] = '\0';
  sec->title = copy;
  sec->pub.title = copy;
  sec->pub.title_len = len;
  sec->pub.filled = sec->filled;
  sc->sections[sc->count++] = sec;
  return sec;
}

/* The section of record `at` (from 0): the key is row.section_title or row.section or
 * "", as the record shows it (section_title converted to the script). NULL when out
 * of memory. */
static section *section_of(bqw_section_scan *sc, size_t at) {
  bqw_value v;
  bqw_record_value(sc->f.ds, at, 0, BQW_F_SECTION_TITLE, &v);
  if (v.type == BQW_TYPE_NONE)
    bqw_record_value(sc->f.ds, at, 0, BQW_F_SECTION, &v);
  const char *key = v.type == BQW_TYPE_NONE ? "" : v.text;
  bqw_present kind = v.present;
  /* the records of a section mostly follow one another: the same key, no conversion */
  if (sc->count && sc->last_kind == kind &&
      (sc->last_key == key || !strcmp(sc->last_key, key)))
    return sc->sections[sc->last_section];
  bqw_row_format *f = &sc->f;
  f->cell.len = 0;
  f->cell_of = NULL;
  put_text(f, &f->cell, key, kind);
  if (f->rc)
    return NULL;
  const char *title = f->cell.data ? f->cell.data : "";
  size_t len = f->cell.len, i = 0;
  while (i < sc->count && !(sc->sections[i]->pub.title_len == len &&
                            !memcmp(sc->sections[i]->title, title, len)))
    i++;
  if (i == sc->count && !add_section(sc, title, len))
    return NULL;
  sc->last_key = key;
  sc->last_kind = kind;
  sc->last_section = i;
  return sc->sections[i];
}

/* Adds record `at` (from 0) to its section: its rows that pass the query when they are
 * tested one by one (rows_tested), else all; a record with none is left out. */
static int scan_record(bqw_section_scan *sc, bqw_query *q, bool tested, size_t at) {
  size_t n = measure_rows(sc->f.ds, sc->f.measure_shape, at), k = 0;
  section *sec = NULL;
  for (size_t j = 0; j < (n ? n : 1); j++) {
    size_t m = n ? j + 1 : 0;
    int row = row_selected(q, tested, at, m);
    if (row <= 0) {
      if (row < 0)
        return row;
      continue;
    }
    if (!sec) {
      sec = section_of(sc, at);
      uint32_t *ids =
          sec ? array_grow(sec->ids, sec->pub.id_count, &sec->id_cap, sizeof *ids, 64)
              : NULL;
      if (!ids)
        return BQW_ENOMEM;
      sec->ids = ids;
      sec->pub.ids = ids;
      ids[sec->pub.id_count++] = (uint32_t)at;
    }
    k++;
    for (size_t c = 0; c < sc->candidate_count; c++)
      if (!sec->filled[c]) {
        bqw_value v = get(&sc->f, at, m, sc->candidates[c]);
        sec->filled[c] = !value_blank(&v);
      }
  }
  if (sec) {
    sc->records++;
    sc->rows += k;
    sec->pub.rows += k;
  }
  return 0;
}

int bqw_section_scan_add(bqw_section_scan *sc, const bqw_dataset *ds, bqw_row_walk *w) {
  if (!sc || !ds || !w)
    return BQW_EINVAL;
  size_t end = row_walk_end(ds, w);
  bool tested = rows_tested(w->query, sc->f.measure_shape);
  sc->f.ds = ds;
  sc->f.rc = 0;
  w->records = w->rows = 0;
  for (; w->at < end && (!w->max_records || w->records < w->max_records);
       w->at++, w->records++) {
    size_t at;
    int hit = row_walk_record(ds, w, tested, w->at, &at);
    if (hit > 0)
      hit = scan_record(sc, w->query, tested, at);
    if (hit < 0)
      return hit;
  }
  return 0;
}

void bqw_section_scan_totals(const bqw_section_scan *sc, size_t *records, size_t *rows,
                             size_t *sections) {
  if (records)
    *records = sc ? sc->records : 0;
  if (rows)
    *rows = sc ? sc->rows : 0;
  if (sections)
    *sections = sc ? sc->count : 0;
}

const bqw_field_info *bqw_section_scan_candidate(const bqw_section_scan *sc, size_t c) {
  return sc && c < sc->candidate_count ? info(sc->candidates[c]) : NULL;
}

const bqw_table_section *bqw_section_scan_at(const bqw_section_scan *sc, size_t i) {
  return sc && i < sc->count ? &sc->sections[i]->pub : NULL;
}

/* ---- order ---- */

int bqw_query_records(bqw_dataset *ds, bqw_query *q, size_t last,
                      const bqw_sort_key *keys, size_t nkeys, int script,
                      bqw_rows **out) {
  int rc = bqw_query_rows(ds, q, last, keys, nkeys, script, out);
  if (rc < 0)
    return rc;
  bqw_rows *rows = *out;
  free(rows->measures);
  rows->measures = NULL;
  if (!bqw_query_measure_shape(q) || !rows->count)
    return 0;
  /* rows of the measure shape: each record once, where it first comes (write_rows
   * then writes those of its rows that match) */
  size_t total = bqw_record_count(ds), kept = 0;
  unsigned char *seen = calloc(total / 8 + 1, 1);
  if (!seen) {
    bqw_rows_free(rows);
    *out = NULL;
    return BQW_ENOMEM;
  }
  for (size_t i = 0; i < rows->count; i++) {
    uint32_t id = rows->records[i];
    if (!(seen[id / 8] >> (id % 8) & 1)) {
      seen[id / 8] |= (unsigned char)(1u << (id % 8));
      rows->records[kept++] = id;
    }
  }
  free(seen);
  rows->count = kept;
  return 0;
}
