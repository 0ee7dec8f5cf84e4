/*
 * filter.c -- the query engine of libbqw (bqw_query_*, bqw_facet_count) for Lua: a
 * `--where` expression compiled once into a filter, which the binding's walks (next
 * match, facets, orders, the rows of exports) test per record. No semantics live here:
 * words the engine does not know (user filter plugins) go back to Lua through the
 * resolve and eval functions given at compile time.
 *
 *   ds:query_compile(expr [, opts]) -> filter | nil, { message, column, pos }
 *     opts: { shape = "record" | "measure", overridden = { word, … },
 *             resolve = function(word, op, value) -> handle | nil, message [, "value"],
 *             eval = function(handle, id, measure) -> boolean }
 *       (resolve is called for a word the engine does not know, or one overridden;
 *       op and value nil when the expression has none after the word; "value" puts the
 *       caret under the value; eval answers a resolved leaf on a record, by id)
 *   filter:match(id [, measure]) -> boolean: row `measure` of the record (0: its own)
 *   ds:next_match(filter, from) -> the first id >= from whose record matches | nil
 *     (in the measure shape: one of its measure rows, bqw_query_match_record)
 *   ds:facet(field [, filter [, last [, by]]]) -> values, counts, measures, firsts
 *       [, by_values, cells]
 *     field, by: a facet word (region, city, category, doctype, issuer, year, level,
 *     kind, mentions, section, section_title, action); the records 1..last (default
 *     all) the filter selects (default all), each counted once under each value it
 *     has (values grouped as = compares them, the first spelling kept); parallel
 *     arrays by count, then collation; firsts: the id of the first record counted
 *     under each value; with by, by_values (in the same order) and cells[i][j], the
 *     records counted under value i and by value j.
 */
#include "binding.h"
#include "bqw.h"
#include "compat.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FILTER_MT "bqw.core.filter"

typedef struct filter {
  bqw_query *q;
  bqw_dataset *ds;
  lua_State *L;    /* the state of the call that evaluates (set at each entry) */
  int resolve_ref; /* registry refs of the Lua functions, LUA_NOREF */
  int eval_ref;
  int error_ref;   /* the error an eval raised, LUA_NOREF */
  int dataset_ref; /* the dataset's handle, kept alive as long as the filter */
  bool measure_shape;
} filter;

static int filter_gc(lua_State *L) {
  filter *f = luaL_checkudata(L, 1, FILTER_MT);
  bqw_query_free(f->q);
  f->q = NULL;
  luaL_unref(L, LUA_REGISTRYINDEX, f->resolve_ref);
  luaL_unref(L, LUA_REGISTRYINDEX, f->eval_ref);
  luaL_unref(L, LUA_REGISTRYINDEX, f->error_ref);
  luaL_unref(L, LUA_REGISTRYINDEX, f->dataset_ref);
  f->resolve_ref = f->eval_ref = f->error_ref = f->dataset_ref = LUA_NOREF;
  return 0;
}

/* The engine's resolver: asks Lua's resolve(word, op, value). */
static int resolve_cb(void *data, const bqw_query_leaf *leaf, bqw_query_error *err) {
  filter *f = data;
  lua_State *L = f->L;
  if (f->resolve_ref == LUA_NOREF)
    return -1;
  lua_rawgeti(L, LUA_REGISTRYINDEX, f->resolve_ref);
  lua_pushstring(L, leaf->word);
  if (leaf->op) {
    lua_pushstring(L, leaf->op);
    lua_pushstring(L, leaf->value);
  } else {
    lua_pushnil(L);
    lua_pushnil(L);
  }
  if (lua_pcall(L, 3, 3, 0) != 0) {
    const char *m = lua_tostring(L, -1);
    snprintf(err->message, sizeof err->message, "%s", m ? m : "the filter failed");
    lua_pop(L, 1);
    return -1;
  }
  int handle = -1;
  if (lua_type(L, -3) == LUA_TNUMBER) {
    handle = (int)lua_tonumber(L, -3);
  } else if (lua_type(L, -2) == LUA_TSTRING) {
    snprintf(err->message, sizeof err->message, "%s", lua_tostring(L, -2));
    const char *where = lua_tostring(L, -1);
    if (where && !strcmp(where, "value"))
      err->pos = leaf->value_pos;
  }
  lua_pop(L, 3);
  return handle;
}

/* The engine's evaluator of resolved leaves: Lua's eval(handle, id, measure). An error
 * is kept (error_ref) and stops the evaluation. */
static int eval_cb(void *data, int handle, size_t record, size_t measure) {
  filter *f = data;
  lua_State *L = f->L;
  lua_rawgeti(L, LUA_REGISTRYINDEX, f->eval_ref);
  lua_pushinteger(L, handle);
  lua_pushinteger(L, (lua_Integer)record + 1);
  lua_pushinteger(L, (lua_Integer)measure);
  if (lua_pcall(L, 3, 1, 0) != 0) {
    luaL_unref(L, LUA_REGISTRYINDEX, f->error_ref);
    f->error_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return BQW_ECANCELED;
  }
  int hit = lua_toboolean(L, -1);
  lua_pop(L, 1);
  return hit;
}

/* Raises what stopped an evaluation (rc < 0). */
static int raise(lua_State *L, filter *f, int rc) {
  if (rc == BQW_ECANCELED && f && f->error_ref != LUA_NOREF) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, f->error_ref);
    luaL_unref(L, LUA_REGISTRYINDEX, f->error_ref);
    f->error_ref = LUA_NOREF;
    return lua_error(L);
  }
  return luaL_error(L, "bqw: %s", bqw_strerror(rc));
}

static filter *check_filter(lua_State *L, int idx) {
  filter *f = luaL_checkudata(L, idx, FILTER_MT);
  if (!f->q)
    luaL_error(L, "bqw: the filter was freed");
  /* the dataset it was compiled for must still be open (ds:close frees it) */
  lua_rawgeti(L, LUA_REGISTRYINDEX, f->dataset_ref);
  if (bqw_lua_check_dataset(L, -1) != f->ds)
    luaL_error(L, "bqw: the filter belongs to another dataset");
  lua_settop(L, lua_gettop(L) - 1);
  f->L = L;
  return f;
}

static int opt_ref(lua_State *L, int t, const char *key) {
  lua_getfield(L, t, key);
  if (lua_type(L, -1) != LUA_TFUNCTION) {
    lua_pop(L, 1);
    return LUA_NOREF;
  }
  return luaL_ref(L, LUA_REGISTRYINDEX);
}

/* ds:query_compile(expr [, opts]) -> filter | nil, { message, column, pos } */
static int l_query_compile(lua_State *L) {
  bqw_dataset *ds = bqw_lua_check_dataset(L, 1);
  size_t len;
  const char *expr = luaL_checklstring(L, 2, &len);
  bool has_opts = lua_type(L, 3) == LUA_TTABLE;
  filter *f = lua_newuserdata(L, sizeof *f);
  memset(f, 0, sizeof *f);
  f->resolve_ref = f->eval_ref = f->error_ref = f->dataset_ref = LUA_NOREF;
  luaL_setmetatable(L, FILTER_MT);
  int ud = lua_gettop(L);
  f->ds = ds;
  f->L = L;
  lua_pushvalue(L, 1);
  f->dataset_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  bqw_query_options o = {.resolve = resolve_cb, .eval = eval_cb, .data = f};
  if (has_opts) {
    f->resolve_ref = opt_ref(L, 3, "resolve");
    f->eval_ref = opt_ref(L, 3, "eval");
    lua_getfield(L, 3, "shape");
    const char *shape = lua_tostring(L, -1);
    f->measure_shape = shape && !strcmp(shape, "measure");
    lua_pop(L, 1);
  }
  o.measure_shape = f->measure_shape;
  /* the overridden words, NUL separated (freed once parsed: no Lua error between) */
  char *over = NULL;
  size_t over_len = 0;
  if (has_opts) {
    lua_getfield(L, 3, "overridden");
    for (int i = 1; lua_type(L, -1) == LUA_TTABLE; i++) {
      lua_rawgeti(L, -1, i);
      size_t wl;
      const char *w = lua_tolstring(L, -1, &wl);
      char *grown = w ? realloc(over, over_len + wl + 2) : NULL;
      if (grown) {
        over = grown;
        memcpy(over + over_len, w, wl + 1);
        over_len += wl + 1;
      }
      lua_settop(L, lua_gettop(L) - 1);
      if (!grown)
        break;
    }
    lua_settop(L, lua_gettop(L) - 1);
  }
  char none[2] = {0, 0};
  if (over)
    over[over_len] = '\0';
  o.overridden = over ? over : none;
  if (f->eval_ref == LUA_NOREF) {
    o.resolve = NULL;
    o.eval = NULL;
  }
  bqw_query_error err;
  int rc = bqw_query_parse(ds, expr, len, &o, &f->q, &err);
  free(over);
  if (rc == BQW_ENOMEM)
    return luaL_error(L, "bqw: out of memory");
  if (rc) {
    lua_pushnil(L);
    lua_createtable(L, 0, 3);
    lua_pushstring(L, err.message);
    lua_setfield(L, -2, "message");
    lua_pushinteger(L, err.col);
    lua_setfield(L, -2, "column");
    lua_pushinteger(L, (lua_Integer)err.pos + 1);
    lua_setfield(L, -2, "pos");
    return 2;
  }
  lua_pushvalue(L, ud);
  return 1;
}

/* filter:match(id [, measure]) -> boolean */
static int l_filter_match(lua_State *L) {
  filter *f = check_filter(L, 1);
  lua_Integer id = luaL_checkinteger(L, 2);
  lua_Integer m = luaL_optinteger(L, 3, 0);
  if (id < 1 || (size_t)id > bqw_record_count(f->ds) || m < 0)
    return luaL_error(L, "bqw: filter:match: no row %d/%d", (int)id, (int)m);
  int rc = bqw_query_match(f->q, (size_t)id - 1, (size_t)m);
  if (rc < 0 && rc != BQW_ERANGE)
    return raise(L, f, rc);
  lua_pushboolean(L, rc == 1);
  return 1;
}

const void *bqw_lua_check_filter(lua_State *L, int idx) { return check_filter(L, idx); }

bool bqw_lua_filter_match(const void *fp, const bqw_record *r, size_t id) {
  (void)r;
  filter *f = (filter *)fp;
  int rc = bqw_query_match_record(f->q, id - 1);
  if (rc < 0)
    raise(f->L, f, rc);
  return rc == 1;
}

bool bqw_lua_filter_row_match(const void *fp, size_t id, size_t m) {
  filter *f = (filter *)fp;
  int rc = bqw_query_match(f->q, id - 1, m);
  if (rc < 0)
    raise(f->L, f, rc);
  return rc == 1;
}

bool bqw_lua_filter_measure_shape(const void *fp) {
  return fp && ((const filter *)fp)->measure_shape;
}

/* The engine's query of the filter at idx (NULL for nil: every record). */
bqw_query *bqw_lua_filter_query(lua_State *L, int idx) {
  return lua_type(L, idx) <= LUA_TNIL ? NULL : check_filter(L, idx)->q;
}

/* Raises an engine error: rc from a walk with the filter at idx. */
int bqw_lua_filter_raise(lua_State *L, int idx, int rc) {
  filter *f = lua_type(L, idx) <= LUA_TNIL ? NULL : luaL_checkudata(L, idx, FILTER_MT);
  return raise(L, f, rc);
}

/* ds:next_match(filter, from) -> id | nil */
static int l_next_match(lua_State *L) {
  bqw_dataset *ds = bqw_lua_check_dataset(L, 1);
  filter *f = check_filter(L, 2);
  lua_Integer from = luaL_checkinteger(L, 3);
  size_t n = bqw_record_count(ds);
  for (size_t i = from < 1 ? 0 : (size_t)from - 1; i < n; i++) {
    int rc = bqw_query_match_record(f->q, i);
    if (rc < 0)
      return raise(L, f, rc);
    if (rc) {
      lua_pushinteger(L, (lua_Integer)i + 1);
      return 1;
    }
  }
  lua_pushnil(L);
  return 1;
}

/* The facet field of a word: a facetable filter word or record key. */
static bqw_field_id facet_field(lua_State *L, int idx) {
  size_t len;
  const char *w = luaL_checklstring(L, idx, &len);
  const bqw_field_info *fi = bqw_schema_find(w, len);
  if (!fi || !(fi->flags & BQW_FLAG_FACET))
    luaL_argerror(L, idx, "not a facet field");
  return fi->id;
}

static void push_values(lua_State *L, const char *const *values, size_t n,
                        bool integers) {
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    if (integers)
      lua_pushinteger(L, (lua_Integer)strtoll(values[i], NULL, 10));
    else
      lua_pushstring(L, values[i]);
    lua_rawseti(L, -2, (int)i + 1);
  }
}

static void push_counts(lua_State *L, const size_t *counts, size_t n, size_t add) {
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    lua_pushinteger(L, (lua_Integer)(counts[i] + add));
    lua_rawseti(L, -2, (int)i + 1);
  }
}

static bool integer_field(bqw_field_id f) {
  bqw_type t = bqw_schema_field(f)->type;
  return t == BQW_TYPE_INTEGER || t == BQW_TYPE_INTEGERS;
}

/* ds:facet(field [, filter [, last [, by]]]) -> values, counts, measures, firsts
 * [, by_values, cells] */
static int l_facet(lua_State *L) {
  bqw_dataset *ds = bqw_lua_check_dataset(L, 1);
  bqw_field_id field = facet_field(L, 2);
  bqw_query *q = bqw_lua_filter_query(L, 3);
  lua_Integer last = luaL_optinteger(L, 4, 0);
  bqw_field_id by = lua_type(L, 5) > LUA_TNIL ? facet_field(L, 5) : BQW_F_COUNT;
  bqw_facet *f = NULL;
  int rc = bqw_facet_count(ds, q, last < 0 ? 0 : (size_t)last, field, by, &f);
  if (rc < 0)
    return bqw_lua_filter_raise(L, 3, rc);
  /* the result is copied to Lua tables, none of which can fail midway but for memory:
   * on that error the facet leaks once, as any allocation failure in a Lua call does */
  push_values(L, f->values, f->count, integer_field(field));
  push_counts(L, f->records, f->count, 0);
  push_counts(L, f->measures, f->count, 0);
  push_counts(L, f->firsts, f->count, 1);
  int results = 4;
  if (by != BQW_F_COUNT) {
    push_values(L, f->by_values, f->by_count, integer_field(by));
    lua_createtable(L, (int)f->count, 0);
    for (size_t i = 0; i < f->count; i++) {
      push_counts(L, f->cells + i * f->by_count, f->by_count, 0);
      lua_rawseti(L, -2, (int)i + 1);
    }
    results = 6;
  }
  bqw_facet_free(f);
  return results;
}

void bqw_lua_open_filter(lua_State *L, int lib, int methods) {
  static const luaL_Reg filter_methods[] = {{"match", l_filter_match}, {NULL, NULL}};
  bqw_lua_class(L, FILTER_MT, filter_methods, filter_gc);
  (void)lib;
  lua_pushcfunction(L, l_query_compile);
  lua_setfield(L, methods, "query_compile");
  lua_pushcfunction(L, l_next_match);
  lua_setfield(L, methods, "next_match");
  lua_pushcfunction(L, l_facet);
  lua_setfield(L, methods, "facet");
  bqw_lua_open_rows(L, lib, methods);
}
