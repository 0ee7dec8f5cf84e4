/*
 * schema.c -- the field schema (core/bqw_schema.h) for Lua, and the record tables built
 * from it: every key of a record table is a schema field, read with bqw_record_value and
 * presented in a script as the field's schema entry says. No field is named here.
 *
 *   core.schema() -> { { name, filter, type, kinds = { … }, fold, closed, facet, sort,
 *                        record, measure, measures, present, also, description }, … }
 *       every field in the schema's order (the JSON record's key order); filter is the
 *       filter word (nil: not a filter), type "text", "integer", "date", "texts" or
 *       "integers", kinds the kind names it applies to, present "as_is", "text" or
 *       "name", also the name of the field a filter also tests (or nil); the flags are
 *       booleans (bqw.h, BQW_FLAG_*)
 *   core.schema_columns() -> { flat_record = { names … }, flat_measure = …, … }
 *       the column sets (bqw_schema_columns), by name
 *   core.field_set({ name, … }) -> an integer naming these fields of a record row, for
 *       ds:record(id, script, set): a record table of those fields only (a view that
 *       shows a few fields builds no more; code, which record tables lack, for a sort);
 *       an error for a name that is no such field
 */
#include "binding.h"
#include "bqw.h"
#include "compat.h"

#include <string.h>

bqw_lua_script bqw_lua_presented(bqw_present present, bqw_lua_script script) {
  return (bqw_lua_script)(bqw_present_script(present, (int)script - 1) + 1);
}

void bqw_lua_push_text(lua_State *L, const char *s, bqw_lua_script script) {
  size_t len = strlen(s), out_len;
  char *out;
  if (script == BQW_LUA_ORIGINAL ||
      bqw_convert(s, len, script == BQW_LUA_HANS ? BQW_SCRIPT_HANS : BQW_SCRIPT_HANT,
                  &out, &out_len) != 0) {
    lua_pushlstring(L, s, len);
    return;
  }
  lua_pushlstring(L, out, out_len);
  bqw_free(out);
}

/* The bit of schema field i in a field set (core.field_set). */
static lua_Integer field_bit(size_t i) {
  return i < BQW_LUA_FIELD_BITS ? (lua_Integer)((unsigned long long)1 << i) : 0;
}

/* Pushes a value as a record table holds it: a string, an integer or an array. */
static void push_value(lua_State *L, const bqw_value *v, bqw_lua_script script) {
  bqw_lua_script to = bqw_lua_presented(v->present, script);
  switch (v->type) {
  case BQW_TYPE_TEXT:
  case BQW_TYPE_DATE:
    bqw_lua_push_text(L, v->text, to);
    break;
  case BQW_TYPE_INTEGER:
    lua_pushinteger(L, (lua_Integer)v->integer);
    break;
  case BQW_TYPE_TEXTS:
  case BQW_TYPE_INTEGERS:
    lua_createtable(L, (int)v->count, 0);
    for (size_t i = 0; i < v->count; i++) {
      if (v->type == BQW_TYPE_TEXTS)
        bqw_lua_push_text(L, bqw_value_text_at(v, i), to);
      else
        lua_pushinteger(L, (lua_Integer)bqw_value_int_at(v, i));
      lua_rawseti(L, -2, (int)i + 1);
    }
    break;
  case BQW_TYPE_NONE:
    lua_pushnil(L);
    break;
  }
}

void bqw_lua_push_record(lua_State *L, const bqw_dataset *ds, size_t index,
                         bqw_lua_script script) {
  bqw_lua_push_record_fields(L, ds, index, script, BQW_LUA_ALL_FIELDS);
}

void bqw_lua_push_record_fields(lua_State *L, const bqw_dataset *ds, size_t index,
                                bqw_lua_script script, lua_Integer fields) {
  size_t n = bqw_schema_count();
  lua_createtable(L, 0, fields == BQW_LUA_ALL_FIELDS ? 24 : 8);
  for (size_t i = 0; i < n; i++) {
    const bqw_field_info *fi = bqw_schema_field(i);
    bqw_value v;
    /* every record field, or those of the set (which may name a field a record row has
     * without a record table's carrying it: code, for a sort) */
    if ((fields == BQW_LUA_ALL_FIELDS ? !(fi->flags & BQW_FLAG_RECORD)
                                      : !(fields & field_bit(i))) ||
        bqw_record_value(ds, index, 0, fi->id, &v) != 0 || v.type == BQW_TYPE_NONE)
      continue;
    push_value(L, &v, script);
    lua_setfield(L, -2, fi->name);
  }
}

bool bqw_lua_push_field(lua_State *L, const bqw_dataset *ds, size_t index, size_t measure,
                        const char *name, bqw_lua_script script) {
  size_t n = bqw_schema_count();
  for (size_t i = 0; i < n; i++) {
    const bqw_field_info *fi = bqw_schema_field(i);
    if (strcmp(fi->name, name) != 0)
      continue;
    bqw_value v;
    if (bqw_record_value(ds, index, measure, fi->id, &v) != 0)
      v.type = BQW_TYPE_NONE;
    push_value(L, &v, script);
    return true;
  }
  return false;
}

static const char *type_name(bqw_type type) {
  static const char *const names[] = {"none", "text",  "integer",
                                      "date", "texts", "integers"};
  return (unsigned)type < sizeof names / sizeof names[0] ? names[type] : "none";
}

static void set_flag(lua_State *L, const bqw_field_info *fi, unsigned flag,
                     const char *key) {
  lua_pushboolean(L, (fi->flags & flag) != 0);
  lua_setfield(L, -2, key);
}

static void set_str(lua_State *L, const char *key, const char *value) {
  if (value) {
    lua_pushstring(L, value);
    lua_setfield(L, -2, key);
  }
}

/* core.schema() -> the fields, in order */
static int l_schema(lua_State *L) {
  static const char *const presents[] = {"as_is", "text", "name"};
  size_t n = bqw_schema_count();
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    const bqw_field_info *fi = bqw_schema_field(i);
    lua_createtable(L, 0, 16);
    set_str(L, "name", fi->name);
    set_str(L, "filter", fi->filter);
    set_str(L, "type", type_name(fi->type));
    lua_createtable(L, 6, 0);
    int kinds = 0;
    for (unsigned k = 0; BQW_KIND_BIT(k) <= BQW_KINDS_ALL; k++)
      if (fi->kinds & BQW_KIND_BIT(k)) {
        lua_pushstring(L, bqw_kind_name((bqw_kind)k));
        lua_rawseti(L, -2, ++kinds);
      }
    lua_setfield(L, -2, "kinds");
    set_flag(L, fi, BQW_FLAG_FOLD, "fold");
    set_flag(L, fi, BQW_FLAG_CLOSED, "closed");
    set_flag(L, fi, BQW_FLAG_FACET, "facet");
    set_flag(L, fi, BQW_FLAG_SORT, "sort");
    set_flag(L, fi, BQW_FLAG_RECORD, "record");
    set_flag(L, fi, BQW_FLAG_MEASURE, "measure");
    set_flag(L, fi, BQW_FLAG_MEASURES, "measures");
    set_str(L, "present", (unsigned)fi->present < 3 ? presents[fi->present] : "as_is");
    const bqw_field_info *also =
        fi->also >= 0 ? bqw_schema_field((size_t)fi->also) : NULL;
    set_str(L, "also", also ? also->name : NULL);
    set_str(L, "description", fi->description);
    lua_rawseti(L, -2, (int)i + 1);
  }
  return 1;
}

/* core.schema_columns() -> { set name = { field names … }, … } */
static int l_schema_columns(lua_State *L) {
  lua_createtable(L, 0, BQW_COLUMNS_COUNT);
  for (int set = 0; set < BQW_COLUMNS_COUNT; set++) {
    size_t count;
    const bqw_field_id *ids = bqw_schema_columns((bqw_column_set)set, &count);
    lua_createtable(L, (int)count, 0);
    for (size_t i = 0; i < count; i++) {
      lua_pushstring(L, bqw_schema_field(ids[i])->name);
      lua_rawseti(L, -2, (int)i + 1);
    }
    lua_setfield(L, -2, bqw_column_set_name((bqw_column_set)set));
  }
  return 1;
}

/* core.field_set({ name, … }) -> the set of these fields of a record row (ds:record) */
static int l_field_set(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_Integer set = 0;
  for (int k = 1;; k++) {
    lua_rawgeti(L, 1, k);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      break;
    }
    size_t len;
    const char *name = luaL_checklstring(L, -1, &len);
    size_t i = 0, n = bqw_schema_count();
    while (i < n && !(strlen(bqw_schema_field(i)->name) == len &&
                      memcmp(bqw_schema_field(i)->name, name, len) == 0))
      i++;
    if (i >= n || (bqw_schema_field(i)->flags & BQW_FLAG_MEASURE) ||
        i >= BQW_LUA_FIELD_BITS)
      return luaL_error(L, "bqw: field_set: no record field %s", name);
    set |= field_bit(i);
    lua_pop(L, 1);
  }
  lua_pushinteger(L, set);
  return 1;
}

void bqw_lua_open_schema(lua_State *L, int lib) {
  lua_pushcfunction(L, l_field_set);
  lua_setfield(L, lib, "field_set");
  lua_pushcfunction(L, l_schema);
  lua_setfield(L, lib, "schema");
  lua_pushcfunction(L, l_schema_columns);
  lua_setfield(L, lib, "schema_columns");
}
