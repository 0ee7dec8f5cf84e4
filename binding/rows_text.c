/*
 * rows_text.c -- the text pieces of the rows binding/rows.c writes, none of them about
 * a record: a growing buffer, a text converted to a script, whether a value's cell
 * is blank, a JSON string as dkjson escapes it, a CSV or TSV cell, a Markdown or HTML
 * table cell (binding/rows.h).
 */
#include "compat.h"
#include "rows.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bqw_buf_reserve(lua_State *L, bqw_buf *b, size_t n) {
  size_t cap = b->cap ? b->cap : 256;
  while (cap - b->len < n)
    cap *= 2;
  char *p = realloc(b->data, cap);
  if (!p)
    luaL_error(L, "bqw: out of memory");
  b->data = p;
  b->cap = cap;
}

void *bqw_grow_array(lua_State *L, void *items, size_t count, size_t *cap, size_t size,
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

void bqw_buf_text(lua_State *L, bqw_buf *b, const char *s, bqw_lua_script script) {
  size_t len = strlen(s);
  char *conv;
  size_t conv_len;
  if (script != BQW_LUA_ORIGINAL &&
      bqw_convert(s, len, script == BQW_LUA_HANS ? BQW_SCRIPT_HANS : BQW_SCRIPT_HANT,
                  &conv, &conv_len) == 0) {
    bqw_buf_put(L, b, conv, conv_len);
    bqw_free(conv);
    return;
  }
  bqw_buf_put(L, b, s, len);
}

bool bqw_value_blank(const bqw_value *v) {
  switch (v->type) {
  case BQW_TYPE_NONE:
    return true;
  case BQW_TYPE_TEXT:
  case BQW_TYPE_DATE:
    return !v->text[0];
  case BQW_TYPE_INTEGER:
    return false;
  case BQW_TYPE_TEXTS:
    return v->count == 0 || (v->count == 1 && !bqw_value_text_at(v, 0)[0]);
  case BQW_TYPE_INTEGERS:
    return v->count == 0;
  }
  return true;
}

void bqw_buf_int(lua_State *L, bqw_buf *b, long long v) {
  char digits[24];
  int n = snprintf(digits, sizeof digits, "%lld", v);
  bqw_buf_put(L, b, digits, (size_t)n);
}

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

void bqw_json_string(lua_State *L, bqw_buf *b, const char *str, size_t len) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *s = (const unsigned char *)str;
  bqw_buf_put(L, b, "\"", 1);
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
    bqw_buf_put(L, b, str + from, k - from);
    bqw_buf_str(L, b, esc);
    k += n;
    from = k;
  }
  bqw_buf_put(L, b, str + from, len - from);
  bqw_buf_put(L, b, "\"", 1);
}

/* How one piece of a cell is written in a Markdown table (GFM) or in HTML text. These
 * are the only copies of these rules in C; the Lua path (bqw.view_util.visible,
 * plugins/export/markdown.lua's escape and cell_text, bqw.html_util.escape and lines)
 * keeps its own, and tests/lua/rows_spec.lua holds the two to the same bytes. */
static void put_shown(lua_State *L, bqw_buf *b, const char *piece, size_t n, bool html) {
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
        bqw_buf_str(L, b, esc);
        continue;
      }
    } else if (c && strchr("\\`*_[]<>&~#|", c)) {
      /* Markdown: | and the punctuation that opens markup, a link, HTML or an escape
       * get a backslash, so a cell is never read as anything but text. */
      bqw_buf_put(L, b, "\\", 1);
    }
    bqw_buf_put(L, b, &c, 1);
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

/* A cell (export_util.cell's text) appended to b as a Markdown table cell (markdown.lua's
 * cell_text) or an HTML table cell's content (html_util's lines). In order, as the Lua
 * path applies them:
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
void bqw_table_cell(lua_State *L, bqw_buf *b, const char *cell, size_t len, bool html) {
  const unsigned char *s = (const unsigned char *)(cell ? cell : "");
  size_t k = 0;
  if (!html) {
    while (k < len && (s[k] == ' ' || s[k] == '\t'))
      k++;
    while (len > k && (s[len - 1] == ' ' || s[len - 1] == '\t'))
      len--;
  }
  while (k < len) {
    size_t from = k;
    while (k < len && !table_special(s[k], html))
      k++;
    bqw_buf_put(L, b, (const char *)s + from, k - from);
    if (k == len)
      break;
    unsigned char c = s[k];
    unsigned cp = 0;
    if (c == '\n') {
      bqw_buf_put(L, b, "<br>", 4);
      k++;
    } else if (c < 0x20 || c == 0x7F) {
      char shown[8];
      put_shown(L, b, shown, (size_t)snprintf(shown, sizeof shown, "\\x%02x", c), html);
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
      bqw_buf_put(L, b, (const char *)s + k, 1);
      k++;
    } else {
      put_shown(L, b, (const char *)s + k, 1, html);
      k++;
    }
    if (cp) {
      char shown[16];
      put_shown(L, b, shown, (size_t)snprintf(shown, sizeof shown, "<U+%04X>", cp), html);
    }
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

#define BUF_MT "bqw.core.buffer"

static int buffer_gc(lua_State *L) {
  bqw_buf *b = luaL_checkudata(L, 1, BUF_MT);
  free(b->data);
  *b = (bqw_buf){0};
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
  bqw_table_cell(L, b, s, len, format == 1);
  lua_pushlstring(L, b->data ? b->data : "", b->len);
  return 1;
}

void bqw_lua_open_table_cell(lua_State *L, int lib) {
  bqw_lua_class(L, BUF_MT, NULL, buffer_gc);
  lua_pushcfunction(L, l_table_cell);
  lua_setfield(L, lib, "table_cell");
}
