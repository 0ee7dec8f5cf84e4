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

/* Every field a row may have. The order is lua/bqw/json.lua's KEY_ORDER for records:
 * the order of the keys of a JSON record. */
typedef enum field {
  FLD_ID,
  FLD_KIND,
  FLD_SECTION,
  FLD_SECTION_TITLE,
  FLD_LINE,
  FLD_PARENT,
  FLD_CATEGORY,
  FLD_CITY,
  FLD_REGION,
  FLD_ACTION,
  FLD_HEADLINE,
  FLD_TITLE,
  FLD_YEAR,
  FLD_DATE,
  FLD_TEXT,
  FLD_LEVEL,
  FLD_ISSUERS,
  FLD_DOCTYPE,
  FLD_DOCTYPE_DETAIL,
  FLD_PERIOD_FROM,
  FLD_PERIOD_TO,
  FLD_YEARS,
  FLD_MENTIONS,
  FLD_MEASURES,
  FLD_MEASURE_LINES,
  FLD_MEASURE_INDEX,
  FLD_MEASURE,
  FLD_MEASURE_LINE,
  FLD_COUNT,
  FLD_NONE = FLD_COUNT /* a name no row has: an empty cell */
} field;

static const char *const field_names[FLD_COUNT] = {"id",
                                                   "kind",
                                                   "section",
                                                   "section_title",
                                                   "line",
                                                   "parent",
                                                   "category",
                                                   "city",
                                                   "region",
                                                   "action",
                                                   "headline",
                                                   "title",
                                                   "year",
                                                   "date",
                                                   "text",
                                                   "level",
                                                   "issuers",
                                                   "doctype",
                                                   "doctype_detail",
                                                   "period_from",
                                                   "period_to",
                                                   "years",
                                                   "mentions",
                                                   "measures",
                                                   "measure_lines",
                                                   "measure_index",
                                                   "measure",
                                                   "measure_line"};

/* NDJSON puts these first (plugins/export/ndjson.lua), then the others in KEY_ORDER. */
static const field ndjson_order[FLD_COUNT] = {
    FLD_ID,      FLD_KIND,           FLD_SECTION,     FLD_SECTION_TITLE,
    FLD_LINE,    FLD_MEASURE_INDEX,  FLD_MEASURE,     FLD_MEASURE_LINE,
    FLD_PARENT,  FLD_CATEGORY,       FLD_CITY,        FLD_REGION,
    FLD_ACTION,  FLD_HEADLINE,       FLD_TITLE,       FLD_YEAR,
    FLD_DATE,    FLD_TEXT,           FLD_LEVEL,       FLD_ISSUERS,
    FLD_DOCTYPE, FLD_DOCTYPE_DETAIL, FLD_PERIOD_FROM, FLD_PERIOD_TO,
    FLD_YEARS,   FLD_MENTIONS,       FLD_MEASURES,    FLD_MEASURE_LINES};

typedef enum out_format {
  OUT_CSV,
  OUT_TSV,
  OUT_NDJSON,
  OUT_JSON,
  OUT_MARKDOWN,
  OUT_HTML
} out_format;
typedef enum script_mode { SCRIPT_ORIGINAL, SCRIPT_HANS, SCRIPT_HANT } script_mode;

typedef struct buffer {
  char *data;
  size_t len, cap;
} buffer;

typedef struct row_format {
  out_format format;
  bool measure_shape, raw;
  script_mode script;
  field columns[64]; /* CSV/TSV: the cells in order; JSON: the keys kept */
  size_t column_count;
  bool keep[FLD_COUNT]; /* NDJSON with columns: the keys kept */
  bool all_keys;
  buffer out, cell; /* the chunk, and one cell being made */
  lua_State *L;     /* for raising on a failed allocation */
} row_format;

static void grow(row_format *f, buffer *b, size_t n) {
  if (b->cap - b->len >= n)
    return;
  size_t cap = b->cap ? b->cap : 256;
  while (cap - b->len < n)
    cap *= 2;
  char *p = realloc(b->data, cap);
  if (!p)
    luaL_error(f->L, "bqw: out of memory");
  b->data = p;
  b->cap = cap;
}

/* Makes room for one more item in a malloc'd array of *cap items of size bytes, count
 * of them used (doubling, initial at first); raises in L when memory runs out. */
static void *grow_array(lua_State *L, void *items, size_t count, size_t *cap, size_t size,
                        size_t initial) {
  if (count < *cap)
    return items;
  size_t n = *cap ? 2 * *cap : initial;
  void *p = n > *cap && n <= SIZE_MAX / size ? realloc(items, n * size) : NULL;
  if (!p)
    luaL_error(L, "bqw: out of memory");
  *cap = n;
  return p;
}

static void put(row_format *f, buffer *b, const char *p, size_t n) {
  if (!n)
    return; /* b->data may still be NULL */
  grow(f, b, n);
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

static void put_str(row_format *f, buffer *b, const char *s) { put(f, b, s, strlen(s)); }

static void put_int(row_format *f, buffer *b, long long v) {
  char digits[24];
  int n = snprintf(digits, sizeof digits, "%lld", v);
  put(f, b, digits, (size_t)n);
}

/* How a string is shown: as the record has it, converted to the script (text), or
 * converted only to Traditional (names from data/, Simplified already), as
 * binding/core.c pushes records. */
typedef enum text_kind { AS_IS, AS_TEXT, AS_NAME } text_kind;

/* Appends s converted as kind says; a string that cannot be converted as it is. */
static void put_text(row_format *f, buffer *b, const char *s, text_kind kind) {
  size_t len = strlen(s);
  bool convert = (kind == AS_TEXT && f->script != SCRIPT_ORIGINAL) ||
                 (kind == AS_NAME && f->script == SCRIPT_HANT);
  char *conv;
  size_t conv_len;
  if (convert &&
      bqw_convert(s, len, f->script == SCRIPT_HANS ? BQW_SCRIPT_HANS : BQW_SCRIPT_HANT,
                  &conv, &conv_len) == 0) {
    put(f, b, conv, conv_len);
    bqw_free(conv);
    return;
  }
  put(f, b, s, len);
}

/* A value of a row: absent, a string, a whole number, or a list of either. */
typedef enum value_type {
  V_NONE,
  V_STRING,
  V_INT,
  V_STRINGS,
  V_INTS,
  V_MEASURES
} value_type;

typedef struct value {
  value_type type;
  const char *s;
  text_kind kind;
  long long i;
  const char *const *strings;
  const int *ints;
  const bqw_measure *measures;
  size_t n;
} value;

static bool has_measures(const bqw_record *r) {
  return r->kind == BQW_KIND_DOCUMENT || r->kind == BQW_KIND_CITY;
}

/* Field fld of record r (id) in row m (0: the record's row; 1..: its measure m), as
 * binding/core.c's push_record and export_util's measure rows give it. */
static value get(const row_format *f, const bqw_record *r, size_t id, size_t m,
                 field fld) {
  value v = {.type = V_NONE};
#define STR(x, k) (v.s = (x), v.kind = (k), v.type = v.s ? V_STRING : V_NONE)
#define INT(x) (v.i = (long long)(x), v.type = V_INT)
  switch (fld) {
  case FLD_ID:
    INT(id);
    break;
  case FLD_KIND:
    STR(bqw_kind_name(r->kind), AS_IS);
    break;
  case FLD_SECTION:
    STR(bqw_section_name(r->section), AS_IS);
    break;
  case FLD_SECTION_TITLE:
    STR(r->section_title, AS_TEXT);
    break;
  case FLD_LINE:
    INT(r->line);
    break;
  case FLD_PARENT:
    if (r->parent)
      INT(r->parent);
    break;
  case FLD_CATEGORY:
    STR(r->category, AS_TEXT);
    break;
  case FLD_CITY:
    STR(r->city, AS_NAME);
    break;
  case FLD_REGION:
    STR(r->region, AS_NAME);
    break;
  case FLD_ACTION:
    if (r->action != BQW_ACTION_NONE)
      STR(bqw_action_name(r->action), AS_IS);
    break;
  case FLD_HEADLINE:
    STR(r->headline, AS_TEXT);
    break;
  case FLD_TITLE:
    STR(r->title, AS_TEXT);
    break;
  case FLD_YEAR:
    if (r->year)
      INT(r->year);
    break;
  case FLD_DATE:
    STR(r->date, AS_IS);
    break;
  case FLD_TEXT:
    STR(r->text, AS_TEXT);
    break;
  case FLD_LEVEL:
    STR(bqw_level_name(r->level), AS_IS);
    break;
  case FLD_ISSUERS:
    if (r->kind == BQW_KIND_DOCUMENT || r->kind == BQW_KIND_GUIDING ||
        r->kind == BQW_KIND_CITY) {
      v.type = V_STRINGS;
      v.strings = r->issuers;
      v.n = r->issuer_count;
      v.kind = AS_NAME;
    }
    break;
  case FLD_DOCTYPE:
    STR(r->doctype, AS_NAME);
    break;
  case FLD_DOCTYPE_DETAIL:
    STR(r->doctype_detail, AS_NAME);
    break;
  case FLD_PERIOD_FROM:
  case FLD_PERIOD_TO:
    if (r->period_from || r->period_to)
      INT(fld == FLD_PERIOD_FROM ? r->period_from : r->period_to);
    break;
  case FLD_YEARS:
    v.type = V_INTS;
    v.ints = r->years;
    v.n = r->year_count;
    break;
  case FLD_MENTIONS:
    v.type = V_STRINGS;
    v.strings = r->mentions;
    v.n = r->mention_count;
    v.kind = AS_NAME;
    break;
  case FLD_MEASURES:
  case FLD_MEASURE_LINES:
    if (!f->measure_shape && has_measures(r)) {
      v.type = fld == FLD_MEASURES ? V_MEASURES : V_INTS;
      v.measures = r->measures;
      v.n = r->measure_count;
      v.ints = NULL;
    }
    break;
  case FLD_MEASURE_INDEX:
    if (m)
      INT(m);
    break;
  case FLD_MEASURE:
    if (m)
      STR(r->measures[m - 1].text, AS_TEXT);
    break;
  case FLD_MEASURE_LINE:
    if (m)
      INT(r->measures[m - 1].line);
    break;
  case FLD_COUNT:
    break;
  }
#undef STR
#undef INT
  return v;
}

/* Item i of a list value: a measure list's measure_lines are the measures' lines. */
static long long int_item(const value *v, size_t i) {
  return v->ints ? v->ints[i] : (long long)v->measures[i].line;
}

/* ---- CSV and TSV ---- */

/* A cell as export_util.cell makes it text: lists joined by "; " (measures by
 * newlines), numbers as digits, absent as "". */
static void make_cell(row_format *f, const value *v, field fld) {
  buffer *b = &f->cell;
  const char *sep = fld == FLD_MEASURES ? "\n" : "; ";
  switch (v->type) {
  case V_NONE:
    break;
  case V_STRING:
    put_text(f, b, v->s, v->kind);
    break;
  case V_INT:
    put_int(f, b, v->i);
    break;
  case V_STRINGS:
  case V_MEASURES:
    for (size_t i = 0; i < v->n; i++) {
      if (i)
        put_str(f, b, sep);
      if (v->type == V_STRINGS)
        put_text(f, b, v->strings[i], v->kind);
      else
        put_text(f, b, v->measures[i].text, AS_TEXT);
    }
    break;
  case V_INTS:
    for (size_t i = 0; i < v->n; i++) {
      if (i)
        put_str(f, b, sep);
      put_int(f, b, int_item(v, i));
    }
    break;
  }
}

/* The first bytes that make a spreadsheet read a cell as a formula (OWASP). */
static bool formula_start(char c) {
  return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

size_t bqw_lua_delimited_cell(char *out, const char *s, size_t len, bool tsv, bool raw) {
  char *o = out;
  bool quote = len && (memchr(s, tsv ? '\t' : ',', len) || memchr(s, '"', len) ||
                       memchr(s, '\r', len) || memchr(s, '\n', len));
  if (quote)
    *o++ = '"';
  if (!raw && len && formula_start(s[0]))
    *o++ = '\'';
  if (!quote) {
    if (len)
      memcpy(o, s, len);
    return (size_t)(o - out) + len;
  }
  for (size_t k = 0; k < len; k++) {
    if (s[k] == '"') {
      *o++ = '"'; /* doubled */
    } else if (tsv && s[k] == '\r') {
      *o++ = '\n';
      if (k + 1 < len && s[k + 1] == '\n')
        k++;
      continue;
    }
    *o++ = s[k];
  }
  *o++ = '"';
  return (size_t)(o - out);
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
    value v = get(f, r, id, m, f->columns[c]);
    make_cell(f, &v, f->columns[c]);
    put_cell(f, tsv);
  }
  put(f, &f->out, tsv ? "\n" : "\r\n", tsv ? 1 : 2);
}

/* ---- JSON ---- */

/* The code point of the valid UTF-8 sequence at s (n bytes). */
static unsigned decode(const unsigned char *s, size_t n) {
  if (n == 2)
    return ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu);
  return ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
}

/* How many bytes at s (len left) dkjson writes as \uXXXX: the code points its
 * quotestring escapes after Crockford's JSON-js "escapable" (controls, DEL, soft
 * hyphen, Arabic number signs, U+070F, U+17B4/5, zero-width and bidi marks, line and
 * paragraph separators, U+2060-206F, the BOM, U+FFF0-FFFF); 0 for none. */
static size_t escapable(const unsigned char *s, size_t len) {
  unsigned char a = s[0], b = len > 1 ? s[1] : 0, c = len > 2 ? s[2] : 0;
  switch (a) {
  case 0xC2:
    return (b >= 0x80 && b <= 0x9F) || b == 0xAD ? 2 : 0;
  case 0xD8:
    return b >= 0x80 && b <= 0x84 ? 2 : 0;
  case 0xDC:
    return b == 0x8F ? 2 : 0;
  case 0xE1:
    return b == 0x9E && (c == 0xB4 || c == 0xB5) ? 3 : 0;
  case 0xE2:
    if (b == 0x80)
      return (c >= 0x8C && c <= 0x8F) || (c >= 0xA8 && c <= 0xAF) ? 3 : 0;
    return b == 0x81 && c >= 0xA0 && c <= 0xAF ? 3 : 0;
  case 0xEF:
    if (b == 0xBB)
      return c == 0xBF ? 3 : 0;
    return b == 0xBF && c >= 0xB0 && c <= 0xBF ? 3 : 0;
  default:
    return 0;
  }
}

/* s as a JSON string, escaped as dkjson escapes it. */
static void put_json_string(row_format *f, buffer *b, const char *str, size_t len) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *s = (const unsigned char *)str;
  put(f, b, "\"", 1);
  size_t from = 0;
  for (size_t k = 0; k < len;) {
    unsigned char c = s[k];
    const char *esc = NULL;
    char u[7];
    size_t n = 1;
    if (c < 0x20 || c == '"' || c == '\\' || c == 0x7F) {
      switch (c) {
      case '"':
        esc = "\\\"";
        break;
      case '\\':
        esc = "\\\\";
        break;
      case '\b':
        esc = "\\b";
        break;
      case '\f':
        esc = "\\f";
        break;
      case '\n':
        esc = "\\n";
        break;
      case '\r':
        esc = "\\r";
        break;
      case '\t':
        esc = "\\t";
        break;
      default:
        memcpy(u, "\\u00", 4);
        u[4] = hex[c >> 4];
        u[5] = hex[c & 15];
        u[6] = '\0';
        esc = u;
      }
    } else if (c >= 0xC2 && (n = escapable(s + k, len - k)) > 0) {
      unsigned cp = decode(s + k, n);
      u[0] = '\\';
      u[1] = 'u';
      u[2] = hex[(cp >> 12) & 15];
      u[3] = hex[(cp >> 8) & 15];
      u[4] = hex[(cp >> 4) & 15];
      u[5] = hex[cp & 15];
      u[6] = '\0';
      esc = u;
    } else {
      k++;
      continue;
    }
    put(f, b, str + from, k - from);
    put_str(f, b, esc);
    k += n;
    from = k;
  }
  put(f, b, str + from, len - from);
  put(f, b, "\"", 1);
}

/* A string converted as kind says, as a JSON string. */
static void put_json_text(row_format *f, const char *s, text_kind kind) {
  f->cell.len = 0;
  put_text(f, &f->cell, s, kind);
  put_json_string(f, &f->out, f->cell.data ? f->cell.data : "", f->cell.len);
}

static void put_json_value(row_format *f, const value *v) {
  buffer *b = &f->out;
  switch (v->type) {
  case V_NONE:
    break;
  case V_STRING:
    put_json_text(f, v->s, v->kind);
    break;
  case V_INT:
    put_int(f, b, v->i);
    break;
  case V_STRINGS:
  case V_MEASURES:
  case V_INTS:
    put(f, b, "[", 1);
    for (size_t i = 0; i < v->n; i++) {
      if (i)
        put(f, b, ",", 1);
      if (v->type == V_STRINGS)
        put_json_text(f, v->strings[i], v->kind);
      else if (v->type == V_MEASURES)
        put_json_text(f, v->measures[i].text, AS_TEXT);
      else
        put_int(f, b, int_item(v, i));
    }
    put(f, b, "]", 1);
    break;
  }
}

/* One row as an object: NDJSON compact on one line, or the JSON document's record,
 * pretty-printed as dkjson indents an object inside the document's records array. */
static void json_row(row_format *f, const bqw_record *r, size_t id, size_t m) {
  bool pretty = f->format == OUT_JSON;
  buffer *b = &f->out;
  bool first = true;
  put(f, b, "{", 1);
  for (size_t i = 0; i < FLD_COUNT; i++) {
    field fld = pretty ? (field)i : ndjson_order[i];
    if (!f->all_keys && !f->keep[fld])
      continue;
    value v = get(f, r, id, m, fld);
    if (v.type == V_NONE)
      continue;
    if (!first)
      put(f, b, ",", 1);
    first = false;
    if (pretty)
      put_str(f, b, "\n      ");
    put(f, b, "\"", 1);
    put_str(f, b, field_names[fld]);
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

/* How one piece of a cell is written in a Markdown table (GFM) or in HTML text. These
 * are the only copies of these rules in C; the Lua path (bqw.view_util.visible,
 * plugins/export/markdown.lua's escape and cell_text, bqw.html_util.escape and lines)
 * keeps its own, and tests/lua/rows_spec.lua holds the two to the same bytes. */
static void put_shown(row_format *f, buffer *b, const char *piece, size_t n) {
  bool html = f->format == OUT_HTML;
  for (size_t k = 0; k < n; k++) {
    char c = piece[k];
    const char *esc = NULL;
    if (html) {
      /* HTML: & < > " ' as entities, so text is safe in element content and quoted
       * attributes (bqw.html_util.escape). */
      switch (c) {
      case '&':
        esc = "&amp;";
        break;
      case '<':
        esc = "&lt;";
        break;
      case '>':
        esc = "&gt;";
        break;
      case '"':
        esc = "&quot;";
        break;
      case '\'':
        esc = "&#39;";
        break;
      default:
        break;
      }
      if (esc) {
        put_str(f, b, esc);
        continue;
      }
    } else if (c && strchr("\\`*_[]<>&~#|", c)) {
      /* Markdown: | and the punctuation that opens markup, a link, HTML or an escape
       * get a backslash, so a cell is never read as anything but text. */
      put(f, b, "\\", 1);
    }
    put(f, b, &c, 1);
  }
}

/* Whether byte c of a cell needs more than copying (see put_table_cell). */
static bool table_special(unsigned char c, bool html) {
  if (c < 0x20 || c == 0x7F || c == 0xC2 || c == 0xE2)
    return c != '\t';
  if (html)
    return c == '&' || c == '<' || c == '>' || c == '"' || c == '\'';
  return c == '\\' || c == '`' || c == '*' || c == '_' || c == '[' || c == ']' ||
         c == '<' || c == '>' || c == '&' || c == '~' || c == '#' || c == '|';
}

/* The cell made in f->cell (export_util.cell's text) into the chunk, as a Markdown
 * table cell (markdown.lua's cell_text) or an HTML table cell's content (html_util's
 * lines). In order, as the Lua path applies them:
 *  1. what a terminal would act on or what reorders text is shown as text
 *     (view_util.visible): C0 controls but TAB and LF, and DEL, as \xHH (two
 *     lowercase hex digits); C1 controls (U+0080-009F), the bidi embeddings and
 *     overrides U+202A-202E and the isolates U+2066-2069 as <U+XXXX> (four uppercase
 *     digits). The records are valid UTF-8 (the loader puts U+FFFD for a bad
 *     sequence), so these byte patterns are those characters. CR is a C0 control:
 *     it is \x0d by then, so the CR LF and CR rules of the Lua path never apply.
 *  2. what that gives is escaped as put_shown says (the \ of \x1b and the < > of
 *     <U+202E> too);
 *  3. LF becomes <br> (not escaped);
 *  4. Markdown only: spaces and TABs at the start and the end are dropped (Lua's %s
 *     trimmed after the steps above; the other %s characters, VT FF CR LF, are gone
 *     by then, and nothing the steps write starts or ends with a space). */
static void put_table_cell(row_format *f) {
  bool html = f->format == OUT_HTML;
  const unsigned char *s = (const unsigned char *)(f->cell.data ? f->cell.data : "");
  size_t len = f->cell.len, k = 0;
  if (!html) {
    while (k < len && (s[k] == ' ' || s[k] == '\t'))
      k++;
    while (len > k && (s[len - 1] == ' ' || s[len - 1] == '\t'))
      len--;
  }
  buffer *b = &f->out;
  while (k < len) {
    size_t from = k;
    while (k < len && !table_special(s[k], html))
      k++;
    put(f, b, (const char *)s + from, k - from);
    if (k == len)
      break;
    unsigned char c = s[k];
    unsigned cp = 0;
    if (c == '\n') {
      put(f, b, "<br>", 4);
      k++;
    } else if (c < 0x20 || c == 0x7F) {
      char shown[8];
      put_shown(f, b, shown, (size_t)snprintf(shown, sizeof shown, "\\x%02x", c));
      k++;
    } else if (c == 0xC2 && k + 1 < len && s[k + 1] >= 0x80 && s[k + 1] <= 0x9F) {
      cp = s[k + 1];
      k += 2;
    } else if (c == 0xE2 && k + 2 < len && s[k + 1] == 0x80 && s[k + 2] >= 0xAA &&
               s[k + 2] <= 0xAE) {
      cp = 0x2000 + (s[k + 2] - 0x80u);
      k += 3;
    } else if (c == 0xE2 && k + 2 < len && s[k + 1] == 0x81 && s[k + 2] >= 0xA6 &&
               s[k + 2] <= 0xA9) {
      cp = 0x2040 + (s[k + 2] - 0x80u);
      k += 3;
    } else if (c == 0xC2 || c == 0xE2) {
      put(f, b, (const char *)s + k, 1);
      k++;
    } else {
      put_shown(f, b, (const char *)s + k, 1);
      k++;
    }
    if (cp) {
      char shown[16];
      put_shown(f, b, shown, (size_t)snprintf(shown, sizeof shown, "<U+%04X>", cp));
    }
  }
}

/* The numeric columns, right-aligned in HTML (html.lua's NUMERIC). */
static bool numeric_column(field fld) {
  return fld == FLD_ID || fld == FLD_LINE || fld == FLD_YEAR ||
         fld == FLD_MEASURE_INDEX || fld == FLD_MEASURE_LINE || fld == FLD_PERIOD_FROM ||
         fld == FLD_PERIOD_TO;
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
    value v = get(f, r, id, m, f->columns[c]);
    make_cell(f, &v, f->columns[c]);
    if (html)
      put_str(f, b, numeric_column(f->columns[c]) ? "<td class=\"num\">" : "<td>");
    else
      put(f, b, " ", 1);
    put_table_cell(f);
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

static field field_of(const char *name) {
  for (size_t i = 0; i < FLD_COUNT; i++)
    if (!strcmp(field_names[i], name))
      return (field)i;
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

/* core.table_cell(format, s) -> s as a cell of a "markdown" or "html" table row */
static int l_table_cell(lua_State *L) {
  static const char *const formats[] = {"markdown", "html", NULL};
  int format = luaL_checkoption(L, 1, NULL, formats);
  size_t len;
  const char *s = luaL_checklstring(L, 2, &len);
  row_format *f = lua_newuserdata(L, sizeof *f); /* its buffers go with it */
  memset(f, 0, sizeof *f);
  luaL_setmetatable(L, ROW_FORMAT_MT);
  f->L = L;
  f->format = format ? OUT_HTML : OUT_MARKDOWN;
  put(f, &f->cell, s, len);
  put_table_cell(f);
  lua_pushlstring(L, f->out.data ? f->out.data : "", f->out.len);
  return 1;
}

/* The filter at idx, or NULL for nil (every record). */
static const void *opt_filter(lua_State *L, int idx) {
  return lua_type(L, idx) <= LUA_TNIL ? NULL : bqw_lua_check_filter(L, idx);
}

static size_t rows_of(const row_format *f, const bqw_record *r) {
  return f->measure_shape && r->measure_count > 0 && has_measures(r) ? r->measure_count
                                                                     : 1;
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
  f->out.len = 0;
  for (;
       i < end && f->out.len < CHUNK_BYTES && (most <= 0 || (lua_Integer)records < most);
       i++) {
    size_t at = o ? o->ids[i] : i;
    const bqw_record *r = bqw_record_at(ds, at);
    if (!r || (!o && filter && !bqw_lua_filter_match(filter, r, at + 1)))
      continue;
    records++;
    size_t k = rows_of(f, r);
    bool numbered = f->measure_shape && has_measures(r) && r->measure_count;
    for (size_t m = 0; m < k; m++) {
      if (f->format == OUT_CSV || f->format == OUT_TSV) {
        delimited_row(f, r, at + 1, numbered ? m + 1 : 0);
      } else if (f->format == OUT_MARKDOWN || f->format == OUT_HTML) {
        table_row(f, r, at + 1, numbered ? m + 1 : 0);
      } else {
        if (f->format == OUT_JSON && separate)
          put(f, &f->out, ",", 1);
        separate = true;
        json_row(f, r, at + 1, numbered ? m + 1 : 0);
      }
      rows++;
    }
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
  row_format shape = {.measure_shape = luaL_checkoption(L, 4, "record", shapes) == 1};
  size_t n = bqw_record_count(ds);
  size_t end = last < 0 ? 0 : (size_t)last < n ? (size_t)last : n;
  size_t records = 0, rows = 0;
  for (size_t i = 0; i < end; i++) {
    const bqw_record *r = bqw_record_at(ds, i);
    if (filter && !bqw_lua_filter_match(filter, r, i + 1))
      continue;
    records++;
    rows += rows_of(&shape, r);
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
  text_kind last_kind;
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

/* Whether a value's cell (export_util.cell) is "": conversion keeps a text empty or
 * not, and a list of two or more is joined with a separator. */
static bool value_empty(const value *v) {
  switch (v->type) {
  case V_NONE:
    return true;
  case V_STRING:
    return !v->s[0];
  case V_INT:
    return false;
  case V_STRINGS:
    return v->n == 0 || (v->n == 1 && !v->strings[0][0]);
  case V_MEASURES:
    return v->n == 0 || (v->n == 1 && !v->measures[0].text[0]);
  case V_INTS:
    return v->n == 0;
  }
  return true;
}

/* The section of record r: the key is row.section_title or row.section or "", as
 * the record shows it (section_title converted to the script). */
static section *section_of(section_scan *sc, const bqw_record *r) {
  const char *key = r->section_title;
  text_kind kind = AS_TEXT;
  if (!key) {
    key = bqw_section_name(r->section);
    kind = AS_IS;
  }
  if (!key)
    key = "";
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

/* Adds record r (id from 0) to its section. */
static void scan_record(section_scan *sc, const bqw_record *r, size_t at) {
  section *sec = section_of(sc, r);
  sec->ids =
      grow_array(sc->f.L, sec->ids, sec->id_count, &sec->id_cap, sizeof *sec->ids, 64);
  sec->ids[sec->id_count++] = (uint32_t)at;
  size_t k = rows_of(&sc->f, r);
  bool numbered = sc->f.measure_shape && has_measures(r) && r->measure_count;
  sc->records++;
  sc->rows += k;
  sec->count += k;
  for (size_t c = 0; c < sc->candidate_count; c++) {
    field fld = sc->candidates[c];
    for (size_t m = 0; m < k && !sec->filled[fld]; m++) {
      value v = get(&sc->f, r, at + 1, numbered ? m + 1 : 0, fld);
      sec->filled[fld] = !value_empty(&v);
    }
  }
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
  for (; i < end && (most <= 0 || (lua_Integer)looked < most); i++, looked++) {
    size_t at = o ? o->ids[i] : i;
    const bqw_record *r = bqw_record_at(ds, at);
    if (!r || (!o && filter && !bqw_lua_filter_match(filter, r, at + 1)))
      continue;
    scan_record(sc, r, at);
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
        lua_pushstring(L, field_names[sc->candidates[c]]);
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
  order *o = lua_newuserdata(L, sizeof *o + rows->count * sizeof o->ids[0]);
  o->n = rows->count;
  if (rows->count)
    memcpy(o->ids, rows->records, rows->count * sizeof o->ids[0]);
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
  lua_pushcfunction(L, l_table_cell);
  lua_setfield(L, lib, "table_cell");
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
