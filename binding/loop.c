/*
 * loop.c -- bqw.core's loop: bqw_loop for Lua. Callbacks into Lua run on the thread
 * that owns the Lua state (the loop's thread); the threadpool never touches Lua.
 *
 * Each Lua object (loop, request, timer, watch, signal) is a userdata holding a
 * pointer into the core. An active one is anchored in the registry, so a running timer
 * is not collected; when the core is done with it (callback called, handle stopped,
 * loop closed) the pointer is cleared and the anchor dropped.
 */
#include "binding.h"
#include "bqw.h"
#include "compat.h"

#include <dlfcn.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOOP_MT "bqw.core.loop"
#define HANDLE_MT "bqw.core.handle"
#define DATASET_MT "bqw.core.dataset"

typedef struct lua_handle lua_handle;

/* luv's protected call for callbacks (luv.h's luv_CFpcall): Neovim installs its own,
 * which marks the call as a fast event (so an API call that is not allowed there fails
 * with E5560 instead of corrupting the editor's state) and reports errors itself. */
typedef int (*host_pcall)(lua_State *L, int nargs, int nresults, int flags);
#define LUV_CALLBACK_NOEXIT 0x01 /* luv.h's LUVF_CALLBACK_NOEXIT */

/* The head of luv.h's luv_ctx_t, stable since luv 1.30 introduced it: only these
 * fields are read, and only after checking that loop and L are the ones expected. */
typedef struct {
  void *loop;
  lua_State *L;
  host_pcall cb_pcall;
} luv_ctx_head;

typedef struct lua_loop {
  bqw_loop *loop;
  lua_State *L;
  host_pcall pcall;    /* the host's (luv's) callback pcall, or NULL: lua_pcall */
  bool hosted;         /* on a host's uv loop: errors are reported, not raised */
  int load_nice;       /* as given to bqw_loop_set_load_nice, for info() */
  lua_handle *handles; /* live handles, to clear at close */
  int error_ref;       /* a callback's error, raised by run() */
} lua_loop;

typedef enum { H_LOAD, H_TIMER, H_WATCH, H_SIGNAL } handle_kind;

struct lua_handle {
  handle_kind kind;
  void *core; /* bqw_load_req*, bqw_timer*, bqw_watch*, bqw_signal*; NULL when done */
  lua_loop *owner; /* NULL once the loop is closed */
  lua_State *L;
  bool busy; /* its callback is running: closing the loop must not release it */
  int fn_ref, self_ref, loop_ref; /* loop_ref keeps the loop alive while h is */
  lua_handle *next, *prev;
};

static lua_loop *check_loop(lua_State *L) {
  lua_loop *ll = luaL_checkudata(L, 1, LOOP_MT);
  if (!ll->loop)
    luaL_error(L, "bqw: the loop is closed");
  return ll;
}

#define push_dataset bqw_lua_push_dataset

static void unlink_lua_handle(lua_handle *h) {
  lua_loop *ll = h->owner;
  if (h->prev)
    h->prev->next = h->next;
  else if (ll && ll->handles == h)
    ll->handles = h->next;
  if (h->next)
    h->next->prev = h->prev;
  h->next = h->prev = NULL;
}

/* The core is done with h: drop its anchors. */
static void release(lua_State *L, lua_handle *h) {
  h->core = NULL;
  unlink_lua_handle(h);
  h->owner = NULL;
  luaL_unref(L, LUA_REGISTRYINDEX, h->fn_ref);
  luaL_unref(L, LUA_REGISTRYINDEX, h->loop_ref);
  luaL_unref(L, LUA_REGISTRYINDEX, h->self_ref); /* last: h may be collected after */
  h->fn_ref = h->self_ref = h->loop_ref = LUA_NOREF;
}

/* Reports an error that cannot be raised: through Lua's print (Neovim shows it). */
static void report(lua_State *L) {
  const char *msg = lua_tostring(L, -1);
  lua_getglobal(L, "print");
  lua_pushfstring(L, "bqw: error in a callback: %s", msg ? msg : "(not a string)");
  if (lua_pcall(L, 1, 0, 0) != 0)
    lua_pop(L, 1);
  lua_pop(L, 1);
}

/* Calls the handle's function with nargs arguments already pushed. An error stops an
 * owned loop and is raised by run(); on a host's loop, or once the loop is closed by
 * the callback itself, it is printed. The callback may close the loop: nothing of it
 * is touched after the call unless it is still open. */
static void call_back(lua_handle *h, int nargs) {
  lua_State *L = h->L;
  /* h itself stays on the stack through the call, so a callback that stops it and
   * collects garbage cannot free it under us */
  lua_rawgeti(L, LUA_REGISTRYINDEX, h->self_ref);
  lua_insert(L, -(nargs + 1));
  lua_rawgeti(L, LUA_REGISTRYINDEX, h->fn_ref);
  lua_insert(L, -(nargs + 1));
  host_pcall pcall = h->owner ? h->owner->pcall : NULL;
  if (pcall) {
    /* the host reports an error itself and pops it */
    pcall(L, nargs, 0, LUV_CALLBACK_NOEXIT);
    lua_pop(L, 1);
    return;
  }
  if (lua_pcall(L, nargs, 0, 0) == 0) {
    lua_pop(L, 1);
    return;
  }
  lua_loop *ll = h->owner;
  if (ll && ll->loop && !ll->hosted && ll->error_ref == LUA_NOREF) {
    ll->error_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    bqw_loop_stop(ll->loop);
  } else {
    report(L);
  }
  lua_pop(L, 1);
}

static lua_handle *new_handle(lua_State *L, lua_loop *ll, handle_kind kind,
                              int fn_index) {
  luaL_checktype(L, fn_index, LUA_TFUNCTION);
  lua_handle *h = lua_newuserdata(L, sizeof *h);
  memset(h, 0, sizeof *h);
  h->kind = kind;
  h->owner = ll;
  h->L = ll->L;
  luaL_setmetatable(L, HANDLE_MT);
  lua_pushvalue(L, fn_index);
  h->fn_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_pushvalue(L, -1);
  h->self_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_pushvalue(L, 1); /* the loop */
  h->loop_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  h->next = ll->handles;
  if (ll->handles)
    ll->handles->prev = h;
  ll->handles = h;
  return h;
}

/* Returns nil, message, name for a failed call into the core. */
static int fail(lua_State *L, lua_handle *h, int rc) {
  release(L, h);
  lua_pushnil(L);
  lua_pushstring(L, bqw_strerror(rc));
  lua_pushstring(L, bqw_err_name(rc));
  return 3;
}

/* ---- core.loop([uv_loop]) ---- */

/* luv's callback pcall for this state when luv runs the given uv loop, else NULL.
 * luv_context is looked up at run time like luv_loop. */
static host_pcall find_host_pcall(lua_State *L, void *uv) {
  typedef luv_ctx_head *(*luv_context_fn)(lua_State *);
  luv_context_fn luv_context;
  *(void **)&luv_context = dlsym(RTLD_DEFAULT, "luv_context");
  luv_ctx_head *ctx = luv_context ? luv_context(L) : NULL;
  if (!ctx || ctx->loop != uv || !ctx->cb_pcall)
    return NULL;
  return ctx->cb_pcall;
}

/* core.host_uv_loop() -> the host's uv_loop_t as a light userdata, or nil: luv's
 * luv_loop(L), looked up at run time so nothing links against the host. */
static int l_host_uv_loop(lua_State *L) {
  typedef void *(*luv_loop_fn)(lua_State *);
  luv_loop_fn luv_loop;
  *(void **)&luv_loop = dlsym(RTLD_DEFAULT, "luv_loop");
  void *uv = luv_loop ? luv_loop(L) : NULL;
  if (!uv) {
    lua_pushnil(L);
    return 1;
  }
  lua_pushlightuserdata(L, uv);
  return 1;
}

static int l_loop_new(lua_State *L) {
  void *host = lua_islightuserdata(L, 1) ? lua_touserdata(L, 1) : NULL;
  lua_loop *ll = lua_newuserdata(L, sizeof *ll);
  memset(ll, 0, sizeof *ll);
  ll->error_ref = LUA_NOREF;
  luaL_setmetatable(L, LOOP_MT);
  ll->hosted = host != NULL;
  int rc = host ? bqw_loop_new_on(host, &ll->loop) : bqw_loop_new(&ll->loop);
  if (rc) {
    lua_pushnil(L);
    lua_pushstring(L, bqw_strerror(rc));
    return 2;
  }
  /* callbacks run on the main thread's state, whatever coroutine created the loop */
#if LUA_VERSION_NUM >= 502
  lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
  ll->L = lua_tothread(L, -1);
  lua_pop(L, 1);
#else
  ll->L = L;
#endif
  if (host)
    ll->pcall = find_host_pcall(ll->L, host);
  return 1;
}

static void close_loop(lua_State *L, lua_loop *ll) {
  if (!ll->loop)
    return;
  /* The core closes every handle below. A load in flight still calls back (an owned
   * loop runs until it does; a host's later): it keeps its anchor until then. */
  while (ll->handles) {
    lua_handle *h = ll->handles;
    if (h->kind == H_LOAD && (h->core || h->busy)) {
      unlink_lua_handle(h);
      h->owner = NULL;
    } else {
      release(L, h);
    }
  }
  bqw_loop_free(ll->loop);
  ll->loop = NULL;
  luaL_unref(L, LUA_REGISTRYINDEX, ll->error_ref);
  ll->error_ref = LUA_NOREF;
}

static int l_loop_close(lua_State *L) {
  close_loop(L, luaL_checkudata(L, 1, LOOP_MT));
  return 0;
}

/* loop:run([mode]) -> whether work remains; raises a callback's error */
static int l_loop_run(lua_State *L) {
  lua_loop *ll = check_loop(L);
  static const char *const modes[] = {"default", "once", "nowait", NULL};
  int mode = luaL_checkoption(L, 2, "default", modes);
  int alive = bqw_loop_run(ll->loop, (bqw_run_mode)mode);
  if (alive < 0)
    return luaL_error(L, "bqw: run: this loop runs on its host's loop");
  if (ll->error_ref != LUA_NOREF) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, ll->error_ref);
    luaL_unref(L, LUA_REGISTRYINDEX, ll->error_ref);
    ll->error_ref = LUA_NOREF;
    return lua_error(L);
  }
  lua_pushboolean(L, alive != 0);
  return 1;
}

static int l_loop_info(lua_State *L) {
  lua_loop *ll = check_loop(L);
  lua_createtable(L, 0, 6);
  lua_pushboolean(L, ll->pcall != NULL);
  lua_setfield(L, -2, "host_pcall");
  lua_pushinteger(L, bqw_loop_backend_fd(ll->loop));
  lua_setfield(L, -2, "backend_fd");
  lua_pushinteger(L, bqw_loop_backend_timeout(ll->loop));
  lua_setfield(L, -2, "backend_timeout");
  lua_pushinteger(L, (lua_Integer)bqw_loop_pending(ll->loop));
  lua_setfield(L, -2, "pending");
  lua_pushinteger(L, (lua_Integer)bqw_loop_now(ll->loop));
  lua_setfield(L, -2, "now");
  lua_pushinteger(L, ll->load_nice);
  lua_setfield(L, -2, "load_nice");
  return 1;
}

/* ---- loop:load(path, fn(ds | nil, status_name)) -> request ---- */

/* Pushes a callback's arguments: the dataset (or nil) and the status's name. */
static void push_result(lua_State *L, bqw_dataset *ds, int status) {
  if (ds)
    push_dataset(L, ds);
  else
    lua_pushnil(L);
  lua_pushstring(L, bqw_err_name(status));
}

static void loaded(bqw_load_req *req, int status, bqw_dataset *ds, void *data) {
  (void)req;
  lua_handle *h = data;
  h->core = NULL;  /* the core frees the request when this returns */
  if (!h->owner) { /* the loop was closed from Lua: nobody to tell */
    bqw_dataset_free(ds);
    release(h->L, h);
    return;
  }
  lua_State *L = h->L;
  push_result(L, ds, status);
  h->busy = true;
  call_back(h, 2);
  h->busy = false;
  release(L, h);
}

static int l_loop_load(lua_State *L) {
  lua_loop *ll = check_loop(L);
  const char *path = luaL_checkstring(L, 2);
  lua_handle *h = new_handle(L, ll, H_LOAD, 3);
  bqw_load_req *req;
  int rc = bqw_loop_load(ll->loop, path, loaded, h, &req);
  if (rc)
    return fail(L, h, rc);
  h->core = req;
  return 1;
}

/* loop:set_max_size(bytes | nil): the size limit of later loads and watches */
static int l_loop_set_max_size(lua_State *L) {
  lua_loop *ll = check_loop(L);
  size_t max = 0;
  if (!lua_isnoneornil(L, 2)) {
    lua_Number n = luaL_checknumber(L, 2);
    luaL_argcheck(L, n >= 1 && n <= 9007199254740992.0 && n == (lua_Number)(size_t)n, 2,
                  "max_size must be a positive whole number of bytes");
    max = (size_t)n;
  }
  bqw_loop_set_max_size(ll->loop, max);
  return 0;
}

/* loop:set_index(on): whether later loads and reloads start building their index */
static int l_loop_set_index(lua_State *L) {
  lua_loop *ll = check_loop(L);
  luaL_checktype(L, 2, LUA_TBOOLEAN);
  bqw_loop_set_index(ll->loop, lua_toboolean(L, 2));
  return 0;
}

/* loop:set_load_nice(n): later loads and reloads on a thread of their own, n nice steps
 * below normal priority (1..19), or on the threadpool (0) */
static int l_loop_set_load_nice(lua_State *L) {
  lua_loop *ll = check_loop(L);
  lua_Number n = luaL_checknumber(L, 2);
  luaL_argcheck(L, n >= 0 && n <= 19 && n == (lua_Number)(int)n, 2,
                "load nice must be a whole number from 0 (threadpool, normal priority) "
                "to 19 (lowest)");
  bqw_loop_set_load_nice(ll->loop, (int)n);
  ll->load_nice = (int)n;
  return 0;
}

/* ---- loop:timer(timeout_ms, repeat_ms, fn()) -> timer ---- */

static void fired(bqw_timer *t, void *data) {
  lua_handle *h = data;
  (void)t;
  if (h->owner)
    call_back(h, 0);
}

static int l_loop_timer(lua_State *L) {
  lua_loop *ll = check_loop(L);
  lua_Integer timeout = luaL_checkinteger(L, 2), repeat = luaL_optinteger(L, 3, 0);
  luaL_argcheck(L, timeout >= 0 && repeat >= 0, 2, "times must be >= 0");
  lua_handle *h = new_handle(L, ll, H_TIMER, 4);
  bqw_timer *t;
  int rc = bqw_timer_start(ll->loop, (uint64_t)timeout, (uint64_t)repeat, fired, h, &t);
  if (rc)
    return fail(L, h, rc);
  h->core = t;
  return 1;
}

/* ---- loop:watch(path, debounce_ms, fn(ds, status_name)) -> watch ---- */

static void changed(bqw_watch *w, int status, bqw_dataset *ds, void *data) {
  (void)w;
  lua_handle *h = data;
  if (!h->owner) {
    bqw_dataset_free(ds);
    return;
  }
  push_result(h->L, ds, status);
  call_back(h, 2);
}

static int l_loop_watch(lua_State *L) {
  lua_loop *ll = check_loop(L);
  const char *path = luaL_checkstring(L, 2);
  lua_Integer debounce = luaL_checkinteger(L, 3);
  luaL_argcheck(L, debounce >= 0, 3, "debounce must be >= 0");
  lua_handle *h = new_handle(L, ll, H_WATCH, 4);
  bqw_watch *w;
  int rc = bqw_watch_start(ll->loop, path, (uint64_t)debounce, changed, h, &w);
  if (rc)
    return fail(L, h, rc);
  h->core = w;
  return 1;
}

/* ---- loop:signal(name, fn(name)) -> signal ---- */

static const char *const signal_names[] = {"int", "term", "hup", NULL};
static const int signal_numbers[] = {SIGINT, SIGTERM, SIGHUP};

static void signalled(bqw_signal *s, int signum, void *data) {
  (void)s;
  lua_handle *h = data;
  if (!h->owner)
    return;
  const char *name = "?";
  for (int i = 0; signal_names[i]; i++)
    if (signal_numbers[i] == signum)
      name = signal_names[i];
  lua_pushstring(h->L, name);
  call_back(h, 1);
}

static int l_loop_signal(lua_State *L) {
  lua_loop *ll = check_loop(L);
  int which = luaL_checkoption(L, 2, NULL, signal_names);
  lua_handle *h = new_handle(L, ll, H_SIGNAL, 3);
  bqw_signal *s;
  int rc = bqw_signal_start(ll->loop, signal_numbers[which], signalled, h, &s);
  if (rc)
    return fail(L, h, rc);
  h->core = s;
  return 1;
}

/* ---- handles: h:stop() / h:cancel(), h:active() ---- */

static int l_handle_stop(lua_State *L) {
  lua_handle *h = luaL_checkudata(L, 1, HANDLE_MT);
  if (!h->core)
    return 0;
  switch (h->kind) {
  case H_LOAD:
    bqw_load_cancel(h->core); /* its callback still runs, with ECANCELED */
    return 0;
  case H_TIMER:
    bqw_timer_stop(h->core);
    break;
  case H_WATCH:
    bqw_watch_stop(h->core);
    break;
  case H_SIGNAL:
    bqw_signal_stop(h->core);
    break;
  }
  release(L, h);
  return 0;
}

static int l_handle_active(lua_State *L) {
  lua_handle *h = luaL_checkudata(L, 1, HANDLE_MT);
  lua_pushboolean(L, h->core != NULL);
  return 1;
}

static int l_loop_gc(lua_State *L) {
  close_loop(L, luaL_checkudata(L, 1, LOOP_MT));
  return 0;
}

static const luaL_Reg loop_methods[] = {{"run", l_loop_run},
                                        {"close", l_loop_close},
                                        {"info", l_loop_info},
                                        {"load", l_loop_load},
                                        {"timer", l_loop_timer},
                                        {"watch", l_loop_watch},
                                        {"signal", l_loop_signal},
                                        {"set_max_size", l_loop_set_max_size},
                                        {"set_load_nice", l_loop_set_load_nice},
                                        {"set_index", l_loop_set_index},
                                        {NULL, NULL}};

static const luaL_Reg handle_methods[] = {{"stop", l_handle_stop},
                                          {"cancel", l_handle_stop},
                                          {"active", l_handle_active},
                                          {NULL, NULL}};

/* Adds loop, host_uv_loop to the module table on top of the stack. */
void bqw_lua_open_loop(lua_State *L) {
  bqw_lua_class(L, LOOP_MT, loop_methods, l_loop_gc);
  bqw_lua_class(L, HANDLE_MT, handle_methods, NULL);
  static const luaL_Reg functions[] = {
      {"loop", l_loop_new}, {"host_uv_loop", l_host_uv_loop}, {NULL, NULL}};
  luaL_setfuncs(L, functions, 0);
}
