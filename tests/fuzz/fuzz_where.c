/*
 * fuzz_where.c -- libFuzzer harness for the --where language: a Lua 5.4 state with the
 * bqw module (bqw.core linked in, the Lua sources from the tree) compiles each input as
 * an expression with the query engine (ds:query on the shipped digest) and counts what
 * compiles. A bad expression must come back as nil and a caret message; an error raised
 * (a traceback for the user), a hang or runaway memory is a finding.
 */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int luaopen_bqw_core(lua_State *L);

/* libFuzzer sees the C it instruments, not the Lua the interpreter runs: a line hook
 * feeds it the Lua side as counters (the pair of the previous and the current source
 * line, hashed), so inputs that reach new lines of the parser are kept and grown. */
#define LUA_COUNTERS 65536
__attribute__((
    used, section("__libfuzzer_extra_counters"))) static uint8_t lua_lines[LUA_COUNTERS];
static uintptr_t previous_line;

static void on_line(lua_State *L, lua_Debug *ar) {
  if (!lua_getinfo(L, "S", ar))
    return;
  uintptr_t here = (uintptr_t)ar->source * 31u + (uintptr_t)ar->currentline;
  lua_lines[(here ^ (previous_line >> 1)) % LUA_COUNTERS]++;
  previous_line = here;
}

static const char driver[] =
    "local ds = assert(require('bqw').load())\n"
    "return function(expr)\n"
    "  local q, err = ds:query(expr)\n"
    "  if not q then\n"
    "    assert(err ~= nil, 'the engine refused without a message')\n"
    "    assert(tostring(err):find('^%-%-where:1:%d+: error: '), tostring(err))\n"
    "    return\n"
    "  end\n"
    "  local ok, cerr = pcall(function() return q:count() end)\n"
    "  assert(ok or not tostring(cerr):find('%.lua:%d+:'), 'the engine raised: ' .. "
    "tostring(cerr))\n"
    "end\n";

static lua_State *state(void) {
  static lua_State *L; /* one state for the run: the harness is a test */
  if (L)
    return L;
  L = luaL_newstate();
  luaL_openlibs(L);
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushcfunction(L, luaopen_bqw_core);
  lua_setfield(L, -2, "bqw.core");
  lua_pop(L, 1);
  lua_getglobal(L, "package");
  lua_pushstring(L, BQW_SOURCE_DIR "/lua/?.lua;" BQW_SOURCE_DIR "/lua/?/init.lua");
  lua_setfield(L, -2, "path");
  lua_pop(L, 1);
  if (luaL_dostring(L, driver) != LUA_OK) {
    fprintf(stderr, "fuzz_where: %s\n", lua_tostring(L, -1));
    abort();
  }
  lua_setfield(L, LUA_REGISTRYINDEX, "bqw_fuzz_where");
  lua_sethook(L, on_line, LUA_MASKLINE, 0);
  return L;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lua_State *L = state();
  lua_getfield(L, LUA_REGISTRYINDEX, "bqw_fuzz_where");
  lua_pushlstring(L, (const char *)data, size);
  if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
    fprintf(stderr, "fuzz_where: the parser raised: %s\n", lua_tostring(L, -1));
    abort();
  }
  previous_line = 0;
  lua_gc(L, LUA_GCSTEP, 0);
  return 0;
}
