/*
 * xlsx.c -- core.xlsx(path): an Excel workbook writer for export plugins, over
 * libxlsxwriter (Lua cannot write a zip). Built only when pkg-config finds
 * xlsxwriter; without it core.xlsx is absent and the xlsx export says so.
 *
 * The workbook runs in libxlsxwriter's constant_memory mode: each row goes to a
 * temporary file once the next row starts, so a plugin that writes rows in order
 * (as it receives records, one at a time) keeps memory flat however many rows there
 * are. Every cell is typed (string, number or date): nothing is ever a formula.
 */
#include "binding.h"
#include "compat.h"

#include <lauxlib.h>
#include <lua.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#define XLSX_MT "bqw.core.xlsx"
#define MAX_SHEETS 16

/* The styles a plugin may name for a cell or a column. */
enum { STYLE_NONE, STYLE_HEADER, STYLE_WRAP, STYLE_DATE, STYLE_TOP, STYLE_COUNT };
static const char *const style_names[] = {"none", "header", "wrap", "date", "top", NULL};

typedef struct {
  lxw_workbook *wb;
  lxw_worksheet *sheets[MAX_SHEETS];
  int nsheets;
  lxw_format *styles[STYLE_COUNT];
} xlsx;

static xlsx *check_xlsx(lua_State *L) {
  xlsx *x = luaL_checkudata(L, 1, XLSX_MT);
  if (!x->wb) {
    luaL_error(L, "bqw: the workbook is closed");
  }
  return x;
}

static lxw_worksheet *check_sheet(lua_State *L, xlsx *x, int arg) {
  lua_Integer n = luaL_checkinteger(L, arg);
  luaL_argcheck(L, n >= 1 && n <= x->nsheets, arg, "no such sheet");
  return x->sheets[n - 1];
}

static lxw_format *check_style(lua_State *L, xlsx *x, int arg) {
  return x->styles[luaL_checkoption(L, arg, "none", style_names)];
}

static lxw_row_t check_row(lua_State *L, int arg) {
  lua_Integer n = luaL_checkinteger(L, arg);
  luaL_argcheck(L, n >= 0 && n < LXW_ROW_MAX, arg, "row out of range (0-based)");
  return (lxw_row_t)n;
}

static lxw_col_t check_col(lua_State *L, int arg) {
  lua_Integer n = luaL_checkinteger(L, arg);
  luaL_argcheck(L, n >= 0 && n < LXW_COL_MAX, arg, "column out of range (0-based)");
  return (lxw_col_t)n;
}

/* A libxlsxwriter status as Lua's failure convention: true | nil, message, name. */
static int result(lua_State *L, lxw_error rc) {
  if (rc == LXW_NO_ERROR) {
    lua_pushboolean(L, 1);
    return 1;
  }
  lua_pushnil(L);
  lua_pushstring(L, lxw_strerror(rc));
  lua_pushstring(L, rc == LXW_ERROR_MEMORY_MALLOC_FAILED ? "ENOMEM" : "EXLSX");
  return 3;
}

/* core.xlsx(path) -> workbook | nil, message, name */
static int l_xlsx(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  xlsx *x = lua_newuserdata(L, sizeof *x);
  memset(x, 0, sizeof *x);
  luaL_setmetatable(L, XLSX_MT);
  lxw_workbook_options opts = {
      .constant_memory = LXW_TRUE, .tmpdir = NULL, .use_zip64 = LXW_FALSE};
  x->wb = workbook_new_opt(path, &opts);
  if (!x->wb) {
    lua_pushnil(L);
    lua_pushfstring(L, "%s: cannot create the workbook", path);
    lua_pushstring(L, "EIO");
    return 3;
  }
  lxw_format *f = workbook_add_format(x->wb);
  format_set_bold(f);
  format_set_bg_color(f, 0xEEEEEE);
  format_set_bottom(f, LXW_BORDER_THIN);
  format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
  x->styles[STYLE_HEADER] = f;
  f = workbook_add_format(x->wb);
  format_set_text_wrap(f);
  format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
  x->styles[STYLE_WRAP] = f;
  f = workbook_add_format(x->wb);
  format_set_num_format(f, "yyyy-mm-dd");
  format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
  format_set_align(f, LXW_ALIGN_LEFT);
  x->styles[STYLE_DATE] = f;
  f = workbook_add_format(x->wb);
  format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
  x->styles[STYLE_TOP] = f;
  return 1;
}

/* wb:sheet(name) -> the sheet's number (from 1) | nil, message, name */
static int l_sheet(lua_State *L) {
  xlsx *x = check_xlsx(L);
  const char *name = luaL_checkstring(L, 2);
  lxw_error rc = workbook_validate_sheet_name(x->wb, name);
  if (rc != LXW_NO_ERROR) {
    return result(L, rc);
  }
  luaL_argcheck(L, x->nsheets < MAX_SHEETS, 2, "too many sheets");
  lxw_worksheet *ws = workbook_add_worksheet(x->wb, name);
  if (!ws) {
    return result(L, LXW_ERROR_MEMORY_MALLOC_FAILED);
  }
  x->sheets[x->nsheets++] = ws;
  lua_pushinteger(L, x->nsheets);
  return 1;
}

/* ---- text as Excel keeps it ---------------------------------------------------------
 *
 * Excel holds at most 32,767 characters in a cell (UTF-16 code units: a character
 * beyond U+FFFF counts two), and libxlsxwriter refuses a longer string, which would
 * end the whole export; such a text is cut at a character boundary and ends with a
 * visible marker saying how much was cut (the caller warns, naming the record).
 *
 * Office Open XML writes characters XML cannot hold as _xHHHH_ (ECMA-376 Part 1,
 * 22.9.2.19 ST_Xstring), so Excel reads a literal "_x0041_" in a cell as "A"; the
 * standard's escape is to write its underscore as _x005F_. libxlsxwriter 1.1.4 does not
 * (it escapes control characters only), so every string is escaped here. */

#define EXCEL_CELL_MAX 32767

/* Whether s[0..n) starts with _xHHHH_ (any case of hex digit). */
static int is_xescape(const unsigned char *s, size_t n) {
  if (n < 7 || s[0] != '_' || s[1] != 'x' || s[6] != '_')
    return 0;
  for (int i = 2; i < 6; i++)
    if (!((s[i] >= '0' && s[i] <= '9') || ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'f')))
      return 0;
  return 1;
}

/* The length of the character at s (UTF-8, valid or not: a stray byte is one). */
static size_t char_len(const unsigned char *s, size_t n) {
  size_t k = s[0] < 0xC0 ? 1 : s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : 4;
  if (k > n)
    return 1;
  for (size_t i = 1; i < k; i++)
    if ((s[i] & 0xC0) != 0x80)
      return 1;
  return k;
}

/* Appends s[0..n) to out escaped; out has room. Returns the new end. */
static char *put_escaped(char *out, const unsigned char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (is_xescape(s + i, n - i)) {
      memcpy(out, "_x005F_", 7);
      out += 7;
    } else {
      *out++ = (char)s[i];
    }
  }
  return out;
}

/* The text to give libxlsxwriter for s[0..n): escaped, and cut to Excel's limit with a
 * marker when longer (*cut: the characters cut, or 0). A malloc'd string, or NULL. */
static char *excel_text(const unsigned char *s, size_t n, size_t *cut) {
  char marker[96];
  size_t units = 0, chars = 0, escapes = 0;
  for (size_t i = 0; i < n;) {
    size_t k = char_len(s + i, n - i);
    units += k == 4 ? 2 : 1;
    chars++;
    escapes += is_xescape(s + i, n - i);
    i += k;
  }
  *cut = 0;
  size_t keep = n;
  marker[0] = '\0';
  /* libxlsxwriter counts the escaped string's characters, Excel the text's units */
  if (units > EXCEL_CELL_MAX || chars + 6 * escapes > EXCEL_CELL_MAX) {
    /* the marker's own length does not depend on its number past 5 digits' worth */
    snprintf(
        marker, sizeof marker,
        "\xE2\x80\xA6[cut by bqw: %zu more characters; Excel holds 32,767 in a cell]",
        chars);
    size_t budget = EXCEL_CELL_MAX - (strlen(marker) - 2), u = 0, e = 0, kept = 0;
    size_t i = 0;
    while (i < n) {
      size_t k = char_len(s + i, n - i);
      size_t du = k == 4 ? 2 : 1, de = is_xescape(s + i, n - i) ? 7 : 1;
      if (u + du > budget || e + de > budget)
        break;
      u += du;
      e += de;
      kept++;
      i += k;
    }
    keep = i;
    *cut = chars - kept;
    snprintf(
        marker, sizeof marker,
        "\xE2\x80\xA6[cut by bqw: %zu more characters; Excel holds 32,767 in a cell]",
        *cut);
  }
  char *out = malloc(keep + 6 * escapes + strlen(marker) + 1);
  if (!out)
    return NULL;
  char *end = put_escaped(out, s, keep);
  size_t m = strlen(marker);
  memcpy(end, marker, m + 1);
  return out;
}

/* wb:cell(sheet, row, col, value [, style]): a string (never a formula), a number,
 * or nil (the style alone). Rows from 0, written in order. -> true | nil, message;
 * a string over Excel's 32,767 characters is cut, with a marker, and then the result
 * is true, the number of characters cut. */
static int l_cell(lua_State *L) {
  xlsx *x = check_xlsx(L);
  lxw_worksheet *ws = check_sheet(L, x, 2);
  lxw_row_t row = check_row(L, 3);
  lxw_col_t col = check_col(L, 4);
  lxw_format *style = check_style(L, x, 6);
  switch (lua_type(L, 5)) {
  case LUA_TNUMBER:
    return result(L, worksheet_write_number(ws, row, col, lua_tonumber(L, 5), style));
  case LUA_TSTRING: {
    size_t len, cut;
    const char *text = lua_tolstring(L, 5, &len);
    char *shown = excel_text((const unsigned char *)text, len, &cut);
    if (!shown)
      return result(L, LXW_ERROR_MEMORY_MALLOC_FAILED);
    lxw_error rc = worksheet_write_string(ws, row, col, shown, style);
    free(shown);
    if (rc != LXW_NO_ERROR || !cut)
      return result(L, rc);
    lua_pushboolean(L, 1);
    lua_pushinteger(L, (lua_Integer)cut);
    return 2;
  }
  case LUA_TNIL:
  case LUA_TNONE:
    return result(L, worksheet_write_blank(ws, row, col, style));
  default:
    return luaL_argerror(L, 5, "expected a string, a number or nil");
  }
}

/* wb:date(sheet, row, col, year, month, day): a date cell shown as yyyy-mm-dd. */
static int l_date(lua_State *L) {
  xlsx *x = check_xlsx(L);
  lxw_worksheet *ws = check_sheet(L, x, 2);
  lxw_row_t row = check_row(L, 3);
  lxw_col_t col = check_col(L, 4);
  lua_Integer y = luaL_checkinteger(L, 5), m = luaL_checkinteger(L, 6),
              d = luaL_checkinteger(L, 7);
  luaL_argcheck(L, y >= 1900 && y <= 9999, 5, "year out of range");
  luaL_argcheck(L, m >= 1 && m <= 12, 6, "month out of range");
  luaL_argcheck(L, d >= 1 && d <= 31, 7, "day out of range");
  lxw_datetime dt = {.year = (int)y, .month = (int)m, .day = (int)d};
  return result(L, worksheet_write_datetime(ws, row, col, &dt, x->styles[STYLE_DATE]));
}

/* wb:column(sheet, col, width [, style]): a column's width in characters. */
static int l_column(lua_State *L) {
  xlsx *x = check_xlsx(L);
  lxw_worksheet *ws = check_sheet(L, x, 2);
  lxw_col_t col = check_col(L, 3);
  double width = luaL_checknumber(L, 4);
  luaL_argcheck(L, width >= 0 && width <= 255, 4, "width out of range (0..255)");
  return result(L, worksheet_set_column(ws, col, col, width, check_style(L, x, 5)));
}

/* wb:freeze(sheet, rows, cols): keeps the first rows and cols in sight. */
static int l_freeze(lua_State *L) {
  xlsx *x = check_xlsx(L);
  lxw_worksheet *ws = check_sheet(L, x, 2);
  worksheet_freeze_panes(ws, check_row(L, 3), check_col(L, 4));
  lua_pushboolean(L, 1);
  return 1;
}

/* wb:autofilter(sheet, first_row, first_col, last_row, last_col) */
static int l_autofilter(lua_State *L) {
  xlsx *x = check_xlsx(L);
  lxw_worksheet *ws = check_sheet(L, x, 2);
  return result(L, worksheet_autofilter(ws, check_row(L, 3), check_col(L, 4),
                                        check_row(L, 5), check_col(L, 6)));
}

/* wb:close() writes the file: true | nil, message, name. The workbook is freed either
 * way. */
static int l_close(lua_State *L) {
  xlsx *x = check_xlsx(L);
  lxw_error rc = workbook_close(x->wb); /* frees the workbook too */
  x->wb = NULL;
  return result(L, rc);
}

/* wb:discard(): frees the workbook without writing the file (after a failure or an
 * interruption: close() would write every row so far). */
static int l_discard(lua_State *L) {
  xlsx *x = luaL_checkudata(L, 1, XLSX_MT);
  if (x->wb) {
    lxw_workbook_free(x->wb);
    x->wb = NULL;
  }
  return 0;
}

/* Collected without close(): frees without writing. */
static int l_gc(lua_State *L) {
  xlsx *x = luaL_checkudata(L, 1, XLSX_MT);
  if (x->wb) {
    lxw_workbook_free(x->wb);
    x->wb = NULL;
  }
  return 0;
}

static const luaL_Reg methods[] = {
    {"sheet", l_sheet},   {"cell", l_cell},       {"date", l_date},
    {"column", l_column}, {"freeze", l_freeze},   {"autofilter", l_autofilter},
    {"close", l_close},   {"discard", l_discard}, {NULL, NULL}};

void bqw_lua_open_xlsx(lua_State *L) {
  bqw_lua_class(L, XLSX_MT, methods, l_gc);
  lua_pushcfunction(L, l_xlsx);
  lua_setfield(L, -2, "xlsx");
}
