/*
 * sqlite.c -- core.sqlite(path): a small SQLite writer for the sqlite export plugin,
 * with bqw's FTS5 tokenizer registered on the connection (sqlite/bqw_fts5.c), so the
 * plugin can create and fill FTS5 tables that use it. Built only when pkg-config finds
 * sqlite3.
 *
 *   local db = assert(core.sqlite(path))
 *   db:exec("CREATE TABLE …")            -> true | nil, message, name
 *   local ins = db:prepare("INSERT …")   -> a statement number | nil, message, name
 *   db:run(ins, v1, v2, …)               binds (nil, number, string), steps, resets
 *   db:close()                           finalizes the statements, closes
 */
#include "binding.h"
#include "compat.h"

#include "bqw_fts5.h"

#include <lauxlib.h>
#include <lua.h>
#include <sqlite3.h>
#include <string.h>

#define SQLITE_MT "bqw.core.sqlite"
#define MAX_STMTS 32

typedef struct {
  sqlite3 *db;
  sqlite3_stmt *stmts[MAX_STMTS];
  int nstmts;
} db_handle;

static db_handle *check_db(lua_State *L) {
  db_handle *h = luaL_checkudata(L, 1, SQLITE_MT);
  if (!h->db)
    luaL_error(L, "bqw: the database is closed");
  return h;
}

static int fail(lua_State *L, sqlite3 *db, int rc) {
  lua_pushnil(L);
  lua_pushstring(L, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  lua_pushstring(L, rc == SQLITE_NOMEM ? "ENOMEM" : "ESQLITE");
  return 3;
}

static void close_handle(db_handle *h) {
  for (int i = 0; i < h->nstmts; i++)
    sqlite3_finalize(h->stmts[i]);
  h->nstmts = 0;
  sqlite3_close(h->db);
  h->db = NULL;
}

/* core.sqlite(path) -> db | nil, message, name */
static int l_sqlite(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  db_handle *h = lua_newuserdata(L, sizeof *h);
  memset(h, 0, sizeof *h);
  luaL_setmetatable(L, SQLITE_MT);
  int rc =
      sqlite3_open_v2(path, &h->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
  if (rc != SQLITE_OK) {
    lua_pushnil(L);
    lua_pushfstring(L, "%s: %s", path,
                    h->db ? sqlite3_errmsg(h->db) : sqlite3_errstr(rc));
    lua_pushstring(L, "EIO");
    close_handle(h);
    return 3;
  }
  if (bqw_sqlite_register(h->db) != SQLITE_OK) {
    close_handle(h);
    lua_pushnil(L);
    lua_pushstring(L, "this SQLite has no FTS5");
    lua_pushstring(L, "ESQLITE");
    return 3;
  }
  return 1;
}

/* db:exec(sql) -> true | nil, message, name */
static int l_exec(lua_State *L) {
  db_handle *h = check_db(L);
  int rc = sqlite3_exec(h->db, luaL_checkstring(L, 2), NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    return fail(L, h->db, rc);
  lua_pushboolean(L, 1);
  return 1;
}

/* db:prepare(sql) -> a statement number | nil, message, name */
static int l_prepare(lua_State *L) {
  db_handle *h = check_db(L);
  const char *sql = luaL_checkstring(L, 2);
  luaL_argcheck(L, h->nstmts < MAX_STMTS, 2, "too many statements");
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2(h->db, sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return fail(L, h->db, rc);
  h->stmts[h->nstmts++] = stmt;
  lua_pushinteger(L, h->nstmts);
  return 1;
}

/* db:run(stmt, ...) binds the values (nil, number, string; a whole number as an
 * integer), steps to the end and resets. -> true | nil, message, name */
static int l_run(lua_State *L) {
  db_handle *h = check_db(L);
  lua_Integer n = luaL_checkinteger(L, 2);
  luaL_argcheck(L, n >= 1 && n <= h->nstmts, 2, "no such statement");
  sqlite3_stmt *stmt = h->stmts[n - 1];
  int nargs = lua_gettop(L) - 2;
  luaL_argcheck(L, nargs <= sqlite3_bind_parameter_count(stmt), 3, "too many values");
  int rc = SQLITE_OK;
  for (int i = 1; i <= nargs && rc == SQLITE_OK; i++) {
    int arg = i + 2;
    switch (lua_type(L, arg)) {
    case LUA_TNIL:
      rc = sqlite3_bind_null(stmt, i);
      break;
    case LUA_TNUMBER: {
      lua_Number v = lua_tonumber(L, arg);
      if (v == (lua_Number)(sqlite3_int64)v)
        rc = sqlite3_bind_int64(stmt, i, (sqlite3_int64)v);
      else
        rc = sqlite3_bind_double(stmt, i, v);
      break;
    }
    case LUA_TSTRING: {
      size_t len;
      const char *s = lua_tolstring(L, arg, &len);
      rc = sqlite3_bind_text64(stmt, i, s, len, SQLITE_TRANSIENT, SQLITE_UTF8);
      break;
    }
    default:
      sqlite3_clear_bindings(stmt);
      return luaL_argerror(L, arg, "expected nil, a number or a string");
    }
  }
  if (rc == SQLITE_OK) {
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    }
    if (rc == SQLITE_DONE)
      rc = SQLITE_OK;
  }
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  if (rc != SQLITE_OK)
    return fail(L, h->db, rc);
  lua_pushboolean(L, 1);
  return 1;
}

static int l_close(lua_State *L) {
  db_handle *h = check_db(L);
  close_handle(h);
  lua_pushboolean(L, 1);
  return 1;
}

static int l_gc(lua_State *L) {
  db_handle *h = luaL_checkudata(L, 1, SQLITE_MT);
  if (h->db)
    close_handle(h);
  return 0;
}

static const luaL_Reg methods[] = {{"exec", l_exec},
                                   {"prepare", l_prepare},
                                   {"run", l_run},
                                   {"close", l_close},
                                   {NULL, NULL}};

void bqw_lua_open_sqlite(lua_State *L) {
  bqw_lua_class(L, SQLITE_MT, methods, l_gc);
  lua_pushcfunction(L, l_sqlite);
  lua_setfield(L, -2, "sqlite");
}
