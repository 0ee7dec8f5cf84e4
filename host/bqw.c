/*
 * bqw.c -- the bqw command: a small host that embeds Lua 5.4, makes bqw.core
 * available, finds the Lua sources, and hands argv to lua/bqw/cli.lua. All command
 * logic lives in Lua.
 */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "5.4": where Lua modules of this ABI are installed (share/lua/5.4, lib/lua/5.4) */
#define BQW_LUA_ABI LUA_VERSION_MAJOR "." LUA_VERSION_MINOR

int luaopen_bqw_core(lua_State *L);
void bqw_lua_confine_path(lua_State *L, int package, const char *field,
                          const char *prefix);
int bqw_lua_pending_signal(void);

/* A command that ended well but whose output did not all reach stdout (a full disk,
 * /dev/full) failed: exit 1 with the reason, as coreutils' close_stdout does. Any
 * other status stands: its command has said what went wrong. */
static int check_stdout(int code) {
  errno = 0;
  if (fflush(stdout) == 0 && !ferror(stdout))
    return code;
  if (code == 0) {
    fprintf(stderr, "bqw: error: writing to stdout: %s\n",
            errno ? strerror(errno) : "the output is incomplete");
    code = 1;
  }
  clearerr(stdout);
  return code;
}

/* os.exit for the commands' Lua: the same stdout check before a successful exit
 * (argparse's --help exits through it, so may a script under `bqw run`). */
static int host_exit(lua_State *L) {
  int code = lua_isboolean(L, 1)     ? (lua_toboolean(L, 1) ? 0 : 1)
             : lua_isnoneornil(L, 1) ? 0
                                     : (int)luaL_checkinteger(L, 1);
  code = check_stdout(code);
  lua_settop(L, 2);
  lua_pushinteger(L, code);
  lua_replace(L, 1);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, 2, 0); /* the library's os.exit: does not return */
  return 0;
}

/* Directory holding the running executable, or "." when it cannot be found. */
static void exe_dir(char *out, size_t size) {
  char path[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) {
    snprintf(out, size, ".");
    return;
  }
  path[n] = '\0';
  snprintf(out, size, "%s", dirname(path));
}

static int dir_exists(const char *path) { return access(path, R_OK | X_OK) == 0; }

/* Where the Lua sources are: $BQW_LUA_DIR, then the install prefix the executable
 * sits in (PREFIX/bin/bqw beside PREFIX/share/lua/5.4/bqw, as `make install` and the
 * .deb lay it out, wherever the prefix was moved to), then the source tree the
 * executable was built from. The built-in plugins: PREFIX/share/bqw/plugins, then
 * bqw/builtin beside the Lua files (the rockspec's layout), then the source tree. */
static void find_dirs(char *lua_dir, char *plugin_dir, size_t size) {
  char dir[PATH_MAX], candidate[PATH_MAX + 64];
  exe_dir(dir, sizeof dir);
  const char *env = getenv("BQW_LUA_DIR");
  snprintf(candidate, sizeof candidate, "%s/../share/lua/" BQW_LUA_ABI "/bqw/cli.lua",
           dir);
  if (env && *env)
    snprintf(lua_dir, size, "%s", env);
  else if (access(candidate, R_OK) == 0)
    snprintf(lua_dir, size, "%s/../share/lua/" BQW_LUA_ABI, dir);
  else
    snprintf(lua_dir, size, "%s", BQW_SOURCE_LUA_DIR);
  int n = snprintf(candidate, sizeof candidate, "%s/../share/bqw/plugins", dir);
  if (!dir_exists(candidate)) /* a LuaRocks tree keeps them beside the Lua files */
    n = snprintf(candidate, sizeof candidate, "%s/bqw/builtin", lua_dir);
  n = (n > 0 && (size_t)n < sizeof candidate && dir_exists(candidate))
          ? snprintf(plugin_dir, size, "%s", candidate)
          : snprintf(plugin_dir, size, "%s", BQW_SOURCE_PLUGIN_DIR);
  (void)n;
  /* ".../bin/../share" reads better as ".../share" in `bqw --version --verbose` */
  char resolved[PATH_MAX];
  if (realpath(lua_dir, resolved))
    snprintf(lua_dir, size, "%s", resolved);
  if (realpath(plugin_dir, resolved))
    snprintf(plugin_dir, size, "%s", resolved);
}

static int traceback(lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  luaL_traceback(L, L, msg ? msg : "(error object is not a string)", 1);
  return 1;
}

static int run(lua_State *L) {
  int argc = (int)lua_tointeger(L, 1);
  char **argv = lua_touserdata(L, 2);
  char lua_dir[PATH_MAX + 64], plugin_dir[PATH_MAX + 64];
  luaL_openlibs(L);
  luaL_requiref(L, "bqw.core", luaopen_bqw_core, 0);
  lua_pop(L, 1);
  lua_getglobal(L, "os");
  lua_getfield(L, -1, "exit");
  lua_pushcclosure(L, host_exit, 1);
  lua_setfield(L, -2, "exit");
  lua_pop(L, 1);
  find_dirs(lua_dir, plugin_dir, sizeof lua_dir);

  lua_getglobal(L, "package");
  lua_pushfstring(L, "%s/?.lua;%s/?/init.lua", lua_dir, lua_dir);
  bqw_lua_confine_path(L, -2, "path", lua_tostring(L, -1));
  lua_pop(L, 1);
  bqw_lua_confine_path(L, -1, "cpath", NULL);
  lua_getfield(L, -1, "loaded");
  lua_getfield(L, -1, "bqw.core");
  lua_pushstring(L, plugin_dir);
  lua_setfield(L, -2, "builtin_plugin_dir");
  lua_pushstring(L, lua_dir);
  lua_setfield(L, -2, "lua_dir");
  lua_pop(L, 3);

  lua_createtable(L, argc, 1); /* arg, as lua.c makes it */
  for (int i = 0; i < argc; i++) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i);
  }
  lua_setglobal(L, "arg");

  lua_getglobal(L, "require");
  lua_pushstring(L, "bqw.cli");
  lua_call(L, 1, 1);
  lua_getfield(L, -1, "main");
  lua_getglobal(L, "arg");
  lua_call(L, 1, 1);
  return 1;
}

int main(int argc, char **argv) {
  lua_State *L = luaL_newstate();
  if (!L) {
    fprintf(stderr, "bqw: error: cannot create the Lua state (out of memory)\n");
    return 70;
  }
  lua_pushcfunction(L, traceback);
  lua_pushcfunction(L, run);
  lua_pushinteger(L, argc);
  lua_pushlightuserdata(L, argv);
  int status = lua_pcall(L, 2, 1, 1);
  int code = 0;
  int sig = bqw_lua_pending_signal();
  if (sig) {
    /* whatever the Lua state was doing when the signal's error reached it (or after
     * main returned): the status of a command ended by the signal, no traceback */
    if (status != LUA_OK)
      fprintf(stderr, "bqw: interrupted\n");
    fflush(stdout);
    exit(128 + sig);
  }
  if (status != LUA_OK) {
    fprintf(stderr, "bqw: internal error: %s\n", lua_tostring(L, -1));
    code = 70;
  } else if (lua_isinteger(L, -1)) {
    code = (int)lua_tointeger(L, -1);
  }
  lua_close(L);
  return check_stdout(code);
}
