/*
 * test_luv_host.c -- a stand-in for Neovim: it embeds Lua, exports luv_loop() for
 * its own uv loop, and runs that loop; bqw.core must find the loop at run time
 * (dlsym), run its work there, and call back into Lua on this thread.
 */
#include "check.h"

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <uv.h>

int luaopen_bqw_core(lua_State *L);

static uv_loop_t host;

/* What luv exports in Neovim. */
__attribute__((visibility("default"))) uv_loop_t *luv_loop(lua_State *L) {
  (void)L;
  return &host;
}

static const char *const script =
    "local core = require('bqw.core')\n"
    "local uv = assert(core.host_uv_loop(), 'luv_loop not found')\n"
    "loop = assert(core.loop(uv))\n"
    "ticks, result = 0, nil\n"
    "timer = loop:timer(0, 1, function() ticks = ticks + 1 end)\n"
    "loop:load(PATH, function(ds, status)\n"
    "  result = status .. ':' .. (ds and ds:stats().measures or 0)\n"
    "  timer:stop()\n"
    "end)\n"
    "assert(not pcall(loop.run, loop), 'run() must refuse on a host loop')\n";

int main(void) {
  CHECK_EQ_INT(uv_loop_init(&host), 0);
  lua_State *L = luaL_newstate();
  luaL_openlibs(L);
  luaL_requiref(L, "bqw.core", luaopen_bqw_core, 0);
  lua_pop(L, 1);
  lua_pushstring(L, BQW_SOURCE_DIR "/data/bqw-digest-2023.txt");
  lua_setglobal(L, "PATH");
  if (luaL_dostring(L, script)) {
    fprintf(stderr, "%s\n", lua_tostring(L, -1));
    CHECK(0);
    return check_report("test_luv_host");
  }
  for (int i = 0; i < 100000; i++) {
    lua_getglobal(L, "result");
    int done = !lua_isnil(L, -1);
    lua_pop(L, 1);
    if (done)
      break;
    uv_run(&host, UV_RUN_ONCE);
  }
  lua_getglobal(L, "result");
  CHECK_STR(lua_tostring(L, -1), "OK:63");
  lua_pop(L, 1);
  CHECK(luaL_dostring(L, "loop:close()") == 0);
  uv_run(&host, UV_RUN_DEFAULT);
  lua_close(L);
  CHECK_EQ_INT(uv_loop_close(&host), 0);
  return check_report("test_luv_host");
}
