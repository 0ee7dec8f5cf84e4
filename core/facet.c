/*
 * facet.c -- what the query engine does with the rows a query selects: their order
 * (bqw_query_rows: pinyin collation of the text as presented, numbers numerically,
 * keys computed once per distinct text) and their facets and crosstabs
 * (bqw_facet_count: values grouped by folded equality).
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ABSENT INT64_MIN
#define KEY_PREFIX 24
#define MAX_KEYS 16

/* ---- collation of distinct texts -------------------------------------------------- */

typedef struct distinct {
  const char *s;
  size_t len, key_len;
  int conv; /* -1 as is, else the bqw_script it is shown in */
  uint32_t rank;
  unsigned char prefix[KEY_PREFIX];
} distinct;

typedef struct collator {
  distinct *slots;
  size_t count, cap;
  uint32_t *table; /* open addressing: slot + 1 */
  size_t table_cap;
  buffer conv, ka, kb; /* a converted text, two full keys */
  bool failed;         /* out of memory */
} collator;

static void collator_free(collator *c) {
  free(c->slots);
  free(c->table);
  buffer_free(&c->conv);
  buffer_free(&c->ka);
  buffer_free(&c->kb);
}

static uint64_t text_hash(const char *s, size_t len, int conv) {
  uint64_t h = 1469598103934665603u ^ (uint64_t)(conv + 2);
  for (size_t i = 0; i < len; i++)
    h = (h ^ (unsigned char)s[i]) * 1099511628211u;
  return h;
}

/* The full collation key of slot d, as shown, into key. */
static void full_key(collator *c, buffer *key, const distinct *d) {
  const char *t = d->s;
  size_t tl = d->len;
  char *conv = NULL;
  size_t conv_len;
  if (d->conv >= 0 &&
      bqw_convert(d->s, d->len, (bqw_script)d->conv, &conv, &conv_len) == 0) {
    t = conv;
    tl = conv_len;
  }
  size_t n = bqw_collate_key(t, tl, NULL, 0);
  key->len = 0;
  if (!buffer_reserve(key, n + 1)) {
    c->failed = true;
    bqw_free(conv);
    return;
  }
  bqw_collate_key(t, tl, key->data, n);
  key->len = n;
  bqw_free(conv);
}

/* The slot of a text (added when new), or UINT32_MAX when out of memory. */
static uint32_t slot_of(collator *c, const char *s, int conv) {
  size_t len = strlen(s);
  if (2 * (c->count + 1) > c->table_cap) {
    size_t cap = c->table_cap ? 2 * c->table_cap : 1024;
    uint32_t *t = calloc(cap, sizeof *t);
    if (!t)
      return c->failed = true, UINT32_MAX;
    for (size_t i = 0; i < c->count; i++) {
      const distinct *d = &c->slots[i];
      size_t h = (size_t)text_hash(d->s, d->len, d->conv) & (cap - 1);
      while (t[h])
        h = (h + 1) & (cap - 1);
      t[h] = (uint32_t)i + 1;
    }
    free(c->table);
    c->table = t;
    c->table_cap = cap;
  }
  size_t h = (size_t)text_hash(s, len, conv) & (c->table_cap - 1);
  for (; c->table[h]; h = (h + 1) & (c->table_cap - 1)) {
    const distinct *d = &c->slots[c->table[h] - 1];
    if (d->conv == conv && d->len == len && (d->s == s || !memcmp(d->s, s, len)))
      return c->table[h] - 1;
  }
  distinct *slots = array_grow(c->slots, c->count, &c->cap, sizeof *slots, 256);
  if (!slots)
    return c->failed = true, UINT32_MAX;
  c->slots = slots;
  distinct *d = &c->slots[c->count];
  *d = (distinct){.s = s, .len = len, .conv = conv};
  full_key(c, &c->ka, d);
  d->key_len = c->ka.len;
  if (d->key_len)
    memcpy(d->prefix, c->ka.data, d->key_len < KEY_PREFIX ? d->key_len : KEY_PREFIX);
  c->table[h] = (uint32_t)c->count + 1;
  return (uint32_t)c->count++;
}

static int compare_bytes(const char *a, size_t na, const char *b, size_t nb) {
  size_t n = na < nb ? na : nb;
  int r = n ? memcmp(a, b, n) : 0;
  return r ? r : (na > nb) - (na < nb);
}

/* Two distinct texts in collation order (0: they show the same string). */
static int compare_slots(collator *c, uint32_t a, uint32_t b) {
  const distinct *x = &c->slots[a], *y = &c->slots[b];
  size_t px = x->key_len < KEY_PREFIX ? x->key_len : KEY_PREFIX;
  size_t py = y->key_len < KEY_PREFIX ? y->key_len : KEY_PREFIX;
  int r = compare_bytes((const char *)x->prefix, px < py ? px : py,
                        (const char *)y->prefix, px < py ? px : py);
  if (r || x->key_len <= KEY_PREFIX || y->key_len <= KEY_PREFIX)
    return r ? r : (x->key_len > y->key_len) - (x->key_len < y->key_len);
  full_key(c, &c->ka, x);
  full_key(c, &c->kb, y);
  return compare_bytes(c->ka.data, c->ka.len, c->kb.data, c->kb.len);
}

/* A stable bottom-up merge sort of a[0..n) by compare, with tmp as room for n. */
static void merge_sort(void *ctx, uint32_t *a, uint32_t *tmp, size_t n,
                       int (*compare)(void *, uint32_t, uint32_t)) {
  uint32_t *src = a, *dst = tmp;
  for (size_t width = 1; width < n; width *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * width) {
      size_t mid = lo + width < n ? lo + width : n;
      size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
      size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi)
        dst[k++] = compare(ctx, src[j], src[i]) < 0 ? src[j++] : src[i++];
      while (i < mid)
        dst[k++] = src[i++];
      while (j < hi)
        dst[k++] = src[j++];
    }
    uint32_t *t = src;
    src = dst;
    dst = t;
  }
  if (src != a && n)
    memcpy(a, src, n * sizeof *a);
}

static int compare_slots_cb(void *ctx, uint32_t a, uint32_t b) {
  return compare_slots(ctx, a, b);
}

/* Ranks every slot: equal shown strings get equal ranks. */
static bool rank_slots(collator *c) {
  if (!c->count)
    return true;
  uint32_t *by = malloc(2 * c->count * sizeof *by);
  if (!by)
    return false;
  for (size_t i = 0; i < c->count; i++)
    by[i] = (uint32_t)i;
  merge_sort(c, by, by + c->count, c->count, compare_slots_cb);
  uint32_t rank = 0;
  for (size_t i = 0; i < c->count; i++) {
    if (i && compare_slots(c, by[i - 1], by[i]) != 0)
      rank++;
    c->slots[by[i]].rank = rank;
  }
  free(by);
  return !c->failed;
}

/* The script a field's text is shown in (-1: as published). */
static int shown_in(bqw_present present, int script) {
  return bqw_present_script(present, script);
}

/* ---- rows ------------------------------------------------------------------------- */

void bqw_rows_free(bqw_rows *rows) {
  if (!rows)
    return;
  free(rows->records);
  free(rows->measures);
  free(rows);
}

typedef struct order_ctx {
  int64_t *values;
  size_t keys;
  bool desc[MAX_KEYS];
} order_ctx;

static int compare_rows(void *ctx, uint32_t a, uint32_t b) {
  const order_ctx *o = ctx;
  const int64_t *x = o->values + (size_t)a * o->keys,
                *y = o->values + (size_t)b * o->keys;
  for (size_t k = 0; k < o->keys; k++) {
    if (x[k] == y[k])
      continue;
    if (x[k] == ABSENT || y[k] == ABSENT)
      return x[k] == ABSENT ? 1 : -1;
    int r = x[k] < y[k] ? -1 : 1;
    return o->desc[k] ? -r : r;
  }
  return (a > b) - (a < b);
}

/* The sort value of a row for a field; texts as their slot (*text set). */
static int64_t sort_value(bqw_dataset *ds, collator *c, uint32_t record, uint32_t measure,
                          bqw_field_id f, int script, bool *text) {
  bqw_value v;
  bool list = f == BQW_F_MEASURES || f == BQW_F_MEASURE_LINES; /* the record's */
  bqw_record_value(ds, record, list ? 0 : measure, f, &v);
  int conv = shown_in(v.present, script);
  switch (v.type) {
  case BQW_TYPE_NONE:
    return ABSENT;
  case BQW_TYPE_INTEGER:
    return v.integer;
  case BQW_TYPE_INTEGERS:
    return v.count ? bqw_value_int_at(&v, 0) : ABSENT;
  case BQW_TYPE_TEXT:
  case BQW_TYPE_DATE:
    *text = true;
    return slot_of(c, v.text, v.type == BQW_TYPE_DATE ? -1 : conv);
  case BQW_TYPE_TEXTS:
    *text = true;
    return v.count ? slot_of(c, bqw_value_text_at(&v, 0), conv) : ABSENT;
  }
  return ABSENT;
}

static int order_rows(bqw_dataset *ds, bqw_rows *rows, const bqw_sort_key *keys,
                      size_t nkeys, int script) {
  size_t n = rows->count;
  order_ctx o = {.keys = nkeys};
  collator c = {0};
  bool text[MAX_KEYS] = {false};
  uint32_t *perm = malloc((2 * n + 1) * sizeof *perm);
  uint32_t *ids = malloc((n + 1) * sizeof *ids);
  o.values = malloc((n * nkeys + 1) * sizeof *o.values);
  int rc = BQW_ENOMEM;
  if (!perm || !ids || !o.values)
    goto done;
  for (size_t k = 0; k < nkeys; k++)
    o.desc[k] = keys[k].descending != 0;
  for (size_t p = 0; p < n; p++)
    for (size_t k = 0; k < nkeys; k++)
      o.values[p * nkeys + k] = sort_value(ds, &c, rows->records[p], rows->measures[p],
                                           keys[k].field, script, &text[k]);
  if (c.failed || !rank_slots(&c))
    goto done;
  for (size_t p = 0; p < n; p++)
    for (size_t k = 0; k < nkeys; k++) {
      int64_t *v = &o.values[p * nkeys + k];
      if (text[k] && *v != ABSENT)
        *v = c.slots[*v].rank;
    }
  for (size_t p = 0; p < n; p++)
    perm[p] = (uint32_t)p;
  merge_sort(&o, perm, perm + n, n, compare_rows);
  for (size_t p = 0; p < n; p++)
    ids[p] = rows->records[perm[p]];
  memcpy(rows->records, ids, n * sizeof *ids);
  for (size_t p = 0; p < n; p++)
    ids[p] = rows->measures[perm[p]];
  memcpy(rows->measures, ids, n * sizeof *ids);
  rc = 0;
done:
  free(perm);
  free(ids);
  free(o.values);
  collator_free(&c);
  return rc;
}

int bqw_query_rows(bqw_dataset *ds, bqw_query *q, size_t last, const bqw_sort_key *keys,
                   size_t nkeys, int script, bqw_rows **out) {
  if (out)
    *out = NULL;
  if (!ds || !out || (nkeys && !keys) || nkeys > MAX_KEYS)
    return BQW_EINVAL;
  for (size_t k = 0; k < nkeys; k++) {
    const bqw_field_info *fi = bqw_schema_field((size_t)keys[k].field);
    if (!fi || !(fi->flags & BQW_FLAG_SORT))
      return BQW_EINVAL;
  }
  size_t total = bqw_record_count(ds);
  if (last == 0 || last > total)
    last = total;
  if (last > UINT32_MAX)
    return BQW_ENOMEM;
  bqw_rows *rows = calloc(1, sizeof *rows);
  if (!rows)
    return BQW_ENOMEM;
  bool measure_shape = bqw_query_measure_shape(q);
  size_t cap = 0, cap2 = 0;
  int rc = 0;
  for (size_t i = 0; i < last && !rc; i++) {
    size_t first = 0, end = measure_shape ? bqw_record_measure_rows(ds, i) : 0;
    if (end)
      first = 1;
    for (size_t m = first; m <= end; m++) {
      int hit = bqw_query_match(q, i, m);
      if (hit < 0) {
        rc = hit;
        break;
      }
      if (!hit)
        continue;
      uint32_t *recs = array_grow(rows->records, rows->count, &cap, sizeof *recs, 256);
      if (recs)
        rows->records = recs;
      uint32_t *meas = array_grow(rows->measures, rows->count, &cap2, sizeof *meas, 256);
      if (meas)
        rows->measures = meas;
      if (!recs || !meas) {
        rc = BQW_ENOMEM;
        break;
      }
      rows->records[rows->count] = (uint32_t)i;
      rows->measures[rows->count++] = (uint32_t)m;
    }
  }
  if (!rc && nkeys && rows->count > 1)
    rc = order_rows(ds, rows, keys, nkeys, script);
  if (rc) {
    bqw_rows_free(rows);
    return rc;
  }
  *out = rows;
  return 0;
}

/* ---- facets ----------------------------------------------------------------------- */

typedef struct group {
  const char *text; /* the first spelling met; NULL for an integer */
  long long integer;
  int32_t *cp; /* folded text */
  size_t ncp;
  size_t records, measures, order, total, first;
  uint32_t rank;
} group;

/* A string's group by its address: most values (names, kinds, places) are shared by
 * many records, so each is folded once. */
typedef struct seen_ptr {
  const char *s;
  size_t group;
} seen_ptr;

typedef struct groups {
  group *items;
  size_t count, cap;
  uint32_t *table;
  size_t table_cap;
  buffer fold; /* int32 code points, then uint32 offsets */
  seen_ptr *ptrs;
  size_t ptr_count, ptr_cap;
} groups;

static void groups_free(groups *g) {
  for (size_t i = 0; i < g->count; i++)
    free(g->items[i].cp);
  free(g->items);
  free(g->table);
  free(g->ptrs);
  buffer_free(&g->fold);
}

static size_t group_hash(const group *x) {
  uint64_t h = 1469598103934665603u;
  if (!x->text)
    return (size_t)((uint64_t)x->integer * 0x9E3779B97F4A7C15u);
  for (size_t i = 0; i < x->ncp; i++)
    h = (h ^ (uint32_t)x->cp[i]) * 1099511628211u;
  return (size_t)h;
}

static bool group_same(const group *a, const group *b) {
  if (!a->text || !b->text)
    return !a->text && !b->text && a->integer == b->integer;
  return a->ncp == b->ncp && (!a->ncp || !memcmp(a->cp, b->cp, a->ncp * sizeof *a->cp));
}

static size_t group_of_value(groups *g, const char *s, long long integer);

static size_t ptr_hash(const char *s) {
  return (size_t)(((uintptr_t)s >> 3) * 0x9E3779B97F4A7C15u);
}

/* group_of_value, remembered by the text's address. */
static size_t group_of(groups *g, const char *s, long long integer) {
  if (!s)
    return group_of_value(g, s, integer);
  if (2 * (g->ptr_count + 1) > g->ptr_cap) {
    size_t cap = g->ptr_cap ? 2 * g->ptr_cap : 256;
    seen_ptr *t = calloc(cap, sizeof *t);
    if (!t)
      return SIZE_MAX;
    for (size_t i = 0; i < g->ptr_cap; i++) {
      if (!g->ptrs[i].s)
        continue;
      size_t h = ptr_hash(g->ptrs[i].s) & (cap - 1);
      while (t[h].s)
        h = (h + 1) & (cap - 1);
      t[h] = g->ptrs[i];
    }
    free(g->ptrs);
    g->ptrs = t;
    g->ptr_cap = cap;
  }
  size_t h = ptr_hash(s) & (g->ptr_cap - 1);
  for (; g->ptrs[h].s; h = (h + 1) & (g->ptr_cap - 1))
    if (g->ptrs[h].s == s)
      return g->ptrs[h].group;
  size_t id = group_of_value(g, s, integer);
  if (id != SIZE_MAX) {
    g->ptrs[h] = (seen_ptr){s, id};
    g->ptr_count++;
  }
  return id;
}

/* The group of a text (s) or an integer (s NULL); SIZE_MAX when out of memory. */
static size_t group_of_value(groups *g, const char *s, long long integer) {
  group key = {.text = s, .integer = integer};
  if (s) {
    size_t len = strlen(s);
    g->fold.len = 0;
    if (!buffer_reserve(&g->fold, (2 * len + 2) * sizeof(int32_t)))
      return SIZE_MAX;
    int32_t *cp = (int32_t *)(void *)g->fold.data;
    key.ncp = bqw_fold(s, len, cp, (uint32_t *)(cp + len + 1));
    key.cp = cp;
  }
  if (2 * (g->count + 1) > g->table_cap) {
    size_t cap = g->table_cap ? 2 * g->table_cap : 256;
    uint32_t *t = calloc(cap, sizeof *t);
    if (!t)
      return SIZE_MAX;
    for (size_t i = 0; i < g->count; i++) {
      size_t h = group_hash(&g->items[i]) & (cap - 1);
      while (t[h])
        h = (h + 1) & (cap - 1);
      t[h] = (uint32_t)i + 1;
    }
    free(g->table);
    g->table = t;
    g->table_cap = cap;
  }
  size_t h = group_hash(&key) & (g->table_cap - 1);
  for (; g->table[h]; h = (h + 1) & (g->table_cap - 1))
    if (group_same(&g->items[g->table[h] - 1], &key))
      return g->table[h] - 1;
  group *items = array_grow(g->items, g->count, &g->cap, sizeof *items, 64);
  if (!items)
    return SIZE_MAX;
  g->items = items;
  if (s) {
    int32_t *cp = malloc((key.ncp + 1) * sizeof *cp);
    if (!cp)
      return SIZE_MAX;
    memcpy(cp, key.cp, key.ncp * sizeof *cp);
    key.cp = cp;
  }
  key.order = g->count;
  g->items[g->count] = key;
  g->table[h] = (uint32_t)g->count + 1;
  return g->count++;
}

/* The distinct groups of a record's value of f into ids (*n of them); false: OOM. */
static bool record_groups(bqw_dataset *ds, groups *g, size_t record, bqw_field_id f,
                          size_t **ids, size_t *n, size_t *cap) {
  bqw_value v;
  bqw_record_value(ds, record, 0, f, &v);
  *n = 0;
  size_t items = v.type == BQW_TYPE_TEXTS || v.type == BQW_TYPE_INTEGERS ? v.count
                 : v.type == BQW_TYPE_NONE                               ? 0
                                                                         : 1;
  for (size_t i = 0; i < items; i++) {
    size_t id;
    if (v.type == BQW_TYPE_INTEGER || v.type == BQW_TYPE_INTEGERS) {
      long long x = v.type == BQW_TYPE_INTEGER ? v.integer : bqw_value_int_at(&v, i);
      id = group_of(g, NULL, x);
    } else {
      const char *s = v.type == BQW_TYPE_TEXTS ? bqw_value_text_at(&v, i) : v.text;
      if (!s || !*s)
        continue;
      id = group_of(g, s, 0);
    }
    if (id == SIZE_MAX)
      return false;
    bool seen = false;
    for (size_t k = 0; k < *n && !seen; k++)
      seen = (*ids)[k] == id;
    if (seen)
      continue;
    size_t *grown = array_grow(*ids, *n, cap, sizeof *grown, 16);
    if (!grown)
      return false;
    *ids = grown;
    (*ids)[(*n)++] = id;
  }
  return true;
}

typedef struct group_order {
  groups *g;
  collator *c;
  uint32_t *slot; /* a text group's collator slot */
  bool by_total;  /* order by total (crosstab columns) instead of records */
} group_order;

static int compare_groups(void *ctx, uint32_t a, uint32_t b) {
  const group_order *o = ctx;
  const group *x = &o->g->items[a], *y = &o->g->items[b];
  size_t cx = o->by_total ? x->total : x->records,
         cy = o->by_total ? y->total : y->records;
  if (cx != cy)
    return cx > cy ? -1 : 1;
  if (!x->text || !y->text) {
    if (x->text || y->text)
      return x->text ? 1 : -1;
    return (x->integer > y->integer) - (x->integer < y->integer);
  }
  uint32_t rx = o->c->slots[o->slot[a]].rank, ry = o->c->slots[o->slot[b]].rank;
  if (rx != ry)
    return rx < ry ? -1 : 1;
  return (x->order > y->order) - (x->order < y->order);
}

/* The groups' order (perm) by count, then collation. */
static bool order_groups(groups *g, bool by_total, uint32_t *perm) {
  collator c = {0};
  uint32_t *slot = calloc(g->count + 1, sizeof *slot);
  uint32_t *tmp = malloc((g->count + 1) * sizeof *tmp);
  bool ok = slot && tmp;
  for (size_t i = 0; ok && i < g->count; i++) {
    if (g->items[i].text)
      slot[i] = slot_of(&c, g->items[i].text, -1);
    ok = !c.failed;
  }
  ok = ok && rank_slots(&c);
  if (ok) {
    group_order o = {g, &c, slot, by_total};
    for (size_t i = 0; i < g->count; i++)
      perm[i] = (uint32_t)i;
    merge_sort(&o, perm, tmp, g->count, compare_groups);
  }
  free(slot);
  free(tmp);
  collator_free(&c);
  return ok;
}

typedef struct facet_impl {
  bqw_facet pub;
  char *numbers, *by_numbers; /* the integer values' texts */
} facet_impl;

void bqw_facet_free(bqw_facet *f) {
  if (!f)
    return;
  facet_impl *fi = (facet_impl *)f;
  free(f->values);
  free(f->records);
  free(f->measures);
  free(f->firsts);
  free((void *)f->by_values);
  free(f->cells);
  free(fi->numbers);
  free(fi->by_numbers);
  free(fi);
}

/* A pair of groups' count in a crosstab, while counting. */
typedef struct cell {
  uint32_t a, b;
  size_t count;
} cell;

typedef struct cells {
  cell *items;
  size_t count, cap;
} cells;

static bool cell_add(cells *c, uint32_t a, uint32_t b) {
  if (2 * (c->count + 1) > c->cap) {
    size_t cap = c->cap ? 2 * c->cap : 1024;
    cell *t = calloc(cap, sizeof *t);
    if (!t)
      return false;
    for (size_t i = 0; i < c->cap; i++) {
      if (!c->items[i].count)
        continue;
      size_t h =
          ((size_t)c->items[i].a * 2654435761u ^ c->items[i].b * 40503u) & (cap - 1);
      while (t[h].count)
        h = (h + 1) & (cap - 1);
      t[h] = c->items[i];
    }
    free(c->items);
    c->items = t;
    c->cap = cap;
  }
  size_t h = ((size_t)a * 2654435761u ^ b * 40503u) & (c->cap - 1);
  while (c->items[h].count && (c->items[h].a != a || c->items[h].b != b))
    h = (h + 1) & (c->cap - 1);
  if (!c->items[h].count) {
    c->items[h] = (cell){a, b, 0};
    c->count++;
  }
  c->items[h].count++;
  return true;
}

/* Fills values (and their texts) of a facet in the order perm. */
static bool facet_values(const groups *g, const uint32_t *perm, const char ***values,
                         char **numbers) {
  size_t ints = 0;
  for (size_t i = 0; i < g->count; i++)
    ints += !g->items[i].text;
  *values = calloc(g->count + 1, sizeof **values);
  *numbers = ints ? malloc(ints * 24) : NULL;
  if (!*values || (ints && !*numbers))
    return false;
  char *num = *numbers;
  for (size_t i = 0; i < g->count; i++) {
    const group *x = &g->items[perm[i]];
    if (x->text) {
      (*values)[i] = x->text;
    } else {
      snprintf(num, 24, "%lld", x->integer);
      (*values)[i] = num;
      num += 24;
    }
  }
  return true;
}

int bqw_facet_count(bqw_dataset *ds, bqw_query *q, size_t last, bqw_field_id field,
                    bqw_field_id by, bqw_facet **out) {
  if (out)
    *out = NULL;
  const bqw_field_info *fa = bqw_schema_field((size_t)field);
  const bqw_field_info *fb = by == BQW_F_COUNT ? NULL : bqw_schema_field((size_t)by);
  if (!ds || !out || !fa || !(fa->flags & BQW_FLAG_FACET) ||
      (by != BQW_F_COUNT && (!fb || !(fb->flags & BQW_FLAG_FACET))))
    return BQW_EINVAL;
  size_t total = bqw_record_count(ds);
  if (last == 0 || last > total)
    last = total;
  groups ga = {0}, gb = {0};
  cells cs = {0};
  size_t *ia = NULL, *ib = NULL, na = 0, nb = 0, capa = 0, capb = 0, counted = 0;
  uint32_t *pa = NULL, *pb = NULL, *rank_b = NULL;
  facet_impl *f = calloc(1, sizeof *f);
  int rc = f ? 0 : BQW_ENOMEM;
  for (size_t r = 0; r < last && !rc; r++) {
    int hit = bqw_query_match(q, r, 0);
    if (hit <= 0) {
      rc = hit;
      continue;
    }
    if (!record_groups(ds, &ga, r, field, &ia, &na, &capa) ||
        (fb && !record_groups(ds, &gb, r, by, &ib, &nb, &capb))) {
      rc = BQW_ENOMEM;
      break;
    }
    if (na)
      counted++;
    for (size_t i = 0; i < na; i++)
      if (!ga.items[ia[i]].records)
        ga.items[ia[i]].first = r;
    size_t m = bqw_record_at(ds, r)->measure_count;
    for (size_t i = 0; i < na; i++) {
      ga.items[ia[i]].records++;
      ga.items[ia[i]].measures += m;
      for (size_t j = 0; fb && j < nb; j++) {
        gb.items[ib[j]].total++;
        if (!cell_add(&cs, (uint32_t)ia[i], (uint32_t)ib[j]))
          rc = BQW_ENOMEM;
      }
    }
  }
  pa = malloc((ga.count + 1) * sizeof *pa);
  pb = malloc((gb.count + 1) * sizeof *pb);
  rank_b = malloc((gb.count + 1) * sizeof *rank_b);
  if (!rc && (!pa || !pb || !rank_b || !order_groups(&ga, false, pa) ||
              (fb && !order_groups(&gb, true, pb))))
    rc = BQW_ENOMEM;
  if (!rc) {
    bqw_facet *p = &f->pub;
    p->count = ga.count;
    p->total = counted;
    p->records = calloc(ga.count + 1, sizeof *p->records);
    p->measures = calloc(ga.count + 1, sizeof *p->measures);
    p->firsts = calloc(ga.count + 1, sizeof *p->firsts);
    if (!p->records || !p->measures || !p->firsts ||
        !facet_values(&ga, pa, &p->values, &f->numbers))
      rc = BQW_ENOMEM;
    for (size_t i = 0; !rc && i < ga.count; i++) {
      p->records[i] = ga.items[pa[i]].records;
      p->measures[i] = ga.items[pa[i]].measures;
      p->firsts[i] = ga.items[pa[i]].first;
    }
    if (!rc && fb) {
      /* the by values that occur with some value of field, in their order */
      size_t used = 0;
      for (size_t j = 0; j < gb.count; j++)
        if (gb.items[pb[j]].total)
          pb[used++] = pb[j];
      groups view = gb;
      view.count = used; /* facet_values reads items[pb[j]] for j < used */
      if (!facet_values(&view, pb, (const char ***)&p->by_values, &f->by_numbers))
        rc = BQW_ENOMEM;
      p->by_count = used;
      for (size_t j = 0; j < used; j++)
        rank_b[pb[j]] = (uint32_t)j;
      uint32_t *rank_a = malloc((ga.count + 1) * sizeof *rank_a);
      p->cells = calloc(ga.count * used + 1, sizeof *p->cells);
      if (!rank_a || !p->cells)
        rc = BQW_ENOMEM;
      for (size_t i = 0; !rc && i < ga.count; i++)
        rank_a[pa[i]] = (uint32_t)i;
      for (size_t k = 0; !rc && k < cs.cap; k++)
        if (cs.items[k].count)
          p->cells[(size_t)rank_a[cs.items[k].a] * used + rank_b[cs.items[k].b]] =
              cs.items[k].count;
      free(rank_a);
    }
  }
  groups_free(&ga);
  groups_free(&gb);
  free(cs.items);
  free(ia);
  free(ib);
  free(pa);
  free(pb);
  free(rank_b);
  if (rc) {
    if (f)
      bqw_facet_free(&f->pub);
    return rc;
  }
  *out = &f->pub;
  return 0;
}
