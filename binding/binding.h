/*
 * binding.h -- shared by the translation units of bqw.core.
 */
#ifndef BQW_BINDING_H
#define BQW_BINDING_H

#include "bqw.h"
#include <lauxlib.h>
#include <lua.h>
#include <stdbool.h>
#include <stddef.h>

/* Registers the metatable `name` for a userdata type, once: methods (may be NULL) as
 * its __index table, gc (may be NULL) as its __gc. The stack is left as it was. */
void bqw_lua_class(lua_State *L, const char *name, const luaL_Reg *methods,
                   lua_CFunction gc);
/* Sets package[field] ("path" or "cpath") of the package table at index package to
 * prefix (may be NULL) followed by the templates of its current value that are absolute
 * paths. A relative template ("./?.lua" is in Lua's and LuaJIT's defaults, and in a
 * LUA_PATH a user may set) would load whatever file of that name stands in the
 * directory the program happens to run in: bqw runs no code from there. */
void bqw_lua_confine_path(lua_State *L, int package, const char *field,
                          const char *prefix);
/* Pushes a dataset as a bqw.core.dataset userdata, which then owns it. */
void bqw_lua_push_dataset(lua_State *L, bqw_dataset *ds);
/* The open dataset at index idx (raises otherwise). */
bqw_dataset *bqw_lua_check_dataset(lua_State *L, int idx);
/* Adds query_compile, next_match and facet to the dataset methods table at index
 * methods (absolute index), and the rows' functions (binding/filter.c). */
void bqw_lua_open_filter(lua_State *L, int lib, int methods);
/* The compiled filter at idx (raises otherwise), and whether record r (id, from 1)
 * has a row that passes it (bqw_query_match_record: in the measure shape, a measure);
 * whether its row m (0: its own, 1..: measure m) passes it; whether the filter's rows
 * are measures. An error of a Lua filter it calls is raised. */
const void *bqw_lua_check_filter(lua_State *L, int idx);
bool bqw_lua_filter_match(const void *filter, const bqw_record *r, size_t id);
bool bqw_lua_filter_row_match(const void *filter, size_t id, size_t m);
bool bqw_lua_filter_measure_shape(const void *filter);
/* The engine's query of the filter at idx, NULL for nil; and raising the error rc a
 * walk of the engine with that filter returned. */
bqw_query *bqw_lua_filter_query(lua_State *L, int idx);
int bqw_lua_filter_raise(lua_State *L, int idx, int rc);
/* Adds core.row_format, core.table_cell and core.section_scan to the module table at
 * lib, write_rows, count_rows, order and scan_sections to the dataset methods at
 * methods (binding/rows.c). */
void bqw_lua_open_rows(lua_State *L, int lib, int methods);
/* A script records are presented in: as published, Simplified or Traditional (the
 * "original", "hans", "hant" of the Lua API, in that order). */
typedef enum bqw_lua_script {
  BQW_LUA_ORIGINAL,
  BQW_LUA_HANS,
  BQW_LUA_HANT
} bqw_lua_script;
/* The script a field's text is converted to when records are presented in `script`
 * (bqw_present_script's policy, binding/schema.c). */
bqw_lua_script bqw_lua_presented(bqw_present present, bqw_lua_script script);
/* Pushes s converted to script (a string that cannot be converted as it is). */
void bqw_lua_push_text(lua_State *L, const char *s, bqw_lua_script script);
/* Pushes record `index` (from 0) of ds as a table: each schema field of a record row
 * that applies to it, under its name, presented in script (binding/schema.c). */
void bqw_lua_push_record(lua_State *L, const bqw_dataset *ds, size_t index,
                         bqw_lua_script script);
/* A set of schema fields (core.field_set): bit i for field i; fields past the bits of
 * a number LuaJIT holds exactly (52) cannot be named in a set, only taken all at once. */
#define BQW_LUA_FIELD_BITS 52
#define BQW_LUA_ALL_FIELDS ((lua_Integer)-1)
/* bqw_lua_push_record with only the fields of the set `fields` (BQW_LUA_ALL_FIELDS:
 * every one). */
void bqw_lua_push_record_fields(lua_State *L, const bqw_dataset *ds, size_t index,
                                bqw_lua_script script, lua_Integer fields);
/* Pushes the value of the schema field named name in row `measure` (0: the record's
 * row; 1..: its measure in the measure shape) of record `index` (from 0), as a record
 * table holds it (nil when the row has none); returns false, pushing nothing, when no
 * field has that name. Any field, those no record table holds (code) included. */
bool bqw_lua_push_field(lua_State *L, const bqw_dataset *ds, size_t index, size_t measure,
                        const char *name, bqw_lua_script script);
/* Adds core.schema and core.schema_columns to the module table at index lib. */
void bqw_lua_open_schema(lua_State *L, int lib);
/* core.codebook and the dataset methods set_codebook, codings, codes (code.c). */
void bqw_lua_open_code(lua_State *L, int lib, int methods);
/* Adds core.loop and core.host_uv_loop to the module table on top of the stack. */
void bqw_lua_open_loop(lua_State *L);
/* Adds core.view_of, core.view_job and core.thread_time (binding/view.c) to the module
 * table on top of the stack. */
void bqw_lua_open_view(lua_State *L);
/* Adds core.fs (stat, realpath, fsync, tempfile, catch_signals, interrupted). */
void bqw_lua_open_fs(lua_State *L);
/* SIGINT or SIGTERM once one arrived after core.fs.catch_signals(), else 0: the host
 * ends as that signal's status (130, 143) whatever its Lua state was doing then. */
int bqw_lua_pending_signal(void);
#ifdef BQW_HAVE_XLSX
/* Adds core.xlsx (binding/xlsx.c, over libxlsxwriter) to the module table on top of
 * the stack. */
void bqw_lua_open_xlsx(lua_State *L);
#endif
#ifdef BQW_HAVE_SQLITE
/* Adds core.sqlite (binding/sqlite.c) to the module table on top of the stack. */
void bqw_lua_open_sqlite(lua_State *L);
#endif
#ifdef BQW_HAVE_ZIP
/* Adds core.zip (binding/zip.c, over libzip) to the module table on top of the stack. */
void bqw_lua_open_zip(lua_State *L);
#endif

#endif
