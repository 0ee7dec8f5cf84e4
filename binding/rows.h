/*
 * rows.h -- the text pieces binding/rows.c writes rows with (binding/rows_text.c).
 */
#ifndef BQW_ROWS_H
#define BQW_ROWS_H

#include "binding.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* A growing byte buffer (data malloc'd, NULL while empty). */
typedef struct bqw_buf {
  char *data;
  size_t len, cap;
} bqw_buf;

/* Makes room for n more bytes (the slow path of bqw_buf_grow); raises in L when memory
 * runs out. */
void bqw_buf_reserve(lua_State *L, bqw_buf *b, size_t n);
/* Makes room for n more bytes; inline, as rows are written a few bytes at a time. */
static inline void bqw_buf_grow(lua_State *L, bqw_buf *b, size_t n) {
  if (b->cap - b->len < n)
    bqw_buf_reserve(L, b, n);
}
/* Appends n bytes, a NUL-terminated string, a whole number's digits. */
static inline void bqw_buf_put(lua_State *L, bqw_buf *b, const char *p, size_t n) {
  if (!n)
    return; /* b->data may still be NULL */
  bqw_buf_grow(L, b, n);
  memcpy(b->data + b->len, p, n);
  b->len += n;
}
static inline void bqw_buf_str(lua_State *L, bqw_buf *b, const char *s) {
  bqw_buf_put(L, b, s, strlen(s));
}
void bqw_buf_int(lua_State *L, bqw_buf *b, long long v);
/* Appends s converted to script (a string that cannot be converted as it is). */
void bqw_buf_text(lua_State *L, bqw_buf *b, const char *s, bqw_lua_script script);
/* Whether a value's cell (export_util.cell) is "": conversion keeps a text empty or
 * not, and a list of two or more items is joined with a separator. */
bool bqw_value_blank(const bqw_value *v);
/* Makes room for one more item in a malloc'd array of *cap items of size bytes, count
 * of them used (doubling, initial at first); raises in L when memory runs out. */
void *bqw_grow_array(lua_State *L, void *items, size_t count, size_t *cap, size_t size,
                     size_t initial);
/* Appends str (len bytes) as a JSON string, escaped as dkjson escapes it. */
void bqw_json_string(lua_State *L, bqw_buf *b, const char *str, size_t len);
/* Appends a cell (len bytes of export_util.cell's text) as a Markdown table cell, or
 * with html an HTML table cell's content (see rows_text.c for the rules). */
void bqw_table_cell(lua_State *L, bqw_buf *b, const char *cell, size_t len, bool html);
/* Adds core.table_cell (the cell above, for the Lua path) to the module table at lib. */
void bqw_lua_open_table_cell(lua_State *L, int lib);

#endif
