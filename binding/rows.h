/*
 * rows.h -- the text pieces binding/rows.c writes rows with (binding/rows_text.c).
 */
#ifndef BQW_ROWS_H
#define BQW_ROWS_H

#include "binding.h"

#include <stdbool.h>
#include <stddef.h>

/* A growing byte buffer (data malloc'd, NULL while empty). */
typedef struct bqw_buf {
  char *data;
  size_t len, cap;
} bqw_buf;

/* Makes room for n more bytes; raises in L when memory runs out. */
void bqw_buf_grow(lua_State *L, bqw_buf *b, size_t n);
/* Appends n bytes, a NUL-terminated string, a whole number's digits. */
void bqw_buf_put(lua_State *L, bqw_buf *b, const char *p, size_t n);
void bqw_buf_str(lua_State *L, bqw_buf *b, const char *s);
void bqw_buf_int(lua_State *L, bqw_buf *b, long long v);
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
