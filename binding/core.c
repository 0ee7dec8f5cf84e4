/*
 * core.c -- bqw.core, the Lua binding of libbqw. Thin on purpose: it turns C
 * structs into Lua tables and codes into luv-style failures (nil, message, name);
 * the API users script against is lua/bqw/init.lua. Builds against Lua 5.4 and
 * LuaJIT (compat.h); links no Lua library, the host provides it.
 */
#include "binding.h"
#include "bqw.h"
#include "compat.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define DATASET_MT "bqw.core.dataset"

#if defined(__GNUC__)
#define BQW_LUA_EXPORT __attribute__((visibility("default")))
#else
#define BQW_LUA_EXPORT
#endif

typedef struct handle {
  bqw_dataset *ds;
} handle;

bqw_dataset *bqw_lua_check_dataset(lua_State *L, int idx) {
  handle *h = luaL_checkudata(L, idx, DATASET_MT);
  if (!h->ds)
    luaL_error(L, "bqw: dataset is closed");
  return h->ds;
}

static bqw_dataset *check_dataset(lua_State *L) { return bqw_lua_check_dataset(L, 1); }

static void set_string(lua_State *L, const char *key, const char *value) {
  if (value) {
    lua_pushstring(L, value);
    lua_setfield(L, -2, key);
  }
}

static void set_integer(lua_State *L, const char *key, lua_Integer value) {
  lua_pushinteger(L, value);
  lua_setfield(L, -2, key);
}

void bqw_lua_confine_path(lua_State *L, int package, const char *field,
                          const char *prefix) {
  if (package < 0 && package > LUA_REGISTRYINDEX) /* LuaJIT has no lua_absindex */
    package = lua_gettop(L) + package + 1;
  lua_getfield(L, package, field);
  const char *old = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
  lua_pushstring(L, prefix ? prefix : "");
  for (const char *t = old; *t;) {
    size_t n = strcspn(t, ";");
    if (t[0] == '/') {
      lua_pushstring(L, lua_tostring(L, -1)[0] ? ";" : "");
      lua_pushlstring(L, t, n);
      lua_concat(L, 3);
    }
    t += n + (t[n] == ';');
  }
  lua_setfield(L, package, field);
  lua_pop(L, 1); /* the old value, kept alive until now */
}

void bqw_lua_class(lua_State *L, const char *name, const luaL_Reg *methods,
                   lua_CFunction gc) {
  if (luaL_newmetatable(L, name)) {
    if (gc) {
      lua_pushcfunction(L, gc);
      lua_setfield(L, -2, "__gc");
    }
    if (methods) {
      lua_newtable(L);
      luaL_setfuncs(L, methods, 0);
      lua_setfield(L, -2, "__index");
    }
  }
  lua_pop(L, 1);
}

void bqw_lua_push_dataset(lua_State *L, bqw_dataset *ds) {
  handle *h = lua_newuserdata(L, sizeof *h);
  h->ds = ds;
  luaL_setmetatable(L, DATASET_MT);
  /* The collector sees a few bytes of userdata, not the megabytes behind them: tell it
   * they were allocated (Lua 5.4 and LuaJIT both take LUA_GCSTEP's data as kilobytes
   * of allocation), so a program that loads again and again without ds:close() gets
   * its old datasets collected at the pace their real size calls for. */
  size_t kb = bqw_dataset_memory(ds) / 1024;
  lua_gc(L, LUA_GCSTEP, kb > INT_MAX ? INT_MAX : (int)kb);
}

/* The optional size limit argument: nil or a positive integer number of bytes. */
static size_t opt_max_size(lua_State *L, int arg) {
  if (lua_isnoneornil(L, arg))
    return 0;
  lua_Number n = luaL_checknumber(L, arg);
  luaL_argcheck(L, n >= 1 && n <= 9007199254740992.0 && n == (lua_Number)(size_t)n, arg,
                "max_size must be a positive whole number of bytes");
  return (size_t)n;
}

/* Pushes the dataset, or nil, message, name when there is none to return. */
static int push_loaded(lua_State *L, int rc, bqw_dataset *ds) {
  if (!ds) {
    lua_pushnil(L);
    lua_pushstring(L, bqw_strerror(rc));
    lua_pushstring(L, bqw_err_name(rc));
    return 3;
  }
  bqw_lua_push_dataset(L, ds);
  return 1;
}

/* core.load([path [, max_size]]) -> dataset | nil, message, name */
static int l_load(lua_State *L) {
  bqw_dataset *ds = NULL;
  bqw_load_options opts = {.max_size = opt_max_size(L, 2)};
  int rc = lua_isnoneornil(L, 1) ? bqw_load_default(&ds)
                                 : bqw_load_file_opts(luaL_checkstring(L, 1), &opts, &ds);
  return push_loaded(L, rc, ds);
}

/* core.load_buffer(bytes [, name]) -> dataset | nil, message, name */
static int l_load_buffer(lua_State *L) {
  size_t len;
  const char *bytes = luaL_checklstring(L, 1, &len);
  const char *name = luaL_optstring(L, 2, "(buffer)");
  bqw_dataset *ds = NULL;
  int rc = bqw_load_buffer(name, bytes, len, &ds);
  return push_loaded(L, rc, ds);
}

/* core.read_file(path | nil [, max_size]) -> bytes | nil, "PATH: error: why", name:
 * the whole file read as the loader reads it (bqw_read_file; nil: stdin, named
 * <stdin>). */
static int l_read_file(lua_State *L) {
  const char *path = luaL_optstring(L, 1, NULL);
  size_t max_size = opt_max_size(L, 2), len = 0;
  char *data = NULL, why[300];
  int rc = bqw_read_file(path, max_size, &data, &len, why, sizeof why);
  if (rc) {
    lua_pushnil(L);
    if (rc == BQW_EIO)
      lua_pushfstring(L, "%s: error: %s", path ? path : "<stdin>", why);
    else
      lua_pushstring(L, bqw_strerror(rc));
    lua_pushstring(L, bqw_err_name(rc));
    return 3;
  }
  lua_pushlstring(L, data, len);
  bqw_read_free(data);
  return 1;
}

/* core.check_text(bytes [, name]) -> nil | "NAME:LINE:COL: error: what", offset: the
 * loader's encoding checks (bqw_check_text); offset (from 0) is where the line of the
 * problem starts, COL counts bytes as bqw check does. */
static int l_check_text(lua_State *L) {
  size_t len;
  const char *bytes = luaL_checklstring(L, 1, &len);
  const char *name = luaL_optstring(L, 2, "(buffer)");
  bqw_text_problem problem;
  if (bqw_check_text(name, bytes, len, &problem) == 0) {
    lua_pushnil(L);
    return 1;
  }
  lua_pushfstring(L, "%s:%d:%d: error: %s", name, (int)problem.line,
                  (int)problem.byte_col, problem.message);
  lua_pushinteger(L, (lua_Integer)problem.line_offset);
  return 2;
}

/* core.default_digest() -> the embedded digest's bytes */
static int l_default_digest(lua_State *L) {
  size_t len;
  const unsigned char *bytes = bqw_default_digest(&len);
  lua_pushlstring(L, (const char *)bytes, len);
  return 1;
}

static int l_gc(lua_State *L) {
  handle *h = luaL_checkudata(L, 1, DATASET_MT);
  bqw_dataset_free(h->ds);
  h->ds = NULL;
  return 0;
}

/* ds:status() -> 0 | negative code, name */
static int l_status(lua_State *L) {
  int rc = bqw_dataset_status(check_dataset(L));
  lua_pushinteger(L, rc);
  lua_pushstring(L, bqw_err_name(rc));
  return 2;
}

static int l_name(lua_State *L) {
  lua_pushstring(L, bqw_dataset_name(check_dataset(L)));
  return 1;
}

static int l_count(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)bqw_record_count(check_dataset(L)));
  return 1;
}

typedef bqw_lua_script script_mode;

static script_mode check_script(lua_State *L, int arg) {
  static const char *const modes[] = {"original", "hans", "hant", NULL};
  return (script_mode)luaL_checkoption(L, arg, "original", modes);
}

/* ds:record(id [, script [, fields]]) -> table | nil; fields a core.field_set (default:
 * every field); script: "original" (default), "hans" or
 * "hant", the text converted as bqw's records present it */
static int l_record(lua_State *L) {
  bqw_dataset *ds = check_dataset(L);
  lua_Integer id = luaL_checkinteger(L, 2);
  script_mode mode = check_script(L, 3);
  const bqw_record *r = id >= 1 ? bqw_record_at(ds, (size_t)id - 1) : NULL;
  if (!r) {
    lua_pushnil(L);
    return 1;
  }
  bqw_lua_push_record_fields(L, ds, (size_t)id - 1, mode,
                             luaL_optinteger(L, 4, BQW_LUA_ALL_FIELDS));
  return 1;
}

/* ds:records([first [, last [, script]]]) -> array of tables, in source order: records
 * first..last (ids, from 1; default all), so a host can build them in slices; script as
 * ds:record's */
static int l_records(lua_State *L) {
  bqw_dataset *ds = check_dataset(L);
  size_t n = bqw_record_count(ds);
  lua_Integer first = luaL_optinteger(L, 2, 1);
  lua_Integer last = luaL_optinteger(L, 3, (lua_Integer)n);
  script_mode mode = check_script(L, 4);
  luaL_argcheck(L, first >= 1, 2, "first must be >= 1");
  if (last > (lua_Integer)n)
    last = (lua_Integer)n;
  lua_createtable(L, last >= first ? (int)(last - first + 1) : 0, 0);
  for (lua_Integer id = first; id <= last; id++) {
    bqw_lua_push_record(L, ds, (size_t)id - 1, mode);
    lua_rawseti(L, -2, (int)(id - first + 1));
  }
  return 1;
}

static int l_meta(lua_State *L) {
  const bqw_meta *m = bqw_dataset_meta(check_dataset(L));
  lua_createtable(L, 0, 5);
  set_string(L, "introduction", m->introduction);
  set_string(L, "byline", m->byline);
  lua_createtable(L, (int)m->byline_count, 0);
  for (size_t i = 0; i < m->byline_count; i++) {
    lua_pushstring(L, m->bylines[i]);
    lua_rawseti(L, -2, (int)i + 1);
  }
  lua_setfield(L, -2, "bylines");
  set_string(L, "credits", m->credits);
  set_string(L, "source_note", m->source_note);
  set_string(L, "source", m->source);
  return 1;
}

static int l_stats(lua_State *L) {
  bqw_stats s;
  bqw_dataset_stats(check_dataset(L), &s);
  lua_createtable(L, 0, 9);
  set_integer(L, "provincial_documents", (lua_Integer)s.provincial_documents);
  set_integer(L, "provincial_measures", (lua_Integer)s.provincial_measures);
  set_integer(L, "city_entries", (lua_Integer)s.city_entries);
  set_integer(L, "city_measures", (lua_Integer)s.city_measures);
  set_integer(L, "guiding_documents", (lua_Integer)s.guiding_documents);
  set_integer(L, "targets", (lua_Integer)s.targets);
  set_integer(L, "meetings", (lua_Integer)s.meetings);
  set_integer(L, "measures", (lua_Integer)s.measures);
  set_integer(L, "other", (lua_Integer)s.other);
  return 1;
}

static int l_report(lua_State *L) {
  const bqw_report *r = bqw_dataset_report(check_dataset(L));
  lua_createtable(L, 0, 9);
  set_integer(L, "bytes", (lua_Integer)r->bytes);
  set_integer(L, "lines", (lua_Integer)r->lines);
  set_integer(L, "residue_removed", (lua_Integer)r->residue_removed);
  set_integer(L, "repairs_applied", (lua_Integer)r->repairs_applied);
  set_integer(L, "normalized_runs", (lua_Integer)r->normalized_runs);
  lua_pushboolean(L, r->had_bom);
  lua_setfield(L, -2, "had_bom");
  lua_pushboolean(L, r->had_cr);
  lua_setfield(L, -2, "had_cr");
  set_integer(L, "errors", (lua_Integer)r->errors);
  set_integer(L, "warnings", (lua_Integer)r->warnings);
  return 1;
}

/* ds:diagnostics() -> array of { severity, line, col, col_byte, message, formatted };
 * col counts characters, col_byte bytes (as formatted, clang and Vim's quickfix do) */
static int l_diagnostics(lua_State *L) {
  bqw_dataset *ds = check_dataset(L);
  size_t n = bqw_diag_count(ds);
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    const bqw_diag *d = bqw_diag_at(ds, i);
    char buf[1400];
    int len = bqw_diag_format(ds, d, buf, sizeof buf);
    lua_createtable(L, 0, 6);
    set_string(L, "severity", bqw_severity_name(d->severity));
    set_integer(L, "line", d->line);
    set_integer(L, "col", d->col);
    set_integer(L, "col_byte", d->byte_col);
    set_string(L, "message", d->message);
    lua_pushlstring(L, buf, len < (int)sizeof buf ? (size_t)len : sizeof buf - 1);
    lua_setfield(L, -2, "formatted");
    lua_rawseti(L, -2, (int)i + 1);
  }
  return 1;
}

static int l_close(lua_State *L) { return l_gc(L); }

/* ds:index([background [, nice]]) -> true | nil, message, name: builds the search index
 * and returns when searches answer from it, or with background true starts building it
 * on a thread of the dataset's own and returns at once (bqw_dataset_index_start) */
static int l_index(lua_State *L) {
  bqw_dataset *ds = check_dataset(L);
  int rc;
  if (lua_toboolean(L, 2)) {
    lua_Integer nice = luaL_optinteger(L, 3, 0);
    luaL_argcheck(L, nice >= 0 && nice <= 19, 3, "nice must be 0..19");
    rc = bqw_dataset_index_start(ds, (int)nice);
  } else {
    rc = bqw_dataset_index(ds);
  }
  if (rc) {
    lua_pushnil(L);
    lua_pushstring(L, bqw_strerror(rc));
    lua_pushstring(L, bqw_err_name(rc));
    return 3;
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* ds:index_ready() -> whether searches answer from the index */
static int l_index_ready(lua_State *L) {
  lua_pushboolean(L, bqw_dataset_index_ready(check_dataset(L)));
  return 1;
}

/* ds:memory() -> bytes the dataset holds in C */
static int l_memory(lua_State *L) {
  lua_pushnumber(L, (lua_Number)bqw_dataset_memory(check_dataset(L)));
  return 1;
}

static void push_spans(lua_State *L, const char *text, size_t len, const char *q,
                       size_t qlen, bool pinyin) {
  bqw_span spans[64];
  size_t n = pinyin ? bqw_pinyin_spans(text, len, q, qlen, spans, 64)
                    : bqw_match_spans(text, len, q, qlen, spans, 64);
  if (n > 64)
    n = 64;
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    lua_createtable(L, 2, 0);
    lua_pushinteger(L, spans[i].start);
    lua_rawseti(L, -2, 1);
    lua_pushinteger(L, spans[i].end);
    lua_rawseti(L, -2, 2);
    lua_rawseti(L, -2, (int)i + 1);
  }
}

/* Pushes nil, message, name for a search that failed with rc. */
static int search_failed(lua_State *L, int rc, bool pinyin) {
  lua_pushnil(L);
  lua_pushstring(L, rc != BQW_EINVAL ? bqw_strerror(rc)
                    : pinyin ? "pinyin query must be latin letters (up to 64), such as "
                               "xczx or xiangcunzhenxing"
                             : "empty search query: give some text to find");
  lua_pushstring(L, bqw_err_name(rc));
  return 3;
}

/* ds:search_ids(query) -> { [id] = true, … }: the records a field of which matches, as
 * ds:search finds them, without their texts and spans | nil, message, name */
static int l_search_ids(lua_State *L) {
  bqw_dataset *ds = check_dataset(L);
  size_t qlen;
  const char *q = luaL_checklstring(L, 2, &qlen);
  bqw_results *res = NULL;
  int rc = bqw_dataset_search(ds, q, qlen, SIZE_MAX, &res);
  if (rc)
    return search_failed(L, rc, false);
  lua_newtable(L);
  for (size_t i = 0; i < res->count; i++) {
    size_t record, item;
    bqw_field field;
    bqw_tag_split(res->hits[i].tag, &record, &field, &item);
    lua_pushboolean(L, 1);
    lua_rawseti(L, -2, (int)record + 1);
  }
  bqw_results_free(res);
  return 1;
}

/* ds:search(query [, limit [, pinyin [, script]]]) -> { total, hits = { {id, field,
 * item, text, spans}, … } } | nil, message, name; text in the script (default
 * "original"), spans (byte ranges) over that text */
static int l_search(lua_State *L) {
  bqw_dataset *ds = check_dataset(L);
  size_t qlen;
  const char *q = luaL_checklstring(L, 2, &qlen);
  lua_Integer limit = luaL_optinteger(L, 3, 50);
  bool pinyin = lua_toboolean(L, 4);
  script_mode mode = check_script(L, 5);
  bqw_results *res = NULL;
  size_t lim = limit < 0 ? 0 : (size_t)limit;
  int rc = pinyin ? bqw_dataset_search_pinyin(ds, q, qlen, lim, &res)
                  : bqw_dataset_search(ds, q, qlen, lim, &res);
  if (rc)
    return search_failed(L, rc, pinyin);
  lua_createtable(L, 0, 2);
  lua_pushinteger(L, (lua_Integer)res->total);
  lua_setfield(L, -2, "total");
  lua_createtable(L, (int)res->count, 0);
  for (size_t i = 0; i < res->count; i++) {
    size_t record, item;
    bqw_field field;
    bqw_tag_split(res->hits[i].tag, &record, &field, &item);
    const char *text = bqw_field_text(ds, record, field, item);
    const bqw_field_info *fi = bqw_search_field(field);
    lua_createtable(L, 0, 4);
    set_integer(L, "id", (lua_Integer)record + 1);
    set_string(L, "field", fi->name);
    if (field == BQW_FIELD_MEASURE)
      set_integer(L, "item", (lua_Integer)item + 1);
    /* the field's text as the record shows it in the script, and the spans over it */
    bqw_lua_push_text(L, text, bqw_lua_presented(fi->present, mode));
    size_t tlen;
    text = lua_tolstring(L, -1, &tlen);
    lua_setfield(L, -2, "text"); /* the table keeps the string, text stays valid */
    push_spans(L, text, tlen, q, qlen, pinyin);
    lua_setfield(L, -2, "spans");
    lua_rawseti(L, -2, (int)i + 1);
  }
  lua_setfield(L, -2, "hits");
  bqw_results_free(res);
  return 1;
}

static const luaL_Reg dataset_methods[] = {{"status", l_status},
                                           {"name", l_name},
                                           {"count", l_count},
                                           {"record", l_record},
                                           {"records", l_records},
                                           {"meta", l_meta},
                                           {"stats", l_stats},
                                           {"report", l_report},
                                           {"diagnostics", l_diagnostics},
                                           {"close", l_close},
                                           {"search", l_search},
                                           {"memory", l_memory},
                                           {"search_ids", l_search_ids},
                                           {"index", l_index},
                                           {"index_ready", l_index_ready},
                                           {NULL, NULL}};

/* core.fact_table(name) -> TSV text of a curated table | nil */
static int l_fact_table(lua_State *L) {
  size_t len;
  const char *text = bqw_fact_table(luaL_checkstring(L, 1), &len);
  if (!text) {
    lua_pushnil(L);
    return 1;
  }
  lua_pushlstring(L, text, len);
  return 1;
}

/* core.match_spans(text, query [, pinyin]) -> { {start, end}, … } byte ranges, 0-based,
 * end exclusive, of the query in the text as search folds them (or as pinyin) */
static int l_match_spans(lua_State *L) {
  size_t len, qlen;
  const char *text = luaL_checklstring(L, 1, &len);
  const char *q = luaL_checklstring(L, 2, &qlen);
  push_spans(L, text, len, q, qlen, lua_toboolean(L, 3));
  return 1;
}

/* core.uuid5(namespace, name) -> the version 5 UUID of name in namespace (bqw_uuid5),
 * lowercase */
static int l_uuid5(lua_State *L) {
  size_t len;
  const char *ns = luaL_checkstring(L, 1);
  const char *name = luaL_checklstring(L, 2, &len);
  char out[37];
  if (bqw_uuid5(ns, name, len, out) != 0)
    return luaL_argerror(L, 1, "expected a UUID (8-4-4-4-12 hex digits)");
  lua_pushstring(L, out);
  return 1;
}

/* core.fold(s) -> s folded as search folds it (bqw_fold: script, width, case and the
 * conversion overrides), one code point per character of s, as UTF-8 */
static int l_fold(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  int32_t *cp = lua_newuserdata(L, (len + 1) * sizeof *cp);
  uint32_t *at = lua_newuserdata(L, (len + 1) * sizeof *at);
  size_t n = bqw_fold(s, len, cp, at);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (size_t i = 0; i < n; i++) {
    char u[4];
    for (size_t k = 0, len_u = bqw_utf8_encode(cp[i], u); k < len_u; k++)
      luaL_addchar(&b, u[k]);
  }
  luaL_pushresult(&b);
  return 1;
}

/* core.collate_key(s) -> a sort key for s in pinyin order (bqw_collate_key), as
 * lowercase hex digits: their order under < is the same in every locale (Lua 5.4's
 * string comparison uses strcoll) */
static int l_collate_key(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  char small[512];
  char *key = small;
  size_t n = bqw_collate_key(s, len, small, sizeof small);
  if (n > sizeof small) {
    key = lua_newuserdata(L, n);
    bqw_collate_key(s, len, key, n);
  }
  static const char hex[] = "0123456789abcdef";
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (size_t i = 0; i < n; i++) {
    luaL_addchar(&b, hex[(unsigned char)key[i] >> 4]);
    luaL_addchar(&b, hex[(unsigned char)key[i] & 15]);
  }
  luaL_pushresult(&b);
  return 1;
}

/* core.convert(s, script) -> s in "hans" or "hant" | nil, message, name */
static int l_convert(lua_State *L) {
  size_t len, out_len;
  const char *s = luaL_checklstring(L, 1, &len);
  static const char *const scripts[] = {"hans", "hant", NULL};
  bqw_script script = (bqw_script)luaL_checkoption(L, 2, NULL, scripts);
  char *out;
  int rc = bqw_convert(s, len, script, &out, &out_len);
  if (rc) {
    lua_pushnil(L);
    lua_pushfstring(L, "cannot convert to %s: %s", scripts[script], bqw_strerror(rc));
    lua_pushstring(L, bqw_err_name(rc));
    return 3;
  }
  lua_pushlstring(L, out, out_len);
  bqw_free(out);
  return 1;
}

/* core.scandir(dir) -> the names of the entries of dir that are not directories, in
 * the order read | nil when dir cannot be read. (Plugin directories are listed with
 * it: a shell's `ls` per directory cost more than loading the digest.) */
static int l_scandir(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  DIR *dir = opendir(path);
  if (!dir) {
    lua_pushnil(L);
    return 1;
  }
  lua_newtable(L);
  int n = 0;
  struct dirent *e;
  while ((e = readdir(dir)) != NULL) {
    bool is_dir = e->d_type == DT_DIR;
    if (e->d_type == DT_UNKNOWN || e->d_type == DT_LNK) {
      struct stat st;
      is_dir = fstatat(dirfd(dir), e->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode);
    }
    if (is_dir)
      continue;
    lua_pushstring(L, e->d_name);
    lua_rawseti(L, -2, ++n);
  }
  closedir(dir);
  return 1;
}

/* core.isatty(fd) -> boolean: whether the descriptor is a terminal (colour, progress) */
static int l_isatty(lua_State *L) {
  lua_pushboolean(L, isatty((int)luaL_checkinteger(L, 1)));
  return 1;
}

/* core.terminal_width(fd) -> columns | nil when fd is not a terminal */
static int l_terminal_width(lua_State *L) {
  struct winsize ws;
  if (ioctl((int)luaL_checkinteger(L, 1), TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0) {
    lua_pushnil(L);
    return 1;
  }
  lua_pushinteger(L, ws.ws_col);
  return 1;
}

static int check_ambiwidth(lua_State *L, int arg) {
  lua_Integer a = luaL_optinteger(L, arg, 1);
  if (a != 1 && a != 2)
    luaL_argerror(L, arg, "ambiwidth must be 1 or 2");
  return (int)a;
}

/* core.width(s [, ambiwidth]) -> display cells */
static int l_width(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  lua_pushinteger(L, (lua_Integer)bqw_display_width(s, len, check_ambiwidth(L, 2)));
  return 1;
}

/* core.visible(s) -> s with the characters a terminal would act on or that reorder
 * text shown as "\x1b" or "<U+202E>" (bqw_visible); s itself when it has none (the
 * common case, found without a copy) */
static int l_visible(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  size_t n = bqw_visible(s, len, NULL, 0);
  if (n == len) {
    lua_pushvalue(L, 1);
    return 1;
  }
  char *out = malloc(n);
  if (!out)
    return luaL_error(L, "bqw: out of memory");
  bqw_visible(s, len, out, n);
  lua_pushlstring(L, out, n);
  free(out);
  return 1;
}

/* core.truncate(s, width [, ellipsis = "…" [, ambiwidth]]) -> s cut to fit width
 * cells, ellipsis included when cut; and the cells it takes */
static int l_truncate(lua_State *L) {
  size_t len, elen;
  const char *s = luaL_checklstring(L, 1, &len);
  lua_Integer width = luaL_checkinteger(L, 2);
  const char *ellipsis = luaL_optlstring(L, 3, "\xE2\x80\xA6", &elen);
  int ambiwidth = check_ambiwidth(L, 4);
  size_t total = bqw_display_width(s, len, ambiwidth);
  if (width < 0)
    width = 0;
  if (total <= (size_t)width) {
    lua_pushvalue(L, 1);
    lua_pushinteger(L, (lua_Integer)total);
    return 2;
  }
  size_t ewidth = bqw_display_width(ellipsis, elen, ambiwidth), used;
  if (ewidth > (size_t)width)
    ewidth = elen = 0;
  size_t keep = bqw_fit_width(s, len, (size_t)width - ewidth, ambiwidth, &used);
  lua_pushlstring(L, s, keep);
  lua_pushlstring(L, ellipsis, elen);
  lua_concat(L, 2);
  lua_pushinteger(L, (lua_Integer)(used + ewidth));
  return 2;
}

/* Scratch space of core.delimited, kept between calls in its upvalue (freed with it),
 * so an error half-way through a row leaks nothing. */
#define SCRATCH_MT "bqw.core.scratch"

static int scratch_gc(lua_State *L) {
  bqw_buf_free(luaL_checkudata(L, 1, SCRATCH_MT));
  return 0;
}

/* Appends n bytes to sb; raises when memory runs out. */
static void scratch_put(lua_State *L, bqw_buf *sb, const char *p, size_t n) {
  if (bqw_buf_append(sb, p, n) < 0)
    luaL_error(L, "bqw: out of memory");
}

/* Appends the value on top of the stack as tostring makes it text, and pops it.
 * (LuaJIT has no luaL_tolstring.) */
static void scratch_add_value(lua_State *L, bqw_buf *sb) {
  size_t n;
  int t = lua_type(L, -1);
  if (t == LUA_TBOOLEAN) {
    const char *b = lua_toboolean(L, -1) ? "true" : "false";
    scratch_put(L, sb, b, strlen(b));
    lua_pop(L, 1);
    return;
  }
  if (t == LUA_TSTRING || t == LUA_TNUMBER) {
    lua_pushvalue(L, -1); /* lua_tolstring turns a number into a string in place */
  } else {
    lua_getglobal(L, "tostring");
    lua_pushvalue(L, -2);
    lua_call(L, 1, 1);
  }
  const char *p = lua_tolstring(L, -1, &n);
  scratch_put(L, sb, p ? p : "", p ? n : 0);
  lua_pop(L, 2);
}

/* Appends one cell as export_util.cell makes it text: nil "", a list joined by "; "
 * (a record's measures by newlines), anything else as tostring. */
static void add_cell(lua_State *L, bqw_buf *sb, int row, const char *column) {
  lua_getfield(L, row, column);
  if (lua_istable(L, -1)) {
    const char *sep = bqw_list_joiner(column, strlen(column));
    for (int i = 1;; i++) {
      lua_rawgeti(L, -1, i);
      if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        break;
      }
      if (i > 1)
        scratch_put(L, sb, sep, strlen(sep));
      scratch_add_value(L, sb);
    }
    lua_pop(L, 1);
  } else if (!lua_isnil(L, -1)) {
    scratch_add_value(L, sb);
  } else {
    lua_pop(L, 1);
  }
}

/* core.delimited(row, columns, format [, raw]) -> the row's line, terminator
 * included: format "csv" (RFC 4180: a cell holding , " CR or LF quoted, quotes
 * doubled; CRLF) or "tsv" (CSV with TAB: a cell holding TAB " CR or LF quoted, quotes
 * doubled, CR written as LF; LF), as plugins/export/tsv.lua documents. Unless raw, a
 * cell starting with = + - @ TAB CR gets a ' before it. Cells are made as
 * export_util.cell makes them. */
static int l_delimited(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checktype(L, 2, LUA_TTABLE);
  static const char *const formats[] = {"csv", "tsv", NULL};
  bool tsv = luaL_checkoption(L, 3, NULL, formats) == 1;
  bool raw = lua_toboolean(L, 4);
  bqw_buf *line = lua_touserdata(L, lua_upvalueindex(1));
  bqw_buf *cell = lua_touserdata(L, lua_upvalueindex(2));
  line->len = 0;
  for (int i = 1;; i++) {
    lua_rawgeti(L, 2, i);
    const char *column = lua_tostring(L, -1);
    if (!column) {
      lua_pop(L, 1);
      break;
    }
    cell->len = 0;
    add_cell(L, cell, 1, column);
    lua_pop(L, 1);
    if (i > 1)
      scratch_put(L, line, tsv ? "\t" : ",", 1);
    if (bqw_delimited_cell(line, cell->data, cell->len, tsv, raw) < 0)
      return luaL_error(L, "bqw: out of memory");
  }
  scratch_put(L, line, tsv ? "\n" : "\r\n", tsv ? 1 : 2);
  lua_pushlstring(L, line->data, line->len);
  return 1;
}

static const luaL_Reg functions[] = {{"load", l_load},
                                     {"width", l_width},
                                     {"fact_table", l_fact_table},
                                     {"isatty", l_isatty},
                                     {"scandir", l_scandir},
                                     {"convert", l_convert},
                                     {"read_file", l_read_file},
                                     {"check_text", l_check_text},
                                     {"match_spans", l_match_spans},
                                     {"fold", l_fold},
                                     {"uuid5", l_uuid5},
                                     {"collate_key", l_collate_key},
                                     {"terminal_width", l_terminal_width},
                                     {"truncate", l_truncate},
                                     {"visible", l_visible},
                                     {"load_buffer", l_load_buffer},
                                     {"default_digest", l_default_digest},
                                     {NULL, NULL}};

#ifdef BQW_LUA_MODULE
#include <dlfcn.h>
#include <stdio.h>

#if LUA_VERSION_NUM >= 502
#define BUILT_FOR "Lua " LUA_VERSION_MAJOR "." LUA_VERSION_MINOR
#define ADVICE                                                                           \
  "under LuaJIT/Neovim run `make nvim` and use lua/bqw/core.so of the source tree"
#else
#define BUILT_FOR "LuaJIT (Neovim)"
#define ADVICE                                                                           \
  "under Lua 5.4 use build/lua/bqw/core.so (make) or the installed "                     \
  "lib/lua/5.4/bqw/core.so"
#endif

/* Nonzero, with the error raised, when the interpreter that loaded this module lacks a
 * Lua C API function the module was built against. Calls only lua_pushstring and
 * lua_error, which every Lua ABI has. */
static int abi_mismatch(lua_State *L) {
#define BQW_LUA_ADDRESS(f) (void (*)(void)) f,
  static void (*const api[])(void) = {BQW_LUA_FUNCTIONS(BQW_LUA_ADDRESS)};
#undef BQW_LUA_ADDRESS
  bool complete = true;
  for (size_t i = 0; i < sizeof api / sizeof api[0]; i++)
    complete = complete && api[i];
  if (complete)
    return 0;
  /* The file's own path, so the user sees which of several core.so it was. */
  Dl_info info;
  const char *path = dladdr((void *)abi_mismatch, &info) && info.dli_fname
                         ? info.dli_fname
                         : "bqw/core.so";
  char message[1024];
  snprintf(message, sizeof message,
           "%s was built for " BUILT_FOR
           " and cannot load into this interpreter; " ADVICE,
           path);
  if (!lua_pushstring || !lua_error) {
    fprintf(stderr, "%s\n", message);
    return 1;
  }
  lua_pushstring(L, message);
  lua_error(L);
  return 1;
}
#else
static int abi_mismatch(lua_State *L) {
  (void)L;
  return 0;
}
#endif

BQW_LUA_EXPORT int luaopen_bqw_core(lua_State *L) {
  /* before any other Lua function: the wrong interpreter has NULLs here */
  if (abi_mismatch(L))
    return 0;
  bqw_lua_class(L, DATASET_MT, dataset_methods, l_gc);
  luaL_newlib(L, functions);
  bqw_lua_class(L, SCRATCH_MT, NULL, scratch_gc);
  for (int i = 0; i < 2; i++) {
    bqw_buf *sb = lua_newuserdata(L, sizeof *sb);
    *sb = (bqw_buf){0};
    luaL_setmetatable(L, SCRATCH_MT);
  }
  lua_pushcclosure(L, l_delimited, 2);
  lua_setfield(L, -2, "delimited");
  luaL_getmetatable(L, DATASET_MT);
  lua_getfield(L, -1, "__index");
  bqw_lua_open_filter(L, lua_gettop(L) - 2, lua_gettop(L));
  bqw_lua_open_schema(L, lua_gettop(L) - 2);
  bqw_lua_open_code(L, lua_gettop(L) - 2, lua_gettop(L));
  lua_pop(L, 2);
  bqw_lua_open_loop(L);
  bqw_lua_open_view(L);
  bqw_lua_open_fs(L);
#ifdef BQW_HAVE_XLSX
  bqw_lua_open_xlsx(L);
#endif
#ifdef BQW_HAVE_SQLITE
  bqw_lua_open_sqlite(L);
#endif
#ifdef BQW_HAVE_ZIP
  bqw_lua_open_zip(L);
#endif
  lua_pushstring(L, bqw_version());
  lua_setfield(L, -2, "version");
  lua_pushstring(L, LUA_VERSION);
  lua_setfield(L, -2, "lua_abi");
  lua_pushnumber(L, (lua_Number)BQW_DEFAULT_MAX_SIZE);
  lua_setfield(L, -2, "default_max_size");
  return 1;
}
