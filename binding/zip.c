/*
 * zip.c -- core.zip(path): a small ZIP writer over libzip for the qdpx export plugin (a
 * REFI-QDA project is a ZIP of project.qde and its sources). Built only when pkg-config
 * finds libzip.
 *
 *   local z = assert(core.zip(path))        -> a writer | nil, message, name
 *   z:add(name, data [, mtime])             -> true | nil, message, name (deflated;
 *                                              mtime: seconds since 1970, default now)
 *   z:add_file(name, path [, mtime [, start, length]])
 *                                           the file at path (or a slice of it), read
 *                                           when the writer closes
 *                                           -> true | nil, message, name
 *   z:close()                               writes the archive
 *                                           -> true | nil, message, name
 *
 * The data of each entry is copied when added: libzip reads its sources when it closes.
 */
#include "binding.h"
#include "compat.h"

#include <lauxlib.h>
#include <lua.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zip.h>

#define ZIP_MT "bqw.core.zip"

typedef struct {
  zip_t *zip;
} zip_handle;

static zip_handle *check_zip(lua_State *L) {
  zip_handle *h = luaL_checkudata(L, 1, ZIP_MT);
  if (!h->zip)
    luaL_error(L, "bqw: the zip archive is closed");
  return h;
}

static int fail(lua_State *L, const char *message) {
  lua_pushnil(L);
  lua_pushstring(L, message);
  lua_pushstring(L, "EIO");
  return 3;
}

/* core.zip(path) -> writer | nil, message, name: a new archive at path (an existing
 * file there, empty or not, is replaced when the writer closes) */
static int l_zip(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  zip_handle *h = lua_newuserdata(L, sizeof *h);
  h->zip = NULL;
  luaL_setmetatable(L, ZIP_MT);
  int err = 0;
  h->zip = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
  if (!h->zip) {
    zip_error_t ze;
    zip_error_init_with_code(&ze, err);
    lua_pushnil(L);
    lua_pushfstring(L, "%s: %s", path, zip_error_strerror(&ze));
    zip_error_fini(&ze);
    lua_pushstring(L, "EIO");
    return 3;
  }
  return 1;
}

/* Adds src as entry name with mtime (src is the archive's once added, freed if not). */
static int add_source(lua_State *L, zip_handle *h, const char *name, zip_source_t *src,
                      time_t mtime) {
  zip_int64_t at = zip_file_add(h->zip, name, src, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE);
  if (at < 0) {
    zip_source_free(src);
    return fail(L, zip_strerror(h->zip));
  }
  if (zip_file_set_mtime(h->zip, (zip_uint64_t)at, mtime, 0) < 0)
    return fail(L, zip_strerror(h->zip));
  lua_pushboolean(L, 1);
  return 1;
}

/* z:add(name, data [, mtime]) -> true | nil, message, name */
static int l_add(lua_State *L) {
  zip_handle *h = check_zip(L);
  const char *name = luaL_checkstring(L, 2);
  size_t len;
  const char *data = luaL_checklstring(L, 3, &len);
  time_t mtime = lua_isnoneornil(L, 4) ? time(NULL) : (time_t)luaL_checkinteger(L, 4);
  void *copy = malloc(len ? len : 1);
  if (!copy)
    return luaL_error(L, "bqw: out of memory");
  memcpy(copy, data, len);
  zip_source_t *src = zip_source_buffer(h->zip, copy, len, 1); /* frees copy */
  if (!src) {
    free(copy);
    return fail(L, zip_strerror(h->zip));
  }
  return add_source(L, h, name, src, mtime);
}

/* z:add_file(name, path [, mtime [, start, length]]) -> true | nil, message, name: the
 * file at path (or its length bytes from start) as entry name, read when the writer
 * closes (so it must stay until then): many entries may be slices of one file */
static int l_add_file(lua_State *L) {
  zip_handle *h = check_zip(L);
  const char *name = luaL_checkstring(L, 2);
  const char *path = luaL_checkstring(L, 3);
  time_t mtime = lua_isnoneornil(L, 4) ? time(NULL) : (time_t)luaL_checkinteger(L, 4);
  lua_Integer start = luaL_optinteger(L, 5, 0);
  lua_Integer length = luaL_optinteger(L, 6, -1);
  luaL_argcheck(L, start >= 0, 5, "expected a byte offset");
  luaL_argcheck(L, length >= -1, 6, "expected a length (-1: to the end)");
  zip_source_t *src =
      zip_source_file(h->zip, path, (zip_uint64_t)start, (zip_int64_t)length);
  if (!src)
    return fail(L, zip_strerror(h->zip));
  return add_source(L, h, name, src, mtime);
}

/* z:close() -> true | nil, message, name; the writer is closed either way */
static int l_close(lua_State *L) {
  zip_handle *h = check_zip(L);
  if (zip_close(h->zip) < 0) {
    char message[256];
    snprintf(message, sizeof message, "%s", zip_strerror(h->zip));
    zip_discard(h->zip);
    h->zip = NULL;
    return fail(L, message);
  }
  h->zip = NULL;
  lua_pushboolean(L, 1);
  return 1;
}

static int l_gc(lua_State *L) {
  zip_handle *h = luaL_checkudata(L, 1, ZIP_MT);
  if (h->zip)
    zip_discard(h->zip);
  h->zip = NULL;
  return 0;
}

static const luaL_Reg methods[] = {
    {"add", l_add}, {"add_file", l_add_file}, {"close", l_close}, {NULL, NULL}};

void bqw_lua_open_zip(lua_State *L) {
  bqw_lua_class(L, ZIP_MT, methods, l_gc);
  lua_pushcfunction(L, l_zip);
  lua_setfield(L, -2, "zip");
}
