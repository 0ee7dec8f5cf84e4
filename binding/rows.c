/*
 * rows.c -- the rows of an export written by libbqw (core/rows.c, bqw_rows.h) for Lua:
 * CSV, TSV, NDJSON, the records of the JSON document and the table rows of the
 * Markdown and HTML documents, a batch of rows per call, without a Lua table per record
 * or per row. Arguments are checked here; every row is the core's. The bytes are
 * those the Lua path writes
 * (plugins/export/csv.lua, tsv.lua, ndjson.lua, json.lua, markdown.lua, html.lua
 * through lua/bqw/export_util.lua, lua/bqw/json.lua, i.e. dkjson, bqw.view_util and
 * bqw.html_util): tests/lua/rows_spec.lua and table_rows_spec.lua hold the two paths
 * to the same output. lua/bqw/init.lua takes this path when every filter of the
 * query is the core's (binding/filter.c) and a built-in plugin declares a `native`
 * format (csv, tsv, ndjson) or uses ctx.native itself (json, markdown, html).
 *
 *   core.row_format{ format = "csv" | "tsv" | "ndjson" | "json" | "markdown" |
 *                    "html", shape = "record" | "measure", columns = { … } | nil,
 *                    raw = bool, script = "original" | "hans" | "hant",
 *                    array = bool } -> format
 *       (columns: every one a cell, for csv, tsv, markdown, html; the keys kept, for
 *       ndjson, json; array: ndjson's or json's rows as one JSON array, "[]" for none,
 *       closed by the call that reaches the end)
 *   core.table_cell("markdown" | "html", s) -> s as a table row writes a cell
 *       (bqw_table_cell)
 *   ds:write_rows(format, filter | nil, from, last [, separate [, most]]) -> chunk,
 *       next | nil, records, rows
 *       the rows of the matching records from id `from` to `last`, until the chunk
 *       holds about 64 KB or `most` records are in it; `next` is where the next call
 * starts (nil at the end), `records` how many records matched, `rows` how many rows were
 * written. JSON rows (and an array's) are separated by ","; with `separate` the first one
 *       too (a row came before, in an earlier call).
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
 *   core.table_view{ columns = { … }, script, ambiwidth } -> table | nil (a column that
 *       is no record field nor "label": the view lays itself out in Lua)
 *   ds:table_measure(table, filter | nil, from, last [, most [, order]]) -> next | nil,
 *       looked; table:column(j) -> widest cell, numeric (true, false, nil: no value)
 *   ds:table_lines(table, filter | nil, from, last, most, order | nil, widths, gap) ->
 *       lines, ids, next | nil; ds:list_lines(table, …, order | nil, width) -> the same
 *       the lines of plugins/view/table.lua and list.lua (bqw_table_line, bqw_list_line)
 */
#include "binding.h"
#include "bqw.h"
#include "compat.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ROW_FORMAT_MT "bqw.core.row_format"
#define ORDER_MT "bqw.core.order"
#define SCAN_MT "bqw.core.section_scan"
#define BUF_MT "bqw.core.buffer"
#define TABLE_MT "bqw.core.table_view"
#define CHUNK_BYTES 65536
#define MAX_NAMES 64

/* A row format and the chunk it writes into, owned by the userdata. */
typedef struct lua_rows {
  bqw_row_format *f;
  bqw_buf out;
} lua_rows;

static int row_format_gc(lua_State *L) {
  lua_rows *r = luaL_checkudata(L, 1, ROW_FORMAT_MT);
  bqw_row_format_free(r->f);
  bqw_buf_free(&r->out);
  r->f = NULL;
  return 0;
}

/* Raises a core error rc (< 0) of a call without a query. */
static int raise_rc(lua_State *L, const char *what, int rc) {
  if (rc == BQW_ENOMEM)
    return luaL_error(L, "bqw: out of memory");
  return luaL_error(L, "bqw.core.%s: %s", what, bqw_strerror(rc));
}

/* The strings of the array at t[key] (at most MAX_NAMES) into names; how many, or -1
 * when t[key] is no table. */
static int names_of(lua_State *L, int t, const char *key, const char **names,
                    const char *what) {
  lua_getfield(L, t, key);
  if (lua_type(L, -1) != LUA_TTABLE) {
    lua_pop(L, 1);
    return -1;
  }
  int n = 0;
  for (;; n++) {
    lua_rawgeti(L, -1, n + 1);
    const char *name = lua_tolstring(L, -1, NULL);
    lua_pop(L, 1); /* the table holds the string */
    if (!name)
      break;
    if (n == MAX_NAMES)
      luaL_error(L, "bqw.core.%s: more than %d columns", what, MAX_NAMES);
    names[n] = name;
  }
  lua_pop(L, 1);
  return n;
}

/* The shape ("record" | "measure") and the script ("original" | "hans" | "hant": -1 or
 * a bqw_script) of the spec at index t. */
static void check_shape_script(lua_State *L, int t, int *measure_shape, int *script) {
  static const char *const shapes[] = {"record", "measure", NULL};
  static const char *const scripts[] = {"original", "hans", "hant", NULL};
  lua_getfield(L, t, "shape");
  *measure_shape = luaL_checkoption(L, -1, "record", shapes) == 1;
  lua_getfield(L, t, "script");
  *script = luaL_checkoption(L, -1, "original", scripts) - 1;
  lua_pop(L, 2);
}

/* core.row_format(spec) -> format */
static int l_row_format(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  static const char *const formats[] = {"csv",      "tsv",  "ndjson", "json",
                                        "markdown", "html", NULL};
  lua_rows *r = lua_newuserdata(L, sizeof *r);
  memset(r, 0, sizeof *r);
  luaL_setmetatable(L, ROW_FORMAT_MT);
  bqw_row_spec spec = {0};
  lua_getfield(L, 1, "format");
  spec.format = (bqw_rows_format)luaL_checkoption(L, -1, NULL, formats);
  lua_getfield(L, 1, "raw");
  spec.raw = lua_toboolean(L, -1);
  lua_getfield(L, 1, "array");
  spec.array = lua_toboolean(L, -1);
  lua_pop(L, 3);
  check_shape_script(L, 1, &spec.measure_shape, &spec.script);
  const char *names[MAX_NAMES];
  int n = names_of(L, 1, "columns", names, "row_format");
  spec.columns = n < 0 ? NULL : names;
  spec.column_count = n < 0 ? 0 : (size_t)n;
  int rc = bqw_row_format_new(&spec, &r->f);
  if (rc == BQW_EINVAL)
    return luaL_error(L, "bqw.core.row_format: csv, tsv, markdown and html need columns "
                         "and are no array");
  if (rc < 0)
    return raise_rc(L, "row_format", rc);
  return 1;
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

/* A walk from the arguments: filter at fi, positions `from`..`last` (from 1, in the
 * order at oi when there is one), most per call at mi. */
static bqw_row_walk check_walk(lua_State *L, int fi, int from_i, int oi, int mi) {
  bqw_row_walk w = {.query = bqw_lua_filter_query(L, fi)};
  lua_Integer from = luaL_checkinteger(L, from_i);
  lua_Integer last = luaL_checkinteger(L, from_i + 1);
  lua_Integer most = luaL_optinteger(L, mi, 0);
  const order *o = opt_order(L, oi);
  if (o) {
    w.order = o->ids;
    w.order_count = o->n;
  }
  w.at = from < 1 ? 0 : (size_t)from - 1;
  w.end = last < 0 ? 0 : (size_t)last;
  w.max_records = most < 0 ? 0 : (size_t)most;
  return w;
}

/* Pushes the next position of walk w (from 1), or nil at its end. */
static void push_next(lua_State *L, const bqw_dataset *ds, const bqw_row_walk *w) {
  size_t n = w->order ? w->order_count : bqw_record_count(ds);
  if (w->at < (w->end < n ? w->end : n))
    lua_pushinteger(L, (lua_Integer)w->at + 1);
  else
    lua_pushnil(L);
}

/* ds:write_rows(format, filter | nil, from, last [, separate [, most [, order]]]) ->
 * chunk, next | nil, records, rows */
static int l_write_rows(lua_State *L) {
  bqw_dataset *ds = bqw_lua_check_dataset(L, 1);
  lua_rows *r = luaL_checkudata(L, 2, ROW_FORMAT_MT);
  bqw_row_walk w = check_walk(L, 3, 4, 8, 7);
  w.separate = lua_toboolean(L, 6); /* JSON: a row was written before this call */
  w.max_bytes = CHUNK_BYTES;
  r->out.len = 0;
  int rc = bqw_write_rows(r->f, ds, &w, &r->out);
  if (rc < 0)
    return bqw_lua_filter_raise(L, 3, rc);
  lua_pushlstring(L, r->out.data ? r->out.data : "", r->out.len);
  push_next(L, ds, &w);
  lua_pushinteger(L, (lua_Integer)w.records);
  lua_pushinteger(L, (lua_Integer)w.rows);
  return 4;
}

/* ds:count_rows(filter | nil, last, shape) -> records, rows */
static int l_count_rows(lua_State *L) {
  bqw_dataset *ds = bqw_lua_check_dataset(L, 1);
  bqw_query *q = bqw_lua_filter_query(L, 2);
  lua_Integer last = luaL_checkinteger(L, 3);
  static const char *const shapes[] = {"record", "measure", NULL};
  int measure_shape = luaL_checkoption(L, 4, "record", shapes) == 1;
  size_t records, rows;
  int rc =
      bqw_count_rows(q, ds, last < 0 ? 0 : (size_t)last, measure_shape, &records, &rows);
  if (rc < 0)
    return bqw_lua_filter_raise(L, 2, rc);
  lua_pushinteger(L, (lua_Integer)records);
  lua_pushinteger(L, (lua_Integer)rows);
  return 2;
}

/* ---- the sections of a document of tables ---- */

typedef struct lua_scan {
  bqw_section_scan *sc;
} lua_scan;

static int section_scan_gc(lua_State *L) {
  lua_scan *s = luaL_checkudata(L, 1, SCAN_MT);
  bqw_section_scan_free(s->sc);
  s->sc = NULL;
  return 0;
}

/* core.section_scan{ shape = …, script = …, candidates = { … } } -> scan */
static int l_section_scan(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_scan *s = lua_newuserdata(L, sizeof *s);
  s->sc = NULL;
  luaL_setmetatable(L, SCAN_MT);
  int measure_shape, script;
  check_shape_script(L, 1, &measure_shape, &script);
  const char *names[MAX_NAMES];
  int n = names_of(L, 1, "candidates", names, "section_scan");
  int rc =
      bqw_section_scan_new(measure_shape, script, names, n < 0 ? 0 : (size_t)n, &s->sc);
  if (rc == BQW_EINVAL)
    return luaL_error(L, "bqw.core.section_scan: a candidate is no field, or a field "
                         "twice");
  if (rc < 0)
    return raise_rc(L, "section_scan", rc);
  return 1;
}

static bqw_section_scan *check_scan(lua_State *L, int idx) {
  lua_scan *s = luaL_checkudata(L, idx, SCAN_MT);
  if (!s->sc)
    luaL_error(L, "bqw: the section scan was freed");
  return s->sc;
}

/* ds:scan_sections(scan, filter | nil, from, last [, most [, order]]) -> next | nil,
 * looked: adds the matching records from id `from` to `last` (positions in order when
 * given, the filter unused) to the scan, `most` looked at per call (0: no bound). */
static int l_scan_sections(lua_State *L) {
  bqw_dataset *ds = bqw_lua_check_dataset(L, 1);
  bqw_section_scan *sc = check_scan(L, 2);
  bqw_row_walk w = check_walk(L, 3, 4, 7, 6);
  int rc = bqw_section_scan_add(sc, ds, &w);
  if (rc < 0)
    return bqw_lua_filter_raise(L, 3, rc);
  push_next(L, ds, &w);
  lua_pushinteger(L, (lua_Integer)w.records);
  return 2;
}

/* Pushes a new order of n ids. */
static void push_order(lua_State *L, const uint32_t *ids, size_t n) {
  order *o = lua_newuserdata(L, sizeof *o + n * sizeof o->ids[0]);
  o->n = n;
  if (n)
    memcpy(o->ids, ids, n * sizeof o->ids[0]);
  luaL_setmetatable(L, ORDER_MT);
}

/* scan:result() -> records, rows, { { title, count, columns = { … }, order }, … }:
 * the sections in the order they first came, each with the candidates some row of it
 * fills (in the candidates' order) and its records as an order for ds:write_rows. */
static int l_section_scan_result(lua_State *L) {
  bqw_section_scan *sc = check_scan(L, 1);
  size_t records, rows, count;
  bqw_section_scan_totals(sc, &records, &rows, &count);
  lua_pushinteger(L, (lua_Integer)records);
  lua_pushinteger(L, (lua_Integer)rows);
  lua_createtable(L, (int)count, 0);
  for (size_t i = 0; i < count; i++) {
    const bqw_table_section *sec = bqw_section_scan_at(sc, i);
    lua_createtable(L, 0, 4);
    lua_pushlstring(L, sec->title, sec->title_len);
    lua_setfield(L, -2, "title");
    lua_pushinteger(L, (lua_Integer)sec->rows);
    lua_setfield(L, -2, "count");
    lua_createtable(L, 0, 0);
    int column = 0;
    const bqw_field_info *fi;
    for (size_t c = 0; (fi = bqw_section_scan_candidate(sc, c)) != NULL; c++)
      if (sec->filled[c]) {
        lua_pushstring(L, fi->name);
        lua_rawseti(L, -2, ++column);
      }
    lua_setfield(L, -2, "columns");
    push_order(L, sec->ids, sec->id_count);
    lua_setfield(L, -2, "order");
    lua_rawseti(L, -2, (int)i + 1);
  }
  return 3;
}

/* ---- sorting: ds:order ---- */

#define MAX_SORT_KEYS 16

/* ds:order(filter | nil, last, keys, script) -> order | nil (a key the engine does not
 * sort by: the caller sorts): bqw_query_records */
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
    size_t len;
    const char *name = lua_tolstring(L, -1, &len);
    if (!name)
      return luaL_error(L, "bqw.core.order: sort key %d has no field", i);
    const bqw_field_info *fi = bqw_schema_key(name, len);
    if (!fi || !(fi->flags & BQW_FLAG_SORT)) {
      lua_pushnil(L);
      return 1;
    }
    keys[nkeys].field = fi->id;
    lua_getfield(L, -2, "desc");
    keys[nkeys++].descending = lua_toboolean(L, -1);
    lua_settop(L, lua_gettop(L) - 3);
  }
  if (last <= 0) { /* bqw_query_records takes 0 as every record */
    push_order(L, NULL, 0);
    return 1;
  }
  bqw_rows *rows = NULL;
  int rc = bqw_query_records(ds, q, (size_t)last, keys, nkeys, script, &rows);
  if (rc < 0)
    return bqw_lua_filter_raise(L, 2, rc);
  /* on a memory error in push_order the rows leak once, as any in a Lua call does */
  push_order(L, rows->records, rows->count);
  bqw_rows_free(rows);
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

/* ---- one cell: core.table_cell ---- */

static int buffer_gc(lua_State *L) {
  bqw_buf_free(luaL_checkudata(L, 1, BUF_MT));
  return 0;
}

/* core.table_cell(format, s) -> s as a cell of a "markdown" or "html" table row */
static int l_table_cell(lua_State *L) {
  static const char *const formats[] = {"markdown", "html", NULL};
  int format = luaL_checkoption(L, 1, NULL, formats);
  size_t len;
  const char *s = luaL_checklstring(L, 2, &len);
  bqw_buf *b = lua_newuserdata(L, sizeof *b); /* freed by its __gc on an error too */
  *b = (bqw_buf){0};
  luaL_setmetatable(L, BUF_MT);
  int rc = bqw_table_cell(b, s, len, format == 1);
  if (rc < 0)
    return raise_rc(L, "table_cell", rc);
  lua_pushlstring(L, b->data ? b->data : "", b->len);
  return 1;
}

/* ---- the table view's lines ---- */

typedef struct lua_table {
  bqw_table *t;
  bqw_buf out, ids;
} lua_table;

static int table_gc(lua_State *L) {
  lua_table *lt = luaL_checkudata(L, 1, TABLE_MT);
  bqw_table_free(lt->t);
  bqw_buf_free(&lt->out);
  bqw_buf_free(&lt->ids);
  lt->t = NULL;
  return 0;
}

/* core.table_view{ columns = { … }, script = …, ambiwidth = 1 | 2 } -> table | nil (a
 * column no record field has: the caller lays the table out itself) */
static int l_table_view(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_table *lt = lua_newuserdata(L, sizeof *lt);
  memset(lt, 0, sizeof *lt);
  luaL_setmetatable(L, TABLE_MT);
  int measure_shape, script;
  check_shape_script(L, 1, &measure_shape, &script);
  lua_getfield(L, 1, "ambiwidth");
  int ambiwidth = (int)luaL_optinteger(L, -1, 1);
  lua_pop(L, 1);
  const char *names[MAX_NAMES];
  int n = names_of(L, 1, "columns", names, "table_view");
  int rc =
      n > 0 ? bqw_table_new(names, (size_t)n, script, ambiwidth, &lt->t) : BQW_EINVAL;
  if (rc == BQW_EINVAL) {
    lua_pushnil(L);
    return 1;
  }
  if (rc < 0)
    return raise_rc(L, "table_view", rc);
  return 1;
}

static lua_table *check_table(lua_State *L, int idx) {
  lua_table *lt = luaL_checkudata(L, idx, TABLE_MT);
  if (!lt->t)
    luaL_error(L, "bqw: the table view was freed");
  return lt;
}

/* ds:table_measure(table, filter | nil, from, last [, most [, order]]) -> next | nil,
 * looked: measures the records as ds:scan_sections walks them */
static int l_table_measure(lua_State *L) {
  bqw_dataset *ds = bqw_lua_check_dataset(L, 1);
  lua_table *lt = check_table(L, 2);
  bqw_row_walk w = check_walk(L, 3, 4, 7, 6);
  int rc = bqw_table_measure(lt->t, ds, &w);
  if (rc < 0)
    return bqw_lua_filter_raise(L, 3, rc);
  push_next(L, ds, &w);
  lua_pushinteger(L, (lua_Integer)w.records);
  return 2;
}

/* table:column(j) -> the widest cell measured, and true (numbers), false (text) or nil
 * (no value) */
static int l_table_column(lua_State *L) {
  lua_table *lt = check_table(L, 1);
  lua_Integer j = luaL_checkinteger(L, 2);
  size_t width;
  int numeric;
  if (j < 1 || bqw_table_column(lt->t, (size_t)j - 1, &width, &numeric) < 0)
    return luaL_argerror(L, 2, "no such column");
  lua_pushinteger(L, (lua_Integer)width);
  if (numeric < 0)
    lua_pushnil(L);
  else
    lua_pushboolean(L, numeric);
  return 2;
}

/* Pushes the lines lt holds (lt->ids: each one's id and end), their ids and the walk's
 * next position; raises the error rc of the walk instead. */
static int push_lines(lua_State *L, const bqw_dataset *ds, lua_table *lt,
                      const bqw_row_walk *w, int rc) {
  if (rc < 0)
    return bqw_lua_filter_raise(L, 3, rc);
  const size_t *marks = (const size_t *)(void *)lt->ids.data;
  size_t lines = lt->ids.len / (2 * sizeof(size_t)), from = 0;
  lua_createtable(L, (int)lines, 0);
  for (size_t i = 0; i < lines; i++) {
    lua_pushlstring(L, lt->out.data + from, marks[2 * i + 1] - from);
    lua_rawseti(L, -2, (int)i + 1);
    from = marks[2 * i + 1];
  }
  lua_createtable(L, (int)lines, 0);
  for (size_t i = 0; i < lines; i++) {
    lua_pushinteger(L, (lua_Integer)marks[2 * i]);
    lua_rawseti(L, -2, (int)i + 1);
  }
  push_next(L, ds, w);
  return 3;
}

/* ds:table_lines(table, filter | nil, from, last, most, order | nil, widths, gap) ->
 * lines, ids, next | nil: the lines of the first #widths columns of the records walked
 * (as write_rows walks them, at most `most`), and their ids */
static int l_table_lines(lua_State *L) {
  bqw_dataset *ds = bqw_lua_check_dataset(L, 1);
  lua_table *lt = check_table(L, 2);
  bqw_row_walk w = check_walk(L, 3, 4, 7, 6);
  luaL_checktype(L, 8, LUA_TTABLE);
  const char *gap = luaL_checkstring(L, 9);
  size_t widths[MAX_NAMES], n = 0;
  for (; n < MAX_NAMES; n++) {
    lua_rawgeti(L, 8, (int)n + 1);
    int ok = lua_type(L, -1) == LUA_TNUMBER;
    lua_Number v = ok ? lua_tonumber(L, -1) : 0;
    lua_pop(L, 1);
    if (!ok)
      break;
    widths[n] = v < 0 ? 0 : (size_t)v;
  }
  w.max_bytes = CHUNK_BYTES;
  lt->out.len = lt->ids.len = 0;
  int rc = bqw_table_lines(lt->t, ds, &w, widths, n, gap, &lt->out, &lt->ids);
  if (rc == BQW_EINVAL)
    return luaL_error(L, "bqw.core.table_lines: more widths than columns");
  return push_lines(L, ds, lt, &w, rc);
}

/* ds:list_lines(table, filter | nil, from, last, most, order | nil, width) -> lines,
 * ids, next | nil: the list view's lines of the records walked (bqw_list_line) */
static int l_list_lines(lua_State *L) {
  bqw_dataset *ds = bqw_lua_check_dataset(L, 1);
  lua_table *lt = check_table(L, 2);
  bqw_row_walk w = check_walk(L, 3, 4, 7, 6);
  lua_Integer width = luaL_checkinteger(L, 8);
  w.max_bytes = CHUNK_BYTES;
  lt->out.len = lt->ids.len = 0;
  int rc =
      bqw_list_lines(lt->t, ds, &w, width < 0 ? 0 : (size_t)width, &lt->out, &lt->ids);
  return push_lines(L, ds, lt, &w, rc);
}

void bqw_lua_open_rows(lua_State *L, int lib, int methods) {
  bqw_lua_class(L, ROW_FORMAT_MT, NULL, row_format_gc);
  bqw_lua_class(L, BUF_MT, NULL, buffer_gc);
  static const luaL_Reg lib_functions[] = {{"row_format", l_row_format},
                                           {"table_cell", l_table_cell},
                                           {"section_scan", l_section_scan},
                                           {"table_view", l_table_view},
                                           {NULL, NULL}};
  static const luaL_Reg ds_methods[] = {{"write_rows", l_write_rows},
                                        {"count_rows", l_count_rows},
                                        {"order", l_order},
                                        {"scan_sections", l_scan_sections},
                                        {"table_measure", l_table_measure},
                                        {"table_lines", l_table_lines},
                                        {"list_lines", l_list_lines},
                                        {NULL, NULL}};
  for (const luaL_Reg *r = lib_functions; r->name; r++) {
    lua_pushcfunction(L, r->func);
    lua_setfield(L, lib, r->name);
  }
  for (const luaL_Reg *r = ds_methods; r->name; r++) {
    lua_pushcfunction(L, r->func);
    lua_setfield(L, methods, r->name);
  }
  static const luaL_Reg scan_methods[] = {{"result", l_section_scan_result},
                                          {NULL, NULL}};
  bqw_lua_class(L, SCAN_MT, scan_methods, section_scan_gc);
  static const luaL_Reg order_methods[] = {
      {"count", l_order_count}, {"at", l_order_at}, {NULL, NULL}};
  bqw_lua_class(L, ORDER_MT, order_methods, NULL);
  static const luaL_Reg table_methods[] = {{"column", l_table_column}, {NULL, NULL}};
  bqw_lua_class(L, TABLE_MT, table_methods, table_gc);
}
