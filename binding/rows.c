/*
 * rows.c -- the rows of an export written by the core: CSV, TSV, NDJSON, the
 * records of the JSON document and the table rows of the Markdown and HTML
 * documents, formatted straight from the C records, a batch of rows per call,
 * without a Lua table per record or per row. The bytes are those the Lua path writes
 * (plugins/export/csv.lua, tsv.lua, ndjson.lua, json.lua, markdown.lua, html.lua
 * through lua/bqw/export_util.lua, lua/bqw/json.lua, i.e. dkjson, bqw.view_util and
 * bqw.html_util): tests/lua/rows_spec.lua and table_rows_spec.lua hold the two paths
 * to the same output. lua/bqw/init.lua takes this path when every filter of the
 * query is the core's (binding/filter.c) and a built-in plugin declares a `native`
 * format (csv, tsv, ndjson) or uses ctx.native itself (json, markdown, html).
 *
 *   core.row_format{ format = "csv" | "tsv" | "ndjson" | "json" | "markdown" |
 *                    "html", shape = "record" | "measure", columns = { … } | nil,
 *                    raw = bool, script = "original" | "hans" | "hant" } -> format
 *       (columns: every one a cell, for csv, tsv, markdown, html; the keys kept, for
 *       ndjson, json)
 *   core.table_cell("markdown" | "html", s) -> s as a table row writes a cell
 *       (binding/rows_text.c, with the text pieces every row is written with)
 *   ds:write_rows(format, filter | nil, from, last [, separate [, most]]) -> chunk,
 *       next | nil, records, rows
 *       the rows of the matching records from id `from` to `last`, until the chunk
 *       holds about 64 KB or `most` records are in it; `next` is where the next call
 * starts (nil at the end), `records` how many records matched, `rows` how many rows were
 * written. JSON rows are separated by ","; with `separate` the first one too (a row came
 *       before, in an earlier call).
 *   ds:count_rows(filter | nil, last, shape) -> records, rows
 *   core.section_scan{ shape, script, candidates = { … } } -> scan
 *   ds:scan_sections(scan, filter | nil, from, last [, most [, order]]) -> next | nil,
 *       looked
 *   scan:result() -> records, rows, { { title, count, columns, order }, … }
 *       the first pass of a Markdown or HTML export (export_util.section_passes): the
 *       sections in the order they first come, each with its rows, the candidate
 *       columns some row of it fills, and its records as an order for write_rows.
 *   ds:order(filter | nil, last, keys, script) -> order
 *       the ids of the matching records up to `last`, in the order of keys ({ { field
 *       = name, desc = bool }, … }) as lua/bqw/collate.lua's comparator orders records
 *       built in script: text by bqw_collate_key, numbers numerically, a list by its
 *       first item, an absent value last in either direction, ties by id. order:count()
 *       -> n; order:at(i) -> the id at position i. write_rows walks an order given as
 *       its 8th argument (`from` and `last` are then positions in it, the filter unused).
 */
#include "rows.h"
#include "binding.h"
#include "bqw.h"
#include "compat.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROW_FORMAT_MT "bqw.core.row_format"
#define ORDER_MT "bqw.core.order"
#define SCAN_MT "bqw.core.section_scan"
#define CHUNK_BYTES 65536

/* A column: a schema field (bqw_field_id), or FLD_NONE for a name no row has (an
 * empty cell). */
typedef int field;
#define FLD_COUNT ((int)BQW_F_COUNT)
#define FLD_NONE FLD_COUNT

typedef enum out_format {
  OUT_CSV,
  OUT_TSV,
  OUT_NDJSON,
  OUT_JSON,
  OUT_MARKDOWN,
  OUT_HTML
} out_format;
typedef bqw_lua_script script_mode;

typedef bqw_buf buffer;

typedef struct row_format {
  out_format format;
  bool measure_shape, raw;
  script_mode script;
  field columns[64]; /* CSV/TSV: the cells in order; JSON: the keys kept */
  size_t column_count;
  bool keep[FLD_COUNT]; /* NDJSON with columns: the keys kept */
  bool all_keys;
  buffer out, cell;      /* the chunk, and one cell being made */
  lua_State *L;          /* for raising on a failed allocation */
  const bqw_dataset *ds; /* whose rows */
  /* from the schema, once (schema_into): per field, whether this shape's rows lack it,
   * whether its list is joined by lines, whether it is a number; the key order */
  bool skip[FLD_COUNT], by_lines[FLD_COUNT], numeric[FLD_COUNT];
  field keys[FLD_COUNT];
  size_t key_count;
} row_format;

static void grow(row_format *f, buffer *b, size_t n) { bqw_buf_grow(f->L, b, n); }
static void put(row_format *f, buffer *b, const char *p, size_t n) {
  bqw_buf_put(f->L, b, p, n);
}
static void put_str(row_format *f, buffer *b, const char *s) { bqw_buf_str(f->L, b, s); }
static void put_int(row_format *f, buffer *b, long long v) { bqw_buf_int(f->L, b, v); }
#define grow_array bqw_grow_array

/* Appends s as a field presented so shows it in the format's script. */
static void put_text(row_format *f, buffer *b, const char *s, bqw_present present) {
  bqw_buf_text(f->L, b, s, bqw_lua_presented(present, f->script));
}

static const bqw_field_info *info(field fld) { return bqw_schema_field((size_t)fld); }

/* What the rows of f's shape and format need of the schema, read once: a row of the
 * measure shape has none of the record's list of its measures (a record without
 * measures included), as export_util's measure rows; JSON's keys come in the schema's
 * order, NDJSON's in its column set's. */
static void schema_into(row_format *f) {
  for (field i = 0; i < FLD_COUNT; i++) {
    const bqw_field_info *fi = info(i);
    f->skip[i] = (f->measure_shape && (fi->flags & BQW_FLAG_MEASURES)) ||
                 !(fi->flags & (BQW_FLAG_RECORD | BQW_FLAG_MEASURE)); /* code: no key */
    f->by_lines[i] = fi->type == BQW_TYPE_TEXTS && (fi->flags & BQW_FLAG_MEASURES);
    f->numeric[i] = fi->type == BQW_TYPE_INTEGER;
    f->keys[i] = i;
  }
  f->key_count = FLD_COUNT;
  if (f->format == OUT_NDJSON) {
    const bqw_field_id *order = bqw_schema_columns(BQW_COLUMNS_NDJSON, &f->key_count);
    for (size_t i = 0; i < f->key_count; i++)
      f->keys[i] = (field)order[i];
  }
}

/* Field fld of record id (from 1) in row m (0: the record's row; 1..: its measure m),
 * as bqw_record_value gives it, unless the shape's rows lack it (schema_into). */
static bqw_value get(const row_format *f, const bqw_record *r, size_t id, size_t m,
                     field fld) {
  (void)r;
  bqw_value v = {.type = BQW_TYPE_NONE};
  if (fld != FLD_NONE && !f->skip[fld])
    bqw_record_value(f->ds, id - 1, m, (bqw_field_id)fld, &v);
  return v;
}

/* ---- CSV and TSV ---- */

/* A cell as export_util.cell makes it text: lists joined by "; " (the measures' texts
 * by newlines), numbers as digits, absent as "". */
static void make_cell(row_format *f, const bqw_value *v, field fld) {
  buffer *b = &f->cell;
  const char *sep = v->type == BQW_TYPE_TEXTS && f->by_lines[fld] ? "\n" : "; ";
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

/* The cell made in f->cell, quoted into the chunk. */
static void put_cell(row_format *f, bool tsv) {
  buffer *b = &f->out;
  grow(f, b, BQW_CELL_ROOM(f->cell.len));
  b->len +=
      bqw_lua_delimited_cell(b->data + b->len, f->cell.data, f->cell.len, tsv, f->raw);
}

static void delimited_row(row_format *f, const bqw_record *r, size_t id, size_t m) {
  bool tsv = f->format == OUT_TSV;
  for (size_t c = 0; c < f->column_count; c++) {
    if (c)
      put(f, &f->out, tsv ? "\t" : ",", 1);
    f->cell.len = 0;
    bqw_value v = get(f, r, id, m, f->columns[c]);
    make_cell(f, &v, f->columns[c]);
    put_cell(f, tsv);
  }
  put(f, &f->out, tsv ? "\n" : "\r\n", tsv ? 1 : 2);
}

/* ---- JSON ---- */

/* A string converted as a field presented so is, as a JSON string. */
static void put_json_text(row_format *f, const char *s, bqw_present present) {
  f->cell.len = 0;
  put_text(f, &f->cell, s, present);
  bqw_json_string(f->L, &f->out, f->cell.data ? f->cell.data : "", f->cell.len);
}

static void put_json_value(row_format *f, const bqw_value *v) {
  buffer *b = &f->out;
  switch (v->type) {
  case BQW_TYPE_NONE:
    break;
  case BQW_TYPE_TEXT:
  case BQW_TYPE_DATE:
    put_json_text(f, v->text, v->present);
    break;
  case BQW_TYPE_INTEGER:
    put_int(f, b, v->integer);
    break;
  case BQW_TYPE_TEXTS:
  case BQW_TYPE_INTEGERS:
    put(f, b, "[", 1);
    for (size_t i = 0; i < v->count; i++) {
      if (i)
        put(f, b, ",", 1);
      if (v->type == BQW_TYPE_TEXTS)
        put_json_text(f, bqw_value_text_at(v, i), v->present);
      else
        put_int(f, b, bqw_value_int_at(v, i));
    }
    put(f, b, "]", 1);
    break;
  }
}

/* One row as an object: NDJSON compact on one line (its keys in the ndjson column
 * set's order), or the JSON document's record (in the schema's order), pretty-printed
 * as dkjson indents an object inside the document's records array. */
static void json_row(row_format *f, const bqw_record *r, size_t id, size_t m) {
  bool pretty = f->format == OUT_JSON;
  buffer *b = &f->out;
  bool first = true;
  put(f, b, "{", 1);
  for (size_t i = 0; i < f->key_count; i++) {
    field fld = f->keys[i];
    if (!f->all_keys && !f->keep[fld])
      continue;
    bqw_value v = get(f, r, id, m, fld);
    if (v.type == BQW_TYPE_NONE)
      continue;
    if (!first)
      put(f, b, ",", 1);
    first = false;
    if (pretty)
      put_str(f, b, "\n      ");
    put(f, b, "\"", 1);
    put_str(f, b, info(fld)->name);
    put(f, b, "\":", 2);
    put_json_value(f, &v);
  }
  if (pretty)
    put_str(f, b, "\n    ");
  put(f, b, "}", 1);
  if (!pretty)
    put(f, b, "\n", 1);
}

/* ---- Markdown and HTML tables ---- */

/* The numeric columns, right-aligned in HTML (html.lua's numeric columns): the
 * integer fields. */
static bool numeric_column(const row_format *f, field fld) {
  return fld != FLD_NONE && f->numeric[fld];
}

/* One table row: Markdown's "| a | b |" or HTML's <tr data-id="…"><td>…</td></tr>. */
static void table_row(row_format *f, const bqw_record *r, size_t id, size_t m) {
  bool html = f->format == OUT_HTML;
  buffer *b = &f->out;
  if (html) {
    put_str(f, b, "<tr data-id=\"");
    put_int(f, b, (long long)id);
    put_str(f, b, "\">");
  } else {
    put(f, b, "|", 1);
  }
  for (size_t c = 0; c < f->column_count; c++) {
    f->cell.len = 0;
    bqw_value v = get(f, r, id, m, f->columns[c]);
    make_cell(f, &v, f->columns[c]);
    if (html)
      put_str(f, b, numeric_column(f, f->columns[c]) ? "<td class=\"num\">" : "<td>");
    else
      put(f, b, " ", 1);
    bqw_table_cell(f->L, &f->out, f->cell.data, f->cell.len, f->format == OUT_HTML);
    put_str(f, b, html ? "</td>" : " |");
  }
  put_str(f, b, html ? "</tr>\n" : "\n");
}

/* ---- the Lua side ---- */

static int row_format_gc(lua_State *L) {
  row_format *f = luaL_checkudata(L, 1, ROW_FORMAT_MT);
  free(f->out.data);
  free(f->cell.data);
  f->out = f->cell = (buffer){0};
  return 0;
}

/* The field a row key names (a record key, not a filter word), or FLD_NONE. */
static field field_of(const char *name) {
  for (field i = 0; i < FLD_COUNT; i++)
    if (!strcmp(info(i)->name, name))
      return i;
  return FLD_NONE;
}

/* The shape ("record" | "measure") and the script ("original" | "hans" | "hant") of
 * the spec at index t, into f. */
static void check_shape_script(lua_State *L, int t, row_format *f) {
  static const char *const shapes[] = {"record", "measure", NULL};
  static const char *const scripts[] = {"original", "hans", "hant", NULL};
  lua_getfield(L, t, "shape");
  f->measure_shape = luaL_checkoption(L, -1, "record", shapes) == 1;
  lua_getfield(L, t, "script");
  f->script = (script_mode)luaL_checkoption(L, -1, "original", scripts);
  lua_pop(L, 2);
  schema_into(f);
}

/* core.row_format(spec) -> format */
static int l_row_format(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  static const char *const formats[] = {"csv",      "tsv",  "ndjson", "json",
                                        "markdown", "html", NULL};
  row_format *f = lua_newuserdata(L, sizeof *f);
  memset(f, 0, sizeof *f);
  luaL_setmetatable(L, ROW_FORMAT_MT);
  lua_getfield(L, 1, "format");
  f->format = (out_format)luaL_checkoption(L, -1, NULL, formats);
  lua_getfield(L, 1, "raw");
  f->raw = lua_toboolean(L, -1);
  lua_pop(L, 2);
  check_shape_script(L, 1, f);
  lua_getfield(L, 1, "columns");
  f->all_keys = lua_type(L, -1) != LUA_TTABLE;
  if (!f->all_keys) {
    for (int i = 1;; i++) {
      lua_rawgeti(L, -1, i);
      const char *name = lua_tolstring(L, -1, NULL);
      if (!name) {
        lua_pop(L, 1);
        break;
      }
      if (f->column_count == sizeof f->columns / sizeof f->columns[0])
        luaL_error(L, "bqw.core.row_format: more than 64 columns");
      field fld = field_of(name);
      f->columns[f->column_count++] = fld;
      if (fld != FLD_NONE)
        f->keep[fld] = true;
      lua_pop(L, 1);
    }
  }
  lua_pop(L, 1);
  if (f->format != OUT_NDJSON && f->format != OUT_JSON && f->all_keys)
    luaL_error(L, "bqw.core.row_format: csv, tsv, markdown and html need columns");
  return 1;
}

/* The filter at idx, or NULL for nil (every record). */
static const void *opt_filter(lua_State *L, int idx) {
  return lua_type(L, idx) <= LUA_TNIL ? NULL : bqw_lua_check_filter(L, idx);
}

/* The measure rows of record `at` (from 0) in f's shape: 0 when it is one row of its
 * own (measure 0), else its rows are measures 1..n (bqw_record_measure_rows). */
static size_t measure_rows(const row_format *f, size_t at) {
  return f->measure_shape ? bqw_record_measure_rows(f->ds, at) : 0;
}

/* Whether the rows of the shape are tested one by one: a filter of the measure shape
 * selects measures, not records (bqw_query_match_record finds a record with one). */
static bool rows_tested(const row_format *f, const void *filter) {
  return filter && f->measure_shape && bqw_lua_filter_measure_shape(filter);
}

/* An order of records (ds:order): their ids, from 0, in the order the keys give. */
typedef struct order {
  size_t n;
  uint32_t ids[];
} order;

/* The order at idx, or NULL for nil. */
static const order *opt_order(lua_State *L, int idx) {
  return lua_type(L, idx) <= LUA_TNIL ? NULL : luaL_checkudata(L, idx, ORDER_MT);
}

/* ds:write_rows(format, filter | nil, from, last [, separate [, most [, order]]]) ->
 * chunk, next | nil, records, rows */
static int l_write_rows(lua_State *L) {
  bqw_dataset *ds = bqw_lua_check_dataset(L, 1);
  row_format *f = luaL_checkudata(L, 2, ROW_FORMAT_MT);
  const void *filter = opt_filter(L, 3);
  lua_Integer from = luaL_checkinteger(L, 4);
  lua_Integer last = luaL_checkinteger(L, 5);
  const order *o = opt_order(L, 8); /* positions in it instead of ids */
  size_t n = o ? o->n : bqw_record_count(ds);
  size_t end = last < 0 ? 0 : (size_t)last < n ? (size_t)last : n;
  size_t i = from < 1 ? 0 : (size_t)from - 1, records = 0, rows = 0;
  bool separate = lua_toboolean(L, 6); /* JSON: a row was written before this call */
  lua_Integer most = luaL_optinteger(L, 7, 0); /* records per call; 0: no bound */
  f->L = L;
  f->ds = ds;
  f->out.len = 0;
  bool tested = rows_tested(f, filter); /* each row, the record through its rows */
  for (;
       i < end && f->out.len < CHUNK_BYTES && (most <= 0 || (lua_Integer)records < most);
       i++) {
    size_t at = o ? o->ids[i] : i;
    const bqw_record *r = bqw_record_at(ds, at);
    if (!r || (!o && !tested && filter && !bqw_lua_filter_match(filter, r, at + 1)))
      continue;
    size_t nm = measure_rows(f, at), written = 0;
    for (size_t j = 0; j < (nm ? nm : 1); j++) {
      size_t m = nm ? j + 1 : 0;
      if (tested && !bqw_lua_filter_row_match(filter, at + 1, m))
        continue;
      if (f->format == OUT_CSV || f->format == OUT_TSV) {
        delimited_row(f, r, at + 1, m);
      } else if (f->format == OUT_MARKDOWN || f->format == OUT_HTML) {
        table_row(f, r, at + 1, m);
      } else {
        if (f->format == OUT_JSON && separate)
          put(f, &f->out, ",", 1);
        separate = true;
        json_row(f, r, at + 1, m);
      }
      written++;
    }
    rows += written;
    records += written > 0;
  }
  lua_pushlstring(L, f->out.data ? f->out.data : "", f->out.len);
  if (i < end)
    lua_pushinteger(L, (lua_Integer)i + 1);
  else
    lua_pushnil(L);
  lua_pushinteger(L, (lua_Integer)records);
  lua_pushinteger(L, (lua_Integer)rows);
  return 4;
}

/* ds:count_rows(filter | nil, last, shape) -> records, rows */
static int l_count_rows(lua_State *L) {
  bqw_dataset *ds = bqw_lua_check_dataset(L, 1);
  const void *filter = opt_filter(L, 2);
  lua_Integer last = luaL_checkinteger(L, 3);
  static const char *const shapes[] = {"record", "measure", NULL};
  row_format shape = {.measure_shape = luaL_checkoption(L, 4, "record", shapes) == 1,
                      .ds = ds};
  bool tested = rows_tested(&shape, filter);
  size_t n = bqw_record_count(ds);
  size_t end = last < 0 ? 0 : (size_t)last < n ? (size_t)last : n;
  size_t records = 0, rows = 0;
  for (size_t i = 0; i < end; i++) {
    const bqw_record *r = bqw_record_at(ds, i);
    if (!tested && filter && !bqw_lua_filter_match(filter, r, i + 1))
      continue;
    size_t k = measure_rows(&shape, i), counted = 0;
    for (size_t j = 0; j < (k ? k : 1); j++)
      counted += !tested || bqw_lua_filter_row_match(filter, i + 1, k ? j + 1 : 0);
    records += counted > 0;
    rows += counted;
  }
  lua_pushinteger(L, (lua_Integer)records);
  lua_pushinteger(L, (lua_Integer)rows);
  return 2;
}

/* ---- the sections of a document of tables: ds:scan_sections ---- */

/* One section of a Markdown or HTML export (export_util.section_passes' group): its
 * heading as the rows show it, its rows, its records' ids (from 0, in the order
 * walked) and which candidate columns some row of it fills. */
typedef struct section {
  char *title;
  size_t title_len, count;
  uint32_t *ids;
  size_t id_count, id_cap;
  bool filled[FLD_COUNT];
} section;

/* A first pass over an export's records, a call at a time (core.section_scan). */
typedef struct section_scan {
  row_format f; /* shape and script; f.cell: a heading being converted */
  field candidates[FLD_COUNT];
  size_t candidate_count;
  section *sections;
  size_t count, cap;
  const char *last_key; /* the key of the last record, as the record holds it */
  bqw_present last_kind;
  size_t last_section, records, rows;
} section_scan;

static void section_scan_release(section_scan *sc) {
  for (size_t i = 0; i < sc->count; i++) {
    free(sc->sections[i].title);
    free(sc->sections[i].ids);
  }
  free(sc->sections);
  free(sc->f.out.data);
  free(sc->f.cell.data);
  memset(sc, 0, sizeof *sc);
}

static int section_scan_gc(lua_State *L) {
  section_scan_release(luaL_checkudata(L, 1, SCAN_MT));
  return 0;
}

/* The section of record at (from 0): the key is row.section_title or row.section or
 * "", as the record shows it (section_title converted to the script). */
static section *section_of(section_scan *sc, size_t at) {
  bqw_value v;
  bqw_record_value(sc->f.ds, at, 0, BQW_F_SECTION_TITLE, &v);
  if (v.type == BQW_TYPE_NONE)
    bqw_record_value(sc->f.ds, at, 0, BQW_F_SECTION, &v);
  const char *key = v.type == BQW_TYPE_NONE ? "" : v.text;
  bqw_present kind = v.present;
  /* the records of a section mostly follow one another: the same key, no conversion */
  if (sc->count && sc->last_kind == kind &&
      (sc->last_key == key || !strcmp(sc->last_key, key)))
    return &sc->sections[sc->last_section];
  row_format *f = &sc->f;
  f->cell.len = 0;
  put_text(f, &f->cell, key, kind);
  const char *title = f->cell.data ? f->cell.data : "";
  size_t len = f->cell.len, i = 0;
  while (i < sc->count && !(sc->sections[i].title_len == len &&
                            !memcmp(sc->sections[i].title, title, len)))
    i++;
  if (i == sc->count) {
    sc->sections =
        grow_array(f->L, sc->sections, sc->count, &sc->cap, sizeof *sc->sections, 16);
    section *sec = &sc->sections[sc->count];
    memset(sec, 0, sizeof *sec);
    sec->title = malloc(len + 1);
    if (!sec->title)
      luaL_error(f->L, "bqw: out of memory");
    memcpy(sec->title, title, len);
    sec->title[len] = '\0';
    sec->title_len = len;
    sc->count++;
  }
  sc->last_key = key;
  sc->last_kind = kind;
  sc->last_section = i;
  return &sc->sections[i];
}

/* Adds record r (id from 0) to its section: its rows that pass the filter when they
 * are tested one by one (rows_tested), else all; a record with none is left out. */
static void scan_record(section_scan *sc, const bqw_record *r, size_t at,
                        const void *filter, bool tested) {
  size_t n = measure_rows(&sc->f, at), k = 0;
  section *sec = NULL;
  for (size_t j = 0; j < (n ? n : 1); j++) {
    size_t m = n ? j + 1 : 0;
    if (tested && !bqw_lua_filter_row_match(filter, at + 1, m))
      continue;
    if (!sec) {
      sec = section_of(sc, at);
      sec->ids = grow_array(sc->f.L, sec->ids, sec->id_count, &sec->id_cap,
                            sizeof *sec->ids, 64);
      sec->ids[sec->id_count++] = (uint32_t)at;
    }
    k++;
    for (size_t c = 0; c < sc->candidate_count; c++) {
      field fld = sc->candidates[c];
      if (!sec->filled[fld]) {
        bqw_value v = get(&sc->f, r, at + 1, m, fld);
        sec->filled[fld] = !bqw_value_blank(&v);
      }
    }
  }
  if (!sec)
    return;
  sc->records++;
  sc->rows += k;
  sec->count += k;
}

/* core.section_scan{ shape = …, script = …, candidates = { … } } -> scan */
static int l_section_scan(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  section_scan *sc = lua_newuserdata(L, sizeof *sc);
  memset(sc, 0, sizeof *sc);
  luaL_setmetatable(L, SCAN_MT);
  check_shape_script(L, 1, &sc->f);
  lua_getfield(L, 1, "candidates");
  if (lua_type(L, -1) == LUA_TTABLE) {
    for (int i = 1;; i++) {
      lua_rawgeti(L, -1, i);
      const char *name = lua_tolstring(L, -1, NULL);
      lua_pop(L, 1);
      if (!name)
        break;
      field fld = field_of(name);
      if (fld == FLD_NONE || sc->candidate_count == FLD_COUNT)
        luaL_error(L, "bqw.core.section_scan: %s is no field, or a field twice", name);
      for (size_t c = 0; c < sc->candidate_count; c++)
        if (sc->candidates[c] == fld)
          luaL_error(L, "bqw.core.section_scan: %s is no field, or a field twice", name);
      sc->candidates[sc->candidate_count++] = fld;
    }
  }
  lua_pop(L, 1);
  return 1;
}

/* ds:scan_sections(scan, filter | nil, from, last [, most [, order]]) -> next | nil,
 * looked: adds the matching records from id `from` to `last` (positions in order when
 * given, the filter unused) to the scan, `most` looked at per call (0: no bound). */
static int l_scan_sections(lua_State *L) {
  bqw_dataset *ds = bqw_lua_check_dataset(L, 1);
  section_scan *sc = luaL_checkudata(L, 2, SCAN_MT);
  const void *filter = opt_filter(L, 3);
  lua_Integer from = luaL_checkinteger(L, 4);
  lua_Integer last = luaL_checkinteger(L, 5);
  lua_Integer most = luaL_optinteger(L, 6, 0);
  const order *o = opt_order(L, 7);
  size_t n = o ? o->n : bqw_record_count(ds);
  size_t end = last < 0 ? 0 : (size_t)last < n ? (size_t)last : n;
  size_t i = from < 1 ? 0 : (size_t)from - 1, looked = 0;
  sc->f.L = L;
  sc->f.ds = ds;
  bool tested = rows_tested(&sc->f, filter);
  for (; i < end && (most <= 0 || (lua_Integer)looked < most); i++, looked++) {
    size_t at = o ? o->ids[i] : i;
    const bqw_record *r = bqw_record_at(ds, at);
    if (!r || (!o && !tested && filter && !bqw_lua_filter_match(filter, r, at + 1)))
      continue;
    scan_record(sc, r, at, filter, tested);
  }
  if (i < end)
    lua_pushinteger(L, (lua_Integer)i + 1);
  else
    lua_pushnil(L);
  lua_pushinteger(L, (lua_Integer)looked);
  return 2;
}

/* scan:result() -> records, rows, { { title, count, columns = { … }, order }, … }:
 * the sections in the order they first came, each with the candidates some row of it
 * fills (in the candidates' order) and its records as an order for ds:write_rows.
 * The ids go to the orders: a scan gives its result once. */
static int l_section_scan_result(lua_State *L) {
  section_scan *sc = luaL_checkudata(L, 1, SCAN_MT);
  lua_pushinteger(L, (lua_Integer)sc->records);
  lua_pushinteger(L, (lua_Integer)sc->rows);
  lua_createtable(L, (int)sc->count, 0);
  for (size_t i = 0; i < sc->count; i++) {
    section *sec = &sc->sections[i];
    lua_createtable(L, 0, 4);
    lua_pushlstring(L, sec->title, sec->title_len);
    lua_setfield(L, -2, "title");
    lua_pushinteger(L, (lua_Integer)sec->count);
    lua_setfield(L, -2, "count");
    lua_createtable(L, (int)sc->candidate_count, 0);
    int column = 0;
    for (size_t c = 0; c < sc->candidate_count; c++)
      if (sec->filled[sc->candidates[c]]) {
        lua_pushstring(L, info(sc->candidates[c])->name);
        lua_rawseti(L, -2, ++column);
      }
    lua_setfield(L, -2, "columns");
    order *o = lua_newuserdata(L, sizeof *o + sec->id_count * sizeof o->ids[0]);
    luaL_setmetatable(L, ORDER_MT);
    o->n = sec->id_count;
    if (sec->id_count)
      memcpy(o->ids, sec->ids, sec->id_count * sizeof o->ids[0]);
    free(sec->ids);
    sec->ids = NULL;
    sec->id_count = sec->id_cap = 0;
    lua_setfield(L, -2, "order");
    lua_rawseti(L, -2, (int)i + 1);
  }
  return 3;
}

/* ---- sorting: ds:order ---- */

#define MAX_SORT_KEYS 16

/* The sortable field a record key names, or BQW_F_COUNT. */
static bqw_field_id sort_field(const char *name) {
  for (size_t i = 0; i < bqw_schema_count(); i++) {
    const bqw_field_info *fi = bqw_schema_field(i);
    if (!strcmp(fi->name, name))
      return fi->flags & BQW_FLAG_SORT ? fi->id : BQW_F_COUNT;
  }
  return BQW_F_COUNT;
}

/* ds:order(filter | nil, last, keys, script) -> order | nil (a key the engine does not
 * sort by: the caller sorts): bqw_query_rows */
static int l_order(lua_State *L) {
  bqw_dataset *ds = bqw_lua_check_dataset(L, 1);
  bqw_query *q = bqw_lua_filter_query(L, 2);
  lua_Integer last = luaL_checkinteger(L, 3);
  luaL_checktype(L, 4, LUA_TTABLE);
  static const char *const scripts[] = {"original", "hans", "hant", NULL};
  int script = luaL_checkoption(L, 5, "original", scripts) - 1;
  bqw_sort_key keys[MAX_SORT_KEYS];
  size_t nkeys = 0;
  for (int i = 1;; i++) {
    lua_rawgeti(L, 4, i);
    if (lua_type(L, -1) != LUA_TTABLE) {
      lua_settop(L, lua_gettop(L) - 1);
      break;
    }
    if (nkeys == MAX_SORT_KEYS)
      return luaL_error(L, "bqw.core.order: more than %d sort keys", MAX_SORT_KEYS);
    lua_getfield(L, -1, "field");
    const char *name = lua_tolstring(L, -1, NULL);
    if (!name)
      return luaL_error(L, "bqw.core.order: sort key %d has no field", i);
    keys[nkeys].field = sort_field(name);
    if (keys[nkeys].field == BQW_F_COUNT) {
      lua_pushnil(L);
      return 1;
    }
    lua_getfield(L, -2, "desc");
    keys[nkeys++].descending = lua_toboolean(L, -1);
    lua_settop(L, lua_gettop(L) - 3);
  }
  size_t total = bqw_record_count(ds);
  size_t end = last < 0 ? 0 : (size_t)last < total ? (size_t)last : total;
  if (end == 0) {
    order *o = lua_newuserdata(L, sizeof *o);
    o->n = 0;
    luaL_setmetatable(L, ORDER_MT);
    return 1;
  }
  bqw_rows *rows = NULL;
  int rc = bqw_query_rows(ds, q, end, keys, nkeys, script, &rows);
  if (rc < 0)
    return bqw_lua_filter_raise(L, 2, rc);
  /* a query of the measure shape gives rows: each record once, where it first comes
   * (write_rows then writes those of its rows that match) */
  size_t kept = rows->count;
  if (bqw_query_measure_shape(q) && rows->count) {
    unsigned char *seen = calloc(total / 8 + 1, 1);
    if (!seen) {
      bqw_rows_free(rows);
      return luaL_error(L, "bqw: out of memory");
    }
    kept = 0;
    for (size_t i = 0; i < rows->count; i++) {
      uint32_t id = rows->records[i];
      if (!(seen[id / 8] >> (id % 8) & 1)) {
        seen[id / 8] |= (unsigned char)(1u << (id % 8));
        rows->records[kept++] = id;
      }
    }
    free(seen);
  }
  order *o = lua_newuserdata(L, sizeof *o + kept * sizeof o->ids[0]);
  o->n = kept;
  if (kept)
    memcpy(o->ids, rows->records, kept * sizeof o->ids[0]);
  bqw_rows_free(rows);
  luaL_setmetatable(L, ORDER_MT);
  return 1;
}

/* order:count() -> n */
static int l_order_count(lua_State *L) {
  const order *o = luaL_checkudata(L, 1, ORDER_MT);
  lua_pushinteger(L, (lua_Integer)o->n);
  return 1;
}

/* order:at(i) -> the id at position i (from 1), or nil past the end */
static int l_order_at(lua_State *L) {
  const order *o = luaL_checkudata(L, 1, ORDER_MT);
  lua_Integer i = luaL_checkinteger(L, 2);
  if (i < 1 || (size_t)i > o->n)
    lua_pushnil(L);
  else
    lua_pushinteger(L, (lua_Integer)o->ids[i - 1] + 1);
  return 1;
}

void bqw_lua_open_rows(lua_State *L, int lib, int methods) {
  bqw_lua_class(L, ROW_FORMAT_MT, NULL, row_format_gc);
  lua_pushcfunction(L, l_row_format);
  lua_setfield(L, lib, "row_format");
  bqw_lua_open_table_cell(L, lib);
  lua_pushcfunction(L, l_write_rows);
  lua_setfield(L, methods, "write_rows");
  lua_pushcfunction(L, l_count_rows);
  lua_setfield(L, methods, "count_rows");
  lua_pushcfunction(L, l_order);
  lua_setfield(L, methods, "order");
  lua_pushcfunction(L, l_scan_sections);
  lua_setfield(L, methods, "scan_sections");
  lua_pushcfunction(L, l_section_scan);
  lua_setfield(L, lib, "section_scan");
  static const luaL_Reg scan_methods[] = {{"result", l_section_scan_result},
                                          {NULL, NULL}};
  bqw_lua_class(L, SCAN_MT, scan_methods, section_scan_gc);
  static const luaL_Reg order_methods[] = {
      {"count", l_order_count}, {"at", l_order_at}, {NULL, NULL}};
  bqw_lua_class(L, ORDER_MT, order_methods, NULL);
}
