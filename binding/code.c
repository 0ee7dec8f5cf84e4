/*
 * code.c -- the Lua side of policy-text coding (core/code.c): a codebook set built
 * from TSV texts, given to a dataset, and the dataset's codings as tables. Thin: the
 * format, the matching and the codes of a row are the core's.
 */
#include "binding.h"
#include "compat.h"

#include <string.h>

#define CODEBOOK_MT "bqw.codebook"

typedef struct cb_handle {
  bqw_codebook *cb;
} cb_handle;

static bqw_codebook *check_codebook(lua_State *L, int idx) {
  cb_handle *h = luaL_checkudata(L, idx, CODEBOOK_MT);
  return h->cb;
}

static int l_codebook_gc(lua_State *L) {
  cb_handle *h = luaL_checkudata(L, 1, CODEBOOK_MT);
  bqw_codebook_free(h->cb);
  h->cb = NULL;
  return 0;
}

/* core.codebook() -> an empty codebook set */
static int l_codebook(lua_State *L) {
  cb_handle *h = lua_newuserdata(L, sizeof *h);
  h->cb = NULL;
  luaL_setmetatable(L, CODEBOOK_MT);
  if (bqw_codebook_new(&h->cb) < 0)
    return luaL_error(L, "bqw: out of memory");
  return 1;
}

/* cb:add(name, text) -> true | nil, "NAME:LINE:COL: error: …", line, col */
static int l_codebook_add(lua_State *L) {
  bqw_codebook *cb = check_codebook(L, 1);
  const char *name = luaL_checkstring(L, 2);
  size_t len;
  const char *text = luaL_checklstring(L, 3, &len);
  bqw_codebook_error err;
  int rc = bqw_codebook_add(cb, name, text, len, &err);
  if (rc == 0) {
    lua_pushboolean(L, 1);
    return 1;
  }
  if (rc == BQW_ENOMEM)
    return luaL_error(L, "bqw: out of memory");
  char buf[1024];
  bqw_codebook_error_format(name, &err, buf, sizeof buf);
  lua_pushnil(L);
  lua_pushstring(L, buf);
  lua_pushinteger(L, err.line);
  lua_pushinteger(L, err.col);
  return 4;
}

static void push_strings_list(lua_State *L, const char *const *s, size_t n) {
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    lua_pushstring(L, s[i]);
    lua_rawseti(L, -2, (int)i + 1);
  }
}

static void push_strings(lua_State *L, const char *key, const char *const *s, size_t n) {
  push_strings_list(L, s, n);
  lua_setfield(L, -2, key);
}

static void push_code(lua_State *L, const bqw_codebook *cb, size_t i) {
  const bqw_code_info *c = bqw_codebook_code(cb, i);
  lua_createtable(L, 0, 10);
  lua_pushstring(L, c->code);
  lua_setfield(L, -2, "code");
  lua_pushstring(L, c->label);
  lua_setfield(L, -2, "label");
  lua_pushstring(L, c->description);
  lua_setfield(L, -2, "description");
  lua_pushstring(L, c->file);
  lua_setfield(L, -2, "file");
  lua_pushinteger(L, c->line);
  lua_setfield(L, -2, "line");
  lua_pushinteger(L, (lua_Integer)c->depth);
  lua_setfield(L, -2, "depth");
  if (c->parent >= 0) {
    lua_pushstring(L, bqw_codebook_code(cb, (size_t)c->parent)->code);
    lua_setfield(L, -2, "parent");
  }
  push_strings(L, "patterns", c->patterns, c->pattern_count);
  push_strings(L, "exclude", c->excludes, c->exclude_count);
}

/* cb:codes() -> { { code, label, description, file, line, depth, parent?, patterns,
 * exclude }, … } in the order added */
/* Every code of cb, as push_code gives each, in one list (one result). */
static int push_codes(lua_State *L, const bqw_codebook *cb) {
  size_t n = bqw_codebook_count(cb);
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    push_code(L, cb, i);
    lua_rawseti(L, -2, (int)i + 1);
  }
  return 1;
}

static int l_codebook_codes(lua_State *L) {
  bqw_codebook *cb = check_codebook(L, 1);
  return push_codes(L, cb);
}

/* ds:set_codebook(cb | nil) */
static int l_set_codebook(lua_State *L) {
  bqw_dataset *ds = bqw_lua_check_dataset(L, 1);
  bqw_codebook *cb = lua_isnoneornil(L, 2) ? NULL : check_codebook(L, 2);
  if (bqw_dataset_set_codebook(ds, cb) < 0)
    return luaL_error(L, "bqw: out of memory");
  return 0;
}

/* ds:codings([id]) -> { { id, measure (0: the text), code, line, start, stop,
 * char_start, char_stop, text }, … } with 1-based ids and offsets counted from 0
 * ([start, stop)): every coding, or record id's only (the codings are in record order:
 * an export asks record by record and holds no more) */
static int l_codings(lua_State *L) {
  bqw_dataset *ds = bqw_lua_check_dataset(L, 1);
  const bqw_coding *c;
  const bqw_codebook
      *cb; /* the codebook of these codings, whatever another thread sets */
  size_t n;
  lua_Integer id = luaL_optinteger(L, 2, 0);
  int rc = id > 0 ? bqw_dataset_record_codings(ds, (size_t)(id - 1), &cb, &c, &n)
                  : bqw_dataset_codings_of(ds, &cb, &c, &n);
  if (rc < 0)
    return luaL_error(L, "bqw: out of memory");
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    const char *text = bqw_coding_text(ds, &c[i]);
    lua_createtable(L, 0, 9);
    lua_pushinteger(L, (lua_Integer)c[i].record + 1);
    lua_setfield(L, -2, "id");
    lua_pushinteger(L, (lua_Integer)c[i].measure);
    lua_setfield(L, -2, "measure");
    lua_pushstring(L, bqw_codebook_code(cb, c[i].code)->code);
    lua_setfield(L, -2, "code");
    lua_pushinteger(L, (lua_Integer)c[i].line);
    lua_setfield(L, -2, "line");
    lua_pushinteger(L, (lua_Integer)c[i].start);
    lua_setfield(L, -2, "start");
    lua_pushinteger(L, (lua_Integer)c[i].end);
    lua_setfield(L, -2, "stop");
    lua_pushinteger(L, (lua_Integer)c[i].char_start);
    lua_setfield(L, -2, "char_start");
    lua_pushinteger(L, (lua_Integer)c[i].char_end);
    lua_setfield(L, -2, "char_stop");
    lua_pushlstring(L, text + c[i].start, c[i].end - c[i].start);
    lua_setfield(L, -2, "text");
    lua_rawseti(L, -2, (int)i + 1);
  }
  return 1;
}

/* ds:codings_ready() -> whether the codings are computed (or there is no codebook):
 * what ds:codings would not have to compute now */
static int l_codings_ready(lua_State *L) {
  lua_pushboolean(L, bqw_dataset_codings_ready(bqw_lua_check_dataset(L, 1)));
  return 1;
}

/* ds:unit_codes(id, measure) -> the codes of a measure (from 1) or, with measure 0, of
 * the record's text alone, ancestors included, in codebook order ({} without any) */
static int l_unit_codes(lua_State *L) {
  bqw_dataset *ds = bqw_lua_check_dataset(L, 1);
  lua_Integer id = luaL_checkinteger(L, 2), m = luaL_checkinteger(L, 3);
  const char *const *names = NULL;
  size_t n = 0;
  int rc = id >= 1 && m >= 0
               ? bqw_dataset_unit_codes(ds, (size_t)(id - 1), (size_t)m, &names, &n)
               : BQW_ERANGE;
  if (rc == BQW_ENOMEM)
    return luaL_error(L, "bqw: out of memory");
  if (rc < 0)
    return luaL_error(L, "bqw: no record %d with a measure %d", (int)id, (int)m);
  push_strings_list(L, names, n);
  return 1;
}

/* ds:codebook() -> the codes of the dataset's codebook ({} without one) */
static int l_dataset_codes(lua_State *L) {
  bqw_dataset *ds = bqw_lua_check_dataset(L, 1);
  const bqw_codebook *cb = bqw_dataset_codebook(ds);
  return push_codes(L, cb);
}

/* ds:value(id, measure, name) -> the value of field `name` in row `measure` (0: the
 * record's row) of record id (from 1), as a record table holds it, or nil; any schema
 * field, those no record table holds included: an export's code column (nil for a
 * measure the record does not have). An error for a name that is no field. */
static int l_value(lua_State *L) {
  bqw_dataset *ds = bqw_lua_check_dataset(L, 1);
  lua_Integer id = luaL_checkinteger(L, 2);
  lua_Integer measure = luaL_checkinteger(L, 3);
  const char *name = luaL_checkstring(L, 4);
  luaL_argcheck(L, id >= 1 && (size_t)id <= bqw_record_count(ds), 2, "no such record");
  luaL_argcheck(L, measure >= 0, 3, "expected a measure index (0: the record)");
  if (!bqw_lua_push_field(L, ds, (size_t)id - 1, (size_t)measure, name, BQW_LUA_ORIGINAL))
    return luaL_argerror(L, 4, "no such field");
  return 1;
}

static const luaL_Reg codebook_methods[] = {
    {"add", l_codebook_add}, {"codes", l_codebook_codes}, {NULL, NULL}};

void bqw_lua_open_code(lua_State *L, int lib, int methods) {
  bqw_lua_class(L, CODEBOOK_MT, codebook_methods, l_codebook_gc);
  lua_pushcfunction(L, l_codebook);
  lua_setfield(L, lib, "codebook");
  lua_pushcfunction(L, l_set_codebook);
  lua_setfield(L, methods, "set_codebook");
  lua_pushcfunction(L, l_codings);
  lua_setfield(L, methods, "codings");
  lua_pushcfunction(L, l_dataset_codes);
  lua_setfield(L, methods, "codes");
  lua_pushcfunction(L, l_codings_ready);
  lua_setfield(L, methods, "codings_ready");
  lua_pushcfunction(L, l_unit_codes);
  lua_setfield(L, methods, "unit_codes");
  lua_pushcfunction(L, l_value);
  lua_setfield(L, methods, "value");
}
