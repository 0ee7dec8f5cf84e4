/*
 * compat.h -- the few Lua C API differences between Lua 5.4 and LuaJIT 2.1 (the Lua
 * 5.1 API) that binding/core.c meets, so one source builds against either.
 */
#ifndef BQW_COMPAT_H
#define BQW_COMPAT_H

#include <lauxlib.h>
#include <lua.h>

#if LUA_VERSION_NUM < 502
#ifndef luaL_newlib
#define luaL_newlib(L, l)                                                                \
  (lua_createtable(L, 0, sizeof(l) / sizeof((l)[0]) - 1), luaL_setfuncs(L, l, 0))
#endif
#define lua_rawlen lua_objlen
#endif

#endif /* BQW_COMPAT_H */
