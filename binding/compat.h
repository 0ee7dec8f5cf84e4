/*
 * compat.h -- the few Lua C API differences between Lua 5.4 and LuaJIT 2.1 (the Lua
 * 5.1 API) that binding/core.c meets, so one source builds against either.
 */
#ifndef BQW_COMPAT_H
#define BQW_COMPAT_H

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#if LUA_VERSION_NUM < 502
#ifndef luaL_newlib
#define luaL_newlib(L, l)                                                                \
  (lua_createtable(L, 0, sizeof(l) / sizeof((l)[0]) - 1), luaL_setfuncs(L, l, 0))
#endif
#define lua_rawlen lua_objlen
#endif

/*
 * The ABI guard. Lua 5.4 and LuaJIT both dlopen a C module with RTLD_NOW, so a module
 * built for the other ABI would fail inside dlopen ("undefined symbol:
 * lua_newuserdatauv") before luaopen_bqw_core could say anything. In the module build
 * (BQW_LUA_MODULE) every Lua C API function the binding calls is therefore a weak
 * reference: dlopen succeeds, the missing ones are NULL, and luaopen_bqw_core checks
 * them all before it calls any other (abi_mismatch in binding/core.c). tests/abi_guard.sh
 * fails when a function the binding calls is missing from these lists.
 */
#define BQW_LUA_FUNCTIONS_COMMON(X)                                                      \
  X(luaL_argerror)                                                                       \
  X(luaL_buffinit)                                                                       \
  X(luaL_checknumber)                                                                    \
  X(luaL_pushresult)                                                                     \
  X(lua_gc)                                                                              \
  X(lua_pushnumber)                                                                      \
  X(luaL_checkinteger)                                                                   \
  X(luaL_checklstring)                                                                   \
  X(luaL_checkoption)                                                                    \
  X(luaL_checktype)                                                                      \
  X(luaL_checkudata)                                                                     \
  X(luaL_error)                                                                          \
  X(luaL_newmetatable)                                                                   \
  X(luaL_optinteger)                                                                     \
  X(luaL_optlstring)                                                                     \
  X(luaL_ref)                                                                            \
  X(luaL_setfuncs)                                                                       \
  X(luaL_setmetatable)                                                                   \
  X(luaL_unref)                                                                          \
  X(lua_concat)                                                                          \
  X(lua_createtable)                                                                     \
  X(lua_error)                                                                           \
  X(lua_pushboolean)                                                                     \
  X(lua_pushcclosure)                                                                    \
  X(lua_pushfstring)                                                                     \
  X(lua_pushinteger)                                                                     \
  X(lua_pushlightuserdata)                                                               \
  X(lua_pushlstring)                                                                     \
  X(lua_pushnil)                                                                         \
  X(lua_pushstring)                                                                      \
  X(lua_pushvalue)                                                                       \
  X(lua_rawgeti)                                                                         \
  X(lua_rawseti)                                                                         \
  X(lua_setfield)                                                                        \
  X(lua_settop)                                                                          \
  X(lua_toboolean)                                                                       \
  X(lua_tolstring)                                                                       \
  X(lua_touserdata)                                                                      \
  X(lua_type)                                                                            \
  X(lua_getfield)                                                                        \
  X(lua_gettop)                                                                          \
  X(lua_sethook)                                                                         \
  X(lua_tothread)                                                                        \
  X(luaL_newstate)                                                                       \
  X(luaL_openlibs)                                                                       \
  X(luaL_checkstack)                                                                     \
  X(lua_close)                                                                           \
  X(lua_next)                                                                            \
  X(lua_settable)                                                                        \
  X(lua_setmetatable)                                                                    \
  X(lua_typename)
#if LUA_VERSION_NUM >= 502
#define BQW_LUA_FUNCTIONS(X)                                                             \
  BQW_LUA_FUNCTIONS_COMMON(X)                                                            \
  X(luaL_checkversion_)                                                                  \
  X(lua_getglobal)                                                                       \
  X(luaL_prepbuffsize)                                                                   \
  X(lua_newuserdatauv)                                                                   \
  X(lua_pcallk)                                                                          \
  X(lua_callk)                                                                           \
  X(lua_rawlen)                                                                          \
  X(lua_tonumberx)                                                                       \
  X(lua_isinteger)                                                                       \
  X(lua_tointegerx)                                                                      \
  X(lua_rotate)
#else
#define BQW_LUA_FUNCTIONS(X)                                                             \
  BQW_LUA_FUNCTIONS_COMMON(X)                                                            \
  X(lua_insert)                                                                          \
  X(luaL_prepbuffer)                                                                     \
  X(lua_newuserdata)                                                                     \
  X(lua_call)                                                                            \
  X(lua_objlen)                                                                          \
  X(lua_tonumber)                                                                        \
  X(lua_pcall)
#endif

#ifdef BQW_LUA_MODULE
#define BQW_LUA_WEAK(f) extern __typeof__(f) f __attribute__((weak));
BQW_LUA_FUNCTIONS(BQW_LUA_WEAK)
#undef BQW_LUA_WEAK
#endif

#endif /* BQW_COMPAT_H */
