/*
 * filter.c -- the simple filters of a query evaluated in C over the dataset's records,
 * so a query walks the records without building a Lua table for those that do not
 * match. The semantics are those of the built-in filter plugins (plugins/filter/) on
 * records as published; lua/bqw/query.lua decides which parts of a query come here.
 *
 *   core.filter(tree) -> filter
 *     tree: { op = "and" | "or", … } | { op = "not", tree }
 *         | { field = "kind" | "level" | "section" | "category" | "city" | "region",
 *             cmp = "=" | "~", value = s [, alt = s] }   (alt: a second value = accepts)
 *         | { field = "year" | "id", cmp = "=" | ">=" | "<=" | ">" | "<",
 *             value = { from, to } }
 *         | { field = "ids", cmp = "=", value = { [id] = true, … } }
 *             (the records of a search, ds:search_ids: the text filter)
 *   ds:next_match(filter, from) -> the first id >= from whose record matches | nil
 *   ds:facet(field [, filter [, last]]) -> values, counts, measures
 *     field: "region" | "city" | "category" | "doctype" | "issuer" | "year" | "level"
 *            | "kind" | "mentions" | "section" (its heading as published, else its
 *            name); the records 1..last (default all) the filter
 *     selects (default all) counted once under each value they have, as published;
 *     values, counts and measures (the measures of the records counted under each
 *     value) are parallel arrays in the order the values were first met.
 */
#include "binding.h"
#include "bqw.h"
#include "compat.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FILTER_MT "bqw.core.filter"

typedef enum node_kind { NODE_AND, NODE_OR, NODE_NOT, NODE_LEAF } node_kind;
typedef enum leaf_field {
  F_KIND,
  F_LEVEL,
  F_SECTION,
  F_CATEGORY,
  F_CITY,
  F_REGION,
  F_YEAR,
  F_ID,
  F_IDS
} leaf_field;
typedef enum leaf_cmp { C_EQ, C_CONTAINS, C_GE, C_LE, C_GT, C_LT } leaf_cmp;

typedef struct node {
  node_kind kind;
  leaf_field field;
  leaf_cmp cmp;
  char *value, *alt;  /* strings, owned */
  bool fold;          /* compare the field in Simplified (value is Simplified) */
  double from, to;    /* year, id: as Lua compares them (a huge value stays huge) */
  unsigned char *ids; /* ids: a bit per record id, ids_len bytes */
  size_t ids_len;
  struct node **items; /* and, or, not */
  size_t count;
} node;

typedef struct filter {
  node *root;
} filter;

static void node_free(node *n) {
  if (!n)
    return;
  for (size_t i = 0; i < n->count; i++)
    node_free(n->items[i]);
  free(n->items);
  free(n->value);
  free(n->alt);
  free(n->ids);
  free(n);
}

static int filter_gc(lua_State *L) {
  filter *f = luaL_checkudata(L, 1, FILTER_MT);
  node_free(f->root);
  f->root = NULL;
  return 0;
}

static char *dup_field(lua_State *L, int t, const char *key) {
  lua_getfield(L, t, key);
  const char *s = lua_tostring(L, -1);
  char *out = s ? strdup(s) : NULL;
  lua_pop(L, 1);
  return out;
}

static double range_end(lua_State *L, int t, int i) {
  lua_rawgeti(L, t, i);
  double v = (double)lua_tonumber(L, -1);
  lua_pop(L, 1);
  return v;
}

/* The set of ids at index t ({ [id] = true }) as a bit per id. */
static void build_ids(lua_State *L, int t, node *n) {
  luaL_checktype(L, t, LUA_TTABLE);
  lua_Number max = 0;
  for (lua_pushnil(L); lua_next(L, t); lua_pop(L, 1))
    if (lua_type(L, -2) == LUA_TNUMBER && lua_toboolean(L, -1) &&
        lua_tonumber(L, -2) > max)
      max = lua_tonumber(L, -2);
  if (max > (lua_Number)UINT32_MAX)
    luaL_error(L, "bqw.core.filter: an id out of range");
  n->ids_len = (size_t)max / 8 + 1;
  n->ids = calloc(n->ids_len, 1);
  if (!n->ids)
    luaL_error(L, "bqw: out of memory");
  for (lua_pushnil(L); lua_next(L, t); lua_pop(L, 1)) {
    if (lua_type(L, -2) != LUA_TNUMBER || !lua_toboolean(L, -1))
      continue;
    lua_Number id = lua_tonumber(L, -2);
    if (id >= 1 && id == (lua_Number)(size_t)id)
      n->ids[(size_t)id / 8] |= (unsigned char)(1u << ((size_t)id % 8));
  }
}

/* Builds the node for the tree at index t; on a malformed tree raises (after the
 * partial node is reachable from `into`, so the filter's __gc frees it). */
static void build(lua_State *L, int t, node **into) {
  luaL_checktype(L, t, LUA_TTABLE);
  node *n = calloc(1, sizeof *n);
  if (!n)
    luaL_error(L, "bqw: out of memory");
  *into = n;
  lua_getfield(L, t, "op");
  const char *op = lua_tostring(L, -1);
  if (op) {
    n->kind = !strcmp(op, "and") ? NODE_AND : !strcmp(op, "or") ? NODE_OR : NODE_NOT;
    bool known = !strcmp(op, "and") || !strcmp(op, "or") || !strcmp(op, "not");
    lua_pop(L, 1);
    if (!known)
      luaL_error(L, "bqw.core.filter: unknown op");
    size_t count = (size_t)lua_rawlen(L, t);
    n->items = calloc(count ? count : 1, sizeof *n->items);
    if (!n->items)
      luaL_error(L, "bqw: out of memory");
    for (size_t i = 0; i < count; i++) {
      lua_rawgeti(L, t, (int)i + 1);
      n->count = i + 1;
      build(L, lua_gettop(L), &n->items[i]);
      lua_pop(L, 1);
    }
    if (n->kind == NODE_NOT && n->count != 1)
      luaL_error(L, "bqw.core.filter: not takes one tree");
    return;
  }
  lua_pop(L, 1);
  n->kind = NODE_LEAF;
  static const char *const fields[] = {"kind",   "level", "section", "category", "city",
                                       "region", "year",  "id",      "ids",      NULL};
  static const char *const cmps[] = {"=", "~", ">=", "<=", ">", "<", NULL};
  lua_getfield(L, t, "field");
  n->field = (leaf_field)luaL_checkoption(L, -1, NULL, fields);
  lua_getfield(L, t, "cmp");
  n->cmp = (leaf_cmp)luaL_checkoption(L, -1, NULL, cmps);
  lua_pop(L, 2);
  if (n->field == F_YEAR || n->field == F_ID) {
    lua_getfield(L, t, "value");
    luaL_checktype(L, -1, LUA_TTABLE);
    n->from = range_end(L, lua_gettop(L), 1);
    n->to = range_end(L, lua_gettop(L), 2);
    lua_pop(L, 1);
    return;
  }
  if (n->field == F_IDS) {
    lua_getfield(L, t, "value");
    build_ids(L, lua_gettop(L), n);
    lua_pop(L, 1);
    return;
  }
  if (n->cmp != C_EQ && n->cmp != C_CONTAINS)
    luaL_error(L, "bqw.core.filter: a text field takes = or ~");
  n->value = dup_field(L, t, "value");
  n->alt = dup_field(L, t, "alt");
  lua_getfield(L, t, "fold");
  n->fold = lua_toboolean(L, -1);
  lua_pop(L, 1);
  if (!n->value)
    luaL_error(L, "bqw.core.filter: a leaf needs a string value");
}

/* core.filter(tree) -> filter */
static int l_filter(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  filter *f = lua_newuserdata(L, sizeof *f);
  f->root = NULL;
  luaL_setmetatable(L, FILTER_MT);
  build(L, 1, &f->root);
  return 1;
}

static bool compare_number(double v, leaf_cmp cmp, double from, double to) {
  switch (cmp) {
  case C_EQ:
    return v >= from && v <= to;
  case C_GE:
    return v >= from;
  case C_LE:
    return v <= to;
  case C_GT:
    return v > to;
  case C_LT:
    return v < from;
  default:
    return false;
  }
}

/* A string field as field_filter tests it: = the value (or alt), ~ a substring. */
static bool match_text(const char *field, const node *n) {
  if (!field)
    return false;
  if (n->cmp == C_CONTAINS)
    return strstr(field, n->value) != NULL;
  return !strcmp(field, n->value) || (n->alt && !strcmp(field, n->alt));
}

/* match_text on the field in Simplified: what a user types matches either script. */
static bool match_folded(const char *field, const node *n) {
  if (!field)
    return false;
  if (match_text(field, n))
    return true;
  char *hans;
  size_t len;
  if (bqw_convert(field, strlen(field), BQW_SCRIPT_HANS, &hans, &len) != 0)
    return false;
  bool ok = match_text(hans, n);
  bqw_free(hans);
  return ok;
}

static bool eval(const node *n, const bqw_record *r, size_t id) {
  switch (n->kind) {
  case NODE_AND:
    for (size_t i = 0; i < n->count; i++)
      if (!eval(n->items[i], r, id))
        return false;
    return true;
  case NODE_OR:
    for (size_t i = 0; i < n->count; i++)
      if (eval(n->items[i], r, id))
        return true;
    return false;
  case NODE_NOT:
    return !eval(n->items[0], r, id);
  case NODE_LEAF:
    break;
  }
  switch (n->field) {
  case F_KIND:
    return match_text(bqw_kind_name(r->kind), n);
  case F_LEVEL:
    return match_text(bqw_level_name(r->level), n);
  case F_SECTION:
    /* = the section's name or its heading as published; ~ part of the heading */
    if (n->cmp == C_CONTAINS)
      return r->section_title && strstr(r->section_title, n->value);
    return !strcmp(bqw_section_name(r->section), n->value) ||
           (r->section_title && !strcmp(r->section_title, n->value));
  case F_CATEGORY:
    return n->fold ? match_folded(r->category, n) : match_text(r->category, n);
  case F_CITY:
    return match_text(r->city, n);
  case F_REGION:
    return match_text(r->region, n);
  case F_YEAR:
    for (size_t i = 0; i < r->year_count; i++)
      if (compare_number((double)r->years[i], n->cmp, n->from, n->to))
        return true;
    return false;
  case F_ID:
    return compare_number((double)id, n->cmp, n->from, n->to);
  case F_IDS:
    return id / 8 < n->ids_len && (n->ids[id / 8] >> (id % 8) & 1);
  }
  return false;
}

const void *bqw_lua_check_filter(lua_State *L, int idx) {
  return luaL_checkudata(L, idx, FILTER_MT);
}

bool bqw_lua_filter_match(const void *f, const bqw_record *r, size_t id) {
  const node *root = ((const filter *)f)->root;
  return root && eval(root, r, id);
}

/* ds:next_match(filter, from) -> id | nil */
static int l_next_match(lua_State *L) {
  bqw_dataset *ds = bqw_lua_check_dataset(L, 1);
  filter *f = luaL_checkudata(L, 2, FILTER_MT);
  lua_Integer from = luaL_checkinteger(L, 3);
  size_t n = bqw_record_count(ds);
  for (size_t i = from < 1 ? 0 : (size_t)from - 1; f->root && i < n; i++)
    if (eval(f->root, bqw_record_at(ds, i), i + 1)) {
      lua_pushinteger(L, (lua_Integer)i + 1);
      return 1;
    }
  lua_pushnil(L);
  return 1;
}

/* ---- facets ---------------------------------------------------------------------- */

typedef enum facet_field {
  FF_REGION,
  FF_CITY,
  FF_CATEGORY,
  FF_DOCTYPE,
  FF_ISSUER,
  FF_YEAR,
  FF_LEVEL,
  FF_KIND,
  FF_MENTIONS,
  FF_SECTION
} facet_field;

/* One value's count; a string value points into the dataset (or a static name), so the
 * table owns no strings. */
typedef struct facet_slot {
  const char *value; /* NULL: a year, or an empty slot when year is 0 */
  int year;
  size_t count;
  size_t measures; /* of the records counted */
  size_t order;    /* when first met */
} facet_slot;

typedef struct facet_table {
  facet_slot *slots; /* a Lua userdata's memory: freed by the collector on any error */
  size_t cap, used;
  int keep; /* stack index of a table holding every slot array made (alive till return) */
  int arrays; /* how many it holds */
} facet_table;

static size_t facet_hash(const char *s, int year) {
  size_t h = 2166136261u;
  if (!s)
    return (size_t)year * 2654435761u;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

static bool slot_is(const facet_slot *slot, const char *s, int year) {
  if (!slot->value && !slot->year)
    return false;
  return s ? slot->value && !strcmp(slot->value, s) : !slot->value && slot->year == year;
}

/* The slot array grows into a new userdata, kept in the table at t->keep. */
static void facet_grow(lua_State *L, facet_table *t) {
  size_t cap = t->cap ? t->cap * 2 : 64;
  facet_slot *slots = lua_newuserdata(L, cap * sizeof *slots);
  memset(slots, 0, cap * sizeof *slots);
  for (size_t i = 0; i < t->cap; i++) {
    facet_slot *old = &t->slots[i];
    if (!old->value && !old->year)
      continue;
    size_t j = facet_hash(old->value, old->year) & (cap - 1);
    while (slots[j].value || slots[j].year)
      j = (j + 1) & (cap - 1);
    slots[j] = *old;
  }
  lua_rawseti(L, t->keep, ++t->arrays);
  t->slots = slots;
  t->cap = cap;
}

static void facet_add(lua_State *L, facet_table *t, const char *s, int year,
                      size_t measures) {
  if (s ? !*s : !year)
    return; /* no value: not counted */
  if ((t->used + 1) * 2 > t->cap)
    facet_grow(L, t);
  size_t j = facet_hash(s, year) & (t->cap - 1);
  while ((t->slots[j].value || t->slots[j].year) && !slot_is(&t->slots[j], s, year))
    j = (j + 1) & (t->cap - 1);
  if (!t->slots[j].value && !t->slots[j].year) {
    t->slots[j] = (facet_slot){.value = s, .year = s ? 0 : year, .order = t->used++};
  }
  t->slots[j].count++;
  t->slots[j].measures += measures;
}

/* A list field: each distinct item once (the lists are short). */
static void facet_add_list(lua_State *L, facet_table *t, const char *const *items,
                           size_t n, size_t measures) {
  for (size_t i = 0; i < n; i++) {
    bool seen = false;
    for (size_t k = 0; k < i && !seen; k++)
      seen = !strcmp(items[k], items[i]);
    if (!seen)
      facet_add(L, t, items[i], 0, measures);
  }
}

static void facet_record(lua_State *L, facet_table *t, facet_field field,
                         const bqw_record *r) {
  size_t m = r->measure_count;
  switch (field) {
  case FF_REGION:
    facet_add(L, t, r->region ? r->region : "", 0, m);
    break;
  case FF_CITY:
    facet_add(L, t, r->city ? r->city : "", 0, m);
    break;
  case FF_CATEGORY:
    facet_add(L, t, r->category ? r->category : "", 0, m);
    break;
  case FF_DOCTYPE:
    facet_add(L, t, r->doctype ? r->doctype : "", 0, m);
    break;
  case FF_ISSUER:
    facet_add_list(L, t, r->issuers, r->issuer_count, m);
    break;
  case FF_YEAR:
    for (size_t i = 0; i < r->year_count; i++)
      if (i == 0 || r->years[i] != r->years[i - 1])
        facet_add(L, t, NULL, r->years[i], m);
    break;
  case FF_LEVEL:
    facet_add(L, t, bqw_level_name(r->level), 0, m);
    break;
  case FF_KIND:
    facet_add(L, t, bqw_kind_name(r->kind), 0, m);
    break;
  case FF_MENTIONS:
    facet_add_list(L, t, r->mentions, r->mention_count, m);
    break;
  case FF_SECTION:
    facet_add(L, t, r->section_title ? r->section_title : bqw_section_name(r->section), 0,
              m);
    break;
  }
}

/* ds:facet(field [, filter [, last]]) -> values, counts */
static int l_facet(lua_State *L) {
  static const char *const fields[] = {"region",   "city",    "category", "doctype",
                                       "issuer",   "year",    "level",    "kind",
                                       "mentions", "section", NULL};
  bqw_dataset *ds = bqw_lua_check_dataset(L, 1);
  facet_field field = (facet_field)luaL_checkoption(L, 2, NULL, fields);
  filter *f = lua_type(L, 3) > 0 ? luaL_checkudata(L, 3, FILTER_MT) : NULL;
  size_t n = bqw_record_count(ds);
  lua_Integer last = luaL_optinteger(L, 4, (lua_Integer)n);
  if (last >= 0 && (size_t)last < n)
    n = (size_t)last;
  lua_settop(L, 3);
  lua_createtable(L, 4, 0);
  facet_table t = {.keep = 4};
  facet_grow(L, &t);
  for (size_t i = 0; i < n; i++) {
    const bqw_record *r = bqw_record_at(ds, i);
    if (!f || (f->root && eval(f->root, r, i + 1)))
      facet_record(L, &t, field, r);
  }
  lua_createtable(L, (int)t.used, 0);
  lua_createtable(L, (int)t.used, 0);
  lua_createtable(L, (int)t.used, 0);
  for (size_t i = 0; i < t.cap; i++) {
    const facet_slot *slot = &t.slots[i];
    if (!slot->value && !slot->year)
      continue;
    if (slot->value)
      lua_pushstring(L, slot->value);
    else
      lua_pushinteger(L, slot->year);
    lua_rawseti(L, -4, (int)slot->order + 1);
    lua_pushinteger(L, (lua_Integer)slot->count);
    lua_rawseti(L, -3, (int)slot->order + 1);
    lua_pushinteger(L, (lua_Integer)slot->measures);
    lua_rawseti(L, -2, (int)slot->order + 1);
  }
  return 3;
}

void bqw_lua_open_filter(lua_State *L, int lib, int methods) {
  bqw_lua_class(L, FILTER_MT, NULL, filter_gc);
  lua_pushcfunction(L, l_filter);
  lua_setfield(L, lib, "filter");
  lua_pushcfunction(L, l_next_match);
  lua_setfield(L, methods, "next_match");
  lua_pushcfunction(L, l_facet);
  lua_setfield(L, methods, "facet");
  bqw_lua_open_rows(L, lib, methods);
}
