/*
 * view.c -- view results held in C (bqw.core.view) and views built on another thread
 * (core.view_job).
 *
 * A host that must stay responsive (Neovim: its keys, its redraws) cannot build the
 * view of a large dataset in its own Lua state: hundreds of thousands of lines and
 * highlights as Lua strings and tables make LuaJIT stop the world for 100s of ms when
 * its string table or a big array doubles. So a view job runs the view plugin in a
 * Lua state of its own, on a thread of its own, over the same dataset (shared through
 * bqw_dataset_ref; the core guards the only part it builds lazily, the search index),
 * and turns the result into one C object: the lines' bytes, the record behind each
 * line, a fold level per line and the highlights sorted by line. The host polls the
 * job (no callback ever runs on its loop) and reads the view a slice at a time.
 *
 * The worker's state is made on the caller's thread (so the job's arguments are
 * copied while both states are in one thread's hands), then used only by the worker,
 * which closes it. The job itself is shared by the worker and the caller's userdata:
 * whichever lets go last frees it, so the caller never waits for the worker.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* gettid */
#endif
#include "binding.h"
#include "bqw.h"
#include "compat.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/resource.h>
#endif

#define VIEW_MT "bqw.core.view"
#define JOB_MT "bqw.core.view_job"
#define NO_ID INT64_MIN
#define MAX_SPEC_DEPTH 16

int luaopen_bqw_core(lua_State *L);

/* ---- the view object ---- */

typedef struct {
  uint32_t first, last; /* bytes, last exclusive */
  uint32_t group;       /* index into groups */
} span;

typedef struct view {
  size_t n;   /* lines */
  char *text; /* every line's bytes, one after another */
  size_t text_len, text_cap;
  size_t *starts;     /* n + 1 offsets into text */
  int64_t *ids;       /* the record behind each line, or NO_ID */
  int32_t *levels;    /* fold level of each line: depth, and LEVEL_START / LEVEL_END */
  uint32_t *hl_first; /* n + 1: each line's first span */
  span *spans;
  size_t span_count;
  char **groups;
  size_t group_count;
  double count; /* the records the view shows */
} view;

#define LEVEL_START (1 << 24) /* ">N": a fold of depth N starts here */
#define LEVEL_END (1 << 25)   /* "<N": a fold of depth N ends here */
#define LEVEL_DEPTH(x) ((x)&0xffffff)

static void view_free(view *v) {
  if (!v)
    return;
  free(v->text);
  free(v->starts);
  free(v->ids);
  free(v->levels);
  free(v->hl_first);
  free(v->spans);
  for (size_t i = 0; i < v->group_count; i++)
    free(v->groups[i]);
  free(v->groups);
  free(v);
}

static size_t view_memory(const view *v) {
  size_t m = sizeof *v + v->text_cap + v->span_count * sizeof *v->spans;
  m += (v->n + 1) *
       (sizeof *v->starts + sizeof *v->ids + sizeof *v->levels + sizeof *v->hl_first);
  for (size_t i = 0; i < v->group_count; i++)
    m += strlen(v->groups[i]) + 1 + sizeof *v->groups;
  return m;
}

/* A number field of the table at idx, or def when it is not a number. */
static double num_field(lua_State *L, int idx, const char *key, double def) {
  lua_getfield(L, idx, key);
  double x = lua_type(L, -1) == LUA_TNUMBER ? (double)lua_tonumber(L, -1) : def;
  lua_pop(L, 1);
  return x;
}

static int add_text(view *v, const char *s, size_t len) {
  if (v->text_len + len > v->text_cap) {
    size_t cap = v->text_cap ? v->text_cap : 4096;
    while (cap < v->text_len + len)
      cap *= 2;
    char *grown = realloc(v->text, cap);
    if (!grown)
      return BQW_ENOMEM;
    v->text = grown;
    v->text_cap = cap;
  }
  memcpy(v->text + v->text_len, s, len);
  v->text_len += len;
  return 0;
}

/* The index of group name in v->groups, added when new; -1 when out of memory. A view
 * uses a dozen groups, so a look along the list is enough. */
static long group_index(view *v, const char *name) {
  for (size_t i = 0; i < v->group_count; i++)
    if (strcmp(v->groups[i], name) == 0)
      return (long)i;
  char **grown = realloc(v->groups, (v->group_count + 1) * sizeof *grown);
  if (!grown)
    return -1;
  v->groups = grown;
  if (!(v->groups[v->group_count] = strdup(name)))
    return -1;
  return (long)v->group_count++;
}

/* Fold levels from the folds (line ranges, properly nested) in the table at idx: the
 * depth of each line, ">N" where folds start (N the innermost's depth), "<N" where
 * they end (N the outermost's), so folds side by side stay apart; what :fold makes
 * of the same ranges. */
static int fold_levels(lua_State *L, int idx, view *v) {
  size_t n = v->n;
  uint32_t *starts = calloc(n + 2, sizeof *starts), *ends = calloc(n + 2, sizeof *ends);
  v->levels = calloc(n + 1, sizeof *v->levels);
  if (!starts || !ends || !v->levels) {
    free(starts);
    free(ends);
    return BQW_ENOMEM;
  }
  size_t folds = lua_type(L, idx) == LUA_TTABLE ? lua_rawlen(L, idx) : 0;
  for (size_t i = 1; i <= folds; i++) {
    lua_rawgeti(L, idx, (int)i);
    if (lua_type(L, -1) == LUA_TTABLE) {
      int f = lua_gettop(L);
      double first = num_field(L, f, "first", 0), last = num_field(L, f, "last", 0);
      if (first >= 1 && last > first && last <= (double)n) {
        starts[(size_t)first]++;
        ends[(size_t)last]++;
      }
    }
    lua_pop(L, 1);
  }
  int32_t depth = 0;
  for (size_t l = 1; l <= n; l++) {
    depth += (int32_t)starts[l];
    if (ends[l]) {
      v->levels[l - 1] = LEVEL_END | (depth - (int32_t)ends[l] + 1);
      depth -= (int32_t)ends[l];
    } else if (starts[l]) {
      v->levels[l - 1] = LEVEL_START | depth;
    } else {
      v->levels[l - 1] = depth;
    }
  }
  free(starts);
  free(ends);
  return 0;
}

/* The highlights in the table at idx ({ line, first, last, group }), sorted by line
 * (a counting sort: stable, so a line's spans keep the plugin's order). */
static int highlights(lua_State *L, int idx, view *v) {
  size_t n = v->n, count = lua_type(L, idx) == LUA_TTABLE ? lua_rawlen(L, idx) : 0;
  uint32_t *line_of = malloc((count ? count : 1) * sizeof *line_of);
  span *in = malloc((count ? count : 1) * sizeof *in);
  v->hl_first = calloc(n + 2, sizeof *v->hl_first);
  if (!line_of || !in || !v->hl_first) {
    free(line_of);
    free(in);
    return BQW_ENOMEM;
  }
  size_t kept = 0;
  for (size_t i = 1; i <= count; i++) {
    lua_rawgeti(L, idx, (int)i);
    int h = lua_gettop(L);
    if (lua_type(L, h) == LUA_TTABLE) {
      double line = num_field(L, h, "line", 0);
      double first = num_field(L, h, "first", -1), last = num_field(L, h, "last", -1);
      lua_getfield(L, h, "group");
      const char *group = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
      if (group && line >= 1 && line <= (double)n && first >= 0 && last >= first &&
          last < 4294967296.0) {
        long g = group_index(v, group);
        if (g < 0) {
          lua_pop(L, 2);
          free(line_of);
          free(in);
          return BQW_ENOMEM;
        }
        line_of[kept] = (uint32_t)line;
        in[kept] = (span){(uint32_t)first, (uint32_t)last, (uint32_t)g};
        v->hl_first[(size_t)line]++;
        kept++;
      }
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
  /* hl_first[l] (l from 1) counted line l's spans; made into where line l - 1 starts */
  uint32_t at = 0;
  for (size_t l = 0; l <= n; l++) {
    uint32_t c = v->hl_first[l + 1];
    v->hl_first[l] = at;
    at += l < n ? c : 0;
  }
  v->hl_first[n] = at;
  v->spans = malloc((kept ? kept : 1) * sizeof *v->spans);
  uint32_t *fill = malloc((n + 1) * sizeof *fill);
  if (!v->spans || !fill) {
    free(fill);
    free(line_of);
    free(in);
    return BQW_ENOMEM;
  }
  memcpy(fill, v->hl_first, (n + 1) * sizeof *fill);
  for (size_t i = 0; i < kept; i++)
    v->spans[fill[line_of[i] - 1]++] = in[i];
  v->span_count = kept;
  free(fill);
  free(line_of);
  free(in);
  return 0;
}

/* A view from the result table at idx (lines, ids, highlights, folds, count: see
 * lua/bqw/view_util.lua). Returns 0 and sets *out, or BQW_ENOMEM / BQW_EINVAL (no
 * lines table). An id that is not a number is dropped. */
static int view_from_result(lua_State *L, int idx, view **out) {
  *out = NULL;
  if (lua_type(L, idx) != LUA_TTABLE)
    return BQW_EINVAL;
  lua_getfield(L, idx, "lines");
  int lines = lua_gettop(L);
  if (lua_type(L, lines) != LUA_TTABLE) {
    lua_pop(L, 1);
    return BQW_EINVAL;
  }
  view *v = calloc(1, sizeof *v);
  int rc = BQW_ENOMEM;
  if (!v)
    goto done;
  v->n = lua_rawlen(L, lines);
  v->count = num_field(L, idx, "count", 0);
  v->starts = malloc((v->n + 1) * sizeof *v->starts);
  v->ids = malloc((v->n + 1) * sizeof *v->ids);
  if (!v->starts || !v->ids)
    goto done;
  lua_getfield(L, idx, "ids");
  int ids = lua_gettop(L);
  bool have_ids = lua_type(L, ids) == LUA_TTABLE;
  for (size_t i = 1; i <= v->n; i++) {
    lua_rawgeti(L, lines, (int)i);
    size_t len = 0;
    const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : "";
    v->starts[i - 1] = v->text_len;
    int arc = add_text(v, s, len);
    lua_pop(L, 1);
    if (arc) {
      lua_pop(L, 1);
      goto done;
    }
    v->ids[i - 1] = NO_ID;
    if (have_ids) {
      lua_rawgeti(L, ids, (int)i);
      if (lua_type(L, -1) == LUA_TNUMBER)
        v->ids[i - 1] = (int64_t)lua_tonumber(L, -1);
      lua_pop(L, 1);
    }
  }
  v->starts[v->n] = v->text_len;
  lua_pop(L, 1); /* ids */
  lua_getfield(L, idx, "folds");
  rc = fold_levels(L, lua_gettop(L), v);
  lua_pop(L, 1);
  if (rc)
    goto done;
  lua_getfield(L, idx, "highlights");
  rc = highlights(L, lua_gettop(L), v);
  lua_pop(L, 1);
done:
  lua_pop(L, 1); /* lines */
  if (rc) {
    view_free(v);
    return rc;
  }
  *out = v;
  return 0;
}

typedef struct {
  view *v;
} view_ud;

static void push_view(lua_State *L, view *v) {
  view_ud *u = lua_newuserdata(L, sizeof *u);
  u->v = v;
  luaL_setmetatable(L, VIEW_MT);
}

static view *check_view(lua_State *L) {
  view_ud *u = luaL_checkudata(L, 1, VIEW_MT);
  if (!u->v)
    luaL_error(L, "bqw: the view is freed");
  return u->v;
}

/* A line number argument (from 1), or 0 when it is outside the view. */
static size_t line_arg(lua_State *L, const view *v, int arg) {
  lua_Number x = luaL_checknumber(L, arg);
  if (x < 1 || x > (lua_Number)v->n || x != (lua_Number)(size_t)x)
    return 0;
  return (size_t)x;
}

static void push_line(lua_State *L, const view *v, size_t l) {
  lua_pushlstring(L, v->text + v->starts[l - 1], v->starts[l] - v->starts[l - 1]);
}

/* v:count() -> the number of lines */
static int l_view_count(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)check_view(L)->n);
  return 1;
}

/* v:records() -> the number of records the view shows (its result's count) */
static int l_view_records(lua_State *L) {
  lua_pushnumber(L, check_view(L)->count);
  return 1;
}

/* v:line(l) -> line l's text, or nil outside the view */
static int l_view_line(lua_State *L) {
  view *v = check_view(L);
  size_t l = line_arg(L, v, 2);
  if (!l)
    return 0;
  push_line(L, v, l);
  return 1;
}

/* v:lines(first, last) -> a list of the lines first..last (clipped to the view) */
static int l_view_lines(lua_State *L) {
  view *v = check_view(L);
  lua_Integer first = luaL_checkinteger(L, 2), last = luaL_checkinteger(L, 3);
  if (first < 1)
    first = 1;
  if (last > (lua_Integer)v->n)
    last = (lua_Integer)v->n;
  lua_createtable(L, last >= first ? (int)(last - first + 1) : 0, 0);
  for (lua_Integer l = first; l <= last; l++) {
    push_line(L, v, (size_t)l);
    lua_rawseti(L, -2, (int)(l - first + 1));
  }
  return 1;
}

/* v:id(l) -> the id of the record behind line l, or nil */
static int l_view_id(lua_State *L) {
  view *v = check_view(L);
  size_t l = line_arg(L, v, 2);
  if (!l || v->ids[l - 1] == NO_ID)
    return 0;
  lua_pushinteger(L, (lua_Integer)v->ids[l - 1]);
  return 1;
}

/* v:level(l) -> line l's fold level as 'foldexpr' takes it: N, ">N" or "<N" (0
 * outside the view) */
static int l_view_level(lua_State *L) {
  view *v = check_view(L);
  size_t l = line_arg(L, v, 2);
  int32_t x = l ? v->levels[l - 1] : 0;
  if (x & (LEVEL_START | LEVEL_END))
    lua_pushfstring(L, "%s%d", x & LEVEL_START ? ">" : "<", (int)LEVEL_DEPTH(x));
  else
    lua_pushinteger(L, x);
  return 1;
}

/* v:highlights(l) -> { { first, last, group }, … }: line l's spans, bytes from 0,
 * last exclusive, in the plugin's order */
static int l_view_highlights(lua_State *L) {
  view *v = check_view(L);
  size_t l = line_arg(L, v, 2);
  uint32_t from = l ? v->hl_first[l - 1] : 0, to = l ? v->hl_first[l] : 0;
  lua_createtable(L, (int)(to - from), 0);
  for (uint32_t i = from; i < to; i++) {
    const span *s = &v->spans[i];
    lua_createtable(L, 3, 0);
    lua_pushinteger(L, s->first);
    lua_rawseti(L, -2, 1);
    lua_pushinteger(L, s->last);
    lua_rawseti(L, -2, 2);
    lua_pushstring(L, v->groups[s->group]);
    lua_rawseti(L, -2, 3);
    lua_rawseti(L, -2, (int)(i - from + 1));
  }
  return 1;
}

/* v:memory() -> bytes held */
static int l_view_memory(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)view_memory(check_view(L)));
  return 1;
}

static int l_view_gc(lua_State *L) {
  view_ud *u = luaL_checkudata(L, 1, VIEW_MT);
  view_free(u->v);
  u->v = NULL;
  return 0;
}

/* core.view_of(result) -> view: a result table (as ds:view returns it) in C */
static int l_view_of(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  view *v;
  int rc = view_from_result(L, 1, &v);
  if (rc == BQW_EINVAL)
    return luaL_argerror(L, 1, "a view result has a lines table");
  if (rc)
    return luaL_error(L, "bqw: %s", bqw_strerror(rc));
  push_view(L, v);
  return 1;
}

/* ---- jobs ---- */

typedef struct job {
  atomic_int refs; /* the worker and the caller's userdata */
  atomic_bool cancelled, done;
  bool background; /* the worker runs at a lower priority than the caller */
  lua_State *W;    /* the worker's state, closed by the worker */
  bqw_dataset *ds; /* the worker's share, until its state owns it */
  view *result;    /* when done, unless it failed */
  char error[512]; /* when done without a result */
} job;

static void job_release(job *j) {
  if (atomic_fetch_sub(&j->refs, 1) > 1)
    return;
  view_free(j->result);
  bqw_dataset_free(j->ds);
  free(j);
}

/* The tick handed to the module: raises once the job is cancelled, so the view
 * plugin stops at its next tick. */
static int job_tick(lua_State *W) {
  job *j = lua_touserdata(W, lua_upvalueindex(1));
  if (atomic_load(&j->cancelled))
    return luaL_error(W, "cancelled");
  return 0;
}

/* In the worker's state: require(module)(dataset, spec, tick); its result (a view
 * result table, or nil, message) into the job. Stack: module name, spec. */
static int job_run(lua_State *W) {
  job *j = lua_touserdata(W, lua_upvalueindex(1));
  lua_getglobal(W, "require");
  lua_pushstring(W, "bqw.core"); /* the dataset's metatable, before the dataset */
  lua_call(W, 1, 0);
  lua_getglobal(W, "require");
  lua_pushvalue(W, 1);
  lua_call(W, 1, 1);
  bqw_lua_push_dataset(W, j->ds); /* the state owns the worker's share now */
  j->ds = NULL;
  lua_pushvalue(W, 2);
  lua_pushlightuserdata(W, j);
  lua_pushcclosure(W, job_tick, 1);
  lua_call(W, 3, 2);
  if (lua_type(W, -2) != LUA_TTABLE) {
    const char *msg = lua_tostring(W, -1);
    snprintf(j->error, sizeof j->error, "%s", msg ? msg : "the view has no result");
    return 0;
  }
  int rc = view_from_result(W, lua_gettop(W) - 1, &j->result);
  if (rc)
    snprintf(j->error, sizeof j->error, "%s",
             rc == BQW_EINVAL ? "the view plugin returned no lines table"
                              : bqw_strerror(rc));
  return 0;
}

static void *job_main(void *arg) {
  job *j = arg;
  lua_State *W = j->W;
#ifdef __linux__
  /* the host's own thread (keys, redraws) and its terminal come first: on Linux a
   * thread has a nice value of its own */
  if (j->background)
    setpriority(PRIO_PROCESS, (id_t)gettid(), 10);
#endif
  /* stack: module name, spec */
  lua_pushlightuserdata(W, j);
  lua_pushcclosure(W, job_run, 1);
  lua_insert(W, 1);
  if (lua_pcall(W, 2, 0, 0) != 0) {
    const char *msg = lua_tostring(W, -1);
    snprintf(j->error, sizeof j->error, "%s", msg ? msg : "the view job failed");
  }
  lua_close(W);
  j->W = NULL;
  atomic_store(&j->done, true);
  job_release(j);
  return NULL;
}

/* Copies the value at idx of L (nil, boolean, number, string, or a table of them) onto
 * W's stack; raises in L for anything else. */
static void copy_value(lua_State *L, int idx, lua_State *W, int depth) {
  switch (lua_type(L, idx)) {
  case LUA_TNIL:
    lua_pushnil(W);
    break;
  case LUA_TBOOLEAN:
    lua_pushboolean(W, lua_toboolean(L, idx));
    break;
  case LUA_TNUMBER:
#if LUA_VERSION_NUM >= 503
    if (lua_isinteger(L, idx)) {
      lua_pushinteger(W, lua_tointeger(L, idx));
      break;
    }
#endif
    lua_pushnumber(W, lua_tonumber(L, idx));
    break;
  case LUA_TSTRING: {
    size_t len;
    const char *s = lua_tolstring(L, idx, &len);
    lua_pushlstring(W, s, len);
    break;
  }
  case LUA_TTABLE:
    if (depth >= MAX_SPEC_DEPTH) {
      luaL_error(L, "bqw: view_job: the spec nests deeper than %d tables",
                 MAX_SPEC_DEPTH);
      return;
    }
    luaL_checkstack(L, 3, NULL);
    lua_newtable(W);
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
      int top = lua_gettop(L);
      copy_value(L, top - 1, W, depth + 1);
      copy_value(L, top, W, depth + 1);
      lua_settable(W, -3);
      lua_pop(L, 1);
    }
    break;
  default:
    luaL_error(L, "bqw: view_job: the spec holds a %s, which cannot go to another thread",
               luaL_typename(L, idx));
  }
}

typedef struct {
  job *j;
} job_ud;

static job *check_job(lua_State *L) {
  job_ud *u = luaL_checkudata(L, 1, JOB_MT);
  return u->j;
}

/* Closes W unless it is NULL; the W of a job that never started. */
static int close_state(lua_State *L) {
  lua_State **W = lua_touserdata(L, 1);
  if (*W)
    lua_close(*W);
  *W = NULL;
  return 0;
}

/* A worker runs this module's code after its Lua host may have closed and unloaded it
 * (a script that ends while a job runs): a module with a job started stays loaded. */
static void pin_module(void) {
  Dl_info info;
  if (dladdr((void *)pin_module, &info) && info.dli_fname)
    dlopen(info.dli_fname, RTLD_NOW | RTLD_NODELETE);
}

/*
 * core.view_job(dataset, path, module, spec [, background]) -> job | nil, message
 * Starts a thread with a Lua state of its own, whose package.path is path followed by
 * the absolute templates of the default (bqw_lua_confine_path), and
 * where require("bqw.core") is this module, and calls require(module)(ds, spec, tick)
 * there: ds the same dataset (shared), spec a copy of spec (plain values and tables),
 * tick a function to call now and then (it raises once the job is cancelled). What it
 * returns, a view result or nil, message, becomes job:result(). background (default
 * true): the thread runs at a lower priority than its caller (on Linux), for a long
 * build that must not take the caller's core; false for a short one wanted at once.
 */
static int l_view_job(lua_State *L) {
  bqw_dataset *ds = bqw_lua_check_dataset(L, 1);
  const char *path = luaL_checkstring(L, 2);
  const char *module = luaL_checkstring(L, 3);
  luaL_checktype(L, 4, LUA_TTABLE);
  bool background = lua_isnoneornil(L, 5) || lua_toboolean(L, 5);
  /* the state is closed by a guard if anything below raises */
  lua_State **guard = lua_newuserdata(L, sizeof *guard);
  *guard = NULL;
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, close_state);
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  pin_module();
  lua_State *W = *guard = luaL_newstate();
  if (!W)
    return luaL_error(L, "bqw: view_job: %s", bqw_strerror(BQW_ENOMEM));
  luaL_openlibs(W);
  lua_getglobal(W, "package");
  bqw_lua_confine_path(W, -1, "path", path);
  bqw_lua_confine_path(W, -1, "cpath", NULL);
  lua_getfield(W, -1, "preload");
  lua_pushcfunction(W, luaopen_bqw_core);
  lua_setfield(W, -2, "bqw.core");
  lua_pop(W, 2);
  lua_pushstring(W, module);
  copy_value(L, 4, W, 0);
  job *j = calloc(1, sizeof *j);
  if (!j)
    return luaL_error(L, "bqw: view_job: %s", bqw_strerror(BQW_ENOMEM));
  atomic_init(&j->refs, 2);
  j->W = W;
  j->background = background;
  j->ds = bqw_dataset_ref(ds);
  job_ud *u = lua_newuserdata(L, sizeof *u);
  u->j = j;
  luaL_setmetatable(L, JOB_MT);
  pthread_attr_t attr;
  pthread_t thread;
  int err = pthread_attr_init(&attr);
  if (!err) {
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    err = pthread_create(&thread, &attr, job_main, j);
    pthread_attr_destroy(&attr);
  }
  if (err) {
    atomic_store(&j->done, true); /* the guard closes W; the userdata frees j */
    atomic_fetch_sub(&j->refs, 1);
    j->W = NULL;
    lua_pushnil(L);
    lua_pushfstring(L, "bqw: view_job: cannot start a thread: %s", strerror(err));
    return 2;
  }
  *guard = NULL; /* the worker's now */
  return 1;
}

/* job:done() -> whether the worker has finished (cancelled or not) */
static int l_job_done(lua_State *L) {
  lua_pushboolean(L, atomic_load(&check_job(L)->done));
  return 1;
}

/* job:cancel(): the worker stops at its next tick; job:result() then fails */
static int l_job_cancel(lua_State *L) {
  atomic_store(&check_job(L)->cancelled, true);
  return 0;
}

/* job:result() -> view | nil, message, name: once, after done() says true */
static int l_job_result(lua_State *L) {
  job *j = check_job(L);
  if (!atomic_load(&j->done)) {
    lua_pushnil(L);
    lua_pushstring(L, "the view is still being built");
    lua_pushstring(L, "EBUSY");
    return 3;
  }
  if (atomic_load(&j->cancelled)) {
    lua_pushnil(L);
    lua_pushstring(L, "the view job was cancelled");
    lua_pushstring(L, "ECANCELED");
    return 3;
  }
  if (!j->result) {
    lua_pushnil(L);
    lua_pushstring(L, j->error[0] ? j->error : "the view's result was taken");
    lua_pushstring(L, "EVIEW");
    return 3;
  }
  push_view(L, j->result);
  j->result = NULL;
  j->error[0] = '\0';
  return 1;
}

static int l_job_gc(lua_State *L) {
  job_ud *u = luaL_checkudata(L, 1, JOB_MT);
  if (u->j) {
    atomic_store(&u->j->cancelled, true);
    job_release(u->j);
    u->j = NULL;
  }
  return 0;
}

/* core.thread_time() -> seconds of CPU the calling thread has used: what a step of
 * a host's main thread costs, apart from the workers' time that os.clock() adds in */
static int l_thread_time(lua_State *L) {
  struct timespec ts;
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
    return 0;
  lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec / 1e9);
  return 1;
}

static const luaL_Reg view_methods[] = {{"count", l_view_count},
                                        {"records", l_view_records},
                                        {"line", l_view_line},
                                        {"lines", l_view_lines},
                                        {"id", l_view_id},
                                        {"level", l_view_level},
                                        {"highlights", l_view_highlights},
                                        {"memory", l_view_memory},
                                        {NULL, NULL}};

static const luaL_Reg job_methods[] = {{"done", l_job_done},
                                       {"cancel", l_job_cancel},
                                       {"result", l_job_result},
                                       {NULL, NULL}};

void bqw_lua_open_view(lua_State *L) {
  bqw_lua_class(L, VIEW_MT, view_methods, l_view_gc);
  bqw_lua_class(L, JOB_MT, job_methods, l_job_gc);
  static const luaL_Reg functions[] = {{"view_of", l_view_of},
                                       {"view_job", l_view_job},
                                       {"thread_time", l_thread_time},
                                       {NULL, NULL}};
  luaL_setfuncs(L, functions, 0);
}
