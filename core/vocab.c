/*
 * vocab.c -- the closed vocabularies of the query engine (query.c): the values a
 * `--where` test of kind, level, section, region, city, category, action or doctype
 * may name (the fixed names, the curated tables of data/ in either script, the
 * dataset's own values), compared folded, and the did-you-mean of an unknown one;
 * the values of integer and date filters; and the folding, matching and message helpers
 * query.c shares.
 */
#include "internal.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum op_kind { OP_EQ, OP_CONTAINS } op_kind;

/* Folds s into freshly allocated code points (*out, *n); false when out of memory. */
bool query_fold_alloc(const char *s, size_t len, int32_t **out, size_t *n) {
  int32_t *cp = malloc((len + 1) * sizeof *cp);
  uint32_t *at = malloc((len + 1) * sizeof *at);
  if (!cp || !at) {
    free(cp);
    free(at);
    return false;
  }
  *n = bqw_fold(s, len, cp, at);
  free(at);
  *out = cp;
  return true;
}

bool query_equal(const int32_t *a, size_t na, const int32_t *b, size_t nb) {
  return na == nb && (na == 0 || !memcmp(a, b, na * sizeof *a));
}

/* ---- messages --------------------------------------------------------------------- */

/* Appends s quoted as Lua's %q does (", \ and newline escaped, control bytes as \ddd),
 * at most `max` bytes of s (cut at a character, with … after). */
void query_put_quoted(char *out, size_t size, size_t *used, const char *s, size_t n,
                      size_t max) {
#define PUT(c)                                                                           \
  do {                                                                                   \
    if (*used + 1 < size)                                                                \
      out[(*used)++] = (c);                                                              \
  } while (0)
  bool cut = false;
  if (n > max) {
    n = max;
    while (n > 0 && text_is_cont((unsigned char)s[n]))
      n--;
    cut = true;
  }
  PUT('"');
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\' || c == '\n') {
      PUT('\\');
      PUT((char)c);
    } else if (c < 0x20 || c == 0x7f) {
      char b[8];
      bool digit = i + 1 < n && isdigit((unsigned char)s[i + 1]);
      snprintf(b, sizeof b, digit ? "\\%03d" : "\\%d", c);
      for (char *p = b; *p; p++)
        PUT(*p);
    } else {
      PUT((char)c);
    }
  }
  if (cut)
    for (const char *p = "…"; *p; p++)
      PUT(*p);
  PUT('"');
  out[*used < size ? *used : size - 1] = '\0';
#undef PUT
}

void query_put_str(char *out, size_t size, size_t *used, const char *s) {
  size_t n = strlen(s);
  if (*used + 1 >= size)
    return;
  if (n > size - 1 - *used)
    n = size - 1 - *used;
  memcpy(out + *used, s, n);
  *used += n;
  out[*used] = '\0';
}

/* ---- closed vocabularies ---------------------------------------------------------- */

struct query_vocab {
  size_t count, cap;
  const char **text; /* the first spelling met */
  int32_t **cp;      /* folded */
  size_t *ncp;
  uint32_t *table; /* open addressing over the folded forms: index + 1 */
  size_t table_cap;
  bool scanned; /* the dataset's values are in */
};

void query_vocab_free(query_vocab *v) {
  if (!v)
    return;
  for (size_t i = 0; i < v->count; i++)
    free(v->cp[i]);
  free(v->text);
  free(v->cp);
  free(v->ncp);
  free(v->table);
  free(v);
}

static size_t cp_hash(const int32_t *cp, size_t n) {
  uint64_t h = 1469598103934665603u;
  for (size_t i = 0; i < n; i++)
    h = (h ^ (uint32_t)cp[i]) * 1099511628211u;
  return (size_t)h;
}

/* Adds s when its fold is new; false when out of memory. */
static bool vocab_add(query_vocab *v, const char *s) {
  if (!s || !*s)
    return true;
  int32_t *cp;
  size_t n;
  if (!query_fold_alloc(s, strlen(s), &cp, &n))
    return false;
  if (2 * (v->count + 1) > v->table_cap) {
    size_t cap = v->table_cap ? 2 * v->table_cap : 64;
    uint32_t *t = calloc(cap, sizeof *t);
    if (!t) {
      free(cp);
      return false;
    }
    for (size_t i = 0; i < v->count; i++) {
      size_t h = cp_hash(v->cp[i], v->ncp[i]) & (cap - 1);
      while (t[h])
        h = (h + 1) & (cap - 1);
      t[h] = (uint32_t)i + 1;
    }
    free(v->table);
    v->table = t;
    v->table_cap = cap;
  }
  size_t h = cp_hash(cp, n) & (v->table_cap - 1);
  for (; v->table[h]; h = (h + 1) & (v->table_cap - 1)) {
    size_t i = v->table[h] - 1;
    if (query_equal(v->cp[i], v->ncp[i], cp, n)) {
      free(cp);
      return true;
    }
  }
  if (v->count == v->cap) {
    size_t cap = v->cap ? 2 * v->cap : 16;
    const char **text = realloc(v->text, cap * sizeof *text);
    if (text)
      v->text = text;
    int32_t **cps = realloc(v->cp, cap * sizeof *cps);
    if (cps)
      v->cp = cps;
    size_t *ncp = realloc(v->ncp, cap * sizeof *ncp);
    if (ncp)
      v->ncp = ncp;
    if (!text || !cps || !ncp) {
      free(cp);
      return false;
    }
    v->cap = cap;
  }
  v->text[v->count] = s;
  v->cp[v->count] = cp;
  v->ncp[v->count] = n;
  v->table[h] = (uint32_t)++v->count;
  return true;
}

/* The fixed names and curated tables of a closed field. */
static bool vocab_fixed(query_vocab *v, const bqw_dataset *ds, bqw_field_id f) {
  const facts *fa = &ds->facts;
  bool ok = true;
  switch (f) {
  case BQW_F_KIND:
    for (int k = BQW_KIND_DOCUMENT; k <= BQW_KIND_OTHER; k++)
      ok = ok && vocab_add(v, bqw_kind_name((bqw_kind)k));
    break;
  case BQW_F_LEVEL:
    ok = vocab_add(v, bqw_level_name(BQW_LEVEL_PROVINCE)) &&
         vocab_add(v, bqw_level_name(BQW_LEVEL_CITY));
    break;
  case BQW_F_ACTION:
    for (int a = BQW_ACTION_ISSUE; a <= BQW_ACTION_STATEMENT; a++)
      ok = ok && vocab_add(v, bqw_action_name((bqw_action)a));
    break;
  case BQW_F_SECTION:
    for (int s = BQW_SECTION_PREAMBLE; s <= BQW_SECTION_OTHER; s++)
      ok = ok && vocab_add(v, bqw_section_name((bqw_section)s));
    for (size_t i = 0; ok && i < fa->keyword_count; i++)
      if (fa->keywords[i].role >= ROLE_SECTION_PROVINCE &&
          fa->keywords[i].role <= ROLE_SECTION_TIMELINE)
        ok = vocab_add(v, fa->keywords[i].text);
    break;
  case BQW_F_CATEGORY:
    for (size_t i = 0; ok && i < fa->keyword_count; i++)
      if (fa->keywords[i].role == ROLE_CATEGORY)
        ok = vocab_add(v, fa->keywords[i].text);
    break;
  case BQW_F_REGION:
    for (size_t i = 0; ok && i < fa->place_count; i++)
      ok = vocab_add(v, fa->places[i].region_hans) &&
           vocab_add(v, fa->places[i].region_hant);
    break;
  case BQW_F_CITY:
    for (size_t i = 0; ok && i < fa->place_count; i++)
      ok = vocab_add(v, fa->places[i].name_hans) && vocab_add(v, fa->places[i].name_hant);
    break;
  case BQW_F_DOCTYPE:
    for (size_t i = 0; ok && i < fa->doctype_count; i++)
      ok = vocab_add(v, fa->doctypes[i].type);
    for (size_t i = 0; ok && i < fa->doctype_count; i++)
      ok = vocab_add(v, fa->doctypes[i].ending_hans) &&
           vocab_add(v, fa->doctypes[i].ending_hant);
    break;
  case BQW_F_CODE: { /* the codebook's codes: complete, nothing to scan */
    const bqw_codebook *cb = bqw_dataset_codebook(ds); /* one set, read once */
    for (size_t i = 0; ok && i < bqw_codebook_count(cb); i++)
      ok = vocab_add(v, bqw_codebook_code(cb, i)->code);
    v->scanned = true;
    break;
  }
  default:
    break;
  }
  return ok;
}

/* Adds every value the dataset's records have for f (and its `also` field). */
static bool vocab_scan(query_vocab *v, bqw_dataset *ds, const bqw_field_info *fi) {
  size_t n = bqw_record_count(ds);
  const char *last[2] = {NULL, NULL};
  for (size_t r = 0; r < n; r++) {
    for (int k = 0; k < 2; k++) {
      int f = k == 0 ? (int)fi->id : fi->also;
      if (f < 0)
        continue;
      bqw_value val;
      bqw_record_value(ds, r, 0, (bqw_field_id)f, &val);
      if (val.type != BQW_TYPE_TEXT || val.text == last[k])
        continue;
      last[k] = val.text;
      if (!vocab_add(v, val.text))
        return false;
    }
  }
  v->scanned = true;
  return true;
}

static bool vocab_has(const query_vocab *v, op_kind op, const int32_t *cp, size_t n,
                      const uint32_t *table) {
  for (size_t i = 0; i < v->count; i++)
    if (op == OP_EQ ? query_equal(v->cp[i], v->ncp[i], cp, n)
                    : fold_contains(v->cp[i], v->ncp[i], cp, n, table))
      return true;
  return false;
}

/* Optimal string alignment distance between two code point strings (short ones). */
size_t query_distance(const int32_t *a, size_t na, const int32_t *b, size_t nb) {
  size_t rows[3][65];
  size_t *before = rows[0], *prev = rows[1], *cur = rows[2];
  for (size_t j = 0; j <= nb; j++)
    prev[j] = j;
  for (size_t i = 1; i <= na; i++) {
    cur[0] = i;
    for (size_t j = 1; j <= nb; j++) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      size_t d = prev[j] + 1;
      if (cur[j - 1] + 1 < d)
        d = cur[j - 1] + 1;
      if (prev[j - 1] + cost < d)
        d = prev[j - 1] + cost;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
          before[j - 2] + 1 < d)
        d = before[j - 2] + 1;
      cur[j] = d;
    }
    size_t *t = before;
    before = prev;
    prev = cur;
    cur = t;
  }
  return prev[nb];
}

/* The known value closest to the one given (folded cp), or NULL: by edit distance when
 * close, else one whose pinyin the value spells (city=zhuhai). */
static const char *did_you_mean(const query_vocab *v, const char *value, size_t len,
                                const int32_t *cp, size_t n) {
  const char *best = NULL;
  size_t best_d = SIZE_MAX;
  if (n <= 64)
    for (size_t i = 0; i < v->count; i++) {
      if (v->ncp[i] > 64)
        continue;
      size_t d = query_distance(cp, n, v->cp[i], v->ncp[i]);
      if (d < best_d) {
        best = v->text[i];
        best_d = d;
      }
    }
  size_t limit = n / 3 > 1 ? n / 3 : 1;
  if (best && best_d <= limit)
    return best;
  bool latin = len > 0 && len <= 64;
  for (size_t i = 0; latin && i < len; i++)
    latin = isalpha((unsigned char)value[i]) || value[i] == ' ' || value[i] == '\'';
  for (size_t i = 0; latin && i < v->count; i++) {
    bqw_span span;
    size_t tl = strlen(v->text[i]);
    if (bqw_pinyin_spans(v->text[i], tl, value, len, &span, 1) && span.start == 0 &&
        span.end == tl)
      return v->text[i];
  }
  return NULL;
}

/* Checks a closed vocabulary's value (folded: cp, n, kmp) against the known values,
 * cached in *cache: 0 when some value equals it (contains: holds it), 1 when none
 * does (msg then holds the message), BQW_ENOMEM. */
int query_vocab_check(query_vocab **cache, bqw_dataset *ds, const bqw_field_info *fi,
                      bool contains, const int32_t *cp, size_t n, const uint32_t *kmp,
                      const char *value, size_t len, char *msg, size_t size) {
  op_kind op = contains ? OP_CONTAINS : OP_EQ;
  if (!*cache) {
    *cache = calloc(1, sizeof **cache);
    if (!*cache || !vocab_fixed(*cache, ds, fi->id))
      return BQW_ENOMEM;
  }
  query_vocab *voc = *cache;
  if (vocab_has(voc, op, cp, n, kmp))
    return 0;
  if (!voc->scanned) {
    if (!vocab_scan(voc, ds, fi))
      return BQW_ENOMEM;
    if (vocab_has(voc, op, cp, n, kmp))
      return 0;
  }
  size_t used = 0;
  msg[0] = '\0';
  query_put_str(msg, size, &used, "unknown value ");
  query_put_quoted(msg, size, &used, value, len, 120);
  query_put_str(msg, size, &used, " for ");
  query_put_str(msg, size, &used, fi->filter);
  const char *hint = did_you_mean(voc, value, len, cp, n);
  if (hint) {
    query_put_str(msg, size, &used, ", did you mean ");
    query_put_quoted(msg, size, &used, hint, strlen(hint), 120);
    query_put_str(msg, size, &used, "?");
  }
  query_put_str(msg, size, &used, " (");
  query_put_str(msg, size, &used, fi->filter);
  query_put_str(msg, size, &used, ": ");
  for (size_t i = 0; i < voc->count && i < 12; i++) {
    if (i)
      query_put_str(msg, size, &used, ", ");
    query_put_str(msg, size, &used, voc->text[i]);
  }
  if (voc->count > 12)
    query_put_str(msg, size, &used, ", …");
  query_put_str(msg, size, &used, ")");
  return 1;
}

/* ---- values of integer and date fields --------------------------------------------- */

static bool lua_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

/* Digits at s[*i..] into *(long long *)out: their value, saturated; false when there
 * are none. */
static bool digits(const char *s, size_t n, size_t *i, void *out) {
  size_t start = *i;
  long long v = 0;
  while (*i < n && isdigit((unsigned char)s[*i])) {
    int d = s[*i] - '0';
    v = v > (LLONG_MAX - d) / 10 ? LLONG_MAX : v * 10 + d;
    (*i)++;
  }
  *(long long *)out = v;
  return *i > start;
}

/* A date prefix at s[*i..] into (char *)into (16 bytes): YYYY, YYYY-MM or
 * YYYY-MM-DD. */
static bool date_prefix(const char *s, size_t n, size_t *i, void *into) {
  char *out = into;
  size_t start = *i, k = 0;
  for (int part = 0; part < 3; part++) {
    size_t want = part == 0 ? 4 : 2;
    if (part > 0) {
      if (*i >= n || s[*i] != '-')
        break;
      if (*i + 1 >= n || !isdigit((unsigned char)s[*i + 1])) {
        *i = start;
        return false;
      }
      out[k++] = '-';
      (*i)++;
    }
    for (size_t d = 0; d < want; d++, (*i)++) {
      if (*i >= n || !isdigit((unsigned char)s[*i])) {
        *i = start;
        return false;
      }
      out[k++] = s[*i];
    }
  }
  out[k] = '\0';
  return true;
}

static void skip_space(const char *s, size_t n, size_t *i) {
  while (*i < n && lua_space((unsigned char)s[*i]))
    (*i)++;
}

/* The whole of s as "A" or "A..B", spaces allowed around each, an item read by item
 * into a and b: 1 for one value (in a), 2 for a range, 0 for anything else. */
static int read_range(const char *s, size_t n,
                      bool (*item)(const char *s, size_t n, size_t *i, void *out),
                      void *a, void *b) {
  size_t i = 0;
  skip_space(s, n, &i);
  if (!item(s, n, &i, a))
    return 0;
  skip_space(s, n, &i);
  if (i == n)
    return 1;
  if (i + 1 >= n || s[i] != '.' || s[i + 1] != '.')
    return 0;
  i += 2;
  skip_space(s, n, &i);
  if (!item(s, n, &i, b))
    return 0;
  skip_space(s, n, &i);
  return i == n ? 2 : 0;
}

/* "bad value for WORD: EXPECTED" and s quoted, into msg; returns 1. */
static int bad_value(char *msg, size_t size, const char *word, const char *expected,
                     const char *s, size_t n) {
  size_t used = 0;
  msg[0] = '\0';
  query_put_str(msg, size, &used, "bad value for ");
  query_put_str(msg, size, &used, word);
  query_put_str(msg, size, &used, expected);
  query_put_quoted(msg, size, &used, s, n, 200);
  return 1;
}

/* "2025" or "2023..2025" (spaces allowed around), as filter_util.parse_years reads it. */
int query_parse_range(const char *word, const char *s, size_t n, long long *from,
                      long long *to, char *msg, size_t size) {
  long long a, b;
  int k = read_range(s, n, digits, &a, &b);
  if (k == 2 && a > b)
    return snprintf(msg, size, "bad value for %s: the range %lld..%lld runs backwards",
                    word, a, b),
           1;
  if (k) {
    *from = a;
    *to = k == 2 ? b : a;
    return 0;
  }
  return bad_value(msg, size, word,
                   ": expected a year such as 2025 or a range such as 2023..2027, got ",
                   s, n);
}

int query_parse_dates(const char *word, const char *s, size_t n, char from[16],
                      char to[16], char *msg, size_t size) {
  int k = read_range(s, n, date_prefix, from, to);
  if (k == 2 && strncmp(from, to, strlen(to)) > 0)
    return snprintf(msg, size, "bad value for %s: the range %s..%s runs backwards", word,
                    from, to),
           1;
  if (k == 1)
    memcpy(to, from, 16);
  if (k)
    return 0;
  return bad_value(
      msg, size, word,
      ": expected a date such as 2023-09-01, 2023-09 or 2023, or a range such "
      "as 2023-01..2023-06, got ",
      s, n);
}
